"""The open folder without a widget: its catalog, its series and the look-ups on them, the
catalog writer's thread and the undo stack.

:class:`FolderSession` is what the culling commands act on.  It holds no model, view or
selection: the controller shows what it announces (``frame_changed``, ``kind_changed``,
``decision_written``, ``series_read``), and a test drives it with a real catalog and no
window.  Every write, to the catalog or to files (decisions, series kinds, XMP sidecars,
moves of rejects and putting them back), runs on its writer's one thread, in the order it
was asked for, so a write always sees every decision made before it and the GUI thread
never waits for one.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand

from app.catalog import Catalog, CatalogError, DecisionState
from app.gui.decisions import CatalogWriter, new_undo_stack
from app.gui.items import FrameItem, SeriesItem, ShootCounts
from app.gui.library import FolderLibrary


class FolderSession(QObject):
    """Catalog, series, writer thread and undo stack of the folder open in the window."""

    #: a frame shown changed (its decision, missing on disk, its details): the new item
    frame_changed = Signal(object)
    #: the catalog holds a decision the photographer made (photo id)
    decision_written = Signal(int)
    #: a series' kind changed (series id)
    kind_changed = Signal(int)
    #: the folder's series as a write left them, read on the writer's thread (a move of
    #: rejects or putting them back): list[SeriesItem] and their ShootCounts
    series_read = Signal(object, object)
    #: the session changed something the catalog is about to hold: a read under way is old
    edited = Signal()

    def __init__(self, catalog_path: str | Path | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.catalog_path = catalog_path
        self.catalog: Catalog | None = None
        self.library: FolderLibrary | None = None
        self.writer = CatalogWriter(self)
        self.undo_stack = new_undo_stack(self)
        self.missing: set[int] = set()  # photos gone from disk while shown
        self._series: list[SeriesItem] = []
        self._series_by_id: dict[int, SeriesItem] = {}
        self._series_of_photo: dict[int, int] = {}
        self._counts = ShootCounts()
        self._catalog_future: Future[Catalog] | None = None

    # -- the catalog and the folder --------------------------------------------------------

    def start_opening(self) -> None:
        """Open the catalog in the background: its schema checks and upgrades would stall
        the window if the first folder opened it."""
        opening = ThreadPoolExecutor(1, thread_name_prefix="fgaesq-catalog")
        self._catalog_future = opening.submit(
            Catalog.open, self.catalog_path, check_integrity=False
        )
        opening.shutdown(wait=False)

    def open_catalog(self) -> Catalog:
        """The catalog (waited for when a folder comes before the background opening is
        done).  The pipeline checks integrity on every run; the window must not.

        Raises:
            CatalogError: the catalog cannot be opened.
        """
        if self.catalog is None:
            future, self._catalog_future = self._catalog_future, None
            if future is not None:
                self.catalog = future.result()
            else:
                self.catalog = Catalog.open(self.catalog_path, check_integrity=False)
        return self.catalog

    def open_folder(self, folder: str | Path) -> FolderLibrary:
        """Make ``folder`` the open folder: no series known yet, nothing to undo.

        Raises:
            CatalogError: the catalog cannot be opened.
        """
        self.library = FolderLibrary(self.open_catalog(), folder)
        self.missing = set()
        self.set_series([])
        self.undo_stack.clear()
        return self.library

    def is_open(self) -> bool:
        return self.library is not None and self.catalog is not None

    @property
    def root(self) -> str:
        return self.library.root if self.library is not None else ""

    def close(self) -> None:
        """Every write asked for is done, then the catalog closes."""
        self.writer.finish()
        if self.catalog is None and self._catalog_future is not None:
            with contextlib.suppress(CatalogError):  # opened and never used: close it too
                self.catalog = self._catalog_future.result()
            self._catalog_future = None
        if self.catalog is not None:
            self.catalog.close()
            self.catalog = None

    # -- look-ups --------------------------------------------------------------------------

    def set_series(self, series: list[SeriesItem], counts: ShootCounts | None = None) -> None:
        """The folder's series as last read (frames gone from disk marked so)."""
        for item in series:
            for i, frame in enumerate(item.frames):
                if frame.photo_id in self.missing and not frame.missing:
                    item.frames[i] = dataclasses.replace(frame, missing=True)
        if counts is None or any(f.photo_id in self.missing for s in series for f in s.frames):
            counts = ShootCounts.of(series)
        self._series = list(series)
        self._series_by_id = {s.series_id: s for s in series}
        self._series_of_photo = {f.photo_id: s.series_id for s in series for f in s.frames}
        self._counts = counts

    def series(self) -> list[SeriesItem]:
        return list(self._series)

    def series_item(self, series_id: int) -> SeriesItem | None:
        return self._series_by_id.get(series_id)

    def series_of(self, photo_id: int) -> int | None:
        """The id of the series holding ``photo_id`` (None: not shown)."""
        return self._series_of_photo.get(photo_id)

    def frame(self, photo_id: int) -> FrameItem | None:
        series = self._series_by_id.get(self._series_of_photo.get(photo_id, -1))
        if series is None:
            return None
        return next((f for f in series.frames if f.photo_id == photo_id), None)

    def photo_ids(self) -> list[int]:
        """Every photo shown, series after series."""
        return list(self._series_of_photo)

    def counts(self) -> ShootCounts:
        return self._counts

    # -- changes shown before (or without) a catalog read -----------------------------------

    def replace_frame(self, frame: FrameItem) -> None:
        """Put an updated frame in its series, count its series again, announce it."""
        series = self._series_by_id.get(frame.series_id)
        if series is not None:
            before = ShootCounts.of([series])  # only this series changes: count it again
            for i, old in enumerate(series.frames):
                if old.photo_id == frame.photo_id:
                    series.frames[i] = frame
            self._counts = self._counts - before + ShootCounts.of([series])
        self.frame_changed.emit(frame)

    def show_decision(self, photo_id: int, state: DecisionState, written: bool = True) -> None:
        """A decision: shown at once when made, again when the catalog holds it
        (``written``; then it is announced)."""
        self.edited.emit()  # a catalog read under way may predate it
        frame = self.frame(photo_id)
        if frame is not None and frame.decision != state:
            self.replace_frame(dataclasses.replace(frame, decision=state))
        if written:
            self.decision_written.emit(photo_id)

    def show_series_kind(self, series_id: int, kind: str, source: str, reason: str) -> None:
        """A series' kind (set by the photographer, or read back)."""
        series = self._series_by_id.get(series_id)
        if series is None or (series.kind, series.kind_source, series.kind_reason) == (
            kind,
            source,
            reason,
        ):
            return
        series.kind, series.kind_source, series.kind_reason = kind, source, reason
        self.kind_changed.emit(series_id)

    def mark_missing(self, changed: dict[int, bool]) -> None:
        """Photos gone from disk (True) or back again (False)."""
        self.missing.difference_update(pid for pid, gone in changed.items() if not gone)
        self.missing.update(pid for pid, gone in changed.items() if gone)
        for photo_id, gone in changed.items():
            frame = self.frame(photo_id)
            if frame is not None:
                self.replace_frame(dataclasses.replace(frame, missing=gone))

    # -- writes ----------------------------------------------------------------------------

    def write(self, work: Callable[[], Any], done: Callable[[Any], Any]) -> Future:
        """Run ``work`` on the writer's thread after every write asked for before; then
        ``done(result)`` in the GUI thread.  The future holds what ``done`` returned."""
        return self.writer.submit(work, done)

    def push(self, step: QUndoCommand) -> None:
        """One undoable step (its ``redo`` runs now and asks for its writes)."""
        self.undo_stack.push(step)

    def read_series_after(self, work: Callable[[], Any]) -> Callable[[], tuple[Any, tuple]]:
        """``work`` followed by a read of the folder's series, both on the writer's thread:
        for writes that move files, so the series shown follow them (``series_read``)."""
        library = self.library

        def work_then_read() -> tuple[Any, tuple]:
            result = work()
            series = library.load() if library is not None else []
            return result, (series, ShootCounts.of(series))

        return work_then_read

    def show_read(self, read: tuple) -> None:
        """Show series read by ``read_series_after`` (a read the window started is older)."""
        self.edited.emit()
        self.series_read.emit(*read)

    def busy(self) -> bool:
        return self.writer.busy()
