"""XMP sidecars and moves of rejects for the open folder, through the pipeline's own writers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from app.catalog import Catalog, PhotoRecord
from app.errors import AppError, Problem
from app.moves import move_rejects as journaled_move
from app.moves import rejected_photos, undo_last
from app.options import SidecarStyle, XmpScheme
from app.sidecars import FolderSidecars, SidecarNames


def write_sidecars(
    catalog: Catalog,
    root: str,
    scheme: XmpScheme,
    style: SidecarStyle,
    photo_ids: Iterable[int] | None = None,
) -> tuple[int, list[Problem]]:
    """Make the folder's sidecars (or those of ``photo_ids``) say what the catalog says."""
    report = FolderSidecars(catalog, root).write(scheme, style, photo_ids)
    return report.written, report.problems


@dataclass
class RejectsToMove:
    """The folder's rejected photos as they are right before a move, and their files."""

    photos: list[PhotoRecord]
    names: SidecarNames | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def files(self) -> int:
        return sum(1 + len(photo.companions) for photo in self.photos)


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


def move_rejects(
    catalog: Catalog, rejects: RejectsToMove, target: str
) -> tuple[int, list[Problem]]:
    """Move the rejects (every file of each) into ``target``, journaled; (moved, problems)."""
    try:
        report = journaled_move(rejects.photos, target, catalog=catalog, names=rejects.names)
    except AppError as exc:
        return 0, [*rejects.problems, Problem(target, str(exc))]
    return len(report.photo_ids), [*rejects.problems, *report.problems]


def undo_move(catalog: Catalog, target: str) -> tuple[int, list[Problem]]:
    """Put back the last batch moved into ``target``; (files restored, problems)."""
    try:
        report = undo_last(target, catalog=catalog)
    except AppError as exc:
        return 0, [Problem(target, str(exc))]
    return len(report.restored), report.problems
