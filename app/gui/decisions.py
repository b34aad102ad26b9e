"""Culling decisions as undoable commands.

Each command writes to the catalog the moment it runs (a crash loses nothing); undo and
redo put back the exact states the catalog returned.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand, QUndoStack

from app.catalog import DecisionState, Flag
from app.gui.library import FolderLibrary

#: called after every change with (photo id, the state now in the catalog)
Applied = Callable[[int, DecisionState], None]
UNDO_LIMIT = 1000


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

    @property
    def photo_ids(self) -> list[int]:
        return [photo_id for photo_id, _marks in self._changes]

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


def label_marks(colour: str, current: DecisionState) -> dict:
    """The colour label key: sets the label, or takes it off when it is already set
    (as in Lightroom)."""
    return {"label": None if current.label == colour else colour}


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
    stack.setUndoLimit(UNDO_LIMIT)
    return stack
