"""The main window: layout, menus and the window's own commands (open, preferences, quit).

Everything the photographer works on lives in :class:`~app.gui.controller.CullController`;
the widgets subscribe to its bus themselves.  The window places them, lists commands in
menus and the toolbar, and hosts the dialogs.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.gui.commands import command
from app.gui.controller import CullController
from app.gui.settings import Settings, cache_dir
from app.gui.thumbnails import Decoder, ThumbnailManager
from app.gui.views.details import DetailsPanel
from app.gui.views.filter_box import SeriesFilterBox
from app.gui.views.messages import MessageBar
from app.gui.views.stack import ViewStack
from app.gui.views.status import StatusBar
from app.gui.views.strip import StripView

#: what each menu lists, by command name (None: a separator)
MENUS = {
    "&File": (
        "open",
        "recent",
        None,
        "write_xmp",
        "move_rejects_command",
        "undo_move",
        "cancel",
        "preferences",
        "quit",
    ),
    "&Edit": ("undo", "redo"),
    "&Photo": (
        "pick",
        "reject",
        "unflag",
        "accept",
        *(f"rate_{n}" for n in range(6)),
        "label_red",
        "label_yellow",
        "label_green",
        "label_blue",
    ),
    "&View": (
        "grid",
        "loupe",
        "compare",
        "zoom",
        "next_frame",
        "prev_frame",
        "next_series",
        "prev_series",
    ),
}
TOOLBAR = (
    "open",
    None,
    "grid",
    "loupe",
    "compare",
    None,
    "filter",
    None,
    "undo",
    "redo",
    "write_xmp",
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
        self.setWindowTitle("FGAesQ Cull")
        self.setAcceptDrops(True)
        self.resize(1500, 950)
        self.settings = settings or Settings(parent=self)
        thumbnails = ThumbnailManager(decoder, cache_dir() / "thumbnails", parent=self)
        self.controller = CullController(
            self.settings, thumbnails, catalog_path, run_pipeline, parent=self
        )
        self.controller.confirm = self._confirm
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
        self.details = DetailsPanel(controller, self)
        self.filter_box = SeriesFilterBox(controller, self)

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
        self.status = StatusBar(controller, self)
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
                else:
                    menu.addAction(self.commands.action(name))
        bar = self.addToolBar("Main")
        bar.setObjectName("mainToolbar")
        bar.setMovable(False)
        for name in TOOLBAR:
            if name is None:
                bar.addSeparator()
            elif name == "filter":
                bar.addWidget(self.filter_box)
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

    @command("Preferences…", keys=("Ctrl+,",))
    def preferences(self) -> None:
        from app.gui.preferences import PreferencesDialog

        PreferencesDialog(self.settings, self).open()

    @command("Quit", keys=("Ctrl+Q",))
    def quit(self) -> None:
        self.close()

    def _confirm(self, title: str, text: str) -> bool:
        return QMessageBox.question(self, title, text) == QMessageBox.StandardButton.Yes

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
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        self.controller.shutdown()
