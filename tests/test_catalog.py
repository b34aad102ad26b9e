"""Catalog behaviour on a real SQLite file: photos, series, scores, decisions, runs, threads."""

from __future__ import annotations

import dataclasses
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from app.catalog import (
    UNDECIDED,
    Catalog,
    CatalogError,
    DecisionSource,
    Flag,
    PhotoInfo,
    RunStatus,
    SidecarRecord,
    default_catalog_path,
    fast_content_hash,
)


@pytest.fixture
def catalog(tmp_path: Path):
    with Catalog(tmp_path / "catalog.sqlite3") as opened:
        yield opened


def photo_info(root: Path, name: str, **changes) -> PhotoInfo:
    values = {
        "root": str(root),
        "relpath": name,
        "size": 1000,
        "mtime_ns": 5,
        "content_hash": f"hash-{name}",
    }
    return PhotoInfo(**(values | changes))


def test_default_catalog_lives_in_the_user_data_dir():
    path = default_catalog_path()
    assert path.name == "catalog.sqlite3"
    assert "fgaesq-cull" in path.parts
    assert str(path).startswith(os.environ["XDG_DATA_HOME"])


def test_open_sets_wal_foreign_keys_and_creates_folder(tmp_path: Path):
    path = tmp_path / "new" / "folder" / "catalog.sqlite3"
    with Catalog.open(path) as catalog, pytest.raises(CatalogError, match="FOREIGN KEY"):
        catalog.replace_series(tmp_path, [[12345]], {})  # no such photo
    assert path.is_file()
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_upsert_keeps_id_and_replaces_fields(catalog: Catalog, tmp_path: Path):
    thumb = bytes(range(16))
    first = catalog.upsert_photo(
        photo_info(
            tmp_path,
            "day1/IMG_0001.CR3",
            companions=("day1/IMG_0001.JPG",),
            thumbnail=thumb,
            thumb_width=4,
            thumb_height=4,
            capture_time="2024-05-01T10:00:00.120",
            capture_time_source="exif",
            camera_make="Canon",
            camera_model="EOS R5",
            camera_serial="0123",
            width=8192,
            height=5464,
            orientation=6,
        )
    )
    again = catalog.upsert_photo(
        photo_info(tmp_path, "day1/IMG_0001.CR3", size=2000, decode_error="bad")
    )
    assert again == first
    record = catalog.photo_by_path(tmp_path, "day1/IMG_0001.CR3")
    assert (record.size, record.decode_error, record.companions, record.camera_model) == (
        2000,
        "bad",
        (),
        None,
    )
    assert record.first_seen <= record.last_seen
    assert record.files == (tmp_path / "day1" / "IMG_0001.CR3",)


def test_records_are_frozen_and_carry_companions(catalog: Catalog, tmp_path: Path):
    catalog.upsert_photo(photo_info(tmp_path, "IMG_1.CR3", companions=("IMG_1.JPG",)))
    record = catalog.photo_by_path(tmp_path, "IMG_1.CR3")
    assert record.files == (tmp_path / "IMG_1.CR3", tmp_path / "IMG_1.JPG")
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.size = 3  # type: ignore[misc]


def test_unchanged_returns_the_cached_thumbnail_only_when_size_and_mtime_match(catalog, tmp_path):
    catalog.upsert_photo(
        photo_info(tmp_path, "a.jpg", thumbnail=b"\x01\x02", thumb_width=2, thumb_height=1)
    )
    cached = catalog.unchanged(tmp_path, "a.jpg", 1000, 5)
    assert cached is not None and cached.thumbnail == b"\x01\x02"
    assert catalog.unchanged(tmp_path, "a.jpg", 1000, 6) is None
    assert catalog.unchanged(tmp_path, "a.jpg", 999, 5) is None
    assert catalog.unchanged(tmp_path, "b.jpg", 1000, 5) is None


def test_record_error_is_cached_until_the_file_changes(catalog: Catalog, tmp_path: Path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not a jpeg")
    stat = broken.stat()
    photo_id = catalog.record_error(tmp_path, "broken.jpg", "cannot identify image file")
    cached = catalog.unchanged(tmp_path, "broken.jpg", stat.st_size, stat.st_mtime_ns)
    assert cached.id == photo_id and cached.decode_error == "cannot identify image file"
    catalog.record_error(tmp_path, "gone.jpg", "vanished")
    assert catalog.photo_by_path(tmp_path, "gone.jpg").size == -1


def test_moved_file_is_found_by_hash_and_keeps_scores_and_decisions(catalog, tmp_path):
    (tmp_path / "IMG_7.CR3").write_bytes(b"raw bytes" * 1000)
    content_hash = fast_content_hash(tmp_path / "IMG_7.CR3")
    photo_id = catalog.upsert_photo(photo_info(tmp_path, "IMG_7.CR3", content_hash=content_hash))
    catalog.set_scores("fgaesq", "w1", {photo_id: (7.5, 1)})
    catalog.set_decision(photo_id, flag="pick", source="user")
    (tmp_path / "IMG_7.CR3").rename(tmp_path / "renamed.CR3")

    found = catalog.find_by_hash(fast_content_hash(tmp_path / "renamed.CR3"), root=tmp_path)
    assert [p.id for p in found] == [photo_id]
    assert catalog.find_by_hash(content_hash)[0].id == photo_id
    moved = catalog.move_photo(photo_id, "renamed.CR3")
    assert moved.relpath == "renamed.CR3"
    assert catalog.photo_by_path(tmp_path, "IMG_7.CR3") is None
    assert catalog.scores([photo_id], "fgaesq", "w1")[photo_id].score == 7.5
    assert catalog.decision(photo_id).flag is Flag.PICK


def test_known_hashes_answers_for_many_hashes_at_once(catalog, tmp_path):
    for i in range(1200):
        catalog.upsert_photo(photo_info(tmp_path, f"{i}.jpg"))
    asked = [f"hash-{i}.jpg" for i in range(0, 1200, 7)] + ["hash-new-1", "hash-new-2"]
    assert catalog.known_hashes(asked) == {f"hash-{i}.jpg" for i in range(0, 1200, 7)}
    assert catalog.known_hashes([]) == set()


def test_move_onto_another_recorded_photo_is_refused(catalog, tmp_path):
    a = catalog.upsert_photo(photo_info(tmp_path, "a.jpg"))
    catalog.upsert_photo(photo_info(tmp_path, "b.jpg"))
    with pytest.raises(Exception, match="already recorded"):
        catalog.move_photo(a, "b.jpg")


def test_fast_hash_reads_head_and_tail_and_size(tmp_path: Path):
    big = bytearray(os.urandom(3 << 20))
    (tmp_path / "a").write_bytes(big)
    middle_changed = bytearray(big)
    middle_changed[len(big) // 2] ^= 0xFF
    (tmp_path / "b").write_bytes(middle_changed)
    tail_changed = bytearray(big)
    tail_changed[-1] ^= 0xFF
    (tmp_path / "c").write_bytes(tail_changed)
    hash_a = fast_content_hash(tmp_path / "a")
    assert hash_a.startswith("b2f1:") and len(hash_a) == 5 + 32
    assert fast_content_hash(tmp_path / "b") == hash_a  # documented: the middle is not read
    assert fast_content_hash(tmp_path / "c") != hash_a


def test_series_view_has_members_scores_ranks_and_decisions(catalog, tmp_path):
    ids = [catalog.upsert_photo(photo_info(tmp_path, f"IMG_{i}.jpg")) for i in range(4)]
    series_ids = catalog.replace_series(tmp_path, [ids[:3], ids[3:]], {"gap_s": 2.0, "ssim": 0.6})
    catalog.set_scores(
        "fgaesq",
        "w1",
        {ids[0]: (5.0, 3), ids[1]: (8.0, 1), ids[2]: (6.0, 2)},
        series_mode="pairwise",
    )
    catalog.set_decision(ids[1], flag="pick", rating=3, label="Green")

    series = catalog.series(tmp_path, model="fgaesq", weights_id="w1")
    assert [s.id for s in series] == series_ids
    first, second = series
    assert [m.photo.id for m in first.members] == ids[:3]
    assert [m.rank for m in first.members] == [3, 1, 2]
    assert first.best.photo.id == ids[1]
    assert first.members[1].decision.flag is Flag.PICK
    assert first.members[0].decision == UNDECIDED
    assert first.params == {"gap_s": 2.0, "ssim": 0.6}
    assert second.best is None and second.members[0].score is None


def test_replace_series_drops_the_old_grouping(catalog, tmp_path):
    ids = [catalog.upsert_photo(photo_info(tmp_path, f"{i}.jpg")) for i in range(3)]
    catalog.replace_series(tmp_path, [ids], {"v": 1})
    catalog.replace_series(tmp_path, [[i] for i in ids], {"v": 2})
    series = catalog.series(tmp_path)
    assert [len(s.members) for s in series] == [1, 1, 1]
    assert {s.params["v"] for s in series} == {2}


def test_scores_are_kept_per_model_and_weights_and_upserted(catalog, tmp_path):
    photo_id = catalog.upsert_photo(photo_info(tmp_path, "x.jpg"))
    catalog.set_scores("fgaesq", "w1", {photo_id: (4.0, 2)})
    catalog.set_scores("technical", "v1", {photo_id: (0.5, 1)})
    catalog.set_scores("fgaesq", "w1", {photo_id: (6.0, 1)})
    assert catalog.scores([photo_id], "fgaesq", "w1")[photo_id].score == 6.0
    assert catalog.scores([photo_id], "technical", "v1")[photo_id].rank == 1
    assert catalog.scores([photo_id], "fgaesq", "w2") == {}


def test_auto_decision_never_overwrites_user_decision_until_cleared(catalog, tmp_path):
    photo_id = catalog.upsert_photo(photo_info(tmp_path, "p.jpg"))
    assert catalog.set_decision(photo_id, flag="pick", rating=3, label="Green") == UNDECIDED
    before_user = catalog.decision(photo_id)
    previous = catalog.set_decision(photo_id, flag="reject", source="user")
    assert previous == before_user

    catalog.set_decision(photo_id, flag="pick", rating=5)  # automatic: ignored
    current = catalog.decision(photo_id)
    assert (current.flag, current.source, current.rating) == (Flag.REJECT, DecisionSource.USER, 3)

    catalog.clear_user_decision(photo_id)
    restored = catalog.decision(photo_id)
    assert (restored.flag, restored.rating, restored.label, restored.source) == (
        Flag.PICK,
        3,
        "Green",
        DecisionSource.AUTO,
    )
    catalog.set_decision(photo_id, rating=1)
    assert catalog.decision(photo_id).rating == 1


def test_decision_history_supports_undo_and_redo(catalog, tmp_path):
    photo_id = catalog.upsert_photo(photo_info(tmp_path, "p.jpg"))
    catalog.set_decision(photo_id, flag="pick", source="auto")
    undo_state = catalog.set_decision(photo_id, rating=4, label="Red", source="user")
    redo_state = catalog.restore_decision(photo_id, undo_state)  # undo
    assert catalog.decision(photo_id).flag is Flag.PICK and not catalog.decision(photo_id).is_user
    catalog.restore_decision(photo_id, redo_state)  # redo
    assert (catalog.decision(photo_id).rating, catalog.decision(photo_id).label) == (4, "Red")
    with sqlite3.connect(tmp_path / "catalog.sqlite3") as db:  # every change is a row of its own
        rows = db.execute("SELECT COUNT(*) FROM decisions WHERE photo_id = ?", (photo_id,))
        assert rows.fetchone()[0] == 4


def test_a_persons_marks_combined_with_a_decision_since_replaced_are_not_stored(catalog, tmp_path):
    """Marks read from a sidecar were combined with the decision read before; a person
    decided meanwhile: that photo's marks and sidecar version are not stored (the others'
    are), so the next read combines the file with the newer decision."""
    raced, calm = (catalog.upsert_photo(photo_info(tmp_path, f"{n}.jpg")) for n in "ab")
    read = catalog.decisions([raced, calm])
    catalog.set_decision(raced, flag="pick", rating=2, source="user")  # the window, meanwhile
    versions = [
        SidecarRecord(
            photo_id=p, relpath=f"{n}.xmp", size=9, mtime_ns=1, rating=5, label=None, written=False
        )
        for p, n in ((raced, "a"), (calm, "b"))
    ]
    five = {"flag": "none", "rating": 5, "label": None}
    left_out = catalog.record_sidecar_marks(versions, {raced: five, calm: five}, read)
    assert left_out == {raced}
    assert (catalog.decision(raced).flag, catalog.decision(raced).rating) == (Flag.PICK, 2)
    assert catalog.decision(calm).rating == 5 and catalog.decision(calm).is_user
    assert catalog.sidecar_records([raced, calm]).keys() == {calm}


def test_invalid_decisions_are_refused(catalog, tmp_path):
    photo_id = catalog.upsert_photo(photo_info(tmp_path, "p.jpg"))
    with pytest.raises(ValueError):
        catalog.set_decision(photo_id, rating=6)
    with pytest.raises(ValueError):
        catalog.set_decision(photo_id, flag="maybe")
    with pytest.raises(KeyError):
        catalog.set_decision(999, flag="pick")


def test_runs_record_options_counts_and_status(catalog, tmp_path):
    run_id = catalog.begin_run(tmp_path, {"model": "fgaesq", "xmp": True})
    assert catalog.runs(tmp_path)[0].status is RunStatus.RUNNING
    finished = catalog.finish_run(run_id, "completed", {"photos": 12, "series": 3})
    assert finished.counts == {"photos": 12, "series": 3} and finished.finished_at is not None
    assert catalog.runs()[0].options == {"model": "fgaesq", "xmp": True}


def test_run_of_a_crashed_process_is_marked_interrupted_at_next_open(tmp_path: Path):
    path = tmp_path / "catalog.sqlite3"
    script = (
        "import os, sys; from app.catalog import Catalog\n"
        "c = Catalog(sys.argv[1]); c.begin_run(sys.argv[2], {'n': 1})\n"
        "os._exit(3)\n"
    )
    result = subprocess.run([sys.executable, "-c", script, str(path), str(tmp_path)], timeout=60)
    assert result.returncode == 3
    with Catalog(path) as catalog:
        live_run = catalog.begin_run(tmp_path)  # this process is alive: untouched
        with Catalog(path) as second:
            statuses = {run.id: run.status for run in second.runs()}
    assert statuses == {1: RunStatus.INTERRUPTED, live_run: RunStatus.RUNNING}


def test_interrupted_work_keeps_finished_units_and_resume_sees_what_is_missing(tmp_path: Path):
    path = tmp_path / "catalog.sqlite3"
    script = (
        "import os, sys; from app.catalog import Catalog, PhotoInfo\n"
        "c = Catalog(sys.argv[1]); c.begin_run(sys.argv[2])\n"
        "ids = [c.upsert_photo(PhotoInfo(sys.argv[2], f'{i}.jpg', 1, 1)) for i in range(5)]\n"
        "c.set_scores('m', 'w', {ids[0]: (1.0, None), ids[1]: (2.0, None)})\n"
        "os._exit(1)\n"
    )
    subprocess.run(
        [sys.executable, "-c", script, str(path), str(tmp_path)], timeout=60, check=False
    )
    with Catalog(path) as catalog:
        photos = catalog.photos(tmp_path)
        scored = catalog.scores([p.id for p in photos], "m", "w")
        assert len(photos) == 5
        assert sorted(scored) == [photos[0].id, photos[1].id]
        assert catalog.runs()[0].status is RunStatus.INTERRUPTED


def test_worker_thread_writes_while_gui_thread_reads(catalog, tmp_path):
    ids = [catalog.upsert_photo(photo_info(tmp_path, f"{i}.jpg")) for i in range(20)]
    catalog.replace_series(tmp_path, [ids], {})
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            for round_ in range(5):
                catalog.set_scores("m", "w", {pid: (float(round_), None) for pid in ids})
                for pid in ids:
                    catalog.set_decision(pid, rating=round_ % 5)
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)

    thread = threading.Thread(target=worker)
    thread.start()
    while thread.is_alive():
        views = catalog.series(tmp_path)
        assert len(views[0].members) == 20
    thread.join()
    assert failures == []
    assert {m.decision.rating for m in catalog.series(tmp_path)[0].members} == {4}


def test_roots_lists_every_folder(catalog, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    catalog.upsert_photo(photo_info(tmp_path / "b", "1.jpg"))
    catalog.upsert_photo(photo_info(tmp_path / "a", "1.jpg"))
    assert catalog.roots() == [
        (tmp_path / "a").resolve().as_posix(),
        (tmp_path / "b").resolve().as_posix(),
    ]


def test_batch_upsert_matches_single_upserts(catalog, tmp_path):
    single = catalog.upsert_photo(photo_info(tmp_path, "a.jpg"))
    infos = [
        photo_info(tmp_path, "a.jpg", size=7),
        photo_info(tmp_path, "b.jpg", companions=("b.dng",)),
    ]
    ids = catalog.upsert_photos(infos)
    assert ids[0] == single and ids[1] != single
    assert catalog.photo(single).size == 7
    assert catalog.photo(ids[1]).companions == ("b.dng",)
    assert catalog.upsert_photos(infos) == ids


def test_a_failing_unit_of_work_leaves_nothing_half_written(catalog, tmp_path):
    good = photo_info(tmp_path, "good.jpg")
    bad = photo_info(tmp_path, "bad.jpg", companions=("/absolute/elsewhere.jpg",))
    with pytest.raises(ValueError, match="relative"):
        catalog.upsert_photos([good, bad])
    assert catalog.photos(tmp_path) == []


def test_two_catalog_objects_on_one_file_write_from_two_threads(tmp_path: Path):
    path = tmp_path / "catalog.sqlite3"
    with Catalog(path) as gui, Catalog(path) as worker:
        ids = gui.upsert_photos([photo_info(tmp_path, f"{i}.jpg") for i in range(10)])
        failures: list[BaseException] = []

        def run_worker() -> None:
            try:
                for i in range(30):
                    worker.set_scores("m", "w", {pid: (float(i), None) for pid in ids})
            except BaseException as error:  # noqa: BLE001 - reported below
                failures.append(error)

        thread = threading.Thread(target=run_worker)
        thread.start()
        for i in range(30):
            gui.set_decision(ids[i % 10], rating=i % 6, source="user")
        thread.join()
        assert failures == []
        assert worker.decision(ids[9]).rating == 29 % 6
        assert gui.scores(ids, "m", "w")[ids[0]].score == 29.0


def test_catalog_in_a_folder_with_url_characters(tmp_path: Path):
    path = tmp_path / "shoots #1 ?50% off" / "catalog.sqlite3"
    with Catalog(path) as catalog:
        catalog.upsert_photo(photo_info(tmp_path, "a.jpg"))
    assert path.is_file()
    with Catalog(path) as catalog:
        assert len(catalog.photos(tmp_path)) == 1
