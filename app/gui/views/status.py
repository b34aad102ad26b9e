"""The status bar: messages, the cull's progress and the folder's counts."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from app.gui.controller import CullController
from app.gui.views.progress import ProgressPanel

MESSAGE_MS = 5000


class StatusBar(QStatusBar):
    def __init__(self, controller: CullController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.progress = ProgressPanel(controller.bus, controller.cancel, self)
        self.counts = QLabel(self)
        self.addPermanentWidget(self.progress)
        self.addPermanentWidget(self.counts)
        bus = controller.bus
        bus.message.connect(lambda text: self.showMessage(text, MESSAGE_MS))
        bus.series_reloaded.connect(self._update_counts)
        bus.decision_changed.connect(lambda _photo: self._update_counts())

    def _update_counts(self) -> None:
        self.counts.setText(self.controller.counts_text())
