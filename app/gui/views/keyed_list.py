"""A list view over a filter proxy whose rows carry ids: follows the controller's selection,
and tells the thumbnail manager which tiles it shows (the others' decodes are cancelled)."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QRect, QTimer, Signal
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QListView

from app.gui.models import Role
from app.gui.thumbnails import ThumbnailManager

#: the tiles on screen are reported once painting pauses this long (not at every frame of a
#: scroll)
ON_SCREEN_MS = 50


class KeyedListView(QListView):
    """``activated_id`` carries the id of a row the photographer made current (never -1).

    Rows made current by ``select_id`` (the controller's selection shown) do not emit it.
    The model is a filter proxy of ``app.gui.models`` (``row_of`` finds a row by id).
    """

    activated_id = Signal(int)

    #: where a row made current is scrolled to
    scroll_hint = QListView.ScrollHint.EnsureVisible

    def __init__(self, parent=None, thumbnails: ThumbnailManager | None = None) -> None:
        super().__init__(parent)
        self._following = False
        self._thumbnails = thumbnails
        self._report = QTimer(self)
        self._report.setSingleShot(True)
        self._report.setInterval(ON_SCREEN_MS)
        self._report.timeout.connect(self.report_on_screen)

    def setModel(self, model) -> None:
        super().setModel(model)
        self.selectionModel().currentChanged.connect(self._on_current)

    def index_of(self, key: int) -> QModelIndex:
        row = self.model().row_of(key)
        return self.model().index(row, 0) if row >= 0 else QModelIndex()

    def select_id(self, key: int) -> bool:
        """Show ``key`` as the current row (without reporting it back)."""
        idx = self.index_of(key)
        self._following = True
        try:
            if not idx.isValid():
                self.selectionModel().clearCurrentIndex()
                return False
            if idx != self.currentIndex():
                self.selectionModel().setCurrentIndex(
                    idx, QItemSelectionModel.SelectionFlag.ClearAndSelect
                )
            if not self.viewport().rect().contains(self.visualRect(idx)):
                self.scrollTo(idx, self.scroll_hint)  # only when it left the view
            return True
        finally:
            self._following = False

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not self._following and current.isValid():
            self.activated_id.emit(current.data(Role.Id))

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self._thumbnails is not None:
            self._report.start()  # a scroll or a resize is a paint

    def rows_on_screen(self) -> range:
        """The rows whose tiles meet the viewport (rows are laid out in order: left to right
        in the strip, row after row in the grid, so the first is found by bisection)."""
        model, screen = self.model(), self.viewport().rect()
        count = model.rowCount() if model is not None else 0

        def before(rect: QRect) -> bool:
            return rect.bottom() < screen.top() or rect.right() < screen.left()

        def after(rect: QRect) -> bool:
            return rect.top() > screen.bottom() or rect.left() > screen.right()

        low, high = 0, count
        while low < high:
            middle = (low + high) // 2
            if before(self.visualRect(model.index(middle, 0))):
                low = middle + 1
            else:
                high = middle
        end = low
        while end < count and not after(self.visualRect(model.index(end, 0))):
            end += 1
        return range(low, end)

    def report_on_screen(self) -> None:
        """Tell the thumbnail manager which thumbnails this view shows now."""
        model = self.model()
        if self._thumbnails is None or model is None:
            return
        size = model.sourceModel().thumbnail_size
        paths = (model.index(row, 0).data(Role.Path) for row in self.rows_on_screen())
        self._thumbnails.on_screen(self, {(path, size) for path in paths if path})
