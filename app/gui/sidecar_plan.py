"""Which marks a sidecar write would change, worked out before anything is written.

The window shows this plan before Ctrl+S changes a mark, and counts from it what the close
reminder and the message after a write say.  It reads the sidecars as they are now and
applies the same rules as :meth:`app.sidecars.FolderSidecars.write`: the marks of
:func:`app.sidecars.series_marks`, marks this app set earlier and no longer wants taken out,
and a version changed by another application kept (the write takes its marks in as the
photographer's and writes those).  One place to change when the sidecar writer plans its
own writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from app.catalog import Catalog, SidecarRecord
from app.gui.items import plural
from app.options import SidecarStyle, XmpScheme
from app.sidecars import FolderSidecars, SidecarError, XmpMarks, read_sidecar, series_marks
from app.sidecars.xmp import existing_spelling


def mark_text(name: str, value: int | str | None) -> str:
    """``Rating -1 (rejected)``, ``Label Green``, ``no rating``: one mark in words."""
    if value is None or value == "":
        return f"no {name.lower()}"
    if name == "Rating" and value == -1:
        return "Rating -1 (rejected)"
    return f"{name} {value}"


@dataclass(frozen=True)
class MarkChange:
    """One sidecar whose marks a write changes."""

    photo_id: int
    photo: str  # the photo's file name
    sidecar: str  # the sidecar's file name
    before: XmpMarks  # what it says now (nothing when it does not exist yet)
    after: XmpMarks  # what it will say
    yours: bool  # the photographer's decision (else the model's suggestion)
    new_file: bool = False

    @property
    def replaces(self) -> bool:
        """True when a mark that is there now is replaced or taken out (not only added)."""
        return any(
            old not in (None, "") and old != new
            for old, new in (
                (self.before.rating, self.after.rating),
                (self.before.label, self.after.label),
            )
        )

    def text(self) -> str:
        """``Rating 3 → Rating -1 (rejected), Label Green → no label``."""
        parts = [
            f"{mark_text(name, old)} → {mark_text(name, new)}"
            for name, old, new in (
                ("Rating", self.before.rating, self.after.rating),
                ("Label", self.before.label or None, self.after.label or None),
            )
            if old != new and (old or None) != (new or None)
        ]
        return ", ".join(parts)


@dataclass
class SidecarPlan:
    """What a write of the folder's sidecars would change, per sidecar file."""

    changes: list[MarkChange] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # photos whose sidecar another app changed
    unreadable: list[str] = field(default_factory=list)  # sidecars the write will report

    def photo_ids(self) -> set[int]:
        return {change.photo_id for change in self.changes}

    def yours(self) -> int:
        """Photos whose sidecars change to carry the photographer's decisions."""
        return len({c.photo_id for c in self.changes if c.yours})

    def suggested(self) -> int:
        """Photos whose sidecars change to carry the model's suggestions."""
        return len({c.photo_id for c in self.changes if not c.yours})

    def replacing(self) -> int:
        """Photos where a mark that is there now is replaced or taken out."""
        return len({c.photo_id for c in self.changes if c.replaces})

    def groups(self) -> list[tuple[int, bool, str]]:
        """(photos, yours, change) per kind of change, the most frequent first."""
        photos: dict[tuple[bool, str], set[int]] = {}
        for c in self.changes:
            photos.setdefault((c.yours, c.text()), set()).add(c.photo_id)
        order = sorted(photos, key=lambda key: (-len(photos[key]), not key[0], key[1]))
        return [(len(photos[key]), key[0], key[1]) for key in order]

    def summary(self) -> str:
        """``12 photos: 3 with your decisions, 9 with the model's suggestions``."""
        parts = [
            f"{count} with {whose}"
            for count, whose in (
                (self.yours(), "your decisions"),
                (self.suggested(), "the model's suggestions"),
            )
            if count
        ]
        return f"{plural(len(self.photo_ids()), 'photo')}: {', '.join(parts)}"

    def group_lines(self) -> list[str]:
        """``9 photos (the model's suggestions): no rating → Rating 3, ...``."""
        return [
            f"{plural(count, 'photo')} ({'your decisions' if yours else 'the model’s suggestions'})"
            f": {text}"
            for count, yours, text in self.groups()
        ]


def plan_sidecars(
    catalog: Catalog,
    root: str | Path,
    scheme: XmpScheme,
    style: SidecarStyle,
    photo_ids: Iterable[int] | None = None,
) -> SidecarPlan:
    """What writing the sidecars of ``photo_ids`` (default: the folder's) would change."""
    sidecars = FolderSidecars(catalog, root)
    records = catalog.sidecar_records(sidecars.files)
    only = None if photo_ids is None else set(photo_ids)
    plan = SidecarPlan()
    for view in catalog.series(sidecars.root):
        wanted = series_marks(view, scheme)
        for member in view.members:
            photo_id = member.photo.id
            if photo_id not in sidecars.files or (only is not None and photo_id not in only):
                continue
            main = sidecars.files[photo_id][0]
            if not main.exists():
                continue  # the write leaves a photo missing on disk out
            for target in sidecars.names.targets(photo_id, style):
                target = existing_spelling(target)
                rel = target.relative_to(sidecars.root).as_posix()
                record = records.get(photo_id, {}).get(rel)
                change = _planned(
                    photo_id, main, target, record, wanted.get(photo_id), member.decision.is_user
                )
                if isinstance(change, MarkChange):
                    plan.changes.append(change)
                elif change == "kept":
                    plan.kept.append(main.name)
                elif change == "unreadable":
                    plan.unreadable.append(target.name)
    return plan


def _planned(
    photo_id: int,
    main: Path,
    target: Path,
    record: SidecarRecord | None,
    wanted: XmpMarks | None,
    yours: bool,
) -> MarkChange | str | None:
    """The change to one sidecar; "kept" for marks another application wrote, which the
    write keeps; "unreadable"; None for no change."""
    try:
        state = read_sidecar(target)
    except SidecarError:
        return "unreadable"
    before = state.marks if state is not None else XmpMarks()
    if state is not None and _written_elsewhere(record, state.size, state.mtime_ns, before):
        return "kept"
    ours = record.claimed if record is not None and record.written else frozenset()
    wanted = wanted or XmpMarks()
    rating = wanted.rating if wanted.rating is not None else before.rating
    if wanted.rating is None and "rating" in ours:
        rating = None
    label = wanted.label if wanted.label is not None else before.label
    if wanted.label is None and "label" in ours:
        label = None
    after = XmpMarks(rating=rating, label=label or None)
    if (after.rating, after.label) == (before.rating, before.label or None):
        return None
    return MarkChange(
        photo_id, main.name, target.name, before, after, yours, new_file=state is None
    )


def _written_elsewhere(
    record: SidecarRecord | None, size: int, mtime_ns: int, marks: XmpMarks
) -> bool:
    """True for a version this app neither wrote nor saw, with marks a person can see (the
    write takes them in as the photographer's)."""
    if record is None:
        return marks.says_something
    if (record.size, record.mtime_ns) == (size, mtime_ns):
        return False
    return (record.rating, record.label) != (marks.rating, marks.label)
