"""Undo, batch by batch: everything provably moved by this catalog goes back, whatever happened
to the journal or to other batches, and moves that could not happen leave nothing behind."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from filesystems import OTHER_DEVICE, needs_other_device
from privileges import run_unprivileged
from test_photos_fixtures import checksums

from app.catalog import Catalog, MoveState, PhotoInfo
from app.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main
from app.moves import (
    JOURNAL_NAME,
    MoveError,
    list_batches,
    move_rejects,
    rejected_photos,
    undo_batch,
    undo_last,
)

REPO = Path(__file__).resolve().parent.parent
PHOTOS = 6


@pytest.fixture
def shoot(tmp_path: Path):
    """Six rejected JPEGs with sidecars, in a catalog at tmp_path/catalog.sqlite3."""
    root = tmp_path / "shoot"
    root.mkdir()
    with Catalog(tmp_path / "catalog.sqlite3") as catalog:
        for i in range(PHOTOS):
            (root / f"IMG_{i}.jpg").write_bytes(os.urandom(3000) + bytes([i]))
            (root / f"IMG_{i}.xmp").write_text(
                f"<x:xmpmeta xmlns:x='adobe:ns:meta/'>{i}</x:xmpmeta>"
            )
            photo = catalog.upsert_photo(PhotoInfo(str(root), f"IMG_{i}.jpg", 3001, 1))
            catalog.set_decision(photo, flag="reject", source="user")
    return root


def visible(folder: Path) -> dict[str, str]:
    return {k: v for k, v in checksums(folder).items() if not k.startswith(".fgaesq-moves")}


# A move whose process dies after the catalog recorded the third photo's moves and before
# the journal says so (the power cut the catalog's record exists for).
DIES_BEFORE_THE_JOURNAL = r"""
import os, sys
from app.catalog import Catalog
from app.moves import move_rejects, rejected_photos
from app.moves.journal import Journal

catalog_path, root, dest = sys.argv[1:4]
real_append, intents = Journal.append, [0]

def append(self, entry):
    if entry.get("event") == "intent":
        intents[0] += 1
        if intents[0] == 5:  # the third photo: two files each
            os._exit(9)
    real_append(self, entry)

Journal.append = append
with Catalog(catalog_path) as catalog:
    move_rejects(rejected_photos(catalog, root), dest, catalog=catalog)
"""


def test_a_crash_between_the_catalogs_record_and_the_journal_is_undone(tmp_path, shoot):
    """ "The journal lacks the move of ..." stranded 16-18 photos in DEST."""
    before = checksums(shoot)
    dest = tmp_path / "rejects"
    child = subprocess.run(
        [sys.executable, "-c", DIES_BEFORE_THE_JOURNAL, str(tmp_path / "catalog.sqlite3")]
        + [str(shoot), str(dest)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 9, child.stderr
    assert len(visible(dest)) == 4  # two photos moved, the third recorded only in the catalog
    with Catalog(tmp_path / "catalog.sqlite3") as catalog:
        report = undo_last(dest, catalog=catalog)
        assert report.problems == [] and len(report.restored) == 4
        assert [p.relpath for p in rejected_photos(catalog, shoot)] == [
            f"IMG_{i}.jpg" for i in range(PHOTOS)
        ]
    assert checksums(shoot) == before and visible(dest) == {}


def test_a_damaged_or_edited_journal_line_is_passed_over_and_the_rest_goes_back(
    tmp_path, shoot, capsys
):
    before = checksums(shoot)
    dest = tmp_path / "rejects"
    with Catalog(tmp_path / "catalog.sqlite3") as catalog:
        move_rejects(rejected_photos(catalog, shoot), dest, catalog=catalog)
    journal = dest / JOURNAL_NAME
    lines = journal.read_text().splitlines()
    edited = json.loads(lines[1])
    edited["target"] = str(dest / "somewhere else.jpg")  # an intent line changed by hand
    lines[1] = json.dumps(edited)
    lines.insert(3, '{"event": "done", "batch": ')  # a line cut short
    lines.insert(5, "[1, 2, 3]")  # not an object
    journal.write_text("\n".join(lines) + "\n")

    code = main(["--undo", str(dest), "--db", str(tmp_path / "catalog.sqlite3")])

    out, err = capsys.readouterr()
    assert code == EXIT_OK, err
    assert f"Put back {2 * PHOTOS} files" in out
    assert "2 damaged lines" in err and "never recorded" in err and "somewhere else.jpg" in err
    assert checksums(shoot) == before


def test_a_file_deleted_from_a_newer_batch_never_blocks_the_older_ones(tmp_path, shoot):
    dest = tmp_path / "rejects"
    with Catalog(tmp_path / "catalog.sqlite3") as catalog:
        photos = rejected_photos(catalog, shoot)
        older = move_rejects(photos[:3], dest, catalog=catalog)
        newer = move_rejects(photos[3:], dest, catalog=catalog)
        (dest / "IMG_4.jpg").unlink()  # deleted by hand

        first = undo_last(dest, catalog=catalog)
        assert first.batch == newer.batch and len(first.restored) == 5
        assert "IMG_4.jpg is missing" in str(first.problems)
        second = undo_last(dest, catalog=catalog)  # used to pick the newer batch for ever
        assert second.batch == older.batch and second.problems == []
        assert len(second.restored) == 6
        with pytest.raises(MoveError, match="could not be put back earlier"):
            undo_last(dest, catalog=catalog)
        assert undo_batch(dest, newer.batch, catalog=catalog).problems  # retried, still missing
    assert sorted(visible(shoot)) == sorted(
        f"IMG_{i}.{e}" for i in range(PHOTOS) for e in ("jpg", "xmp") if (i, e) != (4, "jpg")
    )


def test_batches_are_listed_and_one_is_chosen_by_its_id(tmp_path, shoot, capsys):
    dest = tmp_path / "rejects"
    db = ["--db", str(tmp_path / "catalog.sqlite3")]
    with Catalog(tmp_path / "catalog.sqlite3") as catalog:
        photos = rejected_photos(catalog, shoot)
        older = move_rejects(photos[:2], dest, catalog=catalog)
        newer = move_rejects(photos[2:], dest, catalog=catalog)

    assert main(["--undo", str(dest), "--list", *db]) == EXIT_OK
    listed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in listed] == [older.batch, newer.batch]
    assert "2 photos, 4 files in the folder, 0 put back: moved" in listed[0]
    assert "4 photos, 8 files in the folder" in listed[1]

    assert main(["--undo", str(dest), "--batch", older.batch, *db]) == EXIT_OK
    assert (shoot / "IMG_0.jpg").exists() and not (shoot / "IMG_2.jpg").exists()
    capsys.readouterr()
    assert main(["--undo", str(dest), "--list", *db]) == EXIT_OK
    listed = capsys.readouterr().out.splitlines()
    assert "0 files in the folder, 4 put back: undone" in listed[0]
    assert ": moved" in listed[1]
    assert main(["--undo", str(dest), "--batch", "no-such-batch", *db]) == EXIT_FAILED
    assert "no batch no-such-batch" in capsys.readouterr().err


def test_a_file_in_the_destination_that_is_not_the_one_moved_stays(tmp_path, shoot):
    dest = tmp_path / "rejects"
    with Catalog(tmp_path / "catalog.sqlite3") as catalog:
        move_rejects(rejected_photos(catalog, shoot), dest, catalog=catalog)
        (dest / "IMG_1.jpg").write_bytes(b"another file under the moved one's name")
        report = undo_last(dest, catalog=catalog)
        assert "content differs" in str(report.problems) and len(report.restored) == 11
        assert [b.kept for b in list_batches(dest, catalog=catalog)] == [1]
    assert not (shoot / "IMG_1.jpg").exists()
    assert (dest / "IMG_1.jpg").read_bytes() == b"another file under the moved one's name"


@pytest.mark.parametrize("put_back", ["copy", "copy keeping its time", "hard link"])
def test_a_copy_put_back_by_hand_is_never_taken_for_the_file_moved(
    tmp_path, shoot, capsys, put_back
):
    """The photographer copied a moved reject back to its place by hand before the undo:
    undo took the file in the rejects folder for its own copy cut short and deleted it.
    Now it deletes nothing it cannot prove loses nothing: a copy with a time of its own
    leaves both, and says so; a copy with the moved file's time, or a second name of the
    same file, is the file back, and the rest goes back as always."""
    dest = tmp_path / "rejects"
    db = ["--db", str(tmp_path / "catalog.sqlite3")]
    before = visible(shoot)
    with Catalog(tmp_path / "catalog.sqlite3") as catalog:
        move_rejects(rejected_photos(catalog, shoot), dest, catalog=catalog)
    moved, back = dest / "IMG_1.jpg", shoot / "IMG_1.jpg"
    os.utime(moved, (1_600_000_000, 1_600_000_000))  # the camera's time, long ago
    {"copy": shutil.copyfile, "copy keeping its time": shutil.copy2, "hard link": os.link}[
        put_back
    ](moved, back)
    code = main(["--undo", str(dest), *db])
    out, err = capsys.readouterr()
    assert visible(shoot) == before  # every photo is back, the hand-made copy untouched
    if put_back == "copy":
        assert code == EXIT_FAILED
        assert f"Put back {2 * PHOTOS - 1} files" in out
        assert f"{back} is back already: a byte-identical copy was put there since" in err
        assert "was left where it is too (both are kept" in err
        assert visible(dest) == {"IMG_1.jpg": before["IMG_1.jpg"]}
        assert moved.stat().st_mtime == 1_600_000_000  # the file moved, as it was
    else:
        assert code == EXIT_OK, err
        assert visible(dest) == {}


def test_a_link_put_back_at_a_moved_files_place_never_costs_the_file(tmp_path, shoot, capsys):
    """The photographer put a symbolic link back at a moved reject's place, pointing at the
    file in the rejects folder: the link reads as the same file, and undo deleted the file
    it points at, leaving a link to nothing.  Now the file moved stays, and undo says so."""
    dest = tmp_path / "rejects"
    before = visible(shoot)
    with Catalog(tmp_path / "catalog.sqlite3") as catalog:
        move_rejects(rejected_photos(catalog, shoot), dest, catalog=catalog)
    moved, back = dest / "IMG_1.jpg", shoot / "IMG_1.jpg"
    back.symlink_to(moved)
    code = main(["--undo", str(dest), "--db", str(tmp_path / "catalog.sqlite3")])
    err = capsys.readouterr().err
    assert code == EXIT_FAILED
    assert f"{back} is a symbolic link" in err
    assert visible(dest) == {"IMG_1.jpg": before.pop("IMG_1.jpg")}  # the file moved, whole
    assert back.resolve() == moved.resolve() and visible(shoot) == before  # the rest is back


def test_a_photo_moved_meanwhile_by_another_run_is_not_a_failure(tmp_path, shoot):
    """The second of two runs at once said "Moved 0 of 12" and exited 1."""
    dest = tmp_path / "rejects"
    with Catalog(tmp_path / "catalog.sqlite3") as catalog:
        listed_by_second = rejected_photos(catalog, shoot)  # both runs list the rejects
        first = move_rejects(rejected_photos(catalog, shoot), dest, catalog=catalog)
        second = move_rejects(listed_by_second, dest, catalog=catalog)
    assert len(first.photo_ids) == PHOTOS
    assert second.problems == [] and second.complete
    assert len(second.moved_meanwhile) == PHOTOS
    assert "Moved 0 of 6" in second.summary() and "moved meanwhile by another run" in (
        second.summary()
    )


MOVE = r"""
import sys
from app.catalog import Catalog
from app.moves import move_rejects, rejected_photos
with Catalog(sys.argv[1]) as catalog:
    report = move_rejects(rejected_photos(catalog, sys.argv[2]), sys.argv[3], catalog=catalog)
print(report.summary())
for problem in report.problems:
    print(problem)
"""


@needs_other_device
@pytest.mark.parametrize("folder", ["read-only", "owned by another user, sticky"])
def test_a_source_that_cannot_be_removed_is_not_moved_and_leaves_no_copy(tmp_path, shoot, folder):
    """A read-only source with DEST on another file system left 22 full copies in DEST,
    and undo ignored them.  A read-only folder is refused before copying; where the folder
    looks writable but the file cannot be removed (a sticky folder of another user's), the
    verified copy is removed again."""
    before = checksums(shoot)
    dest = Path(tempfile.mkdtemp(prefix="fgaesq-rejects-", dir=OTHER_DEVICE))
    if folder == "read-only":
        shoot.chmod(0o555)
    else:
        for path in (shoot, *shoot.iterdir()):
            os.chown(path, 4321, 4321)
        shoot.chmod(0o1777)
    try:
        child = run_unprivileged(MOVE, str(tmp_path / "catalog.sqlite3"), str(shoot), str(dest))
        assert child.returncode == 0, child.stderr
        assert f"Moved 0 of {PHOTOS}" in child.stdout
        if folder == "read-only":
            assert f"the folder {shoot} is read-only" in child.stdout
        else:
            assert "cannot remove" in child.stdout and "the copy was removed" in child.stdout
        assert visible(dest) == {}
        with Catalog(tmp_path / "catalog.sqlite3") as catalog:
            states = {r.state for b in catalog.move_batches(dest) for r in catalog.moves(b)}
            assert MoveState.DONE not in states
            assert len(rejected_photos(catalog, shoot)) == PHOTOS  # still where they were
    finally:
        shoot.chmod(0o755)
        shutil.rmtree(dest)
    assert checksums(shoot) == before


def test_moves_recorded_without_a_content_hash_go_back_where_the_journal_agrees(tmp_path, shoot):
    """Moves recorded by an older version carry no hash: the journal is their proof."""
    dest = tmp_path / "rejects"
    with Catalog(tmp_path / "catalog.sqlite3") as catalog:
        move_rejects(rejected_photos(catalog, shoot), dest, catalog=catalog)
    with sqlite3.connect(tmp_path / "catalog.sqlite3") as db:
        db.execute("UPDATE moves SET content_hash = NULL")
    db.close()
    journal = dest / JOURNAL_NAME
    lines = [line for line in journal.read_text().splitlines() if "IMG_3.jpg" not in line]
    journal.write_text("\n".join(lines) + "\n")

    with Catalog(tmp_path / "catalog.sqlite3") as catalog:
        report = undo_last(dest, catalog=catalog)
    assert len(report.restored) == 2 * PHOTOS - 1
    assert "IMG_3.jpg" in str(report.problems) and "neither a content hash" in str(report.problems)
    assert sorted(visible(dest)) == ["IMG_3.jpg"]


def test_list_and_batch_without_undo_are_usage_errors(tmp_path, capsys):
    assert main(["--list"]) == EXIT_USAGE
    assert main([str(tmp_path), "--batch", "b"]) == EXIT_USAGE
    assert "go with --undo DIR" in capsys.readouterr().err


def test_undo_into_a_folder_that_is_not_there_creates_nothing(tmp_path, shoot, capsys):
    missing = tmp_path / "no" / "such" / "rejects"
    db = ["--db", str(tmp_path / "catalog.sqlite3")]
    assert main(["--undo", str(missing), *db]) == EXIT_FAILED
    assert f"{missing} is not a folder" in capsys.readouterr().err
    assert main(["--undo", str(missing), "--list", *db]) == EXIT_OK
    assert not (tmp_path / "no").exists(), "a mistyped path leaves no folder behind"
