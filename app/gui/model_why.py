"""FGAesQ's explanation of a pick, on demand: when the photographer asks (W) about a series
the model ranked and no explanation is stored yet.

Explaining a pick costs the model a few dozen forward passes (``app.scoring.why.
explain_with_model``), more than ranking a short burst, so the cull does it only with
``--why``; here it is done for the series looked at, in the background, and stored on the
pick's score like the cull's, so the next look and the next cull's report have it.
"""

from __future__ import annotations

import dataclasses
import os
import threading

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from app.catalog import Catalog
from app.gui.items import SeriesItem
from app.gui.library import MODEL_NAMES
from app.gui.settings import Settings
from app.options import CullOptions
from app.photos.decode import decode_image

_SCORERS: dict[tuple, object] = {}  # (weights, device) -> the loaded FGAesQ scorer
_LOADING = threading.Lock()


def _scorer(options: CullOptions):
    """The FGAesQ scorer the window's options name, loaded once per window."""
    from app.scoring.factory import create_scorer  # the model library: only when asked

    options = dataclasses.replace(options, scorer="fgaesq")
    with _LOADING:
        key = (options.weights, str(options.device), str(options.series_mode))
        if key not in _SCORERS:
            _SCORERS[key] = create_scorer(options).scorer
        return _SCORERS[key]


def wants_model_why(series: SeriesItem | None) -> bool:
    """A series FGAesQ ranked, with a pick and a runner-up and no explanation yet."""
    return (
        series is not None
        and series.why is None
        and len(series.frames) > 1
        and all(f.model.startswith(MODEL_NAMES["fgaesq"]) for f in series.frames)
    )


class _Signals(QObject):
    done = Signal(int, object, object)  # series id, why JSON or None, error text or None


class _ExplainJob(QRunnable):
    def __init__(self, catalog: Catalog, series: SeriesItem, names, options, signals):
        super().__init__()
        self.catalog, self.options, self.signals = catalog, options, signals
        self.series_id, self.names = series.series_id, names
        self.frames = tuple(series.frames[:2])

    def run(self) -> None:
        try:
            scorer = _scorer(self.options)
            pick, runner_up = self.frames
            images = [decode_image(f.path, scorer.input_size) for f in self.frames]
            faces = [face.box for face in pick.faces or ()]
            why = scorer.explain(*images, self.names, faces).to_json()
            self.catalog.set_whys(scorer.name, scorer.weights_id, {pick.photo_id: why})
        except Exception as exc:  # the model or a file: said in the status line, no crash
            self.signals.done.emit(self.series_id, None, str(exc))
            return
        self.signals.done.emit(self.series_id, why, None)


class ModelWhy(QObject):
    """Explains the current series' FGAesQ pick when W is on and none is stored."""

    def __init__(self, controller, settings: Settings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.controller, self.settings = controller, settings
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)  # one model in memory, one pair at a time
        self._asked: set[int] = set()  # series explained or under way
        self._signals = _Signals(self)
        self._signals.done.connect(self._on_done)
        settings.why_regions.changed.connect(lambda _on: self.ask())
        controller.bus.selection_changed.connect(lambda *_: self.ask())

    def ask(self) -> None:
        """Explain the current series if the overlay is on and it needs it."""
        series = self.controller.current_series()
        catalog = self.controller.catalog
        if not self.settings.why_regions.value or catalog is None:
            return
        if not wants_model_why(series) or series.series_id in self._asked:
            return
        self._asked.add(series.series_id)
        self.controller.bus.message.emit("Finding where the pick beat the runner-up…")
        try:
            options = self.settings.cull_options()
        except Exception as exc:  # a bad preference: said, never a crash
            self.controller.bus.message.emit(f"Cannot say why this frame: {exc}")
            return
        names = self._names(series)
        self.pool.start(_ExplainJob(catalog, series, names, options, self._signals))

    def _names(self, series: SeriesItem) -> tuple[str, str]:
        """The pick's and the runner-up's paths as the catalog and the report give them."""
        root = self.controller.library.root
        return tuple(os.path.relpath(f.path, root) for f in series.frames[:2])

    def busy(self) -> bool:
        return self.pool.activeThreadCount() > 0

    def _on_done(self, series_id: int, why: dict | None, error: str | None) -> None:
        series = self.controller.series_item(series_id)
        if error is not None:
            self.controller.bus.message.emit(f"Cannot say why this frame: {error}")
            return
        if series is None or why is None or len(series.frames) < 2:
            return
        if (why["pick"], why["runner_up"]) != self._names(series):
            return  # the ranking changed meanwhile
        series.why, series.why_frames = why, (series.frames[0].photo_id, series.frames[1].photo_id)
        self.controller.bus.series_changed.emit(series_id)

    def shutdown(self) -> None:
        self.pool.waitForDone()
