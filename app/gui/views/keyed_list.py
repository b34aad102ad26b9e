"""A list view over a filter proxy whose rows carry ids: follows the controller's selection."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Signal
from PySide6.QtWidgets import QListView

from app.gui.models import Role


class KeyedListView(QListView):
    """``activated_id`` carries the id of a row the photographer made current (never -1).

    Rows made current by ``select_id`` (the controller's selection shown) do not emit it.
    The model is a filter proxy of ``app.gui.models`` (``row_of`` finds a row by id).
    """

    activated_id = Signal(int)

    #: where a row made current is scrolled to
    scroll_hint = QListView.ScrollHint.EnsureVisible

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._following = False

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
