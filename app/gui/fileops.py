"""XMP sidecars and moves of rejects for the open folder, through the pipeline's own writers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from app.catalog import Catalog, MoveState, PhotoRecord
from app.errors import AppError, Problem
from app.moves import gone_note, journal_path, rejected_photos, still_there, undo
from app.moves import move_rejects as journaled_move
from app.options import SidecarStyle, XmpScheme
from app.sidecars import FolderSidecars, SidecarNames, SidecarReport


@dataclass
class Written:
    """What a write of sidecars did: files written and removed, and the photos whose
    sidecars now carry marks, told apart by whose marks they are."""

    files: int = 0
    removed: int = 0
    yours: set[int] = field(default_factory=set)  # photos: the photographer's decisions
    suggested: set[int] = field(default_factory=set)  # photos: the model's suggestions
    report: SidecarReport = field(default_factory=SidecarReport)

    @classmethod
    def of(cls, report: SidecarReport) -> Written:
        """Counted from the changes the write carried out, as ``FolderSidecars.plan``
        planned them (so the review before a write and the message after it agree)."""
        written = cls(report.written, report.removed, report=report)
        for change in report.changes:
            if change.after is not None:
                (written.yours if change.decided else written.suggested).add(change.photo_id)
        return written

    @property
    def problems(self) -> list[Problem]:
        return self.report.problems


def write_sidecars(
    catalog: Catalog,
    root: str,
    scheme: XmpScheme,
    style: SidecarStyle,
    photo_ids: Iterable[int] | None = None,
) -> Written:
    """Make the folder's sidecars (or those of ``photo_ids``) say what the catalog says."""
    sidecars = FolderSidecars(catalog, root)
    ids = (
        list(sidecars.files) if photo_ids is None else [p for p in photo_ids if p in sidecars.files]
    )
    return Written.of(sidecars.write(scheme, style, ids))


@dataclass
class RejectsToMove:
    """The folder's rejected photos as they are right before a move, and their files."""

    photos: list[PhotoRecord]
    names: SidecarNames | None = None
    problems: list[Problem] = field(default_factory=list)
    gone: list[PhotoRecord] = field(default_factory=list)  # rejects no longer on disk

    def gone_note(self) -> str:
        """How many rejects are no longer on disk (not moved), one by name; empty if none."""
        return gone_note(self.gone, "File → Put moved rejects back")

    @property
    def files(self) -> int:
        """Every file that moves: each photo's own, its companions and its sidecars."""
        return sum(
            1
            + len(photo.companions)
            + (len(self.names.existing(photo.id)) if self.names and photo.id in self.names else 0)
            for photo in self.photos
        )


def rejects_to_move(catalog: Catalog, root: str) -> RejectsToMove:
    """The rejects a move would take now.

    Marks other applications wrote since the last cull are read first, so a photo a person
    rated elsewhere in the meantime is not moved as an automatic reject, and a photo whose
    marks cannot be read or disagree is not moved at all.  A reject whose file is no longer
    on disk (deleted by hand, half moved by a run that was killed) is left out, as the
    command leaves it out.
    """
    sidecars = FolderSidecars(catalog, root)
    imported = sidecars.import_marks()
    rejected = [p for p in rejected_photos(catalog, root) if p.id not in imported.held]
    present, gone = still_there(rejected)
    return RejectsToMove(present, sidecars.names, imported.problems, gone)


@dataclass
class Moved:
    """A move of rejects: its batch (what undo puts back), the photos and files moved."""

    target: str
    batch: str | None = None
    photo_ids: list[int] = field(default_factory=list)
    files: int = 0
    problems: list[Problem] = field(default_factory=list)
    gone: str = ""  # what was said of the rejects no longer on disk (not moved)


def move_rejects(catalog: Catalog, rejects: RejectsToMove, target: str) -> Moved:
    """Move the rejects (every file of each) into ``target``, journaled."""
    try:
        report = journaled_move(rejects.photos, target, catalog=catalog, names=rejects.names)
    except AppError as exc:
        return Moved(target, problems=[*rejects.problems, Problem(target, str(exc))])
    return Moved(
        target,
        report.batch,
        list(report.photo_ids),
        len(report.moved),
        [*rejects.problems, *report.problems],
        rejects.gone_note(),
    )


@dataclass
class PutBack:
    """An undone move: the photos whose main file is back, the files, what stayed."""

    photo_ids: set[int] = field(default_factory=set)
    files: int = 0
    problems: list[Problem] = field(default_factory=list)


def undo_move(catalog: Catalog, target: str, batch: str | None = None) -> PutBack:
    """Put back ``batch`` (default: the newest not undone) moved into ``target``, with the
    same code as ``fgaesq-cull --undo``."""
    try:
        report = undo(journal_path(target), batch, catalog=catalog)
    except AppError as exc:
        return PutBack(problems=[Problem(target, str(exc))])
    back = {str(move.target) for move in report.restored}
    photos = {
        record.photo_id
        for record in catalog.moves(report.batch)
        if record.photo_id is not None and record.target in back
    }
    return PutBack(photos, len(report.restored), report.problems)


def still_moved(catalog: Catalog, batch: str | None) -> bool:
    """Whether any file of ``batch`` is still where the move put it."""
    return batch is not None and any(r.state is MoveState.DONE for r in catalog.moves(batch))
