"""Hostile cases met on real shoots: file names, pairs and folders as cards and people
leave them.  Each test names the harm it rules out."""

from __future__ import annotations

import os
from pathlib import Path

import test_hostile
from cull_helpers import SAMPLES
from gui_fixtures import gui_env  # noqa: F401
from test_marks_read import REJECT_AND_MOVE, cull, decisions
from test_photos_fixtures import checksums

from app.catalog import Catalog, DecisionSource
from app.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main

shoot = test_hostile.shoot  # two bursts of three frames, frame 2 sharp: 1 and 3 get rejected


def test_photos_whose_names_are_not_utf8_get_sidecars_move_and_come_back(
    tmp_path: Path, shoot: Path
):
    """Names in Latin-1 (an old card, a copy from Windows) were stored in their printable
    form (caf\\xe9): the photos were then called missing, got no sidecar, and the reject
    could not be moved.  A name that holds the escape's characters keeps them."""
    reject, pick = (os.fsdecode(os.fsencode(shoot / f"caf\xe9_0{k}") + b"\xe9.jpg") for k in (1, 2))
    os.rename(shoot / "astronaut_01.jpg", reject)
    os.rename(shoot / "astronaut_02.jpg", pick)
    reject, pick = os.path.basename(reject), os.path.basename(pick)
    literal = "caf\\xe9_03.jpg"  # a reject whose name holds the escape's own characters
    os.rename(shoot / "astronaut_03.jpg", shoot / literal)
    folder = os.fsdecode(os.fsencode(shoot) + b"/mari\xe9e")  # a folder of such a name
    os.mkdir(folder)
    for frame in shoot.glob("coffee_*.jpg"):
        os.rename(frame, os.path.join(folder, frame.name))
    before = checksums(shoot)
    marks = ("--write-xmp", "--marks", "mark_best")  # ratings a rerun must know as its own
    assert cull(tmp_path, shoot, *marks)["errors"] == []
    assert (shoot / (pick[:-4] + ".xmp")).is_file()
    cull(tmp_path, shoot, *marks)
    stored = pick.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    assert decisions(tmp_path, shoot)[stored].source is DecisionSource.AUTO

    report = cull(tmp_path, shoot, *REJECT_AND_MOVE, str(tmp_path / "rejects"))
    assert report["errors"] == []
    moved = checksums(tmp_path / "rejects")
    assert moved[reject] == before[reject] and reject[:-4] + ".xmp" in moved
    undo = ["--undo", str(tmp_path / "rejects"), "--db", str(tmp_path / "catalog.sqlite3")]
    assert main(undo) == EXIT_OK
    back = {name: digest for name, digest in checksums(shoot).items() if name.endswith(".jpg")}
    assert back == before  # each photo back under its own name


def test_a_folder_whose_path_is_not_utf8_is_refused_by_name(tmp_path: Path, capsys):
    """The catalog cannot hold such a folder's path: the run crashed with a traceback."""
    folder = os.fsdecode(os.fsencode(tmp_path) + b"/mari\xe9e")
    jpeg_bytes = (SAMPLES / "coffee_01.jpg").read_bytes()
    os.mkdir(folder)
    Path(folder, "coffee_01.jpg").write_bytes(jpeg_bytes)
    argv = [folder, "--db", str(tmp_path / "c.sqlite3"), "--model", "technical"]

    assert main(argv) == EXIT_FAILED
    err = capsys.readouterr().err
    assert "mari\\xe9e: the folder's path is not valid UTF-8" in err
    assert "Traceback" not in err


def test_the_window_shows_a_photo_whose_name_is_not_utf8(qtbot, gui_env, tmp_path: Path):  # noqa: F811
    """Qt's string signals drop a name's undecodable bytes (caf\\udce9.jpg became caf.jpg):
    the decoded thumbnail and preview were filed under another name, and the tile and the
    loupe said "Loading..." for ever; the thumbnail cache could not name the file."""
    from app.gui.thumbnails import PREVIEW, ThumbnailManager

    path = os.fsdecode(os.fsencode(tmp_path) + b"/caf\xe9.jpg")
    Path(path).write_bytes((SAMPLES / "coffee_01.jpg").read_bytes())
    thumbs = ThumbnailManager(cache_folder=tmp_path / "thumbs", threads=1)
    for size in (160, PREVIEW):
        with qtbot.waitSignal(thumbs.ready, timeout=10_000) as ready:
            thumbs.request(path, size)
        assert ready.args == [path, size]
        assert thumbs.pixmap(path, size) is not None


def test_a_report_is_never_written_over_a_photo_or_a_sidecar(tmp_path: Path, shoot: Path, capsys):
    """``--json IMG_0001.jpg`` (a slip of tab completion) replaced the photo with JSON."""
    (shoot / "astronaut_01.xmp").write_text("<x:xmpmeta/>", encoding="utf-8")
    before = checksums(shoot)
    db = ["--db", str(tmp_path / "c.sqlite3"), "--model", "technical"]
    for flag, name in (("--json", "astronaut_02.jpg"), ("--csv", "astronaut_01.xmp")):
        assert main([str(shoot), *db, flag, str(shoot / name)]) == EXIT_USAGE
        assert f"{name}: a photo or sidecar" in capsys.readouterr().err
    assert checksums(shoot) == before
    assert not (tmp_path / "c.sqlite3").exists()  # refused before the run began


def test_a_taste_profile_is_never_exported_over_a_photo(tmp_path: Path, shoot: Path, capsys):
    """``learn --export IMG_0001.jpg`` replaced the photo with the profile's JSON."""
    with Catalog(tmp_path / "c.sqlite3") as catalog:
        catalog.save_taste("mine", {}, {}, [])
    before = checksums(shoot)
    target = str(shoot / "astronaut_02.jpg")
    argv = ["learn", "--export", target, "--db", str(tmp_path / "c.sqlite3"), "--profile", "mine"]
    assert main(argv) != EXIT_OK
    assert "astronaut_02.jpg: a photo or sidecar" in capsys.readouterr().err
    assert checksums(shoot) == before


def test_undo_with_another_catalog_says_the_journal_names_a_batch_it_never_recorded(
    tmp_path: Path, shoot: Path, capsys
):
    """Undo with the wrong catalog (a forgotten --db), or of a rejects folder renamed since,
    said "No batches were moved" beside a journal listing the batch: the photographer was
    told the rejects were nobody's."""
    rejects = tmp_path / "rejects"
    cull(tmp_path, shoot, "--reject-others", "--move-rejects", str(rejects))
    capsys.readouterr()
    other = ["--undo", str(rejects), "--db", str(tmp_path / "other.sqlite3")]

    assert main([*other, "--list"]) == EXIT_OK
    listed = capsys.readouterr().out
    assert "its journal names one batch the catalog" in listed and "--db" in listed
    assert main(other) == EXIT_FAILED
    assert "its journal names one batch the catalog" in capsys.readouterr().err
    assert sorted(p.name for p in rejects.glob("*.jpg")) == [  # nothing moved back
        "astronaut_01.jpg",
        "astronaut_03.jpg",
        "coffee_01.jpg",
        "coffee_03.jpg",
    ]
    rejects.rename(tmp_path / "renamed")  # the catalog knows the batch, in another folder
    renamed = ["--undo", str(tmp_path / "renamed"), "--db", str(tmp_path / "catalog.sqlite3")]
    assert main(renamed) == EXIT_FAILED
    assert "was this folder renamed or moved?" in capsys.readouterr().err


def test_the_window_names_such_a_photo_as_the_summary_does(tmp_path: Path):
    """The window said caf\\udce9.jpg where the summary, the JSON and the CSV say
    caf\\xe9.jpg: one photo under two names."""
    from app.gui.facts import frame_facts
    from app.gui.items import FrameItem
    from app.photos import display_path

    name = os.fsdecode(b"caf\xe9.jpg")
    assert frame_facts(FrameItem(1, str(tmp_path / name)), None)["Files"] == display_path(name)
