"""The one exception the catalog raises, with messages a photographer can act on."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import exc as sa_exc

from app.errors import AppError


class CatalogError(AppError):
    """The catalog cannot be opened or written; the message names the file, the cause and a remedy."""

    def __init__(self, path: Path | str, cause: str, remedy: str = "") -> None:
        self.path = Path(path)
        self.cause = cause
        self.remedy = remedy
        text = f"catalog {self.path}: {cause}"
        super().__init__(f"{text}. {remedy}" if remedy else text)


LOCKED_REMEDY = (
    "Another program (probably a second FGAesQ Cull window or command) is writing to it; "
    "close the other FGAesQ Cull window or wait for its run to finish, then try again"
)


READ_ONLY_REMEDY = (
    "Make the file and its folder writable, or choose another catalog file (--db, in "
    "fgaesq-cull and in the desktop app)"
)


CATALOG_SUFFIXES = (".sqlite3", ".sqlite", ".db")

NOT_A_CATALOG_REMEDY = (
    "The file was left untouched; choose another file for the catalog (--db, in fgaesq-cull "
    "and in the desktop app)"
)


def damaged_remedy(path: Path) -> str:
    return (
        f"Move the damaged file aside (for example rename it to {path.name}.damaged); "
        "a new, empty catalog will be created at the same place on the next start"
    )


def _not_a_database_remedy(path: Path) -> str:
    """A file named like a catalog may be a damaged one; any other file is somebody's own
    (a photo, a document given to --db by mistake) and is never suggested for renaming."""
    if path.suffix.lower() in CATALOG_SUFFIXES:
        return damaged_remedy(path)
    return NOT_A_CATALOG_REMEDY


def _sqlite_error(error: BaseException) -> BaseException:
    """The DB-API error under an SQLAlchemy wrapper, or the error itself."""
    return getattr(error, "orig", None) or error


def is_locked(error: BaseException) -> bool:
    text = str(_sqlite_error(error)).lower()
    return "locked" in text or "busy" in text


def is_damaged(error: BaseException) -> bool:
    text = str(_sqlite_error(error)).lower()
    return any(
        needle in text
        for needle in ("not a database", "malformed", "disk image", "file is encrypted", "corrupt")
    )


def translate(path: Path, error: BaseException) -> CatalogError:
    """Map an SQLite/SQLAlchemy failure to a CatalogError that says what to do."""
    if isinstance(error, CatalogError):
        return error
    raw = _sqlite_error(error)
    if is_locked(error):
        return CatalogError(path, f"the database is locked ({raw})", LOCKED_REMEDY)
    if "not a database" in str(raw).lower():
        return CatalogError(
            path, "the file is not an SQLite database", _not_a_database_remedy(path)
        )
    if is_damaged(error):
        return CatalogError(
            path, f"the file is damaged or not a catalog ({raw})", damaged_remedy(path)
        )
    if isinstance(raw, sqlite3.OperationalError | sa_exc.OperationalError) and (
        "unable to open" in str(raw).lower() or "readonly" in str(raw).lower()
    ):
        return CatalogError(
            path, f"the file cannot be opened for writing ({raw})", "Check the folder's permissions"
        )
    return CatalogError(path, f"database error ({raw})")
