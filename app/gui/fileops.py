"""XMP sidecars and moves of rejects for the open folder, through the pipeline's own writers."""

from __future__ import annotations

from collections.abc import Iterable

from app.catalog import Catalog
from app.errors import AppError, Problem
from app.moves import move_rejects as journaled_move
from app.moves import rejected_photos, undo_last
from app.options import SidecarStyle, XmpScheme
from app.sidecars import FolderSidecars


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


def move_rejects(catalog: Catalog, root: str, target: str) -> tuple[int, list[Problem]]:
    """Move the folder's rejects (every file of each) into ``target``; (moved, problems).

    Marks other applications wrote since the last cull are read first, so a photo a person
    rated elsewhere in the meantime is not moved as an automatic reject.
    """
    sidecars = FolderSidecars(catalog, root)
    imported = sidecars.import_marks()
    try:
        report = journaled_move(
            rejected_photos(catalog, root), target, catalog=catalog, names=sidecars.names
        )
    except AppError as exc:
        return 0, [*imported.problems, Problem(target, str(exc))]
    return len(report.photo_ids), [*imported.problems, *report.problems]


def undo_move(catalog: Catalog, target: str) -> tuple[int, list[Problem]]:
    """Put back the last batch moved into ``target``; (files restored, problems)."""
    try:
        report = undo_last(target, catalog=catalog)
    except AppError as exc:
        return 0, [Problem(target, str(exc))]
    return len(report.restored), report.problems
