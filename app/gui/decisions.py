"""Culling decisions as undoable commands, written to the catalog off the GUI thread.

A key press shows its decision at once and queues the catalog write on one worker thread
(:class:`CatalogWriter`), in the order the keys were pressed; the write starts at once, so
a crash loses at most the decision being written.  The GUI thread never waits for the
catalog's write lock, which a running cull holds while it stores a batch of photos.  When
the write is done, the state the catalog returned replaces the one shown; undo and redo put
back the exact states the catalog returned.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from app.catalog import DecisionSource, DecisionState, Flag
from app.gui.library import FolderLibrary, stars_over_reject

#: shows a state: (photo id, state, written) where written says the catalog holds it
Show = Callable[[int, DecisionState, bool], None]
UNDO_LIMIT = 1000


class _Job(QRunnable):
    def __init__(
        self, writer: CatalogWriter, work: Callable[[], Any], done: Callable, future: Future
    ) -> None:
        super().__init__()
        self._writer, self._work, self._done, self._future = writer, work, done, future

    def run(self) -> None:
        try:
            result, error = self._work(), None
        except Exception as exc:  # shown in the window; the next writes still run
            result, error = None, str(exc) or type(exc).__name__
        self._writer._finished.emit((self._done, self._future), result, error)


class WriteFailed(Exception):
    """A write on the writer's thread failed (the message is shown in the window)."""


class CatalogWriter(QObject):
    """Runs writes (catalog and files) on one worker thread, in order; ``done`` runs in the
    GUI thread."""

    failed = Signal(str)
    _finished = Signal(object, object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)  # one thread: writes happen in the order made
        self._pending = 0  # changed in the GUI thread only
        self._finished.connect(self._on_finished)

    def submit(self, work: Callable[[], Any], done: Callable[[Any], Any]) -> Future:
        """Queue ``work``; the future holds what ``done(result)`` returned once it ran (a
        failed write: its message, also sent as ``failed``)."""
        future: Future = Future()
        future.set_running_or_notify_cancel()
        self._pending += 1
        self.pool.start(_Job(self, work, done, future))
        return future

    def busy(self) -> bool:
        return self._pending > 0

    def finish(self) -> None:
        """Until every queued write is done and answered: only when the folder closes (the
        answers may queue more writes).  Nothing else waits for the writer: a write that
        must see every decision is queued after them."""
        while self._pending:
            self.pool.waitForDone()
            QCoreApplication.sendPostedEvents(self)

    def _on_finished(self, job: tuple, result: Any, error: str | None) -> None:
        done, future = job
        self._pending -= 1
        if error is not None:
            future.set_exception(WriteFailed(error))
            self.failed.emit(error)
            return
        try:
            future.set_result(done(result))
        except Exception as exc:
            future.set_exception(exc)
            raise


def expected_state(current: DecisionState, marks: dict) -> DecisionState:
    """What the catalog will hold after the photographer's ``marks`` (shown until it does)."""
    marks = stars_over_reject(current, marks)
    return DecisionState(
        flag=Flag(marks["flag"]) if "flag" in marks else current.flag,
        rating=marks.get("rating", current.rating),
        label=(marks["label"] or None) if "label" in marks else current.label,
        source=DecisionSource.USER,
        decided_at=datetime.now(UTC),
    )


class DecisionCommand(QUndoCommand):
    """Set marks on one or more photos in one undo step.

    ``shown`` holds the states on screen now (what undo shows until the catalog answers).
    """

    def __init__(
        self,
        library: FolderLibrary,
        writer: CatalogWriter,
        changes: list[tuple[int, dict]],
        shown: dict[int, DecisionState],
        text: str,
        show: Show,
    ) -> None:
        super().__init__(text)
        self._library = library
        self._writer = writer
        self._changes = changes
        self._show = show
        self._screen = [
            (photo_id, shown[photo_id], expected_state(shown[photo_id], marks))
            for photo_id, marks in changes
        ]
        # (photo id, before, after) as the catalog returned them; filled in by the writer
        self._states: list[tuple[int, DecisionState, DecisionState]] = []

    @property
    def photo_ids(self) -> list[int]:
        return [photo_id for photo_id, _marks in self._changes]

    def redo(self) -> None:
        for photo_id, _before, after in self._screen:
            self._show(photo_id, after, False)
        self._writer.submit(self._write_redo, self._written)

    def undo(self) -> None:
        for photo_id, before, _after in reversed(self._screen):
            self._show(photo_id, before, False)
        self._writer.submit(self._write_undo, self._written)

    # -- on the writer's thread, in order --------------------------------------------------

    def _write_redo(self) -> list[tuple[int, DecisionState]]:
        if not self._states:  # first run: apply the marks, remember before and after
            for photo_id, marks in self._changes:
                before, after = self._library.set_decision(photo_id, **marks)
                self._states.append((photo_id, before, after))
            return [(photo_id, after) for photo_id, _before, after in self._states]
        for photo_id, _before, after in self._states:
            self._library.restore(photo_id, after)
        return [(photo_id, after) for photo_id, _before, after in self._states]

    def _write_undo(self) -> list[tuple[int, DecisionState]]:
        for photo_id, before, _after in reversed(self._states):
            self._library.restore(photo_id, before)
        return [(photo_id, before) for photo_id, before, _after in reversed(self._states)]

    def _written(self, states: list[tuple[int, DecisionState]]) -> None:
        for photo_id, state in states:
            self._show(photo_id, state, True)


def label_marks(colour: str, current: DecisionState) -> dict:
    """The colour label key: sets the label, or takes it off when it is already set
    (as in Lightroom)."""
    return {"label": None if current.label == colour else colour}


def accept_changes(
    frame_ids: list[int], reject_others: bool, keys: list[frozenset[str]] | None = None
) -> list[tuple[int, dict]]:
    """The model's best frame (first) becomes a pick; the others rejects if asked, except
    the pick's copies (``same_photo_keys`` in the same order): the same photo on the other
    card, left as it is."""
    if not frame_ids:
        return []
    changes = [(frame_ids[0], {"flag": Flag.PICK})]
    if reject_others:
        mine = keys[0] if keys else frozenset()
        changes += [
            (pid, {"flag": Flag.REJECT})
            for i, pid in enumerate(frame_ids)
            if i > 0 and (keys is None or mine.isdisjoint(keys[i]))
        ]
    return changes


def keep_changes(frame_ids: list[int]) -> list[tuple[int, dict]]:
    """A series kept whole (a bracket, panorama or focus stack): every frame a pick."""
    return [(pid, {"flag": Flag.PICK}) for pid in frame_ids]


def new_undo_stack(parent=None) -> QUndoStack:
    stack = QUndoStack(parent)
    stack.setUndoLimit(UNDO_LIMIT)
    return stack
