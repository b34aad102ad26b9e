"""Moving rejected photos aside, journaled so every move can be undone, even after a crash.

- ``rejects``: ``move_rejects`` / ``rejected_photos``: every file of each rejected photo into
  a destination folder, never overwriting, recorded in the catalog and a journal;
  ``still_there`` / ``gone_note``: the rejects no longer in the folder, which no move
  tries, and what to say about them.
- ``undo``: ``list_batches`` / ``undo_last`` / ``undo_batch`` / ``undo``: put a batch back,
  trusting only moves the catalog recorded (path and content hash), restoring what can be
  restored and listing the rest.
- ``transfer``: the crash-safe move of one file (rename, or copy-fsync-rename-remove).
- ``journal``: the journal file and the destination's lock.
"""

from app.moves.journal import JOURNAL_NAME, MoveError, holds_journal, journal_path
from app.moves.rejects import (
    MoveReport,
    check_destination,
    gone_note,
    in_rejects_folder,
    move_rejects,
    rejected_photos,
    still_there,
)
from app.moves.transfer import FileMove
from app.moves.undo import (
    BatchInfo,
    UndoReport,
    list_batches,
    other_catalogs_note,
    undo,
    undo_batch,
    undo_last,
)

__all__ = [
    "JOURNAL_NAME",
    "BatchInfo",
    "FileMove",
    "MoveError",
    "MoveReport",
    "UndoReport",
    "check_destination",
    "gone_note",
    "holds_journal",
    "in_rejects_folder",
    "journal_path",
    "list_batches",
    "move_rejects",
    "rejected_photos",
    "still_there",
    "other_catalogs_note",
    "undo",
    "undo_batch",
    "undo_last",
]
