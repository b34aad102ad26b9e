"""A photo renamed on disk keeps its sidecars: the record of what this app wrote follows it.

When a cull adopts a renamed photo (same content, its old name gone), the catalog's record
of each of its sidecars (and of each version it was about to write) moves to the new name, so a sidecar renamed along with the photo is
still known as the version this app wrote (its marks are not mistaken for a person's).
When only the photo was renamed, the old sidecar is copied to the new name with its
modification time, so the new sidecar carries everything the old one held (other
applications' marks, keywords, edits) and the next write merges into it.  The old sidecar is
never deleted or changed.  Only sidecars inside the folder being culled are read.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePath

from app.catalog import Catalog, PhotoRecord, path_inside
from app.fileio import atomic_write, file_kind_problem, read_regular
from app.sidecars.xmp import MAX_SIDECAR_BYTES


def renamed_sidecar(sidecar: str, old_files: list[str], new_files: list[str]) -> str | None:
    """The new relative path of a sidecar of a renamed photo (None: not one of its names).

    ``IMG_1.xmp`` follows ``IMG_1.jpg`` -> ``beach.jpg`` as ``beach.xmp``, ``IMG_1.jpg.xmp``
    as ``beach.jpg.xmp``; case is compared loosely, as the sidecar look-up does.
    """
    path = PurePath(sidecar)
    for old, new in zip(old_files, new_files, strict=False):
        old_path, new_path = PurePath(old), PurePath(new)
        if path.parent != old_path.parent:
            continue
        for old_head, new_head in (
            (old_path.name, new_path.name),
            (old_path.stem, new_path.stem),
        ):
            rest = path.name[len(old_head) :]
            if path.name.lower().startswith(old_head.lower()) and rest.lower() == ".xmp":
                return (new_path.parent / (new_head + rest)).as_posix()
    return None


def follow_rename(
    catalog: Catalog, old: PhotoRecord, new_root: str | os.PathLike[str], new_files: list[str]
) -> dict[str, str]:
    """``{old sidecar relpath: new relpath}`` for ``Catalog.move_photo`` of a renamed photo.

    ``new_files`` are the photo's files relative to ``new_root`` (the main file first).  An
    old sidecar in the same folder whose new name is free is copied there first.
    """
    known = set(catalog.sidecar_records([old.id]).get(old.id, {}))
    known |= set(catalog.sidecar_intents([old.id]).get(old.id, {}))  # written, not recorded
    old_files = [old.relpath, *old.companions]
    same_root = Path(old.root) == Path(new_root)
    moved: dict[str, str] = {}
    for rel in sorted(known):
        new_rel = renamed_sidecar(rel, old_files, new_files)
        if new_rel is None:
            continue
        moved[rel] = new_rel
        if same_root:
            _carry(Path(new_root), rel, new_rel)
    return moved


def _carry(root: Path, old_rel: str, new_rel: str) -> None:
    """Copy the old sidecar to the new name when the new name is free (never overwrite)."""
    try:
        source, target = path_inside(root, old_rel), path_inside(root, new_rel)
    except ValueError:
        return
    if target.exists() or target.is_symlink() or source.is_symlink():
        return
    if file_kind_problem(source) is not None:
        return
    try:
        data = read_regular(source, MAX_SIDECAR_BYTES)
        info = os.stat(source)
        atomic_write(target, data)
        os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))
    except OSError:
        return  # the photo is adopted all the same; the next write creates the sidecar
