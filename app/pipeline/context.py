"""What every stage of one run shares, and the one place problems, notes and progress go."""

from __future__ import annotations

import threading
from pathlib import Path

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
        self.problems: list[Problem] = []
        self.notes: list[str] = []
        self.decoded: set[int] = set()  # photo ids decoded by this run
        self.catalog: Catalog | None = None  # set when the run opens it
        self.temporary_catalog = False  # the real catalog could not be opened
        self.pool: WorkerPool | None = None  # set once the scan knows how many photos there are

    def emit(self, stage: Stage, done: int, total: int, message: str = "", **extra) -> None:
        if self._progress is not None:
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
