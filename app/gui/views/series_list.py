"""The series grid: every series as its best frame, with badges; filterable."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from app.gui import theme
from app.gui.delegates import CAPTION_HEIGHT, SeriesDelegate
from app.gui.models import SeriesFilterProxy, SeriesListModel
from app.gui.views.keyed_list import KeyedListView


class SeriesListView(KeyedListView):
    """Icon-mode grid over a filter proxy; ``current_changed`` carries the series id."""

    def __init__(self, model: SeriesListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source = model
        self.proxy = SeriesFilterProxy(self)
        self.proxy.setSourceModel(model)
        # a series just decided stays in place until the filter or the folder changes,
        # so culling inside "Unreviewed" does not pull the series from under the cursor
        self.proxy.setDynamicSortFilter(False)
        self.setModel(self.proxy)
        self.delegate = SeriesDelegate(self._cell(model.thumbnail_size), self)
        self.setItemDelegate(self.delegate)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setSpacing(2)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.proxy.modelReset.connect(self._keep_current)
        self.proxy.layoutChanged.connect(self._keep_current)
        self.proxy.rowsRemoved.connect(self._keep_current)

    placeholder = "Open a folder of photos (Ctrl+O), or drop one here"

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.proxy.rowCount() == 0:
            painter = QPainter(self.viewport())
            try:
                painter.setPen(theme.TEXT_DIM)
                text = (
                    self.placeholder
                    if self.source.rowCount() == 0
                    else "No series match the filter"
                )
                painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, text)
            finally:
                painter.end()

    @staticmethod
    def _cell(size: int) -> QSize:
        return QSize(size + 24, int(size * 0.75) + 24 + CAPTION_HEIGHT)

    def set_thumbnail_size(self, size: int) -> None:
        self.source.set_thumbnail_size(size)
        self.delegate.cell = self._cell(size)
        self.doItemsLayout()

    def _keep_current(self, *args) -> None:
        """After a reload or a filter change, keep a current series if there is any."""
        if not self.currentIndex().isValid() and self.proxy.rowCount():
            self.move(0)
        elif not self.proxy.rowCount():
            self.current_changed.emit(-1)
