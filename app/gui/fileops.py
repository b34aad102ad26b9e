"""XMP sidecars and moves of rejects for the open folder, through the pipeline's own writers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from app.catalog import Catalog, PhotoRecord
from app.errors import AppError, Problem
from app.moves import journal_path, rejected_photos, undo
from app.moves import move_rejects as journaled_move
from app.options import SidecarStyle, XmpScheme
from app.sidecars import FolderSidecars, SidecarNames


@dataclass
class Written:
    """What a write of sidecars did: files changed, and the photos they belong to told
    apart by whose marks they now carry."""

    files: int = 0
    yours: set[int] = field(default_factory=set)  # photos: the photographer's decisions
    suggested: set[int] = field(default_factory=set)  # photos: the model's suggestions
    problems: list[Problem] = field(default_factory=list)


def write_sidecars(
    catalog: Catalog,
    root: str,
    scheme: XmpScheme,
    style: SidecarStyle,
    photo_ids: Iterable[int] | None = None,
) -> Written:
    """Make the folder's sidecars (or those of ``photo_ids``) say what the catalog says.

    The photos counted are those whose sidecars this write changed, as the catalog's record
    of each sidecar version shows, so a message built on them says what happened.
    """
    sidecars = FolderSidecars(catalog, root)
    ids = (
        list(sidecars.files) if photo_ids is None else [p for p in photo_ids if p in sidecars.files]
    )
    before = catalog.sidecar_records(ids)
    report = sidecars.write(scheme, style, ids)
    after = catalog.sidecar_records(ids)
    changed = [
        photo_id
        for photo_id, records in after.items()
        if any(
            record.written and _stat(before.get(photo_id, {}).get(rel)) != _stat(record)
            for rel, record in records.items()
        )
    ]
    decisions = catalog.decisions(changed)
    outcome = Written(report.written, problems=report.problems)
    for photo_id in changed:
        (outcome.yours if decisions[photo_id].is_user else outcome.suggested).add(photo_id)
    return outcome


def _stat(record) -> tuple | None:
    return None if record is None else (record.size, record.mtime_ns)


@dataclass
class RejectsToMove:
    """The folder's rejected photos as they are right before a move, and their files."""

    photos: list[PhotoRecord]
    names: SidecarNames | None = None
    problems: list[Problem] = field(default_factory=list)

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
    marks cannot be read or disagree is not moved at all.
    """
    sidecars = FolderSidecars(catalog, root)
    imported = sidecars.import_marks()
    rejected = [p for p in rejected_photos(catalog, root) if p.id not in imported.held]
    return RejectsToMove(rejected, sidecars.names, imported.problems)


@dataclass
class Moved:
    """A move of rejects: its batch (what undo puts back), the photos and files moved."""

    target: str
    batch: str | None = None
    photo_ids: list[int] = field(default_factory=list)
    files: int = 0
    problems: list[Problem] = field(default_factory=list)


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
