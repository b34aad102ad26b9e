"""Schema versions: a hand-made v1 catalog upgrades in place; newer or foreign files are refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.catalog import SCHEMA_VERSION, Catalog, CatalogError, Flag
from app.catalog.models import Base
from app.catalog.schema import MIGRATIONS

V1_PHOTO_COLUMNS = (
    "root, relpath, size, mtime_ns, content_hash, capture_time, capture_time_source, "
    "camera_make, camera_model, width, height, orientation, thumbnail, thumb_width, "
    "thumb_height, decode_error, first_seen, last_seen"
)
NOW = "2024-05-01T10:00:00+00:00"


def make_v1_catalog(path: Path, root: str) -> None:
    """A catalog as version 1 of FGAesQ Cull wrote it, built with plain sqlite3."""
    raw = sqlite3.connect(path)
    for statement in MIGRATIONS[0]:
        raw.execute(statement)
    raw.execute("INSERT INTO meta (key, value) VALUES ('schema_version', '1')")
    raw.execute(
        f"INSERT INTO photos ({V1_PHOTO_COLUMNS}) VALUES "
        "(?, 'IMG_0001.CR3', 123, 456, 'b2f1:aa', '2024-05-01T09:59:58', 'exif', 'Canon', "
        "'EOS R5', 8192, 5464, 1, x'0102', 2, 1, NULL, ?, ?)",
        (root, NOW, NOW),
    )
    raw.execute(
        "INSERT INTO series (root, ordinal, params, created_at) VALUES (?, 0, '{\"gap_s\": 2}', ?)",
        (root, NOW),
    )
    raw.execute("INSERT INTO series_members (series_id, photo_id, position) VALUES (1, 1, 0)")
    raw.execute(
        "INSERT INTO scores (photo_id, model, weights_id, score, rank, series_mode, scored_at) "
        "VALUES (1, 'fgaesq', 'fgaesq:abc', 6.5, 1, 'pairwise', ?)",
        (NOW,),
    )
    raw.execute(
        "INSERT INTO decisions (photo_id, flag, rating, label, source, decided_at) "
        "VALUES (1, 'pick', 3, 'Green', 'user', ?)",
        (NOW,),
    )
    raw.execute(
        "INSERT INTO runs (folder, started_at, finished_at, status, options, counts, error) "
        "VALUES (?, ?, NULL, 'running', '{}', '{}', NULL)",
        (root, NOW),
    )
    raw.commit()
    raw.close()


def columns(path: Path) -> dict[str, set[str]]:
    with sqlite3.connect(path) as raw:
        tables = [r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: {r[1] for r in raw.execute(f"PRAGMA table_info({t})")} for t in tables}


def test_v1_catalog_is_upgraded_and_keeps_its_data(tmp_path: Path):
    path = tmp_path / "old.sqlite3"
    root = tmp_path.resolve().as_posix()
    make_v1_catalog(path, root)
    assert "photo_files" not in columns(path)

    with Catalog(path) as catalog:
        photo = catalog.photo_by_path(root, "IMG_0001.CR3", with_thumbnail=True)
        assert (photo.camera_model, photo.thumbnail, photo.camera_serial) == (
            "EOS R5",
            b"\x01\x02",
            None,
        )
        (series,) = catalog.series(root)
        assert series.members[0].score == 6.5 and series.members[0].rank == 1
        assert series.members[0].decision.flag is Flag.PICK
        assert catalog.runs()[0].status.value == "interrupted"  # v1 runs carry no pid
        catalog.upsert_photo(
            type(photo)(
                root=root, relpath="IMG_0002.CR3", size=1, mtime_ns=1, companions=("IMG_0002.JPG",)
            )
        )
        assert catalog.photo_by_path(root, "IMG_0002.CR3").companions == ("IMG_0002.JPG",)

    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == (
            str(SCHEMA_VERSION),
        )


def test_upgraded_and_new_catalogs_match_the_table_mappings(tmp_path: Path):
    make_v1_catalog(tmp_path / "old.sqlite3", "/photos")
    Catalog(tmp_path / "old.sqlite3").close()
    Catalog(tmp_path / "new.sqlite3").close()
    mapped = {table.name: {c.name for c in table.columns} for table in Base.metadata.sorted_tables}
    assert columns(tmp_path / "old.sqlite3") == mapped
    assert columns(tmp_path / "new.sqlite3") == mapped


def test_catalog_from_a_newer_version_is_refused_untouched(tmp_path: Path):
    path = tmp_path / "future.sqlite3"
    Catalog(path).close()
    with sqlite3.connect(path) as raw:
        raw.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),)
        )
    before = path.read_bytes()
    with pytest.raises(CatalogError, match="newer FGAesQ Cull") as caught:
        Catalog(path)
    assert str(path) in str(caught.value) and "Update FGAesQ Cull" in str(caught.value)
    assert path.read_bytes() == before


def test_sqlite_file_of_another_program_is_refused(tmp_path: Path):
    path = tmp_path / "other.sqlite3"
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE contacts (name TEXT)")
    with pytest.raises(CatalogError, match="not an FGAesQ Cull catalog"):
        Catalog(path)
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT name FROM sqlite_master").fetchall() == [("contacts",)]


def make_catalog_at(path: Path, version: int, *extra: str) -> None:
    """A catalog as the schema of ``version`` left it (plain sqlite3), plus ``extra`` SQL."""
    raw = sqlite3.connect(path)
    for steps in MIGRATIONS[:version]:
        for statement in steps:
            raw.execute(statement)
    raw.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?)", (str(version),))
    for statement in extra:
        raw.execute(statement, ())
    raw.commit()
    raw.close()


def test_a_version_4_catalog_gets_the_move_hashes_and_keeps_its_moves_and_intents(tmp_path):
    path = tmp_path / "v4.sqlite3"
    make_catalog_at(
        path,
        4,
        f"INSERT INTO photos ({V1_PHOTO_COLUMNS}) VALUES ('/p', 'a.jpg', 1, 1, NULL, NULL, "
        f"NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{NOW}', '{NOW}')",
        "INSERT INTO moves (batch, dest, photo_id, root, source, target, state, recorded_at) "
        f"VALUES ('b1', '/r', 1, '/p', '/p/a.jpg', '/r/a.jpg', 'done', '{NOW}')",
        "INSERT INTO sidecar_intents (photo_id, relpath, digest, rating, label, claimed, "
        f"created, recorded_at) VALUES (1, 'a.xmp', 'd1', -1, NULL, 'rating', 1, '{NOW}')",
    )
    assert "content_hash" not in columns(path)["moves"]
    with Catalog(path) as catalog:
        (move,) = catalog.moves("b1")
        assert (move.target, move.content_hash) == ("/r/a.jpg", None)
        assert set(catalog.sidecar_intents([1])[1]["a.xmp"]) == {"d1"}
    mapped = {table.name: {c.name for c in table.columns} for table in Base.metadata.sorted_tables}
    assert columns(path) == mapped
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == (
            str(SCHEMA_VERSION),
        )


def test_a_version_3_catalog_that_has_the_move_hashes_already_upgrades(tmp_path):
    path = tmp_path / "v3.sqlite3"
    make_catalog_at(path, 3, "ALTER TABLE moves ADD COLUMN content_hash VARCHAR")
    Catalog(path).close()
    mapped = {table.name: {c.name for c in table.columns} for table in Base.metadata.sorted_tables}
    assert columns(path) == mapped


def test_a_version_6_catalog_gets_face_poses_and_taste_tables_and_the_step_runs_twice(tmp_path):
    path = tmp_path / "v6.sqlite3"
    make_catalog_at(
        path,
        4,
        "ALTER TABLE moves ADD COLUMN content_hash VARCHAR",  # version 5
        "ALTER TABLE scores ADD COLUMN why JSON",  # version 6
        "UPDATE meta SET value = '6' WHERE key = 'schema_version'",
        f"INSERT INTO photos ({V1_PHOTO_COLUMNS}) VALUES ('/p', 'a.jpg', 1, 1, NULL, NULL, "
        f"NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{NOW}', '{NOW}')",
        "INSERT INTO faces (photo_id, position, x, y, w, h, eyes, confidence, sharpness) "
        "VALUES (1, 0, 1, 2, 3, 4, 'open', 0.9, 1.1)",
    )
    assert "yaw" not in columns(path)["faces"] and "taste_profiles" not in columns(path)
    with Catalog(path) as catalog:
        pass
    with sqlite3.connect(path) as raw:  # as if version 7 had not been recorded
        raw.execute("UPDATE meta SET value = '6' WHERE key = 'schema_version'")
    with Catalog(path) as catalog:
        catalog.save_taste("mine", {"kind": "linear"}, {"used": False}, [])
        assert [t.name for t in catalog.tastes()] == ["mine"]
    mapped = {table.name: {c.name for c in table.columns} for table in Base.metadata.sorted_tables}
    assert columns(path) == mapped
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT yaw, pitch FROM faces").fetchall() == [(None, None)]
