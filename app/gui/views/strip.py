"""The frame strip: frames of the selected series ordered by rank, best first."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from app.gui.controller import CullController
from app.gui.delegates import CAPTION_HEIGHT, FrameDelegate
from app.gui.models import Role
from app.gui.views.keyed_list import KeyedListView


class StripView(KeyedListView):
    """Horizontal, single row; extended selection (Ctrl+click) chooses the frames to compare."""

    def __init__(self, controller: CullController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        model = controller.strip_model
        self.setModel(model)
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
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys go to the window's commands
        self.setFixedHeight(int(size * 0.75) + 20 + CAPTION_HEIGHT + 8)
        self.activated_id.connect(controller.select_frame)
        self.selectionModel().selectionChanged.connect(
            lambda *_: controller.set_compare_choice(self.selected_frame_ids())
        )
        controller.bus.selection_changed.connect(lambda _series, photo: self.select_id(photo))

    def selected_frame_ids(self) -> list[int]:
        rows = sorted(i.row() for i in self.selectionModel().selectedIndexes())
        return [self.model().index(r, 0).data(Role.Id) for r in rows]
