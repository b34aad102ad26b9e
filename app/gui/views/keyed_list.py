"""A list view whose rows carry ids (Role.Id): select by id, step through, report the current id."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Signal
from PySide6.QtWidgets import QListView

from app.gui.models import Role


class KeyedListView(QListView):
    current_changed = Signal(int)  # the current row's id, -1 for none

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
        return self._select(self.index_of(key))

    def move(self, step: int) -> bool:
        """Make the row ``step`` rows away current; False past either end."""
        row = self.currentIndex().row() + step if self.currentIndex().isValid() else 0
        if not 0 <= row < self.model().rowCount():
            return False
        return self._select(self.model().index(row, 0))

    def _select(self, idx: QModelIndex) -> bool:
        if not idx.isValid():
            return False
        self.selectionModel().setCurrentIndex(idx, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.scrollTo(idx)
        return True

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.current_changed.emit(current.data(Role.Id) if current.isValid() else -1)
