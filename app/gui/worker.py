"""Runs the pipeline's ``run_cull`` in a QThread and forwards its progress as signals."""

from __future__ import annotations

import threading
import traceback
from typing import Any

from PySide6.QtCore import QThread, Signal

from app.gui.settings import Settings
from app.options import CullOptions


def cull_options(settings: Settings, **overrides: Any) -> CullOptions:
    """The pipeline's CullOptions from the preferences (the CLI builds the same object)."""
    return settings.cull_options(**overrides)


class CullJob(QThread):
    """One cull of one folder; ``cancel()`` asks the pipeline to stop at the next photo."""

    progress = Signal(object)  # a ProgressEvent, delivered in the GUI thread
    succeeded = Signal(object)  # the CullResult
    failed = Signal(str)

    def __init__(self, folder: str, options: CullOptions, parent=None) -> None:
        super().__init__(parent)
        self.folder = folder
        self.options = options
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:
        from app.gui.passes import technical_first
        from app.pipeline import run_cull

        try:
            result = run_cull(
                self.folder,
                self.options,
                progress=self.progress.emit,
                cancel=self._cancel,
                technical_first=technical_first(self.options),  # shown while the model ranks
            )
        except Exception as exc:  # shown in the window; the GUI keeps running
            traceback.print_exc()
            self.failed.emit(f"{type(exc).__name__}: {exc}" if not str(exc) else str(exc))
            return
        self.succeeded.emit(result)
