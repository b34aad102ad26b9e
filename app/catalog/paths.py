"""Where the catalog lives by default, and how roots and relative paths are spelled in it."""

from __future__ import annotations

from pathlib import Path, PurePath

import platformdirs

APP_NAME = "fgaesq-cull"
CATALOG_FILENAME = "catalog.sqlite3"


def default_catalog_path() -> Path:
    """The per-user catalog: ``<user data dir>/fgaesq-cull/catalog.sqlite3`` (platformdirs)."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / CATALOG_FILENAME


def normalize_root(root: str | PurePath) -> str:
    """An absolute POSIX-style spelling of a folder, so one folder has one key on every platform."""
    return Path(root).expanduser().resolve().as_posix()


def normalize_relpath(relpath: str | PurePath) -> str:
    """A relative path in POSIX form (``sub/IMG_0001.CR3``), whatever separator the platform uses."""
    posix = Path(relpath).as_posix()
    if posix.startswith("/") or PurePath(relpath).is_absolute():
        raise ValueError(f"expected a path relative to its root, got {relpath!s}")
    return posix
