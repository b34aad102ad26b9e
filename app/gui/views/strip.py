"""The frame strip: frames of the selected series ordered by rank, best first."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSize, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from app.gui.delegates import CAPTION_HEIGHT, FrameDelegate
from app.gui.models import FrameStripModel, Role


class StripView(QListView):
    """Horizontal, single row; extended selection picks the frames to compare."""

    current_frame = Signal(int)

    def __init__(self, model: FrameStripModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.strip_model = model
        size = model.thumbnail_size
        self.setItemDelegate(FrameDelegate(QSize(size + 20, int(size * 0.75) + 20 + CAPTION_HEIGHT), self))
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setUniformItemSizes(True)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys go to the window's actions
        self.setFixedHeight(int(size * 0.75) + 20 + CAPTION_HEIGHT + 8)
        self.selectionModel().currentChanged.connect(self._on_current)

    def current_frame_id(self) -> int:
        idx = self.currentIndex()
        return idx.data(Role.Id) if idx.isValid() else -1

    def select_frame(self, photo_id: int) -> bool:
        row = self.strip_model.row_of(photo_id)
        if row < 0:
            return False
        idx = self.strip_model.index(row)
        self.selectionModel().setCurrentIndex(idx, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.scrollTo(idx)
        return True

    def move(self, step: int) -> bool:
        row = self.currentIndex().row() + step if self.currentIndex().isValid() else 0
        if not 0 <= row < self.strip_model.rowCount():
            return False
        return self.select_frame(self.strip_model.index(row).data(Role.Id))

    def selected_frame_ids(self) -> list[int]:
        rows = sorted(i.row() for i in self.selectionModel().selectedIndexes())
        return [self.strip_model.index(r).data(Role.Id) for r in rows]

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.current_frame.emit(current.data(Role.Id) if current.isValid() else -1)
