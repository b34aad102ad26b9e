"""The open folder as the GUI sees it: series and decisions read from and written to the catalog.

Everything goes through :class:`app.catalog.Catalog`; this module only turns its frozen
records into view items and keeps the undo information ``set_decision`` returns.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from app.catalog import (
    Catalog,
    DecisionSource,
    DecisionState,
    Flag,
    SeriesMember,
    SeriesView,
)
from app.exact_copies import copy_names, file_hashes, originals, same_photo_keys
from app.gui.items import FrameItem, SeriesItem, ShootCounts
from app.gui.taste_order import follow_taste
from app.moves import in_rejects_folder
from app.photos import PhotoFile, read_metadata
from app.pipeline.results import RankingInUse
from app.scoring.why import stored_why

ORIENTATION = 0x0112
TURNED = (5, 6, 7, 8)  # EXIF orientations that turn the photo a quarter


def _captured(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


#: how the window names the scorers the catalog records
MODEL_NAMES = {"fgaesq": "FGAesQ", "technical": "technical scorer"}


def model_text(model: str, weights_id: str) -> str:
    """``FGAesQ (fgaesq:0123abcd4567)``: the model and the weights that gave a score."""
    name = MODEL_NAMES.get(model, model)
    return f"{name} ({weights_id})" if weights_id and weights_id != model else name


def frame_from_member(
    member: SeriesMember, rank: int, series_id: int = -1, model: str = ""
) -> FrameItem:
    photo = member.photo
    files = photo.files
    # decode the JPEG of a RAW+JPEG pair: the scanner's own rule picks it
    decode = PhotoFile(files[0], photo.relpath, photo.size, photo.mtime_ns, files[1:]).decode_path
    camera = " ".join(p for p in (photo.camera_make, photo.camera_model) if p)
    return FrameItem(
        photo_id=photo.id,
        path=str(decode),
        companions=tuple(str(f) for f in files if f != decode),
        score=member.score,
        rank=rank,
        decision=member.decision,
        captured=_captured(photo.capture_time),
        camera=camera,
        width=photo.width or 0,
        height=photo.height or 0,
        model=model,
        error=photo.decode_error or "",
        series_id=series_id,
        faces=member.faces,
        position=member.position,
        same_photo=same_photo_keys(photo),
    )


def mark_copies(frames: list[FrameItem], members: list[SeriesMember]) -> None:
    """Name on each byte-identical copy the file it copies (as the cull's ``copy_of`` does:
    of a RAW+JPEG pair before its lone JPEG, else of the first frame in capture order), and
    on that frame its copies: from the catalog's hashes, no file is read."""
    in_order = sorted(range(len(members)), key=lambda i: members[i].position)
    photos = [members[i].photo for i in in_order]
    files = [file_hashes(p) for p in photos]
    first = originals(files)
    twins = copy_names([(p.relpath, *p.companions) for p in photos], files, first)
    for k, twin in enumerate(twins):
        if twin is not None:
            frames[in_order[k]].copy_of = twin
            frames[in_order[first[k]]].copies += (photos[k].relpath,)


def stars_over_reject(current: DecisionState, marks: dict) -> dict:
    """The photographer's ``marks`` with the cull's reject taken back where they give stars
    to a frame it rejected, as stars in another application's sidecar do: kept, it became
    the photographer's own reject, written as ``Rating -1`` over the stars just given and
    moved with the rejects."""
    giving_stars = marks.get("rating", 0) > 0 and "flag" not in marks
    if giving_stars and current.flag is Flag.REJECT and not current.is_user:
        return {**marks, "flag": Flag.NONE}
    return marks


def series_item(
    view: SeriesView,
    models: Mapping[int, str] | None = None,
    members: Iterable[SeriesMember] | None = None,
) -> SeriesItem:
    """Frames ordered by rank (best first); unscored frames follow in capture order.

    ``models`` names the model that gave each photo's score; ``members`` replaces the
    view's members (the ones still in the folder).
    """

    def order(m: SeriesMember) -> tuple:
        if m.rank is not None:
            return (0, m.rank, m.position)
        if m.score is not None:
            return (1, -m.score, m.position)
        return (2, 0, m.position)

    members = sorted(view.members if members is None else members, key=order)
    scored = any(m.score is not None for m in members)
    models = models or {}
    frames = [
        frame_from_member(m, i + 1 if scored else 0, view.id, models.get(m.photo.id, ""))
        for i, m in enumerate(members)
    ]
    mark_copies(frames, members)
    return SeriesItem(
        series_id=view.id,
        frames=frames,
        kind=view.kind,
        pick_reason=view.pick_reason,
        kind_reason=view.kind_reason,
        kind_source=view.kind_source,
        confidence=view.confidence,  # of every frame ranked (the sidecars read the same)
    )


class FolderLibrary:
    """Reads a folder's series and writes user decisions, one catalog transaction each."""

    def __init__(self, catalog: Catalog, root: str | Path) -> None:
        self.catalog = catalog
        self.root = str(Path(root).resolve())
        self._details: dict[int, dict] = {}
        self._models: dict[int, tuple[float | None, str]] = {}  # photo: (score, its model)
        self.taste: str | None = None  # the taste profile that orders the series shown
        self.closed_eye_rule = True
        self.ranking: RankingInUse | None = None  # which ranking the last read followed

    def load(self) -> list[SeriesItem]:
        """The folder's series as the catalog has them, without photos moved aside as
        rejects (they left their series when they moved)."""
        views = self.catalog.series(self.root)
        moved_aside: dict[str, bool] = {}  # per folder: one look each
        destinations = {Path(d) for d in self.catalog.move_destinations()}
        kept = {}
        for view in views:
            kept[view.id] = []
            for member in view.members:
                folder = os.path.dirname(member.photo.relpath)
                if folder not in moved_aside:
                    moved_aside[folder] = in_rejects_folder(member.photo, destinations)
                if not moved_aside[folder]:
                    kept[view.id].append(member)
        models = self._models_of([m for members in kept.values() for m in members])
        series = [series_item(v, models, kept[v.id]) for v in views if kept[v.id]]
        self.ranking = follow_taste(self.catalog, views, series, self.taste, self.closed_eye_rule)
        for item in series:
            item.frames = [self.with_details(f) for f in item.frames]
        self._explain(views, series)
        return series

    def _explain(self, views: list, series: list[SeriesItem]) -> None:
        """Attach each pick's stored explanation and the two frames it compares."""
        paths = {m.photo.relpath: m.photo.id for v in views for m in v.members}
        whys = self.catalog.whys([f.photo_id for s in series for f in s.frames[:1]])
        for item in series:
            why = stored_why(whys.get(item.frames[0].photo_id)) if item.frames else None
            frames = why and (paths.get(why.get("pick")), paths.get(why.get("runner_up")))
            if why and None not in frames:
                item.why, item.why_frames = why, frames

    def set_decision(self, photo_id: int, **marks) -> tuple[DecisionState, DecisionState]:
        """Apply the user's marks now (a crash loses nothing); return (before, after)."""
        if marks.get("rating", 0) > 0 and "flag" not in marks:  # read the catalog only then
            marks = stars_over_reject(self.catalog.decision(photo_id), marks)
        before = self.catalog.set_decision(photo_id, source=DecisionSource.USER, **marks)
        return before, self.catalog.decision(photo_id)

    def restore(self, photo_id: int, state: DecisionState) -> None:
        self.catalog.restore_decision(photo_id, state)

    def _models_of(self, members: list[SeriesMember]) -> dict[int, str]:
        """Which model gave each photo the score shown (its newest score, whichever model);
        asked of the catalog only for photos whose score changed since the last load."""
        changed = [
            m.photo.id
            for m in members
            if m.score is not None and self._models.get(m.photo.id, (None, ""))[0] != m.score
        ]
        if changed:
            for photo_id, record in self.catalog.scores(changed, None, None).items():
                self._models[photo_id] = (record.score, model_text(record.model, record.weights_id))
        return {
            m.photo.id: self._models[m.photo.id][1] for m in members if m.photo.id in self._models
        }

    def with_details(self, frame: FrameItem) -> FrameItem:
        """The frame with exposure, lens and size filled in once they were read."""
        details = self._details.get(frame.photo_id)
        return replace(frame, **details) if details else frame

    def has_details(self, photo_id: int) -> bool:
        return photo_id in self._details

    def remember_details(self, photo_id: int, details: dict) -> None:
        self._details[photo_id] = details


def read_details(frame: FrameItem) -> dict:
    """Exposure, camera, lens and pixel size from the file (a worker thread calls this).

    Raises OSError when the file cannot be read any more.
    """
    meta = read_metadata(frame.path)
    parts = [
        f"{meta.exposure_time} s" if meta.exposure_time else "",
        f"f/{meta.f_number:g}" if meta.f_number else "",
        f"ISO {meta.iso}" if meta.iso else "",
        f"{meta.focal_length:g} mm" if meta.focal_length else "",
    ]
    width, height = frame.width, frame.height
    if not width:
        try:
            with Image.open(frame.path) as image:  # reads the header only
                width, height = image.size
                if image.getexif().get(ORIENTATION, 1) in TURNED:  # shown upright
                    width, height = height, width
        except (OSError, ValueError):
            pass  # RAW files and unreadable ones keep no size
    return {
        "exposure": "  ".join(p for p in parts if p),
        "camera": frame.camera or " ".join(p for p in (meta.make, meta.model) if p),
        "lens": meta.lens or "",
        "width": width,
        "height": height,
    }


class _DetailsJob(QRunnable):
    def __init__(self, loader: DetailsLoader, frame: FrameItem, generation: int) -> None:
        super().__init__()
        self._loader, self._frame, self._generation = loader, frame, generation

    def run(self) -> None:
        try:
            details = read_details(self._frame)
        except Exception as exc:  # a file gone since the scan: shown, never fatal
            self._loader._failed.emit(self._generation, self._frame.photo_id, str(exc))
            return
        self._loader._done.emit(self._generation, self._frame.photo_id, details)


class DetailsLoader(QObject):
    """Reads a frame's EXIF details on a worker thread, once per photo.

    ``ready(photo_id, details)`` and ``failed(photo_id, message)`` arrive in the GUI thread;
    results for a folder that is no longer open are dropped.
    """

    ready = Signal(int, object)
    failed = Signal(int, str)
    _done = Signal(int, int, object)
    _failed = Signal(int, int, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._generation = 0
        self._pending: set[int] = set()
        self._done.connect(self._on_done)
        self._failed.connect(self._on_failed)

    def request(self, frame: FrameItem) -> None:
        if frame.photo_id in self._pending:
            return
        self._pending.add(frame.photo_id)
        self.pool.start(_DetailsJob(self, frame, self._generation))

    def busy(self) -> bool:
        return bool(self._pending)

    def clear(self) -> None:
        self._generation += 1
        self.pool.clear()
        self._pending.clear()

    def shutdown(self) -> None:
        self.clear()
        self.pool.waitForDone()

    def _on_done(self, generation: int, photo_id: int, details: dict) -> None:
        if generation == self._generation:
            self._pending.discard(photo_id)
            self.ready.emit(photo_id, details)

    def _on_failed(self, generation: int, photo_id: int, message: str) -> None:
        if generation == self._generation:
            self._pending.discard(photo_id)
            self.failed.emit(photo_id, message)


class _LoadJob(QRunnable):
    def __init__(self, loader: SeriesLoader, library: FolderLibrary, ticket: int) -> None:
        super().__init__()
        self._loader, self._library, self._ticket = loader, library, ticket

    def run(self) -> None:
        try:
            series = self._library.load()
            self._loader._done.emit(self._ticket, (series, ShootCounts.of(series)))
        except Exception as exc:  # shown in the window by the receiver
            self._loader._failed.emit(self._ticket, str(exc))


class SeriesLoader(QObject):
    """Reads the series off the GUI thread; a result older than the newest change is re-read.

    ``invalidate()`` is called whenever the GUI itself writes a decision, so a read that
    started before that write never overwrites it on screen.
    """

    loaded = Signal(object, object)  # list[SeriesItem], their ShootCounts
    failed = Signal(str)
    _done = Signal(int, object)
    _failed = Signal(int, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._ticket = 0
        self._running = False
        self._again = False
        self.library: FolderLibrary | None = None
        self._done.connect(self._on_done)
        self._failed.connect(self._on_failed)

    def load(self, library: FolderLibrary) -> None:
        if library is not self.library:
            self.library = library
            self._ticket += 1  # results for another folder are dropped
        if self._running:
            self._again = True
            return
        self._running = True
        self._again = False
        self.pool.start(_LoadJob(self, library, self._ticket))

    def invalidate(self) -> None:
        self._ticket += 1
        if self._running:
            self._again = True

    def busy(self) -> bool:
        return self._running

    def _finish(self, ticket: int) -> bool:
        """True when the result is current; otherwise start the read again if needed."""
        self._running = False
        current = ticket == self._ticket
        if (self._again or not current) and self.library is not None:
            self.load(self.library)
            return False
        return current

    def _on_done(self, ticket: int, result: tuple) -> None:
        if self._finish(ticket):
            self.loaded.emit(*result)

    def _on_failed(self, ticket: int, message: str) -> None:
        if self._finish(ticket):
            self.failed.emit(message)

    def shutdown(self) -> None:
        self._ticket += 1
        self.library = None
        self.pool.waitForDone()
