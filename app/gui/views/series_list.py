"""The series grid: every series as its best frame, with badges; filterable and zoomable."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from app.gui import theme
from app.gui.commands import View, command
from app.gui.controller import CullController
from app.gui.delegates import CAPTION_HEIGHT, SeriesDelegate
from app.gui.settings import THUMBNAIL_MAX, THUMBNAIL_MIN
from app.gui.views.keyed_list import KeyedListView

THUMBNAIL_STEP = 1.25  # one Ctrl+plus makes tiles a quarter larger


class SeriesListView(KeyedListView):
    """Icon-mode grid over the controller's filtered series; shows its current series."""

    def __init__(self, controller: CullController, parent: QWidget | None = None) -> None:
        super().__init__(parent, controller.thumbnails)
        self.controller = controller
        self.settings = controller.settings
        self.proxy = controller.series_proxy
        self.setModel(self.proxy)
        self.delegate = SeriesDelegate(self._cell(self.settings.thumbnail_size.value), self)
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
        bus = controller.bus
        bus.selection_changed.connect(lambda series_id, _frame: self.select_id(series_id))
        for signal in (bus.cull_started, bus.series_reloaded):
            signal.connect(self.viewport().update)
        bus.cull_finished.connect(lambda _summary: self.viewport().update())
        self.settings.thumbnail_size.changed.connect(self._resize_cells)
        controller.commands.register(self)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.proxy.rowCount() == 0:
            painter = QPainter(self.viewport())
            try:
                painter.setPen(theme.TEXT_DIM)
                painter.drawText(
                    self.viewport().rect(),
                    Qt.AlignmentFlag.AlignCenter,
                    self.controller.state_text(),
                )
            finally:
                painter.end()

    @staticmethod
    def _cell(size: int) -> QSize:
        return QSize(size + 24, int(size * 0.75) + 24 + CAPTION_HEIGHT)

    def _resize_cells(self, size: int) -> None:
        self.delegate.cell = self._cell(size)
        self.doItemsLayout()
        self.scrollTo(self.currentIndex())

    @command("Larger thumbnails", keys=("Ctrl++", "Ctrl+="))
    def larger_thumbnails(self) -> None:
        self._step_size(THUMBNAIL_STEP)

    @command("Smaller thumbnails", keys=("Ctrl+-",))
    def smaller_thumbnails(self) -> None:
        self._step_size(1 / THUMBNAIL_STEP)

    def _step_size(self, factor: float) -> None:
        size = round(self.settings.thumbnail_size.value * factor)
        self.settings.thumbnail_size.value = min(max(size, THUMBNAIL_MIN), THUMBNAIL_MAX)

    def visible_series(self) -> int:
        """How many tiles the grid shows whole without scrolling."""
        cell = self.delegate.cell
        columns = max(1, self.viewport().width() // (cell.width() + 2 * self.spacing()))
        rows = max(1, self.viewport().height() // (cell.height() + 2 * self.spacing()))
        return min(self.proxy.rowCount(), columns * rows)
