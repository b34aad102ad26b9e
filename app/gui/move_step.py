"""A move of rejects as one step of the undo stack, undone with the command line's own undo.

Ctrl+Z after Move rejects puts that batch back (``app.moves.undo``, as ``fgaesq-cull
--undo`` does), and Ctrl+Shift+Z moves the same photos again if they are still rejected.
The steps below it on the stack touch photos that may be in the rejects folder: the stack
refuses those while any of their photos is away, and says so (``DecisionKeys``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from app.catalog import MoveState
from app.gui import fileops
from app.gui.items import plural

if TYPE_CHECKING:
    from app.gui.folder_files import FolderFiles


def moved_text(photos: int, files: int) -> str:
    """``12 rejected photos (24 files)``: photos and files both, as the question said."""
    return f"{plural(photos, 'rejected photo')} ({plural(files, 'file')})"


class MoveRejectsCommand(QUndoCommand):
    """The move of one batch of rejects (already made when it is pushed)."""

    def __init__(self, files: FolderFiles, moved: fileops.Moved) -> None:
        super().__init__(f"Move {plural(len(moved.photo_ids), 'rejected photo')}")
        self._files = files
        self.moved = moved
        self._pushed = False  # QUndoStack.push runs redo: the first one is the move made

    def redo(self) -> None:
        if not self._pushed:
            self._pushed = True
            return
        again = self._files.move_again(self.moved)
        if again is not None:
            self.moved = again

    def undo(self) -> None:
        catalog = self._files.controller.catalog
        batch = self.moved.batch
        if catalog is None or batch is None:
            return
        if not any(r.state is MoveState.DONE for r in catalog.moves(batch)):
            self._files.bus.message.emit(
                f"The {moved_text(len(self.moved.photo_ids), self.moved.files)} moved into "
                f"{self.moved.target} are back already"
            )
            return
        self._files.put_back(self.moved.target, batch)
