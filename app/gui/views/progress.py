"""Status-bar progress for the background cull: stage, count, photos/s, time left, Cancel.

``QProgressBar.setValue`` repaints at once, and with it whatever else in the window is
waiting to be painted; a cull reports every photo, so the panel shows the newest report
at most every ``INTERVAL_MS`` instead of painting the window hundreds of times.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from app.gui.bus import SignalBus
from app.pipeline import ProgressEvent, Stage

INTERVAL_MS = 100
MIN_RATE_S = 1.0  # photos/s and time left once a stage has run this long
STAGE_WORDS = {
    Stage.SCAN: "Scanning",
    Stage.READ: "Reading",
    Stage.GROUP: "Grouping",
    Stage.RANK: "Ranking",
    Stage.SIDECARS: "Writing sidecars",
    Stage.MOVES: "Moving rejects",
    Stage.DONE: "Done",
}


def duration_text(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class StageClock:
    """Times each stage of a cull: how many photos per second, how long until it ends.

    Reading counts photos; ranking counts series, and the photos in them for the rate.
    """

    def __init__(self) -> None:
        self.stage: Stage | None = None
        self.started = 0.0
        self.photos = 0  # photos done in this stage

    def update(self, event: ProgressEvent, now: float) -> None:
        if event.stage is not self.stage:
            self.stage, self.started, self.photos = event.stage, now, 0
        if event.stage is Stage.READ:
            self.photos = event.done
        elif event.stage is Stage.RANK and event.series is not None:
            self.photos += len(event.series.members)

    def text(self, event: ProgressEvent, now: float) -> str:
        """``Reading 120 of 300 · 45 photos/s · 4 s left``."""
        words = [STAGE_WORDS.get(event.stage, str(event.stage).capitalize())]
        if event.total > 0:
            unit = " series" if event.stage is Stage.RANK else ""
            words[0] += f" {event.done} of {event.total}{unit}"
        elapsed = now - self.started
        if elapsed >= MIN_RATE_S and 0 < event.done < event.total:
            if self.photos:
                words.append(f"{self.photos / elapsed:.1f} photos/s")
            left = elapsed * (event.total - event.done) / event.done
            words.append(f"{duration_text(left)} left")
        return " · ".join(words)


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
        self.bar.setFixedWidth(160)
        self.bar.setTextVisible(False)
        self.cancel = QToolButton(self)
        self.cancel.setText("Cancel")
        self.cancel.clicked.connect(cancel)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel)
        self.clock = StageClock()
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
        self.clock = StageClock()
        self.label.setText("Scanning…")
        self.bar.setRange(0, 0)
        self.cancel.setEnabled(True)
        self.show()

    def update_progress(self, event: ProgressEvent) -> None:
        """Count the report now; show the newest within ``INTERVAL_MS``."""
        if event.stage in (Stage.PROBLEM, Stage.NOTE):
            return
        self.clock.update(event, time.monotonic())
        self._latest = event
        if not self._timer.isActive():
            self._timer.start()

    def _show_latest(self) -> None:
        if self._latest is None:
            return
        event, self._latest = self._latest, None
        self.label.setText(self.clock.text(event, time.monotonic()))
        self.label.setToolTip(event.message)
        if event.total > 0:
            self.bar.setRange(0, event.total)
            self.bar.setValue(min(event.done, event.total))
        else:
            self.bar.setRange(0, 0)

    def finish(self) -> None:
        self._timer.stop()
        self._latest = None
        self.hide()
