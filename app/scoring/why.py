"""Why the pick beat the runner-up: where the two frames differ and what it cost the loser.

The technical scorer judges whole frames (:mod:`app.scoring.burst`); to show a photographer
*where* the pick is better, the same measures are compared tile by tile (32 px at the
analysis size, :mod:`app.scoring.frame_measures`):

* **Blur**: detail lost over windows of 3 x 3 tiles, on the halved frame (where grain
  counts for little) and at full size (where a blur costs most), in stops, beyond what the
  runner-up lost everywhere (a frame blurred all over has no region).
* **Noise**: extra gradient energy that keeps under half of itself on the halved frame, as
  grain does (:func:`app.scoring.burst._noise_energy`), beyond the frame-wide level.
* **Highlights**: the blown-out fraction the runner-up has beyond the pick, where the two
  frames share their exposure (a brighter frame blows out wherever the scene is bright:
  that is exposure, not a place).

Frames of a hand-held burst are shifted a little, so detail is compared over windows of
tiles (a few pixels of shift move little of a window's detail out of it) and blown-out
areas against the other frame's neighbourhood.  Tiles that cost the runner-up more than ``TILE_THRESHOLD`` stops
are joined into regions; each region is given the share of the score difference its tiles
account for.  When no region stands out the sentence names the frame-wide measure that
differed most, or the near tie the subject's outline broke (the burst judgement's own
call: :func:`app.scoring.motion.outline_tie_costs`), or says the pick won on overall
judgement; nothing is made up.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image
from scipy import ndimage

from app.scoring.burst import (
    EXPOSURE_STEP,
    GAMMA,
    HIGHLIGHT_COST,
    NOISE_ALLOWANCE,
    NOISE_COST,
    SHADOW_COST,
    _neighbourhood_max,
    _noise_energy,
    highlight_cost,
    judge_burst,
    same_sensor_noise,
    stops_between,
)
from app.scoring.frame_measures import TILE, FrameMeasures, analysis_image, measure_frame
from app.scoring.technical import PLACE_SHARE, TechnicalMeasures

TILE_THRESHOLD = 0.5  # stops a tile must cost the runner-up to belong to a region
MAX_REGIONS = 3
MIN_REGION_TILES = 3  # fewer tiles: a stray tile of grain or of a shifted edge, not a place
DETAIL_SHARE = 0.25  # tiles with less coarse detail than this share of the median: no blur
HIGHLIGHT_TILE_SCALE = 0.05  # blown fraction of a tile that costs HIGHLIGHT_COST per doubling
FLAT_SHARE = 0.05  # tiles with less coarse detail than this share of the 90th percentile: flat
CLIPPED_TILE = 0.02  # blown fraction of a tile beyond which its detail is the exposure's
CRUSHED_TONE = 0.05  # mean luma below which a tile's detail is lost to black
SHADOW_TONE = 0.3  # mean luma below which noise is "in the shadows"
GLOBAL_MINIMUM = 0.25  # stops of frame-wide cost difference worth a sentence
MOTION_MINIMUM = 0.3  # stops of directional loss beyond the pick's: motion blur

FLAW_PHRASES = {
    "blur": "sharper",
    "motion": "less motion blur",
    "noise": "less noise",
    "highlights": "highlights not clipped",
    "closed_eyes": "eyes open",
}
OVERALL = "won on overall judgement"
# The runner-up is clearly sharper in another place (a focus or a subject that moved), which
# the confidence doubts too (app.scoring.technical.PLACE_SHARE): which place matters is the
# photographer's, so the sentence does not call the pick's place the subject.
FOCUS_MOVED = "sharper here, but less sharp elsewhere: the focus moved"
# The burst judgement broke a tie on the subject's outline (app.scoring.motion.outline_tie_costs).
OUTLINE_TIE = "a near tie, won on its moving subject's outline: less smeared"
MODEL_OVERALL = "won on the model's overall judgement"
MODEL_REGION = "the model preferred it in the marked region"


@dataclass(frozen=True)
class WhyRegion:
    """A place where the pick beat the runner-up."""

    box: tuple[float, float, float, float]  # x, y, width, height in the original's pixels
    score_difference: float  # the part of the pick's score lead this region accounts for
    flaw: str  # what the runner-up has there: "blur", "noise", "highlights", "closed_eyes"

    def to_json(self) -> dict:
        return {
            "box": [round(v, 1) for v in self.box],
            "score_difference": round(self.score_difference, 4),
            "flaw": self.flaw,
        }


@dataclass(frozen=True)
class Why:
    """Why the pick is ahead of the runner-up: the regions, best first, and one sentence;
    where the focus moved (:data:`FOCUS_MOVED`), ``elsewhere``: the place where the
    runner-up is the sharper frame, so a photographer can see which of the two places the
    pick traded, and judge which one is the subject."""

    pick: str  # relative paths, as the report gives them
    runner_up: str
    regions: tuple[WhyRegion, ...]
    sentence: str
    elsewhere: tuple[float, float, float, float] | None = None  # x, y, w, h: original's pixels

    def to_json(self) -> dict:
        return {
            "pick": self.pick,
            "runner_up": self.runner_up,
            "regions": [r.to_json() for r in self.regions],
            "sentence": self.sentence,
            "elsewhere": None if self.elsewhere is None else [round(v, 1) for v in self.elsewhere],
        }

    @classmethod
    def from_json(cls, data) -> Why:
        """The explanation :meth:`to_json` wrote, read as the catalog's is (:func:`stored_why`:
        what is not sound is left out); ValueError where ``data`` is no explanation."""
        checked = stored_why(data)
        if checked is None:
            raise ValueError(f"not an explanation: {data!r:.80}")
        return cls(
            checked["pick"],
            checked["runner_up"],
            tuple(
                WhyRegion(tuple(r["box"]), r["score_difference"], r["flaw"])
                for r in checked["regions"]
            ),
            checked["sentence"],
            None if checked["elsewhere"] is None else tuple(checked["elsewhere"]),
        )


def box_or_none(value) -> tuple[float, float, float, float] | None:
    """A box ``[x, y, w, h]`` read back from JSON (a catalog is input too): four finite
    numbers, the sides positive, or None."""
    if not isinstance(value, list | tuple) or len(value) != 4:
        return None
    try:
        box = tuple(float(v) for v in value)
    except (TypeError, ValueError):
        return None
    if not all(math.isfinite(v) for v in box) or box[2] <= 0 or box[3] <= 0:
        return None
    return box


def stored_why(value) -> dict | None:
    """An explanation read back from a catalog (input too: a damaged or hand-edited one must
    not break the window or the report), in :meth:`Why.to_json`'s form, or None when it is
    not one: the names and the sentence must be text; a region whose box or score is not a
    number is left out, and so is an ``elsewhere`` that is not a box."""
    if not isinstance(value, dict):
        return None
    texts = [value.get(key) for key in ("pick", "runner_up", "sentence")]
    if not all(isinstance(text, str) and text for text in texts):
        return None
    regions = []
    for region in value.get("regions") if isinstance(value.get("regions"), list) else ():
        box = box_or_none(region.get("box")) if isinstance(region, dict) else None
        difference = region.get("score_difference") if box is not None else None
        if not isinstance(difference, int | float) or not math.isfinite(difference):
            continue
        flaw = region.get("flaw")
        regions.append(
            {
                "box": list(box),
                "score_difference": float(difference),
                "flaw": flaw if isinstance(flaw, str) else "",
            }
        )
    elsewhere = box_or_none(value.get("elsewhere"))  # absent before it existed
    return {
        "pick": texts[0],
        "runner_up": texts[1],
        "regions": regions,
        "sentence": texts[2],
        "elsewhere": None if elsewhere is None else list(elsewhere),
    }


@dataclass(frozen=True)
class TileCosts:
    """What each tile cost the runner-up against the pick, in stops, per flaw."""

    blur: np.ndarray
    noise: np.ndarray
    highlights: np.ndarray
    tone: np.ndarray  # the pick's mean luma per tile

    @property
    def total(self) -> np.ndarray:
        return self.blur + self.noise + self.highlights


def tile_costs(
    pick: FrameMeasures, runner_up: FrameMeasures, isos: Sequence[int | None] | None = None
) -> TileCosts | None:
    """Per-tile costs of the runner-up against the pick; None when the two frames were not
    measured on the same grid (different sizes) or without tile maps.  Frames that share
    their sensor noise (``isos``, the camera's: :func:`app.scoring.burst.same_sensor_noise`)
    cost no grain against each other."""
    shapes = {pick.fine_map.shape, runner_up.fine_map.shape, pick.coarse_map.shape}
    shapes |= {runner_up.coarse_map.shape}
    if len(shapes) != 1 or pick.tone_map is None or runner_up.tone_map is None:
        return None
    if pick.fine_map.shape == (1, 1):
        return None
    stops = stops_between(pick, runner_up)
    # The runner-up's energies at the pick's level.  Detail scales with exposure, but what
    # is close to flat (quantisation, faint grain) hardly does: where exposures differ,
    # a tile's loss must hold at both levels to count.
    scales = {1.0 / (2.0 ** (stops / GAMMA)) ** 2}
    if abs(stops) > EXPOSURE_STEP:
        scales.add(1.0)
    coarse_p = pick.coarse_map
    # Blur: detail the runner-up lacks over a window of 3 x 3 tiles (a few pixels of shift
    # move little of a window's detail out of it), on the halved frame and at full size.
    # A frame mostly flat (sky, a studio wall) has a median of next to nothing: its flat
    # tiles are measured against the detail it does have.
    floor = max(
        float(np.median(coarse_p)) * DETAIL_SHARE,
        float(np.percentile(coarse_p, 90)) * FLAT_SHARE,
        1e-6,
    )
    loss = np.minimum.reduce([_detail_loss(pick, runner_up, scale, floor) for scale in scales])
    detailed = coarse_p > floor
    if abs(stops) > EXPOSURE_STEP and pick.clip_map is not None and runner_up.clip_map is not None:
        # Exposures differ: detail lost to white or black there is exposure, not a place.
        clipped = _neighbourhood_max(np.maximum(pick.clip_map, runner_up.clip_map)) > CLIPPED_TILE
        toned = np.minimum(pick.tone_map, runner_up.tone_map * 2.0 ** (-stops / GAMMA))
        detailed &= ~clipped & (toned > CRUSHED_TONE)
    loss = np.where(detailed, loss, 0.0)
    blur = np.maximum(loss - max(float(np.median(loss[detailed])) if detailed.any() else 0, 0), 0)
    noise = np.minimum.reduce([_noise_cost(pick, runner_up, scale) for scale in scales])
    grain = noise
    if same_sensor_noise(isos, np.array([0.0, stops])):
        noise = np.zeros_like(noise)
    # Highlights: only where both frames share their exposure.
    highlights = np.zeros_like(blur)
    if abs(stops) <= EXPOSURE_STEP and pick.clip_map is not None and runner_up.clip_map is not None:
        extra = np.maximum(runner_up.clip_map - _neighbourhood_max(pick.clip_map), 0.0)
        highlights = HIGHLIGHT_COST * 4 * np.log2(1.0 + extra / HIGHLIGHT_TILE_SCALE)
        # Grain pushes single pixels past white; a blown highlight is flat, not grainier.
        highlights = np.where(grain > 0, 0.0, highlights)
    return TileCosts(blur, noise, highlights, pick.tone_map)


def _detail_loss(
    pick: FrameMeasures, runner_up: FrameMeasures, scale: float, floor: float
) -> np.ndarray:
    """Stops of detail the runner-up (its energies times ``scale``) lacks per window."""
    coarse = np.log2(
        (_window(pick.coarse_map) + floor) / (_window(runner_up.coarse_map * scale) + floor)
    )
    fine = np.log2((_window(pick.fine_map) + floor) / (_window(runner_up.fine_map * scale) + floor))
    # Grain in the pick raises only its full-size detail: that part counts up to the
    # halved frame's loss, so a blur (which costs most at full size) counts in full.
    return (coarse + np.minimum(fine, 2 * np.maximum(coarse, 0))) / 2


def _noise_cost(pick: FrameMeasures, runner_up: FrameMeasures, scale: float) -> np.ndarray:
    """Stops the runner-up's grain costs per tile: energy beyond the pick's at the same
    place that the halved frame keeps under half of (a shifted texture keeps as much
    there, and is as often ahead as behind)."""
    extra_fine = runner_up.fine_map * scale - pick.fine_map
    extra_coarse = runner_up.coarse_map * scale - pick.coarse_map
    energy = np.vectorize(_noise_energy, otypes=[float])(extra_fine, extra_coarse)
    sigma = np.sqrt(np.maximum(energy, 0.0) / 2.0)
    sigma = sigma - float(np.median(sigma))
    return NOISE_COST * np.maximum(sigma - NOISE_ALLOWANCE, 0.0)


def explain(
    pick: FrameMeasures,
    runner_up: FrameMeasures,
    *,
    names: tuple[str, str],
    score_difference: float,
    source_size: tuple[int, int] | None = None,
    pick_faces: Sequence = (),
    closed_eye_faces: Sequence = (),
    isos: Sequence[int | None] | None = None,
) -> Why:
    """Why ``pick`` beat ``runner_up`` (technical measures of the two frames).

    ``source_size`` is the original's (width, height), so boxes come out in its pixels;
    ``pick_faces`` and ``closed_eye_faces`` are (x, y, w, h) boxes in those pixels, of the
    pick's faces and of the runner-up's faces with closed eyes (the pick won on open eyes);
    ``isos``, the camera's for the two frames where it recorded them.
    """
    height, width = pick.shape
    factor = (source_size[0] / width) if source_size else 1.0
    if closed_eye_faces:
        share = score_difference / len(closed_eye_faces)
        regions = tuple(
            WhyRegion(tuple(float(v) for v in box[:4]), share, "closed_eyes")
            for box in closed_eye_faces
        )
        return Why(names[0], names[1], regions, FLAW_PHRASES["closed_eyes"])
    costs = tile_costs(pick, runner_up, isos)
    regions = () if costs is None else _regions(costs, factor, score_difference)
    if not regions:
        return Why(names[0], names[1], (), _overall(pick, runner_up, isos))
    sentence = _sentence(regions[0], costs, factor, pick, runner_up, pick_faces)
    return Why(
        names[0],
        names[1],
        regions,
        sentence,
        _elsewhere(pick, runner_up, factor, isos) if sentence == FOCUS_MOVED else None,
    )


def _elsewhere(
    pick: FrameMeasures,
    runner_up: FrameMeasures,
    factor: float,
    isos: Sequence[int | None] | None = None,
) -> tuple[float, float, float, float] | None:
    """Where the runner-up is the sharper frame (its best blur region against the pick, in
    the original's pixels by ``factor``), or None where no such region stands out."""
    swapped = None if isos is None else (isos[1], isos[0])
    costs = tile_costs(runner_up, pick, swapped)
    if costs is None:
        return None
    found = [r for r in _regions(costs, factor, 1.0) if r.flaw == "blur"]
    return found[0].box if found else None


def explain_series(
    measures: Sequence,
    order: Sequence[int],
    scores: Sequence[float],
    names: Sequence[str],
    faces: Sequence[Sequence] | None = None,
    pick_reason: str = "score",
) -> Why | None:
    """Why the first frame of ``order`` beat the second, from the technical scorer's measures
    (:class:`app.scoring.technical.TechnicalMeasures`) of a series; None for a single frame.

    ``faces`` per frame: (x, y, w, h, eyes, ...) in the original's pixels; when the pick won
    on open eyes (``pick_reason``), the runner-up's closed-eye faces are the regions.
    """
    if len(order) < 2:
        return None
    first, second = order[0], order[1]
    faces = faces or [()] * len(measures)
    closed = ()
    if pick_reason in ("eyes_open", "fewest_closed_eyes"):  # the eyes decided, not a doubt
        closed = [f[:4] for f in faces[second] or () if str(f[4]) == "closed"]
    return explain(
        measures[first].frame,
        measures[second].frame,
        names=(names[first], names[second]),
        score_difference=float(scores[first]) - float(scores[second]),
        source_size=measures[first].source_size,
        pick_faces=[f[:4] for f in faces[first] or ()],
        closed_eye_faces=closed,
        isos=(measures[first].iso, measures[second].iso),
    )


def pick_why(
    frames: Sequence | None,
    order: Sequence[int],
    scores: Sequence[float],
    names: Sequence[str],
    faces: Sequence[Sequence] | None,
    pick_reason: str,
    stored: dict | None = None,
    explain: Callable[..., Why] | None = None,
) -> dict | None:
    """The JSON explanation of a series' pick: from the technical measures of a series just
    scored (``frames``), or from ``explain(pick, runner_up, names, pick_faces)`` (the FGAesQ
    scorer's, on the decoded frames) when it is asked for; else the one stored for the same
    pick and runner-up (an unchanged rerun, or one explained on demand); None when there is
    none (one frame, or a model's pick not explained)."""
    if len(order) < 2:
        return None
    first, second = order[0], order[1]
    if frames is not None:
        if all(isinstance(f, TechnicalMeasures) for f in frames):
            why = explain_series(frames, order, scores, names, faces, pick_reason)
            return why.to_json() if why is not None else None
        if explain is None:
            return None
        pick_faces = [f[:4] for f in (faces or [()] * len(frames))[first] or ()]
        why = explain(frames[first], frames[second], (names[first], names[second]), pick_faces)
        return why.to_json()
    stored = stored_why(stored)
    if stored and (stored["pick"], stored["runner_up"]) == (names[first], names[second]):
        return stored
    return None


def explain_with_model(
    scorer,
    pick: Image.Image,
    runner_up: Image.Image,
    names: tuple[str, str],
    source_size: tuple[int, int] | None = None,
    pick_faces: Sequence = (),
) -> Why:
    """Why FGAesQ preferred ``pick``: its decisive DiffToken regions, weighed by swapping them
    between the frames (:func:`fgaesq_core.attribution.decisive_regions`), in the original's
    pixels (``source_size``; ``pick_faces`` in them too); a few dozen forward passes per
    pair, so only when asked for.

    The sentence names the flaw the technical measures find inside the top region; where
    they find none it says that the model judged the region.  Without a decisive region, or
    when the pair's one fixed tokenisation does not prefer the pick (the ranking's averaged
    draws did), the pick won on the model's overall judgement: nothing is made up.
    """
    from fgaesq_core.attribution import decisive_regions

    found = decisive_regions(scorer, pick, runner_up)
    factor = source_size[0] / pick.width if source_size else 1.0
    size = max(pick.size)
    first = measure_frame(analysis_image(pick, size))
    second = measure_frame(analysis_image(runner_up, size))
    costs = tile_costs(first, second)
    regions = []
    for effect in found.regions[:MAX_REGIONS] if found.lead > 0 else ():
        box = tuple(v * factor for v in effect.box)
        regions.append(WhyRegion(box, effect.effect, _flaw_in(costs, effect.box) or "model"))
    if not regions:
        return Why(names[0], names[1], (), MODEL_OVERALL)
    top = regions[0]
    if top.flaw == "model":
        sentence = MODEL_REGION
    else:
        sentence = _sentence(top, costs, factor, first, second, pick_faces)
    elsewhere = _elsewhere(first, second, factor) if sentence == FOCUS_MOVED else None
    return Why(names[0], names[1], tuple(regions), sentence, elsewhere)


def _flaw_in(costs: TileCosts | None, box: Sequence[float]) -> str | None:
    """The flaw whose tiles cost the runner-up most inside ``box`` (the measured frame's
    pixels), if any tile there is beyond the threshold."""
    if costs is None:
        return None
    x, y, w, h = box
    rows = slice(int(y // TILE), max(int(y // TILE) + 1, math.ceil((y + h) / TILE)))
    cols = slice(int(x // TILE), max(int(x // TILE) + 1, math.ceil((x + w) / TILE)))
    inside = {
        k: float(getattr(costs, k)[rows, cols].sum()) for k in ("blur", "noise", "highlights")
    }
    flaw = max(inside, key=inside.get)
    return flaw if float(costs.total[rows, cols].max(initial=0.0)) > TILE_THRESHOLD else None


def _regions(costs: TileCosts, factor: float, score_difference: float) -> tuple[WhyRegion, ...]:
    total = costs.total
    # Hysteresis: a region starts at a tile beyond the threshold and takes in its neighbours
    # beyond a third of it, so it covers the flaw rather than its worst tile.
    labels, count = ndimage.label(total > TILE_THRESHOLD / 3, structure=np.ones((3, 3)))
    seeds = np.bincount(labels[total > TILE_THRESHOLD], minlength=count + 1)
    sizes = np.bincount(labels.ravel(), minlength=count + 1)
    kept = np.flatnonzero((seeds > 0) & (sizes >= MIN_REGION_TILES))
    labels = np.where(np.isin(labels, kept[kept > 0]), labels, 0)
    if not labels.any():
        return ()
    labels, count = ndimage.label(labels > 0, structure=np.ones((3, 3)))
    weights = ndimage.sum(total, labels, index=np.arange(1, count + 1))
    overall = float(total[total > 0].sum())
    found = []
    for label in np.argsort(-weights)[:MAX_REGIONS] + 1:
        rows, cols = ndimage.find_objects((labels == label).astype(int))[0]
        inside = labels == label
        flaw = max(
            ("blur", "noise", "highlights"), key=lambda k: float(getattr(costs, k)[inside].sum())
        )
        box = (
            cols.start * TILE * factor,
            rows.start * TILE * factor,
            (cols.stop - cols.start) * TILE * factor,
            (rows.stop - rows.start) * TILE * factor,
        )
        share = float(total[inside].sum()) / overall if overall > 0 else 0.0
        found.append(WhyRegion(box, score_difference * share, flaw))
    return tuple(found)


def _sentence(
    top: WhyRegion,
    costs: TileCosts,
    factor: float,
    pick: FrameMeasures,
    runner_up: FrameMeasures,
    faces: Sequence,
) -> str:
    if top.flaw == "blur":
        if any(_overlaps(top.box, face[:4]) for face in faces):
            return "sharper on the face"
        pick_verdict, runner_verdict = judge_burst([pick, runner_up])
        if runner_verdict.motion - pick_verdict.motion > MOTION_MINIMUM:
            return FLAW_PHRASES["motion"]
        if pick_verdict.outdone_places[1] >= PLACE_SHARE:
            return FOCUS_MOVED
        return "sharper on the subject"
    if top.flaw == "noise":
        x, y, w, h = (v / (TILE * factor) for v in top.box)
        rows, cols = slice(round(y), round(y + h)), slice(round(x), round(x + w))
        dark = float(np.mean(costs.tone[rows, cols])) < SHADOW_TONE
        return "less noise in the shadows" if dark else FLAW_PHRASES["noise"]
    return FLAW_PHRASES[top.flaw]


def _overall(
    pick: FrameMeasures, runner_up: FrameMeasures, isos: Sequence[int | None] | None = None
) -> str:
    """The frame-wide measure that cost the runner-up most; where none stands out, the tie
    the outlines broke, or the overall judgement."""
    pick_verdict, runner_verdict = judge_burst([pick, runner_up], isos)
    noise = NOISE_COST * (runner_verdict.noise_sigma - pick_verdict.noise_sigma)
    exposure = (
        runner_verdict.headroom
        - pick_verdict.headroom
        + highlight_cost(runner_verdict.highlights)
        - highlight_cost(pick_verdict.highlights)
        + SHADOW_COST * (runner_verdict.shadows - pick_verdict.shadows)
    )
    candidates = {
        "sharper overall": runner_verdict.blur - pick_verdict.blur,
        "less noise overall": noise,
        "better exposed": exposure,
        "less JPEG blocking": runner_verdict.blocking - pick_verdict.blocking,
    }
    phrase, lead = max(candidates.items(), key=lambda item: item[1])
    if lead > GLOBAL_MINIMUM:
        return phrase
    return OUTLINE_TIE if runner_verdict.outline > pick_verdict.outline else OVERALL


def _window(grid: np.ndarray) -> np.ndarray:
    """Mean over each tile's 3 x 3 neighbourhood."""
    return ndimage.uniform_filter(grid, 3, mode="nearest")


def _overlaps(first: Sequence[float], second: Sequence[float]) -> bool:
    return intersection_over_union(first, second) > 0


def intersection_over_union(first: Sequence[float], second: Sequence[float]) -> float:
    """IoU of two (x, y, w, h) boxes."""
    left, top = max(first[0], second[0]), max(first[1], second[1])
    right = min(first[0] + first[2], second[0] + second[2])
    bottom = min(first[1] + first[3], second[1] + second[3])
    inter = max(right - left, 0.0) * max(bottom - top, 0.0)
    union = first[2] * first[3] + second[2] * second[3] - inter
    return inter / union if union > 0 else 0.0


__all__ = [
    "MODEL_OVERALL",
    "OVERALL",
    "Why",
    "WhyRegion",
    "explain",
    "explain_series",
    "explain_with_model",
    "pick_why",
    "intersection_over_union",
    "tile_costs",
]
