"""The cull job: scan -> inventory -> sidecar marks -> group -> rank -> decisions -> sidecars -> moves.

``run_cull`` is the one implementation behind the command line and the GUI.  It never
writes to a photo: it reads files, writes the catalog, and on request XMP sidecars and
journaled moves of rejects.  Work is committed to the catalog as it completes (photos as
they are read, scores series by series), so an interrupted run leaves a consistent catalog
and the next run picks up where it stopped.  A rerun on unchanged files decodes nothing and
runs no model: thumbnails, capture times and scores come from the catalog.
"""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from dataclasses import replace
from pathlib import Path

from app import heap
from app.camera_bodies import camera_bodies
from app.catalog import Catalog, CatalogError, PhotoRecord, RunStatus
from app.exact_copies import copies_note, file_hashes, told_once
from app.fileio import storable_name
from app.grouping import GROUPING_VERSION, GroupingParams, GroupItem, group_series
from app.options import CullOptions, ScorerName
from app.photos import PhotoFile, scan_folder
from app.photos.tasks import ScoringTask
from app.photos.workers import WorkerPool, default_workers
from app.pipeline.context import RunContext
from app.pipeline.decisions import apply_automatic_decisions
from app.pipeline.inventory import Inventory, PhotoState, kind_evidence, thumbnail_array
from app.pipeline.model_stage import ModelStage
from app.pipeline.ranking import Grouping, Ranking
from app.pipeline.results import (
    CullError,
    CullResult,
    MoveOutcome,
    ProgressCallback,
    SeriesResult,
    Stage,
)
from app.scoring import Scorer, create_scorer
from app.scoring.technical import TechnicalScorer
from app.series_kinds import assign_kinds
from app.sidecars.naming import SidecarNames
from app.sidecars.sync import SidecarReport

# How long reading waits for ``auto`` to decide between FGAesQ and the technical scorer, so
# the technical scorer's work can share the reading decode.
EARLY_CHOICE_S = 1.5


def run_cull(
    folder: str | os.PathLike[str],
    options: CullOptions | None = None,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    technical_first: bool = False,
) -> CullResult:
    """Cull ``folder``: group its photos into series and rank every series.

    Args:
        folder: the folder to cull (searched recursively unless ``options.recursive`` is off).
        options: what to do; defaults to ``CullOptions()``.
        progress: called with a ProgressEvent after each unit of work (from this thread).
        cancel: when set, the run stops after the current unit of work; the result then has
            ``cancelled=True`` and holds what was finished.
        technical_first: where the scorer is a model that compares frames (FGAesQ), rank
            every series with the technical scorer first (stored at once, events marked
            ``provisional``), so a window shows a ranking while the model's replaces it
            series by series; the model's ranking alone is the result and decides.

    Raises:
        CullError: the folder does not exist or is not a folder.
        ScorerUnavailable: ``options.scorer == "fgaesq"`` and the model cannot be loaded.
    """
    return CullRun(folder, options or CullOptions(), progress, cancel, technical_first).execute()


class CullRun:
    """One run over one folder; ``execute`` runs it once."""

    def __init__(
        self,
        folder: str | os.PathLike[str],
        options: CullOptions,
        progress: ProgressCallback | None,
        cancel: threading.Event | None,
        technical_first: bool = False,
    ) -> None:
        root = Path(os.path.abspath(os.fspath(folder)))
        if not root.exists():
            raise CullError(f"{root}: no such folder")
        if not root.is_dir():
            raise CullError(f"{root}: not a folder")
        resolved = os.fspath(root.resolve())
        spelled = storable_name(resolved)
        if spelled != resolved:  # photos' names may be, the folder may not
            raise CullError(
                f"{spelled}: the folder's path is not valid UTF-8, which the catalog cannot "
                "hold; rename the folder (or the one above it that holds the escaped bytes)"
            )
        self.run = RunContext(root, options, progress, cancel)
        self.options = options
        self.started = time.perf_counter()
        self.scorer: Scorer | None = None
        self._temp_dir: tempfile.TemporaryDirectory | None = None
        self._folder_sidecars = None  # FolderSidecars, made on first use
        self._faces_ok: bool | None = None  # whether faces can be analysed here, once known
        self._faces_asked = threading.Lock()
        self._present_sidecars: set[Path] = set()  # the .xmp files the scan listed
        self._listed: dict[str, int] = {}  # every photo's catalog id by relative path
        self._marks_taken = SidecarReport()  # what taking a person's marks found, all told
        # photos whose marks cannot be read or disagree: {photo id: why}; never rejected,
        # moved or rewritten automatically
        self._held: dict[int, str] = {}
        # rank with the technical scorer first, until the model's ranking replaces it
        self.technical_first = technical_first
        self._technical: Ranking | None = None
        self._technical_ranked = 0  # series it ranked
        # the folder's series (photo ids) before this run first grouped it anew, against
        # which the catalog tells which series changed (their scores no longer hold)
        self._series_before: list[list[int]] | None = None

    # -- the run ------------------------------------------------------------------------

    def execute(self) -> CullResult:
        # Choosing the scorer imports the model library (seconds); scanning and reading do not
        # need it, so it loads in the background.  An explicit "fgaesq" fails before any work.
        chooser = ThreadPoolExecutor(1, thread_name_prefix="fgaesq-scorer")
        options = self.options
        choice = chooser.submit(create_scorer, options)
        chooser.shutdown(wait=False)
        if options.scorer is ScorerName.FGAESQ:
            self._take_scorer(choice)
        catalog = self.run.catalog = self._open_catalog()
        result = CullResult(root=self.run.root, model={}, catalog_path=catalog.path)
        run_id = catalog.begin_run(self.run.root, options.as_record())
        status, error = RunStatus.COMPLETED, None
        try:
            self._cull(result, choice)
            if self.run.cancelled:
                status = RunStatus.INTERRUPTED
        except KeyboardInterrupt:
            status = RunStatus.INTERRUPTED
            raise
        except BaseException as exc:
            status, error = RunStatus.FAILED, f"{type(exc).__name__}: {exc}"
            raise
        finally:
            if self.run.pool is not None:
                self.run.pool.close(cancel=status is not RunStatus.COMPLETED)
            self._finish(result, run_id, status, error)
        self.run.emit(Stage.DONE, 1, 1, result.summary())
        return result

    def _open_catalog(self) -> Catalog:
        try:
            return Catalog.open(self.options.catalog_path)
        except CatalogError as exc:
            # Culling does not need history: go on with a throwaway catalog and say so.
            self._temp_dir = tempfile.TemporaryDirectory(prefix="fgaesq-cull-")
            self.run.temporary_catalog = True
            self.run.note(
                f"{exc}. This run uses a temporary catalog; its results are not remembered."
            )
            return Catalog(Path(self._temp_dir.name) / "catalog.sqlite3")

    def _catalog_files(self) -> list[Path]:
        """The catalog's own files, which a scan of a folder holding them passes over quietly."""
        paths = [self.run.catalog.path]
        if self.options.catalog_path is not None:
            paths.append(Path(self.options.catalog_path))
        return [
            p.with_name(p.name + end) for p in paths for end in ("", "-wal", "-shm", "-journal")
        ]

    def _finish(
        self, result: CullResult, run_id: int, status: RunStatus, error: str | None
    ) -> None:
        """Fill in what the result knows only at the end, record the run, release the catalog."""
        scorer, options, run = self.scorer, self.options, self.run
        if scorer is not None:
            result.model = {
                "name": scorer.name,
                "weights": scorer.weights_id,
                "device": scorer.device,
            }
            if getattr(scorer, "engine", None):  # FGAesQ: the engine chosen for the device
                result.model["engine"] = scorer.engine
        else:  # stopped before the scorer was needed
            result.model = {
                "name": str(options.scorer),
                "weights": options.weights or "",
                "device": str(options.device),
            }
        result.cancelled = status is RunStatus.INTERRUPTED
        result.errors = run.problems
        result.notes = run.notes
        result.stats.decoded = len(run.decoded)
        result.stats.seconds = round(time.perf_counter() - self.started, 3)
        try:
            counts = {
                "photos": result.stats.photos,
                "series": result.stats.series,
                "decoded": result.stats.decoded,
                "scored": result.stats.scored,
                "cached": result.stats.cached,
                "seconds": result.stats.seconds,
                "errors": len(run.problems),
            }
            run.catalog.finish_run(run_id, status, counts, error)
        finally:
            run.catalog.close()
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
                self.run.note(picked.note)
        return self.scorer

    def _cull(self, result: CullResult, choice: Future) -> None:
        run = self.run
        run.emit(Stage.SCAN, 0, 0, f"Scanning {run.root}")
        skip = [Path(d) for d in run.catalog.move_destinations()]
        if self.options.move_rejects:
            skip.append(Path(self.options.move_rejects))
        scan = scan_folder(
            run.root, recursive=self.options.recursive, skip=skip, quiet=self._catalog_files()
        )
        run.add_problems(scan.problems)
        for line in scan.notes():
            run.note(line)
        run.emit(Stage.SCAN, len(scan.photos), len(scan.photos), f"{len(scan.photos)} photos found")
        run.pool = WorkerPool(
            min(self.options.workers or default_workers(), max(1, len(scan.photos)))
        )
        scoring = functools.partial(self._scoring_while_reading, choice)
        inventory = Inventory(run, scoring)
        photos, to_read = inventory.prepare(scan.photos)
        self._present_sidecars = scan.sidecars
        self._listed = inventory.listed
        ranking: Ranking | None = None
        if to_read:
            photos, ranking = self._read_and_rank(inventory, photos, to_read, result, choice)
        elif run.cancelled:
            return
        else:
            self._take_sidecar_marks([p.file for p in photos])
        for line in self._marks_taken.notes():
            run.note(line)
        copies = copies_note([p.names for p in photos], [file_hashes(p) for p in photos])
        if copies:
            run.note(copies)
        if not run.cancelled and (ranking is None or not inventory.times_held):
            groups, grouping = self._group(photos)
            scorer = self._take_scorer(choice)
            self._rank_technically_first(groups, grouping)
            ranking = Ranking(run, scorer, faces_possible=self._faces_possible)
            result.series = ranking.rank(groups, grouping)
        if self.options.taste and not run.cancelled:
            self._order_by_taste(result)
        result.stats.photos = sum(len(s.members) for s in result.series)
        result.stats.series = len(result.series)
        result.stats.scored = ranking.scored if ranking is not None else 0
        result.stats.cached = result.stats.photos - result.stats.scored
        if not run.cancelled:
            result.kept_marks = apply_automatic_decisions(
                run.catalog, result.series, self.options.xmp_scheme, held=self._held
            )
            result.held = self._held_paths(result.series)
            whole = [s for s in result.series if s.kept_whole]
            if whole:
                run.note(
                    f"{len(whole)} series are brackets, panoramas or focus stacks: kept whole, "
                    "no frame of them was marked, rejected or moved automatically"
                )
            if result.kept_marks:
                run.note(
                    f"{result.kept_marks} burst frames carry marks a person made (here or in "
                    "another application): they were not marked, rejected or moved automatically"
                )
            if self.options.write_xmp:
                self._write_sidecars(result.series)
            if self.options.move_rejects and not run.cancelled:
                result.moves = self._move_rejects()
        result.decisions = run.catalog.decisions(
            m.photo_id for s in result.series for m in s.members
        )

    # -- stages ---------------------------------------------------------------------------

    def _read_and_rank(
        self,
        inventory: Inventory,
        ready: list[PhotoState],
        to_read: list,
        result: CullResult,
        choice: Future,
    ) -> tuple[list[PhotoState], Ranking | None]:
        """Read the new photos in capture order, and group each run of them up to a pause
        longer than grouping's time gap as soon as it is read, its series stored at once:
        series form while the rest of the card is read, and they are those of the whole card
        (no series spans such a pause).  A scorer that scores photo by photo (its work done
        as they are read) ranks each run's series at once too, so the first series can be
        reviewed within seconds; one that compares frames (FGAesQ) ranks each run in the
        model's stage (``app.pipeline.model_stage``) behind the reading, its passes filled
        across series, each series stored as soon as it is ranked.  Returns every photo, and
        the ranking."""
        run, params = self.run, self._grouping_params()
        photos: list[PhotoState] = []
        ranking: Ranking | None = None
        stage: ModelStage | None = None
        staged = 0  # photos given to the model's stage
        series_stored = 0
        total = len(ready) + len(to_read)
        run.emit(Stage.GROUP, 0, total, "Grouping into series")
        runs = inventory.in_pause_runs(ready, to_read, params.max_gap, self._take_sidecar_marks)
        try:
            for photos_run in runs:
                photos.extend(photos_run)
                if not inventory.times_held:  # grouped again as a whole once everything is read
                    if stage is not None:
                        stage.finish(abandon=True)
                        stage = None
                    continue
                groups, grouping = self._group_anew(photos_run, params, first_ordinal=series_stored)
                series_stored += len(groups)
                run.emit(Stage.GROUP, len(photos), total, f"{series_stored} series")
                if ranking is None:
                    scorer = self._take_scorer(choice)
                    ranking = Ranking(run, scorer, faces_possible=self._faces_possible)
                if ranking.scorer.prepare is not None:
                    result.series.extend(ranking.rank(groups, grouping, len(result.series)))
                else:
                    self._rank_technically_first(groups, grouping)
                    if stage is None:  # every photo from here on will be its
                        ranking.photos_expected = total - len(photos) + len(photos_run)
                        stage = ModelStage(ranking, first_number=len(result.series))
                    staged += len(photos_run)
                    stage.add(groups, grouping)
                if run.cancelled or (stage is not None and stage.failed):
                    break
        except BaseException:
            if stage is not None:  # the model stops after its series in hand, and is waited for
                run.cancel.set()
                with contextlib.suppress(BaseException):
                    stage.finish()
            raise
        if stage is not None:
            ranking.photos_expected = staged  # not those that could not be read
            result.series.extend(stage.finish())
        if run.cancelled or not inventory.times_held:
            return photos, ranking
        run.emit(Stage.GROUP, len(photos), len(photos), f"{series_stored} series")
        return photos, ranking

    def _rank_technically_first(self, groups: list[list[PhotoState]], grouping: Grouping) -> None:
        """With ``technical_first`` and a model that compares frames, the technical ranking
        of these series, stored at once: a window shows it until the model's replaces it
        series by series.  The model's is the run's result; this one decides nothing."""
        if not self.technical_first or self.scorer is None or self.scorer.prepare is not None:
            return
        if self._technical is None:
            self._technical = Ranking(
                self.run,
                TechnicalScorer(),
                faces_possible=self._faces_possible,
                provisional=True,
            )
        ranked = self._technical.rank(groups, grouping, self._technical_ranked)
        self._technical_ranked += len(ranked)

    def _grouping_params(self) -> GroupingParams:
        return GroupingParams(self.options.time_gap_s, self.options.similarity)

    def _grouping_record(self, params: GroupingParams) -> dict:
        """What the catalog stores with the series, so a rerun knows whether they still hold."""
        return {
            "time_gap_s": params.max_gap,
            "similarity": params.min_similarity,
            "version": GROUPING_VERSION,
        }

    def _order_by_taste(self, result: CullResult) -> None:
        """The photographer's taste orders the series and suggests the picks, where it is in
        use (app/taste); the line saying which ranking is in use goes to the summary."""
        from app.taste.rerank import apply_taste

        result.series, result.ranking = apply_taste(
            self.run.catalog,
            str(self.run.root),
            result.series,
            self.options.taste,
            self.options.closed_eye_rule,
        )
        self.run.note(result.ranking.text)  # the window's message bar shows it

    def _take_sidecar_marks(self, files: list[PhotoFile]) -> None:
        """Marks other applications (or people) wrote into sidecars, or into the photos
        themselves, become decisions ahead of the reading (a few small reads a photo, taken
        while the workers decode): no automatic decision, and no decision made in a window
        while the card is read, is made without them.  A front end is given the photos'
        marks at once (a ``marks`` event), to show them before the photos are grouped."""
        listed = self._listed
        photos = [(listed[f.rel], f) for f in files if f.rel in listed]
        if not photos:
            return
        ids = [photo_id for photo_id, _file in photos]
        wanted = ids
        if not self._present_sidecars:  # no sidecar: only photos whose own XMP was not read yet
            from app.sidecars.sync import unread_embedded

            root = self.run.root
            wanted = unread_embedded(
                self.run.catalog,
                [(i, [(p.relative_to(root).as_posix(), p) for p in f.files]) for i, f in photos],
            )
        if wanted:
            self._note_marks(self._sidecars(self._present_sidecars).import_marks(wanted))
        marks = {i: d for i, d in self.run.catalog.decisions(ids).items() if d.is_user}
        if marks:
            self.run.emit(Stage.MARKS, 0, 0, marks=marks)

    def _note_marks(self, report: SidecarReport) -> None:
        """Count an import of marks into the run's, and report its problems not told yet."""
        taken = self._marks_taken
        self._held.update(report.held)
        taken.held.update(report.held)
        taken.imported += report.imported
        taken.changed_elsewhere += report.changed_elsewhere
        taken.conflicts += report.conflicts
        told = {(p.path, p.error) for p in taken.problems}
        fresh = [p for p in report.problems if (p.path, p.error) not in told]
        taken.problems += fresh
        self.run.add_problems(fresh)

    def _still_rejected(
        self, rejected: list[PhotoRecord]
    ) -> tuple[list[PhotoRecord], SidecarNames]:
        """The rejects that stay rejects once the marks another application wrote while this
        run read and ranked are taken (the disk is asked: the scan's list of sidecars is as
        old as the run), and the sidecar names to move them with."""
        from app.catalog import Flag
        from app.sidecars import FolderSidecars

        sidecars = FolderSidecars(self.run.catalog, self.run.root)
        self._note_marks(sidecars.import_marks(p.id for p in rejected))
        decisions = self.run.catalog.decisions(p.id for p in rejected)
        still = [
            p for p in rejected if p.id not in self._held and decisions[p.id].flag is Flag.REJECT
        ]
        return still, sidecars.names

    def _held_paths(self, series: list[SeriesResult]) -> dict[str, str]:
        """``{photo path: why}`` for the held photos of the run, for the report."""
        return {
            m.path: self._held[m.photo_id]
            for s in series
            for m in s.members
            if m.photo_id in self._held
        }

    def _sidecars(self, present: set[Path] | None = None):  # -> FolderSidecars
        """The folder's sidecars, made on first use (a rerun without sidecars needs none)."""
        if self._folder_sidecars is None:
            from app.sidecars import FolderSidecars

            self._folder_sidecars = FolderSidecars(self.run.catalog, self.run.root, present=present)
        return self._folder_sidecars

    def _faces_possible(self) -> bool:
        """Whether faces can be analysed here (if not, the run says why, once: the model's
        stage may ask while the reading does)."""
        with self._faces_asked:
            if self._faces_ok is None:
                from app.faces import faces_problem

                problem = faces_problem()
                if problem:
                    self.run.note(f"Faces are not checked: {problem}")
                self._faces_ok = problem is None
            return self._faces_ok

    def _scoring_while_reading(self, choice: Future) -> ScoringTask | None:
        """The scorer's per-photo work, to do in the decode that reads each photo for grouping
        (one decode per photo instead of two), when the scorer is known by then and can work
        photo by photo (the technical scorer; FGAesQ compares frames, after grouping).  With
        ``technical_first`` the technical scorer's work is done there in any case."""
        faces = lambda: self.options.faces and self._faces_possible()  # noqa: E731
        if self.technical_first:
            technical = TechnicalScorer()
            return ScoringTask(0, Path(), technical.input_size, technical.prepare, faces())
        if self.scorer is None and self.options.scorer is ScorerName.AUTO:
            try:
                choice.result(timeout=EARLY_CHOICE_S)  # offline, auto decides in well under it
            except FuturesTimeout:
                return None
        scorer = self._take_scorer(choice)
        if scorer.prepare is None:
            return None
        return ScoringTask(0, Path(), scorer.input_size, scorer.prepare, faces())

    def _group(self, photos: list[PhotoState]) -> tuple[list[list[PhotoState]], Grouping]:
        """Series of the run's photos with their kinds, and their catalog ids.

        When no photo is new or changed and the parameters and method are those of the
        stored grouping, the stored series (and kinds) are the answer: an unchanged rerun
        compares no thumbnails (and does not even load them).
        """
        run = self.run
        run.emit(Stage.GROUP, 0, len(photos), "Grouping into series")
        params = self._grouping_params()
        by_id = {p.photo_id: p for p in photos}
        stored = run.catalog.grouping(run.root)
        if self._series_before is None:  # read here already: _group_anew need not again
            self._series_before = stored.groups
        same_photos = sorted(by_id) == sorted(pid for group in stored.groups for pid in group)
        if (
            stored.params == self._grouping_record(params)
            and same_photos
            and not any(p.fresh for p in photos)
        ):
            groups = [[by_id[pid] for pid in group] for group in stored.groups]
            grouping = Grouping(stored.ids, stored.kinds)
        else:
            groups, grouping = self._group_anew(photos, params)
        run.emit(Stage.GROUP, len(photos), len(photos), f"{len(groups)} series")
        return groups, grouping

    def _group_anew(
        self, photos: list[PhotoState], params: GroupingParams, first_ordinal: int = 0
    ) -> tuple[list[list[PhotoState]], Grouping]:
        """Group ``photos`` (with their kinds) and store the series from ``first_ordinal`` on
        (the folder's series before it stay)."""
        run = self.run
        if self._series_before is None:
            self._series_before = run.catalog.grouping(run.root).groups
        missing = [p.photo_id for p in photos if p.thumbnail is None]
        thumbs = run.catalog.thumbnails(missing)
        for photo in photos:
            if photo.thumbnail is None:
                photo.thumbnail = thumbnail_array(thumbs.get(photo.photo_id))
        items = [GroupItem(p.file.rel, p.camera, p.seconds, p.thumbnail) for p in photos]
        # kinds join series of one body only: two same-model bodies without serial told apart
        bodies = camera_bodies(items, params.max_gap)
        evidence = [
            replace(kind_evidence(p), camera=b) for p, b in zip(photos, bodies, strict=True)
        ]
        # a file copied byte for byte is one photo: kinds are told on the distinct photos
        kinded = told_once(
            group_series(items, params, bodies),
            [file_hashes(p) for p in photos],
            lambda series: assign_kinds(series, evidence, params.max_gap),
            lambda kinded_series: kinded_series.members,
        )
        groups = [[photos[i] for i in series.members] for series in kinded]
        kinds = [(series.kind, series.reason) for series in kinded]
        ids = run.catalog.replace_series(
            run.root,
            [[p.photo_id for p in g] for g in groups],
            self._grouping_record(params),
            kinds,
            first_ordinal=first_ordinal,
            previous=self._series_before,
        )
        # a kind the photographer set wins; looked up by series id, since another run on
        # the same catalog may have replaced the folder's series meanwhile
        stored = run.catalog.grouping(run.root)
        stored_kinds = dict(zip(stored.ids, stored.kinds, strict=True))
        return groups, Grouping(
            ids, [stored_kinds.get(i, k) for i, k in zip(ids, kinds, strict=True)]
        )

    def _write_sidecars(self, series: list[SeriesResult]) -> None:
        ids = [m.photo_id for s in series for m in s.members if m.photo_id not in self._held]
        sidecars = self._sidecars(self._present_sidecars)
        for line in sidecars.notes():
            self.run.note(line)
        report = sidecars.write(
            self.options.xmp_scheme,
            self.options.sidecar_style,
            ids,
            progress=lambda done, total: self.run.emit(Stage.SIDECARS, done, total),
        )
        self.run.add_problems(report.problems)
        for line in report.notes():
            self.run.note(line)

    def _move_rejects(self) -> MoveOutcome:
        from app.moves import MoveError, gone_note, move_rejects, rejected_photos, still_there

        run, dest = self.run, str(self.options.move_rejects)
        outcome = MoveOutcome(dest=dest)
        if run.temporary_catalog:
            run.problem(
                dest,
                "nothing was moved: moves are recorded in the catalog so they can be undone, "
                "and the catalog could not be opened",
            )
            outcome.failed = True
            return outcome
        rejected = [p for p in rejected_photos(run.catalog, run.root) if p.id not in self._held]
        rejected, gone = still_there(rejected, set(self._listed.values()))
        if gone:
            run.note(gone_note(gone, f"--undo {dest}"))
        rejected, names = self._still_rejected(rejected)
        outcome.wanted = len(rejected)
        run.emit(Stage.MOVES, 0, len(rejected), f"Moving {len(rejected)} rejects")
        try:
            report = move_rejects(rejected, dest, catalog=run.catalog, names=names)
        except MoveError as exc:
            run.problem(dest, str(exc))
            outcome.failed = True
            return outcome
        run.add_problems(report.problems)
        outcome.moved, outcome.journal = len(report.photo_ids), str(report.journal)
        outcome.moved_meanwhile = len(report.moved_meanwhile)
        outcome.failed = not report.complete
        run.emit(Stage.MOVES, outcome.moved, len(rejected), f"journal: {report.journal}")
        return outcome
