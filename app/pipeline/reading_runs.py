"""The bookkeeping of reading a card run by run (``Inventory.in_pause_runs``).

Two counts kept while the workers read: which runs up to a pause have every photo stored
(each is given once, in order, as soon as it is), and how far ahead of the reading a
person's marks were taken (so none is grouped or ranked without them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from app.grouping import pause_runs
from app.photos import PhotoFile

if TYPE_CHECKING:
    from app.pipeline.inventory import PhotoState


class ReadingRuns:
    """The runs of a card up to a pause longer than ``max_gap``, filled as photos are read.

    ``times``: ``(capture seconds, relative path)`` of every photo, read or to read.
    """

    def __init__(self, times: list[tuple[float, str]], max_gap: float) -> None:
        runs = pause_runs(times, max_gap)
        self._run_of = {times[i][1]: number for number, run in enumerate(runs) for i in run}
        self._unread = [len(run) for run in runs]  # photos not yet read, per run
        self._waiting = [len(run) for run in runs]  # photos not yet stored (or failed), per run
        self._arrived: list[list[PhotoState]] = [[] for _ in runs]
        self._next = 0  # the first run not given yet

    def read(self, rel: str) -> bool:
        """A photo was read (its store may wait for a batch): True when it was the last of
        its run, so the batch is stored now and the run can be given."""
        number = self._run_of[rel]
        self._unread[number] -= 1
        return not self._unread[number]

    def arrive(self, rel: str, photo: PhotoState | None) -> None:
        """A photo was stored (None: it could not be read)."""
        number = self._run_of[rel]
        self._waiting[number] -= 1
        if photo is not None:
            self._arrived[number].append(photo)

    def complete(self) -> Iterator[list[PhotoState]]:
        """The runs not given yet, in order, all of whose photos arrived, each in capture
        order (a run none of whose photos could be read is passed over)."""
        while self._next < len(self._waiting) and not self._waiting[self._next]:
            photos, self._arrived[self._next] = self._arrived[self._next], []
            self._next += 1
            if photos:
                yield sorted(photos, key=lambda p: (p.seconds, p.file.rel))


class MarksAhead:
    """Takes a person's marks (``take``) for the photos to read, in reading order, each
    photo once, as far ahead of the reading as asked."""

    def __init__(self, files: list[PhotoFile], take: Callable[[list[PhotoFile]], None]) -> None:
        self._files = files
        self._take = take
        self._position = {f.rel: i for i, f in enumerate(files)}
        self.taken = 0  # the first ``taken`` files have their marks

    def up_to(self, count: int) -> None:
        """The marks of the first ``count`` files (all of them at most)."""
        count = min(count, len(self._files))
        if count > self.taken:
            self._take(self._files[self.taken : count])
            self.taken = count

    def ahead(self, more: int) -> None:
        self.up_to(self.taken + more)

    def covered(self, runs: Iterable[list[PhotoState]]) -> Iterator[list[PhotoState]]:
        """Each run, once every photo of it (and every file read before them) has its marks."""
        for photos in runs:
            self.up_to(1 + max(self._position.get(p.file.rel, -1) for p in photos))
            yield photos

    def all(self) -> None:
        self.up_to(len(self._files))
