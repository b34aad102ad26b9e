"""The technical ranking at once, FGAesQ's series by series: the passes a window's cull makes.

FGAesQ compares the frames of a burst with each other, seconds per burst on a laptop's
CPU; the technical scorer ranks a card at the pace it is read.  So the window culls twice
when the model asked for is not the technical scorer: first with the technical scorer
(reading every photo once, which the second pass reuses from the catalog), so every
series is grouped and ranked as soon as the card is read; then with the model asked for,
whose scores replace the technical ones series by series as they are stored (the window
shows each photo's newest score).  The photographer starts culling while the model runs.
The first pass writes no sidecar and moves nothing: what it suggests is provisional.
"""

from __future__ import annotations

from dataclasses import replace

from app.options import CullOptions, ScorerName


def cull_passes(options: CullOptions) -> list[CullOptions]:
    """The runs of one cull in the window, in order (the last is the one asked for)."""
    if options.scorer is ScorerName.TECHNICAL:
        return [options]
    quick = replace(
        options, scorer=ScorerName.TECHNICAL, weights=None, write_xmp=False, move_rejects=None
    )
    return [quick, options]
