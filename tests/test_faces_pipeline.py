"""Faces in the cull: the closed-eye rule picks, the JSON, CSV and summary say why, the catalog
keeps the faces, and an unchanged rerun does not look for them again."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from cull_helpers import SAMPLES, cull_json

from app.catalog import Catalog
from app.faces import faces_problem

pytestmark = pytest.mark.skipif(faces_problem() is not None, reason=str(faces_problem()))


@pytest.fixture
def portraits(tmp_path: Path) -> Path:
    """The bundled portrait burst: frame 02 is the sharpest, and its eyes are closed."""
    folder = tmp_path / "portraits"
    folder.mkdir()
    for path in sorted(SAMPLES.glob("portrait_*.jpg")):
        shutil.copy2(path, folder / path.name)
    return folder


def cull(tmp_path: Path, folder: Path, *args: str) -> dict:
    return cull_json(tmp_path, folder, *args)


def test_a_frame_where_someone_blinked_is_not_the_pick_and_the_outputs_say_why(
    tmp_path: Path, portraits: Path, capsys
):
    doc = cull(tmp_path, portraits, "--csv", str(tmp_path / "cull.csv"))
    (series,) = doc["series"]
    by_path = {m["path"]: m for m in series["members"]}
    assert by_path["portrait_02.jpg"]["score"] == max(m["score"] for m in series["members"])
    assert by_path["portrait_02.jpg"]["closed_eyes"] == 1
    assert series["best"] == "portrait_03.jpg" and series["pick_reason"] == "eyes_open"
    assert all(m["faces"] for m in series["members"])  # the astronaut's face in every frame
    summary = capsys.readouterr().out
    assert "picked the best frame with none" in summary and "[closed eyes: 1]" in summary
    with (tmp_path / "cull.csv").open(newline="") as handle:
        rows = {row["path"]: row for row in csv.DictReader(handle)}
    assert rows["portrait_02.jpg"]["closed_eyes"] == "1" and rows["portrait_02.jpg"]["faces"] == "1"
    assert {row["pick_reason"] for row in rows.values()} == {"eyes_open"}
    with Catalog(tmp_path / "c.sqlite3") as catalog:
        (view,) = catalog.series(portraits)
        assert view.pick_reason == "eyes_open" and view.best.photo.relpath == "portrait_03.jpg"
        stored = {m.photo.relpath: m.closed_eyes for m in view.members}
        assert stored["portrait_02.jpg"] == 1


def test_the_rule_can_be_turned_off(tmp_path: Path, portraits: Path):
    (series,) = cull(tmp_path, portraits, "--no-closed-eye-rule")["series"]
    assert series["best"] == "portrait_02.jpg" and series["pick_reason"] == "score"


def test_an_unchanged_rerun_takes_the_faces_from_the_catalog(tmp_path: Path, portraits: Path):
    first = cull(tmp_path, portraits)
    again = cull(tmp_path, portraits)
    assert again["stats"]["decoded"] == 0 and again["stats"]["scored"] == 0
    assert again["series"] == first["series"]


def test_without_faces_nothing_is_analysed_and_a_later_run_analyses_them(
    tmp_path: Path, portraits: Path
):
    (series,) = cull(tmp_path, portraits, "--no-faces")["series"]
    assert all(m["faces"] is None and m["closed_eyes"] == 0 for m in series["members"])
    assert series["best"] == "portrait_02.jpg"
    (series,) = cull(tmp_path, portraits)["series"]
    assert series["best"] == "portrait_03.jpg" and all(m["faces"] for m in series["members"])


def test_faces_found_by_an_older_analysis_are_looked_for_again(tmp_path: Path, portraits: Path):
    """Photos analysed before the crowd pass existed (analysis version 1) are analysed
    again; the current version's faces are reused."""
    cull(tmp_path, portraits)
    with Catalog(tmp_path / "c.sqlite3") as catalog:
        (view,) = catalog.series(portraits)
        ids = [m.photo.id for m in view.members]
        catalog.set_faces({photo_id: () for photo_id in ids}, version=1)
        assert catalog.faces(ids, min_version=2) == {}
    again = cull(tmp_path, portraits)
    assert again["stats"]["decoded"] == len(ids)
    (series,) = again["series"]
    assert series["best"] == "portrait_03.jpg" and all(m["faces"] for m in series["members"])
    assert cull(tmp_path, portraits)["stats"]["decoded"] == 0
