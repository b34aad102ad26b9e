"""The filmstrip: every frame of the shoot (as filtered), series after series, best first.

The current frame carries the bright border, frames of other series are dimmed, and a
line separates series.  Click a frame to make it current; Ctrl+click chooses it for
compare (as Shift+C does from the keyboard).
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from app.gui.controller import CullController
from app.gui.delegates import CAPTION_HEIGHT, FrameDelegate
from app.gui.models import Role
from app.gui.views.keyed_list import KeyedListView

SIDE_GAP = 4  # the series divider's room on the left of each cell


class StripView(KeyedListView):
    # a frame that left the view comes back in the middle, so the next frames show
    # without scrolling (and repainting) the strip at every key
    scroll_hint = QListView.ScrollHint.PositionAtCenter

    def __init__(self, controller: CullController, parent: QWidget | None = None) -> None:
        super().__init__(parent, controller.thumbnails)
        self.controller = controller
        self.setModel(controller.strip_proxy)
        size = controller.strip_model.thumbnail_size
        self.setItemDelegate(
            FrameDelegate(QSize(size + 20 + SIDE_GAP, int(size * 0.75) + 20 + CAPTION_HEIGHT), self)
        )
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setUniformItemSizes(True)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys go to the window's commands
        self.setFixedHeight(int(size * 0.75) + 20 + CAPTION_HEIGHT + 8)
        self.activated_id.connect(controller.select_frame)
        bus = controller.bus
        bus.selection_changed.connect(lambda _series, photo: self.select_id(photo))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        index = self.indexAt(event.position().toPoint())
        if index.isValid() and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.controller.toggle_compare(index.data(Role.Id))
            return
        super().mousePressEvent(event)
