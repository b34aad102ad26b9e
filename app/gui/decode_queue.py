"""The decode requests waiting for a thread, the one the photographer wants most first.

Four lanes, taken in this order:

* the *now lane*: the frame the loupe or a compare pane shows (its preview, its full
  decode for 100 %); a new request goes in front of older ones (newest first);
* the *thumbnail lane*: grid and strip tiles on screen, first in first out; a tile that
  scrolls out of every view is cancelled (:meth:`cancel`), so a strip swept along never
  leaves a queue of tiles nobody sees in front of the ones that are;
* the *ahead lane*: what the loupe decodes before it is needed (the previews of the next
  frames, and the full decodes of the next one or two, which a taker may hold back).  A
  thumbnail on screen is wanted now, a prefetch only perhaps in a moment, so the strip
  never waits for the loupe's guesses;
* the *later lane*: decodes that sharpen a thumbnail already shown from the camera's EXIF
  thumbnail, when nothing else waits, so a tile that scrolls into view never waits for
  its neighbours to be sharpened.

Each step of the loupe replaces the now and ahead lanes with a fresh plan, cancelling what
the last step wanted and this one does not (a held arrow key must not leave fifteen stale
decodes in front of the frame it stops on).

Decode threads take from the queue when they start, not when the request is made, so the
order is decided at the last moment and can be inspected (and tested) without timing.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Hashable, Iterable

Key = Hashable


class DecodeQueue:
    """Thread-safe: the GUI thread pushes and plans, decode threads take."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._now: list[tuple[Key, int]] = []  # (key, generation), front first
        self._thumbnails: deque[tuple[Key, int]] = deque()
        self._ahead: list[tuple[Key, int]] = []
        self._later: deque[tuple[Key, int]] = deque()

    def push_front(self, keys: Iterable[Key], generation: int) -> None:
        """Put ``keys`` (in this order) ahead of every other request."""
        keys = list(keys)
        with self._lock:
            self._drop(set(keys))
            self._now[:0] = [(key, generation) for key in keys]

    def push_back(self, key: Key, generation: int) -> None:
        """A thumbnail on screen: after the shown frame's decodes and the thumbnails queued
        before it, ahead of the loupe's prefetch."""
        with self._lock:
            if all(k != key for k, _ in (*self._now, *self._thumbnails)):
                self._thumbnails.append((key, generation))

    def push_later(self, key: Key, generation: int) -> None:
        """A request served when nothing else waits (first in, first out)."""
        with self._lock:
            if all(k != key for k, _ in self._later):
                self._later.append((key, generation))

    def plan(self, now: Iterable[Key], ahead: Iterable[Key], generation: int) -> list[Key]:
        """Make ``now`` (the shown frame's decodes) and ``ahead`` (the prefetch) the whole
        now and ahead lanes, in order; return the requests of those lanes cancelled."""
        now, ahead = list(now), list(ahead)
        wanted = {*now, *ahead}
        with self._lock:
            cancelled = [key for key, _ in (*self._now, *self._ahead) if key not in wanted]
            self._drop(wanted)
            self._now = [(key, generation) for key in now]
            self._ahead = [(key, generation) for key in ahead]
        return cancelled

    def cancel(self, keys: Iterable[Key]) -> list[Key]:
        """Drop these thumbnail requests (tiles no longer on screen); return those dropped."""
        keys = set(keys)
        with self._lock:
            dropped = [key for key, _ in self._thumbnails if key in keys]
            self._thumbnails = deque(e for e in self._thumbnails if e[0] not in keys)
        return dropped

    def drop(self, keys: Iterable[Key]) -> list[Key]:
        """Drop these requests from every lane; return those dropped."""
        keys = set(keys)
        with self._lock:
            dropped = [key for key in self._pending_keys() if key in keys]
            self._drop(keys)
        return dropped

    def take(self, waits: Callable[[Key], bool] | None = None) -> tuple[Key, int] | None:
        """The most wanted request, removed from the queue; None when nothing waits.
        An ahead request ``waits`` holds (called under the queue's lock) stays queued,
        and the ones behind it are taken past it."""
        with self._lock:
            if self._now:
                return self._now.pop(0)
            if self._thumbnails:
                return self._thumbnails.popleft()
            for i, (key, _generation) in enumerate(self._ahead):
                if waits is None or not waits(key):
                    return self._ahead.pop(i)
            if self._later:
                return self._later.popleft()
            return None

    def pending(self) -> list[Key]:
        """Every waiting request in the order threads will take them."""
        with self._lock:
            return self._pending_keys()

    def _pending_keys(self) -> list[Key]:
        lanes = (*self._now, *self._thumbnails, *self._ahead, *self._later)
        return [key for key, _ in lanes]

    def clear(self) -> None:
        with self._lock:
            self._now.clear()
            self._thumbnails.clear()
            self._ahead.clear()
            self._later.clear()

    def _drop(self, keys: set[Key]) -> None:
        self._now = [entry for entry in self._now if entry[0] not in keys]
        self._thumbnails = deque(e for e in self._thumbnails if e[0] not in keys)
        self._ahead = [entry for entry in self._ahead if entry[0] not in keys]
        self._later = deque(entry for entry in self._later if entry[0] not in keys)
