"""Which marks a sidecar write would change, and what a write did, in the window's words.

The plan is :meth:`app.sidecars.FolderSidecars.plan`, the same planning the write itself
carries out, so the review before Ctrl+S, the close reminder and the message after a write
count the same changes: ratings, labels, this app's suggestion keywords, sidecars created
and removed, automatic marks of an earlier write replaced, a person's marks taken in from a
file, conflicts and sidecars left as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from app.catalog import Catalog
from app.gui.items import plural
from app.options import SidecarStyle, XmpScheme
from app.sidecars import FolderSidecars, PlannedChange, XmpMarks

if TYPE_CHECKING:
    from app.gui.fileops import Written


def mark_text(name: str, value: int | str | None) -> str:
    """``Rating -1 (rejected)``, ``Label Green``, ``no rating``: one mark in words."""
    if value is None or value == "":
        return f"no {name.lower()}"
    if name == "Rating" and value == -1:
        return "Rating -1 (rejected)"
    return f"{name} {value}"


def keyword_text(before: str, after: str) -> str:
    """``keyword FGAesQ pick added``, ``... removed``, ``keyword FGAesQ other → FGAesQ pick``."""
    if before == after:
        return ""
    if not before:
        return f"keyword {after} added"
    if not after:
        return f"keyword {before} removed"
    return f"keyword {before} → {after}"


@dataclass(frozen=True)
class MarkChange:
    """One sidecar whose marks a write changes: a planned change and its photo's name."""

    photo: str  # the photo's file name
    planned: PlannedChange

    @property
    def photo_id(self) -> int:
        return self.planned.photo_id

    @property
    def sidecar(self) -> str:
        return self.planned.sidecar.name

    @property
    def yours(self) -> bool:
        """The photographer's decision (else the model's suggestion, or its removal)."""
        return self.planned.decided

    @property
    def new_file(self) -> bool:
        return self.planned.before is None and self.planned.after is not None

    @property
    def removes_file(self) -> bool:
        return self.planned.before is not None and self.planned.after is None

    @property
    def replaces(self) -> bool:
        """True when a rating or label that is there now is replaced or taken out."""
        before, after = self.planned.before, self.planned.after or XmpMarks()
        return before is not None and any(
            old not in (None, "", 0) and old != new
            for old, new in ((before.rating, after.rating), (before.label, after.label))
        )

    def text(self) -> str:
        """``Rating 3 → Rating -1 (rejected), keyword FGAesQ pick removed``."""
        if self.removes_file:
            return "sidecar removed: FGAesQ Cull created it and it has nothing left to say"
        before, after = self.planned.before or XmpMarks(), self.planned.after or XmpMarks()
        parts = [
            f"{mark_text(name, old)} → {mark_text(name, new)}"
            for name, old, new in (
                ("Rating", before.rating or None, after.rating or None),
                ("Label", before.label or None, after.label or None),
            )
            if old != new
        ]
        keyword = keyword_text(self.planned.suggestion_before, self.planned.suggestion_after)
        return ", ".join([*parts, keyword] if keyword else parts)


@dataclass
class SidecarPlan:
    """What a write of the folder's sidecars would change, per sidecar file."""

    changes: list[MarkChange] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # photos: a person's marks in the file
    conflicts: list[tuple[str, str]] = field(default_factory=list)  # (sidecar, why)
    left: list[tuple[str, str]] = field(default_factory=list)  # (sidecar, why): not written
    held: list[tuple[str, str]] = field(default_factory=list)  # (photo, why): marks unreadable

    def photo_ids(self) -> set[int]:
        return {change.photo_id for change in self.changes}

    def yours(self) -> int:
        """Photos whose sidecars change to carry the photographer's decisions."""
        return len({c.photo_id for c in self.changes if c.yours})

    def suggested(self) -> int:
        """Photos whose sidecars change to carry the model's suggestions (or lose them)."""
        return len({c.photo_id for c in self.changes if not c.yours})

    def replacing(self) -> int:
        """Photos where a rating or label that is there now is replaced or taken out."""
        return len({c.photo_id for c in self.changes if c.replaces})

    def replacing_automatic(self) -> int:
        """Sidecars whose automatic marks of an earlier write (another scheme) change."""
        return sum(c.planned.replaces_automatic for c in self.changes)

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
        """``9 photos (the model's suggestions): keyword FGAesQ other added``."""
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
    plan = SidecarPlan()
    for planned in sidecars.plan(scheme, style, photo_ids):
        photo = sidecars.files[planned.photo_id][0].name
        if planned.imported:
            plan.kept.append(photo)
        if planned.conflict:
            plan.conflicts.append((planned.sidecar.name, planned.conflict))
        if planned.held:
            plan.held.append((photo, planned.problem))
        elif planned.problem:
            plan.left.append((planned.sidecar.name, planned.problem))
        elif planned.changes:
            plan.changes.append(MarkChange(photo, planned))
    return plan


def written_text(written: Written) -> str:
    """``Wrote 12 XMP sidecars of 12 photos: 1 with your decisions, 11 with the model's
    suggestions``, then what else the write did (removed, replaced, taken in, conflicts)."""
    report = written.report
    photos = len(written.yours | written.suggested)
    if written.files or not written.removed:
        text = (
            f"Wrote {plural(written.files, 'XMP sidecar')} of {plural(photos, 'photo')}: "
            f"{len(written.yours)} with your decisions, {len(written.suggested)} with the "
            "model's suggestions"
        )
    else:
        text = "Wrote no XMP sidecar"
    notes = []
    if written.removed:
        notes.append(
            f"removed {plural(written.removed, 'sidecar')} FGAesQ Cull had created, with "
            "nothing left to say"
        )
    if report.replaced_automatic:
        notes.append(
            f"{plural(report.replaced_automatic, 'sidecar')} had automatic marks of an "
            "earlier write replaced"
        )
    if report.imported:
        notes.append(
            f"{plural(len(report.imported), 'photo')} kept marks another application wrote"
        )
    if report.held:
        notes.append(
            f"{plural(len(report.held), 'photo')} held: marks that cannot be read or that "
            "disagree, nothing written (see Details…)"
        )
    if report.conflicts:
        notes.append(
            f"{plural(report.conflicts, 'conflict')}: another application's marks kept "
            "(see Details…)"
        )
    return "; ".join([text, *notes])


def held_text(held: list[tuple[str, str]]) -> str:
    """``1 photo may carry a person's marks that cannot be read or disagree: nothing is
    written for it: IMG_1.jpg (why)``."""
    one = len(held) == 1
    names = ", ".join(f"{name} ({why})" for name, why in held[:5])
    return (
        f"{plural(len(held), 'photo')} may carry a person's marks that cannot be read or "
        f"that disagree: nothing is written for {'it' if one else 'them'}: {names}"
        + (" …" if len(held) > 5 else "")
    )


def left_text(left: list[tuple[str, str]]) -> str:
    """``1 sidecar is left as it is: IMG_1.xmp (cannot read sidecar: ...)``."""
    one = len(left) == 1
    names = ", ".join(f"{name} ({why})" for name, why in left[:5])
    return (
        f"{plural(len(left), 'sidecar')} {'is' if one else 'are'} left as "
        f"{'it is' if one else 'they are'}: {names}" + (" …" if len(left) > 5 else "")
    )
