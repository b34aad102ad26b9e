"""Which marks a photo's sidecar should carry, and how a sidecar's marks become a decision.

A person's decision (made in this app, or imported from a sidecar another application or
person wrote) is written as it is.  Otherwise the automatic scheme suggests the best frame
of a burst: by default (``suggest``) as the keyword ``FGAesQ pick`` and the other frames
``FGAesQ other`` (``suggest_reject``: ``FGAesQ reject``), never as a rating or label, so
no application confuses a suggestion with a decision; ``mark_best`` writes ``Rating 3``,
``Label Green`` and ``Label Yellow`` instead (``reject_others``: ``Rating -1``).  Singles,
brackets, panoramas and focus stacks get no automatic marks, and a burst that may be one of
them (``possible_kind``) or whose pick is worth a second look (confidence below 0.8) gets
its pick suggested but no reject: the catalog's own rule (``app.automatic_rejects``), on
the confidence the catalog tells (``SeriesView.confidence``), so a sidecar never rejects a
frame the window keeps.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from app.automatic_rejects import (
    may_reject_others,
    never_rejected,
    picks_a_frame,
    refused_contents,
)
from app.catalog import DecisionState, Flag, SeriesMember, SeriesView
from app.exact_copies import same_photo_keys
from app.options import XmpScheme
from app.sidecars import keywords
from app.sidecars.marks import Pick
from app.sidecars.xmp import XmpMarks

BEST = XmpMarks(rating=3, label="Green")
OTHER = XmpMarks(label="Yellow")
REJECTED = XmpMarks(rating=-1)
REJECT_RATING = -1
PICK_RATING = 3  # a pick without stars
PICK_LABEL = "Green"  # a pick without a label


def decision_marks(state: DecisionState) -> XmpMarks | None:
    """The full marks of a decision (rating and label both set), or None if none was made."""
    if state.decided_at is None:
        return None
    if state.flag is Flag.REJECT:
        return XmpMarks(rating=REJECT_RATING, label=state.label or "")
    if state.flag is Flag.PICK:
        rating = state.rating if state.rating > 0 else PICK_RATING
        return XmpMarks(rating=rating, label=state.label or PICK_LABEL)
    return XmpMarks(rating=state.rating, label=state.label or "")


def automatic_marks(
    *, is_best: bool, in_burst: bool, scheme: XmpScheme, may_reject: bool = True
) -> XmpMarks | None:
    """The scheme's marks for a frame nobody decided on (None: this app claims nothing).

    ``may_reject`` is False in a burst that may be a bracket, panorama or focus stack, or
    whose pick is worth a second look: its other frames are suggested as others, never as
    rejects."""
    if not in_burst or scheme is XmpScheme.DECISIONS or scheme.as_keywords:
        return None
    if is_best:
        return BEST
    return REJECTED if scheme.rejects_others and may_reject else OTHER


def suggestion_keyword(
    decision: DecisionState,
    *,
    is_best: bool,
    in_burst: bool,
    scheme: XmpScheme,
    may_reject: bool = True,
) -> str:
    """The suggestion keyword a frame carries ("" none: a person decided, the frame is not
    in a burst, or the scheme writes suggestions otherwise)."""
    if decision.is_user or not in_burst or not scheme.as_keywords:
        return ""
    if is_best:
        return keywords.PICK
    return keywords.REJECT if scheme.rejects_others and may_reject else keywords.OTHER


def wanted_marks(
    decision: DecisionState,
    *,
    is_best: bool,
    in_burst: bool,
    scheme: XmpScheme,
    may_reject: bool = True,
) -> XmpMarks | None:
    """What the sidecar should say: the person's decision, else the automatic scheme."""
    if decision.is_user:
        return decision_marks(decision)
    return automatic_marks(is_best=is_best, in_burst=in_burst, scheme=scheme, may_reject=may_reject)


def may_reject(series: SeriesView) -> bool:
    """Whether the automatic scheme may reject frames of this series (not of a burst that may
    be a bracket, panorama or focus stack, nor of one whose pick is worth a second look)."""
    return may_reject_others(series.kind, series.kind_reason, series.confidence)


def rejected_by_a_person(decision: DecisionState) -> bool:
    return decision.is_user and decision.flag is Flag.REJECT


def first_not_rejected(
    ranked: Iterable[tuple[int, DecisionState]],
    keys: Mapping[int, Collection[str]] | None = None,
) -> int | None:
    """The first photo id, best rank first, that a person has not rejected: the automatic
    pick.  A person's reject of the top frame passes the pick to the next one, so the
    series keeps a pick and its other frames are not all suggested for rejection; a copy
    of a rejected photo (``same_photo_keys`` by photo id) is that photo, rejected too."""
    ranked = list(ranked)
    keys = keys or {}
    refused = refused_contents((d for _p, d in ranked), (keys.get(p, ()) for p, _d in ranked))
    return next(
        (
            pid
            for pid, decision in ranked
            if not rejected_by_a_person(decision) and refused.isdisjoint(keys.get(pid, ()))
        ),
        None,
    )


def automatic_pick(
    series: SeriesView, keys: Mapping[int, Collection[str]] | None = None
) -> SeriesMember | None:
    """The frame the automatic scheme picks (``first_not_rejected``); ``keys``: the
    members' ``same_photo_keys`` by photo id, where the caller has them."""
    ranked = sorted(
        (m for m in series.members if m.rank is not None or m.score is not None),
        key=lambda m: (m.rank is None, m.rank or 0, -(m.score or 0.0)),
    )
    if keys is None:
        keys = {m.photo.id: same_photo_keys(m.photo) for m in series.members}
    pick = first_not_rejected(((m.photo.id, m.decision) for m in ranked), keys)
    return next((m for m in ranked if m.photo.id == pick), None)


@dataclass(frozen=True)
class FramePlace:
    """What the automatic scheme needs to know about a frame's place in its series."""

    is_best: bool  # the automatic pick (see ``automatic_pick``)
    in_burst: bool
    may_reject: bool = True


def frame_places(series: SeriesView) -> dict[int, FramePlace]:
    """``{photo_id: FramePlace}`` for every frame of a series (one place decides it)."""
    in_burst = picks_a_frame(len(series.members), series.kind)
    keys = {m.photo.id: same_photo_keys(m.photo) for m in series.members}
    best = automatic_pick(series, keys) if in_burst else None
    rejecting = may_reject(series)
    twins = never_rejected(
        [m.photo.id for m in series.members],
        None if best is None else best.photo.id,
        [m.decision for m in series.members],
        [keys[m.photo.id] for m in series.members],
    )
    return {
        m.photo.id: FramePlace(
            is_best=best is not None and m.photo.id == best.photo.id,
            in_burst=in_burst,
            may_reject=rejecting and m.photo.id not in twins,
        )
        for m in series.members
    }


def series_marks(
    series: SeriesView, scheme: XmpScheme = XmpScheme.MARK_BEST
) -> dict[int, XmpMarks]:
    """``{photo_id: marks}`` for the frames of a series that get marks at all."""
    places = frame_places(series)
    marks: dict[int, XmpMarks] = {}
    for member in series.members:
        place = places[member.photo.id]
        wanted = wanted_marks(
            member.decision,
            is_best=place.is_best,
            in_burst=place.in_burst,
            scheme=scheme,
            may_reject=place.may_reject,
        )
        if wanted is not None:
            marks[member.photo.id] = wanted
    return marks


def decision_from_marks(marks: XmpMarks, current: DecisionState) -> dict:
    """The catalog marks (``flag``, ``rating``, ``label``) of a person's sidecar marks.

    ``Rating -1`` or a rejected pick (digiKam) is a reject; an accepted pick (digiKam's
    PickLabel, Photo Mechanic's tag) is a pick; a pick flag made in this app survives a new
    star rating (xmp:Rating has no pick flag of its own).
    """
    if marks.pick is Pick.REJECTED or (marks.rating is not None and marks.rating < 0):
        flag, rating = Flag.REJECT, 0
    elif marks.pick is Pick.ACCEPTED:
        flag, rating = Flag.PICK, marks.rating or 0
    else:
        kept_pick = current.is_user and current.flag is Flag.PICK
        flag, rating = (Flag.PICK if kept_pick else Flag.NONE), marks.rating or 0
    return {"flag": flag, "rating": rating, "label": marks.label or None}
