"""Stage 1: what the run knows about each photo: from the catalog if unchanged, else read.

A photo whose size and modification time match the catalog is not opened: its thumbnail,
capture time and camera come from the catalog, and the problems found when it was read
(damaged EXIF, say) are reported again.  A new file whose content the catalog knows under a
path that is gone was moved or renamed: it is adopted with its scores and decisions.
Everything else is read in the worker processes and stored as it arrives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

import numpy as np

from app.catalog import DecisionSource, PhotoInfo, PhotoRecord, normalize_root
from app.photos import PhotoFile, PhotoMetadata
from app.photos.scan import relative_name
from app.photos.tasks import (
    THUMB_SIZE,
    DecodeResult,
    ReadResult,
    ReadTask,
    ScoringTask,
    capture_time,
    content_hash,
    read_for_grouping,
)
from app.pipeline.context import CatalogBatch, RunContext
from app.pipeline.copy_times import (
    kept_timed,
    photo_timed,
    share_times,
    taken_times,
    wall_seconds,
    worth_hashing_ahead,
)
from app.pipeline.reading_runs import MarksAhead, ReadingRuns
from app.pipeline.results import Stage
from app.series_kinds import FOCUS_GRID, KindEvidence
from app.sidecars.renames import follow_rename


@dataclass
class PhotoState:
    """Working state of one photo during a run."""

    file: PhotoFile
    photo_id: int = 0
    captured: str | None = None
    seconds: float = 0.0
    camera: str = ""
    thumbnail: np.ndarray | None = None
    fresh: bool = False  # read from disk this run (new or changed)
    info: PhotoInfo | None = None  # what the catalog holds (exposure and focus facts included)
    scored: DecodeResult | None = None  # the scorer's work done when it was read, until ranked

    @property
    def content_hash(self) -> str | None:
        """The file's content hash, where known (``app.exact_copies``)."""
        return None if self.info is None else self.info.content_hash

    @property
    def companion_hash(self) -> str | None:
        """The content hash of its companion (a RAW+JPEG pair's JPEG), where known and the
        companion is still there."""
        return None if self.info is None or not self.file.companions else self.info.companion_hash

    @property
    def own_captured(self) -> str | None:
        """Its own capture time as read (``captured`` may be the one of a photo it is a
        byte-identical copy of: ``app.pipeline.copy_times``)."""
        return self.captured if self.info is None else self.info.capture_time

    @property
    def own_seconds(self) -> float:
        return wall_seconds(self.own_captured)

    @property
    def from_camera(self) -> bool:
        """Whether its camera recorded its capture time (else it is its file's)."""
        return self.info is not None and self.info.capture_time_source == "exif"

    @property
    def names(self) -> tuple[str, ...]:
        """Its files in the folder, main file first (``app.exact_copies.copy_names``)."""
        paired = self.info is not None and self.file.companions
        return (self.file.rel, *(self.info.companions if paired else ()))

    @property
    def companions(self) -> tuple[str, ...]:
        """Its other files (a RAW+JPEG pair's JPEG), by path in the folder, where known."""
        return self.names[1:]


#: a person's marks are taken for this many photos before the reading starts (the first
#: screens of the card), then for this many more after each photo read (the cull thread
#: waits for the workers' decodes meanwhile), so they are taken well ahead of the reading
MARKS_FIRST = 64
MARKS_AHEAD = 8

# a file to read: the file, its content hash if known, whether reading hashes it
ToRead = tuple[PhotoFile, str | None, bool]


class Inventory:
    """Loads or reads every photo of a scan; problems go to the run's log."""

    def __init__(
        self, run: RunContext, scoring: Callable[[], ScoringTask | None] = lambda: None
    ) -> None:
        self.run = run
        self.catalog = run.catalog
        self.records: list[PhotoRecord] = []  # the folder's photos as the catalog had them
        # the scorer's per-photo work, to do in the same decode (asked only if photos are read)
        self._scoring = scoring
        self.times_held = True  # every photo read in pause runs had the time its header gave
        self.listed: dict[str, int] = {}  # every photo's catalog id by relative path, once known
        self.gone: list[PhotoRecord] = []  # the folder's rows whose files are gone (``_gone``)

    def load_or_read(self, files: list[PhotoFile]) -> list[PhotoState]:
        """Every photo of the scan, from the catalog or read now.  Thumbnails of photos from
        the catalog are not loaded: grouping asks for them only if it has to run."""
        ready, to_read = self.prepare(files)
        for stored, _failed in self._read(to_read):
            ready.extend(stored)
        return ready

    def in_pause_runs(
        self,
        ready: list[PhotoState],
        to_read: list[ToRead],
        max_gap: float,
        take_marks: Callable[[list[PhotoFile]], None] = lambda _files: None,
    ) -> Iterator[list[PhotoState]]:
        """Every photo of the scan in runs cut where the shoot pauses for longer than
        ``max_gap`` (``app.grouping.pause_runs``), each run given as soon as its photos are
        read: the photos are read in capture order (their headers first, which is cheap).
        ``times_held`` turns False if a photo's capture time, once read, is not the one its
        header gave (then the runs cannot be trusted to hold whole series).

        ``take_marks`` is given the photos in the same order, ahead of the reading (the
        first ``MARKS_FIRST`` before it starts, ``MARKS_AHEAD`` more after each photo read,
        while the workers decode), and every photo of a run before the run is given."""
        headers = self._capture_times(to_read)
        to_read, ahead = self._hash_possible_copies(ready, to_read, headers)
        captured = self._shared_times(ready, to_read, headers, ahead)
        expected = [wall_seconds(c) for c in captured]
        order = sorted(range(len(to_read)), key=lambda i: (expected[i], to_read[i][0].rel))
        own = {f.rel: wall_seconds(headers[i][0]) for i, (f, _d, _a) in enumerate(to_read)}
        to_read = [to_read[i] for i in order]
        captured = [captured[i] for i in order]
        wanted = {f.rel: c for c, (f, _d, _a) in zip(captured, to_read, strict=True)}
        times = [(p.seconds, p.file.rel) for p in ready]
        times += [(wall_seconds(c), rel) for rel, c in wanted.items()]
        runs = ReadingRuns(times, max_gap)
        marks = MarksAhead([f for f, _d, _a in to_read], take_marks)

        take_marks([p.file for p in ready])
        marks.up_to(MARKS_FIRST)
        for photo in ready:
            runs.read(photo.file.rel)
            runs.arrive(photo.file.rel, photo)
        yield from marks.covered(runs.complete())
        each = lambda _done: marks.ahead(MARKS_AHEAD)  # noqa: E731
        arrived = list(ready)
        for stored, failed in self._read(to_read, store_now=runs.read, each=each):
            for photo in stored:
                if photo.seconds != own[photo.file.rel]:
                    self.times_held = False
                photo.captured = wanted[photo.file.rel]
                photo.seconds = wall_seconds(photo.captured)
                arrived.append(photo)
                runs.arrive(photo.file.rel, photo)
            for rel in failed:
                runs.arrive(rel, None)
            yield from marks.covered(runs.complete())
        if not self.run.cancelled:
            marks.all()  # photos that could not be read too
            # a copy whose original's time was not known before reading (or not read)
            if share_times(arrived, self.gone):
                self.times_held = False
        # a cancelled read leaves its last runs incomplete: they are not given

    def _capture_times(self, to_read: list[ToRead]) -> list[tuple[str | None, bool]]:
        """The capture time reading will find for each photo, from its header, and whether
        its camera recorded it."""
        tasks = [(i, f.decode_path, f.mtime_ns / 1e9) for i, (f, _d, _a) in enumerate(to_read)]
        unread = lambda task, _message: (task[0], None, False)  # noqa: E731  (its read says why)
        found = {
            i: (c, camera)
            for i, c, camera in self.run.pool.map(capture_time, tasks, self.run.cancel, unread)
        }
        return [found.get(i, (None, False)) for i in range(len(to_read))]

    def _hash_possible_copies(
        self, ready: list[PhotoState], to_read: list[ToRead], headers: list[tuple[str | None, bool]]
    ) -> tuple[list[ToRead], dict[int, str | None]]:
        """Hash, before reading, the photos to read that may be byte-identical copies timed by
        their file or the photos they were copied from (``app.pipeline.copy_times``): the
        files to read with those hashes (not taken again as they are read), and the hashes
        of their companions by position."""
        sizes = [p.file.sizes for p in ready] + [f.sizes for f, _d, _a in to_read]
        cameras = [p.from_camera for p in ready] + [camera for _c, camera in headers]
        wanted = {i - len(ready) for i in worth_hashing_ahead(sizes, cameras) if i >= len(ready)}
        if not wanted:
            return to_read, {}
        tasks = [(i, to_read[i][0].path) for i in wanted if to_read[i][1] is None]
        tasks += [(-1 - i, to_read[i][0].companions[0]) for i in wanted if to_read[i][0].companions]
        hashed = dict(self.run.pool.map(content_hash, tasks, self.run.cancel))
        to_read = [
            (f, hashed[i], False) if i in hashed and hashed[i] is not None else (f, d, a)
            for i, (f, d, a) in enumerate(to_read)
        ]
        return to_read, {i: hashed.get(-1 - i) for i in wanted if to_read[i][0].companions}

    def _shared_times(
        self,
        ready: list[PhotoState],
        to_read: list[ToRead],
        headers: list[tuple[str | None, bool]],
        companions: dict[int, str | None],
    ) -> list[str | None]:
        """The capture time of each photo to read for grouping (a byte-identical copy timed by
        its file takes its original's, ``app.exact_copies.times_from``); the photos already
        known take theirs now."""
        timed = [photo_timed(p) for p in ready]
        timed += [
            ((digest, companions.get(i)) if f.companions else (digest,), captured, camera)
            for i, ((f, digest, _a), (captured, camera)) in enumerate(
                zip(to_read, headers, strict=True)
            )
        ]
        taken = taken_times(timed + [kept_timed(r) for r in self.gone])
        # again for the photos known: one may take the time of one to read (else regrouped)
        for photo, captured in zip(ready, taken, strict=False):
            photo.captured = captured
            photo.seconds = wall_seconds(captured)
        return taken[len(ready) : len(timed)]

    def prepare(self, files: list[PhotoFile]) -> tuple[list[PhotoState], list[ToRead]]:
        """The photos of the scan the catalog knows unchanged (or that moved), and the files
        still to read: (file, content hash if known, whether reading hashes it)."""
        self.records = self.catalog.photos(self.run.root)
        known = {record.relpath: record for record in self.records}
        present = {f.rel for f in files}
        ready: list[PhotoState] = []
        pending: list[PhotoFile] = []
        for file in files:
            record = known.get(file.rel)
            unchanged = (
                record is not None
                and (record.size, record.mtime_ns) == (file.size, file.mtime_ns)
                and companion_unchanged(record, file)
            )
            if unchanged and record.decode_error:
                self.run.problem(file.rel, record.decode_error)  # known unreadable: not retried
            elif unchanged and record.thumb_width:
                if record.read_warning:
                    self.run.problem(file.rel, record.read_warning)  # as on the first run
                ready.append(from_record(file, record))
            else:
                pending.append(file)

        if pending:
            self.run.pool.start(len(pending))  # workers start while the catalog is asked
        # Only a file with the size of a catalogued photo can be one that moved: those are
        # hashed first; every other file is hashed by the task that reads it.
        sizes = self.catalog.known_sizes(f.size for f in pending)
        tasks = [(i, f.path) for i, f in enumerate(pending) if f.size in sizes]
        hashes = dict(self.run.pool.map(content_hash, tasks, self.run.cancel))
        catalogued = self.catalog.known_hashes(d for d in hashes.values() if d)
        to_read: list[ToRead] = []
        for index, file in enumerate(pending):
            if file.size not in sizes:
                to_read.append((file, None, True))
                continue
            digest = hashes.get(index)
            # A path the catalog already knows changed in place; anything else may have moved.
            maybe_moved = digest in catalogued and file.rel not in known
            moved = self._find_moved(digest, present) if maybe_moved else None
            if moved is not None:
                ready.append(self._adopt_moved(file, moved, digest))
            else:
                to_read.append((file, digest, False))
        self._hash_companions(ready)
        self.gone = self._gone(present, ready)
        # a run with nothing to read groups by these (else ``_shared_times``)
        share_times(ready, self.gone)
        self._announce(ready, to_read, known)
        self._take_nested_decisions()
        return ready, to_read

    def _gone(self, present: set[str], ready: list[PhotoState]) -> list[PhotoRecord]:
        """The catalog's rows of this folder whose main file is gone from the disk (deleted,
        or moved where no cull found it yet), with the capture time read from it: a copy timed
        by its file that took its time keeps it once the original is deleted
        (``app.pipeline.copy_times``).  Rows of other folders never lend a time, and a file
        not scanned but still there (in a folder a cull without ``--recursive`` left out) is
        not gone."""
        adopted = {p.photo_id for p in ready}  # a row that moved this run is a photo again
        return [
            record
            for record in self.records
            if record.relpath not in present
            and record.id not in adopted
            and record.content_hash
            and record.capture_time
            and not record.decode_error
            and not record.path.exists()
        ]

    def _hash_companions(self, ready: list[PhotoState]) -> None:
        """The content hash of the companion (a RAW+JPEG pair's JPEG) of photos catalogued
        before it was kept, taken once (a photo read now has it hashed as it is read), so a
        lone copy of that JPEG elsewhere is known for the same photo (``app.exact_copies``);
        stored with the companion's size and time, which tell the next run whether it was
        rewritten (for a hash kept before they were, the time is taken as it is now)."""
        unknown = [
            p
            for p in ready
            if p.file.companions
            and p.info is not None
            and (p.companion_hash is None or p.info.companion_size is None)
        ]
        tasks = [
            (i, p.file.companions[0]) for i, p in enumerate(unknown) if p.companion_hash is None
        ]
        hashed = dict(self.run.pool.map(content_hash, tasks, self.run.cancel))
        stored: dict[int, tuple[str | None, tuple[int, int] | None]] = {}
        for i, photo in enumerate(unknown):
            digest = hashed.get(i, photo.companion_hash)
            stat = companion_stat_kept(photo.file, digest)
            size, mtime_ns = stat or (None, None)
            photo.info = replace(
                photo.info, companion_hash=digest, companion_size=size, companion_mtime_ns=mtime_ns
            )
            stored[photo.photo_id] = (digest, stat)
        self.catalog.set_companion_hashes(stored)

    def _take_nested_decisions(self) -> None:
        """A photo culled both as part of a folder around this one and of this one (or of one
        inside it) has a catalog row for each: a person's decision made on the other row, if
        it is the newer one, becomes this row's, so a cull of one folder never rejects or
        moves what the photographer marked while looking at the other."""
        root = PurePosixPath(normalize_root(self.run.root))
        nested = [
            other
            for other in map(PurePosixPath, self.catalog.roots())
            if other != root and (other.is_relative_to(root) or root.is_relative_to(other))
        ]
        here = {(root / rel).as_posix(): photo_id for rel, photo_id in self.listed.items()}
        twins: dict[int, list[int]] = {}
        for other in nested:
            for record in self.catalog.photos(other):
                photo_id = here.get((other / record.relpath).as_posix())
                if photo_id is not None:
                    twins.setdefault(photo_id, []).append(record.id)
        if not twins:
            return
        theirs = self.catalog.decisions(i for ids in twins.values() for i in ids)
        ours = self.catalog.decisions(twins)
        for photo_id, ids in twins.items():
            marked = [theirs[i] for i in ids if theirs[i].is_user and theirs[i].decided_at]
            if not marked:
                continue
            newest = max(marked, key=lambda decision: decision.decided_at)
            mine = ours[photo_id]
            same = (mine.flag, mine.rating, mine.label) == (
                newest.flag,
                newest.rating,
                newest.label,
            )
            if mine.is_user and (
                same or (mine.decided_at or newest.decided_at) >= newest.decided_at
            ):
                continue
            self.catalog.set_decision(
                photo_id,
                flag=newest.flag,
                rating=newest.rating,
                label=newest.label,
                source=DecisionSource.USER,
            )

    def _announce(
        self,
        ready: list[PhotoState],
        to_read: list[ToRead],
        known: dict[str, PhotoRecord],
    ) -> None:
        """Give the photos still to read a catalog row now (size and time only: a later run
        reads them again, as if new, until their read is stored), and tell the front end
        every photo's id, so it can show and mark them while they are read."""
        new = [f for f, _digest, _as_read in to_read if f.rel not in known]
        root = self.run.root
        ids = self.catalog.upsert_photos(
            [
                PhotoInfo(
                    root=str(root),
                    relpath=f.rel,
                    size=f.size,
                    mtime_ns=f.mtime_ns,
                    companions=tuple(relative_to_root(c, root) for c in f.companions),
                )
                for f in new
            ]
        )
        listed = {p.file.rel: p.photo_id for p in ready}
        listed.update({f.rel: known[f.rel].id for f, _d, _a in to_read if f.rel in known})
        listed.update({f.rel: photo_id for f, photo_id in zip(new, ids, strict=True)})
        self.listed = listed
        self.run.emit(Stage.READ, 0, len(to_read), "Reading", listed=listed)

    def _find_moved(self, digest: str, present: set[str]) -> PhotoRecord | None:
        """A catalog photo with this content whose old file is gone: the file was moved."""
        for record in self.catalog.find_by_hash(digest):
            if record.decode_error:
                continue
            if record.root == normalize_root(self.run.root):
                still_there = record.relpath in present
            else:
                still_there = record.path.exists()
            if not still_there:
                return self.catalog.photo(record.id, with_thumbnail=True)
        return None

    def _adopt_moved(self, file: PhotoFile, record: PhotoRecord, digest: str) -> PhotoState:
        root = self.run.root
        companions = [relative_to_root(c, root) for c in file.companions]
        self.catalog.move_photo(
            record.id,
            file.rel,
            new_root=root,
            companions=companions,
            sidecars=follow_rename(self.catalog, record, root, [file.rel, *companions]),
        )
        names = PhotoInfo.__dataclass_fields__
        info = PhotoInfo(
            **{
                **{name: getattr(record, name) for name in names},
                "root": str(root),
                "relpath": file.rel,
                "size": file.size,
                "mtime_ns": file.mtime_ns,
                "content_hash": digest,
                "companions": tuple(relative_to_root(c, root) for c in file.companions),
                # its companion is hashed again (``_hash_companions``): it may not have moved
                # with it unchanged
                "companion_hash": None,
                "companion_size": None,
                "companion_mtime_ns": None,
            }
        )
        self.catalog.upsert_photo(info)
        return from_record(file, replace(record, companion_hash=None, companion_size=None))

    def _read(
        self,
        to_read: list[ToRead],
        store_now: Callable[[str], bool] = lambda _rel: False,
        each: Callable[[int], None] = lambda _done: None,
    ) -> Iterator[tuple[list[PhotoState], list[str]]]:
        """Read new photos in the pool; store them in batches (``CatalogBatch``), each given
        as it is stored, with the files that could not be read since the last one.  A batch
        is also stored when ``store_now`` says so of the file just read; ``each`` is told
        how many were read after each one (work to do while the workers decode)."""
        total = len(to_read)
        scoring = self._scoring() if to_read else None
        tasks = [
            ReadTask(
                i,
                f.decode_path,
                f.mtime_ns / 1e9,
                scoring and replace(scoring, index=i),
                f.path if hash_as_read else None,
                f.companions[0] if f.companions else None,
            )
            for i, (f, _, hash_as_read) in enumerate(to_read)
        ]
        stored: list[PhotoState] = []
        failed: list[str] = []
        batch = CatalogBatch(lambda items: stored.extend(self._store(items)))
        crashed = lambda task, message: ReadResult(task[0], error=message)  # noqa: E731
        outcomes = self.run.pool.map(read_for_grouping, tasks, self.run.cancel, crashed)
        for done, outcome in enumerate(outcomes, start=1):
            file, digest, hash_as_read = to_read[outcome.index]
            if hash_as_read:
                digest = outcome.content_hash
            if outcome.error is not None:
                self.run.problem(file.rel, outcome.error)
                self.catalog.record_error(
                    self.run.root, file.rel, outcome.error, size=file.size, mtime_ns=file.mtime_ns
                )
                failed.append(file.rel)
            else:
                meta = outcome.metadata
                if meta.warning:
                    self.run.problem(file.rel, meta.warning)
                info = self._info(
                    file, (digest, outcome.companion_hash), meta, outcome.thumbnail, outcome.focus
                )
                batch.add((file, info, meta, outcome.thumbnail, outcome.scored))
            self.run.emit(Stage.READ, done, total, file.rel)
            each(done)
            if store_now(file.rel):
                batch.flush()
            if stored or failed:
                yield stored, failed
                stored, failed = [], []
        batch.flush()
        if stored or failed:
            yield stored, failed

    def _info(
        self,
        file: PhotoFile,
        hashes: tuple[str | None, str | None],
        meta: PhotoMetadata,
        thumb: bytes,
        focus: bytes | None,
    ) -> PhotoInfo:
        """What was read of a photo, with its file's and its companion's content hashes."""
        root = self.run.root
        companion_size, companion_mtime_ns = companion_stat_kept(file, hashes[1]) or (None, None)
        return PhotoInfo(
            root=str(root),
            relpath=file.rel,
            size=file.size,
            mtime_ns=file.mtime_ns,
            content_hash=hashes[0],
            companions=tuple(relative_to_root(c, root) for c in file.companions),
            companion_hash=hashes[1],
            companion_size=companion_size,
            companion_mtime_ns=companion_mtime_ns,
            capture_time=meta.captured_iso(),
            capture_time_source=meta.time_source,
            camera_make=meta.make,
            camera_model=meta.model,
            camera_serial=meta.serial,
            thumbnail=thumb,
            thumb_width=THUMB_SIZE,
            thumb_height=THUMB_SIZE,
            read_warning=meta.warning,
            exposure_seconds=meta.exposure_seconds,
            exposure_bias=meta.exposure_bias,
            f_number=meta.f_number,
            iso=meta.iso,
            subject_distance=meta.subject_distance,
            auto_bracket=meta.auto_bracket,
            focus_map=focus,
        )

    def _store(self, batch: list[tuple]) -> list[PhotoState]:
        """Store a batch of (file, info, metadata, thumbnail, scored) in one transaction."""
        if not batch:
            return []
        ids = self.catalog.upsert_photos([item[1] for item in batch])
        self.run.decoded.update(ids)
        return [
            PhotoState(
                file=file,
                photo_id=photo_id,
                captured=info.capture_time,
                seconds=wall_seconds(info.capture_time),
                camera=meta.camera_key,
                thumbnail=np.frombuffer(thumb, dtype=np.uint8).reshape(THUMB_SIZE, THUMB_SIZE),
                fresh=True,
                info=info,
                scored=scored,
            )
            for (file, info, meta, thumb, scored), photo_id in zip(batch, ids, strict=True)
        ]


def companion_stat_kept(file: PhotoFile, digest: str | None) -> tuple[int, int] | None:
    """The companion's size and time to store with its content hash: only together with a
    hash, since they vouch that the file hashed is the one still there (a run that finds
    them unchanged trusts the hash; ``companion_unchanged``)."""
    return file.companion_stat if digest is not None else None


def companion_unchanged(record: PhotoRecord, file: PhotoFile) -> bool:
    """Whether the companion (a RAW+JPEG pair's JPEG, which the pair is decoded from and whose
    hash tells its copies) is the one the catalog read: its size and time as they were
    stored; where none were stored, a file not written since the photo was first catalogued."""
    if file.companion_stat is None:
        return True
    if record.companion_size is not None and record.companion_mtime_ns is not None:
        return (record.companion_size, record.companion_mtime_ns) == file.companion_stat
    if record.first_seen is None:
        return True
    return file.companion_stat[1] <= record.first_seen.timestamp() * 1e9


def from_record(file: PhotoFile, record: PhotoRecord) -> PhotoState:
    camera = "|".join(
        part or "" for part in (record.camera_make, record.camera_model, record.camera_serial)
    )
    return PhotoState(
        file=file,
        photo_id=record.id,
        captured=record.capture_time,
        seconds=wall_seconds(record.capture_time),
        camera=camera,
        thumbnail=None if record.thumbnail is None else thumbnail_array(record.thumbnail),
        info=record,
    )


def thumbnail_array(data: bytes | None) -> np.ndarray:
    """The stored grouping thumbnail as an array (a blank one if it is damaged)."""
    thumb = np.frombuffer(data or b"", dtype=np.uint8)
    if thumb.size != THUMB_SIZE * THUMB_SIZE:
        return np.zeros((THUMB_SIZE, THUMB_SIZE), dtype=np.uint8)
    return thumb.reshape(THUMB_SIZE, THUMB_SIZE)


def relative_to_root(path: Path, root: Path) -> str:
    try:
        return relative_name(Path(path), root)
    except ValueError:
        return str(path)


def kind_evidence(photo: PhotoState) -> KindEvidence:
    """What the kind of the photo's series is told from (exposure, focus, thumbnail)."""
    info = photo.info or PhotoInfo(root="", relpath="", size=0, mtime_ns=0)
    focus = None
    if info.focus_map:
        cells = np.frombuffer(info.focus_map, dtype="<f4")
        if cells.size == FOCUS_GRID[0] * FOCUS_GRID[1]:
            focus = cells.reshape(FOCUS_GRID)
    return KindEvidence(
        seconds=photo.seconds,
        camera=photo.camera,
        thumbnail=photo.thumbnail,
        exposure_bias=info.exposure_bias,
        exposure_seconds=info.exposure_seconds,
        f_number=info.f_number,
        iso=info.iso,
        subject_distance=info.subject_distance,
        auto_bracket=info.auto_bracket,
        focus=focus,
    )
