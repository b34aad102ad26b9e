"""One signal bus: widgets talk through it and never import each other."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class SignalBus(QObject):
    """Application-wide signals; every widget receives the same instance."""

    #: a folder was opened (absolute path)
    folder_opened = Signal(str)
    #: the series list changed (a reload from the catalog happened)
    series_reloaded = Signal()
    #: the selected series (series id, or -1 for none)
    series_selected = Signal(int)
    #: the current frame (photo id, or -1 for none)
    frame_selected = Signal(int)
    #: a decision changed in the catalog (photo id)
    decision_changed = Signal(int)
    #: pipeline progress: stage, done, total, message
    progress = Signal(str, int, int, str)
    #: the background cull started / finished (finished carries a summary line)
    cull_started = Signal()
    cull_finished = Signal(str)
    #: an error the photographer has to see: where (a file or a part), message
    error = Signal(str, str)
    #: a short status message for the status bar
    message = Signal(str)
    #: the centre view switched: "series", "loupe" or "compare"
    view_changed = Signal(str)
