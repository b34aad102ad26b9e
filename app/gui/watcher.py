"""Notices photos deleted or moved away on disk while the folder is open.

A ``QFileSystemWatcher`` watches the folders that hold the shown photos; a change in one
of them (debounced) checks which of its photos still exist, on a worker thread, and
reports ``changed({photo_id: missing})`` for the photos whose state flipped.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from PySide6.QtCore import QFileSystemWatcher, QObject, QRunnable, QThreadPool, QTimer, Signal

from app.gui.items import FrameItem

SETTLE_MS = 300  # a burst of changes (a move of many files) is checked once


class _CheckJob(QRunnable):
    def __init__(self, watcher: MissingFiles, paths: dict[int, str], generation: int) -> None:
        super().__init__()
        self._watcher, self._paths, self._generation = watcher, paths, generation

    def run(self) -> None:
        missing = {pid: not os.path.exists(path) for pid, path in self._paths.items()}
        self._watcher._checked.emit(self._generation, missing)


class MissingFiles(QObject):
    """Watches the folders of the given frames; ``changed`` carries {photo_id: missing}."""

    changed = Signal(object)
    _checked = Signal(int, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._watcher = QFileSystemWatcher(self)
        self._watcher.directoryChanged.connect(self._on_folder)
        self._paths: dict[int, str] = {}
        self._missing: dict[int, bool] = {}
        self._dirty: set[str] = set()
        self._generation = 0
        self._running = 0
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._timer = QTimer(self, singleShot=True, interval=SETTLE_MS)
        self._timer.timeout.connect(self._check_dirty)
        self._checked.connect(self._on_checked)

    def watch(self, frames: Iterable[FrameItem]) -> None:
        """Watch these frames' files (replacing what was watched); the ones not watched
        before, or watched under another name (a photo renamed and adopted by the cull),
        are checked at once (they may be gone since the catalog saw them)."""
        paths = {f.photo_id: f.path for f in frames}
        new = {pid: path for pid, path in paths.items() if self._paths.get(pid) != path}
        self._paths = paths
        self._missing = {pid: self._missing.get(pid, False) for pid in paths}
        folders = {os.path.dirname(p) for p in paths.values()}
        old = set(self._watcher.directories())
        if old - folders:
            self._watcher.removePaths(sorted(old - folders))
        if folders - old:
            self._watcher.addPaths(sorted(folders - old))
        self._start(new)

    def check(self, folders: Iterable[str]) -> None:
        """Check the photos in ``folders`` now, off the GUI thread."""
        folders = set(folders)
        self._start(
            {pid: path for pid, path in self._paths.items() if os.path.dirname(path) in folders}
        )

    def _start(self, paths: dict[int, str]) -> None:
        if paths:
            self._running += 1
            self.pool.start(_CheckJob(self, paths, self._generation))

    def busy(self) -> bool:
        return self._running > 0 or self._timer.isActive()

    def clear(self) -> None:
        self._generation += 1
        self._dirty.clear()
        self._timer.stop()
        self.watch([])
        self._missing = {}

    def shutdown(self) -> None:
        self.clear()
        self.pool.waitForDone()

    def _on_folder(self, folder: str) -> None:
        self._dirty.add(folder)
        self._timer.start()

    def _check_dirty(self) -> None:
        dirty, self._dirty = self._dirty, set()
        self.check(dirty)

    def _on_checked(self, generation: int, missing: dict[int, bool]) -> None:
        self._running -= 1
        if generation != self._generation:
            return
        flipped = {
            pid: gone
            for pid, gone in missing.items()
            if pid in self._missing and self._missing[pid] != gone
        }
        self._missing.update({pid: flipped[pid] for pid in flipped})
        if flipped:
            self.changed.emit(flipped)
