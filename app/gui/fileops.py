"""XMP sidecars and moves of rejects for the open folder, through the pipeline's own writers."""

from __future__ import annotations

from collections.abc import Iterable

from app.catalog import Catalog
from app.gui.settings import Settings
from app.moves import MoveError, rejected_photos, undo_last
from app.moves import move_rejects as journaled_move
from app.xmp import DEFAULT_SCHEME, XmpScheme, decision_marks, series_marks, write_marks


def xmp_scheme(settings: Settings) -> XmpScheme | None:
    """The XmpScheme for the preference; None means only user decisions are written."""
    if settings.xmp_scheme == "decisions":
        return None
    return XmpScheme(reject_others=settings.xmp_scheme == "reject_others")


def write_sidecars(
    catalog: Catalog, root: str, settings: Settings, photo_ids: Iterable[int] | None = None
) -> tuple[int, list[tuple[str, str]]]:
    """Write the marks of the folder's photos (or just ``photo_ids``); (written, problems)."""
    scheme = xmp_scheme(settings)
    wanted = set(photo_ids) if photo_ids is not None else None
    written, problems = 0, []
    for view in catalog.series(root):
        if scheme is not None:
            marks = series_marks(view, scheme)
        else:
            marks = {
                m.photo.id: decision_marks(m.decision, DEFAULT_SCHEME)
                for m in view.members
                if m.decision.is_user
            }
        for member in view.members:
            mark = marks.get(member.photo.id)
            if mark is None or (wanted is not None and member.photo.id not in wanted):
                continue
            errors = write_marks(member.photo.path, mark, settings.sidecar_style)
            problems += [(str(e.path), e.reason) for e in errors]
            written += not errors
    return written, problems


def move_rejects(catalog: Catalog, root: str, target: str) -> tuple[int, list[tuple[str, str]]]:
    """Move the folder's rejects (every file of each) into ``target``; (moved, problems)."""
    try:
        report = journaled_move(rejected_photos(catalog, root), target, catalog=catalog)
    except MoveError as exc:
        return 0, [(target, str(exc))]
    return len(report.photo_ids), [("Move rejects", e) for e in report.errors]


def undo_move(catalog: Catalog, target: str) -> tuple[int, list[tuple[str, str]]]:
    """Put back the last batch moved into ``target``; (files restored, problems)."""
    try:
        report = undo_last(target, catalog=catalog)
    except MoveError as exc:
        return 0, [(target, str(exc))]
    return len(report.restored), []
