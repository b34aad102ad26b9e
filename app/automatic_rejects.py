"""Whether a series' automatic decision may reject its other frames: one rule for the
catalog's automatic flags (and so for what ``--move-rejects`` moves), the sidecars' marks
and keywords, the report and the window, so none of them rejects what another keeps.

A burst's best frame is its automatic pick; with a scheme that rejects others its other
frames are rejected, except in a burst that may be a bracket, panorama or focus stack (weak
evidence, ``possible_kind``) and in one whose pick is worth a second look (``unsure_pick``:
confidence below ``SURE``).  On shoots held out from the scorer's tuning 9 of 10 wrong
picks were below it, so the frame that should have been picked is then too often among the
others to reject or move them.  A pick without a confidence (``None``: a scorer without a
calibration) rejects as before: nothing says it is unsure.  Brackets, panoramas and focus
stacks get no automatic mark at all, and a single has nothing to reject.  A byte-identical
copy of the pick (the card copied twice) is the pick itself, and a copy of a photo a person
kept (stars or a pick on the other card, in another application) is that photo: neither is
ever an automatic reject (``never_rejected``); a photo a person rejected is not picked
through its copy (``refused_contents``), whose automatic reject stands.  A copy here is a
file with the same bytes or of the same shot (``app.exact_copies.same_photo_keys``: another
application may have written marks into one of them).  A person's marks are never replaced, whatever this says.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from app.catalog import DecisionState, Flag
from app.scoring.confidence import SURE
from app.series_kinds import PROTECTED_KINDS, possible_kind


def picks_a_frame(frames: int, kind: str) -> bool:
    """Whether a series of ``frames`` files and this kind gets an automatic pick: a burst
    does; a single (a photo, with any byte-identical copies of it) or a series kept whole
    does not."""
    return frames > 1 and kind not in (*PROTECTED_KINDS, "single")


def unsure_pick(frames: int, kind: str, confidence: float | None) -> bool:
    """A burst whose pick the scorer is not sure of: "worth a second look"."""
    return picks_a_frame(frames, kind) and _below_sure(confidence)


def may_reject_others(kind: str, kind_reason: str, confidence: float | None) -> bool:
    """Whether the automatic decision may reject the frames of a burst other than its pick
    (when the scheme rejects others at all): not in a ``possible_kind``, nor below ``SURE``."""
    return possible_kind(kind, kind_reason) is None and not _below_sure(confidence)


def _below_sure(confidence: float | None) -> bool:
    return confidence is not None and confidence < SURE


def kept_by_a_person(decision: DecisionState) -> bool:
    """A person's mark other than a reject (stars, a label, a pick, a flag taken off): it
    holds for the photo's copies, which are never automatic rejects.  A person's reject
    holds for them too: their automatic rejects stand."""
    return decision.is_user and decision.flag is not Flag.REJECT


def never_rejected(
    ids: Sequence[int],
    pick: int | None,
    decisions: Sequence[DecisionState],
    keys: Sequence[Collection[str]],
    held: Collection[int] = (),
) -> set[int]:
    """The photo ids among ``ids`` (their decisions and ``same_photo_keys`` in the same
    order) that no automatic decision may reject: copies of ``pick``, of every photo a
    person kept (``kept_by_a_person``), and of every photo ``held`` (marks that cannot be
    read or disagree: a person may have marked it)."""
    kept = set(keys[ids.index(pick)]) if pick is not None else set()
    kept |= {
        k
        for i, found, d in zip(ids, keys, decisions, strict=True)
        if kept_by_a_person(d) or i in held
        for k in found
    }
    return {
        i for i, found in zip(ids, keys, strict=True) if i != pick and not kept.isdisjoint(found)
    }


def refused_contents(
    decisions: Iterable[DecisionState], keys: Iterable[Collection[str]]
) -> set[str]:
    """The ``same_photo_keys`` of photos a person rejected: none of their copies is the
    automatic pick."""
    return {
        k
        for found, d in zip(keys, decisions, strict=True)
        if d.is_user and d.flag is Flag.REJECT
        for k in found
    }
