"""Status-bar progress for the background cull, with a cancel button.

``QProgressBar.setValue`` repaints at once, and with it whatever else in the window is
waiting to be painted; a cull reports every photo, so the panel shows the newest report
at most every ``INTERVAL_MS`` instead of painting the window hundreds of times.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from app.gui.bus import SignalBus
from app.pipeline import ProgressEvent, Stage

INTERVAL_MS = 100


class ProgressPanel(QWidget):
    """Follows the cull on the bus; the Cancel button calls ``cancel``."""

    def __init__(
        self, bus: SignalBus, cancel: Callable[[], None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel(self)
        self.bar = QProgressBar(self)
        self.bar.setFixedWidth(220)
        self.cancel = QToolButton(self)
        self.cancel.setText("Cancel")
        self.cancel.clicked.connect(cancel)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel)
        self._latest: ProgressEvent | None = None
        self._timer = QTimer(self, singleShot=True, interval=INTERVAL_MS)
        self._timer.timeout.connect(self._show_latest)
        self.hide()
        bus.cull_started.connect(self.start)
        bus.progress.connect(self.update_progress)
        bus.cull_finished.connect(lambda _summary: self.finish())

    def start(self) -> None:
        self._timer.stop()
        self._latest = None
        self.label.setText("Scanning…")
        self.bar.setRange(0, 0)
        self.cancel.setEnabled(True)
        self.show()

    def update_progress(self, event: ProgressEvent) -> None:
        """Remember the report; it is shown within ``INTERVAL_MS``."""
        if event.stage in (Stage.PROBLEM, Stage.NOTE):
            return
        self._latest = event
        if not self._timer.isActive():
            self._timer.start()

    def _show_latest(self) -> None:
        if self._latest is None:
            return
        event, self._latest = self._latest, None
        stage = str(event.stage)
        self.label.setText(event.message or stage.capitalize())
        if event.total > 0:
            self.bar.setRange(0, event.total)
            self.bar.setValue(min(event.done, event.total))
            self.bar.setFormat(f"{stage} %v/%m")
        else:
            self.bar.setRange(0, 0)

    def finish(self) -> None:
        self._timer.stop()
        self._latest = None
        self.hide()
