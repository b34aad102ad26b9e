"""The move journal in the destination folder: append-only JSON lines, each fsynced.

``DEST/.fgaesq-moves.jsonl`` says, before a file moves, where it goes (``intent``), and after
it, that it went (``done``) or that it never did (``failed``).  The catalog holds the same
moves (``Catalog.record_moves``); undo trusts only moves both agree on, so a crafted or
damaged journal can never make undo act outside the folders a real move used.  A lock file
beside the journal keeps two moves into one folder from interleaving.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from app.errors import AppError
from app.fileio import NotARegularFile, read_regular
from app.photos.scan import MOVE_JOURNAL_NAME as JOURNAL_NAME

LOCK_NAME = ".fgaesq-moves.lock"
MAX_JOURNAL_BYTES = 64 * 1024 * 1024
LOCK_TIMEOUT_S = 120.0


class MoveError(AppError):
    """A move or undo could not start or was refused; the message says which files and why."""


def journal_path(dest_dir: str | os.PathLike[str]) -> Path:
    return Path(dest_dir) / JOURNAL_NAME


def holds_journal(folder: Path) -> bool:
    """True for a folder that rejects were moved into (scans pass over it)."""
    return (folder / JOURNAL_NAME).is_file()


def destination_lock(dest: Path) -> FileLock:
    """The lock that serialises moves and undos into one destination folder."""
    return FileLock(str(dest / LOCK_NAME), timeout=LOCK_TIMEOUT_S)


class Journal:
    """Append-only JSON lines, each line flushed and fsynced before the next step."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, entry: dict) -> None:
        try:
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK
            fd = os.open(self.path, flags | getattr(os, "O_NOFOLLOW", 0), 0o644)
        except OSError as error:
            raise MoveError(
                f"cannot write the journal {self.path}: {error.strerror or error}"
            ) from error
        try:
            if not _is_regular(fd):
                raise MoveError(f"cannot write the journal {self.path}: not a regular file")
            os.write(fd, _line(entry))
            os.fsync(fd)
        except OSError as error:
            raise MoveError(
                f"cannot write the journal {self.path}: {error.strerror or error}"
            ) from error
        finally:
            os.close(fd)

    def read(self) -> list[dict]:
        """Every complete line; a line cut short by a crash is passed over."""
        return self.read_lines()[0]

    def read_lines(self) -> tuple[list[dict], int]:
        """Every readable line, and how many lines were damaged (cut short by a crash, or
        edited into something that is not one JSON object)."""
        try:
            data = read_regular(self.path, MAX_JOURNAL_BYTES)
        except FileNotFoundError:
            raise MoveError(f"no move journal at {self.path}") from None
        except NotARegularFile:
            raise MoveError(f"the journal {self.path} is not a regular file") from None
        except OSError as error:
            raise MoveError(
                f"cannot read the journal {self.path}: {error.strerror or error}"
            ) from error
        entries, damaged = [], 0
        for line in data.decode("utf-8", "replace").splitlines():
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except (json.JSONDecodeError, RecursionError):
                damaged += 1
                continue
            if isinstance(entry, dict):
                entries.append(entry)
            else:
                damaged += 1
        return entries, damaged


def _line(entry: dict) -> bytes:
    """One journal line in UTF-8; a name that is not UTF-8 (its bytes are lone surrogates in
    Python) is written as JSON escapes, which read back as the same name."""
    text = json.dumps(entry, ensure_ascii=False)
    try:
        return (text + "\n").encode("utf-8")
    except UnicodeEncodeError:
        return (json.dumps(entry) + "\n").encode("ascii")


def _is_regular(fd: int) -> bool:
    return stat.S_ISREG(os.fstat(fd).st_mode)


@contextmanager
def locked(dest: Path) -> Iterator[None]:
    """Hold the destination's lock, or fail with a clear message after ``LOCK_TIMEOUT_S``."""
    lock = destination_lock(dest)
    try:
        lock.acquire()
    except Timeout:
        raise MoveError(
            f"another move into {dest} is still running (lock {lock.lock_file}); "
            "try again when it has finished"
        ) from None
    try:
        yield
    finally:
        lock.release()
