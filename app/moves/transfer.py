"""Moving one file without ever losing it, even when the process is killed half-way.

On one file system a move is a rename onto a reserved (empty) target.  Across file systems
the file is copied to a temporary name beside the target, fsynced and compared, then renamed
onto the target, and only then is the source removed.  So at every instant the file is
whole in at least one place: the source (with at most an empty reservation or a partial
temporary copy beside the target), or the target.  ``settle`` recognises each of those
states, which is what lets undo recover from a move killed at any point.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from app.fileio import TEMP_PREFIX, fsync_folder

PARTIAL_SUFFIX = ".partial"
# A copy this app makes carries its source's modification time (``shutil.copystat``); a FAT
# card keeps it to 2 s.
SAME_TIME_S = 2.0


@dataclass(frozen=True)
class FileMove:
    source: Path
    target: Path


def partial_name(target: Path, batch: str) -> Path:
    """The temporary copy of a cross-device move: hidden, beside the target, named by batch.

    Short and of fixed length (a digest of the name and the batch), so any name the file
    system accepts can be moved, and found again by undo after a crash.
    """
    key = hashlib.blake2b(f"{batch}/{target.name}".encode("utf-8", "surrogateescape"))
    return target.with_name(f"{TEMP_PREFIX}{key.hexdigest()[:20]}{PARTIAL_SUFFIX}")


def _older_partial_name(target: Path, batch: str) -> Path:
    """The name earlier versions gave the temporary copy (too long for long file names)."""
    return target.with_name(f".{target.name}.{batch}{PARTIAL_SUFFIX}")


def reserve(target: Path) -> None:
    """Create an empty placeholder; fails with FileExistsError if the name is taken."""
    with open(target, "xb"):
        pass


def release(placeholder: Path) -> None:
    """Remove our own empty placeholder (never a file with content)."""
    with contextlib.suppress(OSError):
        if placeholder.is_file() and placeholder.stat().st_size == 0:
            placeholder.unlink()


def is_empty(path: Path) -> bool:
    with contextlib.suppress(OSError):
        return path.is_file() and path.stat().st_size == 0
    return False


def move_file(source: Path, target: Path, batch: str) -> None:
    """Move ``source`` onto its reserved (empty) ``target``; never leaves a half file at target."""
    try:
        os.replace(source, target)
        return
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
    partial = partial_name(target, batch)
    try:
        shutil.copyfile(source, partial)
        shutil.copystat(source, partial)
        with open(partial, "rb+") as stream:
            os.fsync(stream.fileno())
        if not same_bytes(source, partial):
            raise OSError(errno.EIO, f"the copy of {source} to {target} differs")
        os.replace(partial, target)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise
    fsync_folder(target.parent)
    try:
        source.unlink()
    except OSError as error:
        # A source that cannot be removed (a read-only folder or card) did not move: a second
        # full copy that no record owns would only be left behind, so it goes again.
        with contextlib.suppress(OSError):
            target.unlink()
        reason = error.strerror or str(error)
        raise OSError(
            error.errno, f"cannot remove {source} from its folder ({reason}); the copy was removed"
        ) from error
    fsync_folder(source.parent)


def same_bytes(a: Path, b: Path) -> bool:
    with a.open("rb") as fa, b.open("rb") as fb:
        while True:
            chunk = fa.read(1 << 20)
            if chunk != fb.read(1 << 20):
                return False
            if not chunk:
                return True


def _nothing_lost(source: Path, target: Path) -> bool:
    """Whether removing ``target``, whose bytes ``source`` holds, loses nothing: one file
    under two names, or a copy with the same modification time."""
    if os.path.samefile(source, target):
        return True
    return abs(source.stat().st_mtime - target.stat().st_mtime) <= SAME_TIME_S


def settle(move: FileMove, batch: str) -> str | None:
    """Put one file of an interrupted or finished move back at its source.

    Returns None when the file is at its source afterwards, else why it could not be.
    Never creates a folder, never overwrites a file, never removes anything but this move's
    own empty reservation, its partial copy, or a verified duplicate it made.  A file with
    the same bytes back at the source is a duplicate it made only when nothing would be lost
    with ``target``: the same file under two names, or the same modification time (a copy
    across file systems, cut short before its source was removed).  A copy put back since
    (by hand, with a time of its own) is not, nor is a symbolic link (it may lead to
    ``target`` itself): both stay, and the answer says so.
    """
    source, target = move.source, move.target
    for path in (target, source):
        for partial in (partial_name(path, batch), _older_partial_name(path, batch)):
            with contextlib.suppress(OSError):
                partial.unlink()  # a cross-device copy cut short (either direction)
    if is_empty(source) and target.exists() and not is_empty(target):
        release(source)  # an earlier undo reserved the name and was cut short
    at_source, at_target = source.exists(), target.exists()
    if at_source and not at_target:
        return None  # never moved (its reservation, if any, is gone)
    if at_source and at_target:
        if is_empty(target):
            release(target)  # the move never happened: drop the reservation
            return None
        if source.is_symlink() or os.path.realpath(source) == os.path.realpath(target):
            # it reads as the file moved, and may be that very file: removing it loses it
            return f"{source} is a symbolic link now, so {target} was left where it is"
        if source.is_file() and target.is_file() and same_bytes(source, target):
            if not _nothing_lost(source, target):
                return (
                    f"{source} is back already: a byte-identical copy was put there since, "
                    f"so {target}, the file moved, was left where it is too (both are kept: "
                    "delete the one you do not need)"
                )
            target.unlink()  # a cross-device copy whose source was not removed yet
            return None
        return f"{source} exists again, so {target} was left where it is"
    if not at_target:
        return f"{target} is missing (deleted or moved since)"
    if not source.parent.is_dir():
        return f"the folder {source.parent} no longer exists, so {target} was left where it is"
    try:
        reserve(source)
    except OSError as error:
        return f"cannot put {target} back ({error.strerror or error})"
    try:
        move_file(target, source, batch)
    except OSError as error:
        release(source)
        return f"cannot put {target} back ({error.strerror or error})"
    return None
