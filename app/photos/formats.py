"""File-type knowledge: which extensions are photos, which are RAW, which to pass over quietly."""

from __future__ import annotations

from pathlib import Path

RAW_EXTENSIONS = frozenset(
    {".cr2", ".cr3", ".nef", ".arw", ".raf", ".rw2", ".orf", ".dng", ".pef", ".srw"}
)
JPEG_EXTENSIONS = frozenset({".jpg", ".jpeg", ".jpe"})
# What Pillow may decode a photo as (those of its plugins that are there).  Pillow tells a
# format by the file's content, not its name, and would hand a ".jpg" that holds PostScript
# to Ghostscript to render.
JPEG_FORMATS = ("JPEG",)
PILLOW_FORMATS = (*JPEG_FORMATS, "PNG", "TIFF", "WEBP", "HEIF", "AVIF")
HEIF_EXTENSIONS = frozenset({".heic", ".heif", ".hif"})
RASTER_EXTENSIONS = (
    JPEG_EXTENSIONS | HEIF_EXTENSIONS | frozenset({".png", ".tif", ".tiff", ".webp"})
)
PHOTO_EXTENSIONS = RASTER_EXTENSIONS | RAW_EXTENSIONS

# Companion files a card dump or an editor leaves next to photos.  They are not photos and not
# errors either, so a scan passes over them without a word.
QUIET_EXTENSIONS = frozenset(
    {
        ".xmp",
        ".thm",
        ".json",
        ".csv",
        ".txt",
        ".md",
        ".db",
        ".sqlite",
        ".sqlite3",  # a catalog kept in the folder, with SQLite's files beside it
        *(f"{ext}-{part}" for ext in (".db", ".sqlite", ".sqlite3") for part in ("wal", "shm")),
        *(f"{ext}-journal" for ext in (".db", ".sqlite", ".sqlite3")),
        ".pp3",
        ".dop",
        ".lrv",
        ".ctg",
    }
)


def suffix(path: Path | str) -> str:
    """Lower-case extension including the dot ("" when there is none)."""
    return Path(path).suffix.lower()


def is_raw(path: Path | str) -> bool:
    return suffix(path) in RAW_EXTENSIONS


def is_photo(path: Path | str) -> bool:
    return suffix(path) in PHOTO_EXTENSIONS


def is_sidecar(path: Path | str) -> bool:
    return suffix(path) == ".xmp"


def is_photo_or_sidecar(path: Path | str) -> bool:
    """A photo or a sidecar by its name: what no report, profile or catalog is ever
    written over, whatever path a person typed for one."""
    return is_photo(path) or is_sidecar(path)


def is_quiet(path: Path | str) -> bool:
    """True for companion files (sidecars, thumbnails, catalogs) and hidden files."""
    return Path(path).name.startswith(".") or suffix(path) in QUIET_EXTENSIONS
