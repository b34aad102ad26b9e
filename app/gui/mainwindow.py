"""The main window: layout, menus and the window's own commands (open, preferences, quit).

Everything the photographer works on lives in :class:`~app.gui.controller.CullController`;
the widgets subscribe to its bus themselves.  The window places them, lists commands in
menus and the toolbar, and hosts the dialogs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.gui.commands import command
from app.gui.controller import CullController
from app.gui.filters import FRAME_CRITERIA
from app.gui.items import plural
from app.gui.model_why import ModelWhy
from app.gui.settings import Settings, cache_dir
from app.gui.sidecar_plan import SidecarPlan
from app.gui.thumbnails import Decoder, ThumbnailManager
from app.gui.views.cheat_sheet import CheatSheet
from app.gui.views.details import DetailsPanel
from app.gui.views.face_strip import FaceStripView
from app.gui.views.filter_box import SeriesFilterBox
from app.gui.views.messages import MessageBar
from app.gui.views.stack import ViewStack
from app.gui.views.status import ShootSummary, StatusBar
from app.gui.views.strip import StripView
from app.gui.views.write_review import WriteReviewDialog

#: what each menu lists, by command name (None: a separator).  No menu's mnemonic is
#: P, X, U or S: Alt with those letters switches frame filters.
MENUS = {
    "&File": (
        "open",
        "recent",
        None,
        "write_xmp",
        "write_xmp_decisions",
        "move_rejects_command",
        "undo_move",
        None,
        "get_weights",
        "cancel_download",
        "cancel",
        None,
        "learn_taste",
        "taste_profiles",
        "preferences",
        "quit",
    ),
    "&Edit": ("undo", "redo"),
    "P&hoto": (
        "pick",
        "reject",
        "unflag",
        "accept",
        "toggle_auto_advance",
        None,
        "kind_burst",
        "kind_bracket",
        "kind_panorama",
        "kind_focus_stack",
        "next_kind",
        "prev_kind",
        None,
        *(f"rate_{n}" for n in range(6)),
        None,
        "label_red",
        "label_yellow",
        "label_green",
        "label_blue",
        "label_purple",
    ),
    "&View": (
        "grid",
        "loupe",
        "compare",
        "toggle_compare",
        "clear_compare",
        None,
        "zoom",
        "info",
        "histogram",
        "face_boxes",
        "why_regions",
        "face_strip",
        "fullscreen",
        "strip_capture_order",
        "larger_thumbnails",
        "smaller_thumbnails",
        None,
        "next_frame",
        "prev_frame",
        "next_series",
        "prev_series",
        "next_undecided",
        "prev_undecided",
    ),
    "F&ilter": (
        "filter_picked",
        "filter_rejected",
        "filter_unflagged",
        "filter_suggested",
        None,
        *(f"filter_stars_{n}" for n in range(1, 6)),
        None,
        "filter_red",
        "filter_yellow",
        "filter_green",
        "filter_blue",
        "filter_purple",
        None,
        "criteria",
        None,
        "clear_frame_filters",
    ),
    "&Help": ("cheat_sheet",),
}
TOOLBAR = (
    "open",
    None,
    "grid",
    "loupe",
    "compare",
    "face_strip",
    None,
    "filter",
    None,
    "undo",
    "redo",
    "write_xmp",
    None,
    "summary",
)


def unwritten_text(plan: SidecarPlan) -> str:
    """``3 photos you decided on and 9 with the model's suggestions changed in this session
    are not in XMP sidecars yet``: counted from the sidecars themselves."""
    parts = []
    if plan.yours():
        parts.append(f"{plural(plan.yours(), 'photo')} you decided on")
    if plan.suggested():
        parts.append(f"{plural(plan.suggested(), 'photo')} with the model's suggestions")
    many = len(plan.photo_ids()) > 1
    return (
        f"{' and '.join(parts)} in this session {'are' if many else 'is'} not in XMP sidecars yet"
    )


class MainWindow(QMainWindow):
    """The series grid, loupe or compare over the frame strip, the details on the right."""

    def __init__(
        self,
        settings: Settings | None = None,
        catalog_path: str | None = None,
        decoder: Decoder | None = None,
        run_pipeline: bool = True,
    ) -> None:
        super().__init__()
        self._hidden_for_image_only: list[QWidget] | None = None
        self.setWindowTitle("FGAesQ Cull")
        self.setAcceptDrops(True)
        self.resize(1500, 950)
        self.settings = settings or Settings(parent=self)
        thumbnails = ThumbnailManager(decoder, cache_dir() / "thumbnails", parent=self)
        self.controller = CullController(
            self.settings, thumbnails, catalog_path, run_pipeline, parent=self
        )
        self.controller.confirm = self._confirm
        self.controller.review_write = self._review_write
        self.model_why = ModelWhy(self.controller, self.settings, self)  # W on FGAesQ's picks
        self.bus = self.controller.bus
        self.commands = self.controller.commands
        self.commands.register(self)
        self._build_widgets()
        self._build_menus()
        self.addActions(self.commands.actions())
        self.bus.folder_opened.connect(
            lambda root: self.setWindowTitle(f"{Path(root).name} — FGAesQ Cull")
        )
        self.controller.start()
        self._restore_window()
        self.settings.strip_capture_order.changed.connect(self._follow_strip_order)
        self._follow_strip_order(self.settings.strip_capture_order.value)

    def _restore_window(self) -> None:
        """Where the window was and the frame last looked at (when its folder is opened
        again)."""
        geometry = self.settings.window_geometry.value
        if geometry:
            self.restoreGeometry(QByteArray.fromBase64(geometry.encode("ascii")))
        self._frame_to_restore = ""
        self.bus.folder_opened.connect(self._remember_frame_to_restore)
        self.bus.series_reloaded.connect(self._restore_frame)

    def _remember_frame_to_restore(self, _root: str) -> None:
        self._frame_to_restore = self.settings.last_frame.value

    def _restore_frame(self) -> None:
        path, self._frame_to_restore = self._frame_to_restore, ""
        for series in self.controller.series() if path else ():
            for frame in series.frames:
                if frame.path == path:
                    self.controller.select_frame(frame.photo_id)
                    return

    def _save_window(self) -> None:
        self.settings.window_geometry.value = bytes(self.saveGeometry().toBase64()).decode()
        frame = self.controller.current_frame()
        if frame is not None:
            self.settings.last_frame.value = frame.path

    def _build_widgets(self) -> None:
        controller = self.controller
        self.messages = MessageBar(self.bus, self)
        self.stack = ViewStack(controller, self)
        self.series_view, self.loupe, self.compare = (
            self.stack.series_view,
            self.stack.loupe,
            self.stack.compare,
        )
        self.strip = StripView(controller, self)
        self.faces = FaceStripView(controller, self)
        self.details = DetailsPanel(controller, self)
        self.filter_box = SeriesFilterBox(controller, self)

        centre = QWidget(self)
        column = QVBoxLayout(centre)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.messages)
        column.addWidget(self.stack, 1)
        column.addWidget(self.faces)
        column.addWidget(self.strip)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(centre)
        self.splitter.addWidget(self.details)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setSizes([1200, 280])
        self.setCentralWidget(self.splitter)
        self.status = StatusBar(controller, self)
        self.summary = ShootSummary(controller, self)
        self.summary.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setStatusBar(self.status)

    def _build_menus(self) -> None:
        self.recent_menu = QMenu("Open &Recent", self)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        for title, names in MENUS.items():
            menu = self.menuBar().addMenu(title)
            for name in names:
                if name is None:
                    menu.addSeparator()
                elif name == "recent":
                    menu.addMenu(self.recent_menu)
                elif name == "criteria":  # frame criteria, however many are registered
                    for criterion in FRAME_CRITERIA:
                        menu.addAction(self.commands.action(f"filter_{criterion}"))
                else:
                    menu.addAction(self.commands.action(name))
        bar = self.toolbar = self.addToolBar("Main")
        bar.setObjectName("mainToolbar")
        bar.setMovable(False)
        for name in TOOLBAR:
            if name is None:
                bar.addSeparator()
            elif name == "filter":
                bar.addWidget(self.filter_box)
            elif name == "summary":
                bar.addWidget(self.summary)
            else:
                bar.addAction(self.commands.action(name))

    # -- the window's commands -------------------------------------------------------------

    @command("Open folder…", keys=("Ctrl+O",), tip="Open…")
    def open(self) -> None:
        recent = self.settings.recent_folders.value
        start = recent[0] if recent else str(Path.home())
        folder = QFileDialog.getExistingDirectory(self, "Open folder", start)
        if folder:
            self.controller.open_folder(folder)

    @command("Learn my taste from a culled folder…")
    def learn_taste(self) -> None:
        from app.gui.taste import LearnTaste

        if getattr(self, "taste_learning", None) is None:
            catalog_path = self.controller.session.catalog_path
            self.taste_learning = LearnTaste(self, self.settings, catalog_path)
        self.taste_learning.start()

    @command("Taste profiles…")
    def taste_profiles(self):
        """Choose the profile for the culls, export one or remove one (a small dialog)."""
        from app.gui.taste_profiles import TasteProfilesDialog

        catalog = self.controller.open_catalog()
        if catalog is None:
            return None
        dialog = TasteProfilesDialog(catalog, self.controller.session, self.settings, self)
        dialog.open()
        return dialog

    @command("Preferences…", keys=("Ctrl+,",))
    def preferences(self) -> None:
        from app.gui.preferences import PreferencesDialog

        PreferencesDialog(self.settings, self).open()

    @command("Quit", keys=("Ctrl+Q",))
    def quit(self) -> None:
        self.close()

    @command("Image only (full screen, panels hidden)", keys=("F",), checkable=True)
    def fullscreen(self) -> None:
        """Full screen with only the photos and the message bar; F again brings back the
        panels that were showing."""
        if self._hidden_for_image_only is not None:
            for widget in self._hidden_for_image_only:
                widget.show()
            self._hidden_for_image_only = None
            self.showNormal()
        else:
            panels = [self.menuBar(), self.toolbar, self.statusBar(), self.details]
            panels += [self.strip, self.faces]
            self._hidden_for_image_only = [w for w in panels if w.isVisible()]
            for widget in self._hidden_for_image_only:
                widget.hide()
            self.showFullScreen()
        self.commands.set_checked("fullscreen", self._hidden_for_image_only is not None)

    @command("Filmstrip in capture order", checkable=True)
    def strip_capture_order(self) -> None:
        """Each series' frames in the order they were taken, not best first (kept)."""
        self.settings.strip_capture_order.toggle()

    def _follow_strip_order(self, on: bool) -> None:
        self.controller.strip_model.set_capture_order(on)
        self.commands.set_checked("strip_capture_order", on)

    @command("Keyboard shortcuts", keys=("F1", "?"))
    def cheat_sheet(self) -> None:
        self.keys_sheet = CheatSheet(self.commands.actions(), self)
        self.keys_sheet.show()

    def _confirm(self, title: str, text: str) -> bool:
        return QMessageBox.question(self, title, text) == QMessageBox.StandardButton.Yes

    def _review_write(self, plan: SidecarPlan, write: Callable[[], object]) -> None:
        """Which marks a sidecar write changes; it writes when the photographer says so."""
        self.review = WriteReviewDialog(plan, write, self.settings.ask_before_xmp_write, self)
        self.review.open()

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = self.settings.recent_folders.value
        for folder in recent:
            action = self.recent_menu.addAction(folder)
            action.triggered.connect(lambda _=False, f=folder: self.controller.open_folder(f))
        if not recent:
            self.recent_menu.addAction("No recent folders").setEnabled(False)

    # -- drag and drop, closing --------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(Path(u.toLocalFile()).is_dir() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        for url in event.mimeData().urls():
            if Path(url.toLocalFile()).is_dir():
                self.controller.open_folder(url.toLocalFile())
                event.acceptProposedAction()
                return

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._sidecars_settled():
            event.ignore()
            return
        self.shutdown()
        super().closeEvent(event)

    def _sidecars_settled(self) -> bool:
        """Before closing: offer to write the sidecars of decisions not in them yet.
        False when the photographer chose to stay."""
        files = self.controller.files
        if self.settings.xmp_on_decision.value or self.controller.catalog is None:
            return True
        plan = files.unwritten_plan()  # waits for the decisions still on their way
        if not plan.changes:
            return True
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self,
            "Decisions not in XMP sidecars",
            f"{unwritten_text(plan)}, so Lightroom, darktable, Capture One and digiKam do not "
            "see them.  The catalog has every decision.\n\nWrite the sidecars now?",
            buttons.Save | buttons.Discard | buttons.Cancel,
            buttons.Save,
        )
        if answer == buttons.Cancel:
            return False
        if answer == buttons.Save:
            files.write_sidecars(list(files.unwritten))  # done before the catalog closes
        return True

    def shutdown(self) -> None:
        self._save_window()
        self.model_why.shutdown()
        self.controller.shutdown()
