"""The open folder as the photographer works on it: no widgets, only state and commands.

:class:`CullController` owns the catalog connection, the folder's series, the background
cull, the selection (current series and frame, the frames to compare, the view) and the
undo stack.  Culling commands (decisions, navigation, views, sidecars, moves) are declared
on its methods; it announces every change on the :class:`~app.gui.bus.SignalBus`, to which
the widgets subscribe.  Tests drive it without a window.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer

from app import heap
from app.catalog import Catalog, CatalogError, DecisionState, Flag
from app.gui import decisions
from app.gui.bus import SignalBus
from app.gui.commands import CommandRegistry, View, command
from app.gui.items import FrameItem, SeriesItem
from app.gui.library import DetailsLoader, FolderLibrary, SeriesLoader
from app.gui.models import (
    FrameStripModel,
    Role,
    SeriesFilter,
    SeriesFilterProxy,
    SeriesListModel,
)
from app.gui.settings import OptionSetting, Settings
from app.gui.thumbnails import ThumbnailManager
from app.gui.worker import CullJob
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
    """Catalog, series, cull job, selection and decisions of the open folder."""

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
        #: asks before files move; the window puts up a dialog, headless use refuses
        self.confirm: Confirm = _refuse
        self.catalog: Catalog | None = None
        self.library: FolderLibrary | None = None
        self.job: CullJob | None = None
        self._stopping: list[CullJob] = []  # cancelled jobs still finishing their last unit
        self.last_result: CullResult | None = None
        self.undo_stack = decisions.new_undo_stack(self)
        self.view = View.SERIES
        self._previous_view = View.SERIES
        self.series_id = -1
        self.photo_id = -1
        self.compare_choice: list[int] = []  # frames the photographer chose to compare
        self.compared: list[int] = []  # frames compare shows
        self._series_by_id: dict[int, SeriesItem] = {}
        self._series_of_photo: dict[int, int] = {}
        self._reloading = False

        self.series_model = SeriesListModel(thumbnails, settings.thumbnail_size.value, self)
        self.series_proxy = SeriesFilterProxy(self)
        self.series_proxy.setSourceModel(self.series_model)
        # a series just decided stays in place until the filter or the folder changes,
        # so culling inside "Unreviewed" does not pull the series from under the cursor
        self.series_proxy.setDynamicSortFilter(False)
        self.strip_model = FrameStripModel(thumbnails, STRIP_THUMBNAIL, self)
        self.loader = SeriesLoader(self)
        self.loader.loaded.connect(self._show_loaded)
        self.loader.failed.connect(lambda message: self.bus.error.emit("Catalog", message))
        self.details = DetailsLoader(self)
        self.details.ready.connect(self._on_details)
        self.details.failed.connect(self._on_details_failed)
        self._reload_timer = QTimer(self, singleShot=True, interval=RELOAD_INTERVAL_MS)
        self._reload_timer.timeout.connect(self.reload)
        self.thumbnails.failed.connect(lambda path, msg: self.bus.error.emit(Path(path).name, msg))
        for proxy_signal in (
            self.series_proxy.modelReset,
            self.series_proxy.layoutChanged,
            self.series_proxy.rowsRemoved,
        ):
            proxy_signal.connect(self._keep_visible)
        for setting in settings.options():
            setting.changed.connect(lambda _value, s=setting: self._on_option(s))
        self.commands.register(self)
        self.undo_stack.canUndoChanged.connect(self.commands.get("undo").set_available)
        self.undo_stack.canRedoChanged.connect(self.commands.get("redo").set_available)
        for name in ("undo", "redo", "cancel"):
            self.commands.set_available(name, False)

    def start(self) -> None:
        """Say what went wrong while loading the preferences, show the series grid."""
        for problem in self.settings.load_errors:
            self.bus.error.emit("Preferences", problem)
        self.set_view(View.SERIES)

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
        self.undo_stack.clear()
        self.library = FolderLibrary(catalog, folder)
        self._series_by_id, self._series_of_photo = {}, {}
        self.series_model.set_series([])
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

    def _show_loaded(self, series: list[SeriesItem]) -> None:
        """Show freshly read series, keeping the current series and frame."""
        self._series_by_id = {s.series_id: s for s in series}
        self._series_of_photo = {f.photo_id: s.series_id for s in series for f in s.frames}
        keep_series, keep_frame = self.series_id, self.photo_id
        self._reloading = True
        try:
            self.series_model.set_series(series)
        finally:
            self._reloading = False
        if keep_series in self._series_by_id and self._visible_row(keep_series) >= 0:
            self._select(keep_series, keep_frame)
        else:
            self._select_row(0)
        self.bus.series_reloaded.emit()

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
        """True while a cull, a catalog read, a details read or a thumbnail decode runs."""
        return (
            self.job is not None
            or self.loader.busy()
            or self.details.busy()
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
        if self.library is not None and result.model:
            self.library.model = (
                f"{result.model.get('name', '')} ({result.model.get('weights', '')})"
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

    def _on_option(self, setting: OptionSetting) -> None:
        if setting.recull and self.library is not None and self.run_pipeline:
            self.start_cull()

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

    def counts_text(self) -> str:
        frames = [f for s in self._series_by_id.values() for f in s.frames]
        picks = sum(f.decision.flag is Flag.PICK for f in frames)
        rejects = sum(f.decision.flag is Flag.REJECT for f in frames)
        reviewed = sum(s.reviewed for s in self._series_by_id.values())
        return (
            f"{len(self._series_by_id)} series · {len(frames)} photos · "
            f"{reviewed} reviewed · {picks} picks · {rejects} rejects  "
        )

    def set_series_filter(self, mode: SeriesFilter) -> None:
        self.series_proxy.set_mode(mode)

    # -- selection -------------------------------------------------------------------------

    def select_series(self, series_id: int) -> None:
        """Make ``series_id`` current, starting at its best frame."""
        if series_id != self.series_id:
            self._select(series_id, -1)

    def select_frame(self, photo_id: int) -> None:
        """Make a frame of the current series current."""
        if photo_id != self.photo_id and self.strip_model.row_of(photo_id) >= 0:
            self._select(self.series_id, photo_id)

    def set_compare_choice(self, photo_ids: list[int]) -> None:
        """The frames the photographer marked for compare (two to four count)."""
        self.compare_choice = list(photo_ids)

    def _select(self, series_id: int, photo_id: int) -> None:
        series = self._series_by_id.get(series_id)
        if series is None:
            series_id, photo_id = -1, -1
        if (
            series is not None
            and series_id == self.strip_model.series_id
            and [f.photo_id for f in series.frames]
            == [f.photo_id for f in self.strip_model.frames()]
        ):
            for frame in series.frames:
                self.strip_model.replace_frame(frame)
        else:
            self.strip_model.set_series(series)
        if series is not None and self.strip_model.row_of(photo_id) < 0:
            photo_id = series.frames[0].photo_id if series.frames else -1
        self.series_id, self.photo_id = series_id, photo_id
        self._update_compared()
        frame = self.current_frame()
        if frame is not None and self.library and not self.library.has_details(frame.photo_id):
            self.details.request(frame)
        self.bus.selection_changed.emit(series_id, photo_id)

    def _visible_row(self, series_id: int) -> int:
        for row in range(self.series_proxy.rowCount()):
            if self.series_proxy.index(row, 0).data(Role.Id) == series_id:
                return row
        return -1

    def _select_row(self, row: int) -> bool:
        if not 0 <= row < self.series_proxy.rowCount():
            if self.series_proxy.rowCount() == 0:
                self._select(-1, -1)
            return False
        self._select(self.series_proxy.index(row, 0).data(Role.Id), -1)
        return True

    def _keep_visible(self, *_args) -> None:
        """After a reload or a filter change, keep a current series if there is any."""
        if self._reloading:
            return
        if self._visible_row(self.series_id) < 0:
            self._select_row(0)
        else:
            self.bus.selection_changed.emit(self.series_id, self.photo_id)

    def _update_compared(self) -> None:
        """Compare keeps its frames while the current frame is one of them; else it shows
        the chosen frames (two to four), or the series' top frames by rank."""
        strip = [f.photo_id for f in self.strip_model.frames()]
        keep = (
            self.photo_id in self.compared
            and all(pid in strip for pid in self.compared)
            and len(self.compared) > 0
        )
        if not keep:
            chosen = [pid for pid in strip if pid in set(self.compare_choice)]
            if len(chosen) < 2:
                chosen = strip[:MAX_COMPARE]
                if self.photo_id >= 0 and self.photo_id not in chosen:
                    chosen = chosen[: MAX_COMPARE - 1] + [self.photo_id]
            self.compared = chosen[:MAX_COMPARE]
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

    def move_series(self, step: int) -> bool:
        """Make the series ``step`` rows away (in the filtered grid) current."""
        row = self._visible_row(self.series_id)
        return self._select_row(row + step if row >= 0 else 0)

    def advance(self, step: int) -> None:
        """Move to the next frame; past the series' last frame, on to the next series.

        In compare, only among the frames compared.
        """
        if self.view is View.COMPARE:
            if self.photo_id in self.compared:
                i = self.compared.index(self.photo_id) + step
                if 0 <= i < len(self.compared):
                    self.select_frame(self.compared[i])
            return
        frames = self.strip_model.frames()
        row = self.strip_model.row_of(self.photo_id) + step
        if 0 <= row < len(frames):
            self.select_frame(frames[row].photo_id)
            return
        if self.move_series(step) and step < 0:
            frames = self.strip_model.frames()
            if frames:
                self.select_frame(frames[-1].photo_id)

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
    @command("Rate 1 stars", name="rate_1", keys=("1",), args=(1,))
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
        changes = decisions.accept_changes(
            [f.photo_id for f in series.frames], self.settings.accept_rejects_others.value
        )
        self._push(changes, "Accept the model's pick")
        if self.settings.auto_advance.value:
            self.move_series(1)

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
        self.undo_stack.undo()

    @command("Redo", keys=("Ctrl+Shift+Z", "Ctrl+Y"))
    def redo(self) -> None:
        self.undo_stack.redo()

    def _applied(self, photo_id: int, state: DecisionState) -> None:
        """A decision reached the catalog: update every view of that photo."""
        self.loader.invalidate()
        series = self._series_by_id.get(self._series_of_photo.get(photo_id, -1))
        if series is not None:
            for i, frame in enumerate(series.frames):
                if frame.photo_id == photo_id:
                    series.frames[i] = dataclasses.replace(frame, decision=state)
                    self.series_model.replace_frame(series.frames[i])
                    self.strip_model.replace_frame(series.frames[i])
                    self.bus.frame_updated.emit(series.frames[i])
        self.bus.decision_changed.emit(photo_id)
        if self.settings.xmp_on_decision.value:
            self.write_sidecars([photo_id], quiet=True)

    def _on_details(self, photo_id: int, details: dict) -> None:
        if self.library is None:
            return
        self.library.remember_details(photo_id, details)
        series = self._series_by_id.get(self._series_of_photo.get(photo_id, -1))
        for i, frame in enumerate(series.frames if series else []):
            if frame.photo_id == photo_id:
                series.frames[i] = self.library.with_details(frame)
                self.strip_model.replace_frame(series.frames[i])
                self.bus.frame_updated.emit(series.frames[i])

    def _on_details_failed(self, photo_id: int, message: str) -> None:
        frame = self.frame(photo_id)
        self.bus.error.emit(Path(frame.path).name if frame else str(photo_id), message)

    # -- sidecars and moves ----------------------------------------------------------------

    @command("Write XMP sidecars", keys=("Ctrl+S",), tip="Write XMP")
    def write_xmp(self) -> None:
        self.write_sidecars()

    def write_sidecars(self, photo_ids: list[int] | None = None, quiet: bool = False) -> int:
        """Make the sidecars say what the catalog says; returns how many files changed."""
        if self.library is None or self.catalog is None:
            return 0
        from app.gui.fileops import write_sidecars

        written, problems = write_sidecars(
            self.catalog,
            self.library.root,
            self.settings.xmp_scheme.value,
            self.settings.sidecar_style.value,
            photo_ids,
        )
        for problem in problems:
            self.bus.error.emit(problem.path, problem.error)
        if not quiet:
            self.bus.message.emit(f"Wrote {written} XMP sidecar(s)")
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
        from app.gui.fileops import move_rejects

        target = target or self.rejects_folder()
        if confirm and not self.confirm(
            "Move rejects", f"Move every rejected photo into\n{target}?"
        ):
            return 0
        moved, problems = move_rejects(self.catalog, self.library.root, target)
        for problem in problems:
            self.bus.error.emit(problem.path, problem.error)
        self.bus.message.emit(f"Moved {moved} rejected photo(s) to {target}")
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
        self.bus.message.emit(f"Put back {restored} file(s)")
        self.reload()

    # -- the end ---------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop the cull and the readers, close the catalog (decisions are already saved)."""
        self.stop_cull(wait=True)
        self.loader.shutdown()
        self.details.shutdown()
        self.thumbnails.shutdown()
        if self.catalog is not None:
            self.catalog.close()
            self.catalog = None
