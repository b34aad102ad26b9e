"""Compare: two to four frames side by side, zoom and pan locked together."""

from __future__ import annotations

from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QGridLayout, QWidget

from app.gui.commands import View
from app.gui.controller import CullController
from app.gui.items import FrameItem
from app.gui.thumbnails import ThumbnailManager
from app.gui.views.image_pane import ImagePane, ViewState

MAX_FRAMES = 4


class CompareView(QWidget):
    """Panes share one ViewState; the current frame's pane is outlined.

    With a controller it shows the frames the controller compares while compare is the
    view, and a click on a pane makes that frame current.
    """

    def __init__(
        self,
        thumbnails: ThumbnailManager,
        controller: CullController | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.state = ViewState(self)
        self._thumbs = thumbnails
        self.controller = controller
        self.panes: list[ImagePane] = []
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(2)
        if controller is not None:
            bus = controller.bus
            bus.compare_changed.connect(lambda _frames: self._follow())
            bus.view_changed.connect(lambda _view: self._follow())
            bus.selection_changed.connect(lambda _series, photo: self.set_current(photo))
            bus.frame_updated.connect(self.update_frame)
            bus.series_changed.connect(lambda _series: [p.update() for p in self.panes])

    def _follow(self) -> None:
        controller = self.controller
        if controller is not None and controller.view is View.COMPARE:
            self.show_frames(controller.frames_compared(), controller.photo_id)

    def frames(self) -> list[FrameItem]:
        return [p.frame for p in self.panes if p.frame is not None]

    def show_frames(self, frames: list[FrameItem], current_id: int) -> None:
        frames = frames[:MAX_FRAMES]
        if [f.photo_id for f in frames] != [f.photo_id for f in self.frames()]:
            self._rebuild(len(frames))
        for pane, frame in zip(self.panes, frames, strict=True):
            pane.set_frame(frame, self._series_of(frame))
        self.set_current(current_id)

    def _series_of(self, frame: FrameItem):  # noqa: ANN202 - SeriesItem | None
        return self.controller.series_item(frame.series_id) if self.controller else None

    def _rebuild(self, count: int) -> None:
        for pane in self.panes:
            self._grid.removeWidget(pane)
            pane.deleteLater()
        self.panes = []
        columns = 2 if count == 4 else max(count, 1)
        for i in range(count):
            settings = self.controller.settings if self.controller is not None else None
            pane = ImagePane(self._thumbs, self.state, self, settings)
            if self.controller is not None:
                pane.clicked.connect(self.controller.select_frame)
            self._grid.addWidget(pane, i // columns, i % columns)
            self.panes.append(pane)

    def set_current(self, photo_id: int) -> None:
        for pane in self.panes:
            pane.set_current(pane.frame is not None and pane.frame.photo_id == photo_id)

    def update_frame(self, frame: FrameItem) -> None:
        for pane in self.panes:
            if pane.frame is not None and pane.frame.photo_id == frame.photo_id:
                pane.set_frame(frame, self._series_of(frame))

    def toggle_zoom(self, global_cursor: QPointF | None = None) -> None:
        """Zoom at the cursor in the pane whose photo is under it; else, in the current
        pane, at the last zoom point (else the centre).  Every pane follows."""
        target, at = None, None
        for pane in self.panes:
            if global_cursor is not None:
                local = QPointF(pane.mapFromGlobal(global_cursor.toPoint()))
                if pane.over_image(local):
                    target, at = pane, local
                    break
        if target is None:
            target = next(
                (p for p in self.panes if p.current), self.panes[0] if self.panes else None
            )
        if target is not None:
            target.toggle_zoom(at)
