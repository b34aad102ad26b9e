"""Where the catalog lives by default, and how roots and relative paths are spelled in it."""

from __future__ import annotations

from pathlib import Path, PurePath

import platformdirs

from app.fileio import disk_path, is_within, storable_name

APP_NAME = "fgaesq-cull"
CATALOG_FILENAME = "catalog.sqlite3"


def default_catalog_path() -> Path:
    """The per-user catalog: ``<user data dir>/fgaesq-cull/catalog.sqlite3`` (platformdirs)."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / CATALOG_FILENAME


def normalize_root(root: str | PurePath) -> str:
    """An absolute POSIX-style spelling of a folder, so one folder has one key on every platform."""
    return Path(root).expanduser().resolve().as_posix()


def normalize_relpath(relpath: str | PurePath) -> str:
    """A relative path in POSIX form (``sub/IMG_0001.CR3``), whatever separator the platform
    uses, with the bytes of a name that is not UTF-8 escaped (``storable_name``)."""
    posix = storable_name(Path(relpath).as_posix())
    if posix.startswith("/") or PurePath(relpath).is_absolute():
        raise ValueError(f"expected a path relative to its root, got {relpath!s}")
    return posix


def path_inside(root: str | PurePath, relpath: str | PurePath) -> Path:
    """``root / relpath``, refusing a path that leads outside ``root``.

    A catalog is input too: a damaged or crafted one may hold ``../`` or absolute paths, and
    nothing read from it may make the app act outside the folder the user named.

    Checked on the spelling (no absolute path, no ``..``) and on the disk: the folder the
    path lies in must, with every link resolved, still lie in ``root``, so a subfolder
    replaced by a link to elsewhere never receives a sidecar or gives up a file.

    Raises:
        ValueError: ``relpath`` is absolute, climbs out with ``..``, or its folder is (or
            lies under) a link that leads outside ``root``.
    """
    rel = PurePath(relpath)
    if rel.is_absolute() or rel.anchor or ".." in rel.parts or not rel.parts:
        raise ValueError(f"{relpath!s} leads outside {root!s}")
    path = disk_path(Path(root) / rel)
    if len(rel.parts) > 1 and not is_within(path.parent, root):
        raise ValueError(f"{relpath!s} leads outside {root!s} through a symbolic link")
    return path
