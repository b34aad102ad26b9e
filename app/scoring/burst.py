"""Judging the frames of one burst against each other, as a photographer flicking through them.

The frames share their content, so where they differ, the difference is a defect.  Every
pair of frames is compared through the distributions of :mod:`app.scoring.frame_measures`:

* **Exposure.**  Matching luma quantiles gives each frame's exposure in stops relative to the
  others; gradient energies are divided by the exposure gain, so a brighter frame does not
  look sharper.  A frame pays for highlights it blows out and shadows it crushes beyond a
  frame exposed less (more), and for headroom: the stops it stays below a brighter frame
  that shows as much without losing detail, or much of its highlights, to clipping.
* **Sharpness.**  Sorted per-tile gradient energies of frame *i* against frame *j* lie on a
  line ``y = a x + b``: a blur scales the detail down (``a < 1``), noise adds a constant
  (``b > 0``).  ``a`` per direction finds motion blur: the energy along the motion is lost,
  across it partly kept.  Where noise or exposure differ, only what the fine scale and the
  halved frame agree on counts, so grain cannot pass for detail, and across exposures a
  little less (a darker frame's grain is amplified when it is brought to the same level).
* **Noise.**  Energy a frame has beyond another everywhere, flat tiles included, that keeps
  under half of itself on the halved frame (grain does; texture a blur or a JPEG removed
  from the other frame does not), beyond what the burst's own texture hides.  Not against
  a frame it is sharper than where the detail its patch shares with the burst confirms
  it: fine texture a slight blur took from the other frame is no grain.
* **Shared detail.**  Detail is in every frame at the same place, grain is not: a frame that
  looks sharper than a less grainy one by its sorted energies must also lead it in the
  detail its patch (a small square of luma around its strongest structure) shares with the
  other frames' patches, once aligned; else the lead is grain, and doubted.
* **Subject motion.**  Where the frames differ by position beyond a hand-held shift (a
  subject that moved), a frame that lost detail there along one direction against a frame
  it can be compared with pays for it (:mod:`app.scoring.motion`).
* **Blocking.**  JPEG's 8 px grid (the steps at its strongest offset against a typical one)
  against the least blocky other frame, judged at equal noise: grain or texture the other
  frame has beyond this one would hide this one's grid too.

All costs are in stops (halvings of detail energy; a stop of exposure counts as one) and add
up; the frame with the smallest cost is the pick.  The constants were set on the tuning
scenes of ``benchmarks/burst_eval.py`` and are reported on its held-out scenes; those v4
changed on the ``optics`` bursts of ``benchmarks/pick_eval.py``, reported on its ``sensor``
bursts; those v8 added or changed (faint grain, exposure above the darkest tones, the shared
exposure weighed by costs, blown tiles in the noise measure) on the darkroom shoots (seeds
1-4), the street shoot (seed 1) and the three generators of ``pick_eval.py``, all of them
looked at before; v9's (unused light measured in the upper tones' separation, a pick
resting on the scene's intended key doubted) on the atelier shoots
(``benchmarks/atelier_bursts.py``, seeds 1-2; seed 3 scored once afterwards), drawn
through a tone curve that rolls highlights off; v10's (the shared detail) on the raycast
shoots (``benchmarks/raycast_bursts.py``, seeds 1-3); v11's (a brighter frame disproves the
shared exposure short of white) on atelier seeds 1-2, darkroom seeds 1-3, raycast seeds 1-2
and the ``optics``, ``sensor`` and ``burst_eval.py`` bursts, reported on atelier seed 3,
darkroom seed 4, raycast seed 3, the street shoot and ``field`` (whose losses added the
flat-scene rule, so only the first four stay held out); v11's subject smeared where the
frames differ on the raycast shoots (seeds 1-3) and the street shoot; v12's texture the
burst shares taken for no grain on the held-out scenes of ``burst_eval.py`` (seed 11),
reported on the other fourteen sets, and its textured white (a plateau that held detail
excuses no clipping) on the street shoot, the only set where it moves a pick.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.scoring.frame_measures import PATCH_MARGIN, PATCH_SIZE, TONE_QUANTILES, FrameMeasures
from app.scoring.motion import outline_tie_costs, subject_smear_costs

GAMMA = 2.2
# Costs in stops.
MOTION_WEIGHT = 0.5  # extra cost per stop the worst direction loses beyond the average
NOISE_COST = 40.0  # per unit of added noise sigma (on a [0, 1] scale)
SHARPER_STOPS = 0.5  # detail on the halved frame beyond which a frame is clearly sharper
PLACE_QUANTILE = 0.75  # of a pair's tiles by detail: those above hold its detail (places_outdone)
NOISE_ALLOWANCE = 0.005  # added noise sigma (at the analysis size) nobody notices
NOISE_COARSE_SHARE = 0.45  # of a sensor noise's gradient energy left on the halved frame
NOISE_COARSE_MIN = 0.2  # grain keeps at least this share
TEXTURE_COARSE_SHARE = 1.0  # of a fine texture's, at least
FLAT_SHARE = 0.15  # of the tiles, the least detailed in every frame, where noise is measured
FLAT_MIN_TILES = 4
BLOWN_TILE = 0.05  # of a tile's pixels blown out: clipping took its grain (specks excepted)
BLURRIER_STOPS = 0.5  # a frame's blocking is judged against frames at most this blurrier
RESIDUAL_ALLOWANCE = 0.0015  # added residual sigma nobody notices
RESIDUAL_COST = 150.0  # per unit of added residual sigma
RESIDUAL_SPREAD = 1.2  # residual sigmas this much above the reference are no added grain
GRAIN_STOP_COST = 1.0  # per doubling of the residual sigma beyond RESIDUAL_SPREAD: grain a
# camera's noise reduction left below RESIDUAL_ALLOWANCE still halves the signal to noise
MASKING = 0.5  # of the flattest texture's sigma, noise below which goes unseen
MASKED_NOISE_COST = 30.0  # per unit of noise sigma texture hides (seen on a closer look)
# Blown highlights cost per doubling of the extra blown fraction beyond HIGHLIGHT_SCALE:
# a small blown area (a face, the sky) is noticed at once, a larger one adds less.
HIGHLIGHT_COST = 0.3
HIGHLIGHT_SCALE = 0.004
SHADOW_COST = 10.0  # per unit fraction of extra crushed pixels
# Stops of detail difference left uncounted per stop of exposure difference: a darker frame
# brought to the same level has amplified grain, which sorted detail reads as a little more.
EXPOSURE_MARGIN = 0.4
HEADROOM_COST = 1.0  # per stop of unused exposure against the best-exposed frame
CLIP_ALLOWANCE = 0.003  # extra clipped fraction nobody notices
HEADROOM_ALLOWANCE = 0.15  # stops of exposure difference nobody notices
EXPOSURE_STEP = 1 / 3  # stops: frames closer than this share their exposure
CONSENSUS_MIN = 3  # frames that share an exposure for it to be the burst's
CONSENSUS_COST = 0.5  # per stop a frame lies off the burst's shared exposure
CONSENSUS_CLIP = 0.01  # blown-out fraction a darker frame holds that disproves the shared one
# A darker frame that blows out more than the least blown one shows its own clipping as a
# plateau, not a white the scene had (_exposure_clipping): by pixels beyond CONSENSUS_CLIP,
# by luma (FrameMeasures.blown, where a warm light's clipped red is 0.3 of a white) beyond
WITNESS_CLIP = 0.005
CONSENSUS_OFF = 1.0  # stops off the shared exposure: a frame nearer is a wobble of it
CONSENSUS_FULL_STOPS = 0.6  # highlights this close to white: a frame exposed as well as can be
BLACK_SURROUND = 0.05  # of a brighter frame crushed to black: a low-key scene's surround
ROLLED_OFF_STOPS = 1.25  # a brighter frame's highlights this close to white: exposed as well
# as a camera whose tone curve rolls its highlights off exposes
WOBBLE_UNUSED = 1.0  # stops: shared highlights nearer white make a smaller step a wobble
FLAT_SCENE_STOPS = 1.5  # tones spanning less (RANGE_FROM to RANGE_TO): a flat scene
HEADROOM_TAIL = 0.5  # the weight of unused stops beyond the first
HEADROOM_CLIP = 0.025  # a brighter frame may blow out this much more and still be better
HEADROOM_DETAIL = 0.25  # stops of detail it may lose
# ... and this much more per stop it is brighter: the darker frame's grain, amplified to the
# same level, reads as detail the brighter one lacks (sorted energies cannot tell them apart)
HEADROOM_DETAIL_PER_STOP = 0.25
HEADROOM_SHARE = 0.2  # ... and no more than this share of its highlights:
HIGHLIGHT_ZONE = 2.0 ** (-3 / GAMMA)  # values within three stops of white
HIGHLIGHT_QUANTILE = 99  # index into FrameMeasures.peak: a frame's highlights
BLOCK_COST = 1.5  # per doubling of JPEG grid steps beyond the burst's least blocky frame
BLOCK_ALLOWANCE = 0.2  # log2 of the step ratio nobody notices
GRAIN_MARGIN = 0.25  # of a frame's grain energy, its scatter from tile to tile
GRAIN_BANDS = 6  # bands of level in which a frame's grain is measured
GRAIN_QUANTILE = 0.25  # of the tiles' energies in a band: the grain
GRAIN_FLOOR = 0.05  # of a frame's grain energy: detail less than this is not seen under it
GRAIN_RATIO = 1.5  # residual sigmas this far apart: one frame is clearly grainier
GRAIN_MIN_TILES = 4 * GRAIN_BANDS  # fewer tiles: a band's quantile is its own tile's detail
_MIN_GAIN_POINTS = 5
EXPOSURE_FROM_QUANTILE = 25  # index into TONE_QUANTILES: exposure is read above this one
# Indices into TONE_QUANTILES: the upper tones, from the median to the highlights, whose
# spread in output levels says how much of its extra light a brighter frame kept.
SEPARATION_FROM, SEPARATION_TO = 50, 99
RANGE_FROM, RANGE_TO = 10, 99  # indices into TONE_QUANTILES: a scene's tonal range
DETAIL_SIGMA = 1.5  # px: the Gaussian whose complement keeps a patch's fine detail
ALIGN_SIGMA = 2.0  # px: patches are aligned on their coarser content, where grain is less
PATCH_EDGE = PATCH_MARGIN  # px of a patch left out of the comparison: what a shift moves in
PATCH_SHAPE = (PATCH_SIZE, PATCH_SIZE)
SHARED_LEAD = 0.5  # stops of detail lead (sorted energies) the shared detail is asked about
SHARED_MARGIN = 0.5  # stops of shared detail a grainier frame must lead by to be sharper
SMEAR_BLUR_MARGIN = 0.25  # stops: a frame blurrier than this shows no other's smeared subject
SMEAR_OTHER_MARGIN = 0.5  # stops of other costs it may have beyond the smeared frame
TEXTURE_BLUR_STOPS = 0.25  # detail lead (sorted energies) over a frame that lost texture
TEXTURE_SHARED_STOPS = 0.4  # ... that the shared detail must confirm
TEXTURE_SHARED_SHARE = 0.5  # correlation of its detail with the burst's: mostly shared
PLATEAU_DETAIL_STOPS = 1.0  # detail a plateau holds where a brighter frame blows it out
# A frame shot this many stops of ISO above another, and clearly grainier, keeps no more of
# its detail lead than what stands above its grain, where the lead exceeds that by
# GRAIN_LIFT_MARGIN stops (_grain_lifted_leads).
GRAIN_ISO_STOPS = 1.0
GRAIN_LIFT_MARGIN = 1.0


@dataclass(frozen=True)
class FrameVerdict:
    """Why a frame ranks where it does; every cost in stops, 0 for the burst's best."""

    exposure_stops: float  # relative to the burst's median frame
    blur: float
    motion: float
    noise_sigma: float
    highlights: float  # extra clipped fraction
    shadows: float
    headroom: float  # stops of exposure left unused against the best-exposed frame
    blocking: float
    cost: float
    # Its detail lead over a clearly less grainy frame was not seen above the grain (not
    # counted: see detail_doubted), so its detail is in doubt.
    grain_doubt: bool = False
    # Doublings of grain sigma against the least grainy comparable frame (see
    # _residual_noise), beyond RESIDUAL_SPREAD, however faint the grain.
    grain_stops: float = 0.0
    # The part of its cost that rests on the scene's intended key: light left unused against
    # a brighter frame, stops off the burst's shared exposure.  A dark scene may be dark on
    # purpose, and nothing in the frames says whether it is.
    keyed: float = 0.0
    # Another frame, exposed differently, would beat it but for those costs: the pick is a
    # judgement of the intended key, worth a second look.
    key_doubt: bool = False
    # The part of its cost that rests on the noise judgement (grain seen, grain texture hides,
    # doublings of grain sigma): where grain and fine texture are hardest to tell apart.
    grain_cost: float = 0.0
    # Per frame of the burst, by index: what the JPEG grid it shows beyond that frame would
    # cost (stops) but was not charged, as that frame is blurrier (see unjudged_grid_costs).
    unjudged_grid: tuple[float, ...] = ()
    # Per frame of the burst, by index: the share of the pair's detail where that frame is
    # clearly sharper than this one (see places_outdone): 0 against itself.
    outdone_places: tuple[float, ...] = ()
    # Stops it pays, tied for the pick, for outlines less steep along the burst's motion than
    # the tied frame's whose are steepest (app.scoring.motion.outline_tie_costs): a tie
    # broken, not a lead the judgement is sure of.
    outline: float = 0.0
    # Stops of grain charge the camera's ISO took off it (frames of one ISO share their
    # grain: same_sensor_noise), a call on grain against texture like grain_cost's.
    grain_exempted: float = 0.0


def judge_burst(
    frames: Sequence[FrameMeasures], isos: Sequence[float | None] | None = None
) -> list[FrameVerdict]:
    """A verdict per frame of one burst (two frames or more); ``isos``, where the camera
    recorded them, say which frames share their sensor noise (:func:`same_sensor_noise`)."""
    count = len(frames)
    stops = _relative_exposures(frames)
    same_noise = same_sensor_noise(isos, stops)
    gains = 2.0 ** (stops / GAMMA)  # gamma-encoded values scale by this
    fine = {}
    coarse = {}
    for i in range(count):
        for j in range(count):
            if i != j:
                fine[i, j] = _detail_fit(frames[i].fine, gains[i], frames[j].fine, gains[j])
                coarse[i, j] = _detail_fit(frames[i].coarse, gains[i], frames[j].coarse, gains[j])
    # Grain is hidden in texture: what a photographer sees is the noise beyond the burst's
    # finest texture where it is flattest.
    allowance = max(NOISE_ALLOWANCE, MASKING * _flat_texture(frames, gains))
    # Tile by tile in the flattest tiles where the frames have a common tile grid (texture
    # there is least); from the sorted energies' intercepts otherwise.
    sharper = {
        pair: math.log2(max(float(np.mean(fit[0])), 1e-4)) > SHARPER_STOPS
        for pair, fit in coarse.items()
    }
    compared = dict(_or_pairs(sharper, same_noise))  # as they were measured (sharper changes)
    flat_noise = _flat_tile_noise(frames, gains, compared)
    measured_noise = (
        flat_noise if np.isfinite(flat_noise).all() else _added_noise(fine, coarse, count)
    )
    noise = np.maximum(measured_noise - allowance, 0.0)
    # Detail of i against j in stops, per direction (higher is sharper).
    isotropic = np.zeros(count)
    directional = np.zeros(count)
    for i, j in fine:
        # Grain differs visibly, or is amplified in a darker frame brought to the same level.
        unsure = (
            abs(measured_noise[i] - measured_noise[j]) > NOISE_ALLOWANCE
            or abs(stops[i] - stops[j]) > EXPOSURE_STEP
        )
        logs = _detail_stops(
            fine[i, j][0], coarse[i, j][0], unsure, EXPOSURE_MARGIN * abs(stops[i] - stops[j])
        )
        isotropic[i] += logs.mean() / (count - 1)
        directional[i] += (logs.mean() - logs.min()) / (count - 1)
    sharpness = isotropic - MOTION_WEIGHT * directional
    blur = sharpness.max() - sharpness
    # A detail lead over a clearly less grainy frame that is not seen above the grain is
    # not counted: the frame is as blurred as the frame it seemed sharper than.  A frame of
    # a higher ISO keeps only the lead seen above its grain (_grain_lifted_leads).
    # Nor is it, for its grain, clearly sharper than that frame.
    above_grain = _detail_above_grain(frames, gains)
    doubted_pairs = detail_doubted(
        above_grain, blur, shared_detail_leads(frames, stops, blur), same_noise
    )
    doubted_blur = np.zeros(count)
    for k, j in doubted_pairs:
        doubted_blur[k] = max(doubted_blur[k], blur[j])
        sharper[k, j] = False
    for k, j, lead in _grain_lifted_leads(above_grain, blur, stops, isos):
        doubted_blur[k] = max(doubted_blur[k], blur[j] - lead)
        sharper[k, j] = False
    doubted = doubted_blur > blur
    blur = np.maximum(blur, doubted_blur)
    grid = _grid_beyond(frames, gains)
    blocking = _extra_blocking(grid, blur)
    unjudged_grid = unjudged_grid_costs(grid, blocking, blur)
    outdone = places_outdone(frames, gains)
    texture = _with_shared_texture(sharper, frames, stops, blur)
    # The flat tiles of a scene textured everywhere hold that texture too (measured again
    # where the texture, or a doubted lead, changed which frames are compared).
    fallback = measured_noise if not np.isfinite(flat_noise).all() else None
    skipped = _or_pairs(texture, same_noise)
    noise, measured_noise, grain_stops, grain_costs = _grain_charges(
        frames,
        gains,
        stops,
        skipped,
        blocking,
        allowance,
        measured_noise if fallback is not None or skipped == compared else None,
    )
    # What the camera's ISO took off each frame's grain charge (same_sensor_noise): a lead
    # resting on it rests on the noise judgement (app.scoring.technical._trusted_lead).
    exempted = np.zeros(count)
    if same_noise:
        plain = _grain_charges(frames, gains, stops, texture, blocking, allowance, fallback)[3]
        exempted = np.maximum(plain - grain_costs, 0.0)
    motion = directional - directional.min()
    white = _flat_whites(frames, gains, stops, np.array([f.white_plateau for f in frames]))
    consensus = _exposure_consensus(stops, frames)
    extra_high = _blown_beyond(frames, stops, white, consensus)
    grain = None if above_grain is None else above_grain[:, 4]
    extra_low = _exposure_clipping([f.clipped_low for f in frames], -stops, None, consensus, grain)
    headroom = _headroom(stops, extra_high, blur, frames, white, consensus)
    off_consensus = _off_consensus(stops, consensus)
    keyed = HEADROOM_COST * headroom + CONSENSUS_COST * off_consensus
    verdicts = []
    others = np.zeros(count)
    for k in range(count):
        others[k] = (
            grain_costs[k]
            + highlight_cost(extra_high[k])
            + SHADOW_COST * extra_low[k]
            + HEADROOM_COST * headroom[k]
            + CONSENSUS_COST * off_consensus[k]
            + BLOCK_COST * blocking[k]
        )
    alike = np.abs(stops[:, None] - stops[None, :]) <= EXPOSURE_STEP
    smear = subject_smear_costs(frames, gains, _comparable(alike, above_grain, blur, others))
    outline = outline_tie_costs(frames, gains, blur + others + smear, alike)
    for k in range(count):
        cost = blur[k] + others[k] + smear[k] + outline[k]
        verdicts.append(
            FrameVerdict(
                float(stops[k] - np.median(stops)),
                float(blur[k]),
                float(motion[k]),
                float(noise[k]),
                float(extra_high[k]),
                float(extra_low[k]),
                float(headroom[k]),
                float(blocking[k]),
                float(cost),
                bool(doubted[k]),
                float(grain_stops[k]),
                float(keyed[k]),
                grain_cost=float(grain_costs[k]),
                unjudged_grid=tuple(float(c) for c in unjudged_grid[k]),
                outdone_places=tuple(float(share) for share in outdone[k]),
                outline=float(outline[k]),
                grain_exempted=float(exempted[k]),
            )
        )
    return _with_key_doubt(verdicts, stops)


def _with_shared_texture(
    sharper: dict, frames: Sequence[FrameMeasures], stops: np.ndarray, blur: np.ndarray
) -> dict:
    """``sharper`` with the pairs (k, j) where k holds fine texture j lost: k is sharper by
    its sorted energies (TEXTURE_BLUR_STOPS) and the detail it shares with the burst's other
    frames confirms it (TEXTURE_SHARED_STOPS, any frame a witness).

    The second-difference residual reads the finest texture as grain where a scene has it
    everywhere, flattest tiles included (a cratered surface, a textured wall): a frame that
    kept it against frames a slight defocus or shake (under half a stop on the halved frame)
    took it from shows several times their residual, and paid stops for grain it does not
    have.  Grain is in no other frame, texture is in all of them at the same place, so a
    lead that the frames' shared detail confirms is texture, and k is not judged for grain
    against j, by the residual nor by the flat tiles' energies (the flattest tiles of such
    a scene hold the texture too: faint galaxies in a deep sky field).  Only where k's detail is mostly shared (TEXTURE_SHARED_SHARE): a grainy
    frame of a scene with little detail correlates little with the others, and a ratio of
    such correlations can show any lead."""
    asked = [
        (k, j)
        for (k, j), clearly in sharper.items()
        if not clearly and blur[j] - blur[k] > TEXTURE_BLUR_STOPS
    ]
    if not asked:
        return sharper  # nothing to ask the patches (most bursts: saves their alignment)
    shared = shared_detail_leads(frames, stops, np.zeros_like(blur), TEXTURE_SHARED_SHARE)
    if shared is None:
        return sharper
    out = dict(sharper)
    for k, j in asked:
        if shared[k, j] > TEXTURE_SHARED_STOPS:
            out[k, j] = True
    return out


def _grain_charges(
    frames: Sequence[FrameMeasures],
    gains: np.ndarray,
    stops: np.ndarray,
    skipped: dict,
    blocking: np.ndarray,
    allowance: float,
    measured: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per frame: the noise sigma charged, the noise measured in the flattest tiles
    (``measured`` where it already was with the same frames skipped, or from the sorted
    energies where the frames have no common tile grid), the doublings of grain sigma, and
    what all of it costs; no frame compared with the frames ``skipped`` marks against it."""
    if measured is None:
        measured = _flat_tile_noise(frames, gains, skipped)
    noise = np.maximum(measured - allowance, 0.0)
    doublings = np.zeros(len(frames))
    residual = _residual_noise(frames, gains, stops, skipped, blocking)
    if residual is not None:
        # In the cost's units: the residual reads a camera's correlated grain (demosaiced,
        # binned, compressed) as a fraction of its sigma.
        residual, doublings = residual
        seen = (residual - RESIDUAL_ALLOWANCE) * (RESIDUAL_COST / NOISE_COST)
        noise = np.maximum(noise, np.maximum(seen, 0.0))
    costs = (
        NOISE_COST * noise
        + MASKED_NOISE_COST * np.maximum(measured - NOISE_ALLOWANCE, 0.0)
        + GRAIN_STOP_COST * doublings
    )
    return noise, measured, doublings, costs


def same_sensor_noise(isos: Sequence[float | None] | None, stops: np.ndarray) -> set:
    """Pairs of frames (both orders) whose grain is the same: shot at one ISO and exposed
    alike (within EXPOSURE_STEP), so the sensor gave both the same noise, and whatever one
    shows beyond the other in its flattest tiles is texture (a subject sharp in one frame
    and smeared in the other, a fine pattern near the pixel pitch), never grain.  Without
    the camera's ISO for every frame: none."""
    if isos is None or len(isos) != len(stops) or any(not iso for iso in isos):
        return set()
    return {
        (i, j)
        for i in range(len(stops))
        for j in range(len(stops))
        if i != j and isos[i] == isos[j] and abs(stops[i] - stops[j]) <= EXPOSURE_STEP
    }


def _or_pairs(pairs: dict, extra: set) -> dict:
    """``pairs`` (frame pair -> bool) with every pair in ``extra`` set."""
    return pairs if not extra else {**pairs, **dict.fromkeys(extra, True)}


def _comparable(
    alike: np.ndarray, above_grain: np.ndarray | None, blur: np.ndarray, others: np.ndarray
) -> np.ndarray:
    """(k, j): frame k may show frame j's subject smeared: they are exposed alike
    (``alike``: within EXPOSURE_STEP), their grain does not clearly differ, and k is no
    blurrier over the whole frame (SMEAR_BLUR_MARGIN) and costs no more for everything else
    (SMEAR_OTHER_MARGIN), so that detail k holds beyond j in a part of the frame is neither
    grain, a tone curve's shoulder nor a focus that moved there."""
    count = len(alike)
    same = alike.copy()
    same &= blur[:, None] <= blur[None, :] + SMEAR_BLUR_MARGIN
    same &= others[:, None] <= others[None, :] + SMEAR_OTHER_MARGIN
    if above_grain is not None:
        grain = above_grain[:, 4]
        for k in range(count):
            for j in range(count):
                same[k, j] &= not _grain_differs(grain[k], grain[j])
    return same


def highlight_cost(extra: float) -> float:
    """Stops a frame pays for ``extra`` clipped highlights (a fraction of the frame, by
    pixels or by luma: :func:`_blown_beyond`)."""
    return HIGHLIGHT_COST * math.log2(1.0 + max(extra, 0.0) / HIGHLIGHT_SCALE)


def _with_key_doubt(verdicts: list[FrameVerdict], stops: np.ndarray) -> list[FrameVerdict]:
    """Each verdict with ``key_doubt`` set where a frame exposed differently would beat this
    one but for the costs that rest on the scene's intended key (headroom and the burst's
    shared exposure; see FrameVerdict.keyed)."""
    return [
        dataclasses.replace(
            verdict,
            key_doubt=any(
                j != k
                and abs(stops[j] - stops[k]) > EXPOSURE_STEP
                and other.cost - other.keyed <= verdict.cost - verdict.keyed
                for j, other in enumerate(verdicts)
            ),
        )
        for k, verdict in enumerate(verdicts)
    ]


def detail_doubted(
    above_grain: np.ndarray | None,
    blur: np.ndarray,
    shared: np.ndarray | None = None,
    same_noise: set = frozenset(),
) -> list[tuple[int, int]]:
    """Pairs (k, j): frame k looks sharper than frame j, which has clearly less grain,
    while what stands above each frame's own grain says it is not (at either scale).
    Frames that share their sensor noise (``same_noise``: :func:`same_sensor_noise`) have
    no grain one lacks: their residuals differ by texture alone.

    Two measures of detail that disagree: the sorted energies, which a blur scales down but
    grain in a flat or soft scene also lifts, and the energy above a grain curve measured in
    the frame itself.  The curve takes fine texture for grain, so it never makes a frame
    sharper; where it says a grainier frame is not sharper than a cleaner one, the lead
    the sorted energies gave it may be grain and is not counted.  Nor where the detail the
    frames share with the burst (``shared``, :func:`shared_detail_leads`) shows no more than
    SHARED_MARGIN of a lead over SHARED_LEAD: a grain stronger on the subject than in
    the flat background, where the curve is measured, passes the curve but not this.
    """
    if above_grain is None:
        return []
    doubted = []
    for k in range(len(blur)):
        for j in range(len(blur)):
            if (
                j != k
                and (k, j) not in same_noise
                and _ahead_though_grainier(above_grain, blur, k, j)
                and (
                    _stops_above_grain(above_grain, k, j) <= 0.0
                    or (
                        shared is not None
                        and blur[j] - blur[k] > SHARED_LEAD
                        and shared[k, j] <= SHARED_MARGIN
                    )
                )
            ):
                doubted.append((k, j))
    return doubted


def _grain_lifted_leads(
    above_grain: np.ndarray | None,
    blur: np.ndarray,
    stops: np.ndarray,
    isos: Sequence[float | None] | None,
) -> list[tuple[int, int, float]]:
    """(k, j, lead): frame k, shot at least GRAIN_ISO_STOPS above frame j's ISO, exposed
    alike and clearly grainier, leads j by its sorted energies by more than
    GRAIN_LIFT_MARGIN stops beyond what stands above each frame's own grain (the lesser of
    the two scales, at least 0): ``lead`` is what it keeps.

    A camera smooths the grain of a high ISO into blotches the halved frame keeps, and the
    sorted energies read them as detail, most in a soft scene (a shallow depth of field).
    The grain curve takes fine texture for grain too, so on the pixels alone a sharp
    textured frame looks the same against a blurred one; the camera's ISO tells the two
    apart."""
    if above_grain is None or isos is None or len(isos) != len(blur):
        return []
    out = []
    for k in range(len(blur)):
        for j in range(len(blur)):
            if (
                j != k
                and isos[k]
                and isos[j]
                and math.log2(isos[k] / isos[j]) >= GRAIN_ISO_STOPS
                and abs(stops[k] - stops[j]) <= EXPOSURE_STEP
                and _ahead_though_grainier(above_grain, blur, k, j)
            ):
                lead = max(_stops_above_grain(above_grain, k, j), 0.0)
                if blur[j] - blur[k] > lead + GRAIN_LIFT_MARGIN:
                    out.append((k, j, lead))
    return out


def _ahead_though_grainier(above_grain: np.ndarray, blur: np.ndarray, k: int, j: int) -> bool:
    """Whether frame k looks sharper than frame j by its sorted energies while its grain
    (``above_grain``'s residual sigma) is clearly stronger: a lead grain may have lifted."""
    return (
        blur[j] > blur[k]
        and above_grain[k, 4] > above_grain[j, 4]
        and _grain_differs(above_grain[k, 4], above_grain[j, 4])
    )


def _detail_above_grain(frames: Sequence[FrameMeasures], gains: np.ndarray) -> np.ndarray | None:
    """Per frame: its detail energy above its own grain at the fine and the coarse scale,
    that grain's energy at both, and the grain's sigma (from the second-difference residual
    where the burst is flattest).  None where the frames have no common tile grid (or no tone and noise maps),
    or too few tiles for a grain curve (GRAIN_MIN_TILES).

    Grain of a real sensor grows with the signal (photon noise) and, once gamma-encoded,
    with darkness (read noise, the curve's slope), so each frame's grain energy is measured
    as a curve in the tile's level (:func:`_grain_curve`); it is taken off every tile (with GRAIN_MARGIN for its scatter from tile
    to tile), and what is left, summed, is the frame's detail.  Texture in the flattest tiles
    is taken off too, in every frame alike, so it changes little of a ratio between frames.
    """
    fine_maps, coarse_maps = _common_maps(frames)
    if fine_maps is None or any(f.tone_map is None or f.noise_map is None for f in frames):
        return None
    rows, cols = fine_maps.shape[1:]
    if any(f.tone_map.shape[0] < rows or f.tone_map.shape[1] < cols for f in frames):
        return None
    if rows * cols < GRAIN_MIN_TILES:
        return None  # too few tiles to tell grain from detail (a thumbnail-sized frame)
    scale = (gains**2)[:, None]
    fine = fine_maps.reshape(len(frames), -1) / scale
    coarse = coarse_maps.reshape(len(frames), -1) / scale
    levels = np.stack([f.tone_map[:rows, :cols].ravel() for f in frames])
    residual = np.stack([f.noise_map[:rows, :cols].ravel() for f in frames]) / gains[:, None]
    flatness = _neighbourhood_max(np.min(coarse_maps / scale[:, :, None], axis=0)).ravel()
    flat = np.argsort(flatness)[: max(FLAT_MIN_TILES, flatness.size // 3)]
    out = np.empty((len(frames), 5))
    for k in range(len(frames)):
        for scale_index, energy in enumerate((fine[k], coarse[k])):
            grain = _grain_curve(levels[k], energy)
            above = np.maximum(energy - (1.0 + GRAIN_MARGIN) * grain, 0.0)
            out[k, scale_index] = float(above.sum())
            out[k, 2 + scale_index] = float(grain.sum())
        out[k, 4] = float(np.median(residual[k, flat]))
    return out


def _stops_above_grain(above_grain: np.ndarray, i: int, j: int) -> float:
    """Detail of frame i against frame j in stops, from what stands above their grain, at
    the scale (fine or coarse) where i leads least.  Under grain, detail below GRAIN_FLOOR
    of the grainier frame's grain cannot be told from the grain's own scatter: both are
    counted from there, so a scene with no detail (a smooth gradient) makes no difference
    at all."""
    leads = []
    for scale in (0, 1):
        floor = GRAIN_FLOOR * max(above_grain[i, 2 + scale], above_grain[j, 2 + scale]) + 1e-12
        leads.append(math.log2((above_grain[i, scale] + floor) / (above_grain[j, scale] + floor)))
    return min(leads)


def _grain_curve(levels: np.ndarray, energy: np.ndarray) -> np.ndarray:
    """Each tile's grain energy: in GRAIN_BANDS bands of level (each as many tiles), the
    GRAIN_QUANTILE of the tiles' energies (the flattest of them hold little but grain), joined
    by straight lines between the bands' median levels and held flat beyond.  Per band of
    level, as gamma-encoded grain rises steeply towards black (the curve's slope, read
    noise) and photon noise with the signal."""
    order = np.argsort(levels, kind="stable")
    bands = [band for band in np.array_split(order, GRAIN_BANDS) if band.size]
    centres = np.array([float(np.median(levels[band])) for band in bands])
    floors = np.array([float(np.quantile(energy[band], GRAIN_QUANTILE)) for band in bands])
    centres, first = np.unique(centres, return_index=True)
    return np.maximum(np.interp(levels, centres, floors[first]), 0.0)


def _grain_differs(sigma: float, other: float) -> bool:
    """Whether two frames' grain (residual sigmas where the burst is flattest) clearly
    differs: one is GRAIN_RATIO times the other, and beyond what nobody notices."""
    low, high = sorted((sigma, other))
    return high > GRAIN_RATIO * low and high - low > RESIDUAL_ALLOWANCE


def _relative_exposures(frames: Sequence[FrameMeasures]) -> np.ndarray:
    """Each frame's exposure in stops against the first frame, from matched luma quantiles.

    Only quantiles that are neither crushed nor blown in both frames count, in linear light,
    and only from EXPOSURE_FROM_QUANTILE up: grain (and a camera's noise reduction of it)
    moves a frame's darkest tones, lifting them off black, so a noisy frame of a dark scene
    would read as brighter than it was exposed.
    """
    reference = frames[0].luma
    stops = np.zeros(len(frames))
    for k, frame in enumerate(frames[1:], start=1):
        valid = (reference > 0.03) & (reference < 0.97) & (frame.luma > 0.03) & (frame.luma < 0.97)
        valid[:EXPOSURE_FROM_QUANTILE] = False
        if valid.sum() < _MIN_GAIN_POINTS:
            # Little overlap (several stops apart): compare the means.
            valid = np.ones_like(valid)
        ratio = np.maximum(frame.luma[valid], 1e-3) / np.maximum(reference[valid], 1e-3)
        stops[k] = GAMMA * float(np.median(np.log2(ratio)))
    return stops


def _detail_stops(
    fine: np.ndarray, coarse: np.ndarray, unsure: bool, margin: float = 0.0
) -> np.ndarray:
    """log2 detail ratio per direction of a frame against another, from the fits' slopes.

    Between frames of the same noise and exposure the fine scale tells.  Where one is
    visibly noisier or was exposed differently, only what both scales agree on counts, and
    only as much as the smaller of the two says: noise (sheer grain, or grain clipped in the shadows) moves the fine-scale
    slope, but on the halved frame, where 2x2 pixels are averaged, it hardly does; a blur
    lowers both.
    """
    fine_stops = np.log2(np.clip(fine, 1e-4, None))
    if not unsure:
        return fine_stops
    coarse_stops = np.log2(np.clip(coarse, 1e-4, None))
    agree = np.sign(fine_stops) == np.sign(coarse_stops)
    smaller = np.where(np.abs(fine_stops) < np.abs(coarse_stops), fine_stops, coarse_stops)
    smaller = np.sign(smaller) * np.maximum(np.abs(smaller) - margin, 0.0)
    return np.where(agree, smaller, 0.0)


def _detail_fit(
    energies: np.ndarray, gain: float, other: np.ndarray, other_gain: float
) -> tuple[np.ndarray, float]:
    """(slope per direction, mean intercept) of a frame's energies against another's."""
    y = energies / gain**2
    x = other / other_gain**2
    slopes = np.empty(len(y))
    intercepts = np.empty(len(y))
    for d in range(len(y)):
        xd, yd = x[d].astype(np.float64), y[d].astype(np.float64)
        spread = xd - xd.mean()
        denominator = float(spread @ spread)
        if denominator <= 1e-18:
            slopes[d], intercepts[d] = 1.0, float(yd.mean() - xd.mean())
            continue
        slopes[d] = float(spread @ (yd - yd.mean())) / denominator
        intercepts[d] = float(yd.mean() - slopes[d] * xd.mean())
    return slopes, float(intercepts.mean())


def _added_noise(fine: dict, coarse: dict, count: int) -> np.ndarray:
    """Noise sigma each frame adds over the burst's cleanest frame, from the fits' intercepts.

    The intercept of a frame's energies against another's is what it has everywhere, flat
    tiles included, beyond the other's: for white noise ``2 sigma^2``.  Fine texture that a
    blur removed from the other frame shows there too; it is told apart on the halved frame,
    which keeps under half of a noise's energy (NOISE_COARSE_SHARE) but at least as much of a
    texture's (TEXTURE_COARSE_SHARE).
    """
    energy = np.zeros(count)
    for i, j in fine:
        at_fine, at_coarse = fine[i, j][1], coarse[i, j][1]
        energy[i] = max(energy[i], _noise_energy(at_fine, at_coarse))
    return np.sqrt(np.maximum(energy, 0.0) / 2.0)


def _noise_energy(extra_fine: float, extra_coarse: float) -> float:
    """The part of a frame's extra gradient energy that is noise, from both scales.

    Grain keeps NOISE_COARSE_SHARE of its energy on the halved frame, a texture that the
    other frame lost at least TEXTURE_COARSE_SHARE; a mix is split accordingly.  Extra energy
    without its share on the halved frame (a JPEG's blocks there, not grain) is no noise.
    """
    if extra_fine <= 0.0 or extra_coarse < NOISE_COARSE_MIN * extra_fine:
        return 0.0
    noise = (TEXTURE_COARSE_SHARE * extra_fine - extra_coarse) / (
        TEXTURE_COARSE_SHARE - NOISE_COARSE_SHARE
    )
    return min(max(noise, 0.0), extra_fine)


def _flat_tile_noise(
    frames: Sequence[FrameMeasures], gains: np.ndarray, sharper: dict | None = None
) -> np.ndarray:
    """Noise sigma each frame adds over the others, tile by tile where the burst is flattest.

    Noise is the same everywhere, so what a frame has beyond another in the flattest third
    of the tiles (position by position; neighbours count as the frames are shifted) is noise
    if the halved frames keep under half of it, as for grain; texture a blur or a JPEG
    removed from the other frame keeps as much or more there.  Against a frame it is clearly
    sharper than on the halved frame (``sharper``, where grain hardly counts) a frame is not
    compared at all: what it has beyond a blurred frame is mostly the texture the blur took.
    Nor where either frame blows a tile out (:func:`_blown_tiles`): clipping takes the grain
    off with the detail, so a frame that holds a white paper would look grainy against one
    that blew it out.
    """
    fine_maps, coarse_maps = _common_maps(frames)
    if fine_maps is None:
        return np.full(len(frames), np.inf)
    scale = (gains**2)[:, None]
    fine = fine_maps.reshape(len(frames), -1) / scale
    coarse = coarse_maps.reshape(len(frames), -1) / scale
    detail = _neighbourhood_max(coarse_maps.max(axis=0)).ravel()
    flat = np.argsort(detail)[: max(FLAT_MIN_TILES, detail.size // 3)]
    blown = _blown_tiles(frames, *coarse_maps.shape[1:])
    energy = np.zeros(len(frames))
    for i in range(len(frames)):
        for j in range(len(frames)):
            if i == j or (sharper or {}).get((i, j), False):
                continue
            both = flat if blown is None else flat[~(blown[i, flat] | blown[j, flat])]
            if both.size < FLAT_MIN_TILES:
                continue
            extra_fine = float(np.median(fine[i, both] - fine[j, both]))
            extra_coarse = float(np.median(coarse[i, both] - coarse[j, both]))
            energy[i] = max(energy[i], _noise_energy(extra_fine, extra_coarse))
    return np.sqrt(np.maximum(energy, 0.0) / 2.0)


def _residual_noise(
    frames: Sequence[FrameMeasures],
    gains: np.ndarray,
    stops: np.ndarray,
    sharper: dict | None = None,
    blocking: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Noise sigma each frame adds over the burst, from the second-difference residual in
    the burst's flattest tiles (FrameMeasures.noise_map), at equal exposure; and the same
    as a ratio: doublings of the residual sigma against the reference, beyond
    RESIDUAL_SPREAD.

    The residual is blind to tone and ramps, so in flat tiles it reads the grain alone,
    whatever the camera's demosaicing, binning or JPEG did to it, plus the finest texture.
    That texture a blurred frame lost, so a frame is not compared with frames it is clearly
    sharper than on the halved frame (``sharper``, where grain counts little; grain can
    pass for detail on the full-size frame), nor with frames whose JPEG grid shows more
    (``blocking``: a compression smooths faint stars and fine texture away), nor with
    frames exposed more than it (more light gives
    less shot noise: that is the better exposure's merit, not this frame's grain); noise
    adds in quadrature, beyond RESIDUAL_SPREAD times the reference (where texture is most
    of the residual, frames differ by that much without any grain).  None when the frames
    have no common tile grid (or no maps).

    The ratio counts where the sigma does not: a camera's noise reduction smooths high-ISO
    grain in flat areas to a fraction of an 8-bit level, below what an added sigma is
    charged for, yet the frame still shows twice or three times the grain of the clean
    frame there (and the ISO's blotches and smeared texture that go with it).
    """
    if any(f.noise_map is None for f in frames) or len({f.fine_map.shape for f in frames}) != 1:
        return None
    rows = min(min(f.noise_map.shape[0], f.coarse_map.shape[0]) for f in frames)
    cols = min(min(f.noise_map.shape[1], f.coarse_map.shape[1]) for f in frames)
    if rows * cols < 2:
        return None
    residual = np.stack([f.noise_map[:rows, :cols] for f in frames]) / gains[:, None, None]
    coarse = np.stack([f.coarse_map[:rows, :cols] for f in frames]) / (gains**2)[:, None, None]
    detail = _neighbourhood_max(coarse.max(axis=0)).ravel()
    flat = np.argsort(detail)[: max(FLAT_MIN_TILES, detail.size // 3)]
    sigma = np.median(residual.reshape(len(frames), -1)[:, flat], axis=1)
    added = np.zeros(len(frames))
    doublings = np.zeros(len(frames))
    for k in range(len(frames)):
        others = [
            j
            for j in range(len(frames))
            if j != k
            and not (sharper or {}).get((k, j), False)
            and stops[j] <= stops[k] + EXPOSURE_STEP
            and (blocking is None or blocking[j] <= blocking[k])
        ]
        if others:
            reference = float(np.min(sigma[others]))
            added[k] = math.sqrt(
                max(float(sigma[k]) ** 2 - (RESIDUAL_SPREAD * reference) ** 2, 0.0)
            )
            ratio = float(sigma[k]) / max(RESIDUAL_SPREAD * reference, 1e-9)
            doublings[k] = max(math.log2(max(ratio, 1e-9)), 0.0)
    return added, doublings


def _common_maps(frames: Sequence[FrameMeasures]) -> tuple[np.ndarray | None, np.ndarray]:
    """Every frame's fine and coarse tile maps, cut to the tiles all of them have.

    The halved frame loses a pixel row or column at odd sizes, so its tile grid can be one
    tile shorter than the frame's; the tiles are at the same places, the missing one is the
    last.  Frames of different sizes (or too small for two tiles) have no common map: None.
    """
    shapes = {f.fine_map.shape for f in frames}
    if len(shapes) != 1:
        return None, np.empty(0)
    rows = min(min(f.fine_map.shape[0], f.coarse_map.shape[0]) for f in frames)
    cols = min(min(f.fine_map.shape[1], f.coarse_map.shape[1]) for f in frames)
    if rows * cols < 2:
        return None, np.empty(0)
    fine = np.stack([f.fine_map[:rows, :cols] for f in frames])
    return fine, np.stack([f.coarse_map[:rows, :cols] for f in frames])


def _flat_texture(frames: Sequence[FrameMeasures], gains: np.ndarray) -> float:
    """The burst's texture where it is flattest, as a sigma (on the halved frames, where
    noise counts for little).

    Tiles flat in every frame and around it (the frames are shifted against each other) are
    sky, walls, backgrounds: noise shows there.  Gravel or foliage has no such tiles, and
    there grain up to about this level goes unseen.
    """
    shapes = {f.coarse_map.shape for f in frames}
    if len(shapes) != 1:
        return 0.0
    coarse = np.stack([f.coarse_map for f in frames]) / (gains**2)[:, None, None]
    detail = _neighbourhood_max(coarse.max(axis=0))
    count = max(FLAT_MIN_TILES, int(np.ceil(detail.size * FLAT_SHARE)))
    flat = np.argsort(detail.ravel())[:count]
    texture = float(np.median(coarse.reshape(len(frames), -1)[:, flat], axis=1).min())
    return math.sqrt(max(texture, 0.0) / 2.0)


def _blown_tiles(frames: Sequence[FrameMeasures], rows: int, cols: int) -> np.ndarray | None:
    """Per frame, raveled: tiles where it blows out more than specks (BLOWN_TILE of the
    pixels), and their neighbours (the frames are shifted).  None without clip maps."""
    if any(
        f.clip_map is None or f.clip_map.shape[0] < rows or f.clip_map.shape[1] < cols
        for f in frames
    ):
        return None
    return np.stack(
        [_neighbourhood_max(f.clip_map[:rows, :cols]).ravel() > BLOWN_TILE for f in frames]
    )


def _neighbourhood_max(grid: np.ndarray) -> np.ndarray:
    padded = np.pad(grid, 1, mode="edge")
    rows, cols = grid.shape
    return np.max(
        [padded[dy : dy + rows, dx : dx + cols] for dy in range(3) for dx in range(3)], axis=0
    )


def _grid_beyond(frames: Sequence[FrameMeasures], gains: np.ndarray) -> np.ndarray:
    """(k, j): the JPEG grid frame k shows beyond frame j, compared at equal noise (log2 of
    the step ratio, beyond BLOCK_ALLOWANCE).

    Grain and texture hide a grid: a frame with more of them than another would hide the
    other's grid too, so the other's grid is judged as it would look under them.
    """
    steps = np.array([f.grid_steps for f in frames]) / (gains**2)[:, None]
    ratio = np.log2(np.maximum(steps[:, 0], 1e-12) / np.maximum(steps[:, 1], 1e-12))
    beyond = np.zeros((len(frames), len(frames)))
    for k in range(len(frames)):
        for j in range(len(frames)):
            if j != k:
                hiding = max(steps[j, 1] - steps[k, 1], 0.0)
                masked = math.log2((steps[k, 0] + hiding + 1e-12) / (steps[k, 1] + hiding + 1e-12))
                beyond[k, j] = masked - ratio[j] - BLOCK_ALLOWANCE
    return beyond


def _extra_blocking(grid: np.ndarray, blur: np.ndarray) -> np.ndarray:
    """JPEG grid each frame shows beyond the least blocky other frame (``grid``:
    :func:`_grid_beyond`).

    Only frames at most BLURRIER_STOPS stops blurrier count: a scene's own fine regular
    pattern (lines of text, a fence, a compression grid the photograph already had) looks
    like a grid that a blurred frame lost, while a JPEG saved again is never the sharper frame.
    """
    judged = ~_too_blurred_for_grid(blur) & ~np.eye(len(blur), dtype=bool)
    return np.max(np.where(judged, grid, 0.0), axis=1, initial=0.0)


def _too_blurred_for_grid(blur: np.ndarray) -> np.ndarray:
    """(k, j): whether frame j is more than BLURRIER_STOPS blurrier than frame k, too blurred
    to judge k's JPEG grid against (:func:`_extra_blocking`)."""
    return blur[None, :] > blur[:, None] + BLURRIER_STOPS


def unjudged_grid_costs(grid: np.ndarray, blocking: np.ndarray, blur: np.ndarray) -> np.ndarray:
    """(k, j): what the JPEG grid frame k shows beyond frame j would cost (BLOCK_COST per
    doubling), less what k was charged for its grid, where j is too blurred to judge k's
    grid against (BLURRIER_STOPS: :func:`_extra_blocking`); 0 elsewhere.

    Not charging it rests on a JPEG saved again never being the sharper frame.  A frame
    that is both sharper and blockier than j is that case or a scene's own pattern: its
    grid's edges are detail the sorted energies count too, so its lead over j is in doubt
    by as much as the grid would cost (the confidence's, not the order's:
    ``app.scoring.technical._trusted_lead``)."""
    return np.where(
        _too_blurred_for_grid(blur), BLOCK_COST * np.maximum(grid - blocking[:, None], 0.0), 0.0
    )


def places_outdone(frames: Sequence[FrameMeasures], gains: np.ndarray) -> np.ndarray:
    """(k, j): the share of the detail of frames k and j (the energy of their tiles above the
    PLACE_QUANTILE of the pair's detail on the halved frames, exposure taken out) that lies
    where j holds more than SHARPER_STOPS more detail than k; every tile with its
    neighbours, as the frames are shifted.  0 where the frames have no common tile grid.

    A blur, a shake or a noisier frame loses detail everywhere; a focus that moved, or a
    subject that moved, makes a frame sharper in one place and blurrier in another.  Sorted
    energies rank such frames by where they hold more, not by which place matters."""
    count = len(frames)
    outdone = np.zeros((count, count))
    fine, coarse = _common_maps(frames)
    if fine is None:
        return outdone
    maps = np.stack([_neighbourhood_max(coarse[k] / gains[k] ** 2).ravel() for k in range(count)])
    for k in range(count):
        detail = np.maximum(maps[k], maps)  # the pair's detail, against every frame j
        where = detail >= np.quantile(detail, PLACE_QUANTILE, axis=1, keepdims=True)
        ahead = np.log2((maps + 1e-12) / (maps[k] + 1e-12)) > SHARPER_STOPS
        held = np.sum(detail * where, axis=1)
        outdone[k] = np.sum(detail * (where & ahead), axis=1) / np.maximum(held, 1e-30)
        outdone[k, k] = 0.0
    return outdone


def _exposure_clipping(
    clipped: Sequence[float],
    stops: np.ndarray,
    plateau: np.ndarray | None = None,
    consensus: np.ndarray | None = None,
    grain: np.ndarray | None = None,
    witness_clip: float = CONSENSUS_CLIP,
) -> np.ndarray:
    """Clipped fraction each frame has beyond a frame exposed at least a third of a stop less
    (beyond what that frame shows as a flat plateau at its brightest: ``plateau``).  A frame
    that shares the burst's exposure (``consensus``) is compared with such frames only, and
    with none clearly grainier (``grain``: residual sigmas), as grain lifts crushed blacks
    off zero and makes a frame look brighter in its shadows.

    Only exposure counts: a blur spreads light into black and dark into white, so a blurred
    frame of the same exposure clips less without being better exposed.
    """
    clipped = np.asarray(clipped, dtype=np.float64)
    held = clipped if plateau is None else np.maximum(clipped, plateau)
    extra = np.zeros_like(clipped)
    for k in range(len(clipped)):
        darker = stops < stops[k] - EXPOSURE_STEP
        if consensus is not None and consensus[k]:
            darker &= consensus  # a frame off the burst's exposure is no reference
        if grain is not None:
            darker &= ~np.array([g > grain[k] and _grain_differs(g, grain[k]) for g in grain])
        if darker.any():
            # A frame that blows out itself shows its clipping as a plateau: no witness of
            # a white the scene already had.
            witness = darker & (clipped <= clipped[darker].min() + witness_clip)
            extra[k] = max(clipped[k] - held[witness].max(), 0.0)
            extra[k] = max(min(extra[k], clipped[k] - clipped[darker].min()) - CLIP_ALLOWANCE, 0.0)
    return extra


def _blown_beyond(
    frames: Sequence[FrameMeasures],
    stops: np.ndarray,
    white: np.ndarray,
    consensus: np.ndarray | None,
) -> np.ndarray:
    """What each frame blows out beyond the darker frames (:func:`_exposure_clipping`), the
    lesser of two readings: by pixels (a pixel with any channel at its top) and by luma
    (FrameMeasures.blown: each blown channel by its weight in luma).

    Each reading overstates a loss the other does not see.  By pixels, a warm lamp's red
    clipped on a bronze or a face is a blown white, though green and blue keep its tone
    and detail: a well-metered frame lost to frames more than a stop under.  By luma, a
    window blown in every frame, whose blue a darker frame keeps, is a new loss for the
    brighter ones, though no pixel more is blown.  A loss both readings see is a loss."""
    pixels = _exposure_clipping([f.clipped_high for f in frames], stops, white, consensus)
    plateaus = np.where(white > 0, [f.plateau for f in frames], 0.0)
    luma = _exposure_clipping(
        [f.blown for f in frames], stops, plateaus, consensus, witness_clip=WITNESS_CLIP
    )
    return np.minimum(pixels, luma)


def _flat_whites(
    frames: Sequence[FrameMeasures], gains: np.ndarray, stops: np.ndarray, white: np.ndarray
) -> np.ndarray:
    """Each frame's white plateau (FrameMeasures.white_plateau), kept only where it is flat.

    A plateau excuses a brighter frame that blows it out (:func:`_exposure_clipping`): a
    lamp or a white wall shown as one flat grey loses nothing to clipping.  But a bright
    area can lie within the plateau's 0.3 stops and still hold texture (the folds of a
    white shirt, the light side of a cloud): where this frame holds PLATEAU_DETAIL_STOPS
    more detail (on the halved frame, at equal exposure) than a brighter frame in the
    tiles that frame blows out beyond specks (BLOWN_TILE), the clipping took that detail,
    and the plateau excuses no brighter frame.  Without tile maps, every plateau counts."""
    fine_maps, coarse_maps = _common_maps(frames)
    if fine_maps is None or any(f.clip_map is None for f in frames):
        return white
    rows, cols = coarse_maps.shape[1:]
    if any(f.clip_map.shape[0] < rows or f.clip_map.shape[1] < cols for f in frames):
        return white
    energy = coarse_maps / (gains**2)[:, None, None]
    flat = white.copy()
    for w in np.flatnonzero(white > 0):
        for k in np.flatnonzero(stops > stops[w] + EXPOSURE_STEP):
            blown = frames[k].clip_map[:rows, :cols] > BLOWN_TILE
            if not blown.any():
                continue
            held = float(energy[w][blown].sum()) + 1e-12
            kept = float(energy[k][blown].sum()) + 1e-12
            if math.log2(held / kept) > PLATEAU_DETAIL_STOPS:
                flat[w] = 0.0
    return flat


def _headroom(
    stops: np.ndarray,
    extra_high: np.ndarray,
    blur: np.ndarray,
    frames: Sequence[FrameMeasures],
    white: np.ndarray,
    consensus: np.ndarray | None = None,
) -> np.ndarray:
    """Stops of light each frame left unused: how far it stays below a brighter frame that
    shows as much, but no further than its own highlights are from white.

    A brighter frame is the better exposure when it blows out little more (specular
    highlights, an already white shirt: HEADROOM_CLIP), and little of what this frame holds
    in its highlights (HEADROOM_SHARE: the stars of a night sky, the lit side of a cell are
    most of what is bright there), and loses no more than HEADROOM_DETAIL stops of detail to
    it.  A frame whose highlights already reach white
    used the light it had; one whose whites are grey did not.  What it left unused is at
    most what the brighter frame kept in its upper tones (:func:`separation_stops`): on a
    camera whose tone curve rolls highlights off, a brighter frame can come near white
    without clipping and without separating its tones any more.  The first stop is what a
    photographer notices most; beyond it, crushed shadows pay too.
    """
    unused = np.zeros_like(stops)
    blown = np.array([f.clipped_high for f in frames])
    for k in range(len(stops)):
        highlights = 1.0 - float(np.interp(HIGHLIGHT_ZONE, frames[k].peak, TONE_QUANTILES))
        better = (
            (stops > stops[k])
            & (extra_high - extra_high[k] <= HEADROOM_CLIP)
            & (blown - max(blown[k], white[k]) <= HEADROOM_SHARE * highlights)
            & (blur - blur[k] <= HEADROOM_DETAIL + HEADROOM_DETAIL_PER_STOP * (stops - stops[k]))
        )
        if consensus is not None and consensus[k]:
            better &= consensus  # a frame off the burst's exposure shows no unused light
        if better.any():
            own = _stops_below_white(frames[k])
            gained = max(
                min(stops[j] - stops[k], separation_stops(frames[k], frames[j]))
                for j in np.flatnonzero(better)
            )
            unused[k] = max(min(gained, own) - HEADROOM_ALLOWANCE, 0.0)
    return np.minimum(unused, 1.0) + HEADROOM_TAIL * np.maximum(unused - 1.0, 0.0)


def separation_stops(darker: FrameMeasures, brighter: FrameMeasures) -> float:
    """Stops of exposure a brighter frame kept where it shows them: how much wider than the
    darker frame's its upper tones (median to highlights) spread in output levels.

    A sensor read linearly spreads them by the exposure ratio until they clip; a camera's
    tone curve that rolls highlights off into a shoulder squeezes them back, so a frame
    1-2 stops over can reach near white with no clipping at all and no wider separation
    than the darker frame: it gained brightness, not tones, and the darker frame left
    no light unused."""
    x, y = darker.luma, brighter.luma
    wide = float(y[SEPARATION_TO] - y[SEPARATION_FROM])
    narrow = float(x[SEPARATION_TO] - x[SEPARATION_FROM])
    return GAMMA * math.log2(max(wide, 1e-3) / max(narrow, 1e-3))


def _stops_below_white(frame: FrameMeasures) -> float:
    """How far a frame's highlights (HIGHLIGHT_QUANTILE) stay below white, in stops."""
    return GAMMA * math.log2(1.0 / max(float(frame.peak[HIGHLIGHT_QUANTILE]), 1e-3))


def _exposure_consensus(stops: np.ndarray, frames: Sequence[FrameMeasures]) -> np.ndarray | None:
    """Which frames share the burst's exposure, where most of them do (at least
    CONSENSUS_MIN frames, and more than half, within EXPOSURE_STEP of the median): the
    exposure the photographer chose for the scene (a low-key or high-key scene looks so on
    purpose).  None where no such majority exists, or where a frame off it shows the shared
    exposure was a mistake (:func:`_consensus_disproved`): several frames of a burst can
    share the same wrong exposure."""
    if len(stops) < CONSENSUS_MIN:
        return None
    near = np.abs(stops - np.median(stops)) <= EXPOSURE_STEP
    if near.sum() < CONSENSUS_MIN or 2 * near.sum() < len(stops):
        return None
    return None if _consensus_disproved(stops, near, frames) else near


def _consensus_disproved(
    stops: np.ndarray, near: np.ndarray, frames: Sequence[FrameMeasures]
) -> bool:
    """Whether a frame off the shared exposure holds what the shared exposure loses.

    Darker, it is exposed as well as a frame can be (its highlights within
    CONSENSUS_FULL_STOPS of white) and keeps highlights the shared frames blow out.
    Brighter, it used light the shared frames left unused (:func:`_brighter_disproves`).
    A dark scene shot darker on purpose has no such frame, nor has a burst whose frames off
    its exposure are off it by mistake (they blow out more, or keep their highlights grey)."""
    centre = float(np.median(stops[near]))
    blown = np.array([f.clipped_high for f in frames])
    shared_blown = float(np.median(blown[near]))
    shared_luma = float(np.median([frames[i].blown for i in np.flatnonzero(near)]))
    shared_unused = float(np.median([_stops_below_white(frames[i]) for i in np.flatnonzero(near)]))
    flat = float(np.median([_tonal_range(frames[i]) for i in np.flatnonzero(near)])) < (
        FLAT_SCENE_STOPS
    )
    for k in np.flatnonzero(~near):
        if stops[k] > centre + EXPOSURE_STEP:
            if _brighter_disproves(
                frames[k],
                stops[k] - centre,
                (shared_blown + CLIP_ALLOWANCE, shared_luma + CLIP_ALLOWANCE),
                shared_unused,
                flat,
            ):
                return True
            continue
        if (
            _stops_below_white(frames[k]) > CONSENSUS_FULL_STOPS
            or abs(stops[k] - centre) < CONSENSUS_OFF
        ):
            continue
        darker = stops[k] < centre - EXPOSURE_STEP
        if darker and min(shared_blown, shared_blown - blown[k]) > CONSENSUS_CLIP:
            return True
    return False


def _brighter_disproves(
    frame: FrameMeasures,
    brighter_by: float,
    shared_blown: tuple[float, float],
    shared_unused: float,
    flat: bool = False,
) -> bool:
    """Whether a frame ``brighter_by`` stops above the burst's shared exposure shows that
    exposure left light unused: what it blows out beyond the shared frames
    (``shared_blown``: theirs by pixels and by luma, with the allowance; the lesser reading
    counts) costs less (HIGHLIGHT_COST) than the light they
    left unused against it (HEADROOM_COST, up to the first stop: no further than their
    highlights, ``shared_unused``, are from white), the same weighing as the costs of every
    frame.  Less than CONSENSUS_OFF brighter, only where it blows out nothing more and the
    shared frames' highlights stay more than WOBBLE_UNUSED below white: nearer white, so
    small a step is a wobble of the exposure chosen.

    Its own highlights need only come within ROLLED_OFF_STOPS of white, not near it
    (CONSENSUS_FULL_STOPS): a camera whose tone curve rolls highlights off keeps a
    well-exposed frame's highlights half a stop to a stop below white, and a burst whose
    frames shared a wrong exposure kept it.  A frame further from white is a low-key
    scene's brighter take (its dark exposure may be meant).  Where they stay further from
    white than CONSENSUS_FULL_STOPS, a scene whose shared frames are ``flat`` (their
    tones within FLAT_SCENE_STOPS: fog, a lawn, a wall) gives no evidence: it has no
    highlights to place, and the meter's mid grey, which the shared exposure stands for,
    is the only reference.  Nor does a frame that still crushes more than BLACK_SURROUND of
    its pixels to black: a scene with a black surround (a night sky, a stage, black cloth)
    is low-key, and how dark it is meant to be is the photographer's choice."""
    below_white = _stops_below_white(frame)
    if below_white > ROLLED_OFF_STOPS:
        return False
    if below_white > CONSENSUS_FULL_STOPS and (flat or frame.clipped_low > BLACK_SURROUND):
        return False
    # The lesser of the two readings, as the frames' clipping is charged (_blown_beyond).
    extra = max(min(frame.clipped_high - shared_blown[0], frame.blown - shared_blown[1]), 0.0)
    if brighter_by < CONSENSUS_OFF and (extra > 0.0 or shared_unused <= WOBBLE_UNUSED):
        return False
    unused = min(brighter_by, shared_unused, 1.0)
    return highlight_cost(extra) < HEADROOM_COST * unused


def _tonal_range(frame: FrameMeasures) -> float:
    """Stops of light between a frame's RANGE_FROM and RANGE_TO luma quantiles."""
    low, high = float(frame.luma[RANGE_FROM]), float(frame.luma[RANGE_TO])
    return GAMMA * math.log2(max(high, 1e-3) / max(low, 1e-3))


def _off_consensus(stops: np.ndarray, consensus: np.ndarray | None) -> np.ndarray:
    """Stops each frame lies off the burst's shared exposure, beyond EXPOSURE_STEP."""
    if consensus is None:
        return np.zeros_like(stops)
    centre = float(np.median(stops[consensus]))
    return np.maximum(np.abs(stops - centre) - EXPOSURE_STEP, 0.0)


def stops_between(first: FrameMeasures, second: FrameMeasures) -> float:
    """Exposure of ``second`` relative to ``first`` in stops."""
    return float(_relative_exposures([first, second])[1])


def shared_detail_leads(
    frames: Sequence[FrameMeasures], stops: np.ndarray, blur: np.ndarray, min_shared: float = 0.0
) -> np.ndarray | None:
    """(k, j): stops of detail frame k holds beyond frame j, read from what each shares with
    the burst's other frames in their patches (FrameMeasures.patch); NaN where a frame's
    patch shows another place or could not be aligned.  None for fewer than three frames
    with a common place.

    Detail is in every frame of a burst at the same place, grain is not: after aligning the
    patches (phase correlation, to a fraction of a pixel), the high-passed luma of two
    frames correlates only through the detail both hold.  Against a third frame l, the
    correlations C_kl and C_jl differ by what a blur took from k or j, not by their grain;
    twice the log2 of their ratio (a correlation holds the blur's loss once, an energy
    twice), the median over every l, is the lead.  A witness l blurrier (``blur``, by the
    sorted energies) than j holds none of the detail j may have lost, so it does not count;
    nor are frames exposed differently compared (clipping and a tone curve's shoulder change
    what a patch holds, not only its level).  Sorted energies (and the energy above a
    frame's own grain curve) read a grainy frame as sharper where its grain is stronger on
    the subject than in the flat background (coloured grain on a saturated subject, a tone
    curve's slope); this measure does not.

    ``min_shared``: no lead for a frame k whose patch correlates with the other frames'
    below this (the median correlation coefficient): little of its detail is shared, and a
    ratio of near-zero correlations says nothing."""
    usable = _patches_in_common(frames)
    if len(usable) < 3:
        return None
    gains = 2.0 ** (stops / GAMMA)
    size = PATCH_SIZE
    spectra = {
        k: np.fft.rfft2(frames[k].patch.astype(np.float32) / (255.0 * gains[k])) for k in usable
    }
    fy = np.fft.fftfreq(size)[:, None]
    fx = np.fft.rfftfreq(size)[None, :]
    squared = fy**2 + fx**2
    high_pass = 1.0 - np.exp(-2.0 * (math.pi * DETAIL_SIGMA) ** 2 * squared)
    smooth = np.exp(-2.0 * (math.pi * ALIGN_SIGMA) ** 2 * squared)
    reference = usable[0]
    shifts = {k: _patch_shift(spectra[reference], spectra[k], smooth, size) for k in usable}
    inner = size - 2 * PATCH_EDGE
    views = {}
    for k in usable:
        dy, dx = shifts[k]
        if max(abs(dy), abs(dx)) <= PATCH_EDGE:
            # The patch moved by the shift (a phase ramp), so the inner square of each
            # frame shows what the reference's shows.
            ramp = np.exp(2j * math.pi * (fy * dy + fx * dx))
            detail = np.fft.irfft2(spectra[k] * high_pass * ramp, s=(size, size))
            views[k] = detail[
                PATCH_EDGE : PATCH_EDGE + inner, PATCH_EDGE : PATCH_EDGE + inner
            ].ravel()
    if len(views) < 3:
        return None
    kept = list(views)
    stacked = np.stack(list(views.values())).astype(np.float64)
    products = stacked @ stacked.T / stacked.shape[1]
    leads = np.full((len(frames), len(frames)), np.nan)
    shared = _shared_share(products)
    for a, k in enumerate(kept):
        for b, j in enumerate(kept):
            if a == b or abs(stops[k] - stops[j]) > EXPOSURE_STEP or shared[a] < min_shared:
                continue
            ratios = [
                math.log2(products[a, c] / products[b, c])
                for c in range(len(kept))
                if c not in (a, b)
                and blur[kept[c]] <= blur[j]
                and products[a, c] > 0
                and products[b, c] > 0
            ]
            if ratios:
                leads[k, j] = 2.0 * float(np.median(ratios))
    return leads


def _shared_share(products: np.ndarray) -> np.ndarray:
    """Per frame: the median correlation coefficient of its high-passed patch with the
    other frames' (``products``, their inner products)."""
    norms = np.sqrt(np.maximum(np.diag(products), 1e-30))
    coefficients = products / np.outer(norms, norms)
    np.fill_diagonal(coefficients, np.nan)
    return np.nanmedian(coefficients, axis=1)


def _patches_in_common(frames: Sequence[FrameMeasures]) -> list[int]:
    """The frames whose patches show the same place: the largest set whose patches lie
    within half of PATCH_EDGE of one frame's (the rest of the margin is left for the
    hand-held shift), that frame first."""
    placed = [
        k for k, f in enumerate(frames) if f.patch is not None and f.patch.shape == PATCH_SHAPE
    ]
    best: list[int] = []
    for k in placed:
        top, left = frames[k].patch_origin
        near = [
            j
            for j in placed
            if abs(frames[j].patch_origin[0] - top) <= PATCH_EDGE // 2
            and abs(frames[j].patch_origin[1] - left) <= PATCH_EDGE // 2
        ]
        if len(near) > len(best):
            best = [k] + [j for j in near if j != k]
    return best


def _patch_shift(
    reference: np.ndarray, other: np.ndarray, weight: np.ndarray, size: int
) -> tuple[float, float]:
    """(rows, columns) by which ``other``'s patch content lies from ``reference``'s, from
    the peak of their phase correlation (spectra of the real patches; each frequency
    weighed by ``weight``, as the finest ones hold grain and what a blur took), to a
    fraction of a pixel (a parabola through the peak and its neighbours): half a pixel
    off takes much of the finest detail's correlation, more from a sharp frame than from
    a blurred one."""
    cross = reference * np.conj(other)
    surface = np.fft.irfft2(cross / (np.abs(cross) + 1e-12) * weight, s=(size, size))
    row, col = np.unravel_index(int(np.argmax(surface)), surface.shape)
    peak = surface[row, col]
    offsets = []
    for before, after, at in (
        (surface[row - 1, col], surface[(row + 1) % size, col], row),
        (surface[row, col - 1], surface[row, (col + 1) % size], col),
    ):
        curvature = before - 2.0 * peak + after
        fraction = 0.5 * (before - after) / curvature if curvature < 0 else 0.0
        at = at - size if at > size // 2 else at
        offsets.append(-(at + min(max(fraction, -0.5), 0.5)))
    return offsets[0], offsets[1]


__all__ = [
    "FrameVerdict",
    "detail_doubted",
    "judge_burst",
    "same_sensor_noise",
    "shared_detail_leads",
    "places_outdone",
    "stops_between",
    "unjudged_grid_costs",
]
