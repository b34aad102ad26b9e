"""A card copied into two folders (or a camera writing both slots) puts byte-identical
files side by side.  Each photo counts once: the kinds and the pick's confidence are those
of one copy of the card, and the pick's own copy is never rejected or moved."""

from __future__ import annotations

import csv
import os
import shutil
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from cull_helpers import SAMPLES, cull_json
from gui_fixtures import gui_env, new_window, press, settle  # noqa: F401
from PIL import Image
from PySide6.QtCore import Qt
from test_gui_faces import cell_box, colour_count
from test_marks_read import with_xmp_segment, xmp
from test_photos_fixtures import dng
from test_unsure_rejects import catalog_decisions

from app.catalog import Catalog, DecisionSource, Flag, PhotoInfo, fast_content_hash
from app.exact_copies import (
    copies_note,
    copy_names,
    distinct_keeping,
    file_hashes,
    originals,
    times_from,
    told_once,
)
from app.gui import theme
from app.moves import rejected_photos
from app.sidecars import keywords, read_marks
from app.sidecars.xmp import read_suggestions

FILES = [
    *(f"rocket_0{k}.jpg" for k in range(1, 5)),  # a burst the scorer is sure of
    *(f"coffee_bracket_0{k}.jpg" for k in range(1, 4)),  # -2/0/+2 EV, tagged
    "retina_single.jpg",
]


def card(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name in FILES:
        shutil.copy2(SAMPLES / name, folder / name)
    return folder


def rocket_cards(shoot: Path, cards: tuple[str, ...] = ("A", "B")) -> Path:
    """The rocket burst (a pick the scorer is sure of) copied onto each card of ``shoot``."""
    for name in cards:
        (shoot / name).mkdir(parents=True, exist_ok=True)
        for k in range(1, 5):
            shutil.copy2(SAMPLES / f"rocket_0{k}.jpg", shoot / name)
    return shoot


def by_scene(doc: dict) -> dict[str, dict]:
    return {Path(s["best"]).name.rsplit("_", 1)[0]: s for s in doc["series"]}


def test_a_card_copied_twice_is_culled_as_the_card(tmp_path: Path, capsys):
    one = by_scene(cull_json(tmp_path / "one", card(tmp_path / "one" / "card")))
    shoot = tmp_path / "two" / "shoot"
    card(shoot / "A"), card(shoot / "B")
    rejects = tmp_path / "rejects"
    doc = cull_json(
        tmp_path / "two", shoot, "--reject-others", "--write-xmp", "--move-rejects", str(rejects)
    )
    said = capsys.readouterr()
    assert "8 files are byte-identical copies of others (B/" in said.out + said.err
    assert "B/rocket_01.jpg  [copy of A/rocket_01.jpg]" in said.out
    # a single and its copy: no pick is marked, in the summary as in the catalog
    (single,) = [line for line in said.out.splitlines() if line.endswith("A/retina_single.jpg")]
    assert not single.lstrip().startswith("*")
    copies = {m["path"]: m["copy_of"] for s in doc["series"] for m in s["members"]}
    assert copies == {f"{c}/{n}": (None if c == "A" else f"A/{n}") for c in "AB" for n in FILES}
    two = by_scene(doc)
    assert [s["kind"] for s in two.values()] == [s["kind"] for s in one.values()]
    assert (two["coffee_bracket"]["kind"], two["retina"]["kind"]) == ("bracket", "single")
    # (the scorer judges each frame against its burst, so the scores move a hair)
    assert two["rocket"]["confidence"] == pytest.approx(one["rocket"]["confidence"], abs=0.01)
    assert two["rocket"]["confidence"] >= 0.8
    # the pick's copy stays, unrejected everywhere; the other frames of both copies go
    pick = two["rocket"]["best"]
    twin = ("B/" if pick.startswith("A/") else "A/") + Path(pick).name
    # the pick is explained against the next photo, not against itself
    assert Path(two["rocket"]["why"]["runner_up"]).name == one["rocket"]["why"]["runner_up"]
    assert (shoot / twin).exists() and not (rejects / twin).exists()
    sidecar = (shoot / twin).with_suffix(".xmp")
    assert read_marks(sidecar).rating != -1
    assert keywords.REJECT not in read_suggestions(sidecar.read_bytes(), sidecar)
    assert len(list(rejects.rglob("*.jpg"))) == 6
    with Catalog(tmp_path / "two" / "c.sqlite3") as catalog:
        flags = {p.relpath: catalog.decision(p.id).flag for p in catalog.photos(shoot)}
        views = {v.id: v for v in catalog.series(shoot, model="technical")}
    assert flags[pick] is Flag.PICK and flags[twin] is Flag.NONE
    assert flags["A/retina_single.jpg"] is flags["B/retina_single.jpg"] is Flag.NONE
    # the window and the sidecars read the confidence the cull decided on
    rocket = next(v for v in views.values() if any(m.photo.relpath == pick for m in v.members))
    assert round(rocket.confidence, 3) == two["rocket"]["confidence"]


def test_the_summary_counts_one_copy_as_one_file():
    assert copies_note([("a.jpg",), ("b/a.jpg",)], [("h",), ("h",)]).startswith(
        "1 file is a byte-identical copy of another (b/a.jpg of a.jpg): "
    )
    assert copies_note([("a.jpg",), ("b.jpg",)], [("h",), (None,)]) == ""
    # a lone JPEG copied from a RAW+JPEG pair: a copy of the pair's JPEG, whichever comes first
    lone, pair = ("A/1.JPG",), ("B/1.CR2", "B/1.JPG")
    assert copies_note([lone, pair], [("j",), ("r", "j")]).startswith(
        "1 file is a byte-identical copy of another (A/1.JPG of B/1.JPG): "
    )


def test_copies_are_told_once_and_join_their_original():
    hashes = [(h,) for h in ("a", "b", "a", None, None, "b")]
    assert originals(hashes) == [0, 1, 0, 3, 4, 1]
    assert distinct_keeping(2, hashes) == [1, 2, 3, 4]
    told = told_once([[0, 1, 2, 3], [4, 5]], hashes, lambda series: series, lambda s: s)
    assert told == [[0, 2, 1, 5, 3], [4]]


def test_a_copy_timed_by_its_file_takes_the_time_its_content_has_elsewhere():
    """The earliest file time of a content (a copy is never older than its original), a
    time its camera recorded before any file time; a camera's time is never replaced, and
    photos that differ (or have a file not hashed) keep their own."""
    hashes = [("a",), ("a",), ("b",), ("b",), ("c",), (None,), (None,)]
    times = [100.0, 50.0, 10.0, 20.0, 30.0, 1.0, 2.0]
    cameras = [False, False, False, True, False, False, False]
    assert times_from(hashes, times, cameras) == [1, 1, 3, 3, 4, 5, 6]
    # a lone JPEG timed by its file takes the time of the RAW+JPEG pair it was copied from
    assert times_from([("r", "j"), ("j",)], [5.0, 1.0], [True, False]) == [0, 0]
    # two cameras' times of one content stay as they are
    assert times_from([("r", "j"), ("r",)], [5.0, 4.5], [True, True]) == [0, 1]


def test_a_pair_with_a_file_not_hashed_is_no_ones_copy():
    """A RAW+JPEG pair one of whose files could not be read for its hash was taken for a
    byte-identical copy of a lone JPEG (its RAW unread) or of a lone RAW (its JPEG unread,
    the pair then read as one file) that came before it: "copy of A/1.JPG" named on a RAW
    nothing proved a copy, and the pair left out of the count.  The pair holds the lone
    file's twin, so the lone file is its copy, in whichever order they come."""
    unread_raw, unread_jpeg = (None, "j"), ("r", None)
    assert originals([("j",), unread_raw]) == [1, 1]
    assert originals([("r",), unread_jpeg]) == [1, 1]
    assert originals([unread_jpeg, ("r", "j")]) == [0, 1]  # each lacks a proven twin
    assert copy_names([("A/1.JPG",), ("B/1.CR2", "B/1.JPG")], [("j",), unread_raw]) == [
        "B/1.JPG",
        None,
    ]
    pair = PhotoInfo("/shoot", "B/1.CR2", 1, 1, content_hash="r", companions=("B/1.JPG",))
    assert file_hashes(pair) == ("r", None)  # two files, one of them not hashed
    assert file_hashes(replace(pair, companions=())) == ("r",)


def test_a_photo_is_a_copy_only_where_each_of_its_files_has_a_twin():
    """A lone JPEG or RAW is a copy of the pair that holds it (never the pair a copy of the
    lone file); two pairs sharing one file only (one JPEG cut short) are two photos."""
    lone_jpeg, pair, lone_raw, other_pair = ("j",), ("r", "j"), ("r",), ("r", "k")
    assert originals([lone_jpeg, pair, lone_raw]) == [1, 1, 1]
    assert originals([pair, other_pair]) == [0, 1]
    assert originals([pair, other_pair, lone_raw]) == [0, 1, 0]
    assert originals([(None, "j"), lone_jpeg]) == [0, 0]  # an unreadable RAW: no twin for it
    assert originals([pair, pair, lone_jpeg, pair]) == [0, 0, 0, 0]  # three copies and more
    named = copy_names(
        [("a.JPG",), ("B/a.CR2", "B/a.JPG"), ("C/a.CR2",)], [lone_jpeg, pair, lone_raw]
    )
    assert named == ["B/a.JPG", None, "B/a.CR2"]


@pytest.mark.parametrize("written", ["sidecar", "embedded"])
def test_a_mark_on_one_card_holds_for_the_same_photo_on_the_other(tmp_path: Path, written):
    """Five stars on card B's copy of a frame (its Lightroom sidecar, or written into the
    JPEG, which makes its bytes differ) are the photographer's word on that photo: card A's
    copy of it was rejected and moved.  A reject of card A's best frame made its own copy on
    card B the pick."""
    shoot = rocket_cards(tmp_path / "shoot")
    stars = xmp('xmp:Rating="5"')
    if written == "sidecar":
        (shoot / "B" / "rocket_03.xmp").write_text(stars, encoding="utf-8")
    else:
        photo = shoot / "B" / "rocket_03.jpg"
        photo.write_bytes(with_xmp_segment(photo.read_bytes(), stars.encode()))
    (shoot / "A" / "rocket_01.xmp").write_text(xmp('xmp:Rating="-1"'), encoding="utf-8")
    rejects = tmp_path / "rejects"
    doc = cull_json(tmp_path, shoot, "--reject-others", "--move-rejects", str(rejects))
    (rocket,) = doc["series"]
    assert rocket["confidence"] >= 0.8  # a sure pick: its other frames are rejected
    moved = {p.name for p in rejects.rglob("*.jpg")}
    assert "rocket_03.jpg" not in moved and (shoot / "A" / "rocket_03.jpg").exists()
    with Catalog(tmp_path / "c.sqlite3") as catalog:
        flags = {p.relpath: catalog.decision(p.id).flag for p in catalog.photos(shoot)}
    assert flags["A/rocket_03.jpg"] is Flag.NONE
    # the photo a person rejected: never the pick, and its copy's automatic reject stands
    assert "B/rocket_01.jpg" not in flags and {"rocket_01.jpg", "rocket_01-1.jpg"} <= moved
    assert [p for p, f in flags.items() if f is Flag.PICK] in (
        ["A/rocket_04.jpg"],
        ["B/rocket_04.jpg"],
    )


def test_a_pick_made_in_the_window_on_one_copy_keeps_the_other_from_moving(tmp_path: Path):
    """The cull rejected both copies of a frame; the photographer then picks card B's copy
    in the window: a move of the rejects leaves card A's copy where it is."""
    shoot = rocket_cards(tmp_path / "shoot")
    _ids, moving = moving_after_marking_a_copy(tmp_path, shoot, Flag.PICK)
    assert moving == {f"{c}/rocket_0{k}.jpg" for c in "AB" for k in (2, 4)}


def moving_after_marking_a_copy(
    tmp_path: Path, shoot: Path, flag: Flag
) -> tuple[dict[str, int], set[str]]:
    """Cull both cards rejecting others (card A's rocket_03 among the rejects), then give
    card B's copy of it the photographer's ``flag``: the photo ids by path, and what a move
    of the rejects would take."""
    cull_json(tmp_path, shoot, "--reject-others")
    with Catalog(tmp_path / "c.sqlite3") as catalog:
        ids = {p.relpath: p.id for p in catalog.photos(shoot)}
        assert catalog.decision(ids["A/rocket_03.jpg"]).flag is Flag.REJECT
        catalog.set_decision(ids["B/rocket_03.jpg"], flag=flag, source=DecisionSource.USER)
        return ids, {p.relpath for p in rejected_photos(catalog, shoot)}


def test_the_window_never_rejects_the_picks_copy(qtbot, gui_env, tmp_path: Path):  # noqa: F811
    """Accepting the model's pick (A, rejecting the others) rejected its own copy on the
    other card, which a move then took away; the kind keys' path keeps it too."""
    shoot = rocket_cards(tmp_path / "shoot")
    window = new_window(qtbot, gui_env, xmp_scheme="reject_others", accept_rejects_others=True)
    assert window.controller.open_folder(shoot)
    settle(qtbot, window)
    (series,) = window.controller.series()
    ranked = sorted(series.frames, key=lambda f: f.rank)
    ids = [f.photo_id for f in ranked]
    assert Path(ranked[1].path).name == Path(ranked[0].path).name  # the pick's copy
    others = [Flag.REJECT] * 6
    window.controller.select_series(series.series_id)
    press(qtbot, window, Qt.Key.Key_K)
    press(qtbot, window, Qt.Key.Key_K, Qt.KeyboardModifier.ShiftModifier)
    assert [s.flag for s in catalog_decisions(gui_env, window, ids)] == [
        Flag.PICK,
        Flag.NONE,
        *others,
    ]
    press(qtbot, window, Qt.Key.Key_A)
    assert [s.flag for s in catalog_decisions(gui_env, window, ids)][1] is Flag.NONE
    window.shutdown()


def test_the_window_marks_a_copy_and_says_why_it_is_not_rejected(qtbot, gui_env, tmp_path: Path):  # noqa: F811
    """Two identical thumbnails, one picked and the other plain: card B's copies carry a
    "copy" badge in its own colour, and their tooltip and the details panel name the frame
    they copy; card A's frames carry no badge and name their copies."""
    shoot = rocket_cards(tmp_path / "shoot")
    window = new_window(qtbot, gui_env)
    assert window.controller.open_folder(shoot)
    settle(qtbot, window)
    (series,) = window.controller.series()
    window.controller.select_series(series.series_id)
    strip = window.strip
    pink = {"A": [], "B": []}
    for frame in series.frames:
        card_name, name = Path(frame.path).relative_to(shoot).parts
        index = strip.index_of(frame.photo_id)
        strip.scrollTo(index)
        strip.viewport().repaint()
        pink[card_name].append(
            colour_count(strip.grab().toImage(), theme.COPY, *cell_box(strip, index))
        )
        tip = index.data(Qt.ItemDataRole.ToolTipRole)
        window.controller.select_frame(frame.photo_id)
        files = window.details.values["Files"].text()
        if card_name == "B":
            said = f"byte-identical copy of A/{name}: the same photo, never rejected on its own"
            assert said in tip and said in files
        else:
            assert "copy of" not in tip and f"its byte-identical copy: B/{name}" in files
    assert min(pink["B"]) - max(pink["A"]) > 60, f"the copy badge, in its own colour: {pink}"
    tile = window.series_view.index_of(series.series_id)
    assert "4 byte-identical copies" in tile.data(Qt.ItemDataRole.ToolTipRole)
    window.shutdown()


def test_a_copy_of_a_photo_whose_marks_cannot_be_read_is_never_rejected(tmp_path: Path):
    """Card B's copy of a frame has a sidecar that cannot be read (a person may have marked
    it, so it is held): card A's copy of it was rejected in the catalog and its sidecar, and
    moved."""
    shoot = rocket_cards(tmp_path / "shoot")
    damaged = xmp('xmp:Rating="5"')[:-40]
    (shoot / "B" / "rocket_03.xmp").write_text(damaged, encoding="utf-8")
    rejects = tmp_path / "rejects"
    doc = cull_json(
        tmp_path, shoot, "--reject-others", "--write-xmp", "--move-rejects", str(rejects)
    )
    assert [h["path"] for h in doc["held"]] == ["B/rocket_03.jpg"]
    assert doc["series"][0]["confidence"] >= 0.8  # a sure pick: its other frames are rejected
    assert (shoot / "A" / "rocket_03.jpg").exists()
    assert {p.name for p in rejects.rglob("*.jpg")} == {
        "rocket_02.jpg",
        "rocket_02-1.jpg",
        "rocket_04.jpg",
        "rocket_04-1.jpg",
    }
    sidecar = shoot / "A" / "rocket_03.xmp"
    assert keywords.REJECT not in read_suggestions(sidecar.read_bytes(), sidecar)
    with Catalog(tmp_path / "c.sqlite3") as catalog:
        flags = {p.relpath: catalog.decision(p.id).flag for p in catalog.photos(shoot)}
    assert flags["A/rocket_03.jpg"] is Flag.NONE


def test_a_reject_given_to_one_copy_lets_the_other_copys_reject_stand(tmp_path: Path):
    """The photographer rejected card B's copy of a frame the cull had rejected on both
    cards: card A's copy was then kept from the move (and taken back by a rerun), as if
    the reject were stars."""
    shoot = rocket_cards(tmp_path / "shoot")
    ids, moving = moving_after_marking_a_copy(tmp_path, shoot, Flag.REJECT)
    assert moving == {f"{c}/rocket_0{k}.jpg" for c in "AB" for k in (2, 3, 4)}
    cull_json(tmp_path, shoot, "--reject-others")
    with Catalog(tmp_path / "c.sqlite3") as catalog:
        assert catalog.decision(ids["A/rocket_03.jpg"]).flag is Flag.REJECT


def whole_second_rocket(folder: Path) -> dict[str, bytes]:
    """The rocket burst with capture times to the second only (no sub-seconds in its EXIF),
    so nothing but the files' bytes tells one frame on two cards: ``{name: JPEG bytes}``."""
    frames = {}
    for k in range(1, 5):
        with Image.open(SAMPLES / f"rocket_0{k}.jpg") as image:
            exif, pixels = image.getexif(), image.copy()
        for ifd in (exif.get_ifd(0x8769), exif):
            for tag in (0x9290, 0x9291, 0x9292):  # SubSecTime, ...Original, ...Digitized
                ifd.pop(tag, None)
        pixels.save(folder / "frame.jpg", exif=exif, quality=95)
        frames[f"rocket_0{k}"] = (folder / "frame.jpg").read_bytes()
    (folder / "frame.jpg").unlink()
    return frames


def pair_and_lone_cards(tmp_path: Path, pair_on: str) -> tuple[Path, dict[str, bytes]]:
    """A shoot whose card ``pair_on`` holds the rocket burst as RAW+JPEG pairs (DNG) and the
    other card the same JPEGs alone: the shoot and the JPEGs by name."""
    frames = whole_second_rocket(tmp_path)
    shoot = tmp_path / "shoot"
    lone_on = "B" if pair_on == "A" else "A"
    for card_name in "AB":
        (shoot / card_name).mkdir(parents=True)
    for stem, data in frames.items():
        (shoot / pair_on / f"{stem}.jpg").write_bytes(data)
        dng(shoot / pair_on / f"{stem}.dng", seed=int(stem[-1]))
        (shoot / lone_on / f"{stem}.jpg").write_bytes(data)
    return shoot, frames


@pytest.mark.parametrize("pair_on", ["A", "B"])
def test_a_lone_jpeg_is_a_copy_of_the_raw_jpeg_pair_it_came_from(
    tmp_path: Path, capsys, pair_on: str
):
    """Card ``pair_on`` holds RAW+JPEG pairs, the other card their JPEGs alone (a JPEG-only
    copy).  The pair, keyed by its RAW, was never matched with the lone JPEG: the burst read
    as eight frames (an unsure pick, nothing rejected) and a star on one card protected
    nothing on the other.  Now each lone JPEG is a copy of its pair's JPEG, counted once;
    stars on card B's file of a frame keep card A's file of it from the move."""
    shoot, frames = pair_and_lone_cards(tmp_path, pair_on)
    lone_on = "B" if pair_on == "A" else "A"
    (shoot / "B" / "rocket_03.xmp").write_text(xmp('xmp:Rating="5"'), encoding="utf-8")
    rejects = tmp_path / "rejects"
    table = tmp_path / "cull.csv"
    argv = ("--reject-others", "--move-rejects", str(rejects), "--csv", str(table))
    doc = cull_json(tmp_path, shoot, *argv)
    said = capsys.readouterr()
    (rocket,) = doc["series"]
    copies = {m["path"]: m["copy_of"] for m in rocket["members"]}
    assert copies == {
        **{f"{pair_on}/{stem}.dng": None for stem in frames},
        **{f"{lone_on}/{stem}.jpg": f"{pair_on}/{stem}.jpg" for stem in frames},
    }
    with table.open(newline="", encoding="utf-8") as stream:
        rows = {row["path"]: row["copy_of"] for row in csv.DictReader(stream)}
    assert rows == {path: twin or "" for path, twin in copies.items()}
    assert (
        f"4 files are byte-identical copies of others ({lone_on}/rocket_01.jpg of "
        f"{pair_on}/rocket_01.jpg, ...)" in said.err
    )
    assert f"{lone_on}/rocket_02.jpg  [copy of {pair_on}/rocket_02.jpg]" in said.out
    assert rocket["confidence"] >= 0.8  # four photos, not eight: a sure pick
    pick = Path(rocket["best"]).stem
    assert pick != "rocket_03"  # (the starred frame is kept by its stars, not as the pick)
    kept = {pick, "rocket_03"}
    for stem in frames:
        files = [shoot / pair_on / f"{stem}.dng", shoot / pair_on / f"{stem}.jpg"]
        files.append(shoot / lone_on / f"{stem}.jpg")
        assert all(f.exists() for f in files) is (stem in kept), stem
    assert len(list(rejects.rglob("*.jpg"))) == 4 and len(list(rejects.rglob("*.dng"))) == 2
    with Catalog(tmp_path / "c.sqlite3") as catalog:
        flags = {p.relpath: catalog.decision(p.id).flag for p in catalog.photos(shoot)}
    twin = f"{lone_on}/{pick}.jpg"
    assert flags[f"{pair_on}/{pick}.dng"] is Flag.PICK and flags[twin] is Flag.NONE


def test_a_catalog_made_before_pairs_kept_their_jpegs_hash_finds_the_copies(tmp_path: Path):
    """A catalog of an older version holds no hash of a pair's JPEG: the rerun of an
    unchanged card (which reads no photo again) takes it once, and finds the lone copies."""
    shoot, frames = pair_and_lone_cards(tmp_path, "A")
    cull_json(tmp_path, shoot)
    with sqlite3.connect(tmp_path / "c.sqlite3") as raw:
        raw.execute("ALTER TABLE photos DROP COLUMN companion_hash")
        raw.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")
    raw.close()
    doc = cull_json(tmp_path, shoot)
    assert doc["stats"]["decoded"] == 0
    copies = {m["path"]: m["copy_of"] for s in doc["series"] for m in s["members"]}
    assert copies == {
        **{f"A/{stem}.dng": None for stem in frames},
        **{f"B/{stem}.jpg": f"A/{stem}.jpg" for stem in frames},
    }
    with Catalog(tmp_path / "c.sqlite3") as catalog:
        assert all(p.companion_hash for p in catalog.photos(shoot) if p.companions)


def test_the_window_names_the_pairs_jpeg_on_its_lone_copy(qtbot, gui_env, tmp_path: Path):  # noqa: F811
    """Card A's RAW+JPEG pairs and card B's lone JPEGs: the window calls each lone JPEG a
    copy of the pair's JPEG, and the pair names it among its copies."""
    shoot, _frames = pair_and_lone_cards(tmp_path, "A")
    window = new_window(qtbot, gui_env)
    assert window.controller.open_folder(shoot)
    settle(qtbot, window)
    (series,) = window.controller.series()
    window.controller.select_series(series.series_id)
    for frame in series.frames:
        card_name, name = Path(frame.path).relative_to(shoot).parts
        window.controller.select_frame(frame.photo_id)
        files = window.details.values["Files"].text()
        stem = Path(name).stem
        if card_name == "B":
            assert f"byte-identical copy of A/{stem}.jpg: the same photo" in files
        else:
            assert f"its byte-identical copy: B/{stem}.jpg" in files
    window.shutdown()


HOUR_NS = 3600 * 10**9


def untimed_rocket(folder: Path, start_ns: int, frames: tuple[int, ...] = (1, 2, 3, 4)) -> None:
    """The rocket burst with no EXIF at all (a scan, an export without metadata), so each
    frame's capture time is its file's: a quarter of a second apart from ``start_ns``."""
    folder.mkdir(parents=True, exist_ok=True)
    for k in frames:
        with Image.open(SAMPLES / f"rocket_0{k}.jpg") as image:
            image.convert("RGB").save(folder / f"rocket_0{k}.jpg", quality=92)
        stamp = start_ns + (k - 1) * 250_000_000
        os.utime(folder / f"rocket_0{k}.jpg", ns=(stamp, stamp))


def plain_copy(source: Path, target: Path, when_ns: int) -> None:
    """``cp`` without ``-p``: the bytes, and the time of the copy."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    os.utime(target, ns=(when_ns, when_ns))


def members_by_series(doc: dict) -> list[dict[str, str | None]]:
    return [{m["path"]: m["copy_of"] for m in s["members"]} for s in doc["series"]]


@pytest.mark.parametrize("copied", [+1, -1])
def test_a_copy_timed_by_its_file_joins_its_originals_series(tmp_path: Path, capsys, copied: int):
    """Photos without an EXIF capture time are timed by their files, and a plain ``cp``
    gives the copy the time it was made: card B's copy of the burst lay an hour after card
    A's (or before it, card B read first), a burst of its own, counted twice and judged
    alone.  Each copy now takes its original's time: one burst of four photos, the copies
    named, and the pick's copy kept."""
    shoot = tmp_path / "shoot"
    start = 1_700_000_000 * 10**9
    untimed_rocket(shoot / "A", start)
    for k in range(1, 5):
        name = f"rocket_0{k}.jpg"
        plain_copy(shoot / "A" / name, shoot / "B" / name, start + copied * HOUR_NS + k * 1000)
    rejects = tmp_path / "rejects"
    doc = cull_json(tmp_path, shoot, "--reject-others", "--move-rejects", str(rejects))
    assert "4 files are byte-identical copies of others" in capsys.readouterr().err
    (rocket,) = doc["series"]
    assert {m["path"]: m["copy_of"] for m in rocket["members"]} == {
        **{f"A/rocket_0{k}.jpg": None for k in range(1, 5)},
        **{f"B/rocket_0{k}.jpg": f"A/rocket_0{k}.jpg" for k in range(1, 5)},
    }
    assert rocket["kind"] == "burst" and rocket["confidence"] >= 0.8
    pick = Path(rocket["best"]).name
    assert (shoot / "A" / pick).exists() and (shoot / "B" / pick).exists()
    assert len(list(rejects.rglob("*.jpg"))) == 6
    # each copy carries its original's capture time
    times = {m["path"]: m["captured"] for m in rocket["members"]}
    assert all(times[f"B/rocket_0{k}.jpg"] == times[f"A/rocket_0{k}.jpg"] for k in range(1, 5))
    # a rerun keeps the pick and its copy together, counted once
    again = cull_json(tmp_path, shoot, "--reject-others")
    assert members_by_series(again) == [{f"A/{pick}": None, f"B/{pick}": f"A/{pick}"}]
    # the series lost six of its eight files: the pick and its copy are judged again
    assert again["stats"]["decoded"] == 2


def test_copies_timed_by_their_files_in_three_folders_join_one_burst(tmp_path: Path):
    """One frame of the burst copied into a second folder an hour later, and that copy into
    a third the next hour; a re-saved frame (the same picture, other bytes) beside it is no
    copy and stays a photo of its own, at its own time."""
    shoot = tmp_path / "shoot"
    start = 1_700_000_000 * 10**9
    untimed_rocket(shoot / "A", start)
    plain_copy(shoot / "A" / "rocket_02.jpg", shoot / "B" / "rocket_02.jpg", start + HOUR_NS)
    plain_copy(shoot / "B" / "rocket_02.jpg", shoot / "C" / "x.jpg", start + 2 * HOUR_NS)
    with Image.open(shoot / "A" / "rocket_03.jpg") as image:
        image.save(shoot / "B" / "resaved.jpg", quality=80)
    os.utime(shoot / "B" / "resaved.jpg", ns=(start + HOUR_NS, start + HOUR_NS))
    doc = cull_json(tmp_path, shoot)
    assert members_by_series(doc) == [
        {
            **{f"A/rocket_0{k}.jpg": None for k in range(1, 5)},
            "B/rocket_02.jpg": "A/rocket_02.jpg",
            "C/x.jpg": "A/rocket_02.jpg",
        },
        {"B/resaved.jpg": None},
    ]


def test_a_copy_keeps_the_time_it_took_once_its_original_is_deleted(tmp_path: Path):
    """A copy timed by its file takes its original's time; once the original was deleted it
    went back to its own file time, an hour later, and left its burst.  The catalog still
    holds the time of that content in the folder: the copy keeps it, and its burst.  No file
    is touched for it."""
    shoot = tmp_path / "shoot"
    start = 1_700_000_000 * 10**9
    untimed_rocket(shoot, start)
    plain_copy(shoot / "rocket_02.jpg", shoot / "rocket_02 copy.jpg", start + HOUR_NS)
    first = cull_json(tmp_path, shoot)
    (burst,) = first["series"]
    taken = {m["path"]: m["captured"] for m in burst["members"]}
    assert taken["rocket_02 copy.jpg"] == taken["rocket_02.jpg"]
    (shoot / "rocket_02.jpg").unlink()
    files = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in shoot.iterdir()}
    doc = cull_json(tmp_path, shoot)
    (burst,) = doc["series"]
    assert {m["path"]: m["captured"] for m in burst["members"]} == {
        name: taken[name]
        for name in ("rocket_01.jpg", "rocket_02 copy.jpg", "rocket_03.jpg", "rocket_04.jpg")
    }
    # the burst lost a file (the original): its four are judged again, none of them changed
    assert doc["stats"]["decoded"] == 4
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in shoot.iterdir()} == files


def test_a_photo_left_out_of_the_cull_lends_its_copy_no_time(tmp_path: Path):
    """Only a photo gone from the disk lends its time from the catalog: one still there in a
    folder the cull leaves out (``--no-recursive``) lends none, so the copy culled alone
    has its own file time."""
    shoot = tmp_path / "shoot"
    start = 1_700_000_000 * 10**9
    untimed_rocket(shoot / "A", start)
    plain_copy(shoot / "A" / "rocket_02.jpg", shoot / "x.jpg", start + HOUR_NS)
    first = {
        m["path"]: m["captured"] for s in cull_json(tmp_path, shoot)["series"] for m in s["members"]
    }
    assert first["x.jpg"] == first["A/rocket_02.jpg"]
    (alone,) = cull_json(tmp_path, shoot, "--no-recursive")["series"]
    assert [(m["path"], m["captured"]) for m in alone["members"]] == [
        ("x.jpg", "2023-11-14T23:13:20+00:00")
    ]


def test_a_pairs_jpeg_rewritten_beside_its_unchanged_raw_is_read_again(tmp_path: Path):
    """Card A's RAW+JPEG pairs, card B their lone JPEGs.  A's JPEG of one frame is then
    re-exported under its name (its RAW untouched): the catalog kept the old JPEG's hash,
    since only the RAW's size and time told whether the pair changed, so card B's copy of
    the old JPEG still counted as the pair, and a copy of the new JPEG did not.  Now the
    JPEG's own size and time are kept too: the pair is read again."""
    shoot, _frames = pair_and_lone_cards(tmp_path, "A")
    first = cull_json(tmp_path, shoot)
    assert {m["path"]: m["copy_of"] for s in first["series"] for m in s["members"]}[
        "B/rocket_02.jpg"
    ] == "A/rocket_02.jpg"
    raw = shoot / "A" / "rocket_02.dng"
    raw_stat = raw.stat()
    jpeg = shoot / "A" / "rocket_02.jpg"
    with Image.open(jpeg) as image:
        exif, pixels = image.getexif(), image.copy()
    pixels.save(jpeg, exif=exif, quality=70)  # re-exported: other bytes, the same name
    later = jpeg.stat().st_mtime_ns + 5 * 10**9
    os.utime(jpeg, ns=(later, later))
    (shoot / "C").mkdir()
    shutil.copy2(jpeg, shoot / "C" / "edited.jpg")
    doc = cull_json(tmp_path, shoot)
    copies = {m["path"]: m["copy_of"] for s in doc["series"] for m in s["members"]}
    assert copies["B/rocket_02.jpg"] is None  # the old JPEG: a photo of its own now
    assert copies["C/edited.jpg"] == "A/rocket_02.jpg"
    assert copies["B/rocket_03.jpg"] == "A/rocket_03.jpg"
    assert (raw.stat().st_size, raw.stat().st_mtime_ns) == (raw_stat.st_size, raw_stat.st_mtime_ns)
    with Catalog(tmp_path / "c.sqlite3") as catalog:
        pair = catalog.photo_by_path(shoot, "A/rocket_02.dng")
    assert pair.companion_hash == fast_content_hash(jpeg)
    assert (pair.companion_size, pair.companion_mtime_ns) == (jpeg.stat().st_size, later)


def test_a_catalog_without_the_jpegs_size_and_time_reads_a_pair_whose_jpeg_is_newer(
    tmp_path: Path,
):
    """A catalog of the version before kept a pair's JPEG hash but not its size and time: a
    JPEG written after the pair was first catalogued is read again, the others are not."""
    shoot, _frames = pair_and_lone_cards(tmp_path, "A")
    cull_json(tmp_path, shoot)
    with sqlite3.connect(tmp_path / "c.sqlite3") as raw:
        raw.execute("ALTER TABLE photos DROP COLUMN companion_size")
        raw.execute("ALTER TABLE photos DROP COLUMN companion_mtime_ns")
        raw.execute("UPDATE meta SET value = '8' WHERE key = 'schema_version'")
    raw.close()
    jpeg = shoot / "A" / "rocket_04.jpg"
    with Image.open(jpeg) as image:
        exif, pixels = image.getexif(), image.copy()
    pixels.save(jpeg, exif=exif, quality=70)
    doc = cull_json(tmp_path, shoot)
    copies = {m["path"]: m["copy_of"] for s in doc["series"] for m in s["members"]}
    assert copies["B/rocket_04.jpg"] is None and copies["B/rocket_01.jpg"] == "A/rocket_01.jpg"
    assert cull_json(tmp_path, shoot)["stats"]["decoded"] == 0
    with Catalog(tmp_path / "c.sqlite3") as catalog:
        pairs = {p.relpath: p for p in catalog.photos(shoot) if p.companions}
    for stem in ("rocket_01", "rocket_04"):
        jpeg = shoot / "A" / f"{stem}.jpg"
        pair = pairs[f"A/{stem}.dng"]
        assert pair.companion_hash == fast_content_hash(jpeg)
        assert (pair.companion_size, pair.companion_mtime_ns) == (
            jpeg.stat().st_size,
            jpeg.stat().st_mtime_ns,
        )
