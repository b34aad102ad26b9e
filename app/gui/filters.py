"""What the grid and the strip show: a series filter and frame-level filters.

Frame filters combine (flag and stars and label and every criterion switched on).  A
criterion is a named test of one frame; ``FRAME_CRITERIA`` lists them, and adding one
adds it to the Filter menu:

    FRAME_CRITERIA["missing"] = FrameCriterion("missing", "Missing on disk",
                                               lambda frame: frame.missing)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import Enum, IntEnum

from app.catalog import Flag
from app.gui.items import FrameItem, SeriesItem, my_flag, plural, suggested_flag


class SeriesFilter(IntEnum):
    All = 0
    MultiFrame = 1
    Unreviewed = 2
    Undecided = 3
    Picks = 4
    Rejects = 5
    Unsure = 6


FILTER_LABELS = {
    SeriesFilter.All: "All series",
    SeriesFilter.MultiFrame: "Bursts (2+ frames)",
    SeriesFilter.Unreviewed: "Not reviewed by you",
    SeriesFilter.Undecided: "With undecided frames",
    SeriesFilter.Picks: "With your picks",
    SeriesFilter.Rejects: "With your rejects",
    SeriesFilter.Unsure: "Picks worth a second look",
}
# what a label has no room for (the toolbar's width is shared), as the item's tooltip
FILTER_TIPS = {
    SeriesFilter.Unsure: "Bursts whose pick has a confidence below 0.8, least sure first: "
    "the cull rejects and moves none of their other frames automatically",
}


def series_matches(mode: SeriesFilter, series: SeriesItem) -> bool:
    match mode:
        case SeriesFilter.MultiFrame:
            return series.frame_count > 1
        case SeriesFilter.Unreviewed:
            return not series.reviewed
        case SeriesFilter.Undecided:
            return series.has_undecided
        case SeriesFilter.Picks:
            return series.has_pick
        case SeriesFilter.Rejects:
            return series.has_reject
        case SeriesFilter.Unsure:
            return series.worth_a_second_look
    return True


class FlagFilter(Enum):
    """Which flags the strip shows; the photographer's and the model's kept apart."""

    ANY = "any"
    PICKED = "picked"
    REJECTED = "rejected"
    UNFLAGGED = "unflagged"
    SUGGESTED = "suggested"


FLAG_LABELS = {
    FlagFilter.ANY: "Any flag",
    FlagFilter.PICKED: "Your picks",
    FlagFilter.REJECTED: "Your rejects",
    FlagFilter.UNFLAGGED: "Not flagged by you",
    FlagFilter.SUGGESTED: "The model's picks you have not decided",
}


def flag_matches(wanted: FlagFilter, frame: FrameItem) -> bool:
    mine = my_flag(frame.decision)
    match wanted:
        case FlagFilter.PICKED:
            return mine is Flag.PICK
        case FlagFilter.REJECTED:
            return mine is Flag.REJECT
        case FlagFilter.UNFLAGGED:
            return mine is Flag.NONE
        case FlagFilter.SUGGESTED:
            return suggested_flag(frame.decision) is Flag.PICK
    return True


@dataclass(frozen=True)
class FrameCriterion:
    """A yes/no property of a frame the strip can be narrowed to."""

    name: str
    text: str
    test: Callable[[FrameItem], bool]


#: criteria offered in the Filter menu, by name
FRAME_CRITERIA: dict[str, FrameCriterion] = {
    "closed_eyes": FrameCriterion(
        "closed_eyes", "Closed eyes", lambda frame: frame.closed_eyes > 0
    ),
    "missing": FrameCriterion("missing", "Missing on disk", lambda frame: frame.missing),
}


@dataclass(frozen=True)
class FrameFilter:
    """Frame-level filters; the default shows every frame."""

    flag: FlagFilter = FlagFilter.ANY
    min_rating: int = 0
    label: str | None = None
    criteria: frozenset[str] = field(default_factory=frozenset)

    @property
    def active(self) -> bool:
        return self != FrameFilter()

    def matches(self, frame: FrameItem) -> bool:
        decision = frame.decision
        if not flag_matches(self.flag, frame):
            return False
        if self.min_rating and decision.rating < self.min_rating:
            return False
        if self.label is not None and decision.label != self.label:
            return False
        return all(FRAME_CRITERIA[name].test(frame) for name in self.criteria)

    def toggled_flag(self, flag: FlagFilter) -> FrameFilter:
        return replace(self, flag=FlagFilter.ANY if self.flag is flag else flag)

    def toggled_rating(self, stars: int) -> FrameFilter:
        return replace(self, min_rating=0 if self.min_rating == stars else stars)

    def toggled_label(self, label: str) -> FrameFilter:
        return replace(self, label=None if self.label == label else label)

    def toggled_criterion(self, name: str) -> FrameFilter:
        return replace(self, criteria=self.criteria ^ {name})

    def text(self) -> str:
        """``Your picks, 3+ stars, Red``; empty when nothing is filtered."""
        parts = [] if self.flag is FlagFilter.ANY else [FLAG_LABELS[self.flag]]
        if self.min_rating:
            parts.append(f"{plural(self.min_rating, 'star')} or more")
        if self.label:
            parts.append(f"{self.label} label")
        parts += [FRAME_CRITERIA[name].text for name in sorted(self.criteria)]
        return ", ".join(parts)


@dataclass(frozen=True)
class Filters:
    """The grid's series filter and the frame filters together."""

    series: SeriesFilter = SeriesFilter.All
    frames: FrameFilter = field(default_factory=FrameFilter)

    def shows_series(self, series: SeriesItem) -> bool:
        if not series_matches(self.series, series):
            return False
        return not self.frames.active or any(self.frames.matches(f) for f in series.frames)

    def shows_frame(self, series: SeriesItem, frame: FrameItem) -> bool:
        return self.shows_series(series) and self.frames.matches(frame)
