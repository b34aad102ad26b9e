"""The open folder as the photographer works on it: no widgets, only state and commands.

:class:`CullController` owns the :class:`~app.gui.session.FolderSession` (catalog, series
and their look-ups, writer thread, undo stack), the series' models, the background cull,
the selection (current series and frame, the frames chosen for compare, the view) and the
filters.  Culling commands (decisions, navigation, filters, views, sidecars, moves, the
model's weights) are declared on its methods and on its parts, each given the session and
the narrow interface of ``app.gui.parts`` it needs; it announces every change on the
:class:`~app.gui.bus.SignalBus`, to which the widgets subscribe.  Tests drive it without a
window.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtCore import QObject, QTimer

from app import heap
from app.catalog import Catalog, CatalogError, DecisionState
from app.gui.bus import SignalBus
from app.gui.commands import CommandRegistry, View, command
from app.gui.decide import DecisionKeys
from app.gui.face_crops import FaceCrops
from app.gui.face_strip import FaceStripModel
from app.gui.filter_keys import FilterKeys
from app.gui.filters import Filters, FrameFilter, SeriesFilter
from app.gui.folder_files import FolderFiles
from app.gui.items import FrameItem, SeriesItem, ShootCounts
from app.gui.kind_keys import SeriesKinds
from app.gui.library import DetailsLoader, FolderLibrary, SeriesLoader
from app.gui.live_card import LiveCard
from app.gui.models import FrameFilterProxy, FrameStripModel, SeriesFilterProxy, SeriesListModel
from app.gui.parts import Confirm, Questions, ReviewWrite
from app.gui.ranking import RankingNotice
from app.gui.session import FolderSession
from app.gui.settings import OptionSetting, Settings
from app.gui.thumbnails import ThumbnailManager
from app.gui.worker import CullJob
from app.options import CullOptions
from app.pipeline import CullResult, ProgressEvent, Stage

RELOAD_INTERVAL_MS = 1000
STRIP_THUMBNAIL = 128
MAX_COMPARE = 4
IMAGE_VIEWS = (View.LOUPE, View.COMPARE)


class CullController(QObject):
    """Catalog, series, cull job, selection, filters and decisions of the open folder."""

    def __init__(
        self,
        settings: Settings,
        thumbnails: ThumbnailManager,
        catalog_path: str | None = None,
        run_pipeline: bool = True,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.thumbnails = thumbnails
        self.run_pipeline = run_pipeline
        self.bus = SignalBus(self)
        self.commands = CommandRegistry(self)
        #: asks before files move or download (the window puts up a dialog, headless
        #: refuses) and before a sidecar write changes marks (headless writes)
        self.questions = Questions()
        # ``--db`` first, else the preference, else the per-user catalog
        self.session = FolderSession(catalog_path or settings.catalog_path.value, self)
        self.session.writer.failed.connect(lambda message: self.bus.error.emit("Catalog", message))
        self.job: CullJob | None = None
        self._stopping: list[CullJob] = []  # cancelled jobs still finishing their last unit
        self.last_result: CullResult | None = None
        self.last_options: CullOptions | None = None  # of the newest cull started
        self.view = View.SERIES
        self._previous_view = View.SERIES
        self.series_id = -1
        self.photo_id = -1
        self.compare_choice: list[int] = []  # frames the photographer chose to compare
        self.compared: list[int] = []  # frames compare shows
        self.filters = Filters()

        self.series_model = SeriesListModel(thumbnails, settings.thumbnail_size.value, self)
        self.series_proxy = SeriesFilterProxy(self)
        self.series_proxy.setSourceModel(self.series_model)
        self.strip_model = FrameStripModel(thumbnails, STRIP_THUMBNAIL, self)
        self.strip_proxy = FrameFilterProxy(self)
        self.strip_proxy.setSourceModel(self.strip_model)
        self.face_crops = FaceCrops(thumbnails, self)
        self.face_model = FaceStripModel(self.face_crops, self)
        self.loader = SeriesLoader(self)
        self.loader.loaded.connect(self._show_loaded)
        self.loader.failed.connect(lambda message: self.bus.error.emit("Catalog", message))
        self.details = DetailsLoader(self)
        self.details.ready.connect(self._on_details)
        self.details.failed.connect(self._on_details_failed)
        self._reload_timer = QTimer(self, singleShot=True, interval=RELOAD_INTERVAL_MS)
        self._reload_timer.timeout.connect(self.reload)
        # the folder's frames before the cull has read them (app.gui.live_card)
        self.live = LiveCard(self)
        # the catalog's series last read (None until the open folder's first read: a folder
        # culled before shows its series, not a flash of every frame alone)
        self._catalog_series: tuple[list[SeriesItem], ShootCounts] | None = None
        self.live.changed.connect(self._show_listed)
        self.bus.frame_updated.connect(self.live.remember)
        self.thumbnails.failed.connect(self._on_thumbnail_failed)
        for setting in settings.options():
            setting.changed.connect(self._on_option)
        settings.thumbnail_size.changed.connect(self.series_model.set_thumbnail_size)
        settings.taste.changed.connect(lambda _name: self.reload())  # the order shown
        session = self.session
        session.frame_changed.connect(self._show_frame_change)
        session.decision_written.connect(self.bus.decision_changed)
        session.kind_changed.connect(self._show_kind_change)
        session.series_read.connect(self._show_loaded)
        session.edited.connect(self.loader.invalidate)
        self.commands.register(self)
        self.commands.set_available("cancel", False)
        # the parts that declare the rest of the commands: each gets the session and the
        # narrow interface it needs (app.gui.parts), in any order
        commands, bus = self.commands, self.bus
        self.decisions = DecisionKeys(session, self, commands, settings, bus, self)
        self.kinds = SeriesKinds(session, self, commands, settings, bus, self)
        self.filter_keys = FilterKeys(self, commands, bus, self)
        self.files = FolderFiles(session, self.questions, commands, settings, bus, self)
        self.ranking = RankingNotice(session, self, self.questions, commands, bus, self)

    # -- what the window and tests read of the session -------------------------------------

    @property
    def catalog(self) -> Catalog | None:
        return self.session.catalog

    @property
    def library(self) -> FolderLibrary | None:
        return self.session.library

    @property
    def missing(self) -> set[int]:
        return self.session.missing

    @property
    def confirm(self) -> Confirm:
        return self.questions.confirm

    @confirm.setter
    def confirm(self, ask: Confirm) -> None:
        self.questions.confirm = ask

    @property
    def review_write(self) -> ReviewWrite:
        return self.questions.review_write

    @review_write.setter
    def review_write(self, review: ReviewWrite) -> None:
        self.questions.review_write = review

    def start(self) -> None:
        """Say what went wrong while loading the preferences, show the series grid, and
        open the catalog in the background (its schema checks and upgrades would stall
        the window if the first folder opened it)."""
        for problem in self.settings.load_errors:
            self.bus.error.emit("Preferences", problem)
        self.set_view(View.SERIES)
        self._announce_filters()
        self.session.start_opening()

    # -- folders ---------------------------------------------------------------------------

    def open_catalog(self) -> Catalog | None:
        """The catalog (opened in the background since ``start``; waited for if a folder
        comes sooner).  The pipeline checks integrity on every run; the window must not."""
        try:
            return self.session.open_catalog()
        except CatalogError as exc:
            self.bus.error.emit("Catalog", str(exc))
            return None

    def open_folder(self, folder: str | Path) -> bool:
        """Show what the catalog already knows at once, then cull in the background."""
        folder = Path(folder).expanduser()
        if not folder.is_dir():
            self.bus.error.emit(str(folder), "not a folder")
            return False
        if self.open_catalog() is None:
            return False
        self.stop_cull()
        self.thumbnails.clear()
        self.details.clear()
        self.session.open_folder(folder)
        self._catalog_series = None
        self._list_folder()
        self.compare_choice = []
        self.last_result = None
        self._set_series([])
        self._select(-1, -1)
        self.settings.add_recent_folder(folder)
        self.reload()
        self.bus.folder_opened.emit(self.library.root)
        if self.run_pipeline:
            self.start_cull()
        return True

    def _list_folder(self) -> None:
        """Show the folder's frames while the cull reads them (not in a headless session)."""
        if not self.run_pipeline or self.library is None:
            self.live.clear()
            return
        try:
            options = self.settings.cull_options()
            recursive, skip = (
                options.recursive,
                [options.move_rejects] if options.move_rejects else [],
            )
        except Exception:  # start_cull says what is wrong with the preferences
            recursive, skip = True, []
        catalog = self.catalog

        def passed_over() -> list:  # asked on the listing thread: the GUI never waits for it
            return skip + (catalog.move_destinations() if catalog is not None else [])

        self.live.open(self.library.root, recursive, passed_over)

    def _show_listed(self) -> None:
        if self._catalog_series is not None:
            self._show_loaded(*self._catalog_series)

    def reload(self) -> None:
        """Re-read the folder's series from the catalog in the background (ordered by the
        chosen taste profile where it is in use: app.gui.taste_order)."""
        if self.library is not None:
            self.library.taste = self.settings.taste.value or None
            self.library.closed_eye_rule = self.settings.closed_eye_rule.value
            self.loader.load(self.library)

    def _show_loaded(self, series: list[SeriesItem], counts: ShootCounts) -> None:
        """Show freshly read series (and the frames the cull has not put in one yet),
        keeping the current series and frame."""
        self._catalog_series = (series, counts)
        series, singles = self.live.merged(series)
        if singles:
            counts = counts + ShootCounts.of(singles)
        self._set_series(series, counts)
        if self._visible_frame_row(self.photo_id) >= 0:  # in the series it is in now
            series_id = self.session.series_of(self.photo_id)
            if series_id is None:
                series_id = self.series_id
            if series_id != self.series_id:  # its series formed: compare its series anew
                self.compared = []
            self._select(series_id, self.photo_id)
        elif (
            self.session.series_item(self.series_id) is not None
            and self._visible_series_row(self.series_id) >= 0
        ):
            self._select(self.series_id, -1)
        else:
            self._select_series_row(0)
        self.bus.series_reloaded.emit()

    def _set_series(self, series: list[SeriesItem], counts: ShootCounts | None = None) -> None:
        self.session.set_series(series, counts)  # frames missing on disk marked so
        self.series_model.set_series(series)
        self.strip_model.set_series(series)

    def state_text(self) -> str:
        """What an empty series grid says: why there is nothing to show."""
        if self.library is None:
            return "Open a folder of photos (Ctrl+O), or drop one here"
        if self.series_model.rowCount():
            return "No series match the filter (Alt+0 shows every frame)"
        if self.job is not None or self.loader.busy():
            return f"Reading {Path(self.library.root).name}…"
        return f"No photos in {Path(self.library.root).name}"

    # -- the background cull -------------------------------------------------------------

    def start_cull(self) -> None:
        """Cull the open folder in the background, replacing a cull already running."""
        if self.library is None:
            return
        self.stop_cull()
        try:
            options = self.settings.cull_options(
                catalog_path=self.catalog.path if self.catalog else None
            )
            if options.move_rejects is not None:  # a relative folder is inside the shoot
                options.move_rejects = Path(self.library.root) / options.move_rejects
        except Exception as exc:  # a bad preference must not take the window down
            self.bus.error.emit("Preferences", str(exc))
            return
        self.job = CullJob(self.library.root, options, self)
        self.job.progress.connect(self._on_progress)
        self.job.succeeded.connect(self._on_cull_done)
        self.job.failed.connect(self._on_cull_failed)
        self.job.finished.connect(self._on_job_finished)
        self.commands.set_available("cancel", True)
        self.last_options = options
        self.bus.cull_started.emit()
        heap.freeze_long_lived()
        self.job.start()

    @command("Cancel scan")
    def cancel(self) -> None:
        """Stop after the current unit of work; results so far are kept."""
        if self.job is not None:
            self.job.cancel()

    def stop_cull(self, wait: bool = False) -> None:
        """Detach the running job from the window without blocking it (unless ``wait``)."""
        job, self.job = self.job, None
        if job is not None:
            job.cancel()
            for signal in (job.progress, job.succeeded, job.failed, job.finished):
                signal.disconnect()
            self._stopping.append(job)
            job.finished.connect(lambda: self._forget(job))
            self._cull_ended("Cancelled")
        if wait:
            for stopping in list(self._stopping):
                stopping.wait()
                self._forget(stopping)

    def _forget(self, job: CullJob) -> None:
        if job in self._stopping:
            self._stopping.remove(job)
            job.deleteLater()

    def is_culling(self) -> bool:
        return self.job is not None and self.job.isRunning()

    def is_busy(self) -> bool:
        """True while a cull, a catalog read, a decision write, a details read, a file check
        or a decode (thumbnail, preview, face) runs."""
        return (
            self.job is not None
            or self.session.busy()
            or self.loader.busy()
            or self.details.busy()
            or self.files.busy()
            or self.thumbnails.busy()
            or self.face_crops.busy()
        )

    def _on_progress(self, event: ProgressEvent) -> None:
        if event.listed:
            self.live.name(event.listed)
        if event.marks:  # a person's marks, before the cull groups the photos
            self.live.mark(event.marks)
        formed = event.stage is Stage.GROUP and event.done and event.done == event.total
        if formed or event.stage is Stage.DONE:  # the series formed, or a pass ranked them all
            self._reload_timer.stop()
            self.reload()
        self.bus.progress.emit(event)
        if event.problem is not None:
            self.bus.error.emit(str(event.problem.path), str(event.problem.error))
        if event.stage is Stage.NOTE:
            self.bus.message.emit(event.message)
        # re-read the catalog only when there is something new to show: series formed
        # (the cull groups the card run by run as it reads it) or ranked
        grouped = event.stage is Stage.GROUP and event.done
        if (grouped or event.series is not None) and not self._reload_timer.isActive():
            self._reload_timer.start()

    def _on_cull_done(self, result: CullResult) -> None:
        self.last_result = result
        if not result.cancelled:
            self.live.finish()
        for problem in result.errors:
            self.bus.error.emit(problem.path, problem.error)
        self._reload_timer.stop()  # this read shows everything the cull stored
        self.reload()
        self.bus.message.emit(result.summary())

    def _on_cull_failed(self, message: str) -> None:
        self.bus.error.emit("Cull", message)
        self._reload_timer.stop()
        self.reload()

    def _on_job_finished(self) -> None:
        job, self.job = self.job, None
        if job is not None:
            job.deleteLater()
        summary = self.last_result.summary() if self.last_result is not None else ""
        self._cull_ended(summary)

    def _cull_ended(self, summary: str) -> None:
        self.commands.set_available("cancel", False)
        self.bus.cull_finished.emit(summary)

    def _on_option(self, _value: object) -> None:
        """A cull option changed: cull again when it changes what the cull computes."""
        setting = self.sender()
        recull = not isinstance(setting, OptionSetting) or setting.recull
        if recull and self.library is not None and self.run_pipeline:
            self.start_cull()

    # -- the folder's series -------------------------------------------------------------

    def series(self) -> list[SeriesItem]:
        """Every series of the folder, in capture order."""
        return self.series_model.series()

    def series_item(self, series_id: int) -> SeriesItem | None:
        return self.session.series_item(series_id)

    def frame(self, photo_id: int) -> FrameItem | None:
        return self.session.frame(photo_id)

    def current_series(self) -> SeriesItem | None:
        return self.session.series_item(self.series_id)

    def current_frame(self) -> FrameItem | None:
        return self.frame(self.photo_id)

    def frames_compared(self) -> list[FrameItem]:
        return [f for f in (self.frame(pid) for pid in self.compared) if f is not None]

    def photo_ids(self) -> list[int]:
        """Every photo shown, series after series."""
        return self.session.photo_ids()

    def counts(self) -> ShootCounts:
        return self.session.counts()

    def show_decision(self, photo_id: int, state: DecisionState, written: bool = True) -> None:
        """Show a decision everywhere (see ``FolderSession.show_decision``)."""
        self.session.show_decision(photo_id, state, written)

    def show_series_kind(self, series_id: int, kind: str, source: str, reason: str) -> None:
        """Show a series' kind everywhere (set by the photographer, or read back)."""
        self.session.show_series_kind(series_id, kind, source, reason)

    def mark_missing(self, changed: dict[int, bool]) -> None:
        """Photos gone from disk (True) or back again (False)."""
        self.session.mark_missing(changed)

    def _show_frame_change(self, frame: FrameItem) -> None:
        """A frame the session changed: shown everywhere, and the widgets told."""
        self.series_model.refresh(frame.series_id)
        self.strip_model.replace_frame(frame)
        self.bus.frame_updated.emit(frame)

    def _show_kind_change(self, series_id: int) -> None:
        self.series_model.refresh(series_id)
        self.bus.series_changed.emit(series_id)

    # -- the narrow interfaces of the parts (app.gui.parts) --------------------------------

    def series_row(self, series_id: int) -> int:
        """The series' row in the grid as filtered (-1: the filter hides it)."""
        return self.series_proxy.row_of(series_id)

    def running_options(self) -> CullOptions | None:
        return self.job.options if self.job is not None else None

    def cull_again(self) -> None:
        if self.library is not None and self.run_pipeline:
            self.start_cull()

    # -- filters ---------------------------------------------------------------------------

    def set_series_filter(self, mode: SeriesFilter) -> None:
        self._set_filters(dataclasses.replace(self.filters, series=SeriesFilter(mode)))

    def set_frame_filter(self, frames: FrameFilter) -> None:
        self._set_filters(dataclasses.replace(self.filters, frames=frames))

    def _set_filters(self, filters: Filters) -> None:
        self.filters = filters
        self.series_proxy.set_filters(filters)
        self.strip_proxy.set_filters(filters)
        self._keep_visible()
        self._announce_filters()

    def _announce_filters(self) -> None:
        self.bus.filters_changed.emit(self.filters.frames.text())

    # -- selection -------------------------------------------------------------------------

    def show_frame(self, series_id: int, photo_id: int) -> None:
        """Make a frame current whatever the filters show (undo goes where it changed)."""
        self._select(series_id, photo_id)

    def select_series(self, series_id: int) -> None:
        """Make ``series_id`` current, starting at its best frame (the best one shown)."""
        if series_id != self.series_id:
            self._select(series_id, -1)

    def select_frame(self, photo_id: int) -> None:
        """Make a frame current (its series becomes the current series)."""
        series_id = self.session.series_of(photo_id)
        if photo_id != self.photo_id and series_id is not None:
            self._select(series_id, photo_id)

    def set_compare_choice(self, photo_ids: list[int]) -> None:
        """The frames chosen for compare (two to four are compared)."""
        self.compare_choice = [pid for pid in photo_ids if self.session.series_of(pid) is not None]
        self.strip_model.set_chosen(self.compare_choice)
        self._update_compared()

    @command("Add to or remove from compare", keys=("Shift+C",))
    def toggle_compare(self, photo_id: int | None = None) -> None:
        """Choose the current frame (or ``photo_id``) for compare, or take it out again."""
        photo_id = self.photo_id if photo_id is None else photo_id
        if photo_id < 0:
            return
        chosen = [pid for pid in self.compare_choice if pid != photo_id]
        if len(chosen) == len(self.compare_choice):
            chosen = (chosen + [photo_id])[-MAX_COMPARE:]
        self.set_compare_choice(chosen)
        name = self.frame(photo_id).file_names[0] if self.frame(photo_id) else ""
        verb = "added to" if photo_id in chosen else "taken out of"
        self.bus.message.emit(f"{name} {verb} compare ({len(chosen)} of {MAX_COMPARE} chosen)")

    @command("Clear the compare choice", keys=("Ctrl+Shift+C",))
    def clear_compare(self) -> None:
        self.set_compare_choice([])

    def _select(self, series_id: int, photo_id: int) -> None:
        series = self.session.series_item(series_id)
        if series is None:
            series_id, photo_id = -1, -1
        elif self.session.series_of(photo_id) != series_id:
            shown = [f for f in series.frames if self._visible_frame_row(f.photo_id) >= 0]
            photo_id = (shown or series.frames)[0].photo_id if series.frames else -1
        self.series_id, self.photo_id = series_id, photo_id
        self.series_model.set_current(series_id)
        self.strip_model.set_current(photo_id)
        self.strip_model.set_current_series(series_id)
        self._show_faces(series if series_id >= 0 else None)
        self.face_model.set_current(photo_id)
        self._update_compared()
        frame = self.current_frame()
        if frame is not None:
            self._want_details(frame)
        self.bus.selection_changed.emit(series_id, photo_id)

    def _show_faces(self, series: SeriesItem | None) -> None:
        """The face strip follows the current series; a catalog read that brings the same
        frames and faces back leaves it as it is."""
        shown = self.face_model.series

        def faces_of(s: SeriesItem | None) -> tuple:
            return () if s is None else tuple((f.photo_id, f.rank, f.faces) for f in s.frames)

        if shown is not series and faces_of(shown) != faces_of(series):
            self.face_model.set_series(series)
        else:
            self.face_model.series = series

    def _want_details(self, frame: FrameItem) -> None:
        if self.library is not None and not self.library.has_details(frame.photo_id):
            self.details.request(frame)

    def _visible_series_row(self, series_id: int) -> int:
        return self.series_proxy.row_of(series_id)

    def _visible_frame_row(self, photo_id: int) -> int:
        return self.strip_proxy.row_of(photo_id)

    def _select_series_row(self, row: int) -> bool:
        if not 0 <= row < self.series_proxy.rowCount():
            if self.series_proxy.rowCount() == 0:
                self._select(-1, -1)
            return False
        self._select(self.series_proxy.key_at(row), -1)
        return True

    def _keep_visible(self) -> None:
        """After a filter change, keep a current series and frame if there is any."""
        if self._visible_frame_row(self.photo_id) >= 0:
            self._select(self.series_id, self.photo_id)
        elif self._visible_series_row(self.series_id) >= 0:
            self._select(self.series_id, -1)
        else:
            self._select_series_row(0)

    def _update_compared(self) -> None:
        """Compare shows the chosen frames (two to four); else it keeps its frames while
        the current frame is one of them; else the current series' top frames by rank."""
        known = self.session.series_of
        chosen = [pid for pid in self.compare_choice if known(pid) is not None]
        if len(chosen) >= 2:
            self.compared = chosen[:MAX_COMPARE]
        elif not (
            self.photo_id in self.compared and all(known(pid) is not None for pid in self.compared)
        ):
            series = self.current_series()
            frames = [f.photo_id for f in series.frames] if series else []
            shown = [pid for pid in frames if self._visible_frame_row(pid) >= 0] or frames
            top = shown[:MAX_COMPARE]
            if self.photo_id >= 0 and self.photo_id not in top:
                top = top[: MAX_COMPARE - 1] + [self.photo_id]
            self.compared = top
        for frame in self.frames_compared():
            self._want_details(frame)
        self.bus.compare_changed.emit(self.frames_compared())

    # -- views -----------------------------------------------------------------------------

    def set_view(self, view: View | str) -> None:
        view = View(view)
        if view != self.view:
            self._previous_view = self.view
        self.view = view
        self.commands.set_view(view)
        self.commands.set_checked("loupe", view is View.LOUPE)
        self.commands.set_checked("compare", view is View.COMPARE)
        if view is View.COMPARE:
            self._update_compared()
        self.bus.view_changed.emit(str(view))

    @command("Loupe on/off", keys=("Space",), checkable=True, tip="Loupe")
    def loupe(self) -> None:
        self.set_view(View.SERIES if self.view is View.LOUPE else View.LOUPE)

    @command("Compare on/off", keys=("C",), checkable=True, tip="Compare")
    def compare(self) -> None:
        if self.view is View.COMPARE:
            back = self._previous_view if self._previous_view is not View.COMPARE else View.LOUPE
            self.set_view(back)
        else:
            self.set_view(View.COMPARE)

    @command("Series grid", keys=("G", "Escape"), tip="Series")
    def grid(self) -> None:
        self.set_view(View.SERIES)

    # -- navigation ------------------------------------------------------------------------

    @command("Next frame", keys=("Right",), views=IMAGE_VIEWS)
    def next_frame(self) -> None:
        self.advance(1)

    @command("Previous frame", keys=("Left",), views=IMAGE_VIEWS)
    def prev_frame(self) -> None:
        self.advance(-1)

    @command("Next series", keys=("Down",), views=IMAGE_VIEWS)
    def next_series(self) -> None:
        self.move_series(1)

    @command("Previous series", keys=("Up",), views=IMAGE_VIEWS)
    def prev_series(self) -> None:
        self.move_series(-1)

    @command("Next series with undecided frames", keys=("N",))
    def next_undecided(self) -> None:
        self._find_undecided(1)

    @command("Previous series with undecided frames", keys=("Shift+N",))
    def prev_undecided(self) -> None:
        self._find_undecided(-1)

    def _find_undecided(self, step: int) -> None:
        rows = self.series_proxy.rowCount()
        here = self._visible_series_row(self.series_id)
        start = here if here >= 0 else (-1 if step > 0 else rows)
        for row in range(start + step, rows if step > 0 else -1, step):
            series = self.session.series_item(self.series_proxy.key_at(row))
            if series is not None and series.has_undecided:
                undecided = [f for f in series.frames if not f.decided]
                self._select(series.series_id, undecided[0].photo_id)
                self.bus.message.emit(f"Series {row + 1}: {series.progress_text()}")
                return
        self.bus.message.emit(
            "Every series "
            + ("after" if step > 0 else "before")
            + " this one is decided"
            + (" (with the filter on)" if self.filters != Filters() else "")
        )

    def move_series(self, step: int) -> bool:
        """Make the series ``step`` rows away (in the filtered grid) current."""
        row = self._visible_series_row(self.series_id)
        return self._select_series_row(row + step if row >= 0 else 0)

    def advance(self, step: int) -> None:
        """The next frame along the strip (across series); in compare, among the frames
        compared."""
        if self.view is View.COMPARE and self.photo_id in self.compared:
            i = self.compared.index(self.photo_id) + step
            if 0 <= i < len(self.compared):
                self.select_frame(self.compared[i])
            return
        neighbour = self._neighbour_frame(step)
        if neighbour is not None:
            self.select_frame(neighbour)

    def _neighbour_frame(self, step: int) -> int | None:
        """The id of the nearest frame shown in the strip ``step`` away along it."""
        source = self.strip_model
        row = source.row_of(self.photo_id)
        if row < 0:
            return self.strip_proxy.key_at(0) if self.strip_proxy.rowCount() else None
        row += step
        while 0 <= row < source.rowCount():
            photo_id = source.frame_at(row).photo_id
            if self._visible_frame_row(photo_id) >= 0:
                return photo_id
            row += step
        return None

    def _on_details(self, photo_id: int, details: dict) -> None:
        frame = self.frame(photo_id)
        if self.library is None:
            return
        self.library.remember_details(photo_id, details)
        if frame is not None:
            self.session.replace_frame(self.library.with_details(frame))

    def _on_details_failed(self, photo_id: int, message: str) -> None:
        frame = self.frame(photo_id)
        self.bus.error.emit(Path(frame.path).name if frame else str(photo_id), message)

    def _on_thumbnail_failed(self, path: str, message: str) -> None:
        self.bus.error.emit(Path(path).name, message)

    def shutdown(self) -> None:
        """Stop the cull and the readers, close the catalog (decisions are already saved)."""
        self.stop_cull(wait=True)
        self.live.clear()
        self.session.writer.finish()  # every decision made is in the catalog
        self.ranking.shutdown()
        self.loader.shutdown()
        self.details.shutdown()
        self.files.shutdown()
        self.thumbnails.shutdown()
        self.session.close()
