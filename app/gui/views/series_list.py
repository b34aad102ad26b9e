"""The series grid: every series as its best frame, with badges; filterable."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from app.gui import theme
from app.gui.commands import View
from app.gui.controller import CullController
from app.gui.delegates import CAPTION_HEIGHT, SeriesDelegate
from app.gui.views.keyed_list import KeyedListView


class SeriesListView(KeyedListView):
    """Icon-mode grid over the controller's filtered series; shows its current series."""

    placeholder = "Open a folder of photos (Ctrl+O), or drop one here"

    def __init__(self, controller: CullController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.proxy = controller.series_proxy
        self.setModel(self.proxy)
        self.delegate = SeriesDelegate(self._cell(controller.series_model.thumbnail_size), self)
        self.setItemDelegate(self.delegate)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setSpacing(2)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.activated_id.connect(controller.select_series)
        self.doubleClicked.connect(lambda _index: controller.set_view(View.LOUPE))
        controller.bus.selection_changed.connect(
            lambda series_id, _frame: self.select_id(series_id)
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.proxy.rowCount() == 0:
            painter = QPainter(self.viewport())
            try:
                painter.setPen(theme.TEXT_DIM)
                text = (
                    self.placeholder
                    if self.controller.series_model.rowCount() == 0
                    else "No series match the filter"
                )
                painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, text)
            finally:
                painter.end()

    @staticmethod
    def _cell(size: int) -> QSize:
        return QSize(size + 24, int(size * 0.75) + 24 + CAPTION_HEIGHT)
