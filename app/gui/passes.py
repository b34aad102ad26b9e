"""The technical ranking at once, FGAesQ's series by series: how a window's cull ranks.

FGAesQ compares the frames of a burst with each other, seconds per burst on a laptop's
CPU; the technical scorer ranks a card at the pace it is read.  So when the model asked
for is not the technical scorer, the window's one cull ranks every stretch of the card
with the technical scorer as soon as it is read (its measures taken in the same decode),
while the model ranks the same stretches behind the reading in a stage of its own
(``app.pipeline.model_stage``); the model's scores replace the technical ones series by
series as they are stored (the window shows each photo's newest score).  The photographer
starts culling while the model runs.  The technical ranking decides nothing: the automatic
marks, sidecars and moves are the model's, at the end of the cull.
"""

from __future__ import annotations

from app.options import CullOptions, ScorerName


def technical_first(options: CullOptions) -> bool:
    """Whether the window's cull shows the technical ranking until the model's replaces it."""
    return options.scorer is not ScorerName.TECHNICAL
