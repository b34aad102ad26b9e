"""A training-free technical scorer: what a photographer checks at 100 %, frame against frame.

In a burst the frames share their content, so the burst is the reference: a frame that is
blurred, shaken, noisier, blown out, darker or more compressed than the others loses
(:mod:`app.scoring.burst`).  A single photo has no reference and gets an absolute score:

* Detail is the gradient energy of the most detailed tiles (the top 2 %), so a sharp subject
  on a blurred background counts as sharp, less the energy of the flattest tiles (what noise
  alone gives), relative to the frame's contrast, so a brighter frame does not look sharper.
* Noise from the flattest tiles; clipped highlights and crushed shadows beyond a small
  allowance; a mild pull towards mid-tone exposure.

Scores lie in [1, 10] like the FGAesQ scale, but only their order within a series matters.
Both paths share one measurement per frame (:mod:`app.scoring.frame_measures`), which the
pipeline runs in its decoding processes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

import numpy as np
from PIL import Image

from app.photos.decode import camera_iso_of, source_size
from app.scoring.burst import FrameVerdict, judge_burst
from app.scoring.frame_measures import (
    TONE_QUANTILES,
    FrameMeasures,
    analysis_image,
    measure_frame,
)

DEFAULT_INPUT_SIZE = 1024
K = TypeVar("K")
# Absolute costs, in decades of relative detail energy (log10).  At 1024 px a crisp frame
# measures about -1 to 0, one defocused by a 2.5 px Gaussian about 2 decades less.
_NOISE_COST = 30.0  # per unit of noise sigma (on a [0, 1] scale)
_CLIP_COST = 4.0  # per unit of weighted clipped fraction beyond the allowance
_STOP_COST = 0.15  # per stop of exposure error beyond the first (at most three counted)
_CLIP_ALLOWANCE = 0.01
_MID_GREY = 0.45
_QUALITY_MID, _QUALITY_SPREAD = -2.2, 0.6  # the logistic map of quality to [1, 10]
_DECADES_PER_STOP = math.log10(2.0)  # burst costs are in stops of detail energy
DOUBTED_MARGIN = 1 / 16  # stops: the most a doubted pick's scores show it ahead
# The pick's lead as its scores show it (_trusted_lead); set on the true bursts of darkroom,
# pick_eval.py's generators, raycast seed 1 and burst_eval.py's held-out scenes
# (docs/pipeline.md, "What the confidence sees").
NOISE_TRUST = 0.25  # of a lead resting on the noise judgement, the share that counts
SHARPEST_STOPS = 0.05  # stops behind the burst's sharpest frame: the pick traded detail
SHARPEST_TRUST = 0.5  # of such a pick's lead, the share that counts
SHOWN_MARGIN_MIN = 1 / 256  # stops: the least lead a pick's scores show (the order stays)
# Of the pair's detail, the share where the other frame is clearly sharper beyond which the
# pick traded one place's detail for another's (burst.places_outdone).  A subject is a small
# part of the frame's detail next to a textured table, wall or floor: against a frame
# focused a little behind it, the frame focused on it is clearly sharper in as little as a
# fifth of the pair's detail.
PLACE_SHARE = 0.2


@dataclass(frozen=True)
class TechnicalMeasures:
    """One frame measured: its absolute judgement and what the burst comparison needs."""

    sharpness: float  # noise-corrected detail energy of the most detailed tiles, per contrast
    noise: float  # noise sigma on a [0, 1] scale, from the flattest tiles
    clipped_highlights: float  # fraction of pixels with a channel blown out
    clipped_shadows: float
    brightness: float  # median luma in [0, 1]
    exposure_stops: float  # median brightness against mid grey, in stops of linear light
    quality: float  # everything weighed, in decades of detail energy
    score: float
    frame: FrameMeasures
    source_size: tuple[int, int] | None = None  # (width, height) of the original photo
    iso: int | None = None  # the camera's, where it recorded one


def measure(image: Image.Image, input_size: int = DEFAULT_INPUT_SIZE) -> TechnicalMeasures:
    """All technical measures of one image (resized so its longer side is ``input_size``)."""
    frame = measure_frame(analysis_image(image, input_size))
    energy = frame.fine.mean(axis=0)  # per quantile, all directions together
    noise_energy = float(energy[0])  # the flattest tiles hold little but noise
    detail = max(float(energy[-1]) - noise_energy, 0.0)
    spread = float(np.interp(0.84, TONE_QUANTILES, frame.luma)) - float(
        np.interp(0.16, TONE_QUANTILES, frame.luma)
    )
    sharpness = detail / max((spread / 2) ** 2, 1e-3)
    noise = math.sqrt(noise_energy / 2.0)
    brightness = float(np.interp(0.5, TONE_QUANTILES, frame.luma))
    clipped = (
        max(frame.clipped_high - _CLIP_ALLOWANCE, 0.0) * 3.0
        + max(frame.clipped_low - _CLIP_ALLOWANCE, 0.0) * 1.5
    )
    # In stops of linear light (gamma about 2.2).  Dark and bright scenes exist, so on its
    # own a frame pays little for it.
    stops = 2.2 * math.log2(max(brightness, 0.01) / _MID_GREY)
    quality = (
        math.log10(sharpness + 1e-7)
        - _NOISE_COST * noise
        - _CLIP_COST * clipped
        - _STOP_COST * min(max(abs(stops) - 1.0, 0.0), 3.0)
    )
    return TechnicalMeasures(
        sharpness,
        noise,
        frame.clipped_high,
        frame.clipped_low,
        brightness,
        stops,
        quality,
        _to_score(quality),
        frame,
        source_size(image),
        camera_iso_of(image),
    )


def _to_score(quality: float) -> float:
    return 1.0 + 9.0 / (1.0 + math.exp(-(quality - _QUALITY_MID) / _QUALITY_SPREAD))


class TechnicalScorer:
    """Scorer protocol implementation; needs no weights and no accelerator.

    ``prepare`` (a picklable function) measures one image; the pipeline runs it in its
    decoding processes, so images never travel between processes and all cores score.
    A burst is judged one way only (no series mode), one series at a time.
    """

    name = "technical"
    weights_id = "technical:v18"
    device = "cpu"
    series_mode = None

    def __init__(self, input_size: int = DEFAULT_INPUT_SIZE) -> None:
        self.input_size = input_size
        self.prepare = partial(measure, input_size=input_size)

    def score(self, images: list[Image.Image]) -> list[float]:
        return self.score_prepared([self.prepare(image) for image in images])

    def rank_series(self, images: list[Image.Image]) -> list[float]:
        return self.rank_prepared([self.prepare(image) for image in images])

    def rank_many(
        self, series: Iterable[tuple[K, list[TechnicalMeasures]]]
    ) -> Iterator[tuple[K, list[float]]]:
        for key, measures in series:
            yield key, self.rank_prepared(measures)

    def score_prepared(self, measures: list[TechnicalMeasures]) -> list[float]:
        return [m.score for m in measures]

    def rank_prepared(self, measures: list[TechnicalMeasures]) -> list[float]:
        """Frames of one scene judged against each other; the best frame keeps its absolute
        score, the others lose what their defects cost against the burst."""
        if len(measures) < 2:
            return self.score_prepared(measures)
        verdicts = judge_burst([m.frame for m in measures], [m.iso for m in measures])
        base = max(m.quality for m in measures)
        costs = _shown_costs(verdicts, [m.quality for m in measures])
        return [_to_score(base - cost * _DECADES_PER_STOP) for cost in costs]


def _shown_costs(
    verdicts: list[FrameVerdict], qualities: Sequence[float] | None = None
) -> list[float]:
    """The burst's costs as its scores show them: the pick's lead over the runner-up is the
    lead the judgement is sure of (:func:`_trusted_lead`, and no more than DOUBTED_MARGIN
    where each frame judged alone, by ``qualities``, says otherwise:
    :func:`_judged_alone_against`), every frame's cost against the pick scaled alike, so the
    order stays; the confidence read from the scores (:mod:`app.scoring.confidence`) says
    how sure the pick is."""
    costs = [v.cost for v in verdicts]
    best = min(range(len(costs)), key=costs.__getitem__)
    lead = min((c - costs[best] for k, c in enumerate(costs) if k != best), default=0.0)
    if lead <= SHOWN_MARGIN_MIN:
        return costs
    trusted = _trusted_lead(verdicts, best)
    if qualities is not None and _judged_alone_against(qualities, best, trusted):
        trusted = min(trusted, DOUBTED_MARGIN)
    shown = min(max(trusted, SHOWN_MARGIN_MIN), lead)
    factor = shown / lead
    return [costs[best] + (c - costs[best]) * factor for c in costs]


def _trusted_lead(verdicts: list[FrameVerdict], best: int) -> float:
    """How far ahead of every other frame the pick is on the calls the judgement makes
    reliably, in stops.  Against each frame, the part of the lead that rests on the noise
    judgement counts for NOISE_TRUST of itself (grain and fine texture are its most
    confused call), and so does the part the camera's ISO gave the pick by taking its
    extra fine energy for texture (``FrameVerdict.grain_exempted``: the same call, made
    the other way).  Against a frame too blurred to judge the pick's JPEG grid against, the
    lead counts less what that grid would cost (its edges are detail to the sorted energies
    too: ``FrameVerdict.unjudged_grid``).  Against a frame clearly sharper than the pick in
    PLACE_SHARE or more of the pair's detail (``FrameVerdict.outdone_places``: a focus or a
    subject that moved), the lead in detail does not count: the pick is sharper elsewhere,
    and which place matters is the photographer's.  A pick that is not the burst's sharpest
    frame (by more than SHARPEST_STOPS) won a trade of detail for other costs: its lead
    counts for SHARPEST_TRUST of itself.  Where its own detail lead may rest on grain (two
    measures of detail disagree, :func:`app.scoring.burst.detail_doubted`), or its lead over
    a frame exposed differently on the scene's intended key alone (``key_doubt``: how dark a
    dark scene should be), it is at most DOUBTED_MARGIN."""
    pick = verdicts[best]
    trusted = min(_trusted_against(pick, v, k) for k, v in enumerate(verdicts) if k != best)
    if pick.blur - min(v.blur for v in verdicts) > SHARPEST_STOPS:
        trusted *= SHARPEST_TRUST
    if pick.grain_doubt or pick.key_doubt:
        trusted = min(trusted, DOUBTED_MARGIN)
    return trusted


def _trusted_against(pick: FrameVerdict, other: FrameVerdict, index: int) -> float:
    """The pick's lead over one other frame (``index`` in the burst) less what rests on the
    calls :func:`_trusted_lead` trusts less: grain (charged, or taken off the pick's charge
    as texture by the camera's ISO), a grid not judged, a trade of places."""
    lead = other.cost - pick.cost
    lead -= (1.0 - NOISE_TRUST) * max(other.grain_cost - pick.grain_cost, 0.0)
    lead -= (1.0 - NOISE_TRUST) * max(pick.grain_exempted - other.grain_exempted, 0.0)
    lead -= _against(pick.unjudged_grid, index)
    if _against(pick.outdone_places, index) >= PLACE_SHARE:
        lead -= max(other.blur - pick.blur, 0.0)
    lead -= max(other.outline - pick.outline, 0.0)  # a tie broken is no lead
    return lead


def _against(values: tuple[float, ...], other: int) -> float:
    """A verdict's value against another frame of its burst (0 where it has none)."""
    return values[other] if other < len(values) else 0.0


def _judged_alone_against(qualities: Sequence[float], best: int, lead: float) -> bool:
    """Whether the frames judged one by one, as single photos are (``quality``: detail per
    contrast, noise, clipping, exposure), put another frame ahead of the burst's pick by at
    least the ``lead`` (stops) the burst comparison gives it.  Two judgements of the same
    frames that contradict each other: the comparison is usually the right one, but a pick
    it is sure of against its own frames' measures was wrong about one time in eleven on
    the tuning sets, against one in seventy otherwise (docs/pipeline.md, "What the
    confidence sees").  Read from the frame measures alone, so it holds whatever rules the
    burst judgement gains."""
    ahead = (max(qualities) - qualities[best]) / _DECADES_PER_STOP
    return ahead > 0.0 and ahead >= lead


def quality_of_score(score: float) -> float:
    """The quality (decades of detail energy) a score stands for: the inverse of the logistic
    map, so score differences in a burst read again as costs."""
    share = min(max((score - 1.0) / 9.0, 1e-15), 1.0 - 1e-15)
    return _QUALITY_MID + _QUALITY_SPREAD * math.log(share / (1.0 - share))
