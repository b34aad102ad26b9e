"""The photographer says what a series is: a burst to cull, or a bracket, panorama or focus
stack to keep whole.

K steps the current series through the kinds (Shift+K back), and the Photo menu names
them.  A change shows at once, is undoable, and is written on the session's writer
thread: ``Catalog.set_series_kind`` records it (it survives regrouping), then the cull's own
rule for automatic marks runs on the series again, so a series made a bracket loses the
model's pick and rejects, and one made a burst gets them (a person's marks are never
touched).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QUndoCommand

from app.catalog import DecisionState
from app.gui.commands import command
from app.gui.items import CHOSEN_KINDS, SeriesItem, kind_words
from app.options import XmpScheme
from app.pipeline.decisions import apply_series_decisions

if TYPE_CHECKING:
    from app.catalog import Catalog
    from app.gui.bus import SignalBus
    from app.gui.commands import CommandRegistry
    from app.gui.parts import Selection
    from app.gui.session import FolderSession
    from app.gui.settings import Settings

SET_BY_YOU = "set by you"  # the reason the catalog records with a photographer's kind


def ranked_ids(series: SeriesItem) -> list[int] | None:
    """The series' photo ids, best rank first (None while it is not ranked)."""
    if not series.frames or any(f.rank < 1 for f in series.frames):
        return None
    return [f.photo_id for f in sorted(series.frames, key=lambda f: f.rank)]


def write_kind(
    catalog: Catalog,
    ranked: Sequence[int] | None,
    series_id: int,
    kind: SeriesKind,
    scheme: XmpScheme,
    confidence: float | None = None,
) -> None:
    """Record the kind, then give the series the automatic marks its kind calls for (the
    cull's own rule, on the series' ranked ids and its pick's confidence: a burst whose
    pick is worth a second look gets its pick but no rejects)."""
    catalog.restore_series_kind(series_id, kind.kind, kind.source, kind.reason)
    if ranked is not None:
        apply_series_decisions(
            catalog, ranked, kind.kind, scheme, kind_reason=kind.reason, confidence=confidence
        )


@dataclass(frozen=True)
class SeriesKind:
    """A series' kind with who set it and why (what undo puts back)."""

    kind: str
    source: str = "user"
    reason: str = SET_BY_YOU

    @classmethod
    def of(cls, series: SeriesItem) -> SeriesKind:
        return cls(series.kind, series.kind_source, series.kind_reason)


class KindCommand(QUndoCommand):
    """One change of a series' kind; undo puts the earlier kind back as it was: one the
    cull told is the cull's again, with its reason."""

    def __init__(self, kinds: SeriesKinds, series: SeriesItem, kind: str) -> None:
        super().__init__(f"Series kind: {kind_words(kind)}")
        self._kinds = kinds
        self.series_id = series.series_id
        self.photo_ids = [f.photo_id for f in series.frames]
        self._before, self._after = SeriesKind.of(series), SeriesKind(kind)

    def redo(self) -> None:
        self._kinds.apply(self.series_id, self._after)

    def undo(self) -> None:
        self._kinds.apply(self.series_id, self._before)


class SeriesKinds(QObject):
    """The kind commands, and the writes they make."""

    def __init__(
        self,
        session: FolderSession,
        selection: Selection,
        commands: CommandRegistry,
        settings: Settings,
        bus: SignalBus,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.selection = selection
        self.commands = commands
        self.settings = settings
        self.bus = bus
        commands.register(self)
        self.bus.selection_changed.connect(lambda *_: self._show_checked())
        self.bus.series_changed.connect(lambda _series: self._show_checked())

    @command("Burst", name="kind_burst", args=("burst",), checkable=True)
    @command("Bracket", name="kind_bracket", args=("bracket",), checkable=True)
    @command("Panorama", name="kind_panorama", args=("panorama",), checkable=True)
    @command("Focus stack", name="kind_focus_stack", args=("focus_stack",), checkable=True)
    def set_kind(self, kind: str) -> None:
        """Make the current series ``kind``."""
        series = self._changeable()
        if series is None:
            return
        if series.kind == kind and series.kind_source == "user":
            self._show_checked()
            return
        self.session.push(KindCommand(self, series, kind))

    @command("Next series kind", keys=("K",))
    def next_kind(self) -> None:
        self._step(1)

    @command("Previous series kind", keys=("Shift+K",))
    def prev_kind(self) -> None:
        self._step(-1)

    def _step(self, step: int) -> None:
        series = self._changeable()
        if series is None:
            return
        here = CHOSEN_KINDS.index(series.kind) if series.kind in CHOSEN_KINDS else -step
        self.set_kind(CHOSEN_KINDS[(here + step) % len(CHOSEN_KINDS)])

    def _changeable(self) -> SeriesItem | None:
        """The current series, when it has a kind to change (two frames or more)."""
        series = self.selection.current_series()
        if series is None or not self.session.is_open():
            return None
        if series.frame_count < 2:
            self.bus.message.emit("A single photo has no series kind to change")
            self._show_checked()
            return None
        return series

    def apply(self, series_id: int, chosen: SeriesKind) -> None:
        """Show the kind at once and write it (with the automatic marks it calls for)."""
        session = self.session
        series = session.series_item(series_id)
        if series is None or not session.is_open():
            return
        kind = chosen.kind
        session.show_series_kind(series_id, kind, chosen.source, chosen.reason)
        session.edited.emit()  # a catalog read under way predates it
        ranked = ranked_ids(series)
        scheme = XmpScheme(self.settings.xmp_scheme.value)
        catalog = session.catalog
        ids = [f.photo_id for f in series.frames]

        def work() -> dict[int, DecisionState]:
            write_kind(catalog, ranked, series_id, chosen, scheme, series.confidence)
            return catalog.decisions(ids)

        def written(states: dict[int, DecisionState]) -> None:
            session.show_series_kind(series_id, kind, chosen.source, chosen.reason)
            for photo_id, state in states.items():
                session.show_decision(photo_id, state)

        session.write(work, written)
        row = self.selection.series_row(series_id)
        where = f"Series {row + 1}" if row >= 0 else "The series"
        what = (
            "every frame is kept, none is marked or rejected automatically"
            if series.keeps_every_frame
            else "the model picks its best frame"
        )
        who = "set by you" if chosen.source == "user" else "as the cull told it"
        self.bus.message.emit(f"{where} is a {kind_words(kind)} now ({who}): {what}")
        self._show_checked()

    def _show_checked(self) -> None:
        series = self.selection.current_series()
        changeable = series is not None and series.frame_count > 1
        for kind in CHOSEN_KINDS:
            command = self.commands.get(f"kind_{kind}")
            command.set_checked(changeable and series.kind == kind)
