"""The catalog file's SQLite connections: one shared set per file per process.

Why one set: SQLite's locks on a file are POSIX advisory locks, and POSIX drops every lock a
process holds on a file when the process closes *any* descriptor of that file ("How To
Corrupt An SQLite Database File", section 2.2).  A second, independent set of connections
(or a plain ``open()`` of the file to peek at its header) that is closed while the first is
in use silently releases the first set's locks: another process may then checkpoint and
delete the -wal and -shm files under it, and the catalog is corrupted.  So every ``Catalog``
object on a file borrows the same :class:`CatalogConnections` from a process-wide registry,
the last one to close disposes of it, and nothing but SQLite ever opens the file.

Writes are serialised by one lock per file in this process (the waiter wakes the moment the
other commits, where SQLite's busy handler would sleep in growing steps) and by ``BEGIN
IMMEDIATE`` between processes.  Reads use their own ``query_only`` connections, so in WAL
mode a GUI thread reads while a worker thread writes.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

from app.photos.formats import is_photo_or_sidecar

from .errors import (
    NOT_A_CATALOG_REMEDY,
    READ_ONLY_REMEDY,
    CatalogError,
    damaged_remedy,
    translate,
)

DEFAULT_BUSY_TIMEOUT_S = 5.0


class CatalogConnections:
    """The reader and writer engines of one catalog file, shared by the whole process.

    Do not construct directly: :func:`acquire` hands out the shared instance and
    :func:`release` closes it when its last user is done.
    """

    def __init__(self, path: Path, busy_timeout_s: float) -> None:
        self.path = path
        self.busy_ms = max(0, int(busy_timeout_s * 1000))
        self.write_lock = threading.RLock()
        self.users = 0
        self.writer = self._engine("BEGIN IMMEDIATE", query_only=False)
        self.reader = self._engine("BEGIN", query_only=True)

    def _engine(self, begin: str, *, query_only: bool) -> Engine:
        path, timeout_s, busy_ms = str(self.path), self.busy_ms / 1000, self.busy_ms
        engine = create_engine(
            "sqlite://",  # the file is opened by ``creator``: no URL quoting of odd folder names
            creator=lambda: sqlite3.connect(path, timeout=timeout_s, check_same_thread=False),
            poolclass=QueuePool,
        )

        @event.listens_for(engine, "connect")
        def _configure(dbapi_connection: Any, _record: Any) -> None:
            # Own the transactions: pysqlite's implicit BEGIN would not cover DDL.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
            if not query_only:
                cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA synchronous = NORMAL")
            if query_only:
                cursor.execute("PRAGMA query_only = ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection: Any) -> None:
            connection.exec_driver_sql(begin)

        return engine

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction (``BEGIN IMMEDIATE``), committed when the block ends."""
        with self.write_lock, self._session(self.writer) as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """One read transaction on a ``query_only`` connection."""
        with self._session(self.reader) as session:
            yield session

    @contextmanager
    def _session(self, engine: Engine) -> Iterator[Session]:
        try:
            with Session(engine, expire_on_commit=False) as session, session.begin():
                yield session
        except (sa_exc.DBAPIError, sa_exc.OperationalError) as error:
            raise translate(self.path, error) from error

    def check_integrity(self) -> None:
        """``PRAGMA integrity_check``; raises CatalogError naming what is damaged."""
        with self.read() as session:
            problems = list(session.execute(text("PRAGMA integrity_check")).scalars())
        if problems != ["ok"]:
            summary = "; ".join(str(p) for p in problems[:3])
            raise CatalogError(
                self.path, f"integrity check failed ({summary})", damaged_remedy(self.path)
            )

    def dispose(self) -> None:
        for engine in (self.reader, self.writer):
            engine.dispose()


_REGISTRY: dict[str, CatalogConnections] = {}
_REGISTRY_LOCK = threading.Lock()


def registry_key(path: Path) -> str:
    """One key per file, however it is spelled (relative, through links, case on Windows)."""
    return os.path.normcase(os.path.realpath(path))


def acquire(path: Path, busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S) -> CatalogConnections:
    """The process's connections to the catalog at ``path``, opened on first use.

    Raises:
        CatalogError: the file or its folder is read-only, or it is not a regular file.
    """
    key = registry_key(path)
    with _REGISTRY_LOCK:
        shared = _REGISTRY.get(key)
        if shared is None:
            check_writable(path)
            shared = _REGISTRY[key] = CatalogConnections(path, busy_timeout_s)
        shared.users += 1
        return shared


def release(shared: CatalogConnections) -> None:
    """Give back connections from :func:`acquire`; the last user closes them (and SQLite
    checkpoints the WAL when no other process has the file open)."""
    with _REGISTRY_LOCK:
        shared.users -= 1
        if shared.users > 0:
            return
        key = registry_key(shared.path)
        if _REGISTRY.get(key) is shared:
            del _REGISTRY[key]
    shared.dispose()


def open_count(path: Path) -> int:
    """How many users share the connections to ``path`` in this process (0: none open)."""
    with _REGISTRY_LOCK:
        shared = _REGISTRY.get(registry_key(path))
        return 0 if shared is None else shared.users


def check_writable(path: Path) -> None:
    """Refuse a catalog that cannot be written *before* SQLite touches it.

    SQLite would open a read-only file anyway, create -wal and -shm files with the same
    read-only mode beside it, and fail only at the first write.  A file whose mode has no
    write bit at all counts as read-only even for a user (root) who could write it: somebody
    made it read-only on purpose.  Only ``stat`` and ``access`` are used: opening the file
    would drop this process's SQLite locks on it (see the module docstring).  A photo or a
    sidecar given as the catalog is refused by its name, before anything reads it.
    """
    if is_photo_or_sidecar(path):
        raise CatalogError(path, "this is a photo or sidecar, not a catalog", NOT_A_CATALOG_REMEDY)
    try:
        info = path.stat()
    except FileNotFoundError:
        folder = path.parent
        if folder.is_dir() and not os.access(folder, os.W_OK):
            raise CatalogError(
                path, "its folder is read-only, so the catalog cannot be created", READ_ONLY_REMEDY
            ) from None
        return
    except OSError as error:
        raise CatalogError(path, f"cannot read the file ({error.strerror or error})") from error
    if not stat.S_ISREG(info.st_mode):
        raise CatalogError(path, "not a regular file", "Choose a file name for the catalog")
    no_write_bits = not info.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    if no_write_bits or not os.access(path, os.W_OK):
        raise CatalogError(path, "the file is read-only", READ_ONLY_REMEDY)
    if not os.access(path.parent, os.W_OK):
        raise CatalogError(
            path,
            "its folder is read-only (SQLite needs to write its -wal file beside the catalog)",
            READ_ONLY_REMEDY,
        )
