"""The centre of the window: the series grid, the loupe or compare, whichever is the view."""

from __future__ import annotations

from PySide6.QtCore import QPointF
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QStackedWidget, QWidget

from app.gui.commands import View, command
from app.gui.controller import CullController
from app.gui.views.compare import CompareView
from app.gui.views.loupe import LoupeView
from app.gui.views.series_list import SeriesListView


class ViewStack(QStackedWidget):
    """Switches with the controller's view and gives the shown view the keyboard focus;
    owns what the image views show over the photo (zoom, info, histogram)."""

    def __init__(self, controller: CullController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.settings = controller.settings
        self.series_view = SeriesListView(controller, self)
        self.loupe = LoupeView(controller, self)
        self.compare = CompareView(controller.thumbnails, controller, self)
        self._pages = {
            View.SERIES: self.series_view,
            View.LOUPE: self.loupe,
            View.COMPARE: self.compare,
        }
        for page in self._pages.values():
            self.addWidget(page)
        controller.bus.view_changed.connect(self._on_view)
        controller.commands.register(self)
        for name, setting in (
            ("info", self.settings.info_overlay),
            ("histogram", self.settings.histogram),
            ("face_boxes", self.settings.face_boxes),
            ("why_regions", self.settings.why_regions),
        ):
            controller.commands.set_checked(name, setting.value)
            setting.changed.connect(controller.commands.get(name).set_checked)

    def _on_view(self, view: str) -> None:
        page = self._pages[View(view)]
        self.setCurrentWidget(page)
        page.setFocus()

    @command("Zoom 100% / fit", keys=("Z",))
    def zoom(self) -> None:
        """100 % at the mouse pointer when it is over the photo, else at the last zoom
        point (else the centre); fit again when zoomed.  Opens the loupe from the grid."""
        cursor = QPointF(QCursor.pos())
        if self.controller.view is View.COMPARE:
            self.compare.toggle_zoom(cursor)
            return
        if self.controller.view is not View.LOUPE:
            self.controller.set_view(View.LOUPE)
        self.loupe.toggle_zoom(cursor)

    @command("Photo information", keys=("I",), checkable=True)
    def info(self) -> None:
        """EXIF, score, rank, model and decision over the photo in loupe and compare."""
        self.settings.info_overlay.toggle()

    @command("Histogram and clipping", keys=("H",), checkable=True)
    def histogram(self) -> None:
        self.settings.histogram.toggle()

    @command("Face boxes", keys=("B",), checkable=True)
    def face_boxes(self) -> None:
        """The faces the cull found, boxed over the photo in loupe and compare: red where
        the eyes are closed, green where open, grey where they could not be judged."""
        self.settings.face_boxes.toggle()

    @command("Why this frame", keys=("W",), checkable=True)
    def why_regions(self) -> None:
        """Outlines where the pick beat the runner-up, over both frames in loupe and
        compare (solid on the pick, dashed on the runner-up); the details say how."""
        self.settings.why_regions.toggle()
