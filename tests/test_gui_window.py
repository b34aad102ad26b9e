"""The window's smaller comforts: the Purple label, the keyboard cheat sheet, the
image-only view, the window and frame restored on reopening, the filmstrip order."""

from __future__ import annotations

from gui_fixtures import (  # noqa: F401
    catalog_decisions,
    folder,
    gui_env,
    new_window,
    press,
    questions,
    settle,
    window,
)
from PySide6.QtCore import Qt

from app.gui.commands import View

ALT_SHIFT = Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier


def test_v_gives_the_purple_label_and_alt_v_filters_it(qtbot, window, gui_env):  # noqa: F811
    controller = window.controller
    controller.set_view(View.LOUPE)
    photo_id = controller.photo_id
    press(qtbot, window, Qt.Key.Key_V)
    assert controller.frame(photo_id).decision.label == "Purple"
    assert catalog_decisions(gui_env, window)[photo_id].label == "Purple"
    press(qtbot, window, Qt.Key.Key_V, ALT_SHIFT)
    assert controller.strip_proxy.rowCount() == 1, "only the purple frame passes the filter"
    press(qtbot, window, Qt.Key.Key_V, ALT_SHIFT)
    press(qtbot, window, Qt.Key.Key_V)
    assert controller.frame(photo_id).decision.label is None, "the same key takes it off"


def test_f1_and_question_mark_show_the_keys(qtbot, window):  # noqa: F811
    for key in (Qt.Key.Key_F1, Qt.Key.Key_Question):
        window.keys_sheet = None
        press(qtbot, window, key)
        sheet = window.keys_sheet
        assert sheet is not None and sheet.isVisible()
        rows = [
            (sheet.table.item(r, 0).text(), sheet.table.item(r, 1).text())
            for r in range(sheet.table.rowCount())
        ]
        assert ("P", "Pick") in rows and ("V", "Purple label") in rows
        assert ("F1 , ?", "Keyboard shortcuts") in rows
        sheet.close()


def test_f_shows_the_image_alone_and_brings_the_panels_back(qtbot, window):  # noqa: F811
    window.controller.set_view(View.LOUPE)
    panels = [window.details, window.strip, window.statusBar(), window.toolbar, window.menuBar()]
    assert all(p.isVisible() for p in panels)
    press(qtbot, window, Qt.Key.Key_F)
    assert not any(p.isVisible() for p in panels), "only the photo is left"
    assert window.loupe.pane.isVisible()
    press(qtbot, window, Qt.Key.Key_F)
    assert all(p.isVisible() for p in panels)


def test_window_size_and_last_frame_come_back_on_reopening(qtbot, gui_env, folder):  # noqa: F811
    from app.gui.mainwindow import MainWindow
    from app.gui.settings import Settings

    first = new_window(qtbot, gui_env, size=(760, 540))
    first.controller.open_folder(folder)
    settle(qtbot, first)
    first.controller.set_view(View.LOUPE)
    for _ in range(5):
        press(qtbot, first, Qt.Key.Key_Right)
    looked_at = first.controller.current_frame().path
    first.close()

    settings = Settings()
    settings.set("scorer", "technical")
    second = MainWindow(settings=settings, catalog_path=str(gui_env))
    qtbot.addWidget(second)
    second.show()
    assert (second.width(), second.height()) == (760, 540)
    second.controller.open_folder(folder)
    settle(qtbot, second)
    assert second.controller.current_frame().path == looked_at
    second.shutdown()


def test_no_fgaesq_promise_beside_the_fallback_note(qtbot, gui_env, folder, monkeypatch):  # noqa: F811
    from PySide6.QtCore import QTimer

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # no weights: the cull falls back
    win = new_window(qtbot, gui_env, scorer="auto")
    right = win.status.model_status.label
    beside_note: list[str] = []

    def on_message(text: str) -> None:
        if text.startswith("Using the technical"):  # what the right says once it is shown
            QTimer.singleShot(0, lambda: beside_note.append(right.text()))

    win.bus.message.connect(on_message)
    win.controller.open_folder(folder)
    settle(qtbot, win)
    assert beside_note, "the cull did not say it fell back"
    assert "FGAesQ if its weights" not in beside_note[0]
    assert "technical scorer" in beside_note[0]
    assert right.text().startswith("Ranked by: technical scorer")
    win.shutdown()


def test_no_best_tag_on_a_series_kept_whole(qtbot, window):  # noqa: F811
    from PySide6.QtGui import QFontMetrics

    from app.gui.models import Role
    from app.gui.views.image_pane import caption_layout

    controller = window.controller
    controller.set_view(View.LOUPE)
    series = controller.current_series()
    best = series.best
    controller.select_frame(best.photo_id)
    strip = controller.strip_model
    metrics = QFontMetrics(window.font())

    def tagged() -> tuple[bool, bool]:
        frame, series = controller.current_frame(), controller.current_series()
        in_strip = strip.index(strip.row_of(frame.photo_id)).data(Role.Best)
        caption = caption_layout(metrics, 800, 600, frame, "Fit", series).tail_text
        return bool(in_strip), "BEST" in caption

    assert tagged() == (True, True)
    while not controller.current_series().keeps_every_frame:
        press(qtbot, window, Qt.Key.Key_K)  # burst -> bracket
    assert tagged() == (False, False), "a bracket has no pick: no BEST tag"


def test_a_long_error_is_shortened_beside_its_buttons_not_hidden_under_them(qtbot, window):  # noqa: F811
    window.resize(1280, 720)
    long_path = "/photos/" + "very_long_folder_name_" * 20 + "IMG_0001.CR3"
    window.bus.error.emit(long_path, "the file is truncated")
    bar = window.messages
    qtbot.waitUntil(bar.isVisible)
    qtbot.wait(20)
    label = bar.label
    shown = label.text()
    assert "…" in shown, "shortened"
    assert shown.endswith("the file is truncated"), "the cause stays readable"
    assert label.fontMetrics().horizontalAdvance(shown) <= label.contentsRect().width()
    assert label.geometry().right() < bar.details.geometry().left(), "not under the buttons"
    assert long_path in label.toolTip()


def test_at_1280_by_720_the_counts_fit_and_histograms_leave_the_photo(qtbot, window):  # noqa: F811
    window.resize(1280, 720)
    window.controller.commands.run("toggle_compare")
    window.controller.advance(1)
    window.controller.commands.run("toggle_compare")
    window.controller.set_view(View.COMPARE)
    qtbot.wait(50)
    counts = window.summary.counts
    shown = counts.shown_text()
    assert "…" not in shown and "decided" in shown and "picks" in shown, shown
    assert "your picks" in counts.toolTip(), "the whole text is in the tooltip"
    thumbs = window.controller.thumbnails
    panes = [p for p in window.compare.panes if p.isVisible() and p.frame is not None]
    assert len(panes) >= 2
    for pane in panes:
        qtbot.waitUntil(lambda p=pane: p.frame.path in thumbs.histograms, timeout=30_000)
        picture = pane._histogram_picture(thumbs.histograms[pane.frame.path])
        assert picture.width() <= pane.width() / 4 + 1
        assert picture.height() <= pane.height() / 5 + 1


def sharpest_last(shoot, bursts: int = 2, frames: int = 4):
    """Bursts whose sharpest frame (the technical scorer's best) was taken last."""
    from datetime import datetime, timedelta

    from gui_fixtures import scene, write_jpeg
    from PIL import ImageFilter

    shoot.mkdir(parents=True)
    start = datetime(2024, 5, 1, 10, 0, 0)
    for b in range(bursts):
        picture = scene(b + 1, (320, 240))
        for f in range(frames):
            blur = (frames - 1 - f) * 1.5
            image = picture.filter(ImageFilter.GaussianBlur(radius=blur)) if blur else picture
            when = start + timedelta(minutes=b, seconds=0.2 * f)
            write_jpeg(shoot / f"B{b:02d}_F{f:02d}.jpg", image, when)
    return shoot


def test_the_filmstrip_can_follow_capture_order(qtbot, gui_env, tmp_path):  # noqa: F811
    win = new_window(qtbot, gui_env)
    win.controller.open_folder(sharpest_last(tmp_path / "shoot"))
    settle(qtbot, win)
    controller = win.controller
    strip = controller.strip_model

    def positions() -> list[list[int]]:
        by_series: dict[int, list[int]] = {}
        for frame in strip.frames():
            by_series.setdefault(frame.series_id, []).append(frame.position)
        return list(by_series.values())

    assert all(p != sorted(p) for p in positions()), "best first: not capture order"
    win.commands.action("strip_capture_order").trigger()
    assert all(p == sorted(p) for p in positions())
    assert win.settings.strip_capture_order.value, "kept for the next time"
    controller.set_view(View.LOUPE)
    first = strip.frame_at(0)
    controller.select_frame(first.photo_id)
    press(qtbot, win, Qt.Key.Key_Right)
    assert controller.current_frame().position == first.position + 1, "← → follow the strip"
    win.commands.action("strip_capture_order").trigger()
    assert all(p != sorted(p) for p in positions())
    win.shutdown()
