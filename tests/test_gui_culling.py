"""A photographer's first hour, from the keyboard: what the window shows and what the keys do.

Real pipeline (technical scorer), real catalog, real sidecars, real widgets offscreen.
"""

from __future__ import annotations

import os
import threading

import pytest
from gui_fixtures import (  # noqa: F401
    folder,
    gui_env,
    make_bursts,
    new_window,
    outcome,
    press,
    questions,
    settle,
    window,  # noqa: F811
    written,
)
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage

from app.catalog import DecisionSource, DecisionState, Flag
from app.gui import theme
from app.gui.commands import View
from app.gui.models import Role
from app.sidecars import read_marks, sidecar_paths

pytestmark = pytest.mark.gui
ALT = Qt.KeyboardModifier.AltModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def near(image: QImage, colour: QColor, x0: int, y0: int, x1: int, y1: int) -> int:
    """Pixels of ``image`` in the box that are (almost) ``colour``."""
    count = 0
    for y in range(max(0, y0), min(image.height(), y1)):
        for x in range(max(0, x0), min(image.width(), x1)):
            pixel = image.pixelColor(x, y)
            if (
                abs(pixel.red() - colour.red())
                + abs(pixel.green() - colour.green())
                + abs(pixel.blue() - colour.blue())
                < 40
            ):
                count += 1
    return count


def strip_cell(win, photo_id: int) -> tuple[int, int, int, int]:
    strip = win.strip
    rect = strip.visualRect(strip.index_of(photo_id))
    top_left = strip.viewport().mapTo(strip, rect.topLeft())
    return top_left.x(), top_left.y(), top_left.x() + rect.width(), top_left.y() + rect.height()


# -- trust and visibility ------------------------------------------------------------------


def test_the_current_frame_outshines_the_best_frame_in_the_strip_and_the_grid(qtbot, window):  # noqa: F811
    controller = window.controller
    controller.set_view(View.LOUPE)
    best = controller.current_series().frames[0]
    press(qtbot, window, Qt.Key.Key_Right)
    current = controller.current_frame()
    assert current.photo_id != best.photo_id and best.is_best
    qtbot.wait(50)
    image = window.strip.grab().toImage()
    on_current = near(image, theme.CURRENT, *strip_cell(window, current.photo_id))
    on_best = near(image, theme.CURRENT, *strip_cell(window, best.photo_id))
    gold_on_best = near(image, theme.BEST, *strip_cell(window, best.photo_id))
    assert on_current > 400, "the current frame carries the thick bright border"
    assert on_best == 0
    assert on_current > 3 * gold_on_best, "BEST is a tag, the current frame is the frame"
    assert window.strip.model().index(1, 0).data() == current.file_names[0]
    controller.set_view(View.SERIES)
    grid = window.series_view
    qtbot.wait(50)
    cell = grid.visualRect(grid.index_of(controller.series_id))
    image = grid.viewport().grab().toImage()
    assert near(image, theme.CURRENT, cell.left(), cell.top(), cell.right(), cell.bottom()) > 400


def test_the_window_says_which_model_ranked_the_shoot(qtbot, window, monkeypatch):  # noqa: F811
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    from app.scoring import TechnicalScorer

    technical = f"technical scorer ({TechnicalScorer.weights_id})"
    label = window.status.model_status.label
    assert label.text() == f"Ranked by: {technical}"
    assert not window.status.model_status.get.isVisibleTo(window)
    frame = window.controller.current_frame()
    assert window.details.values["Model"].text() == technical
    window.settings.set("scorer", "auto")  # a re-run: the shown scores keep their model
    assert window.controller.is_culling()
    assert label.text().startswith("Ranking with: ")
    assert "auto" not in window.details.values["Model"].text()
    assert frame.model == technical
    settle(qtbot, window)


def test_without_fgaesq_weights_the_window_offers_them(qtbot, gui_env, folder, monkeypatch):  # noqa: F811
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # nothing cached, nothing to fetch from
    win = new_window(qtbot, gui_env, scorer="auto")
    win.controller.open_folder(folder)
    settle(qtbot, win)
    status = win.status.model_status
    assert status.label.text().startswith("Ranked by: technical scorer")
    assert "FGAesQ weights are missing" in status.label.text()
    assert status.get.isVisibleTo(win), "a button offers the weights"
    assert win.commands.action("get_weights").isEnabled()
    win.shutdown()


def test_counts_filters_and_badges_keep_your_decisions_apart_from_suggestions(qtbot, window):  # noqa: F811
    controller = window.controller
    counts = window.summary.counts
    assert "0 decided" in counts.text() and "your picks 0, rejects 0" in counts.text()
    assert "model suggests 3 picks" in counts.text()
    assert window.details.values["Decision"].text() == "Pick (the model's suggestion)"
    window.filter_box.setCurrentIndex(window.filter_box.findText("With your picks"))
    assert window.series_view.proxy.rowCount() == 0, "the model's picks are not yours"
    window.filter_box.setCurrentIndex(0)
    controller.set_view(View.LOUPE)
    press(qtbot, window, Qt.Key.Key_P)
    assert "your picks 1, rejects 0" in counts.text()
    assert "model suggests 2 picks" in counts.text()
    controller.select_frame(controller.series()[0].frames[0].photo_id)
    assert window.details.values["Decision"].text() == "Pick (yours)"
    window.filter_box.setCurrentIndex(window.filter_box.findText("With your picks"))
    assert window.series_view.proxy.rowCount() == 1


def test_export_choice_writes_your_decisions_only(qtbot, window):  # noqa: F811
    controller = window.controller
    window.settings.set("ask_before_xmp_write", False)
    window.settings.set("auto_advance", False)
    controller.set_view(View.LOUPE)
    other_series = controller.series()[1]
    press(qtbot, window, Qt.Key.Key_Right)
    press(qtbot, window, Qt.Key.Key_X)  # one decision of yours in the first series
    rejected = controller.current_frame()
    with qtbot.waitSignal(controller.bus.message) as said:
        press(qtbot, window, Qt.Key.Key_S, CTRL | ALT)
        written(window)
    assert read_marks(sidecar_paths(rejected.path)[0]).rating == -1
    suggested_best = sidecar_paths(other_series.frames[0].path)[0]
    assert not suggested_best.exists(), "the model's pick is not exported as a decision"
    assert "of 1 photo: 1 with your decisions, 0 with the model's suggestions" in said.args[0]
    with qtbot.waitSignal(controller.bus.message) as said:
        press(qtbot, window, Qt.Key.Key_S, CTRL)
        written(window)
    assert "FGAesQ pick" in suggested_best.read_text(), "with the preference, suggestions go too"
    assert read_marks(suggested_best).rating is None, "a suggestion is a keyword, not stars"
    assert "with the model's suggestions" in said.args[0]


def test_undo_jumps_to_the_frame_it_changed_and_says_so(qtbot, window):  # noqa: F811
    controller = window.controller
    window.settings.set("auto_advance", False)
    controller.set_view(View.LOUPE)
    press(qtbot, window, Qt.Key.Key_Right)
    decided = controller.current_frame()
    press(qtbot, window, Qt.Key.Key_X)
    press(qtbot, window, Qt.Key.Key_Down)
    press(qtbot, window, Qt.Key.Key_Down)
    assert controller.current_series().series_id != decided.series_id
    with qtbot.waitSignal(controller.bus.message) as said:
        press(qtbot, window, Qt.Key.Key_Z, CTRL)
        written(window)
    assert controller.photo_id == decided.photo_id and controller.series_id == decided.series_id
    assert "Undid “Reject” on B00_F01.jpg" in said.args[0] and "series 1" in said.args[0]
    assert controller.current_frame().decision.flag is Flag.NONE
    with qtbot.waitSignal(controller.bus.message) as said:
        press(qtbot, window, Qt.Key.Key_Z, CTRL | SHIFT)
        written(window)
    assert said.args[0].startswith("Redid “Reject”")


# -- working through a shoot ---------------------------------------------------------------


def test_series_progress_and_the_key_for_the_next_undecided_series(qtbot, window):  # noqa: F811
    controller = window.controller
    first, second, third = controller.series()
    assert controller.series_model.index(0).data(Role.Progress) == "0 of 4 decided"
    controller.select_series(second.series_id)
    press(qtbot, window, Qt.Key.Key_A)  # the whole second series decided in one key
    assert controller.series_model.index(1).data(Role.Progress) == "4 of 4 decided"
    controller.select_series(first.series_id)
    controller.set_view(View.LOUPE)
    press(qtbot, window, Qt.Key.Key_P)
    assert controller.series_model.index(0).data(Role.Progress) == "1 of 4 decided"
    assert "1 of 4 decided" in window.details.values["Series"].text()
    press(qtbot, window, Qt.Key.Key_N)
    assert controller.series_id == third.series_id, "the decided series is skipped"
    press(qtbot, window, Qt.Key.Key_N, SHIFT)
    assert controller.series_id == first.series_id
    assert not controller.current_frame().decided, "it lands on a frame still undecided"


def test_the_filmstrip_spans_the_shoot_and_the_current_series_stands_out(qtbot, window):  # noqa: F811
    controller = window.controller
    strip = window.strip.model()
    assert strip.rowCount() == 12
    controller.set_view(View.LOUPE)
    for _ in range(4):
        press(qtbot, window, Qt.Key.Key_Right)
    assert controller.series_id == controller.series()[1].series_id
    row = strip.row_of(controller.photo_id)
    assert row == 4 and strip.index(row, 0).data(Role.SeriesStart)
    assert strip.index(row, 0).data(Role.CurrentSeries)
    assert not strip.index(0, 0).data(Role.CurrentSeries)


def test_frame_filters_from_the_keyboard(qtbot, window):  # noqa: F811
    controller = window.controller
    window.settings.set("auto_advance", False)
    controller.set_view(View.LOUPE)
    press(qtbot, window, Qt.Key.Key_P)
    press(qtbot, window, Qt.Key.Key_4)
    press(qtbot, window, Qt.Key.Key_6)
    picked = controller.photo_id
    press(qtbot, window, Qt.Key.Key_Down)
    press(qtbot, window, Qt.Key.Key_Right)
    press(qtbot, window, Qt.Key.Key_2)
    strip = window.strip.model()

    def shown() -> list[int]:
        return [strip.key_at(r) for r in range(strip.rowCount())]

    press(qtbot, window, Qt.Key.Key_P, ALT)
    assert shown() == [picked] and window.commands.action("filter_picked").isChecked()
    assert window.series_view.proxy.rowCount() == 1, "the grid shows series with a match"
    assert controller.photo_id == picked
    assert "Showing: Your picks" in window.summary.filter.text()
    press(qtbot, window, Qt.Key.Key_P, ALT)
    press(qtbot, window, Qt.Key.Key_3, ALT)
    assert shown() == [picked], "3 stars or more"
    press(qtbot, window, Qt.Key.Key_2, ALT)
    assert len(shown()) == 2, "2 stars or more"
    press(qtbot, window, Qt.Key.Key_6, ALT)
    assert shown() == [picked], "2 stars or more and Red"
    press(qtbot, window, Qt.Key.Key_S, ALT)
    assert shown() == [], "the model's undecided picks: the first series' pick is yours now"
    press(qtbot, window, Qt.Key.Key_0, ALT)
    assert len(shown()) == 12 and not window.summary.filter.isVisibleTo(window)
    press(qtbot, window, Qt.Key.Key_S, ALT)
    assert len(shown()) == 2, "the other series' best frames, suggested by the model"


def test_thumbnail_size_from_the_keyboard_and_the_slider(qtbot, gui_env, tmp_path):  # noqa: F811
    make_bursts(tmp_path / "many", bursts=25, frames=1, size=(160, 120))
    win = new_window(qtbot, gui_env, size=(1024, 700))
    win.controller.open_folder(tmp_path / "many")
    settle(qtbot, win)
    grid = win.series_view
    before = grid.visible_series()
    for _ in range(4):
        press(qtbot, win, Qt.Key.Key_Minus, CTRL)
    assert win.settings.thumbnail_size.value < 256
    assert win.status.size.value() == win.settings.thumbnail_size.value
    qtbot.waitUntil(lambda: grid.visible_series() > 2 * before)
    press(qtbot, win, Qt.Key.Key_Equal, CTRL)
    larger = win.settings.thumbnail_size.value
    win.status.size.setValue(400)
    assert win.settings.thumbnail_size.value == 400 > larger
    win.shutdown()


def test_full_screen_info_overlay_and_histogram_keys(qtbot, window):  # noqa: F811
    controller = window.controller
    press(qtbot, window, Qt.Key.Key_F)
    assert window.isFullScreen() and window.commands.action("fullscreen").isChecked()
    press(qtbot, window, Qt.Key.Key_F)
    assert not window.isFullScreen()
    controller.set_view(View.LOUPE)
    pane = window.loupe.pane
    assert not pane.show_info
    press(qtbot, window, Qt.Key.Key_I)
    assert pane.show_info and window.settings.info_overlay.value
    thumbs = controller.thumbnails
    path = controller.current_frame().path
    qtbot.waitUntil(lambda: path in thumbs.histograms, timeout=10_000)
    histogram = thumbs.histograms[path]
    assert sum(histogram.channels[0]) > 0 and 0 <= histogram.highlights <= 1
    assert pane.show_histogram
    press(qtbot, window, Qt.Key.Key_H)
    assert not pane.show_histogram and not window.settings.histogram.value
    press(qtbot, window, Qt.Key.Key_C)
    assert all(p.show_info for p in window.compare.panes)


def test_histogram_warns_about_clipped_highlights_and_shadows():
    from PIL import Image

    from app.gui.histogram import histogram_of

    image = Image.new("RGB", (100, 100), (120, 120, 120))
    assert not histogram_of(image).highlight_warning
    image.paste((255, 250, 250), (0, 0, 100, 10))  # 10 % with red blown
    image.paste((0, 0, 0), (0, 90, 100, 91))  # 1 % black
    histogram = histogram_of(image)
    assert histogram.highlights == pytest.approx(0.10)
    assert histogram.shadows == pytest.approx(0.01)
    assert histogram.highlight_warning and histogram.shadow_warning


def test_compare_is_chosen_from_the_keyboard(qtbot, window):  # noqa: F811
    controller = window.controller
    window.settings.set("auto_advance", False)
    controller.set_view(View.LOUPE)
    press(qtbot, window, Qt.Key.Key_Right)
    first = controller.photo_id
    press(qtbot, window, Qt.Key.Key_C, SHIFT)
    press(qtbot, window, Qt.Key.Key_Down)
    second = controller.photo_id  # from another series
    press(qtbot, window, Qt.Key.Key_C, SHIFT)
    assert controller.compare_choice == [first, second]
    assert window.strip.model().index(window.strip.model().row_of(first), 0).data(Role.Chosen)
    press(qtbot, window, Qt.Key.Key_C)
    assert [p.frame.photo_id for p in window.compare.panes] == [first, second]
    press(qtbot, window, Qt.Key.Key_Left)
    assert controller.photo_id == first and window.compare.panes[0].current
    press(qtbot, window, Qt.Key.Key_C, SHIFT)
    assert controller.compare_choice == [second]
    press(qtbot, window, Qt.Key.Key_C, CTRL | SHIFT)
    assert controller.compare_choice == []


def test_rejected_frames_are_not_dimmed_in_compare(qtbot, gui_env, folder):  # noqa: F811
    from app.gui.thumbnails import FULL, ThumbnailManager
    from app.gui.views.compare import CompareView

    thumbs = ThumbnailManager(threads=1)
    view = CompareView(thumbs)
    qtbot.addWidget(view)
    view.resize(800, 400)
    paths = sorted(str(p) for p in folder.glob("B00_*.jpg"))[:2]
    from app.gui.items import FrameItem

    same = [
        FrameItem(1, paths[0], width=320, height=240),
        FrameItem(2, paths[0], width=320, height=240),
    ]
    view.show_frames(same, -1)
    qtbot.waitUntil(lambda: thumbs.pixmap(paths[0], FULL) is not None, timeout=10_000)
    view.update_frame(
        FrameItem(
            2,
            paths[0],
            width=320,
            height=240,
            decision=DecisionState(flag=Flag.REJECT, source=DecisionSource.USER),
        )
    )
    left, right = (p.grab().toImage() for p in view.panes)
    x, y = left.width() // 2, left.height() // 3
    assert left.pixelColor(x, y) == right.pixelColor(x, y), "a reject is shown as it is"
    thumbs.shutdown()


def test_z_off_the_photo_zooms_to_the_last_zoom_point(qtbot, window):  # noqa: F811
    from PySide6.QtGui import QCursor

    controller = window.controller
    controller.set_view(View.LOUPE)
    pane = window.loupe.pane
    pane.toggle_zoom(QPointF(pane.width() * 0.8, pane.height() * 0.3))
    point = pane.state.last_point
    assert point is not None and point.x() > 0.6
    press(qtbot, window, Qt.Key.Key_Z)  # back to fit
    QCursor.setPos(0, 0)
    assert not pane.over_image(QPointF(pane.mapFromGlobal(QCursor.pos())))
    press(qtbot, window, Qt.Key.Key_Z)
    assert pane.state.zoom == 1.0
    assert (pane.state.center.x(), pane.state.center.y()) == pytest.approx((point.x(), point.y()))
    press(qtbot, window, Qt.Key.Key_Right)
    assert pane.state.zoom == 1.0, "zoom and spot carry over to the next frame"


def test_auto_advance_is_toggled_by_a_key(qtbot, window):  # noqa: F811
    controller = window.controller
    controller.set_view(View.LOUPE)
    assert window.settings.auto_advance.value
    press(qtbot, window, Qt.Key.Key_A, SHIFT)
    assert not window.settings.auto_advance.value
    assert not window.commands.action("toggle_auto_advance").isChecked()
    assert window.status.advance.text() == "Advance: off"
    frame = controller.photo_id
    press(qtbot, window, Qt.Key.Key_P)
    assert controller.photo_id == frame
    press(qtbot, window, Qt.Key.Key_A, SHIFT)
    press(qtbot, window, Qt.Key.Key_X)
    assert controller.photo_id != frame


def test_photos_gone_from_disk_are_marked_missing_and_get_no_sidecars(qtbot, window):  # noqa: F811
    controller = window.controller
    gone = controller.series()[0].frames[1]
    os.remove(gone.path)
    qtbot.waitUntil(lambda: controller.frame(gone.photo_id).missing, timeout=10_000)
    assert any("deleted or moved" in message for _, message in window.messages.problems)
    assert "1 missing on disk" in window.summary.counts.text()
    controller.select_frame(gone.photo_id)
    assert "missing on disk" in window.details.values["Files"].text()
    with qtbot.waitSignal(controller.bus.message) as said:
        outcome(qtbot, controller.files.write_sidecars())
    assert not sidecar_paths(gone.path)[0].exists()
    assert "1 missing on disk left out" in said.args[0]
    controller.set_frame_filter(controller.filters.frames.toggled_criterion("missing"))
    assert window.strip.model().rowCount() == 1


def test_moved_rejects_leave_their_series_and_the_counts(qtbot, window):  # noqa: F811
    controller = window.controller
    window.settings.set("auto_advance", False)
    controller.set_view(View.LOUPE)
    press(qtbot, window, Qt.Key.Key_Right)
    press(qtbot, window, Qt.Key.Key_X)
    assert outcome(qtbot, controller.files.move_rejects(confirm=False)) == 1
    settle(qtbot, window)
    assert [s.frame_count for s in controller.series()] == [3, 4, 4]
    assert "11 photos" in window.summary.counts.text()
    assert window.strip.model().rowCount() == 11


def test_the_move_question_says_how_many_photos_and_files(qtbot, window, questions):  # noqa: F811
    window.settings.set("auto_advance", False)
    window.controller.set_view(View.LOUPE)
    press(qtbot, window, Qt.Key.Key_X)
    press(qtbot, window, Qt.Key.Key_M, CTRL | SHIFT)
    written(window)
    assert "Move 1 rejected photo (1 file) into" in questions.asked[-1]
    assert os.path.exists(window.controller.current_frame().path), "the answer was no"


def test_closing_reminds_of_decisions_not_in_sidecars(qtbot, gui_env, folder, questions):  # noqa: F811
    from PySide6.QtWidgets import QMessageBox

    win = new_window(qtbot, gui_env)
    win.controller.open_folder(folder)
    settle(qtbot, win)
    win.controller.set_view(View.LOUPE)
    press(qtbot, win, Qt.Key.Key_X)
    decided = win.controller.series()[0].frames[0]
    questions.answer = QMessageBox.StandardButton.Cancel
    assert not win.close(), "Cancel keeps the window open"
    assert "1 photo you decided on in this session is not in XMP sidecars" in questions.asked[-1]
    questions.answer = QMessageBox.StandardButton.Save
    assert win.close()
    assert read_marks(sidecar_paths(decided.path)[0]).rating == -1


def test_no_reminder_when_every_decision_is_written_at_once(qtbot, gui_env, folder, questions):  # noqa: F811
    win = new_window(qtbot, gui_env, xmp_on_decision=True)
    win.controller.open_folder(folder)
    settle(qtbot, win)
    win.controller.set_view(View.LOUPE)
    press(qtbot, win, Qt.Key.Key_X)
    assert win.close()
    assert not questions.asked


# -- small things ----------------------------------------------------------------------------


def test_words_counts_and_empty_folders(qtbot, gui_env, tmp_path):  # noqa: F811
    win = new_window(qtbot, gui_env, run_pipeline=False)
    assert win.controller.state_text().startswith("Open a folder")
    assert win.commands.action("rate_1").text() == "Rate 1 star"
    empty = tmp_path / "empty"
    empty.mkdir()
    win.controller.run_pipeline = True
    win.controller.open_folder(empty)
    assert win.controller.state_text() == "Reading empty…"
    settle(qtbot, win)
    assert win.controller.state_text() == "No photos in empty"
    make_bursts(tmp_path / "single", bursts=1, frames=1)
    win.controller.open_folder(tmp_path / "single")
    settle(qtbot, win)
    assert win.details.values["Series"].text().startswith("1 frame, 0 of 1 decided")
    win.shutdown()


def test_exif_is_read_off_the_gui_thread(qtbot, gui_env, folder, monkeypatch):  # noqa: F811
    import app.gui.library as library

    threads = []
    real = library.read_metadata

    def recording(path):
        threads.append(threading.current_thread())
        return real(path)

    monkeypatch.setattr(library, "read_metadata", recording)
    win = new_window(qtbot, gui_env)
    win.controller.open_folder(folder)
    settle(qtbot, win)
    assert threads and threading.main_thread() not in threads
    assert win.details.values["Exposure"].text().startswith("1/500 s")
    win.shutdown()


def streaming_cull_events():
    """(seconds, event): a cull reading 300 photos, grouping and ranking each run of them as
    it is read (the technical scorer), then ranking the last run's frames."""
    from app.pipeline import ProgressEvent, SeriesResult, Stage

    one = SeriesResult(id=1, members=())
    events = [
        (100.0, ProgressEvent(Stage.READ, 0, 300)),
        (100.1, ProgressEvent(Stage.GROUP, 0, 300)),
    ]
    for read in (60, 120):
        events += [
            (100.0 + read / 30, ProgressEvent(Stage.READ, read, 300)),
            (100.1 + read / 30, ProgressEvent(Stage.GROUP, read, 300, "3 series")),
            (100.2 + read / 30, ProgressEvent(Stage.RANK, 0, 3, series=one, frames=(read, read))),
        ]
    events += [
        (110.0, ProgressEvent(Stage.READ, 300, 300)),
        (110.1, ProgressEvent(Stage.GROUP, 300, 300, "14 series")),
        (110.5, ProgressEvent(Stage.RANK, 13, 14, frames=(290, 300))),
        (112.5, ProgressEvent(Stage.RANK, 13, 14, frames=(295, 300))),
    ]
    return events


def test_progress_says_photos_per_second_and_time_left_while_runs_are_ranked():
    """The rate counts from the stage's start, never from a run grouped in between (that
    made 120 photos read since the start look like 120 photos in the last second)."""
    from app.gui.views.progress import StageClock

    clock = StageClock()
    events = streaming_cull_events()
    for now, event in events[:2]:
        clock.update(event, now)
    assert clock.text(100.5) == "Reading 0 of 300"
    for now, event in events[2:8]:
        clock.update(event, now)
    assert clock.text(104.0) == "Reading 120 of 300 · 30.0 photos/s · 6 s left · 2 series ranked"
    for now, event in events[8:]:
        clock.update(event, now)
    assert clock.text(112.5) == "Ranking 295 of 300 frames · 2.5 frames/s · 2 s left"


def test_progress_says_the_models_pace_and_time_left_while_the_card_is_read():
    """FGAesQ ranking behind the reading: its frames per second and time left, counted from
    its first series; the technical ranking shown meanwhile counts for nothing."""
    from app.gui.views.progress import StageClock
    from app.pipeline import ProgressEvent, SeriesResult, Stage

    one = SeriesResult(id=1, members=())
    clock = StageClock()
    for now, event in [
        (100.0, ProgressEvent(Stage.READ, 10, 100)),
        (100.5, ProgressEvent(Stage.RANK, 1, 1, series=one, frames=(10, 10), provisional=True)),
        (101.0, ProgressEvent(Stage.RANK, 1, 2, series=one, frames=(5, 100), behind=True)),
        (105.0, ProgressEvent(Stage.READ, 50, 100)),
        (106.0, ProgressEvent(Stage.RANK, 2, 3, series=one, frames=(15, 100), behind=True)),
    ]:
        clock.update(event, now)
    assert clock.text(106.0) == (
        "Reading 50 of 100 · 6.7 photos/s · 8 s left · 2 series ranked"
        " · 2.0 frames/s ranked · 42 s left to rank"
    )


def test_progress_shows_no_rate_for_series_all_from_the_catalog():
    """Every series' scores taken from the catalog (no frame ranked): no rate, however
    quickly or slowly the catalog gives them."""
    from app.gui.views.progress import StageClock
    from app.pipeline import ProgressEvent, Stage

    clock = StageClock()
    clock.update(ProgressEvent(Stage.READ, 12, 12), 100.0)
    for done, now in [(0, 100.0), (1, 100.001), (6, 101.5), (12, 101.502)]:
        clock.update(ProgressEvent(Stage.RANK, done, 12, frames=(0, 0)), now)
        assert "/s" not in clock.text(now + 0.001), clock.text(now + 0.001)


def test_progress_panel_says_reading_while_runs_are_grouped_and_ranked(qtbot):
    """While the card is read, the status bar says how the reading goes, never a grouping or
    ranking of one run after another; after it, the frames left to rank."""
    from app.gui.bus import SignalBus
    from app.gui.views.progress import ProgressPanel

    bus = SignalBus()
    panel = ProgressPanel(bus, cancel=lambda: None)
    qtbot.addWidget(panel)
    bus.cull_started.emit()
    shown = []
    for _now, event in streaming_cull_events():
        bus.progress.emit(event)
        panel._show_latest()  # what the next repaint shows
        shown.append(panel.label.text())
    end = next(i for i, text in enumerate(shown) if text.startswith("Reading 300 of 300"))
    reading = shown[:end]
    assert all(text.startswith("Reading") for text in reading), reading
    assert "series ranked" in reading[-1]
    assert shown[-1].startswith("Ranking 295 of 300 frames"), shown
    assert panel.bar.maximum() == 300 and panel.bar.value() == 295


def test_compare_captions_keep_every_mark_at_1024_by_700(qtbot, gui_env, folder):  # noqa: F811
    from dataclasses import replace

    from PySide6.QtGui import QFontMetrics

    from app.gui.views.image_pane import caption_layout

    win = new_window(qtbot, gui_env, size=(1024, 700))
    win.controller.open_folder(folder)
    settle(qtbot, win)
    win.controller.set_view(View.COMPARE)
    qtbot.wait(50)
    pane = win.compare.panes[0]
    assert len(win.compare.panes) == 4 and pane.width() < 400
    frame = replace(
        pane.frame,
        path=str(folder / ("a_very_long_file_name_from_a_second_camera_body_" + "x" * 30 + ".jpg")),
        decision=DecisionState(flag=Flag.PICK, rating=5, source=DecisionSource.USER),
    )
    layout = caption_layout(QFontMetrics(pane.font()), pane.width(), pane.height(), frame, "100%")
    parts = [layout.flag, layout.name, layout.tail, layout.stars, layout.zoom]
    assert all(layout.bar.contains(p) for p in parts), "every part inside the bar"
    for a, b in zip(parts, parts[1:], strict=False):
        assert a.right() <= b.left() + 0.5, (a, b)
    assert layout.name_text.endswith(".jpg") and "…" in layout.name_text
    assert layout.tail_text == "BEST   " + f"{frame.score:.2f}"
    win.shutdown()


def test_a_decision_never_waits_for_the_catalogs_write_lock(qtbot, window, gui_env):  # noqa: F811
    import sqlite3

    from gui_fixtures import catalog_decisions

    controller = window.controller
    controller.set_view(View.LOUPE)
    frame = controller.current_frame()
    other = sqlite3.connect(gui_env, timeout=1, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # as a cull storing a batch of photos holds it
    try:
        press(qtbot, window, Qt.Key.Key_X)  # returns: the write waits on its own thread
        assert controller.frame(frame.photo_id).decision.flag is Flag.REJECT, "shown at once"
        assert controller.session.writer.busy()
    finally:
        other.execute("ROLLBACK")
        other.close()
    state = catalog_decisions(gui_env, window)[frame.photo_id]
    assert state.flag is Flag.REJECT and state.is_user
    assert controller.frame(frame.photo_id).decision == state, "the catalog's state shown"


def test_sidecar_writes_and_moves_wait_on_the_writer_thread_not_the_gui_thread(
    qtbot,
    window,  # noqa: F811
    gui_env,  # noqa: F811
):
    """Ctrl+S and a move of rejects are queued behind the decisions on the writer thread:
    the GUI thread goes on while the catalog is locked, and they see the decisions."""
    import sqlite3

    controller = window.controller
    window.settings.set("auto_advance", False)
    window.settings.set("ask_before_xmp_write", False)
    controller.set_view(View.LOUPE)
    frame = controller.current_frame()
    sidecar = sidecar_paths(frame.path)[0]
    other = sqlite3.connect(gui_env, timeout=1, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # as a cull storing a batch of photos holds it
    try:
        press(qtbot, window, Qt.Key.Key_X)
        press(qtbot, window, Qt.Key.Key_S, CTRL)  # returns: nothing waits for the reject
        moved = controller.files.move_rejects(confirm=False)
        assert controller.session.writer.busy() and not moved.done()
        assert not sidecar.exists() and os.path.exists(frame.path)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert outcome(qtbot, moved) == 1
    rejects = os.path.join(controller.library.root, "_rejects")
    assert not os.path.exists(frame.path)
    moved_sidecar = sidecar_paths(os.path.join(rejects, os.path.basename(frame.path)))[0]
    assert read_marks(moved_sidecar).rating == -1, "the sidecar had the reject before the move"
