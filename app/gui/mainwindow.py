"""The main window: series grid, loupe and compare over a frame strip, details on the right."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtCore import QPointF, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QCursor, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app import heap
from app.catalog import Catalog, CatalogError, DecisionState, Flag
from app.gui import actions
from app.gui.bus import SignalBus
from app.gui.items import FrameItem, SeriesItem
from app.gui.library import FolderLibrary, SeriesLoader
from app.gui.models import FILTER_LABELS, FrameStripModel, SeriesFilter, SeriesListModel
from app.gui.settings import PIPELINE_KEYS, Settings, cache_dir
from app.gui.thumbnails import Decoder, ThumbnailManager
from app.gui.views.compare import CompareView
from app.gui.views.details import DetailsPanel
from app.gui.views.loupe import LoupeView
from app.gui.views.messages import MessageBar
from app.gui.views.progress import ProgressPanel
from app.gui.views.series_list import SeriesListView
from app.gui.views.strip import StripView
from app.gui.worker import CullJob, cull_options

VIEWS = ("series", "loupe", "compare")
RELOAD_INTERVAL_MS = 1000


class MainWindow(QMainWindow):
    """Owns the models, the catalog connection and the background cull of the open folder."""

    def __init__(
        self,
        settings: Settings | None = None,
        catalog_path: str | None = None,
        decoder: Decoder | None = None,
        run_pipeline: bool = True,
    ) -> None:
        super().__init__()
        self.setWindowTitle("FGAesQ Cull")
        self.setAcceptDrops(True)
        self.resize(1500, 950)
        self.bus = SignalBus(self)
        self.settings = settings or Settings(parent=self)
        self.catalog_path = catalog_path
        self.run_pipeline = run_pipeline
        self.catalog: Catalog | None = None
        self.library: FolderLibrary | None = None
        self.job: CullJob | None = None
        self._stopping: list[CullJob] = []  # cancelled jobs still finishing their last unit
        self.last_result = None
        self.undo_stack = actions.new_undo_stack(self)
        self.view = "series"
        self._previous_view = "series"
        self._series_by_id: dict[int, SeriesItem] = {}

        self.thumbnails = ThumbnailManager(decoder, cache_dir() / "thumbnails", parent=self)
        self.thumbnails.failed.connect(lambda path, msg: self.bus.error.emit(Path(path).name, msg))
        self.series_model = SeriesListModel(self.thumbnails, self.settings.thumbnail_size, self)
        self.strip_model = FrameStripModel(self.thumbnails, 128, self)
        self._build_widgets()
        self._build_actions()
        self._connect()
        self.loader = SeriesLoader(self)
        self.loader.loaded.connect(self._show_loaded)
        self.loader.failed.connect(lambda message: self.bus.error.emit("Catalog", message))
        self._reload_timer = QTimer(self, singleShot=True, interval=RELOAD_INTERVAL_MS)
        self._reload_timer.timeout.connect(self.reload)
        for problem in self.settings.load_errors:
            self.bus.error.emit("Preferences", problem)
        self.set_view("series")

    # -- construction ----------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.messages = MessageBar(self)
        self.series_view = SeriesListView(self.series_model, self)
        self.loupe = LoupeView(self.thumbnails, self)
        self.compare = CompareView(self.thumbnails, self)
        self.stack = QStackedWidget(self)
        for widget in (self.series_view, self.loupe, self.compare):
            self.stack.addWidget(widget)
        self.strip = StripView(self.strip_model, self)
        self.details = DetailsPanel(self)

        centre = QWidget(self)
        column = QVBoxLayout(centre)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.messages)
        column.addWidget(self.stack, 1)
        column.addWidget(self.strip)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(centre)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setSizes([1200, 280])
        self.setCentralWidget(self.splitter)

        self.progress = ProgressPanel(self)
        self.counts = QLabel(self)
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.counts)
        self.filter_box = QComboBox(self)
        for mode, label in FILTER_LABELS.items():
            self.filter_box.addItem(label, int(mode))

    def _build_actions(self) -> None:
        self.qactions: dict[str, QAction] = {}
        for key in actions.KEYMAP:
            action = QAction(key.text, self)
            action.setShortcuts([QKeySequence(k) for k in key.keys])
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(lambda _=False, name=key.name: self.trigger(name))
            self.addAction(action)
            self.qactions[key.name] = action
        for name in ("loupe", "compare", "grid"):
            self.qactions[name].setCheckable(name != "grid")
        undo, redo = self.qactions["undo"], self.qactions["redo"]
        undo.setEnabled(False)
        redo.setEnabled(False)
        self.undo_stack.canUndoChanged.connect(undo.setEnabled)
        self.undo_stack.canRedoChanged.connect(redo.setEnabled)
        self.qactions["cancel"].setEnabled(False)

        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        file_menu.addAction(self.qactions["open"])
        self.recent_menu = QMenu("Open &Recent", self)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        file_menu.addMenu(self.recent_menu)
        file_menu.addSeparator()
        for name in ("write_xmp", "move_rejects", "undo_move", "cancel", "preferences", "quit"):
            file_menu.addAction(self.qactions[name])
        edit = menu.addMenu("&Edit")
        edit.addActions([self.qactions["undo"], self.qactions["redo"]])
        photo = menu.addMenu("&Photo")
        for key in actions.KEYMAP:
            if key.name in ("pick", "reject", "unflag", "accept") or key.name.startswith(
                ("rate_", "label_")
            ):
                photo.addAction(self.qactions[key.name])
        view = menu.addMenu("&View")
        for name in (
            "grid",
            "loupe",
            "compare",
            "zoom",
            "next_frame",
            "prev_frame",
            "next_series",
            "prev_series",
        ):
            view.addAction(self.qactions[name])

        bar = self.addToolBar("Main")
        bar.setObjectName("mainToolbar")
        bar.setMovable(False)
        bar.addAction(self.qactions["open"])
        bar.addSeparator()
        for name in ("grid", "loupe", "compare"):
            bar.addAction(self.qactions[name])
        bar.addSeparator()
        bar.addWidget(self.filter_box)
        bar.addSeparator()
        for name in ("undo", "redo", "write_xmp"):
            bar.addAction(self.qactions[name])
        for name, text in (
            ("grid", "Series"),
            ("loupe", "Loupe"),
            ("compare", "Compare"),
            ("write_xmp", "Write XMP"),
            ("open", "Open…"),
        ):
            action = self.qactions[name]
            keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            action.setToolTip(f"{action.text()} ({keys})" if keys else action.text())
            action.setText(text)

    def _connect(self) -> None:
        self.series_view.current_changed.connect(self._on_series)
        self.strip.current_changed.connect(self._on_frame)
        self.compare.frame_clicked.connect(self.strip.select_id)
        self.filter_box.currentIndexChanged.connect(
            lambda _i: self.series_view.proxy.set_mode(SeriesFilter(self.filter_box.currentData()))
        )
        self.series_view.doubleClicked.connect(lambda _i: self.set_view("loupe"))
        self.bus.error.connect(self.messages.add)
        self.bus.message.connect(lambda text: self.statusBar().showMessage(text, 5000))
        self.progress.cancel_requested.connect(self.cancel_cull)
        self.settings.changed.connect(self._on_setting)

    # -- folders -------------------------------------------------------------------------

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
        self.undo_stack.clear()
        self.messages.dismiss()
        self.library = FolderLibrary(catalog, folder)
        self.series_model.set_series([])
        self.strip_model.set_series(None)
        self.setWindowTitle(f"{folder.resolve().name} — FGAesQ Cull")
        self.settings.add_recent_folder(folder)
        self.reload()
        self.bus.folder_opened.emit(self.library.root)
        if self.run_pipeline:
            self.start_cull()
        return True

    def start_cull(self) -> None:
        """Cull the open folder in the background, replacing a cull already running."""
        if self.library is None:
            return
        self.stop_cull()
        try:
            options = cull_options(
                self.settings, catalog_path=self.catalog.path if self.catalog else None
            )
        except Exception as exc:  # a bad preference must not take the window down
            self.bus.error.emit("Preferences", str(exc))
            return
        self.job = CullJob(self.library.root, options, self)
        self.job.progress.connect(self._on_progress)
        self.job.succeeded.connect(self._on_cull_done)
        self.job.failed.connect(self._on_cull_failed)
        self.job.finished.connect(self._on_job_finished)
        self.progress.start()
        self.qactions["cancel"].setEnabled(True)
        self.bus.cull_started.emit()
        heap.freeze_long_lived()
        self.job.start()

    def cancel_cull(self) -> None:
        """The Cancel button: stop after the current unit of work; results so far are kept."""
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
            self._on_job_finished()
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

    def _on_progress(self, event) -> None:
        stage, done, total, message = str(event.stage), event.done, event.total, event.message
        if stage not in ("problem", "note"):
            self.progress.update_progress(stage, done, total, message)
        self.bus.progress.emit(stage, done, total, message)
        problem = event.problem
        if problem is not None:
            self.bus.error.emit(str(problem.path), str(problem.error))
        if stage == "note":
            self.bus.message.emit(message)
        # re-read the catalog only when there is something new to show: ranked series
        if event.series is not None and not self._reload_timer.isActive():
            self._reload_timer.start()

    def _on_cull_done(self, result) -> None:
        self.last_result = result
        if self.library is not None and result.model:
            self.library.model = (
                f"{result.model.get('name', '')} ({result.model.get('weights', '')})"
            )
        for problem in result.errors:
            self.bus.error.emit(problem.path, problem.error)
        self.reload()
        self.bus.cull_finished.emit(result.summary())
        self.bus.message.emit(result.summary())

    def _on_cull_failed(self, message: str) -> None:
        self.bus.error.emit("Cull", message)
        self.reload()
        self.bus.cull_finished.emit(message)

    def _on_job_finished(self) -> None:
        self.progress.finish()
        self.qactions["cancel"].setEnabled(False)
        if self.job is not None and self.job.isFinished():
            self.job.deleteLater()
            self.job = None

    def reload(self) -> None:
        """Re-read the folder's series from the catalog in the background."""
        if self.library is not None:
            self.loader.load(self.library)

    def is_loading(self) -> bool:
        return self.loader.busy()

    def is_busy(self) -> bool:
        """True while a cull, a catalog read or a thumbnail decode is still under way."""
        return self.job is not None or self.loader.busy() or self.thumbnails.busy()

    def _show_loaded(self, series: list[SeriesItem]) -> None:
        """Show freshly read series, keeping the current series and frame."""
        self._series_by_id = {s.series_id: s for s in series}
        keep_series, keep_frame = self.series_view.current_id(), self.strip.current_id()
        self.series_model.set_series(series)
        if keep_series in self._series_by_id:
            self.series_view.select_id(keep_series)
            self._show_series(self._series_by_id[keep_series], keep_frame)
        elif series and not self.series_view.currentIndex().isValid():
            self.series_view.move(0)
        self._update_counts()
        self.bus.series_reloaded.emit()

    def _update_counts(self) -> None:
        frames = [f for s in self._series_by_id.values() for f in s.frames]
        picks = sum(f.decision.flag is Flag.PICK for f in frames)
        rejects = sum(f.decision.flag is Flag.REJECT for f in frames)
        reviewed = sum(s.reviewed for s in self._series_by_id.values())
        self.counts.setText(
            f"{len(self._series_by_id)} series · {len(frames)} photos · "
            f"{reviewed} reviewed · {picks} picks · {rejects} rejects  "
        )

    # -- selection ---------------------------------------------------------------------

    def current_series(self) -> SeriesItem | None:
        return self._series_by_id.get(self.strip_model.series_id)

    def current_frame(self) -> FrameItem | None:
        row = self.strip_model.row_of(self.strip.current_id())
        return self.strip_model.frames()[row] if row >= 0 else None

    def _on_series(self, series_id: int) -> None:
        self._show_series(self._series_by_id.get(series_id), -1)
        self.bus.series_selected.emit(series_id)

    def _show_series(self, series: SeriesItem | None, frame_id: int) -> None:
        same = series is not None and series.series_id == self.strip_model.series_id
        if same and [f.photo_id for f in series.frames] == [
            f.photo_id for f in self.strip_model.frames()
        ]:
            for frame in series.frames:
                self.strip_model.replace_frame(frame)
        else:
            self.strip_model.set_series(series)
        if series is None or not series.frames:
            self._on_frame(-1)
            return
        if not self.strip.select_id(frame_id):
            self.strip.select_id(series.frames[0].photo_id)
        self._refresh_frame_views()

    def _on_frame(self, photo_id: int) -> None:
        self._refresh_frame_views()
        self.bus.frame_selected.emit(photo_id)

    def _refresh_frame_views(self) -> None:
        frame, series = self.current_frame(), self.current_series()
        if frame is not None and self.library is not None:
            try:
                frame = self.library.file_details(frame)
            except Exception as exc:  # a file gone since the scan: say so, keep going
                self.bus.error.emit(Path(frame.path).name, str(exc))
        self.details.show_frame(frame, series)
        if self.view == "loupe":
            self.loupe.show_frame(frame)
        elif self.view == "compare":
            self._show_compare()

    def _compare_frames(self) -> list[FrameItem]:
        """The strip's selected frames (2-4), else the series' top frames by rank."""
        frames = self.strip_model.frames()
        chosen = [f for f in frames if f.photo_id in set(self.strip.selected_frame_ids())]
        if len(chosen) < 2:
            chosen = frames[:4]
            current = self.current_frame()
            if current is not None and current not in chosen:
                chosen = chosen[:3] + [current]
        return chosen[:4]

    def _show_compare(self) -> None:
        frames = self.compare.frames()
        current = self.current_frame()
        ids = {f.photo_id for f in frames}
        if (
            current is None
            or current.photo_id not in ids
            or any(
                f.photo_id not in {x.photo_id for x in self.strip_model.frames()} for f in frames
            )
        ):
            frames = self._compare_frames()
        else:
            by_id = {f.photo_id: f for f in self.strip_model.frames()}
            frames = [by_id[f.photo_id] for f in frames]
        self.compare.show_frames(frames, current.photo_id if current else -1)

    # -- views ---------------------------------------------------------------------------

    def set_view(self, name: str) -> None:
        if name not in VIEWS:
            raise ValueError(f"unknown view {name!r}")
        if name != self.view:
            self._previous_view = self.view
        self.view = name
        self.stack.setCurrentIndex(VIEWS.index(name))
        self.qactions["loupe"].setChecked(name == "loupe")
        self.qactions["compare"].setChecked(name == "compare")
        for key in actions.NAVIGATION:
            self.qactions[key].setEnabled(name != "series")
        if name == "compare":
            self._show_compare()
        self._refresh_frame_views()
        (self.series_view if name == "series" else self.stack.currentWidget()).setFocus()
        self.bus.view_changed.emit(name)

    # -- the keyboard ----------------------------------------------------------------------

    def trigger(self, name: str) -> None:
        """Run one keyboard action by name (the QActions and the tests both come here)."""
        handler = getattr(self, f"_do_{name}", None)
        if handler is not None:
            handler()
        elif actions.marks_for(name, DecisionState()) is not None:
            self.decide(name)

    def _do_loupe(self) -> None:
        self.set_view("series" if self.view == "loupe" else "loupe")

    def _do_compare(self) -> None:
        self.set_view(
            (self._previous_view if self._previous_view != "compare" else "loupe")
            if self.view == "compare"
            else "compare"
        )

    def _do_grid(self) -> None:
        self.set_view("series")

    def _do_zoom(self) -> None:
        cursor = QPointF(QCursor.pos())
        if self.view == "compare":
            self.compare.toggle_zoom(cursor)
        else:
            if self.view != "loupe":
                self.set_view("loupe")
            self.loupe.toggle_zoom(cursor)

    def _do_next_frame(self) -> None:
        self.advance(1, wrap_series=True)

    def _do_prev_frame(self) -> None:
        self.advance(-1, wrap_series=True)

    def _do_next_series(self) -> None:
        self.series_view.move(1)

    def _do_prev_series(self) -> None:
        self.series_view.move(-1)

    def advance(self, step: int, wrap_series: bool) -> None:
        """Move to the next frame; past the series' last frame, on to the next series."""
        if self.view == "compare":
            ids = [f.photo_id for f in self.compare.frames()]
            current = self.strip.current_id()
            if current in ids:
                i = ids.index(current) + step
                if 0 <= i < len(ids):
                    self.strip.select_id(ids[i])
            return
        if self.strip.move(step) or not wrap_series:
            return
        if self.series_view.move(step) and step < 0:
            frames = self.strip_model.frames()
            if frames:
                self.strip.select_id(frames[-1].photo_id)

    def _do_undo(self) -> None:
        self.undo_stack.undo()

    def _do_redo(self) -> None:
        self.undo_stack.redo()

    def _do_open(self) -> None:
        start = (
            self.settings.recent_folders[0] if self.settings.recent_folders else str(Path.home())
        )
        folder = QFileDialog.getExistingDirectory(self, "Open folder", start)
        if folder:
            self.open_folder(folder)

    def _do_cancel(self) -> None:
        self.cancel_cull()

    def _do_quit(self) -> None:
        self.close()

    def _do_preferences(self) -> None:
        from app.gui.preferences import PreferencesDialog

        PreferencesDialog(self.settings, self).open()

    def _do_write_xmp(self) -> None:
        self.write_sidecars()

    def _do_move_rejects(self) -> None:
        self.move_rejects()

    def _do_accept(self) -> None:
        series = self.current_series()
        if series is None or self.library is None:
            return
        changes = actions.accept_changes(
            [f.photo_id for f in series.frames], self.settings.accept_rejects_others
        )
        self.undo_stack.push(
            actions.DecisionCommand(self.library, changes, "Accept the model's pick", self._applied)
        )
        if self.settings.auto_advance:
            self.series_view.move(1)

    def decide(self, name: str) -> None:
        frame = self.current_frame()
        if frame is None or self.library is None:
            return
        marks = actions.marks_for(name, frame.decision)
        text = self.qactions[name].text() if name in self.qactions else name
        self.undo_stack.push(
            actions.DecisionCommand(self.library, [(frame.photo_id, marks)], text, self._applied)
        )
        if self.settings.auto_advance and (name in ("pick", "reject") or name.startswith("rate_")):
            self.advance(1, wrap_series=True)

    def _applied(self, photo_id: int, state: DecisionState) -> None:
        """A decision reached the catalog: update every view of that photo."""
        self.loader.invalidate()
        for series in self._series_by_id.values():
            for i, frame in enumerate(series.frames):
                if frame.photo_id == photo_id:
                    series.frames[i] = dataclasses.replace(frame, decision=state)
                    self.series_model.replace_frame(series.frames[i])
                    self.strip_model.replace_frame(series.frames[i])
                    self.compare.update_frame(series.frames[i])
                    if self.loupe.pane.frame and self.loupe.pane.frame.photo_id == photo_id:
                        self.loupe.show_frame(series.frames[i])
        self._refresh_frame_views()
        self._update_counts()
        self.bus.decision_changed.emit(photo_id)
        if self.settings.xmp_on_decision:
            self.write_sidecars([photo_id], quiet=True)

    # -- sidecars and moves --------------------------------------------------------------

    def write_sidecars(self, photo_ids: list[int] | None = None, quiet: bool = False) -> int:
        """Write XMP sidecars with the pipeline's writer; returns how many were written."""
        if self.library is None or self.catalog is None:
            return 0
        from app.gui.fileops import write_sidecars

        written, problems = write_sidecars(
            self.catalog, self.library.root, self.settings, photo_ids
        )
        for problem in problems:
            self.bus.error.emit(problem.path, problem.error)
        if not quiet:
            self.bus.message.emit(f"Wrote {written} XMP sidecar(s)")
        return written

    def move_rejects(self, target: str | None = None, confirm: bool = True) -> int:
        """Move rejected photos (all their files) into the rejects folder, journaled."""
        if self.library is None or self.catalog is None:
            return 0
        from app.gui.fileops import move_rejects

        target = target or str(Path(self.library.root) / self.settings.rejects_folder)
        if (
            confirm
            and QMessageBox.question(
                self, "Move rejects", f"Move every rejected photo into\n{target}?"
            )
            != QMessageBox.StandardButton.Yes
        ):
            return 0
        moved, problems = move_rejects(self.catalog, self.library.root, target)
        for problem in problems:
            self.bus.error.emit(problem.path, problem.error)
        self.bus.message.emit(f"Moved {moved} rejected photo(s) to {target}")
        self.reload()
        return moved

    def _do_undo_move(self) -> None:
        if self.library is None or self.catalog is None:
            return
        from app.gui.fileops import undo_move

        target = str(Path(self.library.root) / self.settings.rejects_folder)
        restored, problems = undo_move(self.catalog, target)
        for problem in problems:
            self.bus.error.emit(problem.path, problem.error)
        self.bus.message.emit(f"Put back {restored} file(s)")
        self.reload()

    # -- settings, recent folders, drag and drop -------------------------------------------

    def _on_setting(self, name: str, _value) -> None:
        if name in PIPELINE_KEYS and self.library is not None and self.run_pipeline:
            self.start_cull()

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for folder in self.settings.recent_folders:
            action = self.recent_menu.addAction(folder)
            action.triggered.connect(lambda _=False, f=folder: self.open_folder(f))
        if not self.settings.recent_folders:
            self.recent_menu.addAction("No recent folders").setEnabled(False)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(Path(u.toLocalFile()).is_dir() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        for url in event.mimeData().urls():
            if Path(url.toLocalFile()).is_dir():
                self.open_folder(url.toLocalFile())
                event.acceptProposedAction()
                return

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop the cull and the decoders, close the catalog (decisions are already saved)."""
        self.stop_cull(wait=True)
        self.loader.shutdown()
        self.thumbnails.shutdown()
        if self.catalog is not None:
            self.catalog.close()
            self.catalog = None
