"""Details panel: capture time, camera, exposure, file names, model and score."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QFrame, QLabel, QVBoxLayout, QWidget

from app.gui.controller import CullController
from app.gui.facts import FIELDS, frame_facts
from app.gui.items import FrameItem, SeriesItem
from app.text import printable


class DetailsPanel(QFrame):
    """What is known about the current frame; EXIF details fill in once they were read."""

    def __init__(self, controller: CullController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setObjectName("details")
        self.setMinimumWidth(240)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        self.title = QLabel("No photo", self)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setObjectName("detailsTitle")
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setHorizontalSpacing(10)
        self.values: dict[str, QLabel] = {}
        for name in FIELDS:
            key = QLabel(name, self)
            key.setProperty("role", "key")
            value = QLabel("–", self)
            value.setTextFormat(Qt.TextFormat.PlainText)  # file names are never markup
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(key, value)
            self.values[name] = value
        layout.addLayout(form)
        layout.addStretch(1)
        controller.bus.selection_changed.connect(lambda *_: self._follow())
        controller.bus.frame_updated.connect(self._on_frame_updated)
        controller.bus.series_changed.connect(self._on_series_changed)

    def _follow(self) -> None:
        self.show_frame(self.controller.current_frame(), self.controller.current_series())

    def _on_frame_updated(self, frame: FrameItem) -> None:
        if frame.photo_id == self.controller.photo_id:
            self._follow()

    def _on_series_changed(self, series_id: int) -> None:
        if series_id == self.controller.series_id:
            self._follow()

    def show_frame(self, frame: FrameItem | None, series: SeriesItem | None = None) -> None:
        if frame is None:
            self.title.setText("No photo")
            for label in self.values.values():
                label.setText("–")
            return
        self.title.setText(printable(frame.file_names[0]))
        for name, text in frame_facts(frame, series).items():
            self.values[name].setText(text)
