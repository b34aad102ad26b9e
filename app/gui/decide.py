"""The photographer's decisions from the keyboard: flags, stars, labels, accepting the
model's pick, auto-advance, and undo that shows what it undid.

:class:`DecisionKeys` shows each decision at once and writes it to the catalog through an
undoable :class:`~app.gui.decisions.DecisionCommand` on the session's writer thread; the
session announces the change and the controller shows it everywhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject, Slot

from app.catalog import Flag
from app.gui import decisions
from app.gui.commands import command
from app.gui.items import plural

if TYPE_CHECKING:
    from app.gui.bus import SignalBus
    from app.gui.commands import CommandRegistry
    from app.gui.parts import Selection
    from app.gui.session import FolderSession
    from app.gui.settings import Settings


class DecisionKeys(QObject):
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
        self.undo_stack = session.undo_stack
        commands.register(self)
        self.undo_stack.canUndoChanged.connect(commands.get("undo").set_available)
        self.undo_stack.canRedoChanged.connect(commands.get("redo").set_available)
        commands.set_available("undo", False)
        commands.set_available("redo", False)
        # the Edit menu names the step Ctrl+Z undoes ("Undo “Move 3 rejected photos”")
        self.undo_stack.undoTextChanged.connect(self._name_undo)
        self.undo_stack.redoTextChanged.connect(self._name_redo)
        self.settings.auto_advance.changed.connect(commands.get("toggle_auto_advance").set_checked)
        commands.set_checked("toggle_auto_advance", self.settings.auto_advance.value)

    @command("Pick", keys=("P",))
    def pick(self) -> None:
        self._decide({"flag": Flag.PICK}, "Pick", advance=True)

    @command("Reject", keys=("X",))
    def reject(self) -> None:
        self._decide({"flag": Flag.REJECT}, "Reject", advance=True)

    @command("Unflag", keys=("U",))
    def unflag(self) -> None:
        self._decide({"flag": Flag.NONE}, "Unflag", advance=False)

    @command("Clear stars", name="rate_0", keys=("0",), args=(0,))
    @command("Rate 1 star", name="rate_1", keys=("1",), args=(1,))
    @command("Rate 2 stars", name="rate_2", keys=("2",), args=(2,))
    @command("Rate 3 stars", name="rate_3", keys=("3",), args=(3,))
    @command("Rate 4 stars", name="rate_4", keys=("4",), args=(4,))
    @command("Rate 5 stars", name="rate_5", keys=("5",), args=(5,))
    def rate(self, stars: int) -> None:
        text = self.commands.action(f"rate_{stars}").text()
        self._decide({"rating": stars}, text, advance=True)

    @command("Red label", name="label_red", keys=("6",), args=("Red",))
    @command("Yellow label", name="label_yellow", keys=("7",), args=("Yellow",))
    @command("Green label", name="label_green", keys=("8",), args=("Green",))
    @command("Blue label", name="label_blue", keys=("9",), args=("Blue",))
    @command("Purple label", name="label_purple", keys=("V",), args=("Purple",))
    def label(self, colour: str) -> None:
        frame = self.selection.current_frame()
        if frame is not None:
            marks = decisions.label_marks(colour, frame.decision)
            self._decide(marks, f"{colour} label", advance=False)

    @command("Accept the model's pick for this series", keys=("A",))
    def accept(self) -> None:
        series = self.selection.current_series()
        if series is None or not self.session.is_open():
            return
        frames = [f.photo_id for f in series.frames]
        if series.keeps_every_frame:  # a bracket, panorama or stack: every frame is needed
            self._push(decisions.keep_changes(frames), f"Keep the {series.kind_text}")
            self.bus.message.emit(
                f"Kept the {series.kind_text} whole: {plural(len(frames), 'frame')} picked, "
                "none rejected"
            )
        else:
            reject_others = self.settings.accept_rejects_others.value
            keys = [f.same_photo for f in series.frames]
            changes = decisions.accept_changes(frames, reject_others, keys)
            self._push(changes, "Accept the model's pick")
        if self.settings.auto_advance.value:
            self.selection.move_series(1)

    @command("Advance after a decision", keys=("Shift+A",), checkable=True)
    def toggle_auto_advance(self) -> None:
        self.settings.auto_advance.toggle()
        state = "on" if self.settings.auto_advance.value else "off"
        self.bus.message.emit(f"Advance after a decision: {state}")

    def _decide(self, marks: dict, text: str, advance: bool) -> None:
        frame = self.selection.current_frame()
        if frame is None or not self.session.is_open():
            return
        self._push([(frame.photo_id, marks)], text)
        if advance and self.settings.auto_advance.value:
            self.selection.advance(1)

    @Slot(str)
    def _name_undo(self, text: str) -> None:
        self._name_step("undo", text)

    @Slot(str)
    def _name_redo(self, text: str) -> None:
        self._name_step("redo", text)

    def _name_step(self, name: str, text: str) -> None:
        action = self.commands.action(name)
        if shiboken6.isValid(action):  # the stack is emptied when the window goes
            action.setText(f"{name.title()} “{text}”" if text else name.title())

    def _push(self, changes: list[tuple[int, dict]], text: str) -> None:
        session = self.session
        if any(pid < 0 for pid, _marks in changes):  # listed, not yet named by the cull
            self.bus.message.emit("This frame is still being listed: mark it in a moment")
            return
        shown = {pid: session.frame(pid).decision for pid, _marks in changes}
        session.push(
            decisions.DecisionCommand(
                session.library, session.writer, changes, shown, text, session.show_decision
            )
        )

    @command("Undo", keys=("Ctrl+Z",), tip="Undo")
    def undo(self) -> None:
        self._step_history(undo=True)

    @command("Redo", keys=("Ctrl+Shift+Z", "Ctrl+Y"), tip="Redo")
    def redo(self) -> None:
        self._step_history(undo=False)

    def _step_history(self, undo: bool) -> None:
        """Undo or redo one step, then show the frame it changed and say what happened."""
        stack, session, selection = self.undo_stack, self.session, self.selection
        index = stack.index() - 1 if undo else stack.index()
        if not 0 <= index < stack.count():
            return
        step = stack.command(index)
        photo_ids = list(getattr(step, "photo_ids", ()))  # decisions and series kinds
        away = [pid for pid in photo_ids if session.frame(pid) is None]
        if away:  # moved aside: their decisions cannot be set as if they were still here
            self.bus.message.emit(
                f"Cannot {'undo' if undo else 'redo'} “{step.text()}”: "
                f"{plural(len(away), 'photo')} of it "
                f"{'is' if len(away) == 1 else 'are'} no longer in the folder (moved into the "
                "rejects folder); File → Put moved rejects back brings them back first"
            )
            return
        (stack.undo if undo else stack.redo)()
        first = session.frame(photo_ids[0]) if photo_ids else None
        if first is None:
            return
        elsewhere = first.series_id != selection.series_id
        if first.photo_id != selection.photo_id:
            selection.show_frame(first.series_id, first.photo_id)
        where = first.file_names[0]
        if len(photo_ids) > 1:
            where += f" and {plural(len(photo_ids) - 1, 'other frame')}"
        if elsewhere:
            row = selection.series_row(first.series_id)
            where += f", series {row + 1}" if row >= 0 else ", a series the filter hides"
        self.bus.message.emit(f"{'Undid' if undo else 'Redid'} “{step.text()}” on {where}")
