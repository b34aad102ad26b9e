"""A person's decisions within series, as what a ranker learns from.

Every series with at least one mark a person made (here, or imported from a sidecar or the
XMP inside a photo) becomes a ``TasteSeries``: per frame a preference level and features.
The levels say what the marks say and nothing more:

- a reject (a reject flag or a -1 rating) is under every frame not rejected;
- among the others a pick is over every frame not picked, and a higher rating over a lower;
- frames with equal marks are ties: no preference between them is made up.

A frame the person left unmarked, in a series where they marked another, counts as one of
"the rest" (they saw it and did not choose it).  Brackets, panoramas and focus stacks are
left out (their frames are kept together, not chosen between), as are series where every
frame has the same level (nothing to learn).  A RAW+JPEG pair is one photo in the catalog,
so it is one frame here, whichever of its files carried the marks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from app.catalog import DecisionState, Flag, SeriesView
from app.series_kinds import PROTECTED_KINDS
from app.taste.features import frame_features

REJECT_LEVEL = 0.0
PICK_BONUS = 10.0  # above any rating


@dataclass(frozen=True)
class TasteSeries:
    """One series' frames: ``levels`` (higher preferred), ``features`` (frames x features)."""

    shoot: str  # the folder the series was shot into: held-out splits never cut one
    key: str  # unique within the data (the folder and the series' first frame)
    frames: tuple[str, ...]  # the photos' paths relative to the shoot
    levels: np.ndarray
    features: np.ndarray
    marked: tuple[bool, ...]  # per frame: it carries a person's mark (else one of the rest)

    @property
    def decided(self) -> int:
        """How many frames carry a person's mark."""
        return sum(self.marked)

    def pairs(self) -> list[tuple[int, int]]:
        """(preferred, other) frame indices of every strict preference; ties give none."""
        n = len(self.levels)
        return [(i, j) for i in range(n) for j in range(n) if self.levels[i] > self.levels[j]]

    @property
    def top(self) -> set[int]:
        """The frames at the best level: the person's pick(s)."""
        best = self.levels.max()
        return {i for i, level in enumerate(self.levels) if level == best}


def preference_level(decision: DecisionState) -> float:
    """Where a frame stands in its series by a person's marks (see the module's rules)."""
    if not decision.is_user:
        return 1.0  # one of the rest
    if decision.flag is Flag.REJECT or decision.rating < 0:
        return REJECT_LEVEL
    return 1.0 + decision.rating + (PICK_BONUS if decision.flag is Flag.PICK else 0.0)


def taste_series(views: Iterable[SeriesView], thumbnails: Mapping[int, bytes]) -> list[TasteSeries]:
    """The learnable series among ``views`` (one folder's or several)."""
    found = []
    for view in views:
        members = [m for m in view.members if m.score is not None]
        if view.kind in PROTECTED_KINDS or len(members) < 2:
            continue
        marked = tuple(m.decision.is_user for m in members)
        if not any(marked):
            continue
        levels = np.array([preference_level(m.decision) for m in members])
        if levels.min() == levels.max():
            continue
        features = np.array(
            [frame_features(m.photo, thumbnails.get(m.photo.id), m.faces, m.score) for m in members]
        )
        found.append(
            TasteSeries(
                shoot=view.root,
                key=f"{view.root}|{members[0].photo.relpath}",
                frames=tuple(m.photo.relpath for m in members),
                levels=levels,
                features=features,
                marked=marked,
            )
        )
    return found


def decisions_count(series: Iterable[TasteSeries]) -> int:
    """How many of a person's marks the data holds."""
    return sum(s.decided for s in series)
