"""A move of rejects as one step of the undo stack, undone with the command line's own undo.

Ctrl+Z after Move rejects puts that batch back (``app.moves.undo``, as ``fgaesq-cull
--undo`` does), and Ctrl+Shift+Z moves the same photos again if they are still rejected;
both run on the session's writer thread, in the order asked.  The steps below it on the
stack touch photos that may be in the rejects folder: the stack refuses those while any of
their photos is away, and says so (``DecisionKeys``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

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
        self._files.move_again(self.moved, self._moved_again)

    def _moved_again(self, moved: fileops.Moved) -> None:
        self.moved = moved

    def undo(self) -> None:
        moved = self.moved
        if moved.batch is None:
            return
        self._files.put_back(
            moved.target,
            moved.batch,
            unless_back=f"The {moved_text(len(moved.photo_ids), moved.files)} moved into "
            f"{moved.target} are back already",
        )
