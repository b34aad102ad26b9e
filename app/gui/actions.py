"""Culling decisions as undoable commands, and the keyboard map that triggers them.

Each command writes to the catalog the moment it runs (a crash loses nothing); undo and
redo put back the exact states the catalog returned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtGui import QUndoCommand, QUndoStack

from app.catalog import DecisionState, Flag
from app.gui.items import LABELS
from app.gui.library import FolderLibrary

#: called after every change with (photo id, the state now in the catalog)
Applied = Callable[[int, DecisionState], None]


class DecisionCommand(QUndoCommand):
    """Set marks on one or more photos in one undo step."""

    def __init__(
        self, library: FolderLibrary, changes: list[tuple[int, dict]], text: str, applied: Applied
    ) -> None:
        super().__init__(text)
        self._library = library
        self._changes = changes
        self._applied = applied
        self._states: list[tuple[int, DecisionState, DecisionState]] | None = None

    def redo(self) -> None:
        if self._states is None:  # first run: apply the marks, remember before and after
            self._states = []
            for photo_id, marks in self._changes:
                before, after = self._library.set_decision(photo_id, **marks)
                self._states.append((photo_id, before, after))
                self._applied(photo_id, after)
            return
        for photo_id, _before, after in self._states:
            self._library.restore(photo_id, after)
            self._applied(photo_id, after)

    def undo(self) -> None:
        for photo_id, before, _after in reversed(self._states or []):
            self._library.restore(photo_id, before)
            self._applied(photo_id, before)


@dataclass(frozen=True)
class KeyAction:
    name: str
    text: str
    keys: tuple[str, ...]


def _keymap() -> list[KeyAction]:
    keys = [
        KeyAction("pick", "Pick", ("P",)),
        KeyAction("reject", "Reject", ("X",)),
        KeyAction("unflag", "Unflag", ("U",)),
        KeyAction("accept", "Accept the model's pick for this series", ("A",)),
    ]
    keys += [
        KeyAction(f"rate_{n}", f"Rate {n} stars" if n else "Clear stars", (str(n),))
        for n in range(6)
    ]
    keys += [
        KeyAction(f"label_{name.lower()}", f"{name} label", (str(6 + i),))
        for i, name in enumerate(LABELS)
    ]
    keys += [
        KeyAction("loupe", "Loupe on/off", ("Space",)),
        KeyAction("compare", "Compare on/off", ("C",)),
        KeyAction("zoom", "Zoom 100% / fit", ("Z",)),
        KeyAction("grid", "Series grid", ("G", "Escape")),
        KeyAction("next_frame", "Next frame", ("Right",)),
        KeyAction("prev_frame", "Previous frame", ("Left",)),
        KeyAction("next_series", "Next series", ("Down",)),
        KeyAction("prev_series", "Previous series", ("Up",)),
        KeyAction("undo", "Undo", ("Ctrl+Z",)),
        KeyAction("redo", "Redo", ("Ctrl+Shift+Z", "Ctrl+Y")),
        KeyAction("open", "Open folder…", ("Ctrl+O",)),
        KeyAction("write_xmp", "Write XMP sidecars", ("Ctrl+S",)),
        KeyAction("move_rejects", "Move rejects to folder…", ("Ctrl+Shift+M",)),
        KeyAction("undo_move", "Put moved rejects back", ()),
        KeyAction("cancel", "Cancel scan", ()),
        KeyAction("preferences", "Preferences…", ("Ctrl+,",)),
        KeyAction("quit", "Quit", ("Ctrl+Q",)),
    ]
    return keys


KEYMAP = _keymap()

#: keys that move within a list: disabled in the series grid, where the list moves itself
NAVIGATION = frozenset({"next_frame", "prev_frame", "next_series", "prev_series"})


def marks_for(name: str, current: DecisionState) -> dict | None:
    """The catalog marks a decision key sets, given the photo's current state."""
    if name == "pick":
        return {"flag": Flag.PICK}
    if name == "reject":
        return {"flag": Flag.REJECT}
    if name == "unflag":
        return {"flag": Flag.NONE}
    if name.startswith("rate_"):
        return {"rating": int(name.removeprefix("rate_"))}
    if name.startswith("label_"):
        label = name.removeprefix("label_").capitalize()
        # the same colour key again takes the label off, as in Lightroom
        return {"label": None if current.label == label else label}
    return None


def accept_changes(frame_ids: list[int], reject_others: bool) -> list[tuple[int, dict]]:
    """The model's best frame (first) becomes a pick; the others rejects if asked."""
    if not frame_ids:
        return []
    changes = [(frame_ids[0], {"flag": Flag.PICK})]
    if reject_others:
        changes += [(pid, {"flag": Flag.REJECT}) for pid in frame_ids[1:]]
    return changes


def new_undo_stack(parent=None) -> QUndoStack:
    stack = QUndoStack(parent)
    stack.setUndoLimit(1000)
    return stack
