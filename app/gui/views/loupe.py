"""Loupe: the current frame alone, fit to the window or at 100 % (Z) with panning."""

from __future__ import annotations

from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.gui.commands import View
from app.gui.controller import CullController
from app.gui.items import FrameItem
from app.gui.prefetch import AHEAD, LoupePrefetcher
from app.gui.views.image_pane import ImagePane, ViewState


class LoupeView(QWidget):
    """Shows the controller's current frame while the loupe is the view."""

    def __init__(self, controller: CullController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.state = ViewState(self)
        self.pane = ImagePane(controller.thumbnails, self.state, self, controller.settings)
        self.prefetcher = LoupePrefetcher()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pane)
        bus = controller.bus
        bus.selection_changed.connect(lambda *_: self._follow())
        bus.view_changed.connect(lambda _view: self._follow())
        bus.frame_updated.connect(self._on_frame_updated)
        bus.series_changed.connect(lambda _series: self.pane.update())  # its kind, overlaid

    def _follow(self) -> None:
        if self.controller.view is View.LOUPE:
            self.show_frame(self.controller.current_frame())

    def _on_frame_updated(self, frame: FrameItem) -> None:
        if self.pane.frame is not None and self.pane.frame.photo_id == frame.photo_id:
            self.show_frame(frame)

    def show_frame(self, frame: FrameItem | None) -> None:
        """Zoom and centre carry over between frames, so the same spot is checked on each."""
        series = self.controller.series_item(frame.series_id) if frame is not None else None
        self.pane.set_frame(frame, series)
        if frame is not None:
            self._prefetch(frame)

    def _prefetch(self, frame: FrameItem) -> None:
        """Queue the decodes around ``frame`` along the strip as it is shown (filtered)."""
        proxy = self.controller.strip_proxy
        row = proxy.row_of(frame.photo_id)
        if row < 0:
            return
        rows = range(max(0, row - AHEAD), min(proxy.rowCount(), row + AHEAD + 1))
        frames = [self.controller.frame(proxy.key_at(r)) for r in rows]
        paths = [f.path if f is not None else "" for f in frames]
        plan = self.prefetcher.plan(paths, row - rows.start)
        self.controller.thumbnails.prefetch([key for key in plan if key[0]])

    def toggle_zoom(self, global_cursor: QPointF | None = None) -> None:
        """At the mouse pointer when it is over the photo, else at the last zoom point."""
        at = None
        if global_cursor is not None:
            local = QPointF(self.pane.mapFromGlobal(global_cursor.toPoint()))
            if self.pane.over_image(local):
                at = local
        self.pane.toggle_zoom(at)
