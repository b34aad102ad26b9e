"""The window's "Learn my taste" command: learn a taste profile from a folder culled before.

The learning (the read-only cull of the folder, then the profile) runs in a QThread with a
progress dialog that can cancel it; the result says by how much the taste agreed with the
photographer's held-out picks and whether it is used, and a taste worth using can be chosen
for the next culls at once (the "Your taste" preference).
"""

from __future__ import annotations

import threading
import traceback

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QProgressDialog, QWidget

from app.gui.settings import Settings
from app.options import CullOptions
from app.taste.profiles import DEFAULT_PROFILE


class LearnJob(QThread):
    """Learns one profile from one folder; ``cancel()`` stops the reading at the next photo."""

    progress = Signal(object)  # a ProgressEvent
    succeeded = Signal(object)  # the LearnOutcome
    failed = Signal(str)

    def __init__(self, folder: str, profile: str, options: CullOptions, parent=None) -> None:
        super().__init__(parent)
        self.folder, self.profile, self.options = folder, profile, options
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def run(self) -> None:
        from app.taste.learn import learn_folders

        try:
            outcome = learn_folders(
                [self.folder], self.profile, self.options, self.progress.emit, self._cancel
            )
        except Exception as exc:  # shown in the window; the window keeps running
            traceback.print_exc()
            self.failed.emit(str(exc) or type(exc).__name__)
            return
        self.succeeded.emit(outcome)


class LearnTaste(QObject):
    """Asks for a folder and a profile name, learns, and shows the outcome."""

    def __init__(self, window: QWidget, settings: Settings, catalog_path: str | None) -> None:
        super().__init__(window)
        self.window, self.settings, self.catalog_path = window, settings, catalog_path
        self.job: LearnJob | None = None
        self.dialog: QProgressDialog | None = None

    def start(self, folder: str | None = None, profile: str | None = None) -> LearnJob | None:
        if self.job is not None:
            return self.job
        folder = folder or QFileDialog.getExistingDirectory(
            self.window, "Learn your taste from a folder you culled before"
        )
        if not folder:
            return None
        if profile is None:
            profile, ok = QInputDialog.getText(
                self.window,
                "Learn your taste",
                "Taste profile (one per client or genre):",
                text=self.settings.taste.value or DEFAULT_PROFILE,
            )
            if not ok or not profile.strip():
                return None
        overrides = {"taste": None}  # learning reads with the base ranking
        if self.catalog_path:  # the window's catalog, where it was given one
            overrides["catalog_path"] = self.catalog_path
        options = self.settings.cull_options(**overrides)
        self.job = LearnJob(folder, profile.strip(), options, self)
        self.dialog = QProgressDialog("Reading your decisions…", "Cancel", 0, 0, self.window)
        self.dialog.setWindowTitle("Learn your taste")
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.canceled.connect(self.job.cancel)
        self.job.progress.connect(self._progress)
        self.job.succeeded.connect(self._done)
        self.job.failed.connect(self._failed)
        self.job.finished.connect(self._finished)
        self.dialog.show()
        self.job.start()
        return self.job

    def _progress(self, event) -> None:
        if self.dialog is None or event.total <= 0:
            return
        self.dialog.setMaximum(event.total)
        self.dialog.setValue(min(event.done, event.total))
        self.dialog.setLabelText(f"{event.stage}: {event.done} of {event.total}")

    def _done(self, outcome) -> None:
        self._close_dialog()
        if outcome.cancelled or outcome.taste is None:
            return
        taste = outcome.taste
        text = taste.describe()
        if not taste.evaluation.used:
            QMessageBox.information(self.window, "Your taste", text)
            return
        answer = QMessageBox.question(
            self.window, "Your taste", f"{text}\n\nUse '{taste.name}' for the next culls?"
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.settings.taste.value = taste.name

    def _failed(self, message: str) -> None:
        self._close_dialog()
        QMessageBox.warning(self.window, "Your taste", f"Nothing was learnt: {message}")

    def _finished(self) -> None:
        job, self.job = self.job, None
        if job is not None:
            job.deleteLater()

    def _close_dialog(self) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.reset()
            dialog.deleteLater()
