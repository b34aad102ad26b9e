"""Status-bar progress for the background cull, with a cancel button.

``QProgressBar.setValue`` repaints at once, and with it whatever else in the window is
waiting to be painted; a cull reports every photo, so the panel shows the newest report
at most every ``INTERVAL_MS`` instead of painting the window hundreds of times.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

INTERVAL_MS = 100


class ProgressPanel(QWidget):
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel(self)
        self.bar = QProgressBar(self)
        self.bar.setFixedWidth(220)
        self.cancel = QToolButton(self)
        self.cancel.setText("Cancel")
        self.cancel.clicked.connect(self.cancel_requested)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel)
        self._latest: tuple[str, int, int, str] | None = None
        self._timer = QTimer(self, singleShot=True, interval=INTERVAL_MS)
        self._timer.timeout.connect(self._show_latest)
        self.hide()

    def start(self) -> None:
        self._timer.stop()
        self._latest = None
        self.label.setText("Scanning…")
        self.bar.setRange(0, 0)
        self.cancel.setEnabled(True)
        self.show()

    def update_progress(self, stage: str, done: int, total: int, message: str = "") -> None:
        """Remember the report; it is shown within ``INTERVAL_MS``."""
        self._latest = (stage, done, total, message)
        if not self._timer.isActive():
            self._timer.start()

    def _show_latest(self) -> None:
        if self._latest is None:
            return
        (stage, done, total, message), self._latest = self._latest, None
        self.label.setText(message or stage.capitalize())
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
            self.bar.setFormat(f"{stage} %v/%m")
        else:
            self.bar.setRange(0, 0)

    def finish(self) -> None:
        self._timer.stop()
        self._latest = None
        self.hide()
