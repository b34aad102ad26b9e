"""How sure a series' pick is: the chance that the pick is the frame a photographer would keep.

Scorer-agnostic: the result carries one number in [0, 1] per series, whatever ranked it.  A
scorer with a calibration here turns the scores of a series into it (the technical scorer:
its scores are costs in stops, so the margin of the pick over the runner-up, against the
spread of the burst, says how clear the choice was; the logistic mapping was fitted on the
``optics`` bursts of ``benchmarks/pick_eval.py`` and is reported on the held-out ``sensor``
bursts in docs/pipeline.md).  A scorer without one gives ``None`` (unknown).  Face and eye
certainty lower it (:func:`pick_confidence`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from app.scoring.technical import quality_of_score

_DECADES_PER_STOP = math.log10(2.0)
# Fitted on the tuning bursts (pick_eval.py --fit): logit = A + B * log2(margin) + C * share.
_TECHNICAL = (0.0, 1.0, 0.0)
_MARGIN_FLOOR = 1 / 64  # stops: margins below count as this


def margin_features(scorer: str, scores: Sequence[float]) -> tuple[float, float]:
    """(log2 of the best frame's margin over the runner-up in stops, that margin's share of
    the burst's spread: the gap between the best and the median other frame)."""
    qualities = sorted((quality_of_score(s) for s in scores), reverse=True)
    gaps = [(qualities[0] - q) / _DECADES_PER_STOP for q in qualities[1:]]
    margin = max(gaps[0], _MARGIN_FLOOR)
    spread = max(sorted(gaps)[len(gaps) // 2], _MARGIN_FLOOR)
    return math.log2(margin), margin / spread


def score_confidence(scorer: str, scores: Sequence[float]) -> float | None:
    """The chance that the best-scoring frame is the right pick, from the scores alone;
    1 for a single frame, ``None`` for a scorer with no calibration."""
    if len(scores) < 2:
        return 1.0
    if scorer != "technical":
        return None
    log_margin, share = margin_features(scorer, scores)
    a, b, c = _TECHNICAL
    return 1.0 / (1.0 + math.exp(-(a + b * log_margin + c * share)))
