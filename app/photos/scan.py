"""Folder scanning: find photos, pair RAW with JPEG, never leave the folder, survive odd names.

A scan never opens a photo; it only lists and stats files, so a rerun can decide from
size and modification time alone what needs decoding.
"""

from __future__ import annotations

import errno
import os
import stat
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from app.errors import Problem
from app.fileio import is_within, storable_name
from app.photos.formats import (
    PHOTO_EXTENSIONS,
    QUIET_EXTENSIONS,
    RAW_EXTENSIONS,
    suffix,
)

# The move journal's name (app.moves.journal): a folder holding one received moved rejects.
MOVE_JOURNAL_NAME = ".fgaesq-moves.jsonl"

# When a RAW has several same-stem siblings, the one higher in this list decodes for it.
_PREVIEW_PREFERENCE = (
    ".jpg",
    ".jpeg",
    ".jpe",
    ".heic",
    ".heif",
    ".hif",
    ".tif",
    ".tiff",
    ".png",
    ".webp",
)


@dataclass(frozen=True)
class PhotoFile:
    """One photo: a primary file plus companions that show the same picture (RAW+JPEG)."""

    path: Path
    rel: str
    size: int
    mtime_ns: int
    companions: tuple[Path, ...] = ()
    # (size, mtime_ns) of the first companion (a RAW+JPEG pair's JPEG): a JPEG rewritten
    # beside an unchanged RAW changes the photo too
    companion_stat: tuple[int, int] | None = None

    @property
    def sizes(self) -> tuple[int, ...]:
        """The sizes of its files, main file first, where known (a copy has its original's)."""
        return (self.size,) if self.companion_stat is None else (self.size, self.companion_stat[0])

    @property
    def decode_path(self) -> Path:
        """The file to decode: a camera JPEG beside a RAW decodes faster than the RAW."""
        for ext in _PREVIEW_PREFERENCE:
            for companion in self.companions:
                if suffix(companion) == ext:
                    return companion
        return self.path

    @property
    def files(self) -> tuple[Path, ...]:
        return (self.path, *self.companions)


@dataclass
class ScanResult:
    photos: list[PhotoFile] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    sidecars: set[Path] = field(default_factory=set)  # regular .xmp files seen on the way
    skipped: list[str] = field(default_factory=list)  # folders in ``skip`` passed over
    outside_links: list[str] = field(default_factory=list)  # links leading out of the folder

    def notes(self) -> list[str]:
        """One line for the summary per kind of thing the scan passed over on purpose."""
        lines = []
        if self.skipped:
            lines.append(
                "Not scanned (rejects were moved there): "
                + ", ".join(f"{f}/" for f in self.skipped)
            )
        if self.outside_links:
            lines.append(
                f"{len(self.outside_links)} symbolic links lead outside the folder and were not "
                "followed: " + ", ".join(self.outside_links)
            )
        return lines


def display_path(rel: str) -> str:
    """A printable, storable form of a relative path (``storable_name``): the same file
    gets the same name on every run, and ``disk_path`` finds the file again from it."""
    return storable_name(rel)


def relative_name(path: Path, root: Path) -> str:
    return display_path(path.relative_to(root).as_posix())


def scan_folder(
    root: Path | str,
    recursive: bool = True,
    skip: Iterable[Path | str] = (),
    quiet: Iterable[Path | str] = (),
) -> ScanResult:
    """List the photos under ``root``.

    Symbolic links are not followed: nothing outside the folder is read as part of it, and a
    link to a place inside it would list the same photos twice.  Links that lead outside are
    listed in ``outside_links`` (broken ones are problems); links inside are passed over
    quietly, since what they lead to is scanned under its own name.  The folders in ``skip``
    (the folders this catalog moved rejects into) are passed over and listed in ``skipped``;
    the files in ``quiet`` (the catalog and its -wal/-shm files, when it lives in the folder)
    are not mentioned.  Only regular files are photos: a FIFO or device named like a photo is
    reported, never opened.  Problems (unreadable folders, broken links, unsupported formats)
    are collected, never raised.
    """
    root = Path(os.path.abspath(root))
    skipped = {_identity(Path(os.path.abspath(folder))) for folder in skip} - {None}
    quiet_files = {_identity(Path(os.path.abspath(path))) for path in quiet} - {None}
    result = ScanResult()
    # Strings, not Path objects, on the way: a rerun of a large card lists every file, and
    # pathlib's parsing would cost more than the listing itself.
    found: list[tuple[str, str, str, os.stat_result]] = []  # (full path, relative, ext, stat)
    seen_dirs: set[tuple[int, int]] = set()
    seen_files: set[tuple[int, int]] = set()  # hard links: one photo, listed once

    def problem(rel: str, message: str) -> None:
        result.problems.append(Problem(display_path(rel or "."), message))

    def walk(directory: str, prefix: str) -> None:
        try:
            dir_stat = os.stat(directory)
        except OSError as exc:
            problem(prefix.rstrip("/"), _describe_os_error(exc, "folder"))
            return
        key = (dir_stat.st_dev, dir_stat.st_ino)
        if key in seen_dirs:  # a bind mount of a folder above: never twice
            problem(prefix.rstrip("/"), "folder already scanned, skipped")
            return
        seen_dirs.add(key)
        try:
            with os.scandir(directory) as entries:
                listed = sorted((entry.name, entry.path) for entry in entries)
        except OSError as exc:
            problem(prefix.rstrip("/"), _describe_os_error(exc, "folder"))
            return
        for name, full in listed:
            rel = prefix + name
            try:
                st = os.lstat(full)
            except OSError as exc:
                if not name.startswith("."):
                    problem(rel, _describe_os_error(exc, "file"))
                continue
            if stat.S_ISLNK(st.st_mode):
                if not name.startswith("."):
                    link(full, rel)
                continue
            if stat.S_ISDIR(st.st_mode):
                if recursive and not name.startswith("."):
                    if (st.st_dev, st.st_ino) in skipped:
                        result.skipped.append(display_path(rel))
                    else:
                        walk(full, rel + "/")
                continue
            ext = os.path.splitext(name)[1].lower()
            if name.startswith(".") or ext in QUIET_EXTENSIONS:
                if ext == ".xmp" and stat.S_ISREG(st.st_mode):
                    result.sidecars.add(Path(full))
                continue
            if (st.st_dev, st.st_ino) in quiet_files:
                continue
            if not stat.S_ISREG(st.st_mode):
                if ext in PHOTO_EXTENSIONS:
                    problem(rel, f"{_special_kind(st.st_mode)}, not a photo file: not opened")
                continue
            if ext not in PHOTO_EXTENSIONS:
                problem(rel, f"unsupported format ({ext or 'no extension'})")
                continue
            if (st.st_dev, st.st_ino) in seen_files:
                continue
            seen_files.add((st.st_dev, st.st_ino))
            found.append((full, rel, ext, st))

    def link(full: str, rel: str) -> None:
        """A symbolic link: never followed; one leading outside is listed, a broken one is a
        problem, one leading inside is passed over (its target is scanned by its own name)."""
        try:
            os.stat(full)
        except OSError as exc:
            problem(rel, _describe_os_error(exc, "file"))
            return
        if not is_within(full, root):
            result.outside_links.append(display_path(rel))

    walk(str(root), "")
    result.photos = _pair_raw_with_previews(found)
    result.photos.sort(key=lambda photo: photo.rel)
    return result


def _pair_raw_with_previews(found: list[tuple[str, str, str, os.stat_result]]) -> list[PhotoFile]:
    """Merge a RAW and its same-stem JPEG (or HEIF/TIFF) in the same folder into one photo."""
    by_stem: dict[str, list[tuple[str, str, str, os.stat_result]]] = defaultdict(list)
    for item in found:
        by_stem[item[1][: len(item[1]) - len(item[2])].lower()].append(item)
    photos: list[PhotoFile] = []
    for group in by_stem.values():
        raws = [item for item in group if item[2] in RAW_EXTENSIONS]
        others = [item for item in group if item[2] not in RAW_EXTENSIONS]
        if len(raws) == 1 and others:
            others.sort(key=lambda item: _preference_rank(item[2]))
            companion, *rest = others
            photos.append(_photo(raws[0], (Path(companion[0]),), companion[3]))
            photos.extend(_photo(item) for item in rest)
        else:
            photos.extend(_photo(item) for item in group)
    return photos


def _preference_rank(ext: str) -> int:
    return (
        _PREVIEW_PREFERENCE.index(ext) if ext in _PREVIEW_PREFERENCE else len(_PREVIEW_PREFERENCE)
    )


def _photo(
    item: tuple[str, str, str, os.stat_result],
    companions: tuple[Path, ...] = (),
    companion: os.stat_result | None = None,
) -> PhotoFile:
    full, rel, _ext, st = item
    return PhotoFile(
        path=Path(full),
        rel=display_path(rel),
        size=st.st_size,
        mtime_ns=st.st_mtime_ns,
        companions=companions,
        companion_stat=None if companion is None else (companion.st_size, companion.st_mtime_ns),
    )


def _identity(folder: Path) -> tuple[int, int] | None:
    try:
        st = folder.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _special_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device or special file"


def _describe_os_error(exc: OSError, what: str) -> str:
    if exc.errno == errno.ELOOP:
        return "symbolic link loop"
    if exc.errno == errno.ENOENT:
        return "broken symbolic link" if what == "file" else f"{what} disappeared during the scan"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"permission denied: cannot read this {what}"
    return f"cannot read this {what}: {exc.strerror or exc}"


__all__ = [
    "RAW_EXTENSIONS",
    "PhotoFile",
    "ScanResult",
    "display_path",
    "scan_folder",
]
