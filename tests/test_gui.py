"""The desktop application end to end: real pipeline (technical scorer), real catalog, keys."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from gui_fixtures import (  # noqa: F401
    catalog_decisions,
    folder,
    gui_env,
    make_bursts,
    new_window,
    outcome,
    press,
    questions,
    settle,
    window,
    written,
)
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from app.catalog import Catalog, DecisionSource, Flag
from app.gui.filters import SeriesFilter
from app.gui.main import main
from app.gui.models import Role
from app.gui.settings import Settings
from app.sidecars import read_marks, sidecar_paths

pytestmark = pytest.mark.gui


def test_open_folder_scores_groups_and_shows_best_first(qtbot, window):  # noqa: F811
    series = window.controller.series()
    assert len(series) == 3 and all(s.frame_count == 4 for s in series)
    for s in series:
        assert s.best.file_names[0].endswith("_F00.jpg"), "the sharpest frame should rank first"
        assert [f.rank for f in s.frames] == [1, 2, 3, 4]
        assert s.best.decision.flag is Flag.PICK and not s.best.decision.is_user
    strip = window.controller.strip_model
    assert strip.rowCount() == 12, "the filmstrip spans the whole shoot"
    assert sum(bool(strip.index(r).data(Role.CurrentSeries)) for r in range(12)) == 4
    assert window.controller.current_frame().rank == 1
    qtbot.waitUntil(
        lambda: (
            window.controller.series_model.index(0).data(Qt.ItemDataRole.DecorationRole) is not None
        ),
        timeout=10_000,
    )
    assert "technical" in window.details.values["Model"].text()
    assert window.details.values["Exposure"].text().startswith("1/500 s")
    assert window.details.values["Lens"].text() == "85mm F1.8"


def test_keys_write_every_decision_to_the_catalog_at_once(qtbot, window, gui_env):  # noqa: F811
    window.settings.set("auto_advance", False)
    window.controller.set_view("loupe")
    frame = window.controller.current_frame()
    press(qtbot, window, Qt.Key.Key_X)
    assert catalog_decisions(gui_env, window)[frame.photo_id].flag is Flag.REJECT
    press(qtbot, window, Qt.Key.Key_P)
    press(qtbot, window, Qt.Key.Key_4)
    press(qtbot, window, Qt.Key.Key_6)
    state = catalog_decisions(gui_env, window)[frame.photo_id]
    assert (state.flag, state.rating, state.label, state.source) == (
        Flag.PICK,
        4,
        "Red",
        DecisionSource.USER,
    )
    press(qtbot, window, Qt.Key.Key_6)  # the same colour again takes it off
    press(qtbot, window, Qt.Key.Key_9)
    press(qtbot, window, Qt.Key.Key_U)
    press(qtbot, window, Qt.Key.Key_0)
    state = catalog_decisions(gui_env, window)[frame.photo_id]
    assert (state.flag, state.rating, state.label) == (Flag.NONE, 0, "Blue")
    assert window.controller.current_frame().decision == state, (
        "the view shows what the catalog holds"
    )


def test_undo_and_redo_restore_the_catalog(qtbot, window, gui_env):  # noqa: F811
    window.controller.set_view("loupe")
    window.settings.set("auto_advance", False)
    frame = window.controller.current_frame()
    before = catalog_decisions(gui_env, window)[frame.photo_id]
    press(qtbot, window, Qt.Key.Key_X)
    press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    after = catalog_decisions(gui_env, window)[frame.photo_id]
    assert (after.flag, after.rating, after.label, after.source) == (
        before.flag,
        before.rating,
        before.label,
        before.source,
    )
    press(
        qtbot,
        window,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert catalog_decisions(gui_env, window)[frame.photo_id].flag is Flag.REJECT
    assert window.controller.current_frame().decision.flag is Flag.REJECT


def test_auto_advance_moves_on_after_a_decision(qtbot, window):  # noqa: F811
    window.controller.set_view("loupe")
    first = window.controller.current_frame().photo_id
    press(qtbot, window, Qt.Key.Key_P)
    assert window.controller.current_frame().photo_id != first
    assert window.controller.current_frame().rank == 2
    for _ in range(3):
        press(qtbot, window, Qt.Key.Key_Right)
    assert window.controller.current_series().series_id == window.controller.series()[1].series_id
    press(qtbot, window, Qt.Key.Key_Left)
    assert window.controller.current_series().series_id == window.controller.series()[0].series_id
    assert window.controller.current_frame().rank == 4


def test_accept_the_models_pick_in_one_key(qtbot, window, gui_env):  # noqa: F811
    series = window.controller.current_series()
    press(qtbot, window, Qt.Key.Key_A)
    states = catalog_decisions(gui_env, window)
    assert states[series.best.photo_id].flag is Flag.PICK and states[series.best.photo_id].is_user
    assert all(states[f.photo_id].flag is Flag.REJECT for f in series.frames[1:])
    assert window.controller.current_series().series_id != series.series_id, (
        "auto-advance to the next series"
    )
    window.controller.set_series_filter(SeriesFilter.Unreviewed)
    assert window.series_view.proxy.rowCount() == 2
    window.controller.set_series_filter(SeriesFilter.Rejects)
    assert window.series_view.proxy.rowCount() == 1


def test_views_loupe_compare_zoom_and_navigation(qtbot, window):  # noqa: F811
    press(qtbot, window, Qt.Key.Key_Space)
    assert (
        window.controller.view == "loupe"
        and window.loupe.pane.frame.photo_id == window.controller.current_frame().photo_id
    )
    press(qtbot, window, Qt.Key.Key_Z)
    assert window.loupe.state.zoom == 1.0
    press(qtbot, window, Qt.Key.Key_C)
    assert window.controller.view == "compare" and len(window.compare.panes) == 4
    press(qtbot, window, Qt.Key.Key_Right)
    assert window.compare.panes[1].current
    press(qtbot, window, Qt.Key.Key_Z)
    assert {p.state.zoom for p in window.compare.panes} == {1.0}
    press(qtbot, window, Qt.Key.Key_Down)
    assert window.controller.current_series().series_id == window.controller.series()[1].series_id
    press(qtbot, window, Qt.Key.Key_C)
    assert window.controller.view == "loupe"
    press(qtbot, window, Qt.Key.Key_Space)
    assert window.controller.view == "series"


def test_write_xmp_and_xmp_on_every_decision(qtbot, window):  # noqa: F811
    window.controller.set_view("loupe")
    window.settings.set("auto_advance", False)
    frame = window.controller.current_frame()
    press(qtbot, window, Qt.Key.Key_X)
    assert outcome(qtbot, window.controller.files.write_sidecars()) > 0
    sidecar = sidecar_paths(frame.path)[0]
    assert read_marks(sidecar).rating == -1
    window.settings.set("xmp_on_decision", True)
    press(qtbot, window, Qt.Key.Key_5)
    press(qtbot, window, Qt.Key.Key_P)
    written(window)  # the sidecar follows the decision on the catalog writer's thread
    assert read_marks(sidecar).rating == 5


def test_reopening_reads_the_catalog_without_the_pipeline(qtbot, window, gui_env, folder):  # noqa: F811
    window.controller.set_view("loupe")
    press(qtbot, window, Qt.Key.Key_X)
    rejected = window.controller.series()[0].frames[0].photo_id
    window.shutdown()
    again = new_window(qtbot, gui_env, run_pipeline=False)
    with qtbot.waitSignal(again.bus.series_reloaded, timeout=10_000):
        again.controller.open_folder(folder)
    series = again.controller.series()
    assert len(series) == 3
    assert series[0].frames[0].photo_id == rejected
    assert series[0].frames[0].decision.flag is Flag.REJECT
    again.shutdown()


def test_gui_decisions_survive_the_next_cli_run(qtbot, window, gui_env, folder):  # noqa: F811
    from app.pipeline import CullOptions, run_cull

    window.controller.set_view("loupe")
    frame = window.controller.current_frame()
    press(qtbot, window, Qt.Key.Key_X)
    window.shutdown()
    result = run_cull(folder, CullOptions(scorer="technical", catalog_path=gui_env, workers=1))
    assert result.stats.decoded == 0, "a rerun on unchanged files decodes nothing"
    with Catalog.open(gui_env) as catalog:
        state = catalog.decision(frame.photo_id)
    assert state.flag is Flag.REJECT and state.is_user


def test_move_rejects_and_put_them_back(qtbot, window):  # noqa: F811
    window.controller.set_view("loupe")
    window.settings.set("auto_advance", False)
    frame = window.controller.current_frame()
    press(qtbot, window, Qt.Key.Key_X)
    original = frame.path
    assert outcome(qtbot, window.controller.files.move_rejects(confirm=False)) == 1
    assert not os.path.exists(original)
    moved = os.path.join(window.controller.library.root, "_rejects", os.path.basename(original))
    assert os.path.exists(moved)
    window.commands.run("undo_move")  # on the writer's thread: the window goes on
    written(window)
    assert os.path.exists(original) and not os.path.exists(moved)


def test_problems_are_shown_in_the_window(qtbot, gui_env, folder):  # noqa: F811
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated")
    win = new_window(qtbot, gui_env)
    win.controller.open_folder(folder)
    settle(qtbot, win)
    assert win.messages.isVisible()
    assert any("broken.jpg" in where for where, _ in win.messages.problems)
    assert "broken.jpg" in win.messages.label.text()
    win.shutdown()


def test_cancel_stops_the_background_cull(qtbot, gui_env, tmp_path):  # noqa: F811
    make_bursts(tmp_path / "many", bursts=20, frames=3)
    win = new_window(qtbot, gui_env)
    win.controller.open_folder(tmp_path / "many")
    assert win.controller.is_culling()
    win.controller.cancel()
    qtbot.waitUntil(lambda: win.controller.job is None, timeout=60_000)
    assert not win.status.progress.isVisible()
    assert win.controller.last_result is not None and win.controller.last_result.cancelled
    win.shutdown()


@pytest.mark.parametrize("view", ["series", "compare"])
def test_screenshot_command_renders_the_window(gui_env, folder, tmp_path, view):  # noqa: F811
    out = tmp_path / f"{view}.png"
    Settings().set("scorer", "technical")
    assert (
        main(
            [
                "--screenshot",
                str(out),
                "--view",
                view,
                "--size",
                "1200x800",
                "--db",
                str(gui_env),
                str(folder),
            ]
        )
        == 0
    )
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1200, 800)


def test_screenshot_of_a_named_series_and_of_a_file_in_none(gui_env, folder, tmp_path, capsys):  # noqa: F811
    Settings().set("scorer", "technical")
    frame = sorted(folder.glob("*.jpg"))[-1].name
    args = ["--view", "loupe", "--size", "800x600", "--db", str(gui_env)]
    out = tmp_path / "named.png"
    assert main(["--screenshot", str(out), "--series", frame, *args, str(folder)]) == 0
    assert QImage(str(out)).width() == 800
    missing = tmp_path / "missing.png"
    assert main(["--screenshot", str(missing), "--series", "nowhere.jpg", *args, str(folder)]) == 1
    assert "no series holds nowhere.jpg" in capsys.readouterr().err
    assert not missing.exists()


def test_a_missing_model_is_reported_in_the_window(qtbot, gui_env, folder, tmp_path):  # noqa: F811
    win = new_window(qtbot, gui_env, scorer="fgaesq", weights=str(tmp_path / "missing.safetensors"))
    win.controller.open_folder(folder)
    qtbot.waitUntil(lambda: win.controller.job is None, timeout=60_000)
    assert win.messages.isVisible()
    assert any("missing.safetensors" in message for _, message in win.messages.problems), (
        win.messages.problems
    )
    win.shutdown()


def test_grouping_preferences_apply_live(qtbot, window):  # noqa: F811
    assert len(window.controller.series()) == 3
    window.settings.set("time_gap_s", 0.1)  # frames are 0.2 s apart: every frame stands alone
    # the job is set when the cull starts and cleared only once its end reaches the window,
    # so this holds however fast the cull itself finishes
    assert window.controller.job is not None, "a grouping change re-runs the cull at once"
    settle(qtbot, window)
    qtbot.waitUntil(lambda: len(window.controller.series()) == 12, timeout=30_000)


def test_raw_and_jpeg_of_one_photo_are_one_frame(qtbot, gui_env, tmp_path):  # noqa: F811
    pairs = tmp_path / "pairs"
    bursts = make_bursts(pairs, bursts=1, frames=2)
    for jpeg in bursts[0]:
        jpeg.with_suffix(".CR2").write_bytes(b"II*\x00 raw data the camera JPEG stands in for")
    win = new_window(qtbot, gui_env)
    win.controller.open_folder(pairs)
    settle(qtbot, win)
    frames = win.controller.series()[0].frames
    assert len(frames) == 2
    assert sorted(frames[0].file_names) == sorted(
        [Path(frames[0].path).name, Path(frames[0].path).with_suffix(".CR2").name]
    )
    assert frames[0].path.endswith(".jpg"), "the camera JPEG is what gets decoded"
    assert "CR2" in win.details.values["Files"].text()
    win.shutdown()


def test_drop_a_folder_and_find_it_in_recent_folders(qtbot, gui_env, folder):  # noqa: F811
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    win = new_window(qtbot, gui_env, run_pipeline=False)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder))])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    win.dropEvent(event)
    assert win.controller.library is not None and win.controller.library.root == str(
        folder.resolve()
    )
    assert Settings().recent_folders.value[0] == str(folder.resolve())
    win.shutdown()


def test_a_decided_series_stays_in_the_unreviewed_filter_until_it_changes(qtbot, window):  # noqa: F811
    window.filter_box.setCurrentIndex(window.filter_box.findData(int(SeriesFilter.Unreviewed)))
    assert window.series_view.proxy.rowCount() == 3
    first = window.controller.current_series().series_id
    window.commands.run("reject")
    assert window.controller.current_series().series_id == first
    assert window.series_view.proxy.rowCount() == 3
    window.filter_box.setCurrentIndex(window.filter_box.findData(int(SeriesFilter.All)))
    window.filter_box.setCurrentIndex(window.filter_box.findData(int(SeriesFilter.Unreviewed)))
    assert window.series_view.proxy.rowCount() == 2
