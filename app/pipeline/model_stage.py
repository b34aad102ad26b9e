"""The model's stage of a cull: a model that compares frames (FGAesQ) ranks each stretch
of the card on a thread of its own while the rest of the card is read.

The stretches go to one ``Ranking.rank_parts`` through a queue, so the scorer's
``rank_many`` sees one stream of series, in order, and fills every forward pass across
series (and stretches) exactly as it does for a whole card ranked at once: the same
batches, the same scores.  When the model catches up with the reading it waits for the
next stretch (its pass stays full), and the last pass runs once the card is read.  The
frames are decoded a few ahead of the model on a thread of their own
(``app.pipeline.decode_ahead``), so the next stretch's are ready at the border.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

from app.pipeline import decode_ahead
from app.pipeline.inventory import PhotoState
from app.pipeline.ranking import Grouping, Ranking
from app.pipeline.results import SeriesResult

_END = None  # put on the queue when no stretch will follow

Part = tuple[list[list[PhotoState]], Grouping]


class ModelStage:
    """Ranks the stretches given to ``add`` on its own thread; ``finish`` waits for it."""

    def __init__(
        self, ranking: Ranking, first_number: int = 0, frames_ahead: int | None = None
    ) -> None:
        self.ranking = ranking
        ranking.behind_reading = True  # its reports say so: a front end shows its pace
        # the next stretch's frames are decoded while the model ranks the one before
        # (where the machine has cores to spare for it: decode_ahead.frames_ahead_for)
        if frames_ahead is None:
            device = getattr(ranking.scorer, "device", "cpu")
            frames_ahead = decode_ahead.frames_ahead_for(device)
        ranking.decode_ahead = frames_ahead
        self._parts: queue.Queue[Part | None] = queue.Queue()
        self._results: list[SeriesResult] = []
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._work, args=(first_number,), name="model-stage", daemon=True
        )
        self._thread.start()

    def add(self, groups: list[list[PhotoState]], grouping: Grouping) -> None:
        """Queue one stretch's series (never waits: the reading goes on)."""
        self._parts.put((groups, grouping))

    @property
    def failed(self) -> bool:
        """The model stopped on an error (``finish`` raises it)."""
        return self._error is not None

    def finish(self, abandon: bool = False) -> list[SeriesResult]:
        """The series ranked, once the model has ranked every stretch queued (``abandon``:
        only those it has begun; the run ranks the card again).  A cancelled run's model
        stops after its current series, its scores stored."""
        if abandon:
            while True:
                try:
                    self._parts.get_nowait()
                except queue.Empty:
                    break
        self._parts.put(_END)
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._results

    def _work(self, first_number: int) -> None:
        try:
            self._results = self.ranking.rank_parts(self._queued(), first_number)
        except BaseException as exc:  # raised again by ``finish``, in the run's thread
            self._error = exc

    def _queued(self) -> Iterator[Part]:
        """The stretches queued, until the end is, or until the ranking takes no more (it
        failed or was cancelled while a stretch was awaited ahead of it)."""
        while self.ranking.taking:
            try:
                part = self._parts.get(timeout=0.1)
            except queue.Empty:
                continue
            if part is _END:
                return
            yield part
