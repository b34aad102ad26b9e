"""How fast the model ranks frames and how long it has left, while the card is still read.

The model's reports come in steps (a whole series at a time) and begin late (after the
model loaded and the first stretch was read): the pace is counted from its first report,
so that wait is no rate.  The command's and the window's progress both say it.
"""

from __future__ import annotations


class Pace:
    """Frames ranked per second and seconds left, from ``(frames ranked, frames to rank)``."""

    def __init__(self) -> None:
        self._first: tuple[float, int] | None = None  # (when, frames ranked) first reported
        self.frames: tuple[int, int] = (0, 0)  # the newest report

    def update(self, frames: tuple[int, int], now: float) -> None:
        if self._first is None:
            self._first = (now, frames[0])
        self.frames = frames

    def rate(self, now: float) -> float | None:
        """Frames per second since the first report (None until there is one to measure)."""
        if self._first is None or now <= self._first[0] or self.frames[0] <= self._first[1]:
            return None
        return (self.frames[0] - self._first[1]) / (now - self._first[0])

    def left(self, now: float) -> float | None:
        """Seconds until every frame to rank is ranked, at the rate so far."""
        rate = self.rate(now)
        if rate is None:
            return None
        return max(0, self.frames[1] - self.frames[0]) / rate
