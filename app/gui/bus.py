"""One signal bus: the controller announces what happened, widgets subscribe themselves.

A widget is given the bus (and the controller, to ask for data or act) and connects the
signals it shows; no widget imports another, and the main window wires nothing.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class SignalBus(QObject):
    """Application-wide signals; every widget of a window receives the same instance."""

    #: a folder was opened (absolute path)
    folder_opened = Signal(str)
    #: the series were read again from the catalog
    series_reloaded = Signal()
    #: the current series and frame (ids; -1 for none)
    selection_changed = Signal(int, int)
    #: what a frame shows changed (a decision, its details): the new FrameItem
    frame_updated = Signal(object)
    #: what a series says about itself changed (its kind): series id
    series_changed = Signal(int)
    #: the frames compare shows (list of FrameItem, best first)
    compare_changed = Signal(object)
    #: a decision reached the catalog (photo id)
    decision_changed = Signal(int)
    #: the background cull started; its progress (a ProgressEvent); it ended (a summary line)
    cull_started = Signal()
    progress = Signal(object)
    cull_finished = Signal(str)
    #: an error the photographer has to see: where (a file or a part), message
    error = Signal(str, str)
    #: a short status message
    message = Signal(str)
    #: the centre view switched (a View)
    view_changed = Signal(str)
    #: the frame filters changed: what they show ("" when every frame)
    filters_changed = Signal(str)
    #: which model ranked the shoot (a line), and whether to offer the FGAesQ weights
    ranking_changed = Signal(str, bool)
    #: the FGAesQ weights download: started; bytes so far and total (0: unknown); ended
    download_started = Signal()
    download_progress = Signal(int, int)
    download_finished = Signal(bool, str)
