"""A list view whose rows carry ids (Role.Id): select by id, follow the controller's selection."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Signal
from PySide6.QtWidgets import QListView

from app.gui.models import Role


class KeyedListView(QListView):
    """``activated_id`` carries the id of a row the photographer made current (never -1).

    Rows made current by ``select_id`` (the controller's selection shown) do not emit it.
    """

    activated_id = Signal(int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._following = False

    def setModel(self, model) -> None:
        super().setModel(model)
        self.selectionModel().currentChanged.connect(self._on_current)

    def current_id(self) -> int:
        idx = self.currentIndex()
        return idx.data(Role.Id) if idx.isValid() else -1

    def index_of(self, key: int) -> QModelIndex:
        model = self.model()
        for row in range(model.rowCount()):
            idx = model.index(row, 0)
            if idx.data(Role.Id) == key:
                return idx
        return QModelIndex()

    def select_id(self, key: int) -> bool:
        """Show ``key`` as the current row (without reporting it back)."""
        idx = self.index_of(key)
        self._following = True
        try:
            if not idx.isValid():
                self.selectionModel().clear()
                return False
            if idx != self.currentIndex() or not self.selectionModel().isSelected(idx):
                self.selectionModel().setCurrentIndex(
                    idx, QItemSelectionModel.SelectionFlag.ClearAndSelect
                )
            self.scrollTo(idx)
            return True
        finally:
            self._following = False

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not self._following and current.isValid():
            self.activated_id.emit(current.data(Role.Id))
