"""File access that untrusted folders cannot turn against the app.

Photographers' folders and everything in them (sidecars, journals, other apps' files) are
input: a FIFO named like a sidecar would block ``open()`` forever, a huge file would be read
into memory whole, a crash mid-write would leave half a file.  Everything the app reads from
or writes into such a folder goes through here: only regular files are opened (never
blocking on a FIFO or device), reads have a size cap, and writes are atomic.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
from collections.abc import Callable
from pathlib import Path

# Temporary files this app creates beside a file it writes: short, so that any name the file
# system accepts (255 bytes on most) can still be written, and hidden, so scans pass them over.
TEMP_PREFIX = ".fgq-"


def temp_name(suffix: str = ".tmp") -> str:
    """A fresh hidden temporary name, the same length whatever file it stands in for."""
    return f"{TEMP_PREFIX}{secrets.token_hex(8)}{suffix}"


LINK_KIND = "a symbolic link"


class NotARegularFile(OSError):
    """The path names a FIFO, device, socket or folder where a regular file was expected."""


def _describe_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def file_kind_problem(path: str | os.PathLike[str]) -> str | None:
    """None for a regular file (or a missing one), else what it is instead."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return None
    return None if stat.S_ISREG(mode) else _describe_kind(mode)


def is_within(path: str | os.PathLike[str], folder: str | os.PathLike[str]) -> bool:
    """True when ``path``, with every link resolved, lies in ``folder`` (links resolved too)."""
    real_folder = os.path.realpath(folder)
    try:
        return os.path.commonpath([real_folder, os.path.realpath(path)]) == real_folder
    except ValueError:  # another drive (Windows)
        return False


# A byte that is not UTF-8, as ``storable_name`` spells it: only bytes 0x80-0xff get there.
_ESCAPED_BYTE = re.compile(rb"\\x([89a-f][0-9a-f])")


def storable_name(name: str) -> str:
    """A path as the catalog, JSON and the journal can hold it.

    Names that are not valid UTF-8 (an old card, a copy from another system) reach Python as
    lone surrogates, which SQLite and UTF-8 text refuse; their bytes are spelled as
    backslash escapes (``caf\\xe9.jpg``) instead.  ``disk_path`` turns such a spelling back
    into the file's name.
    """
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def disk_path(stored: str | os.PathLike[str]) -> Path:
    """The file a path spelled by ``storable_name`` names.

    The escapes are read back as the bytes they stand for, unless a file is there under the
    spelling itself (a name that really holds a backslash and an ``x``).
    """
    text = os.fspath(stored)
    if "\\x" not in text or os.path.lexists(text):
        return Path(text)
    return Path(unescaped_name(text))


def unescaped_name(stored: str) -> str:
    """``stored`` with the escapes ``storable_name`` wrote read back as the bytes they stand
    for, whatever is on disk (``disk_path`` looks first)."""
    raw = _ESCAPED_BYTE.sub(lambda m: bytes([int(m.group(1), 16)]), stored.encode("utf-8"))
    return raw.decode("utf-8", "surrogateescape")


def read_regular(
    path: str | os.PathLike[str], limit: int | None = None, *, follow_link: bool = False
) -> bytes:
    """The bytes of a regular file, refusing anything else without blocking.

    A symbolic link is refused unless ``follow_link``: in a photographer's folder it may lead
    anywhere, and nothing outside the folder is read as part of it.

    Raises:
        FileNotFoundError: no such file.
        NotARegularFile: a FIFO, device, socket, folder or (unless ``follow_link``) a link.
        OSError: the file cannot be read, or is larger than ``limit`` bytes (EFBIG).
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    if not follow_link:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as error:
        if error.errno == errno.ELOOP and os.path.islink(path):
            raise NotARegularFile(errno.ELOOP, LINK_KIND, str(path)) from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotARegularFile(errno.EINVAL, f"{_describe_kind(info.st_mode)}", str(path))
        if limit is not None and info.st_size > limit:
            raise OSError(
                errno.EFBIG,
                f"{info.st_size / 1e6:.1f} MB, larger than the {limit / 1e6:g} MB this app reads",
                str(path),
            )
        chunks, remaining = [], info.st_size if limit is None else limit + 1
        while True:
            chunk = os.read(fd, 1 << 20 if limit is None else min(1 << 20, remaining))
            if not chunk:
                break
            chunks.append(chunk)
            if limit is not None:
                remaining -= len(chunk)
                if remaining <= 0:
                    raise OSError(errno.EFBIG, "the file grew while being read", str(path))
        return b"".join(chunks)
    finally:
        os.close(fd)


def is_read_only(path: str | os.PathLike[str]) -> bool:
    """True for an existing file that somebody made read-only (no write bit, or no access).

    A file with no write bit at all counts as read-only even for a user (root) who could
    write it anyway: its owner made it read-only on purpose.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return False
    no_write_bits = not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    return no_write_bits or not os.access(path, os.W_OK)


def atomic_write(
    path: str | os.PathLike[str],
    data: bytes | str,
    before_replace: Callable[[], None] | None = None,
    *,
    follow_link: bool = False,
) -> None:
    """Replace ``path`` with ``data`` through a fsynced temporary file in the same folder.

    A crash leaves the old file or the new one, never half of one.  An existing file's
    permission bits are kept; a new file gets the usual mode for the umask.  The temporary
    file is removed on failure; the target is never removed.  ``before_replace`` runs after
    the slow part (writing and fsyncing), right before the rename: it may raise to call the
    replacement off (a check that the target is still the version the data was made from).
    A symbolic link is refused (replacing it would break it, following it could write
    outside the folder), unless ``follow_link``: then the file it leads to is replaced and
    the link kept.

    Raises:
        OSError: the folder cannot be written, or the target is not a regular file.
    """
    path = Path(path)
    if os.path.islink(path):
        if not follow_link:
            raise NotARegularFile(errno.ELOOP, f"{LINK_KIND}: not replaced", str(path))
        path = Path(os.path.realpath(path))
    if isinstance(data, str):
        data = data.encode("utf-8")
    folder = path.parent
    try:
        info = os.stat(path)
    except FileNotFoundError:
        mode = _default_file_mode()
    else:
        if not stat.S_ISREG(info.st_mode):
            raise NotARegularFile(errno.EINVAL, _describe_kind(info.st_mode), str(path))
        mode = stat.S_IMODE(info.st_mode)
    temp, handle = _create_temp(folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp, mode)
        if before_replace is not None:
            before_replace()
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)  # our own temporary file, never the target
        raise
    fsync_folder(folder)


def _create_temp(folder: Path) -> tuple[Path, int]:
    """A new temporary file in ``folder`` (never an existing one): its path and descriptor."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    flags |= getattr(os, "O_BINARY", 0)
    for _attempt in range(100):
        temp = folder / temp_name()
        try:
            return temp, os.open(temp, flags, 0o600)
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(folder))


def fsync_folder(folder: str | os.PathLike[str]) -> None:
    """Make a rename in ``folder`` durable where the platform can open a folder (POSIX)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _read_umask() -> int:
    # Read once at import: os.umask can only be read by setting it, which races with threads.
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


_UMASK = _read_umask()


def _default_file_mode() -> int:
    return 0o666 & ~_UMASK
