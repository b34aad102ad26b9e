"""Loupe: the current frame alone, fit to the window or at 100 % (Z) with panning."""

from __future__ import annotations

from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.gui.items import FrameItem
from app.gui.thumbnails import ThumbnailManager
from app.gui.views.image_pane import ImagePane, ViewState


class LoupeView(QWidget):
    def __init__(self, thumbnails: ThumbnailManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = ViewState(self)
        self.pane = ImagePane(thumbnails, self.state, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pane)

    def show_frame(self, frame: FrameItem | None) -> None:
        """Zoom and centre carry over between frames, so the same spot is checked on each."""
        self.pane.set_frame(frame)

    def toggle_zoom(self, global_cursor: QPointF | None = None) -> None:
        at = None
        if global_cursor is not None:
            local = self.pane.mapFromGlobal(global_cursor.toPoint())
            if self.pane.rect().contains(local):
                at = QPointF(local)
        self.pane.toggle_zoom(at)
