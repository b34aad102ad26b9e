"""A person's marks from several places, and the one rule that combines them.

A photo's marks can come from many fields (``xmp:Rating``, digiKam's ``PickLabel``,
darktable's colour labels, Photo Mechanic's tag...) in several files (``IMG_0001.xmp``,
``IMG_0001.CR3.xmp``, the XMP packet inside the photo).  When they disagree the stronger
mark is kept, because losing a photographer's five stars is the worst thing a cull can do
and keeping a frame too many costs only disk space:

- stars: the highest rating any source gives;
- a reject (``Rating -1`` or a "rejected" pick) from one source and stars or an
  "accepted" pick from another is a *conflict*: the stars and the pick are kept, the reject
  is not, and the conflict is reported by name so the photographer decides;
- a pick: "accepted" if any source accepts, else "pending" if any says pending;
- a colour label: the first source's (callers list the newest source first).

This module knows nothing of files or XML.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class Pick(StrEnum):
    """A pick flag written outside ``xmp:Rating`` (digiKam's PickLabel, Photo Mechanic's tag)."""

    ACCEPTED = "accepted"
    PENDING = "pending"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Mark:
    """What one source (a field, a file, the packet in a photo) says about a photo."""

    source: str
    rating: int | None = None  # -1 rejected, 0 unrated, 1..5 stars
    label: str | None = None
    pick: Pick | None = None

    @property
    def rejects(self) -> bool:
        return self.rating == -1 or self.pick is Pick.REJECTED

    @property
    def keeps(self) -> bool:
        return (self.rating or 0) > 0 or self.pick is Pick.ACCEPTED

    def describe(self) -> str:
        """``coffee_02.xmp says 5 stars``: for a conflict's report."""
        if self.rejects:
            what = "reject"
        elif (self.rating or 0) > 0:
            what = f"{self.rating} star" + ("s" if self.rating != 1 else "")
        else:
            what = "accepted"
        return f"{self.source} says {what}"


@dataclass(frozen=True)
class Combined:
    """The combined marks of several sources; ``conflict`` says which disagreed, if any."""

    rating: int | None = None
    label: str | None = None
    pick: Pick | None = None
    conflict: str | None = None


def combine(marks: Sequence[Mark]) -> Combined:
    """One set of marks from ``marks`` (see the module's rule); the newest source first."""
    rejecting = [m for m in marks if m.rejects]
    keeping = [m for m in marks if m.keeps]
    label = next((m.label for m in marks if m.label), None)
    ratings = [m.rating for m in marks if m.rating is not None]
    picks = {m.pick for m in marks}
    conflict = None
    if rejecting and keeping:
        conflict = (
            "; ".join(m.describe() for m in rejecting)
            + " but "
            + "; ".join(m.describe() for m in keeping)
        )
        stars = max((r for r in ratings if r > 0), default=None)
        pick = Pick.ACCEPTED if Pick.ACCEPTED in picks else None
        return Combined(rating=stars, label=label, pick=pick, conflict=conflict)
    if rejecting:
        rating = -1 if -1 in ratings else max(ratings, default=None)
        return Combined(
            rating=rating, label=label, pick=Pick.REJECTED if Pick.REJECTED in picks else None
        )
    pick = next((p for p in (Pick.ACCEPTED, Pick.PENDING) if p in picks), None)
    return Combined(rating=max(ratings, default=None), label=label, pick=pick)
