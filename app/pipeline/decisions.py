"""Stage 4: the automatic decisions, which never touch a mark a person made.

The best frame of each burst is picked; with ``reject_others`` the other frames are
rejected (the ``decisions`` scheme only keeps the automatic marks out of the sidecars).
Brackets, panoramas and focus stacks are kept whole: no automatic mark at all (an earlier
automatic one is taken back), so nothing of them is rejected or moved.  A burst that may be
one of them (weak evidence, ``possible_kind``) gets its pick but no rejects.  A photo that
carries a person's decision (made in this app, or a rating or label taken from a sidecar
another application wrote) is left as it is: never picked, rejected or moved automatically.
The catalog enforces this too (``set_decision`` ignores an automatic decision over a user
one); this stage also counts such photos for the summary.  A *held* photo (marks that cannot
be read, or sources that disagree) gets no automatic mark either, and an earlier automatic
one is taken back, so no later move takes it as a reject.
"""

from __future__ import annotations

from collections.abc import Collection

from app.catalog import Catalog, DecisionSource, Flag
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
    kept = 0
    for s in series:
        # a bracket, panorama or focus stack is kept whole: no pick, no reject
        best = None
        if len(s.members) > 1 and not s.kept_whole:
            ranked = sorted(s.members, key=lambda m: m.rank)
            best = first_not_rejected((m.photo_id, current[m.photo_id]) for m in ranked)
        for member in s.members:
            state = current[member.photo_id]
            if state.is_user:
                kept += best is not None
                continue
            if member.photo_id in held:
                wanted = Flag.NONE
            elif member.photo_id == best:
                wanted = Flag.PICK
            elif best is not None and XmpScheme(scheme).rejects_others and not s.possible_kind:
                wanted = Flag.REJECT
            else:
                wanted = Flag.NONE
            if state.flag is wanted:
                continue
            catalog.set_decision(member.photo_id, flag=wanted, source=DecisionSource.AUTO)
    return kept
