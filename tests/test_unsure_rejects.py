"""A burst whose pick is worth a second look (confidence below 0.8) keeps its pick but gets
no automatic rejects: not in the catalog, not in its sidecars, not moved.  A sure burst
still rejects its others.  One rule (``app.automatic_rejects``) for every place."""

from __future__ import annotations

from pathlib import Path

import pytest
from cull_helpers import cull_json
from gui_fixtures import gui_env, new_window, press, settle, written  # noqa: F401
from PySide6.QtCore import Qt
from test_gui_faces import cell_box, colour_count
from test_photos_fixtures import burst, jpeg, scene

from app.catalog import Catalog, DecisionSource, Flag
from app.gui import theme
from app.options import XmpScheme
from app.pipeline.decisions import apply_automatic_decisions
from app.pipeline.results import MemberResult, SeriesResult
from app.scoring.confidence import SURE
from app.sidecars import keywords, read_marks
from app.sidecars.xmp import read_suggestions


@pytest.fixture
def card(tmp_path: Path) -> Path:
    """A clear burst (one sharp frame, two defocused) and three equally good frames."""
    folder = tmp_path / "card"
    burst(folder, "astronaut", 0.0, frames=3, sharp_at=1)
    for k in range(3):
        jpeg(folder / f"coffee_{k + 1:02d}.jpg", scene("coffee", shift=k), when=300.0 + 0.3 * k)
    return folder


def series_by_scene(doc: dict) -> dict[str, dict]:
    return {s["best"].split("_")[0]: s for s in doc["series"]}


def flags(tmp_path: Path, folder: Path) -> dict[str, Flag]:
    with Catalog(tmp_path / "c.sqlite3") as catalog:
        return {p.relpath: catalog.decision(p.id).flag for p in catalog.photos(folder)}


def sidecar_says(folder: Path, name: str) -> tuple[int | None, frozenset[str]]:
    """(rating, suggestion keywords) of a photo's sidecar; (None, {}) when it has none."""
    sidecar = folder / f"{Path(name).stem}.xmp"
    if not sidecar.exists():
        return None, frozenset()
    return read_marks(sidecar).rating, read_suggestions(sidecar.read_bytes(), sidecar)


@pytest.mark.parametrize("marks", [("--reject-others",), ("--marks", "reject_others")])
def test_an_unsure_burst_is_rejected_nowhere_and_a_sure_one_everywhere(
    tmp_path: Path, card: Path, marks: tuple[str, ...], capsys
):
    rejects = tmp_path / "rejects"
    doc = cull_json(tmp_path, card, *marks, "--write-xmp", "--move-rejects", str(rejects))
    coffee, astronaut = series_by_scene(doc)["coffee"], series_by_scene(doc)["astronaut"]
    assert coffee["confidence"] < SURE <= astronaut["confidence"]
    assert (coffee["may_reject_others"], astronaut["may_reject_others"]) == (False, True)
    pick = coffee["best"]
    others = [m["path"] for m in coffee["members"] if m["path"] != pick]
    # the catalog: the pick, no rejects; nothing moved; the sidecars say the same
    decided = flags(tmp_path, card)
    assert decided[pick] is Flag.PICK
    assert [decided[name] for name in others] == [Flag.NONE, Flag.NONE]
    assert all((card / name).exists() for name in others)
    for name in others:
        rating, suggested = sidecar_says(card, name)
        assert rating != -1 and keywords.REJECT not in suggested
    # the sure burst: its two other frames rejected in the catalog and sidecars, and moved
    moved = sorted(p.name for p in rejects.glob("*.jpg"))
    assert moved == sorted(m["path"] for m in astronaut["members"] if m["rank"] > 1)
    for name in moved:
        rating, suggested = sidecar_says(rejects, name)
        assert rating == -1 or keywords.REJECT in suggested
    out = capsys.readouterr().out
    assert "1 series worth a second look (pick confidence below 0.8): their other frames" in out


def test_a_rerun_after_the_person_confirmed_the_pick_still_rejects_nothing(
    tmp_path: Path, card: Path
):
    """As in a burst that may be a bracket: a person's pick does not make the model's
    ranking of the other frames any surer, so they stay; the person rejects them."""
    coffee = series_by_scene(cull_json(tmp_path, card))["coffee"]
    with Catalog(tmp_path / "c.sqlite3") as catalog:
        ids = {p.relpath: p.id for p in catalog.photos(card)}
        catalog.set_decision(ids[coffee["best"]], flag=Flag.PICK, source=DecisionSource.USER)
    cull_json(tmp_path, card, "--marks", "reject_others", "--write-xmp")
    decided = flags(tmp_path, card)
    others = [m["path"] for m in coffee["members"] if m["path"] != coffee["best"]]
    assert [decided[name] for name in others] == [Flag.NONE, Flag.NONE]
    assert [sidecar_says(card, name)[0] for name in others] == [None, None]
    assert read_marks(card / f"{Path(coffee['best']).stem}.xmp").rating == 3  # the person's


def test_the_window_and_its_sidecars_read_the_confidence_the_cull_decided_on(
    tmp_path: Path, card: Path
):
    """The catalog keeps no confidence: a series' view tells it again from the stored
    scores, pick reason and faces, the same number the cull's result carries."""
    doc = cull_json(tmp_path, card)
    reported = {s["best"]: s["confidence"] for s in doc["series"]}
    with Catalog(tmp_path / "c.sqlite3") as catalog:
        views = {view.best.photo.relpath: view for view in catalog.series(card)}
    assert {best: view.scorer for best, view in views.items()} == dict.fromkeys(
        reported, "technical"
    )
    for best, confidence in reported.items():
        assert views[best].confidence == pytest.approx(confidence, abs=1e-3)


def test_the_window_culls_and_sets_kinds_by_the_same_rule(
    qtbot,
    gui_env,  # noqa: F811
    card: Path,
):
    """The window's cull, and its own decision path (a series made a bracket, then a burst
    again: K, Shift+K), give an unsure burst its pick but no rejects, and a sure one its
    rejects; the details panel, the filter and the unsure tile's badge say why."""
    from app.gui.filters import SeriesFilter
    from app.gui.views.filter_box import SeriesFilterBox

    window = new_window(qtbot, gui_env, xmp_scheme="reject_others")
    assert window.controller.open_folder(card)
    settle(qtbot, window)
    for series in window.controller.series():
        ids = [f.photo_id for f in series.frames]
        others = Flag.NONE if series.worth_a_second_look else Flag.REJECT
        assert [s.flag for s in catalog_decisions(gui_env, window, ids)] == [
            Flag.PICK,
            others,
            others,
        ]
        window.controller.select_series(series.series_id)
        press(qtbot, window, Qt.Key.Key_K)
        assert series.kind == "bracket"
        press(qtbot, window, Qt.Key.Key_K, Qt.KeyboardModifier.ShiftModifier)
        assert series.kind == "burst"
        written(window)
        states = catalog_decisions(gui_env, window, ids)
        assert [s.flag for s in states] == [Flag.PICK, others, others]
        said = "none of the other frames is rejected" in window.details.values["Pick"].text()
        assert said is series.worth_a_second_look
    assert [s.worth_a_second_look for s in window.controller.series()].count(True) == 1
    grid = window.series_view
    (unsure,) = [s for s in window.controller.series() if s.worth_a_second_look]
    tile = cell_box(grid, grid.index_of(unsure.series_id))
    with_badge = colour_count(grid.grab().toImage(), theme.UNSURE, *tile)
    unsure.confidence, told = SURE, unsure.confidence  # the same tile, were the pick sure
    grid.viewport().repaint()
    without = colour_count(grid.grab().toImage(), theme.UNSURE, *tile)
    unsure.confidence = told
    assert with_badge - without > 60, "the unsure tile's badge, in its own colour"
    box = window.findChild(SeriesFilterBox)
    tip = box.itemData(box.findData(int(SeriesFilter.Unsure)), Qt.ItemDataRole.ToolTipRole)
    assert "none of their other frames" in tip
    window.shutdown()


def catalog_decisions(catalog_path: Path, window, ids: list[int]) -> list:
    written(window)
    with Catalog.open(catalog_path) as catalog:
        states = catalog.decisions(ids)
    return [states[pid] for pid in ids]


def test_a_confidence_the_catalog_does_not_keep_holds_back_no_rejects(tmp_path: Path):
    """FGAesQ's cascade says how settled its pick is; the catalog cannot tell that again,
    so the window, the sidecars and a rerun would reject: the run rejects too."""
    from test_catalog import photo_info

    with Catalog(tmp_path / "c.sqlite3") as catalog:
        ids = catalog.upsert_photos([photo_info(tmp_path, f"IMG_{k}.jpg") for k in range(3)])
        members = tuple(
            MemberResult(pid, f"IMG_{k}.jpg", tmp_path / f"IMG_{k}.jpg", 1.0, k + 1, None)
            for k, pid in enumerate(ids)
        )
        settled = SeriesResult(1, members, confidence=0.4, confidence_kept=False)
        apply_automatic_decisions(catalog, [settled], XmpScheme.REJECT_OTHERS)
        assert [catalog.decision(i).flag for i in ids] == [Flag.PICK, Flag.REJECT, Flag.REJECT]
        told = SeriesResult(1, members, confidence=0.4)
        apply_automatic_decisions(catalog, [told], XmpScheme.REJECT_OTHERS)
        assert [catalog.decision(i).flag for i in ids] == [Flag.PICK, Flag.NONE, Flag.NONE]
        assert not told.may_reject_others and settled.may_reject_others
