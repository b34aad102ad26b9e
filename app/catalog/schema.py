"""Schema versions and the ordered steps that upgrade a catalog to the current one.

Each step is a tuple of SQL statements (or functions taking the connection, for changes
that need Python) run in one transaction together with the new ``schema_version``, so a catalog is always at exactly one version.  A new catalog runs
every step from version 1; an old one runs only the steps it lacks.  A catalog written by
a newer FGAesQ Cull is refused rather than guessed at.

History:
    1. photos, series, series_members, scores, decisions, runs, meta.
    2. photo_files (the other files of a RAW+JPEG pair), photos.camera_serial, and the
       process (pid, host) of each run, so that only runs of dead processes are marked
       interrupted.
    3. sidecars (each sidecar's last known version and marks, and whether this app wrote
       it, so marks another application or a person wrote are told from this app's own),
       moves (every journaled move, so undo acts only on moves this app really made), and
       photos.read_warning (EXIF problems, reported again on an unchanged rerun); faces
       (each face's box in original pixels, eye state and eye sharpness) with
       photos.faces_checked (the face analysis version, NULL: not analysed), and
       series.pick_reason (why the pick is the pick: the score, or open eyes).
    4. sidecars.digest (a hash of each sidecar version's bytes, so a version is recognised by
       its content, not only by its size and time) and sidecars.created (this app created the
       file and nobody else has written to it since); sidecar_intents (the versions this app
       is about to write, committed before the file is written, so that no kill and no
       concurrent run can make this app's own marks look like a person's).
    5. moves.content_hash (the moved file's content hash, so undo puts back only the files
       it moved); added only where it is missing, as a catalog written by a build that
       added it to version 3 already has it.
    6. scores.why (on the pick's row: where and how it beat the runner-up, as JSON), so an
       unchanged rerun, which decodes nothing, still explains every pick.
    7. faces.yaw and faces.pitch (where a face looks, so a taste for faces turned to the
       camera can be learnt; NULL for faces analysed before); taste_profiles (a learnt
       personal ranking, its held-out evaluation and whether it is used) and taste_examples
       (the frames it was learnt from: features and the person's preference level, deleted
       with their profile).  Tables and columns are added only where missing.
    8. photos.companion_hash (the content hash of a RAW+JPEG pair's JPEG, so a lone copy of
       that JPEG in another folder is known for the same photo); added only where missing.
    9. photos.companion_size and photos.companion_mtime_ns (that JPEG's size and time when
       it was read or hashed, so a JPEG rewritten beside an unchanged RAW is read again);
       added only where missing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Connection, text

from .errors import CatalogError

_V1 = (
    "CREATE TABLE meta (key VARCHAR NOT NULL PRIMARY KEY, value VARCHAR NOT NULL)",
    """CREATE TABLE photos (
        id INTEGER NOT NULL PRIMARY KEY,
        root VARCHAR NOT NULL,
        relpath VARCHAR NOT NULL,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        content_hash VARCHAR,
        capture_time VARCHAR,
        capture_time_source VARCHAR,
        camera_make VARCHAR,
        camera_model VARCHAR,
        width INTEGER,
        height INTEGER,
        orientation INTEGER,
        thumbnail BLOB,
        thumb_width INTEGER,
        thumb_height INTEGER,
        decode_error VARCHAR,
        first_seen VARCHAR NOT NULL,
        last_seen VARCHAR NOT NULL,
        UNIQUE (root, relpath))""",
    "CREATE INDEX ix_photos_content_hash ON photos (content_hash)",
    """CREATE TABLE series (
        id INTEGER NOT NULL PRIMARY KEY,
        root VARCHAR NOT NULL,
        ordinal INTEGER NOT NULL,
        params JSON NOT NULL,
        created_at VARCHAR NOT NULL)""",
    "CREATE INDEX ix_series_root ON series (root)",
    """CREATE TABLE series_members (
        series_id INTEGER NOT NULL REFERENCES series (id) ON DELETE CASCADE,
        photo_id INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        PRIMARY KEY (series_id, photo_id))""",
    "CREATE INDEX ix_series_members_photo ON series_members (photo_id)",
    """CREATE TABLE scores (
        id INTEGER NOT NULL PRIMARY KEY,
        photo_id INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
        model VARCHAR NOT NULL,
        weights_id VARCHAR NOT NULL,
        score FLOAT NOT NULL,
        rank INTEGER,
        series_mode VARCHAR,
        scored_at VARCHAR NOT NULL,
        UNIQUE (photo_id, model, weights_id))""",
    """CREATE TABLE decisions (
        id INTEGER NOT NULL PRIMARY KEY,
        photo_id INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
        flag VARCHAR NOT NULL,
        rating INTEGER NOT NULL,
        label VARCHAR,
        source VARCHAR NOT NULL,
        decided_at VARCHAR NOT NULL)""",
    "CREATE INDEX ix_decisions_photo ON decisions (photo_id, id)",
    """CREATE TABLE runs (
        id INTEGER NOT NULL PRIMARY KEY,
        folder VARCHAR NOT NULL,
        started_at VARCHAR NOT NULL,
        finished_at VARCHAR,
        status VARCHAR NOT NULL,
        options JSON NOT NULL,
        counts JSON NOT NULL,
        error VARCHAR)""",
)

_V2 = (
    "ALTER TABLE photos ADD COLUMN camera_serial VARCHAR",
    """CREATE TABLE photo_files (
        id INTEGER NOT NULL PRIMARY KEY,
        photo_id INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
        relpath VARCHAR NOT NULL,
        UNIQUE (photo_id, relpath))""",
    "ALTER TABLE runs ADD COLUMN pid INTEGER",
    "ALTER TABLE runs ADD COLUMN host VARCHAR",
)

_V3 = (
    """CREATE TABLE sidecars (
        id INTEGER NOT NULL PRIMARY KEY,
        photo_id INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
        relpath VARCHAR NOT NULL,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        rating INTEGER,
        label VARCHAR,
        written BOOLEAN NOT NULL,
        claimed VARCHAR NOT NULL,
        seen_at VARCHAR NOT NULL,
        UNIQUE (photo_id, relpath))""",
    """CREATE TABLE moves (
        id INTEGER NOT NULL PRIMARY KEY,
        batch VARCHAR NOT NULL,
        dest VARCHAR NOT NULL,
        root VARCHAR NOT NULL,
        photo_id INTEGER,
        source VARCHAR NOT NULL,
        target VARCHAR NOT NULL,
        state VARCHAR NOT NULL,
        recorded_at VARCHAR NOT NULL)""",
    "CREATE INDEX ix_moves_batch ON moves (batch)",
    "ALTER TABLE photos ADD COLUMN read_warning VARCHAR",
    """CREATE TABLE faces (
        id INTEGER NOT NULL PRIMARY KEY,
        photo_id INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        x FLOAT NOT NULL,
        y FLOAT NOT NULL,
        w FLOAT NOT NULL,
        h FLOAT NOT NULL,
        eyes VARCHAR NOT NULL,
        confidence FLOAT NOT NULL,
        sharpness FLOAT NOT NULL)""",
    "CREATE INDEX ix_faces_photo ON faces (photo_id)",
    "ALTER TABLE photos ADD COLUMN faces_checked INTEGER",
    "ALTER TABLE series ADD COLUMN pick_reason VARCHAR",
    "ALTER TABLE photos ADD COLUMN exposure_seconds FLOAT",
    "ALTER TABLE photos ADD COLUMN exposure_bias FLOAT",
    "ALTER TABLE photos ADD COLUMN f_number FLOAT",
    "ALTER TABLE photos ADD COLUMN iso INTEGER",
    "ALTER TABLE photos ADD COLUMN subject_distance FLOAT",
    "ALTER TABLE photos ADD COLUMN auto_bracket BOOLEAN",
    "ALTER TABLE photos ADD COLUMN focus_map BLOB",
    "ALTER TABLE series ADD COLUMN kind VARCHAR",
    "ALTER TABLE series ADD COLUMN kind_reason VARCHAR",
    "ALTER TABLE series ADD COLUMN kind_source VARCHAR",
    """CREATE TABLE kind_overrides (
        id INTEGER NOT NULL PRIMARY KEY,
        root VARCHAR NOT NULL,
        members VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        set_at VARCHAR NOT NULL,
        UNIQUE (root, members))""",
)

_V4 = (
    "ALTER TABLE sidecars ADD COLUMN digest VARCHAR",
    "ALTER TABLE sidecars ADD COLUMN created BOOLEAN NOT NULL DEFAULT 0",
    """CREATE TABLE sidecar_intents (
        id INTEGER NOT NULL PRIMARY KEY,
        photo_id INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
        relpath VARCHAR NOT NULL,
        digest VARCHAR NOT NULL,
        rating INTEGER,
        label VARCHAR,
        claimed VARCHAR NOT NULL,
        created BOOLEAN NOT NULL,
        recorded_at VARCHAR NOT NULL)""",
    "CREATE INDEX ix_sidecar_intents_photo ON sidecar_intents (photo_id, relpath)",
)


def _columns_added(table: str, **columns: str) -> Callable[[Connection], None]:
    """A step adding ``columns`` (name: SQL type) to ``table``, each unless the catalog has
    it already (a step must never fail on a catalog it is meant to upgrade, nor when run
    twice)."""

    def add(connection: Connection) -> None:
        present = {row[1] for row in connection.exec_driver_sql(f"PRAGMA table_info({table})")}
        for name, kind in columns.items():
            if name not in present:
                connection.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")

    return add


_V5 = (_columns_added("moves", content_hash="VARCHAR"),)
_V6 = ("ALTER TABLE scores ADD COLUMN why JSON",)


_V7 = (
    _columns_added("faces", yaw="FLOAT", pitch="FLOAT"),
    """CREATE TABLE IF NOT EXISTS taste_profiles (
        id INTEGER NOT NULL PRIMARY KEY,
        name VARCHAR NOT NULL UNIQUE,
        trained_at VARCHAR NOT NULL,
        model JSON NOT NULL,
        evaluation JSON NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS taste_examples (
        id INTEGER NOT NULL PRIMARY KEY,
        profile_id INTEGER NOT NULL REFERENCES taste_profiles (id) ON DELETE CASCADE,
        shoot VARCHAR NOT NULL,
        series VARCHAR NOT NULL,
        frame VARCHAR NOT NULL,
        level FLOAT NOT NULL,
        decided BOOLEAN NOT NULL,
        features JSON NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS ix_taste_examples_profile ON taste_examples (profile_id)",
)


_V8 = (_columns_added("photos", companion_hash="VARCHAR"),)
_V9 = (_columns_added("photos", companion_size="INTEGER", companion_mtime_ns="INTEGER"),)

Step = str | Callable[[Connection], None]
MIGRATIONS: tuple[tuple[Step, ...], ...] = (_V1, _V2, _V3, _V4, _V5, _V6, _V7, _V8, _V9)
SCHEMA_VERSION = len(MIGRATIONS)


def stored_version(connection: Connection, path: Path) -> int:
    """The catalog's schema version; 0 for an empty file.  Refuses foreign databases."""
    tables = set(
        connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'")).scalars()
    )
    if not tables:
        return 0
    if "meta" not in tables:
        raise CatalogError(
            path,
            "this SQLite file is not an FGAesQ Cull catalog (it has no meta table)",
            "Choose another file name for the catalog",
        )
    value = connection.execute(
        text("SELECT value FROM meta WHERE key = 'schema_version'")
    ).scalar_one_or_none()
    try:
        return int(value)
    except (TypeError, ValueError):
        raise CatalogError(path, f"the catalog has no valid schema_version ({value!r})") from None


def upgrade(connection: Connection, path: Path) -> int:
    """Bring the catalog to ``SCHEMA_VERSION`` inside the caller's write transaction.

    Returns the version found before upgrading.  Raises CatalogError for a newer catalog.
    """
    found = stored_version(connection, path)
    if found > SCHEMA_VERSION:
        raise CatalogError(
            path,
            f"the catalog was written by a newer FGAesQ Cull (schema version {found}; "
            f"this version understands up to {SCHEMA_VERSION})",
            "Update FGAesQ Cull, or open a different catalog with --db",
        )
    for version in range(found + 1, SCHEMA_VERSION + 1):
        for step in MIGRATIONS[version - 1]:
            if callable(step):
                step(connection)
            else:
                connection.exec_driver_sql(step)
        connection.execute(
            text("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', :v)"),
            {"v": str(version)},
        )
    return found
