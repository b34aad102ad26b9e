"""Status-bar progress for the background cull: stage, count, rate, time left, Cancel.

``QProgressBar.setValue`` repaints at once, and with it whatever else in the window is
waiting to be painted; a cull reports every photo, so the panel shows the newest report
at most every ``INTERVAL_MS`` instead of painting the window hundreds of times.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QToolButton, QWidget

from app.gui.bus import SignalBus
from app.gui.views.elided import ElidedLabel
from app.pipeline import ProgressEvent, Stage
from app.pipeline.pace import Pace

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
    """What a cull's progress says: its stage, count, rate and time left.

    The cull reads the card and meanwhile groups and ranks each run of it as soon as it is
    read: while the card is read, the panel keeps saying how the reading goes (with the
    series ranked so far, and the model's frames ranked per second and time left where it
    ranks them meanwhile), not a grouping or ranking of one run after another.  Each
    stage's rate is counted from the moment it is shown, in what it counts: photos read,
    frames ranked (series where the scorer ranks no frame: all came from the catalog).  The
    technical ranking shown until the model's replaces it (``provisional``) is not counted.
    """

    def __init__(self) -> None:
        self.stage: Stage | None = None  # the stage shown
        self.latest: ProgressEvent | None = None  # its newest report
        self.started = 0.0  # when the stage shown began
        self.counted = 0  # its count then
        self.reading = False  # the card is being read (its runs grouped and ranked meanwhile)
        self.read = False  # the card was read in this cull: its runs were grouped as it was
        self.series_ranked = 0
        self.ranking = Pace()  # the ranking's frames while the card is read

    def update(self, event: ProgressEvent, now: float) -> None:
        stage = event.stage
        if stage in (Stage.PROBLEM, Stage.NOTE, Stage.MARKS) or event.provisional:
            return
        if stage is Stage.RANK and event.series is not None:
            self.series_ranked += 1
            if self.reading and event.behind and event.frames is not None:
                self.ranking.update(event.frames, now)
        if stage is Stage.READ:
            self.reading = event.done < event.total
            self.read = self.read or event.total > 0
        elif stage is Stage.GROUP and self.read:
            return  # run by run as the card was read: nothing to wait for
        elif stage is Stage.RANK and self.reading:
            return  # shown as the series ranked while reading
        done = counted(event)[0]
        first = self.latest is not None and self.counted == 0 == counted(self.latest)[0] < done
        if stage is not self.stage or first:
            # from the stage's start, or from its first unit done when it began by waiting
            # (headers read before the first photo, a model loaded): that wait is no rate
            self.stage, self.started, self.counted = stage, now, done
        self.latest = event

    def text(self, now: float) -> str:
        """``Reading 120 of 300 · 45.0 photos/s · 4 s left · 12 series ranked · 3.1 frames/s
        ranked · 2 min 10 s left to rank``."""
        event = self.latest
        if event is None:
            return "Scanning…"
        done, total, unit = counted(event)
        words = [STAGE_WORDS.get(event.stage, str(event.stage).capitalize())]
        if total > 0:
            words[0] += f" {done} of {total}" + (f" {unit}" if unit != "photos" else "")
        elapsed = now - self.started
        if elapsed >= MIN_RATE_S and self.counted <= done < total:
            rate = (done - self.counted) / elapsed
            if rate > 0:
                if unit != "series":
                    words.append(f"{rate:.1f} {unit}/s")
                words.append(f"{duration_text((total - done) / rate)} left")
        if event.stage is Stage.READ and self.series_ranked:
            words.append(f"{self.series_ranked} series ranked")
            rate, left = self.ranking.rate(now), self.ranking.left(now)
            if rate is not None and left is not None:
                words.append(f"{rate:.1f} frames/s ranked")
                words.append(f"{duration_text(left)} left to rank")
        return " · ".join(words)


def counted(event: ProgressEvent) -> tuple[int, int, str]:
    """(done, total, unit) of a report: ranking counts the frames the scorer ranks, where
    it ranks any (what a long model run's rate and time left need)."""
    if event.stage is Stage.RANK:
        if event.frames is not None and event.frames[1] > 0:
            return event.frames[0], event.frames[1], "frames"
        return event.done, event.total, "series"
    return event.done, event.total, "photos"


class ProgressPanel(QWidget):
    """Follows the cull on the bus; the Cancel button calls ``cancel``."""

    def __init__(
        self, bus: SignalBus, cancel: Callable[[], None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = ElidedLabel(self)  # a long report never widens the window
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
        if event.stage in (Stage.PROBLEM, Stage.NOTE, Stage.MARKS) or event.provisional:
            return
        self.clock.update(event, time.monotonic())
        self._latest = event
        if not self._timer.isActive():
            self._timer.start()

    def _show_latest(self) -> None:
        if self._latest is None:
            return
        self._latest = None
        event = self.clock.latest
        if event is None:
            return
        self.label.setText(self.clock.text(time.monotonic()))
        self.label.setToolTip(event.message)
        done, total, _unit = counted(event)
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
        else:
            self.bar.setRange(0, 0)

    def finish(self) -> None:
        self._timer.stop()
        self._latest = None
        self.hide()
