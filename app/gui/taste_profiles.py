"""The window's "Taste profiles…" dialog: choose the profile that orders the culls (or none),
export one, forget one.

The list is read from the catalog when the dialog opens (a few rows); the export and the
removal run on the folder session's writer thread, after every write asked for before, so
the window never waits on them.  Removing a profile forgets the frames it was learnt from
too (app.taste.profiles); the photos and a person's marks are never touched.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.catalog import Catalog
from app.gui.session import FolderSession
from app.gui.settings import Settings
from app.taste.evaluate import Evaluation
from app.taste.profiles import TasteError, export_profile, remove_profile
from app.text import printable

NAME = Qt.ItemDataRole.UserRole


class TasteProfilesDialog(QDialog):
    """Every taste profile with its figures; the chosen one is marked."""

    def __init__(
        self, catalog: Catalog, session: FolderSession, settings: Settings, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.catalog, self.session, self.settings = catalog, session, settings
        self.setWindowTitle("Taste profiles")
        layout = QVBoxLayout(self)
        self.list = QListWidget(self)
        self.list.setWordWrap(True)
        self.note = QLabel(self)
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.use = QPushButton("Use for culls", self)
        self.base = QPushButton("Use the base ranking", self)
        self.export = QPushButton("Export…", self)
        self.remove = QPushButton("Remove…", self)
        for button in (self.use, self.base, self.export, self.remove):
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.use.clicked.connect(self.use_chosen)
        self.base.clicked.connect(self.use_base)
        self.export.clicked.connect(lambda: self.export_chosen())
        self.remove.clicked.connect(lambda: self.remove_chosen())
        self.list.currentItemChanged.connect(lambda *_: self._enable())
        layout.addWidget(self.list)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        self.resize(640, 320)
        self.refresh()

    def refresh(self) -> None:
        """List the profiles as the catalog holds them now."""
        chosen = self.settings.taste.value
        self.list.clear()
        for taste in self.catalog.tastes():
            evaluation = Evaluation.from_json(dict(taste.evaluation))
            state = "used where chosen" if evaluation.used else "not used: not measurably better"
            mark = " (chosen for the culls)" if taste.name == chosen else ""
            item = QListWidgetItem(
                printable(f"{taste.name}{mark}: {evaluation.figures()}; {state}"), self.list
            )
            item.setData(NAME, taste.name)
            if taste.name == chosen:
                self.list.setCurrentItem(item)
        if not self.list.count():
            self.note.setText("No taste profiles yet: File > Learn my taste from a culled folder…")
        elif not chosen:
            self.note.setText("The culls use the base ranking.")
        self._enable()

    def chosen(self) -> str | None:
        item = self.list.currentItem()
        return item.data(NAME) if item is not None else None

    def use_chosen(self) -> None:
        name = self.chosen()
        if name:
            self.settings.taste.value = name  # the window culls again with it
            self.note.setText(f"The culls use your taste '{printable(name)}' where it is in use.")
            self.refresh()

    def use_base(self) -> None:
        self.settings.taste.value = None
        self.refresh()

    def export_chosen(self, target: str | None = None):
        """Write the chosen profile and its data as JSON (asks where); the write's future."""
        name = self.chosen()
        if not name:
            return None
        if target is None:
            target, _ = QFileDialog.getSaveFileName(
                self, "Export the taste profile", str(Path.home() / f"{name}.json"), "JSON (*.json)"
            )
            if not target:
                return None
        catalog = self.catalog

        def work() -> str:
            try:
                count = export_profile(catalog, name, target)
            except TasteError as exc:
                return f"Not exported: {exc}"
            return f"Wrote '{name}' ({count} frames) to {target}."

        return self.session.write(work, lambda text: self.note.setText(printable(text)))

    def remove_chosen(self):
        """Forget the chosen profile and the data it was learnt from, once confirmed."""
        name = self.chosen()
        if not name:
            return None
        answer = QMessageBox.question(
            self,
            "Remove the taste profile",
            f"Forget the taste '{printable(name)}' and every frame it was learnt from?  "
            "Your photos and your marks are not touched.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return None
        catalog = self.catalog

        def work() -> str:
            try:
                remove_profile(catalog, name)
            except TasteError as exc:
                return f"Not removed: {exc}"
            return f"Forgot the taste '{name}' and the data it was learnt from."

        def done(text: str) -> None:
            if self.settings.taste.value == name:
                self.settings.taste.value = None  # the culls go back to the base ranking
            self.refresh()
            self.note.setText(printable(text))

        return self.session.write(work, done)

    def _enable(self) -> None:
        chosen = self.chosen() is not None
        for button in (self.use, self.export, self.remove):
            button.setEnabled(chosen)
        self.base.setEnabled(bool(self.settings.taste.value))
