"""What every stage of one run shares, and the one place problems, notes and progress go."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

from app.catalog import Catalog
from app.errors import Problem
from app.options import CullOptions
from app.photos.workers import WorkerPool
from app.pipeline.results import ProgressCallback, ProgressEvent, Stage


class RunContext:
    """The folder, the options, the open catalog and worker pool of one run, and its log."""

    def __init__(
        self,
        root: Path,
        options: CullOptions,
        progress: ProgressCallback | None,
        cancel: threading.Event | None,
    ) -> None:
        self.root = root
        self.options = options
        self.cancel = cancel or threading.Event()
        self._progress = progress
        # the model's stage reports from a thread of its own: one report at a time
        self._reporting = threading.RLock()
        self.problems: list[Problem] = []
        self.notes: list[str] = []
        self.decoded: set[int] = set()  # photo ids decoded by this run
        self.catalog: Catalog | None = None  # set when the run opens it
        self.temporary_catalog = False  # the real catalog could not be opened
        self.pool: WorkerPool | None = None  # set once the scan knows how many photos there are

    def emit(self, stage: Stage, done: int, total: int, message: str = "", **extra) -> None:
        if self._progress is not None:
            with self._reporting:
                self._progress(ProgressEvent(stage, done, total, message, **extra))

    def problem(self, path: str, error: str) -> None:
        found = Problem(path, error)
        self.problems.append(found)
        self.emit(Stage.PROBLEM, 0, 0, str(found), problem=found)

    def add_problems(self, problems: list[Problem]) -> None:
        for found in problems:
            self.problem(found.path, found.error)

    def note(self, text: str) -> None:
        self.notes.append(text)
        self.emit(Stage.NOTE, 0, 0, text)

    @property
    def cancelled(self) -> bool:
        return self.cancel.is_set()


T = TypeVar("T")

# Work is written to the catalog in one transaction per batch: this many units, or this often,
# so a run killed at any moment keeps everything but its last second.
BATCH_SIZE = 64
BATCH_EVERY_S = 1.0


class CatalogBatch(Generic[T]):
    """Collects units of finished work and hands them to ``flush`` in batches."""

    def __init__(self, flush: Callable[[list[T]], object]) -> None:
        self._flush = flush
        self._items: list[T] = []
        self._since = time.monotonic()

    def add(self, item: T) -> None:
        self._items.append(item)
        if len(self._items) >= BATCH_SIZE or time.monotonic() - self._since > BATCH_EVERY_S:
            self.flush()

    def flush(self) -> None:
        items, self._items, self._since = self._items, [], time.monotonic()
        if items:
            self._flush(items)
