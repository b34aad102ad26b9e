"""The model's decoded series taken on a thread of their own, a few frames ahead of it.

Behind the reading, the model's stage ranks the card stretch by stretch.  Each stretch's
frames were decoded only once the model asked for its first series, so the model waited
for the decoding processes at every stretch's border.  Taken from another thread, the next
stretch's frames are decoded while the model still ranks the one before; at most
``frames`` decoded frames wait for it (one series at a time where a series is larger), so
memory holds a few frames, not the card.  The model sees the same series in the same
order: the same passes and scores.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")

# Frames decoded ahead of the model behind the reading: a pair's worth for each of the
# series its next passes take (a 960 px frame is about 2.7 MB; the pool's own tasks in
# flight come on top)
FRAMES_AHEAD = 8
# Cores below which a CPU model does not decode ahead: on two cores the decoding thread takes
# the cores the model's passes and the reading need (measured: the model waited 1.9 s
# instead of 0.3 s, but the cull took 1.11x as long; docs/pipeline.md)
MIN_CPUS_AHEAD = 4


def frames_ahead_for(device: str, cpus: int | None = None) -> int:
    """How many frames to decode ahead of a model on ``device`` ("cpu", "cuda:0", "mps"):
    on an accelerator, or a CPU with cores to spare, FRAMES_AHEAD; else none."""
    cpus = os.cpu_count() if cpus is None else cpus
    if not str(device).startswith("cpu") or (cpus or 1) >= MIN_CPUS_AHEAD:
        return FRAMES_AHEAD
    return 0


class DecodeAhead(Generic[T]):
    """Iterates ``source`` on its own thread, holding at most ``frames`` frames (as
    ``size`` counts them) that the iteration over this object has not taken yet.

    ``close`` stops it: the thread leaves ``source`` at its next item and is waited for.
    An error raised by ``source`` is raised again here after the items before it.
    """

    def __init__(self, source: Iterator[T], frames: int, size: Callable[[T], int]) -> None:
        self._source = source
        self._frames = frames
        self._size = size
        self._ready: deque[T] = deque()
        self._held = 0  # frames in ``_ready``
        self._done = False
        self._stopped = False
        self._error: BaseException | None = None
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._take, name="decode-ahead", daemon=True)
        self._thread.start()

    def __iter__(self) -> Iterator[T]:
        while True:
            with self._changed:
                while not self._ready and not self._done:
                    self._changed.wait()
                if not self._ready:
                    break
                item = self._ready.popleft()
                self._held -= self._size(item)
                self._changed.notify_all()
            yield item
        if self._error is not None:
            raise self._error

    def close(self) -> None:
        """Stop taking items (those held are dropped) and wait for the thread."""
        with self._changed:
            self._stopped = True
            self._ready.clear()
            self._held = 0
            self._changed.notify_all()
        self._thread.join()

    def _take(self) -> None:
        try:
            for item in self._source:
                size = self._size(item)
                with self._changed:
                    while self._held and self._held + size > self._frames and not self._stopped:
                        self._changed.wait()
                    if self._stopped:
                        return
                    self._ready.append(item)
                    self._held += size
                    self._changed.notify_all()
        except BaseException as exc:  # raised again by the iteration, in the model's thread
            self._error = exc
        finally:
            close = getattr(self._source, "close", None)
            if close is not None:
                close()  # a generator left here ends in this thread, its decoding stopped
            with self._changed:
                self._done = True
                self._changed.notify_all()
