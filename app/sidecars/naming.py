"""Which sidecar file belongs to which photo.

Lightroom and Photo Mechanic read ``IMG_0001.xmp`` (extension replaced); darktable and
digiKam write ``IMG_0001.CR3.xmp`` (extension appended).  Two different photos with one stem
in one folder (``IMG_0001.jpg`` and ``IMG_0001.tif``, not a RAW+JPEG pair) would share
``IMG_0001.xmp``: such photos get the appended names only, so one photo's marks never land
in the other's sidecar and a move never takes a sidecar another photo still uses.
"""

from __future__ import annotations

import os
import stat
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.options import SidecarStyle


def replaced_name(photo: Path) -> Path:
    return photo.with_suffix(".xmp")


def appended_name(photo: Path) -> Path:
    return photo.with_name(photo.name + ".xmp")


def sidecar_paths(
    photo: str | os.PathLike[str], style: SidecarStyle | str = SidecarStyle.REPLACE
) -> list[Path]:
    """The sidecar file names of one image file for a naming style."""
    photo = Path(photo)
    style = SidecarStyle(style)
    if style is SidecarStyle.REPLACE:
        return [replaced_name(photo)]
    if style is SidecarStyle.APPEND:
        return [appended_name(photo)]
    return [replaced_name(photo), appended_name(photo)]


def candidate_names(photo: Path, *, shared_stem: bool = False) -> list[Path]:
    """Every spelling a sidecar of ``photo`` may have (``.xmp`` / ``.XMP``, both styles)."""
    appended = [photo.with_name(photo.name + ".xmp"), photo.with_name(photo.name + ".XMP")]
    if shared_stem:
        return appended
    return [photo.with_suffix(".xmp"), photo.with_suffix(".XMP"), *appended]


def existing_sidecars(
    photo: str | os.PathLike[str],
    *,
    shared_stem: bool = False,
    present: set[str] | None = None,
) -> list[Path]:
    """Sidecars of either style that exist next to an image as regular files.

    ``present``: the paths of the sidecar files a scan just listed (as strings), so
    nothing needs to be looked up.
    """
    if present is not None:
        # plain strings: a cull looks at every photo of the folder
        text = os.fspath(photo)
        base = os.path.splitext(text)[0]
        names = (base + ".xmp", base + ".XMP") if not shared_stem else ()
        listed = [Path(n) for n in (*names, text + ".xmp", text + ".XMP") if n in present]
        return _distinct(listed)
    return _distinct(
        [c for c in candidate_names(Path(photo), shared_stem=shared_stem) if _is_regular(c)]
    )


def _listed_sidecars(folder: str) -> list[str]:
    """The names of the regular ``.xmp`` files in ``folder`` (none if it cannot be listed)."""
    try:
        with os.scandir(folder) as entries:
            return [
                e.name
                for e in entries
                if e.name.lower().endswith(".xmp") and e.is_file(follow_symlinks=False)
            ]
    except OSError:
        return []


def _is_regular(path: Path) -> bool:
    """A regular file, not a link; False for a name the file system cannot even hold (a
    photo name near the length limit plus ``.xmp``), not an error."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except (OSError, ValueError):
        return False


def _distinct(paths: list[Path]) -> list[Path]:
    """One of each file (``.xmp`` and ``.XMP`` are one file on case-insensitive systems)."""
    found: list[Path] = []
    for path in paths:
        if not any(_same_file(path, f) for f in found):
            found.append(path)
    return found


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)  # case-insensitive file systems
    except OSError:
        return False


@dataclass(frozen=True)
class PhotoFiles:
    """The files of one photo: the main file first, then companions (a RAW's JPEG)."""

    photo_id: int
    files: tuple[Path, ...]


class SidecarNames:
    """Sidecar naming for every photo of one folder, aware of photos that share a stem."""

    def __init__(self, photos: Iterable[PhotoFiles], present: set[Path] | None = None) -> None:
        # sidecar files listed by a scan, as strings (None: look each one up)
        self.present = None if present is None else {os.fspath(p) for p in present}
        by_stem: dict[tuple[Path, str], set[int]] = defaultdict(set)
        self._files: dict[int, tuple[Path, ...]] = {}
        for photo in photos:
            self._files[photo.photo_id] = photo.files
            for file in photo.files:
                by_stem[(file.parent, file.stem.lower())].add(photo.photo_id)
        # sidecar names by folder and case-folded name (see ``_case_variants``)
        self._spellings: dict[str, dict[str, list[str]]] = {}
        self._present_indexed = False
        self.shared: dict[int, tuple[Path, ...]] = {}
        for (folder, stem), ids in by_stem.items():
            if len(ids) > 1:
                for photo_id in ids:
                    self.shared[photo_id] = tuple(
                        f
                        for other in sorted(ids)
                        for f in self._files[other]
                        if f.parent == folder and f.stem.lower() == stem
                    )

    def note_written(self, sidecar: Path) -> None:
        """A sidecar this app just created now exists (for a later move of its photo)."""
        if self.present is not None:
            self.present.add(os.fspath(sidecar))
        folder = os.fspath(sidecar.parent)
        if folder in self._spellings or self._present_indexed:
            spelled = self._spellings.setdefault(folder, defaultdict(list))
            if sidecar.name not in spelled[sidecar.name.casefold()]:
                spelled[sidecar.name.casefold()].append(sidecar.name)

    def _case_variants(self, name: Path) -> list[Path]:
        """Sidecars spelled like ``name`` but for letter case (``img_0001.xmp`` beside
        ``IMG_0001.JPG``): written on a case-insensitive disk, they are this photo's marks
        there, so they are read, kept up to date and moved with it here too.  Each folder's
        sidecar names are listed once (from the scan's list when there is one)."""
        folder = os.fspath(name.parent)
        if folder not in self._spellings:
            if self.present is None:
                listed = [os.path.join(folder, n) for n in _listed_sidecars(folder)]
            elif not self._present_indexed:  # the scan's list: every folder at once
                listed, self._present_indexed = list(self.present), True
            else:
                listed = []
            self._spellings[folder] = defaultdict(list)
            for path in sorted(listed):
                where, found = os.path.split(path)
                self._spellings.setdefault(where, defaultdict(list))[found.casefold()].append(found)
        spellings = self._spellings[folder]
        return [
            name.with_name(found)
            for found in spellings.get(name.name.casefold(), ())
            if found != name.name and _is_regular(name.with_name(found))
        ]

    def __contains__(self, photo_id: object) -> bool:
        return photo_id in self._files

    def shares_stem(self, photo_id: int) -> bool:
        return photo_id in self.shared

    def targets(self, photo_id: int, style: SidecarStyle | str) -> list[Path]:
        """Where this photo's marks are written for ``style``."""
        main = self._files[photo_id][0]
        if photo_id in self.shared:
            return [appended_name(main)]
        return [self._spelled_as_found(name) for name in sidecar_paths(main, style)]

    def _spelled_as_found(self, name: Path) -> Path:
        """``name``, or the one sidecar on disk spelled like it but for letter case: update
        that file, do not add a twin beside it."""
        variants = self._case_variants(name)
        return variants[0] if len(variants) == 1 and not _is_regular(name) else name

    def existing(self, photo_id: int) -> list[Path]:
        """The sidecar files on disk that belong to this photo alone."""
        shared = photo_id in self.shared
        found: list[Path] = []
        for file in self._files[photo_id]:
            listed = existing_sidecars(file, shared_stem=shared, present=self.present)
            if not shared:  # photos sharing a stem cannot tell whose a case variant is
                for name in (replaced_name(file), appended_name(file)):
                    listed += self._case_variants(name)
            for sidecar in listed:
                if sidecar not in found and not any(_same_file(sidecar, f) for f in found):
                    found.append(sidecar)
        return found

    def shared_stem_notes(self) -> list[str]:
        """One line per group of photos that share a stem, for the run's notes."""
        groups = {tuple(sorted(str(f.name) for f in files)) for files in self.shared.values()}
        return [
            f"{' and '.join(names)} share a name: each gets its own sidecar "
            f"({', '.join(n + '.xmp' for n in names)})"
            for names in sorted(groups)
        ]


def photo_files(photo_id: int, paths: Sequence[Path]) -> PhotoFiles:
    return PhotoFiles(photo_id, tuple(Path(p) for p in paths))
