"""How sure a series' pick is: the chance that the pick is the frame a photographer would keep.

Scorer-agnostic: the result carries one number in [0, 1] per series, whatever ranked it.  A
scorer with a calibration here turns the scores of a series into it (the technical scorer:
its scores are costs in stops, so the margin of the pick over the runner-up, against the
spread of the burst, says how clear the choice was; its reliability on generators it was
not fitted on is in docs/pipeline.md).  The scores show what the scorer saw: the lead they
show is the lead it is sure of, less where it rests on the noise judgement, on a JPEG grid
of the pick's that was not judged against the frame it leads, or on detail where that frame
is clearly sharper in another part of the picture, where the pick traded detail for other
costs, where two measures of detail disagree, or where the pick beats a frame exposed
differently only on how dark or bright the scene is meant to be
(``app.scoring.technical._trusted_lead``), and no more than a doubted pick's where the
frames judged one by one, as single photos, put another frame ahead by as much
(``app.scoring.technical._judged_alone_against``), so the window, which has the stored
scores only, reads the same confidence.  A scorer without a calibration gives ``None``
(unknown).  Face and eye certainty lower it (:func:`pick_confidence`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol

from app.scoring.technical import quality_of_score

_DECADES_PER_STOP = math.log10(2.0)
# logit = A + B * log2(margin) + C * share, on the margin the technical scorer's scores show
# (the lead it is sure of: technical._trusted_lead, and no more than a doubted pick's where
# the frames judged alone say otherwise: technical._judged_alone_against).  A and B fitted
# on the true bursts of darkroom seeds 1-4, pick_eval.py's optics, sensor and field (seed 1)
# and raycast seed 1 (v12) with C held at v7's (those sets hold no burst of two frames,
# whose share is always 1), then A lowered until their picks at SURE or above were right
# 0.995 of the time: on sets nobody fitted on they run lower (benchmarks/confidence_eval.py,
# docs/pipeline.md, "What the confidence sees").
_TECHNICAL = (2.448, 0.743, 1.143)
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


SURE = 0.8  # a pick this sure or surer needs no second look
UNKNOWN_EYES = 0.5  # at most this sure when a face in the pick has eyes nobody could judge


class _Face(Protocol):
    eyes: str  # "open" | "closed" | "unknown"
    confidence: float  # of the eye state


def pick_confidence(
    scorer: str,
    scores: Sequence[float],
    pick_reason: str = "score",
    pick_faces: Sequence[_Face] | None = None,
    settled: float | None = None,
) -> float | None:
    """How sure the pick of a series is (``None``: the scorer gives no confidence).

    From the scores when they chose the pick; from the eye states when the eyes did (the
    best-scoring frame had a blink): as sure as the least sure eye state of the pick.  A
    pick with a face whose eyes could not be judged, or a group frame where fewer faces were
    found than in another frame of its series, may hide a blink, so it is never sure.
    ``settled``: where the scorer has no calibration but measured how settled its pick is
    on its own draws (FGAesQ's cascade), that chance stands for the scores' confidence.
    """
    confidence = score_confidence(scorer, scores)
    if confidence is None and settled is not None and len(scores) >= 2:
        confidence = settled
    if confidence is None or len(scores) < 2:
        return confidence
    faces = list(pick_faces or ())
    if pick_reason in ("eyes_open", "fewest_closed_eyes"):
        confidence = min((f.confidence for f in faces if f.eyes != "unknown"), default=0.5)
    if pick_reason == "faces_missed" or any(f.eyes == "unknown" for f in faces):
        confidence = min(confidence, UNKNOWN_EYES)
    return confidence
