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
