"""The open folder as the photographer works on it: no widgets, only state and commands.

:class:`CullController` owns the catalog connection, the folder's series and their models,
the background cull, the selection (current series and frame, the frames chosen for
compare, the view), the filters and the undo stack.  Culling commands (decisions,
navigation, filters, views, sidecars, moves, the model's weights) are declared on its
methods; it announces every change on the :class:`~app.gui.bus.SignalBus`, to which the
widgets subscribe.  Tests drive it without a window.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer

from app import heap
from app.catalog import Catalog, CatalogError, DecisionState, Flag
from app.gui import decisions
from app.gui.bus import SignalBus
from app.gui.commands import CommandRegistry, CommandSpec, View, command
from app.gui.filters import FRAME_CRITERIA, Filters, FlagFilter, FrameFilter, SeriesFilter
from app.gui.items import FrameItem, SeriesItem, ShootCounts, plural
from app.gui.library import MODEL_NAMES, DetailsLoader, FolderLibrary, SeriesLoader
from app.gui.models import FrameFilterProxy, FrameStripModel, SeriesFilterProxy, SeriesListModel
from app.gui.settings import OptionSetting, Settings
from app.gui.thumbnails import ThumbnailManager
from app.gui.watcher import MissingFiles
from app.gui.weights import WeightsDownload
from app.gui.worker import CullJob
from app.options import ScorerName, XmpScheme
from app.pipeline import CullResult, ProgressEvent, Stage

RELOAD_INTERVAL_MS = 1000
STRIP_THUMBNAIL = 128
MAX_COMPARE = 4
IMAGE_VIEWS = (View.LOUPE, View.COMPARE)

#: asks the photographer a yes/no question: (title, text) -> yes
Confirm = Callable[[str, str], bool]


def _refuse(_title: str, _text: str) -> bool:
    return False


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
        self.catalog_path = catalog_path
        self.run_pipeline = run_pipeline
        self.bus = SignalBus(self)
        self.commands = CommandRegistry(self)
        #: asks before files move or download; the window puts up a dialog, headless refuses
        self.confirm: Confirm = _refuse
        self.catalog: Catalog | None = None
        self.library: FolderLibrary | None = None
        self.job: CullJob | None = None
        self._stopping: list[CullJob] = []  # cancelled jobs still finishing their last unit
        self.last_result: CullResult | None = None
        self.fgaesq_missing = False  # the last cull wanted FGAesQ and had to do without
        self.download: WeightsDownload | None = None
        self.undo_stack = decisions.new_undo_stack(self)
        self.view = View.SERIES
        self._previous_view = View.SERIES
        self.series_id = -1
        self.photo_id = -1
        self.compare_choice: list[int] = []  # frames the photographer chose to compare
        self.compared: list[int] = []  # frames compare shows
        self.filters = Filters()
        self.unwritten: set[int] = set()  # decided here since their sidecars were written
        self._missing: set[int] = set()
        self._series_by_id: dict[int, SeriesItem] = {}
        self._series_of_photo: dict[int, int] = {}
        self._counts = ShootCounts()
        self._loaded_once = False

        self.series_model = SeriesListModel(thumbnails, settings.thumbnail_size.value, self)
        self.series_proxy = SeriesFilterProxy(self)
        self.series_proxy.setSourceModel(self.series_model)
        self.strip_model = FrameStripModel(thumbnails, STRIP_THUMBNAIL, self)
        self.strip_proxy = FrameFilterProxy(self)
        self.strip_proxy.setSourceModel(self.strip_model)
        self.loader = SeriesLoader(self)
        self.loader.loaded.connect(self._show_loaded)
        self.loader.failed.connect(lambda message: self.bus.error.emit("Catalog", message))
        self.details = DetailsLoader(self)
        self.details.ready.connect(self._on_details)
        self.details.failed.connect(self._on_details_failed)
        self.watcher = MissingFiles(self)
        self.watcher.changed.connect(self._on_missing)
        self._reload_timer = QTimer(self, singleShot=True, interval=RELOAD_INTERVAL_MS)
        self._reload_timer.timeout.connect(self.reload)
        self.thumbnails.failed.connect(self._on_thumbnail_failed)
        for setting in settings.options():
            setting.changed.connect(self._on_option)
        settings.thumbnail_size.changed.connect(self.series_model.set_thumbnail_size)
        self.commands.register(self)
        for criterion in FRAME_CRITERIA.values():
            spec = CommandSpec(
                f"filter_{criterion.name}", criterion.text, args=(criterion.name,), checkable=True
            )
            self.commands.add(spec, self.filter_criterion)
        settings.auto_advance.changed.connect(self.commands.get("toggle_auto_advance").set_checked)
        self.undo_stack.canUndoChanged.connect(self.commands.get("undo").set_available)
        self.undo_stack.canRedoChanged.connect(self.commands.get("redo").set_available)
        for name in ("undo", "redo", "cancel", "cancel_download"):
            self.commands.set_available(name, False)
        self.commands.set_checked("toggle_auto_advance", settings.auto_advance.value)

    def start(self) -> None:
        """Say what went wrong while loading the preferences, show the series grid."""
        for problem in self.settings.load_errors:
            self.bus.error.emit("Preferences", problem)
        self.set_view(View.SERIES)
        self._announce_filters()

    # -- folders ---------------------------------------------------------------------------

    def open_catalog(self) -> Catalog | None:
        if self.catalog is None:
            try:
                # the pipeline checks integrity on every run; the window must open at once
                self.catalog = Catalog.open(self.catalog_path, check_integrity=False)
            except CatalogError as exc:
                self.bus.error.emit("Catalog", str(exc))
                return None
        return self.catalog

    def open_folder(self, folder: str | Path) -> bool:
        """Show what the catalog already knows at once, then cull in the background."""
        folder = Path(folder).expanduser()
        if not folder.is_dir():
            self.bus.error.emit(str(folder), "not a folder")
            return False
        catalog = self.open_catalog()
        if catalog is None:
            return False
        self.stop_cull()
        self.thumbnails.clear()
        self.details.clear()
        self.watcher.clear()
        self.undo_stack.clear()
        self.library = FolderLibrary(catalog, folder)
        self._series_by_id, self._series_of_photo = {}, {}
        self._counts = ShootCounts()
        self.compare_choice, self.unwritten, self._missing = [], set(), set()
        self.last_result, self._loaded_once = None, False
        self._set_series([])
        self._select(-1, -1)
        self.settings.add_recent_folder(folder)
        self.reload()
        self.bus.folder_opened.emit(self.library.root)
        if self.run_pipeline:
            self.start_cull()
        return True

    def reload(self) -> None:
        """Re-read the folder's series from the catalog in the background."""
        if self.library is not None:
            self.loader.load(self.library)

    def _show_loaded(self, series: list[SeriesItem], counts: ShootCounts) -> None:
        """Show freshly read series, keeping the current series and frame."""
        self._counts = counts
        for item in series:
            for frame in item.frames:
                if frame.photo_id in self._missing:  # the catalog does not know it is gone
                    self._counts -= ShootCounts.of([item])
                    frame.missing = True
                    self._counts += ShootCounts.of([item])
        new_photos = {f.photo_id for s in series for f in s.frames} != set(self._series_of_photo)
        self._set_series(series)
        if self._visible_frame_row(self.photo_id) >= 0:
            self._select(self.series_id, self.photo_id)
        elif self.series_id in self._series_by_id and self._visible_series_row(self.series_id) >= 0:
            self._select(self.series_id, -1)
        else:
            self._select_series_row(0)
        if new_photos or not self._loaded_once:
            self.watcher.watch(f for s in series for f in s.frames)
        self._loaded_once = True
        self.bus.series_reloaded.emit()
        self._announce_ranking()

    def _set_series(self, series: list[SeriesItem]) -> None:
        self._series_by_id = {s.series_id: s for s in series}
        self._series_of_photo = {f.photo_id: s.series_id for s in series for f in s.frames}
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
        except Exception as exc:  # a bad preference must not take the window down
            self.bus.error.emit("Preferences", str(exc))
            return
        self.job = CullJob(self.library.root, options, self)
        self.job.progress.connect(self._on_progress)
        self.job.succeeded.connect(self._on_cull_done)
        self.job.failed.connect(self._on_cull_failed)
        self.job.finished.connect(self._on_job_finished)
        self.commands.set_available("cancel", True)
        self.bus.cull_started.emit()
        self._announce_ranking()
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
        """True while a cull, a catalog read, a details read, a file check or a thumbnail
        decode runs."""
        return (
            self.job is not None
            or self.loader.busy()
            or self.details.busy()
            or self.watcher.busy()
            or self.thumbnails.busy()
        )

    def _on_progress(self, event: ProgressEvent) -> None:
        self.bus.progress.emit(event)
        if event.problem is not None:
            self.bus.error.emit(str(event.problem.path), str(event.problem.error))
        if event.stage is Stage.NOTE:
            self.bus.message.emit(event.message)
        # re-read the catalog only when there is something new to show: ranked series
        if event.series is not None and not self._reload_timer.isActive():
            self._reload_timer.start()

    def _on_cull_done(self, result: CullResult) -> None:
        self.last_result = result
        wanted = self.job.options.scorer if self.job is not None else None
        self.fgaesq_missing = (
            wanted is ScorerName.AUTO
            and result.model.get("name") == ScorerName.TECHNICAL
            and not result.cancelled
        )
        for problem in result.errors:
            self.bus.error.emit(problem.path, problem.error)
        self.reload()
        self.bus.message.emit(result.summary())

    def _on_cull_failed(self, message: str) -> None:
        self.bus.error.emit("Cull", message)
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
        self._announce_ranking()

    def _on_option(self, _value: object) -> None:
        """A cull option changed: cull again when it changes what the cull computes."""
        setting = self.sender()
        recull = not isinstance(setting, OptionSetting) or setting.recull
        if recull and self.library is not None and self.run_pipeline:
            self.start_cull()

    # -- which model ranked the shoot ----------------------------------------------------

    def ranked_by(self) -> str:
        """``FGAesQ (fgaesq:…)``, or each model with its share when the shoot is mixed."""
        models = Counter(
            f.model for s in self._series_by_id.values() for f in s.frames if f.score is not None
        )
        if not models:
            return ""
        if len(models) == 1:
            return next(iter(models))
        return ", ".join(f"{name} ({plural(n, 'photo')})" for name, n in models.most_common())

    def _announce_ranking(self) -> None:
        ranked = self.ranked_by()
        if self.job is not None:
            wanted = self.job.options.scorer
            text = f"Ranking with: {MODEL_NAMES.get(wanted, 'FGAesQ if its weights are here')}…"
            if ranked:
                text += f" (shown: {ranked})"
        elif ranked:
            text = f"Ranked by: {ranked}"
        else:
            text = "Not ranked yet" if self.library is not None else ""
        offer = self.fgaesq_missing and self.download is None
        if offer:
            text += " · the FGAesQ weights are missing"
        self.bus.ranking_changed.emit(text, offer)

    @command("Download the FGAesQ weights…")
    def get_weights(self) -> None:
        """Fetch the released FGAesQ weights (with progress and Cancel), then cull again."""
        if self.download is not None:
            return
        if not self.confirm(
            "FGAesQ weights",
            "Download the released FGAesQ weights (about 600 MB) from the Hugging Face hub "
            "into its cache?  The shoot is ranked again with FGAesQ afterwards.",
        ):
            return
        self.download = WeightsDownload(parent=self)
        self.download.progress.connect(self.bus.download_progress)
        self.download.finished.connect(self._on_download_finished)
        self.commands.set_available("get_weights", False)
        self.commands.set_available("cancel_download", True)
        self.download.start()
        self.bus.download_started.emit()
        self._announce_ranking()

    @command("Cancel the download")
    def cancel_download(self) -> None:
        if self.download is not None:
            self.download.cancel()

    def _on_download_finished(self, ok: bool, message: str) -> None:
        download, self.download = self.download, None
        if download is not None:
            download.deleteLater()
        self.commands.set_available("get_weights", True)
        self.commands.set_available("cancel_download", False)
        self.bus.download_finished.emit(ok, message)
        if ok:
            self.fgaesq_missing = False
            self.bus.message.emit(f"FGAesQ weights downloaded: {message}")
            if self.library is not None and self.run_pipeline:
                self.start_cull()
        elif download is not None and download.cancelled:
            self.bus.message.emit(message)
        else:
            self.bus.error.emit("FGAesQ weights", message)
        self._announce_ranking()

    # -- the folder's series -------------------------------------------------------------

    def series(self) -> list[SeriesItem]:
        """Every series of the folder, in capture order."""
        return self.series_model.series()

    def series_item(self, series_id: int) -> SeriesItem | None:
        return self._series_by_id.get(series_id)

    def frame(self, photo_id: int) -> FrameItem | None:
        series = self._series_by_id.get(self._series_of_photo.get(photo_id, -1))
        if series is None:
            return None
        return next((f for f in series.frames if f.photo_id == photo_id), None)

    def current_series(self) -> SeriesItem | None:
        return self._series_by_id.get(self.series_id)

    def current_frame(self) -> FrameItem | None:
        return self.frame(self.photo_id)

    def frames_compared(self) -> list[FrameItem]:
        return [f for f in (self.frame(pid) for pid in self.compared) if f is not None]

    def counts(self) -> ShootCounts:
        return self._counts

    def _replace_frame(self, frame: FrameItem) -> FrameItem:
        """Put an updated frame everywhere it is shown and tell the widgets."""
        series = self._series_by_id.get(frame.series_id)
        if series is not None:
            before = ShootCounts.of([series])  # only this series changes: count it again
            for i, old in enumerate(series.frames):
                if old.photo_id == frame.photo_id:
                    series.frames[i] = frame
            self._counts = self._counts - before + ShootCounts.of([series])
            self.series_model.refresh(series.series_id)
        self.strip_model.replace_frame(frame)
        self.bus.frame_updated.emit(frame)
        return frame

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
        frames = self.filters.frames
        for flag in FlagFilter:
            if flag is not FlagFilter.ANY:
                self.commands.set_checked(f"filter_{flag.value}", frames.flag is flag)
        for stars in range(1, 6):
            self.commands.set_checked(f"filter_stars_{stars}", frames.min_rating == stars)
        for colour in ("Red", "Yellow", "Green", "Blue"):
            self.commands.set_checked(f"filter_{colour.lower()}", frames.label == colour)
        for name in FRAME_CRITERIA:
            self.commands.set_checked(f"filter_{name}", name in frames.criteria)
        self.bus.filters_changed.emit(frames.text())

    @command(
        "Your picks",
        name="filter_picked",
        keys=("Alt+P",),
        args=(FlagFilter.PICKED,),
        checkable=True,
    )
    @command(
        "Your rejects",
        name="filter_rejected",
        keys=("Alt+X",),
        args=(FlagFilter.REJECTED,),
        checkable=True,
    )
    @command(
        "Not flagged by you",
        name="filter_unflagged",
        keys=("Alt+U",),
        args=(FlagFilter.UNFLAGGED,),
        checkable=True,
    )
    @command(
        "The model's undecided picks",
        name="filter_suggested",
        keys=("Alt+S",),
        args=(FlagFilter.SUGGESTED,),
        checkable=True,
    )
    def filter_flag(self, flag: FlagFilter) -> None:
        self.set_frame_filter(self.filters.frames.toggled_flag(flag))

    @command("1 star or more", name="filter_stars_1", keys=("Alt+1",), args=(1,), checkable=True)
    @command("2 stars or more", name="filter_stars_2", keys=("Alt+2",), args=(2,), checkable=True)
    @command("3 stars or more", name="filter_stars_3", keys=("Alt+3",), args=(3,), checkable=True)
    @command("4 stars or more", name="filter_stars_4", keys=("Alt+4",), args=(4,), checkable=True)
    @command("5 stars", name="filter_stars_5", keys=("Alt+5",), args=(5,), checkable=True)
    def filter_stars(self, stars: int) -> None:
        self.set_frame_filter(self.filters.frames.toggled_rating(stars))

    @command("Red label", name="filter_red", keys=("Alt+6",), args=("Red",), checkable=True)
    @command(
        "Yellow label", name="filter_yellow", keys=("Alt+7",), args=("Yellow",), checkable=True
    )
    @command("Green label", name="filter_green", keys=("Alt+8",), args=("Green",), checkable=True)
    @command("Blue label", name="filter_blue", keys=("Alt+9",), args=("Blue",), checkable=True)
    def filter_label(self, colour: str) -> None:
        self.set_frame_filter(self.filters.frames.toggled_label(colour))

    def filter_criterion(self, name: str) -> None:
        """Narrow the strip to frames that meet a criterion of ``FRAME_CRITERIA`` (or stop)."""
        self.set_frame_filter(self.filters.frames.toggled_criterion(name))

    @command("Show every frame", keys=("Alt+0",))
    def clear_frame_filters(self) -> None:
        self.set_frame_filter(FrameFilter())

    # -- selection -------------------------------------------------------------------------

    def select_series(self, series_id: int) -> None:
        """Make ``series_id`` current, starting at its best frame (the best one shown)."""
        if series_id != self.series_id:
            self._select(series_id, -1)

    def select_frame(self, photo_id: int) -> None:
        """Make a frame current (its series becomes the current series)."""
        if photo_id != self.photo_id and photo_id in self._series_of_photo:
            self._select(self._series_of_photo[photo_id], photo_id)

    def set_compare_choice(self, photo_ids: list[int]) -> None:
        """The frames chosen for compare (two to four are compared)."""
        self.compare_choice = [pid for pid in photo_ids if pid in self._series_of_photo]
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
        series = self._series_by_id.get(series_id)
        if series is None:
            series_id, photo_id = -1, -1
        elif self._series_of_photo.get(photo_id) != series_id:
            shown = [f for f in series.frames if self._visible_frame_row(f.photo_id) >= 0]
            photo_id = (shown or series.frames)[0].photo_id if series.frames else -1
        self.series_id, self.photo_id = series_id, photo_id
        self.series_model.set_current(series_id)
        self.strip_model.set_current(photo_id)
        self.strip_model.set_current_series(series_id)
        self._update_compared()
        frame = self.current_frame()
        if frame is not None:
            self._want_details(frame)
        self.bus.selection_changed.emit(series_id, photo_id)

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
        chosen = [pid for pid in self.compare_choice if pid in self._series_of_photo]
        if len(chosen) >= 2:
            self.compared = chosen[:MAX_COMPARE]
        elif not (
            self.photo_id in self.compared
            and all(pid in self._series_of_photo for pid in self.compared)
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
            series = self._series_by_id.get(self.series_proxy.key_at(row))
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

    # -- decisions -------------------------------------------------------------------------

    @command("Pick", keys=("P",))
    def pick(self) -> None:
        self._decide({"flag": Flag.PICK}, "Pick", advance=True)

    @command("Reject", keys=("X",))
    def reject(self) -> None:
        self._decide({"flag": Flag.REJECT}, "Reject", advance=True)

    @command("Unflag", keys=("U",))
    def unflag(self) -> None:
        self._decide({"flag": Flag.NONE}, "Unflag", advance=False)

    @command("Clear stars", name="rate_0", keys=("0",), args=(0,))
    @command("Rate 1 star", name="rate_1", keys=("1",), args=(1,))
    @command("Rate 2 stars", name="rate_2", keys=("2",), args=(2,))
    @command("Rate 3 stars", name="rate_3", keys=("3",), args=(3,))
    @command("Rate 4 stars", name="rate_4", keys=("4",), args=(4,))
    @command("Rate 5 stars", name="rate_5", keys=("5",), args=(5,))
    def rate(self, stars: int) -> None:
        text = self.commands.action(f"rate_{stars}").text()
        self._decide({"rating": stars}, text, advance=True)

    @command("Red label", name="label_red", keys=("6",), args=("Red",))
    @command("Yellow label", name="label_yellow", keys=("7",), args=("Yellow",))
    @command("Green label", name="label_green", keys=("8",), args=("Green",))
    @command("Blue label", name="label_blue", keys=("9",), args=("Blue",))
    def label(self, colour: str) -> None:
        frame = self.current_frame()
        if frame is not None:
            marks = decisions.label_marks(colour, frame.decision)
            self._decide(marks, f"{colour} label", advance=False)

    @command("Accept the model's pick for this series", keys=("A",))
    def accept(self) -> None:
        series = self.current_series()
        if series is None or self.library is None:
            return
        reject_others = self.settings.accept_rejects_others.value
        if reject_others and series.keeps_every_frame:
            reject_others = False  # a bracket, panorama or stack needs every frame
            self.bus.message.emit(
                f"A {series.kind.replace('_', ' ')} keeps every frame: the others are not rejected"
            )
        changes = decisions.accept_changes([f.photo_id for f in series.frames], reject_others)
        self._push(changes, "Accept the model's pick")
        if self.settings.auto_advance.value:
            self.move_series(1)

    @command("Advance after a decision", keys=("Shift+A",), checkable=True)
    def toggle_auto_advance(self) -> None:
        self.settings.auto_advance.toggle()
        state = "on" if self.settings.auto_advance.value else "off"
        self.bus.message.emit(f"Advance after a decision: {state}")

    def _decide(self, marks: dict, text: str, advance: bool) -> None:
        frame = self.current_frame()
        if frame is None or self.library is None:
            return
        self._push([(frame.photo_id, marks)], text)
        if advance and self.settings.auto_advance.value:
            self.advance(1)

    def _push(self, changes: list[tuple[int, dict]], text: str) -> None:
        self.undo_stack.push(decisions.DecisionCommand(self.library, changes, text, self._applied))

    @command("Undo", keys=("Ctrl+Z",))
    def undo(self) -> None:
        self._step_history(undo=True)

    @command("Redo", keys=("Ctrl+Shift+Z", "Ctrl+Y"))
    def redo(self) -> None:
        self._step_history(undo=False)

    def _step_history(self, undo: bool) -> None:
        """Undo or redo one step, then show the frame it changed and say what happened."""
        stack = self.undo_stack
        index = stack.index() - 1 if undo else stack.index()
        if not 0 <= index < stack.count():
            return
        step = stack.command(index)
        photo_ids = step.photo_ids if isinstance(step, decisions.DecisionCommand) else []
        (stack.undo if undo else stack.redo)()
        if not photo_ids:
            return
        first = self.frame(photo_ids[0])
        elsewhere = first is not None and first.series_id != self.series_id
        if first is not None and first.photo_id != self.photo_id:
            self._select(first.series_id, first.photo_id)
        what = f"{'Undid' if undo else 'Redid'} “{step.text()}”"
        where = first.file_names[0] if first else ""
        if len(photo_ids) > 1:
            where += f" and {plural(len(photo_ids) - 1, 'other frame')}"
        series_row = self._visible_series_row(first.series_id) if first else -1
        if elsewhere:
            where += (
                f", series {series_row + 1}" if series_row >= 0 else ", a series the filter hides"
            )
        self.bus.message.emit(f"{what} on {where}")

    def _applied(self, photo_id: int, state: DecisionState) -> None:
        """A decision reached the catalog: update every view of that photo."""
        self.loader.invalidate()
        frame = self.frame(photo_id)
        if frame is not None:
            self._replace_frame(dataclasses.replace(frame, decision=state))
        self.unwritten.add(photo_id)
        self.bus.decision_changed.emit(photo_id)
        if self.settings.xmp_on_decision.value:
            self.write_sidecars([photo_id], quiet=True)

    def _on_details(self, photo_id: int, details: dict) -> None:
        frame = self.frame(photo_id)
        if self.library is None:
            return
        self.library.remember_details(photo_id, details)
        if frame is not None:
            self._replace_frame(self.library.with_details(frame))

    def _on_details_failed(self, photo_id: int, message: str) -> None:
        frame = self.frame(photo_id)
        self.bus.error.emit(Path(frame.path).name if frame else str(photo_id), message)

    def _on_thumbnail_failed(self, path: str, message: str) -> None:
        self.bus.error.emit(Path(path).name, message)

    def _on_missing(self, changed: dict[int, bool]) -> None:
        """Photos deleted or moved on disk (or back again): mark them, say so."""
        gone = [pid for pid, missing in changed.items() if missing]
        back = [pid for pid, missing in changed.items() if not missing]
        self._missing.difference_update(back)
        self._missing.update(gone)
        for photo_id, missing in changed.items():
            frame = self.frame(photo_id)
            if frame is not None:
                self._replace_frame(dataclasses.replace(frame, missing=missing))
        if gone:
            names = [self.frame(pid).file_names[0] for pid in gone if self.frame(pid)]
            self.bus.error.emit(
                ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else ""),
                f"{plural(len(gone), 'photo')} deleted or moved on disk: marked missing, "
                "no sidecars are written for them",
            )
        self.bus.decision_changed.emit(next(iter(changed)))

    # -- sidecars and moves ----------------------------------------------------------------

    @command("Write XMP sidecars", keys=("Ctrl+S",), tip="Write XMP")
    def write_xmp(self) -> None:
        self.write_sidecars()

    @command("Write XMP sidecars with your decisions only", keys=("Ctrl+Alt+S",))
    def write_xmp_decisions(self) -> None:
        self.write_sidecars(scheme=XmpScheme.DECISIONS)

    def write_sidecars(
        self,
        photo_ids: list[int] | None = None,
        quiet: bool = False,
        scheme: XmpScheme | None = None,
    ) -> int:
        """Make the sidecars say what the catalog says; returns how many files changed.

        Photos missing on disk are left out.  ``scheme`` says what the model's suggestions
        become (default: the preference); ``XmpScheme.DECISIONS`` writes yours only.
        """
        if self.library is None or self.catalog is None:
            return 0
        from app.gui.fileops import write_sidecars

        scheme = scheme or self.settings.xmp_scheme.value
        wanted = list(self._series_of_photo) if photo_ids is None else list(photo_ids)
        present = [pid for pid in wanted if pid not in self._missing]
        written, problems = write_sidecars(
            self.catalog, self.library.root, scheme, self.settings.sidecar_style.value, present
        )
        for problem in problems:
            self.bus.error.emit(problem.path, problem.error)
        self.unwritten.difference_update(present)
        if not quiet:
            frames = [self.frame(pid) for pid in present]
            frames = [f for f in frames if f is not None]
            yours = sum(f.decided for f in frames)
            suggested = (
                0
                if scheme is XmpScheme.DECISIONS
                else sum(
                    not f.decided and len(self._series_by_id[f.series_id].frames) > 1
                    for f in frames
                )
            )
            skipped = len(wanted) - len(present)
            text = (
                f"Wrote {plural(written, 'XMP sidecar')}: {plural(yours, 'photo')} with your "
                f"decisions, {plural(suggested, 'photo')} with the model's suggestions"
            )
            if skipped:
                text += f"; {skipped} missing on disk left out"
            self.bus.message.emit(text)
        return written

    def rejects_folder(self) -> str:
        root = self.library.root if self.library is not None else "."
        return str(Path(root) / self.settings.rejects_folder.value)

    @command("Move rejects to folder…", keys=("Ctrl+Shift+M",))
    def move_rejects_command(self) -> None:
        self.move_rejects()

    def move_rejects(self, target: str | None = None, confirm: bool = True) -> int:
        """Move rejected photos (all their files) into the rejects folder, journaled."""
        if self.library is None or self.catalog is None:
            return 0
        from app.gui.fileops import move_rejects, rejects_to_move

        target = target or self.rejects_folder()
        rejects = rejects_to_move(self.catalog, self.library.root)
        if not rejects.photos:
            self.bus.message.emit("No rejected photos to move")
            return 0
        photos, files = plural(len(rejects.photos), "rejected photo"), plural(rejects.files, "file")
        if confirm and not self.confirm(
            "Move rejects",
            f"Move {photos} ({files}) into\n{target}?\nPut moved rejects back undoes it.",
        ):
            return 0
        moved, problems = move_rejects(self.catalog, rejects, target)
        for problem in problems:
            self.bus.error.emit(problem.path, problem.error)
        self.bus.message.emit(f"Moved {plural(moved, 'rejected photo')} to {target}")
        self.reload()
        return moved

    @command("Put moved rejects back")
    def undo_move(self) -> None:
        if self.library is None or self.catalog is None:
            return
        from app.gui.fileops import undo_move

        restored, problems = undo_move(self.catalog, self.rejects_folder())
        for problem in problems:
            self.bus.error.emit(problem.path, problem.error)
        self.bus.message.emit(f"Put back {plural(restored, 'file')}")
        self.reload()

    # -- the end ---------------------------------------------------------------------------

    def unwritten_count(self) -> int:
        """Photos decided here whose sidecars do not say so yet (none when XMP is written
        on every decision)."""
        return len(self.unwritten - self._missing)

    def shutdown(self) -> None:
        """Stop the cull and the readers, close the catalog (decisions are already saved)."""
        self.stop_cull(wait=True)
        if self.download is not None:
            self.download.cancel()
        self.loader.shutdown()
        self.details.shutdown()
        self.watcher.shutdown()
        self.thumbnails.shutdown()
        if self.catalog is not None:
            self.catalog.close()
            self.catalog = None
