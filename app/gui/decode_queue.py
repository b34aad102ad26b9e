"""The decode requests waiting for a thread, the one the photographer wants most first.

Two lanes.  The *loupe lane* holds what the eye is on and what it will look at next: a
new request goes in front of older ones (newest first), and each step of the loupe
replaces the lane with a fresh plan, cancelling what the last step wanted and this one
does not (a held arrow key must not leave fifteen stale decodes in front of the frame it
stops on).  The *background lane* (grid and strip thumbnails) is first in, first out, and
runs only when the loupe lane is empty; the *later lane* (decodes that sharpen a thumbnail
already shown from the camera's EXIF thumbnail) runs only when both are empty, so a tile
that scrolls into view never waits for its neighbours to be sharpened.

Decode threads take from the queue when they start, not when the request is made, so the
order is decided at the last moment and can be inspected (and tested) without timing.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Hashable, Iterable

Key = Hashable


class DecodeQueue:
    """Thread-safe: the GUI thread pushes and plans, decode threads take."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loupe: list[tuple[Key, int]] = []  # (key, generation), front first
        self._background: deque[tuple[Key, int]] = deque()
        self._later: deque[tuple[Key, int]] = deque()

    def push_front(self, keys: Iterable[Key], generation: int) -> None:
        """Put ``keys`` (in this order) ahead of every other request."""
        keys = list(keys)
        with self._lock:
            self._drop(set(keys))
            self._loupe[:0] = [(key, generation) for key in keys]

    def push_back(self, key: Key, generation: int) -> None:
        """A background request, served after everything queued before it."""
        with self._lock:
            if all(k != key for k, _ in self._loupe) and all(k != key for k, _ in self._background):
                self._background.append((key, generation))

    def push_later(self, key: Key, generation: int) -> None:
        """A request served when nothing else waits (first in, first out)."""
        with self._lock:
            if all(k != key for k, _ in self._later):
                self._later.append((key, generation))

    def plan(self, keys: Iterable[Key], generation: int) -> list[Key]:
        """Make ``keys`` the whole loupe lane, in order; return the cancelled requests."""
        keys = list(keys)
        wanted = set(keys)
        with self._lock:
            cancelled = [key for key, _ in self._loupe if key not in wanted]
            self._drop(wanted)
            self._loupe = [(key, generation) for key in keys]
        return cancelled

    def take(self) -> tuple[Key, int] | None:
        """The most wanted request, removed from the queue; None when nothing waits."""
        with self._lock:
            if self._loupe:
                return self._loupe.pop(0)
            if self._background:
                return self._background.popleft()
            if self._later:
                return self._later.popleft()
            return None

    def pending(self) -> list[Key]:
        """Every waiting request in the order threads will take them."""
        with self._lock:
            return [key for key, _ in (*self._loupe, *self._background, *self._later)]

    def clear(self) -> None:
        with self._lock:
            self._loupe.clear()
            self._background.clear()
            self._later.clear()

    def _drop(self, keys: set[Key]) -> None:
        self._loupe = [entry for entry in self._loupe if entry[0] not in keys]
        self._background = deque(entry for entry in self._background if entry[0] not in keys)
        self._later = deque(entry for entry in self._later if entry[0] not in keys)
