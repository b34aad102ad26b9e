"""The frame strip: frames of the selected series ordered by rank, best first."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from app.gui.delegates import CAPTION_HEIGHT, FrameDelegate
from app.gui.models import FrameStripModel, Role
from app.gui.views.keyed_list import KeyedListView


class StripView(KeyedListView):
    """Horizontal, single row; extended selection picks the frames to compare.

    ``current_changed`` carries the photo id of the current frame.
    """

    def __init__(self, model: FrameStripModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.strip_model = model
        size = model.thumbnail_size
        self.setItemDelegate(
            FrameDelegate(QSize(size + 20, int(size * 0.75) + 20 + CAPTION_HEIGHT), self)
        )
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setUniformItemSizes(True)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys go to the window's actions
        self.setFixedHeight(int(size * 0.75) + 20 + CAPTION_HEIGHT + 8)

    def selected_frame_ids(self) -> list[int]:
        rows = sorted(i.row() for i in self.selectionModel().selectedIndexes())
        return [self.strip_model.index(r).data(Role.Id) for r in rows]
