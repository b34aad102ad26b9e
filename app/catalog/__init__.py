"""The SQLite catalog of photos, series, scores, decisions and runs (SQLAlchemy 2).

    from app.catalog import Catalog, PhotoInfo
    with Catalog.open() as catalog:            # per-user default file, or Catalog.open(path)
        photo_id = catalog.upsert_photo(PhotoInfo(root, "IMG_0001.CR3", size, mtime_ns, hash))
        catalog.replace_series(root, [[photo_id]], {"gap_s": 2.0})
        catalog.set_scores("fgaesq", weights_id, {photo_id: (7.2, 1)})
        previous = catalog.set_decision(photo_id, flag="pick", source="user")
        for series in catalog.series(root): ...

Main parts: ``Catalog`` (store.py) is the only reader and writer of the database; it
returns frozen records (records.py) safe to pass between threads, and one ``Catalog`` may
be shared by all threads (a session per call).  ``upsert_photos`` stores a batch in one
transaction, about ten times faster than one call per photo.  ``schema.py`` holds the
schema version and its upgrade steps; ``fast_content_hash`` (``app.content_hash``, importable
without the database libraries, so decoding workers hash as they read) recognises moved files.
Every failure to open or write raises ``CatalogError`` naming the file, the cause and a remedy.
"""

from app.content_hash import fast_content_hash

from .errors import CatalogError
from .paths import default_catalog_path, normalize_relpath, normalize_root, path_inside
from .records import (
    UNDECIDED,
    DecisionSource,
    DecisionState,
    FaceRecord,
    Flag,
    MoveRecord,
    MoveState,
    PhotoInfo,
    PhotoRecord,
    RunRecord,
    RunStatus,
    ScoreRecord,
    SeriesMember,
    SeriesView,
    SidecarRecord,
    TasteExampleRecord,
    TasteRecord,
)
from .schema import SCHEMA_VERSION
from .store import UNSET, Catalog

__all__ = [
    "SCHEMA_VERSION",
    "UNDECIDED",
    "UNSET",
    "Catalog",
    "CatalogError",
    "DecisionSource",
    "DecisionState",
    "FaceRecord",
    "Flag",
    "MoveRecord",
    "MoveState",
    "PhotoInfo",
    "PhotoRecord",
    "RunRecord",
    "RunStatus",
    "ScoreRecord",
    "SeriesMember",
    "SeriesView",
    "SidecarRecord",
    "TasteExampleRecord",
    "TasteRecord",
    "default_catalog_path",
    "fast_content_hash",
    "normalize_relpath",
    "normalize_root",
    "path_inside",
]
