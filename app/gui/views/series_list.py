"""The series grid: every series as its best frame, with badges; filterable."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from app.gui import theme
from app.gui.delegates import CAPTION_HEIGHT, SeriesDelegate
from app.gui.models import Role, SeriesFilterProxy, SeriesListModel


class SeriesListView(QListView):
    """Icon-mode grid over a filter proxy; emits the current series id."""

    current_series = Signal(int)

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
        self.selectionModel().currentChanged.connect(self._on_current)
        self.proxy.modelReset.connect(self._keep_current)
        self.proxy.layoutChanged.connect(self._keep_current)
        self.proxy.rowsRemoved.connect(self._keep_current)

    placeholder = "Open a folder of photos (Ctrl+O), or drop one here"

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.proxy.rowCount() == 0:
            painter = QPainter(self.viewport())
            painter.setPen(theme.TEXT_DIM)
            text = self.placeholder if self.source.rowCount() == 0 else "No series match the filter"
            painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, text)

    @staticmethod
    def _cell(size: int) -> QSize:
        return QSize(size + 24, int(size * 0.75) + 24 + CAPTION_HEIGHT)

    def set_thumbnail_size(self, size: int) -> None:
        self.source.set_thumbnail_size(size)
        self.delegate.cell = self._cell(size)
        self.doItemsLayout()

    def current_series_id(self) -> int:
        idx = self.currentIndex()
        return idx.data(Role.Id) if idx.isValid() else -1

    def select_series(self, series_id: int) -> bool:
        source_row = self.source.row_of(series_id)
        if source_row < 0:
            return False
        idx = self.proxy.mapFromSource(self.source.index(source_row))
        if not idx.isValid():
            return False
        self.selectionModel().setCurrentIndex(
            idx, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        self.scrollTo(idx)
        return True

    def move(self, step: int) -> bool:
        """Select the series ``step`` rows away in the filtered order; False at either end."""
        row = self.currentIndex().row() + step if self.currentIndex().isValid() else 0
        if not 0 <= row < self.proxy.rowCount():
            return False
        idx = self.proxy.index(row, 0)
        self.selectionModel().setCurrentIndex(idx, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.scrollTo(idx)
        return True

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.current_series.emit(current.data(Role.Id) if current.isValid() else -1)

    def _keep_current(self, *args) -> None:
        """After a reload or a filter change, keep a current series if there is any."""
        if not self.currentIndex().isValid() and self.proxy.rowCount():
            self.move(0)
        elif not self.proxy.rowCount():
            self.current_series.emit(-1)
