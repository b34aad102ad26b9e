"""Journaled moves of rejects: every file moves whole and unchanged, and undo restores exact paths."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from app.catalog import Catalog, PhotoInfo
from app.moves import JOURNAL_NAME, MoveError, move_rejects, rejected_photos, undo, undo_last
from app.sidecars import XmpMarks, write_marks


def checksums(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.startswith(".fgaesq-moves")  # journal and its lock
    }


@pytest.fixture
def shoot(tmp_path: Path):
    """A folder of three RAW+JPEG photos with sidecars; the first two are rejected in the catalog."""
    root = tmp_path / "shoot"
    root.mkdir()
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    for i in (1, 2, 3):
        for ext in ("CR3", "JPG"):
            (root / f"IMG_000{i}.{ext}").write_bytes(os.urandom(2048) + f"{i}{ext}".encode())
        write_marks(root / f"IMG_000{i}.CR3", XmpMarks(rating=-1 if i < 3 else 3), "both")
        photo_id = catalog.upsert_photo(
            PhotoInfo(str(root), f"IMG_000{i}.CR3", 2048, 1, companions=(f"IMG_000{i}.JPG",))
        )
        catalog.set_decision(photo_id, flag="reject" if i < 3 else "pick", source="user")
    yield root, catalog
    catalog.close()


def test_rejects_move_whole_with_bytes_unchanged_and_catalog_follows(shoot, tmp_path: Path):
    root, catalog = shoot
    before = checksums(root)
    dest = tmp_path / "rejects"
    report = move_rejects(rejected_photos(catalog, root), dest, catalog=catalog)

    assert report.problems == [] and len(report.photo_ids) == 2
    assert len(report.moved) == 2 * 4  # RAW, JPEG, IMG.xmp, IMG.CR3.xmp
    moved = checksums(dest)
    assert set(moved) == {
        f"IMG_000{i}{s}" for i in (1, 2) for s in (".CR3", ".JPG", ".xmp", ".CR3.xmp")
    }
    assert all(before[name] == digest for name, digest in moved.items())
    assert set(checksums(root)) == {
        "IMG_0003.CR3",
        "IMG_0003.JPG",
        "IMG_0003.xmp",
        "IMG_0003.CR3.xmp",
    }

    photo = catalog.photo(report.photo_ids[0])
    assert Path(photo.root) == dest.resolve() and photo.relpath == "IMG_0001.CR3"
    assert photo.companions == ("IMG_0001.JPG",)
    assert catalog.decision(photo.id).flag.value == "reject"  # decisions stay with the photo


def test_name_clash_gives_the_whole_photo_one_suffix_and_overwrites_nothing(shoot):
    root, catalog = shoot
    dest = root / "_rejects"
    dest.mkdir()
    (dest / "IMG_0001.CR3").write_bytes(b"an older reject")
    (dest / "IMG_0002-1.JPG").write_bytes(b"in the way of suffix 1")
    report = move_rejects(rejected_photos(catalog, root), dest, catalog=catalog)

    names = sorted(p.name for p in dest.iterdir() if p.name != JOURNAL_NAME)
    assert (dest / "IMG_0001.CR3").read_bytes() == b"an older reject"
    assert {"IMG_0001-1.CR3", "IMG_0001-1.JPG", "IMG_0001-1.xmp", "IMG_0001-1.CR3.xmp"} <= set(
        names
    )
    assert {"IMG_0002.CR3", "IMG_0002.JPG", "IMG_0002.xmp", "IMG_0002.CR3.xmp"} <= set(names)
    photo = catalog.photo(report.photo_ids[0])
    assert (Path(photo.root), photo.relpath) == (root.resolve(), "_rejects/IMG_0001-1.CR3")
    assert photo.companions == ("_rejects/IMG_0001-1.JPG",)


def test_undo_restores_exact_paths_bytes_and_catalog(shoot, tmp_path: Path):
    root, catalog = shoot
    before = checksums(root)
    before_records = {p.id: (p.root, p.relpath, p.companions) for p in catalog.photos(root)}
    dest = tmp_path / "rejects"
    move_rejects(rejected_photos(catalog, root), dest, catalog=catalog)

    report = undo_last(dest, catalog=catalog)

    assert len(report.restored) == 8
    assert checksums(root) == before
    assert checksums(dest) == {}
    assert {p.id: (p.root, p.relpath, p.companions) for p in catalog.photos(root)} == before_records
    with pytest.raises(MoveError, match="nothing to undo"):
        undo_last(dest, catalog=catalog)


def test_undo_leaves_a_file_whose_original_path_is_taken_and_restores_the_rest(
    shoot, tmp_path: Path
):
    root, catalog = shoot
    before = checksums(root)
    dest = tmp_path / "rejects"
    report = move_rejects(rejected_photos(catalog, root), dest, catalog=catalog)
    (root / "IMG_0002.JPG").write_bytes(b"a new file with the old name")

    undone = undo(report.journal, catalog=catalog)

    assert len(undone.problems) == 1
    assert str(root / "IMG_0002.JPG") in str(undone.problems[0]) and "exists again" in str(
        undone.problems[0]
    )
    assert (root / "IMG_0002.JPG").read_bytes() == b"a new file with the old name"  # untouched
    assert checksums(dest) == {"IMG_0002.JPG": before["IMG_0002.JPG"]}  # stays where it is
    assert {k: v for k, v in checksums(root).items() if k != "IMG_0002.JPG"} == {
        k: v for k, v in before.items() if k != "IMG_0002.JPG"
    }


def test_batches_are_undone_newest_first(shoot, tmp_path: Path):
    root, catalog = shoot
    dest = tmp_path / "rejects"
    photos = rejected_photos(catalog, root)
    first = move_rejects(photos[:1], dest, catalog=catalog)
    second = move_rejects(photos[1:], dest, catalog=catalog)
    assert undo_last(dest, catalog=catalog).batch == second.batch
    assert (root / "IMG_0002.CR3").exists() and not (root / "IMG_0001.CR3").exists()
    assert undo_last(dest, catalog=catalog).batch == first.batch
    assert (root / "IMG_0001.CR3").exists()


def test_photo_with_a_missing_file_is_reported_and_the_others_move(shoot, tmp_path: Path):
    root, catalog = shoot
    (root / "IMG_0001.JPG").unlink()
    report = move_rejects(rejected_photos(catalog, root), tmp_path / "rejects", catalog=catalog)
    assert len(report.problems) == 1 and "IMG_0001.JPG" in str(report.problems[0])
    assert (root / "IMG_0001.CR3").exists()
    assert not (root / "IMG_0002.CR3").exists()


CRASHING_MOVE = """
import os, sys
from app.catalog import Catalog
from app.moves import move_rejects, rejected_photos

catalog_path, root, dest, crash_at, after_rename = sys.argv[1:6]
real_replace, calls = os.replace, [0]

def replace_then_maybe_die(source, target):
    calls[0] += 1
    if calls[0] == int(crash_at) and after_rename == "no":
        os._exit(9)  # power cut before the rename
    real_replace(source, target)
    if calls[0] == int(crash_at):
        os._exit(9)  # power cut after the rename, before the journal says done

os.replace = replace_then_maybe_die
catalog = Catalog(catalog_path)
move_rejects(rejected_photos(catalog, root), dest, catalog=catalog)
"""


@pytest.mark.parametrize("after_rename", ["no", "yes"])
def test_crash_in_the_middle_of_a_move_can_be_undone(shoot, tmp_path: Path, after_rename: str):
    root, catalog = shoot
    before = checksums(root)
    before_records = {p.id: (p.root, p.relpath, p.companions) for p in catalog.photos(root)}
    dest = tmp_path / "rejects"
    args = [str(tmp_path / "catalog.sqlite3"), str(root), str(dest), "6", after_rename]
    result = subprocess.run([sys.executable, "-c", CRASHING_MOVE, *args], timeout=60)
    assert result.returncode == 9
    events = [json.loads(line)["event"] for line in (dest / JOURNAL_NAME).read_text().splitlines()]
    assert "batch-done" not in events and events.count("done") < events.count("intent")

    undo_last(dest, catalog=catalog)

    assert checksums(root) == before
    assert checksums(dest) == {}  # no reservation left behind either
    assert {p.id: (p.root, p.relpath, p.companions) for p in catalog.photos(root)} == before_records


OTHER_DEVICE = Path("/dev/shm")


@pytest.mark.skipif(
    not OTHER_DEVICE.is_dir()
    or OTHER_DEVICE.stat().st_dev == Path(tempfile.gettempdir()).stat().st_dev,
    reason="needs a second file system (/dev/shm)",
)
def test_move_to_another_file_system_copies_verifies_and_undoes(shoot):
    root, catalog = shoot
    before = checksums(root)
    dest = Path(tempfile.mkdtemp(prefix="fgaesq-rejects-", dir=OTHER_DEVICE))
    try:
        report = move_rejects(rejected_photos(catalog, root), dest, catalog=catalog)
        assert report.problems == [] and len(report.moved) == 8
        assert all(before[name] == digest for name, digest in checksums(dest).items())
        assert not (root / "IMG_0001.CR3").exists()
        undo_last(dest, catalog=catalog)
        assert checksums(root) == before
    finally:
        shutil.rmtree(dest)
