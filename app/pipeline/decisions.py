"""Stage 4: the automatic decisions, which never touch a mark a person made.

The best frame of each burst is picked; with ``reject_others`` the other frames are
rejected (the ``decisions`` scheme only keeps the automatic marks out of the sidecars).
Brackets, panoramas and focus stacks are kept whole: no automatic mark at all (an earlier
automatic one is taken back), so nothing of them is rejected or moved.  A burst that may be
one of them (weak evidence, ``possible_kind``) gets its pick but no rejects, and so does a
burst whose pick is worth a second look (confidence below 0.8): one rule,
``app.automatic_rejects.may_reject_others``, which the sidecars follow too.  A photo that
carries a person's decision (made in this app, or a rating or label taken from a sidecar
another application wrote) is left as it is: never picked, rejected or moved automatically.
The catalog enforces this too (``set_decision`` ignores an automatic decision over a user
one); this stage also counts such photos for the summary.  A *held* photo (marks that cannot
be read, or sources that disagree) gets no automatic mark either, and an earlier automatic
one is taken back, so no later move takes it as a reject.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from app.automatic_rejects import may_reject_others, never_rejected, picks_a_frame
from app.catalog import Catalog, DecisionSource, DecisionState, Flag
from app.options import XmpScheme
from app.pipeline.results import SeriesResult
from app.sidecars.policy import first_not_rejected


def apply_automatic_decisions(
    catalog: Catalog, series: list[SeriesResult], scheme: XmpScheme, held: Collection[int] = ()
) -> int:
    """Write the automatic flags; returns how many burst frames kept a person's marks.

    ``held``: photos a person may have marked in a way that cannot be read.
    """
    ids = [m.photo_id for s in series for m in s.members]
    current = catalog.decisions(ids)
    keys = catalog.same_photo_keys(ids)
    return sum(
        apply_series_decisions(
            catalog,
            [m.photo_id for m in sorted(s.members, key=lambda m: m.rank)],
            s.kind,
            scheme,
            kind_reason=s.kind_reason,
            held=held,
            current=current,
            confidence=s.kept_confidence,
            keys=keys,
        )
        for s in series
    )


def apply_series_decisions(
    catalog: Catalog,
    ranked: Sequence[int],
    kind: str,
    scheme: XmpScheme,
    *,
    kind_reason: str = "",
    held: Collection[int] = (),
    current: dict[int, DecisionState] | None = None,
    confidence: float | None = None,
    keys: Mapping[int, Collection[str]] | None = None,
) -> int:
    """Write the automatic flags of one series, its photo ids best rank first, as its
    ``kind`` (and the reason the kind was told, which may say it is a ``possible_kind``)
    and its pick's ``confidence`` (None: the scorer gives none) call for; returns how many
    frames kept a person's marks where there was a pick.  ``keys``: the photos'
    ``same_photo_keys`` by id, where the caller has them (else read from the catalog).

    The window runs this on a series whose kind the photographer changed, the cull on
    every series it ranked: one rule for both.
    """
    current = current if current is not None else catalog.decisions(ranked)
    keys = keys if keys is not None else catalog.same_photo_keys(ranked)
    states = [(pid, current[pid]) for pid in ranked]
    wanted = automatic_flags(states, kind, kind_reason, scheme, held, confidence, keys)
    for photo_id, flag in wanted.items():
        if current[photo_id].flag is not flag:
            catalog.set_decision(photo_id, flag=flag, source=DecisionSource.AUTO)
    if series_pick(states, kind, keys) is None:
        return 0
    return sum(state.is_user for _pid, state in states)


def series_pick(
    ranked: Sequence[tuple[int, DecisionState]],
    kind: str,
    keys: Mapping[int, Collection[str]] | None = None,
) -> int | None:
    """The automatic pick of a series given best rank first: none for a single frame (with
    any copies of it) or a series kept whole, else the first frame a person has not
    rejected (nor a copy of one, by the ``same_photo_keys`` by photo id)."""
    if picks_a_frame(len(ranked), kind):
        return first_not_rejected(ranked, keys)
    return None


def automatic_flags(
    ranked: Sequence[tuple[int, DecisionState]],
    kind: str,
    kind_reason: str,
    scheme: XmpScheme,
    held: Collection[int] = (),
    confidence: float | None = None,
    keys: Mapping[int, Collection[str]] | None = None,
) -> dict[int, Flag]:
    """``{photo_id: flag}`` for the frames nobody decided on, best rank first in ``ranked``.

    A bracket, panorama or focus stack is kept whole: no automatic mark (an earlier one is
    taken back).  A burst gets its pick (``first_not_rejected``); its other frames are
    rejected when the scheme rejects others and ``may_reject_others`` allows it (not a
    ``possible_kind``, not a pick below ``SURE``), whatever a person marked in it, except
    copies of the pick and of a photo a person kept or ``held`` (``same_photo_keys`` by
    photo id): an earlier automatic reject is taken back when the rule no longer
    allows it."""
    best = series_pick(ranked, kind, keys)
    rejecting = (
        best is not None
        and XmpScheme(scheme).rejects_others
        and may_reject_others(kind, kind_reason, confidence)
    )
    ids = [photo_id for photo_id, _state in ranked]
    states = [state for _photo_id, state in ranked]
    in_order = [(keys or {}).get(photo_id, ()) for photo_id in ids]
    twins = never_rejected(ids, best, states, in_order, held)
    wanted: dict[int, Flag] = {}
    for photo_id, state in ranked:
        if state.is_user:
            continue
        if photo_id in held:
            wanted[photo_id] = Flag.NONE
        elif photo_id == best:
            wanted[photo_id] = Flag.PICK
        else:
            wanted[photo_id] = Flag.REJECT if rejecting and photo_id not in twins else Flag.NONE
    return wanted
