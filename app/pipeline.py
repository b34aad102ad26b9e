"""The cull job: scan -> cache check -> read -> group -> rank -> store -> sidecars -> moves.

``run_cull`` is the one implementation behind the command line and the GUI.  It never
writes to a photo: it reads files, writes the catalog, and on request XMP sidecars and
journaled moves of rejects.  Work is committed to the catalog as it completes (photos as
they are read, scores series by series), so an interrupted run leaves a consistent catalog
and the next run picks up where it stopped.  A rerun on unchanged files decodes nothing and
runs no model: thumbnails, capture times and scores come from the catalog.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from app import heap
from app.catalog import (
    Catalog,
    CatalogError,
    DecisionSource,
    DecisionState,
    Flag,
    PhotoInfo,
    PhotoRecord,
    RunStatus,
    normalize_root,
)
from app.grouping import (
    DEFAULT_MAX_GAP,
    DEFAULT_MIN_SIMILARITY,
    GroupingParams,
    GroupItem,
    group_series,
)
from app.grouping import preload as preload_grouping
from app.photos import PhotoFile, PhotoMetadata, scan_folder
from app.photos.tasks import (
    THUMB_SIZE,
    DecodeResult,
    ReadResult,
    content_hash,
    decode_for_scoring,
    read_for_grouping,
)
from app.photos.workers import WorkerPool
from app.scoring import PreparingScorer, Scorer, create_scorer


class CullError(Exception):
    """The run cannot start or cannot go on (e.g. the folder does not exist)."""


@dataclass
class CullOptions:
    """Everything a cull can be told; the CLI flags and the GUI preferences fill it."""

    scorer: str = "auto"  # "auto", "fgaesq" or "technical"
    weights: str | None = None
    device: str = "auto"
    series_mode: str = "reference"
    time_gap_s: float = DEFAULT_MAX_GAP
    similarity: float = DEFAULT_MIN_SIMILARITY
    catalog_path: Path | str | None = None  # None: the per-user catalog
    recursive: bool = True
    write_xmp: bool = False
    sidecar_style: str = "replace"
    reject_others: bool = False
    move_rejects: Path | str | None = None
    workers: int | None = None  # decoding processes; None: one per CPU core


@dataclass(frozen=True)
class MemberResult:
    """One frame of a series in the result."""

    photo_id: int
    path: str  # relative to the folder, POSIX separators
    file: Path  # the real file (main file of a RAW+JPEG pair)
    score: float
    rank: int  # 1 = best in its series
    captured: str | None  # ISO 8601


@dataclass(frozen=True)
class SeriesResult:
    id: int  # 1-based, in capture order
    members: tuple[MemberResult, ...]  # capture order

    @property
    def best(self) -> MemberResult:
        return min(self.members, key=lambda member: member.rank)


@dataclass(frozen=True)
class Problem:
    path: str
    error: str


@dataclass(frozen=True)
class ProgressEvent:
    """Progress of a run.  ``series`` is set when a series has just been ranked."""

    stage: str  # "scan", "read", "group", "rank", "sidecars", "moves", "done"
    done: int
    total: int
    message: str = ""
    series: SeriesResult | None = None
    problem: Problem | None = None


@dataclass
class CullStats:
    photos: int = 0
    series: int = 0
    decoded: int = 0
    scored: int = 0
    cached: int = 0
    seconds: float = 0.0


@dataclass
class CullResult:
    root: Path
    model: dict[str, str]
    series: list[SeriesResult] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    stats: CullStats = field(default_factory=CullStats)
    notes: list[str] = field(default_factory=list)
    cancelled: bool = False
    catalog_path: Path | None = None
    # Current marks by photo id, read from the catalog at the end of the run, so decisions
    # made in the GUI since the last run show in this one's report.
    decisions: dict[int, DecisionState] = field(default_factory=dict)

    def summary(self) -> str:
        state = "Cancelled" if self.cancelled else "Culled"
        return (
            f"{state}: {self.stats.photos} photos in {self.stats.series} series, "
            f"{len(self.errors)} problems ({self.stats.seconds:.1f} s)"
        )


ProgressCallback = Callable[[ProgressEvent], None]


@dataclass
class _Photo:
    """Working state of one photo during a run."""

    file: PhotoFile
    photo_id: int = 0
    captured: str | None = None
    seconds: float = 0.0
    camera: str = ""
    thumbnail: np.ndarray | None = None
    fresh: bool = False  # read from disk this run (new or changed)


def run_cull(
    folder: str | os.PathLike[str],
    options: CullOptions | None = None,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> CullResult:
    """Cull ``folder``: group its photos into series and rank every series.

    Args:
        folder: the folder to cull (searched recursively unless ``options.recursive`` is off).
        options: what to do; defaults to ``CullOptions()``.
        progress: called with a ProgressEvent after each unit of work (from this thread).
        cancel: when set, the run stops after the current unit of work; the result then has
            ``cancelled=True`` and holds what was finished.

    Raises:
        CullError: the folder does not exist or is not a folder.
        ScorerUnavailable: ``options.scorer == "fgaesq"`` and the model cannot be loaded.
    """
    return _Run(folder, options or CullOptions(), progress, cancel).execute()


class _Run:
    def __init__(self, folder, options: CullOptions, progress, cancel) -> None:
        self.root = Path(os.path.abspath(os.fspath(folder)))
        if not self.root.exists():
            raise CullError(f"{self.root}: no such folder")
        if not self.root.is_dir():
            raise CullError(f"{self.root}: not a folder")
        self.options = options
        self._progress = progress
        self.cancel = cancel or threading.Event()
        self.started = time.perf_counter()
        self.problems: list[Problem] = []
        self.notes: list[str] = []
        self.decoded: set[int] = set()
        self._temp_dir: tempfile.TemporaryDirectory | None = None
        self.scorer: Scorer | None = None

    # -- plumbing ---------------------------------------------------------------------

    def emit(self, stage: str, done: int, total: int, message: str = "", **extra) -> None:
        if self._progress is not None:
            self._progress(ProgressEvent(stage, done, total, message, **extra))

    def problem(self, path: str, error: str) -> None:
        found = Problem(path, error)
        self.problems.append(found)
        self.emit("problem", 0, 0, f"{path}: {error}", problem=found)

    def note(self, text: str) -> None:
        self.notes.append(text)
        self.emit("note", 0, 0, text)

    def open_catalog(self) -> Catalog:
        try:
            return Catalog.open(self.options.catalog_path)
        except CatalogError as exc:
            # Culling does not need history: go on with a throwaway catalog and say so.
            self._temp_dir = tempfile.TemporaryDirectory(prefix="fgaesq-cull-")
            self.note(f"{exc}. This run uses a temporary catalog; its results are not remembered.")
            return Catalog(Path(self._temp_dir.name) / "catalog.sqlite3")

    # -- the run ------------------------------------------------------------------------

    def execute(self) -> CullResult:
        # Choosing the scorer imports the model library (seconds); scanning and reading do not
        # need it, so it loads in the background.  An explicit "fgaesq" fails before any work.
        chooser = ThreadPoolExecutor(1, thread_name_prefix="fgaesq-scorer")
        choice = chooser.submit(
            create_scorer,
            self.options.scorer,
            self.options.weights,
            self.options.device,
            self.options.series_mode,
        )
        chooser.shutdown(wait=False)
        if self.options.scorer == "fgaesq":
            self._take_scorer(choice)
        catalog = self.open_catalog()
        result = CullResult(root=self.root, model={}, catalog_path=catalog.path)
        run_id = catalog.begin_run(self.root, _jsonable(asdict(self.options)))
        pool = WorkerPool(self.options.workers)
        status, error = RunStatus.COMPLETED, None
        try:
            self.catalog = catalog
            self.pool = pool
            self._cull(result, choice)
            if self.cancel.is_set():
                status = RunStatus.INTERRUPTED
        except KeyboardInterrupt:
            status = RunStatus.INTERRUPTED
            raise
        except BaseException as exc:
            status, error = RunStatus.FAILED, f"{type(exc).__name__}: {exc}"
            raise
        finally:
            pool.close(cancel=status is not RunStatus.COMPLETED)
            self._finish(result, catalog, run_id, status, error)
        self.emit("done", 1, 1, result.summary())
        return result

    def _finish(
        self,
        result: CullResult,
        catalog: Catalog,
        run_id: int,
        status: RunStatus,
        error: str | None,
    ) -> None:
        """Fill in what the result knows only at the end, record the run, release the catalog."""
        scorer = self.scorer
        if scorer is not None:
            result.model = {
                "name": scorer.name,
                "weights": scorer.weights_id,
                "device": scorer.device,
            }
        else:  # stopped before the scorer was needed
            options = self.options
            result.model = {
                "name": options.scorer,
                "weights": options.weights or "",
                "device": options.device,
            }
        result.cancelled = status is RunStatus.INTERRUPTED
        result.errors = self.problems
        result.notes = self.notes
        result.stats.decoded = len(self.decoded)
        result.stats.seconds = round(time.perf_counter() - self.started, 3)
        try:
            catalog.finish_run(
                run_id, status, asdict(result.stats) | {"errors": len(self.problems)}, error
            )
        finally:
            catalog.close()
            if self._temp_dir is not None:
                self._temp_dir.cleanup()

    def _take_scorer(self, choice: Future) -> Scorer:
        if self.scorer is None:
            picked = choice.result()
            self.scorer = picked.scorer
            # the model's weights and modules live as long as the run: keep the cyclic
            # collector from walking them (and pausing every thread) while ranking
            heap.freeze_long_lived()
            if picked.note:
                self.note(picked.note)
        return self.scorer

    def _cull(self, result: CullResult, choice: Future) -> None:
        preload_grouping()
        self.emit("scan", 0, 0, f"Scanning {self.root}")
        scan = scan_folder(self.root, recursive=self.options.recursive)
        for found in scan.problems:
            self.problem(found.rel, found.error)
        self.emit("scan", len(scan.photos), len(scan.photos), f"{len(scan.photos)} photos found")
        photos = self._load_or_read(scan.photos)
        if self.cancel.is_set():
            return
        groups = self._group(photos)
        self._take_scorer(choice)
        result.series = self._rank(groups)
        result.stats.photos = sum(len(s.members) for s in result.series)
        result.stats.series = len(result.series)
        result.stats.scored = self.scored
        result.stats.cached = result.stats.photos - self.scored
        if not self.cancel.is_set():
            self._apply_decisions(result.series)
            if self.options.write_xmp:
                self._write_sidecars(result.series)
            if self.options.move_rejects and not self.cancel.is_set():
                self._move_rejects()
        result.decisions = self.catalog.decisions(
            m.photo_id for s in result.series for m in s.members
        )

    # -- stage 1: catalog cache, moved-file recognition, reading -------------------------------

    def _load_or_read(self, files: list[PhotoFile]) -> list[_Photo]:
        known = {
            record.relpath: record
            for record in self.catalog.photos(self.root, with_thumbnails=True)
        }
        present = {f.rel for f in files}
        ready: list[_Photo] = []
        pending: list[PhotoFile] = []
        for file in files:
            record = known.get(file.rel)
            unchanged = record is not None and (record.size, record.mtime_ns) == (
                file.size,
                file.mtime_ns,
            )
            if unchanged and record.decode_error:
                self.problem(file.rel, record.decode_error)  # known unreadable: not tried again
            elif unchanged and record.thumbnail:
                ready.append(_from_record(file, record))
            else:
                pending.append(file)

        to_read: list[tuple[PhotoFile, str | None]] = []
        hashes = dict(
            self.pool.map(content_hash, [(i, f.path) for i, f in enumerate(pending)], self.cancel)
        )
        catalogued = self.catalog.known_hashes(d for d in hashes.values() if d)
        for index, file in enumerate(pending):
            digest = hashes.get(index)
            # A path the catalog already knows changed in place; anything else may have moved.
            maybe_moved = digest in catalogued and file.rel not in known
            moved = self._find_moved(digest, present) if maybe_moved else None
            if moved is not None:
                ready.append(self._adopt_moved(file, moved, digest))
            else:
                to_read.append((file, digest))
        ready.extend(self._read(to_read))
        return ready

    def _find_moved(self, content_hash: str, present: set[str]) -> PhotoRecord | None:
        """A catalog photo with this content whose old file is gone: the file was moved."""
        for record in self.catalog.find_by_hash(content_hash):
            if record.decode_error:
                continue
            if record.root == normalize_root(self.root):
                still_there = record.relpath in present
            else:
                still_there = record.path.exists()
            if not still_there:
                return self.catalog.photo(record.id, with_thumbnail=True)
        return None

    def _adopt_moved(self, file: PhotoFile, record: PhotoRecord, digest: str) -> _Photo:
        self.catalog.move_photo(
            record.id,
            file.rel,
            new_root=self.root,
            companions=[_rel(c, self.root) for c in file.companions],
        )
        info = PhotoInfo(
            **{
                **_info_fields(record),
                "root": str(self.root),
                "relpath": file.rel,
                "size": file.size,
                "mtime_ns": file.mtime_ns,
                "content_hash": digest,
                "companions": tuple(_rel(c, self.root) for c in file.companions),
            }
        )
        self.catalog.upsert_photo(info)
        return _from_record(file, record)

    def _read(self, to_read: list[tuple[PhotoFile, str | None]]) -> list[_Photo]:
        total = len(to_read)
        tasks = [(i, f.decode_path, f.mtime_ns / 1e9) for i, (f, _) in enumerate(to_read)]
        photos: list[_Photo] = []
        crashed = lambda task, message: ReadResult(task[0], error=message)  # noqa: E731
        outcomes = self.pool.map(read_for_grouping, tasks, self.cancel, crashed)
        for done, outcome in enumerate(outcomes, start=1):
            file, digest = to_read[outcome.index]
            if outcome.error is not None:
                self.problem(file.rel, outcome.error)
                self.catalog.record_error(
                    self.root, file.rel, outcome.error, size=file.size, mtime_ns=file.mtime_ns
                )
            else:
                photos.append(self._store_read(file, digest, outcome.metadata, outcome.thumbnail))
            self.emit("read", done, total, file.rel)
        return photos

    def _store_read(
        self, file: PhotoFile, digest: str | None, meta: PhotoMetadata, thumb: bytes
    ) -> _Photo:
        if meta.warning:
            self.problem(file.rel, meta.warning)
        captured = meta.captured_iso()
        photo_id = self.catalog.upsert_photo(
            PhotoInfo(
                root=str(self.root),
                relpath=file.rel,
                size=file.size,
                mtime_ns=file.mtime_ns,
                content_hash=digest,
                companions=tuple(_rel(c, self.root) for c in file.companions),
                capture_time=captured,
                capture_time_source=meta.time_source,
                camera_make=meta.make,
                camera_model=meta.model,
                camera_serial=meta.serial,
                thumbnail=thumb,
                thumb_width=THUMB_SIZE,
                thumb_height=THUMB_SIZE,
            )
        )
        self.decoded.add(photo_id)
        return _Photo(
            file=file,
            photo_id=photo_id,
            captured=captured,
            seconds=_wall_seconds(captured),
            camera=meta.camera_key,
            thumbnail=np.frombuffer(thumb, dtype=np.uint8).reshape(THUMB_SIZE, THUMB_SIZE),
            fresh=True,
        )

    # -- stage 2: grouping ----------------------------------------------------------------

    def _group(self, photos: list[_Photo]) -> list[list[_Photo]]:
        self.emit("group", 0, len(photos), "Grouping into series")
        params = GroupingParams(self.options.time_gap_s, self.options.similarity)
        items = [GroupItem(p.file.rel, p.camera, p.seconds, p.thumbnail) for p in photos]
        groups = [[photos[i] for i in members] for members in group_series(items, params)]
        self.catalog.replace_series(
            self.root,
            [[p.photo_id for p in g] for g in groups],
            {"time_gap_s": params.max_gap, "similarity": params.min_similarity},
        )
        self.emit("group", len(photos), len(photos), f"{len(groups)} series")
        return groups

    # -- stage 3: ranking -----------------------------------------------------------------

    def _rank(self, groups: list[list[_Photo]]) -> list[SeriesResult]:
        """Score the series that need it; the others keep their stored scores.

        The frames of all series to score are decoded through one pool map, so decoding runs
        ahead in the workers while the scorer works on the series in hand.
        """
        scorer = self.scorer
        stored = self.catalog.scores(
            [p.photo_id for g in groups for p in g], scorer.name, scorer.weights_id
        )
        cached: dict[int, list[float]] = {}
        for number, group in enumerate(groups):
            found = [stored.get(p.photo_id) for p in group]
            mode = self._series_mode(group)
            if not any(p.fresh for p in group) and all(
                s is not None and s.series_mode == mode and (len(group) == 1 or s.rank is not None)
                for s in found
            ):
                cached[number] = [s.score for s in found]
        wanted = [
            (n, i) for n, group in enumerate(groups) if n not in cached for i in range(len(group))
        ]
        prepare = scorer.prepare if isinstance(scorer, PreparingScorer) else None
        tasks = [
            (k, groups[n][i].file.decode_path, scorer.input_size, prepare)
            for k, (n, i) in enumerate(wanted)
        ]
        crashed = lambda task, message: DecodeResult(task[0], error=message)  # noqa: E731
        outcomes = self.pool.map(decode_for_scoring, tasks, self.cancel, crashed)
        arrived: dict[tuple[int, int], DecodeResult] = {}

        self.scored = 0
        results: list[SeriesResult] = []
        for number, group in enumerate(groups):
            if self.cancel.is_set():
                break
            if number in cached:
                members, scores = group, cached[number]
            else:
                while any((number, i) not in arrived for i in range(len(group))):
                    outcome = next(outcomes, None)
                    if outcome is None:  # cancelled while decoding
                        return results
                    arrived[wanted[outcome.index]] = outcome
                members, scores = self._score_group(
                    group, [arrived.pop((number, i)) for i in range(len(group))]
                )
                self.scored += len(members)
                if not members:
                    continue
            results.append(self._store_series(len(results) + 1, members, scores))
            self.emit(
                "rank",
                number + 1,
                len(groups),
                f"series {len(results)}: best {results[-1].best.path}",
                series=results[-1],
            )
        return results

    def _series_mode(self, group: list[_Photo]) -> str | None:
        if len(group) < 2 or self.scorer.name != "fgaesq":
            return None
        return self.options.series_mode

    def _score_group(
        self, group: list[_Photo], decoded: list[DecodeResult]
    ) -> tuple[list[_Photo], list[float]]:
        """Score one series from its decoded frames; frames that failed to decode are left out."""
        members, frames = [], []
        for photo, outcome in zip(group, decoded, strict=True):
            if outcome.error is not None:
                self.problem(photo.file.rel, outcome.error)
                continue
            self.decoded.add(photo.photo_id)
            members.append(photo)
            frames.append(outcome.value)
        if not frames:
            return [], []
        scorer = self.scorer
        if isinstance(scorer, PreparingScorer):
            scores = (
                scorer.rank_prepared(frames) if len(frames) > 1 else scorer.score_prepared(frames)
            )
        else:
            scores = scorer.rank_series(frames) if len(frames) > 1 else scorer.score(frames)
        return members, [float(s) for s in scores]

    def _store_series(
        self, series_id: int, members: list[_Photo], scores: list[float]
    ) -> SeriesResult:
        ranks = _ranks(scores)
        self.catalog.set_scores(
            self.scorer.name,
            self.scorer.weights_id,
            {p.photo_id: (s, r) for p, s, r in zip(members, scores, ranks, strict=True)},
            series_mode=self._series_mode(members),
        )
        return SeriesResult(
            id=series_id,
            members=tuple(
                MemberResult(p.photo_id, p.file.rel, p.file.path, round(float(s), 4), r, p.captured)
                for p, s, r in zip(members, scores, ranks, strict=True)
            ),
        )

    # -- stage 4: decisions, sidecars, moves ------------------------------------------------

    def _apply_decisions(self, series: list[SeriesResult]) -> None:
        """Automatic marks: best of each burst picked, others rejected on request.

        The catalog ignores automatic decisions on photos the user decided, and nothing is
        written when the current automatic state already matches.
        """
        ids = [m.photo_id for s in series for m in s.members]
        current = self.catalog.decisions(ids)
        for s in series:
            best = s.best.photo_id if len(s.members) > 1 else None
            for member in s.members:
                if member.photo_id == best:
                    wanted = Flag.PICK
                elif best is not None and self.options.reject_others:
                    wanted = Flag.REJECT
                else:
                    wanted = Flag.NONE
                state = current[member.photo_id]
                if state.is_user or state.flag is wanted:
                    continue
                self.catalog.set_decision(member.photo_id, flag=wanted, source=DecisionSource.AUTO)

    def _write_sidecars(self, series: list[SeriesResult]) -> None:
        from app.xmp import XmpScheme, series_marks, write_marks

        scheme = XmpScheme(reject_others=self.options.reject_others)
        files = {m.photo_id: m.file for s in series for m in s.members}
        views = self.catalog.series(
            self.root, model=self.scorer.name, weights_id=self.scorer.weights_id
        )
        for number, view in enumerate(views, start=1):
            for photo_id, marks in series_marks(view, scheme).items():
                if photo_id not in files:
                    continue
                for failure in write_marks(files[photo_id], marks, self.options.sidecar_style):
                    self.problem(
                        _rel(failure.path, self.root), f"cannot write sidecar: {failure.reason}"
                    )
            self.emit("sidecars", number, len(views))

    def _move_rejects(self) -> None:
        from app.moves import MoveError, move_rejects, rejected_photos

        rejected = rejected_photos(self.catalog, self.root)
        self.emit("moves", 0, len(rejected), f"Moving {len(rejected)} rejects")
        try:
            report = move_rejects(rejected, self.options.move_rejects, catalog=self.catalog)
        except MoveError as exc:
            self.problem(str(self.options.move_rejects), str(exc))
            return
        for message in report.errors:
            self.problem(str(self.options.move_rejects), message)
        self.emit("moves", len(report.photo_ids), len(rejected), f"journal: {report.journal}")


# -- small helpers --------------------------------------------------------------------------


def _ranks(scores: list[float]) -> list[int]:
    """Rank 1 for the highest score; ties keep capture order."""
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    ranks = [0] * len(scores)
    for rank, index in enumerate(order, start=1):
        ranks[index] = rank
    return ranks


def _wall_seconds(captured: str | None) -> float:
    if not captured:
        return 0.0
    try:
        stamp = datetime.fromisoformat(captured)
    except ValueError:
        return 0.0
    return stamp.replace(tzinfo=UTC).timestamp()


def _from_record(file: PhotoFile, record: PhotoRecord) -> _Photo:
    camera = "|".join(
        part or "" for part in (record.camera_make, record.camera_model, record.camera_serial)
    )
    thumb = np.frombuffer(record.thumbnail or b"", dtype=np.uint8)
    if thumb.size != THUMB_SIZE * THUMB_SIZE:
        thumb = np.zeros((THUMB_SIZE, THUMB_SIZE), dtype=np.uint8)
    return _Photo(
        file=file,
        photo_id=record.id,
        captured=record.capture_time,
        seconds=_wall_seconds(record.capture_time),
        camera=camera,
        thumbnail=thumb.reshape(THUMB_SIZE, THUMB_SIZE),
    )


def _info_fields(record: PhotoRecord) -> dict:
    names = PhotoInfo.__dataclass_fields__
    return {name: getattr(record, name) for name in names}


def _rel(path: Path, root: Path) -> str:
    from app.photos.scan import relative_name

    try:
        return relative_name(Path(path), root)
    except ValueError:
        return str(path)


def _jsonable(values: dict) -> dict:
    return {
        key: (str(value) if isinstance(value, Path) else value) for key, value in values.items()
    }
