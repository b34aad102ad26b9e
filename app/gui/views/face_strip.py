"""The face close-up strip: each person of the current series, in every frame, at 100 %.

Above the filmstrip, switched on and off with E.  A row is one person (largest face
first), a column one frame (best first, as in the filmstrip); a click makes that frame
current.  Faces are cut from the originals on worker threads and fill in as they arrive.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from app.gui import theme
from app.gui.commands import command
from app.gui.controller import CullController
from app.gui.delegates import FaceDelegate
from app.gui.models import Role

ROWS_SHOWN = 2  # people shown without scrolling
EMPTY_HEIGHT = 34


class FaceStripView(QTableView):
    """Follows the controller's face model; hidden unless the face strip is switched on."""

    def __init__(self, controller: CullController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.settings = controller.settings
        self.model_ = controller.face_model
        self.setModel(self.model_)
        self.setItemDelegate(FaceDelegate(self))
        self.setShowGrid(False)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys go to the window's commands
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().hide()
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.horizontalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        self.clicked.connect(self._on_clicked)
        self.model_.modelReset.connect(self._fit)
        self.controller.bus.selection_changed.connect(lambda _series, photo: self._follow(photo))
        controller.commands.register(self)
        controller.commands.set_checked("face_strip", self.settings.face_strip.value)
        self.settings.face_strip.changed.connect(controller.commands.get("face_strip").set_checked)
        self.settings.face_strip.changed.connect(self.setVisible)
        self.setVisible(self.settings.face_strip.value)
        self._fit()

    @command("Face close-ups of the series", keys=("E",), checkable=True, tip="Faces")
    def face_strip(self) -> None:
        """Every face of the current series side by side at 100 %, frame by frame."""
        self.settings.face_strip.toggle()

    def _fit(self) -> None:
        """Cells as large as each person's tile; the strip as tall as the first people."""
        model = self.model_
        for row in range(model.rowCount()):
            self.setRowHeight(row, model.tile(row).height() + 2 * FaceDelegate.PAD)
        width = max((model.tile(r).width() for r in range(model.rowCount())), default=0)
        for column in range(model.columnCount()):
            self.setColumnWidth(column, width + 2 * FaceDelegate.PAD)
        if model.rowCount() == 0:
            self.horizontalHeader().hide()
            self.setFixedHeight(EMPTY_HEIGHT)
            return
        self.horizontalHeader().show()
        rows = sum(self.rowHeight(r) for r in range(min(model.rowCount(), ROWS_SHOWN)))
        scroll = self.horizontalScrollBar().sizeHint().height()
        self.setFixedHeight(rows + self.horizontalHeader().sizeHint().height() + scroll + 4)
        self._follow(self.controller.photo_id)

    def _follow(self, photo_id: int) -> None:
        column = self.model_.column_of(photo_id)
        if column >= 0 and self.model_.rowCount():
            self.scrollTo(self.model_.index(0, column), QAbstractItemView.ScrollHint.EnsureVisible)

    def _on_clicked(self, index: QModelIndex) -> None:
        photo_id = index.data(Role.Id)
        if photo_id is not None:
            self.controller.select_frame(photo_id)

    def empty_text(self) -> str:
        """What the strip says when it has no face to show."""
        model = self.model_
        if model.series is None:
            return "No series selected"
        if not model.analysed():
            return "The faces of this series were not analysed (not yet, or the cull ran without)"
        return "No faces found in this series"

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.model_.rowCount() == 0:
            painter = QPainter(self.viewport())
            try:
                painter.setPen(theme.TEXT_DIM)
                painter.drawText(
                    self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, self.empty_text()
                )
            finally:
                painter.end()
