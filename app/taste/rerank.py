"""A run's series ordered by a taste profile, where the profile is in use.

Only the order of each burst's frames and so the automatic pick suggestion change; the
scores stay the base ranking's, a person's marks are not touched (the decisions stage
never overrides them), and the closed-eye rule still applies to the personal order.
Brackets, panoramas and focus stacks are kept whole as always.  A profile that did not
agree measurably better on held-out shoots leaves the base ranking in place, and the line
returned says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np

from app.catalog import Catalog, FaceRecord, PhotoRecord
from app.faces.pick import PickDecision, choose_pick
from app.pipeline.results import RankingInUse, SeriesResult
from app.taste.evaluate import RULE
from app.taste.features import frame_features
from app.taste.profiles import LearntTaste, TasteError, load_taste


def apply_taste(
    catalog: Catalog, root: str, series: list[SeriesResult], name: str, closed_eye_rule: bool
) -> tuple[list[SeriesResult], RankingInUse]:
    """``series`` reordered by the profile ``name`` when it is in use, and which ranking is
    in use and by how much each agreed."""
    taste, ranking = taste_in_use(catalog, name)
    if taste is None:
        return series, ranking
    photos = {photo.id: photo for photo in catalog.photos(root)}
    wanted = [m.photo_id for s in series if not s.kept_whole for m in s.members]
    thumbnails = catalog.thumbnails(wanted)
    changed = 0
    ordered = []
    for s in series:
        if s.kept_whole or len(s.members) < 2 or any(m.photo_id not in photos for m in s.members):
            ordered.append(s)
            continue
        personal = _reordered(taste, s, photos, thumbnails, closed_eye_rule)
        changed += personal.members != s.members
        ordered.append(personal)
    return ordered, ranking_in_use(taste, changed)


def taste_in_use(catalog: Catalog, name: str) -> tuple[LearntTaste | None, RankingInUse]:
    """The profile ``name`` where it is in use (else None), and which ranking that gives."""
    try:
        taste = load_taste(catalog, name)
    except TasteError as exc:
        return None, RankingInUse(profile=name, reason=str(exc), text=f"Ranking: base ({exc})")
    return (taste if taste.evaluation.used else None), ranking_in_use(taste)


def personal_order(
    taste: LearntTaste,
    photos: Sequence[PhotoRecord],
    thumbnails: Mapping[int, bytes],
    faces: Sequence[Sequence[FaceRecord] | None],
    scores: Sequence[float],
    closed_eye_rule: bool,
) -> PickDecision:
    """The frames of one series in the taste's order (the pick first), from the features
    the app stored; the closed-eye rule applies to it as to the base ranking."""
    features = [
        frame_features(photo, thumbnails.get(photo.id), found, score)
        for photo, found, score in zip(photos, faces, scores, strict=True)
    ]
    utilities = taste.model.utilities(np.array(features))
    return choose_pick([float(u) for u in utilities], list(faces), closed_eye_rule)


def _reordered(
    taste: LearntTaste,
    s: SeriesResult,
    photos: Mapping[int, PhotoRecord],
    thumbnails: Mapping[int, bytes],
    closed_eye_rule: bool,
) -> SeriesResult:
    decision = personal_order(
        taste,
        [photos[m.photo_id] for m in s.members],
        thumbnails,
        [m.faces for m in s.members],
        [m.score for m in s.members],
        closed_eye_rule,
    )
    rank_of = {index: rank for rank, index in enumerate(decision.order, start=1)}
    members = tuple(replace(m, rank=rank_of[i]) for i, m in enumerate(s.members))
    if members == s.members:
        return s
    pick_changed = decision.pick != min(range(len(s.members)), key=lambda i: s.members[i].rank)
    return replace(
        s,
        members=members,
        pick_reason=decision.reason,
        why=None if pick_changed else s.why,  # the explanation is of the base ranking's pick
    )


def ranking_in_use(taste: LearntTaste, reordered: int = 0) -> RankingInUse:
    """Which ranking the profile gives, with its figures and the reason."""
    evaluation = taste.evaluation
    text = taste.describe()
    if reordered:
        text += f"; it reordered {reordered} series"
    reason = (
        "agreed measurably more often with your held-out picks"
        if evaluation.used
        else ("not measurably better than the base ranking on your held-out picks")
    )
    return RankingInUse(
        in_use="taste" if evaluation.used else "base",
        profile=taste.name,
        taste_agreement=round(evaluation.personal, 3),
        base_agreement=round(evaluation.base, 3),
        decisions=evaluation.decisions,
        shoots=evaluation.shoots,
        held_out=evaluation.held_out,
        reordered=reordered,
        reason=f"{reason} (the taste is {RULE})",
        text=text,
    )
