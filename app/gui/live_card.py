"""The card on screen at once: every frame of the folder before the cull has read it.

A cull reads every photo before it can group and rank them, minutes for a big card.  The
window does not wait for it: :class:`LiveCard` lists the folder on a thread of its own
with the pipeline's scanner (no photo is opened), shows the frames in file-name order at
once, then in capture order when their EXIF dates are read, each as a series of one
until the catalog holds the series the cull formed.  The cull names every photo's
catalog id before it reads them (``ProgressEvent.listed``); from then on a frame can be
marked like any other, and its marks are the photographer's, which no automatic decision
replaces.  Frames the catalog's series already hold are shown there, not here.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from app.catalog import DecisionState
from app.gui.items import FrameItem, SeriesItem
from app.photos import PhotoFile, read_metadata, scan_folder

#: photo ids of frames the cull has not named yet are below this (-1 means "none")
FIRST_PROVISIONAL_ID = -2


@dataclass
class ListedFrame:
    """One photo of the listing: its file, its capture time once read, its frame."""

    file: PhotoFile
    frame: FrameItem


def provisional_id(index: int) -> int:
    """The id a listed frame has until the cull names its catalog id (and its series of one
    keeps for good): negative, so it never meets a catalog id."""
    return FIRST_PROVISIONAL_ID - index


class LiveCard(QObject):
    """The frames of the open folder that the catalog's series do not hold yet."""

    #: the frames shown here changed (listed, dated, named by the cull, or dropped)
    changed = Signal()
    _listed = Signal(int, object)  # generation, list[PhotoFile]
    _dated = Signal(int, object)  # generation, {relpath: capture time}

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._generation = 0
        self._frames: dict[str, ListedFrame] = {}  # by relpath, in listing order
        self._by_path: dict[str, str] = {}  # frame path -> relpath
        self._order: list[str] = []  # relpaths in capture order (file names until dated)
        self._finished = False
        self._listed.connect(self._on_listed)
        self._dated.connect(self._on_dated)

    # -- listing --------------------------------------------------------------------------

    def open(
        self,
        root: str | Path,
        recursive: bool,
        skip: Callable[[], Iterable[str | Path]] = tuple,
    ) -> None:
        """List ``root`` in the background, passing over the folders ``skip`` names (asked
        on the listing thread); frames show as soon as the names are known."""
        self._generation += 1
        self._frames, self._by_path, self._order = {}, {}, []
        self._finished = False
        generation = self._generation
        worker = threading.Thread(
            target=self._list,
            args=(generation, Path(root), recursive, skip),
            name="fgaesq-listing",
            daemon=True,
        )
        worker.start()

    def _list(
        self, generation: int, root: Path, recursive: bool, skip: Callable[[], Iterable]
    ) -> None:
        """Scan (names and sizes only), hand the names over, then read the capture times."""
        try:
            scan = scan_folder(root, recursive=recursive, skip=[Path(s) for s in skip()])
        except Exception:  # an unreadable folder or catalog: the cull reports it with its cause
            return
        self._hand_over(self._listed, generation, scan.photos)
        dates: dict[str, datetime | None] = {}
        for photo in scan.photos:
            if generation != self._generation:
                return  # another folder was opened
            try:
                meta = read_metadata(photo.decode_path, fallback_mtime=photo.mtime_ns / 1e9)
                dates[photo.rel] = meta.captured
            except Exception:  # an unreadable file keeps its place by name; the cull says why
                dates[photo.rel] = None
        self._hand_over(self._dated, generation, dates)

    def _hand_over(self, signal, generation: int, value: object) -> None:
        """Send ``value`` to the GUI thread unless the listing is stale (another folder
        opened, or the window closed and this object with it)."""
        if generation == self._generation:
            with contextlib.suppress(RuntimeError):  # deleted meanwhile: nobody to tell
                signal.emit(generation, value)

    def _on_listed(self, generation: int, photos: list[PhotoFile]) -> None:
        if generation != self._generation:
            return
        for index, photo in enumerate(sorted(photos, key=lambda p: p.rel)):
            frame = FrameItem(
                photo_id=provisional_id(index),
                path=str(photo.decode_path),
                companions=tuple(str(f) for f in photo.files if f != photo.decode_path),
                series_id=provisional_id(index),
            )
            self._frames[photo.rel] = ListedFrame(photo, frame)
            self._by_path[frame.path] = photo.rel
        self._order = list(self._frames)
        self.changed.emit()

    def _on_dated(self, generation: int, dates: dict[str, datetime | None]) -> None:
        if generation != self._generation:
            return
        for rel, captured in dates.items():
            listed = self._frames.get(rel)
            if listed is not None and captured is not None:
                listed.frame = replace(listed.frame, captured=captured)
        self._order = sorted(self._frames, key=lambda rel: (self._when(rel), rel))
        self.changed.emit()

    def _when(self, rel: str) -> datetime:
        captured = self._frames[rel].frame.captured
        return (captured or datetime.max).replace(tzinfo=None)

    # -- what the cull says ---------------------------------------------------------------

    def name(self, listed: dict[str, int]) -> None:
        """The cull's catalog ids of the folder's photos (by relative path)."""
        renamed = False
        for rel, photo_id in listed.items():
            entry = self._frames.get(rel)
            if entry is not None and entry.frame.photo_id != photo_id:
                entry.frame = replace(entry.frame, photo_id=photo_id)
                renamed = True
        if renamed:
            self.changed.emit()

    def mark(self, marks: dict[int, DecisionState]) -> None:
        """A person's marks of the listed photos (by catalog id: made here before, or in
        another application), shown before the cull has put the photos in their series."""
        changed = False
        for entry in self._frames.values():
            decision = marks.get(entry.frame.photo_id)
            if decision is not None and decision != entry.frame.decision:
                entry.frame = replace(entry.frame, decision=decision)
                changed = True
        if changed:
            self.changed.emit()

    def remember(self, frame: FrameItem) -> None:
        """A frame shown from here changed (a decision, its details): keep what it shows."""
        rel = self._by_path.get(frame.path)
        entry = self._frames.get(rel) if rel is not None else None
        if entry is not None and entry.frame.photo_id == frame.photo_id:
            entry.frame = replace(frame, series_id=entry.frame.series_id)

    def finish(self) -> None:
        """The cull stored every photo it could read: from the next read of the catalog on,
        its series hold the card (a file it could not read is named in the error bar)."""
        self._finished = True

    def clear(self) -> None:
        self._generation += 1
        self._frames, self._by_path, self._order = {}, {}, []

    # -- what the window shows ------------------------------------------------------------

    def merged(self, series: list[SeriesItem]) -> tuple[list[SeriesItem], list[SeriesItem]]:
        """The catalog's ``series`` with every listed frame they do not hold as a series of
        one, in capture order; and those series of one (to count)."""
        if self._finished or not self._frames:
            return series, []
        held = {f.path for s in series for f in s.frames}
        held.update(p for s in series for f in s.frames for p in f.companions)
        held_ids = {f.photo_id for s in series for f in s.frames}
        singles = []
        for rel in self._order:
            frame = self._frames[rel].frame
            if frame.path in held or frame.photo_id in held_ids:
                continue
            singles.append(SeriesItem(series_id=frame.series_id, frames=[frame], kind="single"))
        if not singles:
            return series, []
        if not series:
            return singles, singles
        both = sorted(
            [*series, *singles],
            key=lambda s: (
                (s.captured or datetime.max).replace(tzinfo=None),
                s.frames[0].path if s.frames else "",
            ),
        )
        return both, singles

    def frame_count(self) -> int:
        return len(self._frames)
