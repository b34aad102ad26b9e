"""Burst grouping: split a time-ordered stream of photos into series.

A new series starts where the capture-time gap to the previous frame of the same camera
exceeds ``max_gap`` seconds, or where the two frames look different: SSIM between small
grayscale thumbnails (all neighbour pairs in one batched call, in NumPy: grouping needs no
torch, whose import would cost a fresh folder's cull more than the comparisons) below
``min_similarity``.  Each thumbnail is first mapped through its own tone distribution, so
an exposure change (an over-exposed burst frame, an exposure bracket) leaves it as it was
and only the structure is compared.  Frames shot very shortly after each other need less
similarity (down to ``min_similarity - short_gap_relief`` at no gap, back to
``min_similarity`` at ``short_gap`` seconds): at that pace a camera rarely turns to a new
scene, and a blurred or blown frame of the burst still belongs to it; but where two runs of
frames, each alike within, meet at a pair much less alike, the camera turned to another
scene framed alike, and the series ends there (:func:`_scene_changes`).  Where an exposure
change blew out (or crushed) part of one frame, the part both frames kept decides
(:mod:`app.exposed_likeness`).  A frame unlike its neighbour is also compared with the two
frames before that one: two defective frames in a row (noisy, then blown) can differ more
than each differs from the burst's clean frames; the same contrast of runs keeps that look
back from taking in the first frame of a scene framed alike that follows a burst ending in
a blown frame.  A frame blown to next to no picture shows no likeness by SSIM: it goes with
the frames it was shot closest to, or those the part it kept agrees with, and the frame
after it is compared with the frames before it; so is a frame of one flat tone that kept a
few pixels, unless it is alike beyond doubt (``FLAT_LIKENESS``).  A frame an exposure change
set apart from the frame before it, and like the frame after it, is its burst's when that
frame is like the burst too.  Photos from different camera bodies are grouped separately, so
two shooters' interleaved bursts never merge: bodies by make, model and serial number, and,
for bodies of one make and model that record no serial, by how each names and numbers its
files (:mod:`app.camera_bodies`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from app.camera_bodies import camera_bodies
from app.exposed_likeness import (
    BLOWN,
    CRUSHED,
    MIN_EXPOSED,
    alike_where_exposed,
    part_lost_to_exposure,
)
from app.imaging import binomial_smooth
from app.options import DEFAULT_MAX_GAP_S, DEFAULT_MIN_SIMILARITY
from app.photos.tasks import THUMB_SIZE, make_thumbnail

# Stored with every grouping; a new method makes reruns group again instead of reusing it.
# 2: tone-equalised thumbnails, and short gaps needing less similarity.
# 3: series kinds kept whole on strong evidence only, weak evidence flagged as possible.
# 4: a frame unlike its neighbour is also compared with the two frames before it, smoothed
#    thumbnails where grain hides the likeness, a blank frame right after joins.
# 5: series of one camera joined where a bracket the camera recorded runs across them.
# 6: bodies of one make and model without serial told apart by their file names and counters.
# 7: kinds told on distinct photos: byte-identical copies count once (app.exact_copies).
# 8: a name marked as taken by a file manager (IMG_0001 (2).JPG) is a source of its own.
# 9: focus stacks from a tripod also judged over the cells whose detail changes 1.4x.
# 10: a sweep whose cells show other content where they are softest is at most a possible stack.
# 11: a lone JPEG (or RAW) is a copy of the RAW+JPEG pair holding its twin (app.exact_copies).
# 12: untagged brackets whose brighter frames a tone curve's shoulder compresses flagged
#     possible, their step read from the frames under the base.
# 13: a byte-identical copy timed by its file takes its original's time (app.exact_copies).
# 14: the frame after one stray frame (blown nearly white) takes the series before it up
#     again, the stray frame with it.
# 15: a panorama step needs its shift to explain where neighbours agree: from a tripod, a
#     subject crossing a still background no longer passes for a pan.
# 16: frames an exposure change blew or crushed in part join where the part both kept agrees
#     (app.exposed_likeness); frames joined by time alone open the next scene when its frame
#     looks like them and unlike the series before.
# 17: a scene change is found where two runs of frames, each alike within, meet at a pair
#     that only a short gap's lenient need (or a look back) joined.
# 18: a look back past a burst's last frame that shows that contrast does not count: the
#     first frame of the next scene framed alike no longer joins a burst ending blown.
# 19: a frame with no picture (blown to white) is placed by its time and the part it kept,
#     never by SSIM: a burst ending in one no longer joins, or gives it to, the next scene.
# 20: a pair with a frame of one flat tone needs FLAT_LIKENESS by SSIM (a burst ending in a
#     flat blown frame no longer joins, or gives it to, the next scene); a scene change
#     needs the frame after the pair unlike the frame before it too (a shaken frame no
#     longer cuts its burst); a frame like a stray frame and like the series before it
#     takes that series up again with the stray frame (an over-exposed frame unlike the
#     one before it no longer cuts its burst).
GROUPING_VERSION = 20
DEFAULT_SHORT_GAP = 1.0  # seconds below which a pair needs less similarity
DEFAULT_SHORT_GAP_RELIEF = 0.1  # how much less, at no gap at all
_SSIM_WINDOW = 7
# Largest shift (in thumbnail pixels, 64 px = the frame) between two frames of a burst: 9 %
# (hand-held frames each off by 1-2 % of the frame, with zoom and rotation on top).
_MAX_SHIFT = 6
_PAIR_BATCH = 512
LOOK_BACK = 2  # earlier frames of a series a frame is also compared with
SMOOTHED_DISCOUNT = 0.15  # SSIM of smoothed thumbnails counts this much less
BLANK_RANGE = 6  # grey levels between a thumbnail's 5th and 95th percentile: one flat tone
# The SSIM a pair with a frame of one flat tone needs to be alike: standardised, such a frame
# spreads its few grey levels over the whole range and reads 0.2-0.4 with any smooth scene,
# above what a short gap needs; a flat scene's own frames (fog) agree far more.
FLAT_LIKENESS = 0.5
# A scene change between two frames that pass as alike: they are less alike than this, and
# each is more alike than them, by SCENE_CONTRAST, to its other neighbour (see _scene_changes).
SCENE_CHANGE_BELOW = 0.4
SCENE_CONTRAST = 0.4
# ... and less alike than this with the sharper of them blurred towards the other: a run of
# the burst's own frames blurred by a missed focus is alike again then.
SCENE_BLURRED_BELOW = 0.6
# A frame set apart from the burst before it by an exposure change was shot no longer after
# it than this many times the gap to the frame after it (a burst's pace is steady).
PACE_SLACK = 1.5
SCENE_BLUR_PASSES = 6  # _smoothed applied up to this often (a Gaussian of up to 2.5 px)


__all__ = [
    "THUMB_SIZE",
    "GroupItem",
    "GroupingParams",
    "group_series",
    "make_thumbnail",
    "neighbour_similarity",
    "pair_similarities",
    "pause_runs",
]


@dataclass(frozen=True)
class GroupingParams:
    max_gap: float = DEFAULT_MAX_GAP_S
    min_similarity: float = DEFAULT_MIN_SIMILARITY
    short_gap: float = DEFAULT_SHORT_GAP
    short_gap_relief: float = DEFAULT_SHORT_GAP_RELIEF

    def required_similarity(self, gap: float) -> float:
        """The similarity two frames ``gap`` seconds apart need to share a series."""
        if self.short_gap <= 0:
            return self.min_similarity
        closeness = max(0.0, 1.0 - max(gap, 0.0) / self.short_gap)
        return self.min_similarity - self.short_gap_relief * closeness


@dataclass(frozen=True)
class GroupItem:
    """What grouping needs to know about one photo."""

    key: str
    camera: str
    seconds: float  # capture time on the camera's clock
    thumbnail: np.ndarray  # (THUMB_SIZE, THUMB_SIZE) uint8 grayscale


def neighbour_similarity(
    first: np.ndarray, second: np.ndarray, enough: float | np.ndarray | None = None
) -> np.ndarray:
    """SSIM of each pair ``(first[i], second[i])`` of uint8 thumbnails, batched.

    Each thumbnail is mapped through its own tone distribution (:func:`_standardise`) so a
    brighter or darker frame of the same scene is not mistaken for a new scene.
    Hand-held frames are shifted against each other, and SSIM drops fast with a shift, so the
    pair is also compared after aligning it by the shift phase correlation finds (up to 9 % of
    the frame) and the better value counts.  With ``enough``, pairs that reach it unshifted are
    not aligned (their value is then a lower bound): grouping only needs to know which side of
    its threshold a pair is on.
    """
    first, second = np.asarray(first), np.asarray(second)
    if len(first) == 0:
        return np.zeros(0, dtype=np.float32)
    if enough is not None:
        enough = np.broadcast_to(np.asarray(enough, dtype=float), (len(first),))
    best = _ssim_at(first, second, np.zeros((len(first), 2), dtype=int))
    search = np.arange(len(first)) if enough is None else np.flatnonzero(best < enough)
    if search.size:
        shifts = _phase_shifts(first[search], second[search])
        best[search] = np.maximum(best[search], _ssim_at(first[search], second[search], shifts))
        # Grain scatters the tones of a flat sky over the whole range once standardised;
        # smoothed a little, a noisy frame of the burst looks like its clean neighbours again.
        # Smoothing also makes two flat, unrelated scenes more alike, so it counts less.
        if enough is not None:
            search = search[best[search] < enough[search]]
        if search.size:
            smooth_first, smooth_second = _smoothed(first[search]), _smoothed(second[search])
            again = _ssim_at(
                smooth_first, smooth_second, _phase_shifts(smooth_first, smooth_second)
            )
            best[search] = np.maximum(best[search], again - SMOOTHED_DISCOUNT)
    return best


def _smoothed(thumbs: np.ndarray) -> np.ndarray:
    """Thumbnails filtered twice by [1 2 1] / 4 each way (about a Gaussian of sigma 1 px)."""
    values = binomial_smooth(binomial_smooth(thumbs))
    return np.clip(values + 0.5, 0, 255).astype(np.uint8)


def _phase_shifts(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """(dy, dx) per pair that best moves ``second`` onto ``first``, within +-_MAX_SHIFT pixels."""
    a = np.fft.fft2(first.astype(np.float32) - first.mean(axis=(1, 2), keepdims=True))
    b = np.fft.fft2(second.astype(np.float32) - second.mean(axis=(1, 2), keepdims=True))
    cross = b * np.conj(a)
    surface = np.fft.ifft2(cross / np.maximum(np.abs(cross), 1e-9)).real
    # Only small shifts are plausible for a burst: look at the corners of the correlation surface.
    window = np.arange(-_MAX_SHIFT, _MAX_SHIFT + 1)
    local = surface[:, window[:, None] % THUMB_SIZE, window[None, :] % THUMB_SIZE]
    flat = local.reshape(len(first), -1).argmax(axis=1)
    return np.stack([window[flat // len(window)], window[flat % len(window)]], axis=1)


def _ssim_at(first: np.ndarray, second: np.ndarray, shifts: np.ndarray) -> np.ndarray:
    """SSIM between the centre of ``first[i]`` and ``second[i]`` moved by ``shifts[i]``."""
    margin, size = _MAX_SHIFT, THUMB_SIZE - 2 * _MAX_SHIFT
    out = []
    for start in range(0, len(first), _PAIR_BATCH):
        a = _standardise(first[start : start + _PAIR_BATCH])
        b = _standardise(second[start : start + _PAIR_BATCH])
        centre = a[:, margin : margin + size, margin : margin + size]
        moved = np.stack(
            [
                b[k, margin + dy : margin + dy + size, margin + dx : margin + dx + size]
                for k, (dy, dx) in enumerate(shifts[start : start + _PAIR_BATCH].tolist())
            ]
        )
        out.append(_ssim(centre, moved))
    return np.concatenate(out)


def _ssim(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Mean SSIM of each pair of (n, h, w) float32 images in [0, 1]: the standard definition
    (Wang et al. 2004) with a Gaussian window of ``_SSIM_WINDOW`` px and sigma 1.5, valid
    positions only, K1 = 0.01, K2 = 0.03."""
    c1, c2 = np.float32(0.01**2), np.float32(0.03**2)
    mu_x, mu_y = _gaussian_blur(x), _gaussian_blur(y)
    mu_xx, mu_yy, mu_xy = mu_x * mu_x, mu_y * mu_y, mu_x * mu_y
    var_x = _gaussian_blur(x * x) - mu_xx
    var_y = _gaussian_blur(y * y) - mu_yy
    cov = _gaussian_blur(x * y) - mu_xy
    contrast_structure = (2 * cov + c2) / (var_x + var_y + c2)
    ssim_map = ((2 * mu_xy + c1) / (mu_xx + mu_yy + c1)) * contrast_structure
    return ssim_map.reshape(len(x), -1).mean(axis=1, dtype=np.float32)


def _gaussian_window() -> np.ndarray:
    taps = np.arange(_SSIM_WINDOW, dtype=np.float32) - _SSIM_WINDOW // 2
    window = np.exp(-(taps**2) / np.float32(2 * 1.5**2))
    return window / window.sum()


_WINDOW = _gaussian_window()  # the separable SSIM window, sigma 1.5


def _gaussian_blur(images: np.ndarray) -> np.ndarray:
    """(n, h, w) filtered by the separable SSIM window, valid positions only."""
    rows = images.shape[1] - _SSIM_WINDOW + 1
    vertical = sum(w * images[:, k : k + rows, :] for k, w in enumerate(_WINDOW))
    cols = images.shape[2] - _SSIM_WINDOW + 1
    return sum(w * vertical[:, :, k : k + cols] for k, w in enumerate(_WINDOW))


def _standardise(thumbs: np.ndarray) -> np.ndarray:
    """Thumbnails mapped through their own tone distribution, as float32 in [0, 1].

    Each pixel becomes the share of the thumbnail darker than it (ties share the middle), so
    any exposure change or tone curve that keeps the order of tones leaves the thumbnail as
    it was; only clipping (tones merged into white or black) remains.  A flat thumbnail
    stays flat.
    """
    thumbs = np.asarray(thumbs, dtype=np.uint8)
    count = thumbs.shape[1] * thumbs.shape[2]
    flat = thumbs.reshape(len(thumbs), -1)
    offsets = (np.arange(len(thumbs)) * 256)[:, None]
    histogram = np.bincount((flat + offsets).ravel(), minlength=256 * len(thumbs)).reshape(-1, 256)
    below = np.cumsum(histogram, axis=1) - histogram
    levels = (below + histogram / 2.0) / count  # (n, 256): tone -> its share below
    mapped = np.take_along_axis(levels, flat.astype(np.int64), axis=1).reshape(thumbs.shape)
    return mapped.astype(np.float32)


def group_series(
    items: Sequence[GroupItem],
    params: GroupingParams = GroupingParams(),
    bodies: Sequence[str] | None = None,
) -> list[list[int]]:
    """Indices of ``items`` grouped into series, each in capture order, series by start time.

    A photo with no neighbour close in time and look is a series of one.  ``bodies``: each
    item's camera body as ``camera_bodies(items, params.max_gap)`` tells it, where the caller
    needs them too (told here otherwise).
    """
    if not items:
        return []
    if bodies is None:
        bodies = camera_bodies(items, params.max_gap)
    streams = _camera_streams(items, bodies)
    pairs = [(stream[k], stream[k + 1]) for stream in streams for k in range(len(stream) - 1)]
    similar_gap: dict[tuple[int, int], bool] = {}
    scene_changes: set[tuple[int, int]] = set()
    thumbnails = np.stack([item.thumbnail for item in items])
    flat = _flat(thumbnails)
    runs = _Runs({}, {a: b for a, b in pairs}, _has_picture(thumbnails, flat), flat)
    picture = runs.picture
    if pairs:
        close = [p for p in pairs if items[p[1]].seconds - items[p[0]].seconds <= params.max_gap]
        if close:
            first = np.stack([items[a].thumbnail for a, _ in close])
            second = np.stack([items[b].thumbnail for _, b in close])
            needed = np.array(
                [
                    _needed(params, items[b].seconds - items[a].seconds, flat[a] or flat[b])
                    for a, b in close
                ]
            )
            # Pairs that could show a scene change's contrast are aligned too, so that
            # _scene_changes reads their best value, not a lower bound.
            values = neighbour_similarity(
                first, second, enough=np.maximum(needed, SCENE_CHANGE_BELOW + SCENE_CONTRAST)
            )
            similar_gap = {
                pair: bool(v >= need) for pair, v, need in zip(close, values, needed, strict=True)
            }
            runs.values.update(zip(close, values.tolist(), strict=True))
            scene_changes = _scene_changes(items, streams, runs.values)

    series: list[list[int]] = []
    for stream in streams:
        start = len(series)  # the stream's first series
        current = [stream[0]] if stream else []
        # the last frames of ``current``, joined by their time alone (no picture, or flat)
        on_time_alone = [i for i in current if not picture[i]]
        for previous, index in zip(stream, stream[1:], strict=False):
            if (previous, index) in scene_changes:
                # a frame unlike the run it follows and like the run it starts: no earlier
                # frame's likeness, which shared framing gives, takes it into the series
                series.append(current)
                current, on_time_alone = [index], []
                continue
            # SSIM reads nothing in a frame without a picture; the part it kept may agree
            alike = (
                picture[previous] and picture[index] and similar_gap.get((previous, index), False)
            ) or _exposed_alike_soon(items[previous], items[index], params)
            if not picture[index]:
                if alike or _shot_soon_after(items[previous], items[index], params):
                    current.append(index)
                    if on_time_alone or not alike:
                        on_time_alone.append(index)  # its place is told by its time
                else:
                    series.append(current)
                    current, on_time_alone = [index], [index]
                continue
            if on_time_alone:
                before = current[: -len(on_time_alone)]
                if before and _like_earlier(items, [*before, previous], index, params, runs):
                    # like the series before them, looking past them
                    current.append(index)
                elif alike or _nearer_next(items, before, on_time_alone, index, params):
                    # frames with no picture, then a frame unlike the series before them
                    # and like the last of them, or shot sooner after them than they were
                    # after that series: they open its scene rather than close the last
                    if before:
                        series.append(before)
                    current = [*on_time_alone, index]
                else:
                    series.append(current)
                    current = [index]
                on_time_alone = []
                continue
            if alike or _like_earlier(items, current, index, params, runs):
                if (
                    len(current) == 1
                    and len(series) > start
                    and _stray_by_exposure(items, series[-1][-1], previous, index, runs)
                    and (series[-1][-1], previous) not in scene_changes
                    and _resumes_after_stray(items, series[-1], current, index, params, runs)
                ):
                    # like the stray frame and like the series before it: the stray frame
                    # was that series' (a frame an exposure change set apart from the one
                    # before it, not from the one after)
                    current = series.pop() + current
                current.append(index)
            elif flat[index] and _shot_soon_after(items[previous], items[index], params):
                # one flat tone cannot show a new scene: at that pace it is the burst's frame
                # that the light blew out or the dark left flat
                current.append(index)
                on_time_alone.append(index)
            elif len(series) > start and _resumes_after_stray(
                items, series[-1], current, index, params, runs
            ):
                # the stream's series before, continued by the stray frame and this one
                current = [*series.pop(), *current, index]
            else:
                series.append(current)
                current = [index]
        if current:
            series.append(current)
    series.sort(key=lambda members: (items[members[0]].seconds, items[members[0]].key))
    return series


def _scene_changes(
    items: Sequence[GroupItem],
    streams: Sequence[list[int]],
    values: dict[tuple[int, int], float],
) -> set[tuple[int, int]]:
    """The neighbour pairs across which one scene ends and another starts, though they pass
    as alike: the two frames are less alike than SCENE_CHANGE_BELOW, and the frame before
    the pair and the frame after it each look more alike to their own neighbour in the pair,
    by SCENE_CONTRAST.  Not where an exposure change blew or crushed part of one of them,
    nor where they are alike once blurred (SCENE_BLURRED_BELOW): a burst whose last frames
    the light blew out, or a missed focus blurred, is two such runs too.  Nor where the
    frame after the pair is as alike to the frame before it as no pair across a change is
    (SCENE_CHANGE_BELOW): a shaken frame unlike the next one, a defocused one, is still its
    burst's when the burst's earlier frame is like both.

    Scenes shot alike (a table, a wall, a street at the same height) keep some likeness
    after a turn of the camera, which a short gap's lenient need lets pass; within a
    burst, a frame that a defect set apart (blurred, noisy, blown) is as unlike the frame
    after it as the frame before, so the contrast on both sides holds only at a boundary
    between two runs of frames that each agree among themselves.  ``values``: the
    similarity of every neighbour pair close in time (pairs that passed unaligned read
    as a lower bound there, above any contrast a pair below SCENE_CHANGE_BELOW needs)."""
    candidates = []  # (frame before the pair, pair, its runs' likeness): contrast to confirm
    for stream in streams:
        for k in range(1, len(stream) - 2):
            before, pair, after = (
                (stream[k - 1], stream[k]),
                (stream[k], stream[k + 1]),
                (stream[k + 1], stream[k + 2]),
            )
            if not all(p in values for p in (before, pair, after)):
                continue
            runs = min(values[before], values[after])
            if _runs_contrast(values[pair], runs):
                candidates.append((before[0], pair, runs))
    if not candidates:
        return set()
    # the frame after the pair against the frame before it, all at once
    looks_back = neighbour_similarity(
        np.stack([items[earlier].thumbnail for earlier, _, _ in candidates]),
        np.stack([items[pair[1]].thumbnail for _, pair, _ in candidates]),
        enough=SCENE_CHANGE_BELOW,
    )
    return {
        pair
        for (_, pair, runs), back in zip(candidates, looks_back, strict=True)
        if back < SCENE_CHANGE_BELOW
        and _contrast_shows_change(
            values[pair], runs, items[pair[0]].thumbnail, items[pair[1]].thumbnail
        )
    }


def _contrast_shows_change(
    value: float, runs: float, first: np.ndarray, second: np.ndarray, excuse_clipped: bool = True
) -> bool:
    """Whether two frames ``value`` alike, each of which is ``runs`` alike (at least) to a
    frame of its own run, show a scene change (see :func:`_scene_changes`).  A pair one of
    which an exposure change clipped in part is excused (``excuse_clipped``), or only where
    the part both kept agrees (:func:`alike_where_exposed`)."""
    if not _runs_contrast(value, runs):
        return False
    if part_lost_to_exposure(first, second) and (
        excuse_clipped or alike_where_exposed(first, second)
    ):
        return False
    return _blurred_similarity(first, second) < SCENE_BLURRED_BELOW


def _runs_contrast(value: float, runs: float) -> bool:
    """Whether two frames ``value`` alike are set apart from runs ``runs`` alike within as
    a scene change sets them: less alike than SCENE_CHANGE_BELOW, by SCENE_CONTRAST."""
    return value < SCENE_CHANGE_BELOW and runs >= value + SCENE_CONTRAST


def _blurred_similarity(first: np.ndarray, second: np.ndarray) -> float:
    """SSIM of two thumbnails at their best once the sharper is blurred towards the other,
    by up to SCENE_BLUR_PASSES of :func:`_smoothed` (aligned): how alike they are if one of
    them is only the other with less detail, as a missed focus or a shake leaves it."""
    sharper, softer = sorted((first, second), key=_detail_energy, reverse=True)
    blurred = [sharper[None]]
    for _ in range(SCENE_BLUR_PASSES):
        blurred.append(_smoothed(blurred[-1]))
    candidates = np.concatenate(blurred)
    others = np.repeat(softer[None], len(candidates), axis=0)
    return float(_ssim_at(candidates, others, _phase_shifts(candidates, others)).max())


def _detail_energy(thumbnail: np.ndarray) -> float:
    """Mean squared difference of horizontal and vertical neighbours."""
    values = thumbnail.astype(np.float32)
    return float(np.mean(np.diff(values, axis=0) ** 2) + np.mean(np.diff(values, axis=1) ** 2))


def _flat(thumbnails: np.ndarray) -> np.ndarray:
    """Whether each thumbnail (the last two axes) is one flat tone: its 5th and 95th
    percentiles within BLANK_RANGE grey levels."""
    low, high = np.percentile(thumbnails, [5, 95], axis=(-2, -1))
    return (high - low) <= BLANK_RANGE


def _has_picture(thumbnails: np.ndarray, flat: np.ndarray) -> np.ndarray:
    """Whether each thumbnail holds a picture: not one flat tone (``flat``: :func:`_flat`)
    that clipping made, with fewer than MIN_EXPOSED pixels left between white and black.
    Standardised, such a thumbnail spreads the few grey levels its clipping left (read
    noise, a lens's fall-off) over the whole range, and its SSIM with any smooth scene reads
    0.2-0.4: no evidence of which scene it belongs to.  A frame with a few hundred pixels
    exposed keeps the scene's darkest parts there, and a flat scene that nothing clipped (a
    dim table, fog) its structure, which standardising brings out."""
    exposed = ((thumbnails < BLOWN) & (thumbnails > CRUSHED)).sum(axis=(-2, -1))
    return ~flat | (exposed >= MIN_EXPOSED)


def _nearer_next(
    items: Sequence[GroupItem],
    before: list[int],
    alone: list[int],
    index: int,
    params: GroupingParams,
) -> bool:
    """Whether frames joined by their time alone (``alone``, in capture order: no picture,
    or one flat tone) go with ``index``, the first frame of another scene after them, rather
    than with the series before them (``before``): shot within ``short_gap`` before
    ``index``, and sooner before it than after the series' last frame.  A burst's frames
    follow each other at a steady pace, so a blown frame is the burst's whose frames it is
    shot closest to."""
    after = items[index].seconds - items[alone[-1]].seconds
    if after > params.short_gap:
        return False
    return not before or after < items[alone[0]].seconds - items[before[-1]].seconds


class _Runs(NamedTuple):
    """What grouping read of each stream's neighbours: the similarity of every pair close
    in time (``values``), the frame after each (``following``), and whether each item holds
    a picture (``picture``: :func:`_has_picture`)."""

    values: dict[tuple[int, int], float]
    following: dict[int, int]
    picture: np.ndarray
    flat: np.ndarray  # whether each item is one flat tone (:func:`_flat`)

    def likeness_within(self, index: int, series: list[int]) -> float:
        """How alike ``index`` is to a neighbour of its own in ``series`` (the frame before or
        after it; -1 without one close in time)."""
        at = series.index(index)
        pairs = [(series[at - 1], index)] if at > 0 else []
        pairs += [(index, after) for after in series[at + 1 : at + 2]]
        return max((self.values.get(pair, -1.0) for pair in pairs), default=-1.0)

    def likeness_after(self, index: int) -> float:
        """How alike ``index`` is to the frame after it (-1 without one close in time)."""
        return self.values.get((index, self.following.get(index, -1)), -1.0)


def _like_earlier(
    items: Sequence[GroupItem],
    current: list[int],
    index: int,
    params: GroupingParams,
    runs: _Runs,
) -> bool:
    """Whether ``index``, shot within ``short_gap`` of the series' last frame, looks like one
    of the LOOK_BACK frames before that one (in time and look, as for neighbours).

    Two defective frames in a row (an over-exposed frame after a noisy one, as when the
    light or the camera's ISO changes at the end of a burst) can look less alike than
    either looks like the clean frames before them; only asked when the neighbours differ.
    A look back that shows a scene change does not count: the earlier frame is much more
    alike to a neighbour in its own series, and ``index`` to the frame after it, than the
    two are to each other (the contrast of :func:`_scene_changes`).  After a burst's blown
    last frame, unlike anything, the look back is what would otherwise take the first frame
    of the next scene framed alike into the burst.  An exposure change excuses the pair here
    only where the part both frames kept agrees.  Frames with no picture among the earlier
    ones show no likeness and are passed over; after one, this is how the frame that follows
    it is compared with its series.
    """
    if items[index].seconds - items[current[-1]].seconds > params.short_gap:
        return False
    earlier = [k for k in current[-1 - LOOK_BACK : -1] if runs.picture[k]]
    for k in reversed(earlier):
        gap = items[index].seconds - items[k].seconds
        if gap > params.max_gap:
            continue
        value = float(
            neighbour_similarity(items[k].thumbnail[None], items[index].thumbnail[None])[0]
        )
        flat = bool(runs.flat[k] or runs.flat[index])
        if value < _needed(params, gap, flat) and not _exposed_alike_soon(
            items[k], items[index], params
        ):
            continue
        if _contrast_shows_change(
            value,
            min(runs.likeness_within(k, current), runs.likeness_after(index)),
            items[k].thumbnail,
            items[index].thumbnail,
            excuse_clipped=False,
        ):
            continue  # a frame like the next scene's run, unlike the earlier frame's run
        return True
    return False


def _needed(params: GroupingParams, gap: float, flat: bool) -> float:
    """The similarity two frames ``gap`` seconds apart need to share a series, one of them
    one flat tone (``flat``) or not."""
    need = params.required_similarity(gap)
    return max(need, FLAT_LIKENESS) if flat else need


def _exposed_alike_soon(previous: GroupItem, item: GroupItem, params: GroupingParams) -> bool:
    """Whether ``item``, shot within ``short_gap`` of ``previous`` and exposed so differently
    that one of them lost part of its picture to white or black, agrees with it where both
    kept the picture (:func:`app.exposed_likeness.alike_where_exposed`): the blown frames
    that end or start a burst when the light changes."""
    return _shot_soon_after(previous, item, params) and alike_where_exposed(
        previous.thumbnail, item.thumbnail
    )


def _shot_soon_after(previous: GroupItem, item: GroupItem, params: GroupingParams) -> bool:
    """Whether ``item`` was shot by the same camera within ``short_gap`` after ``previous``."""
    gap = item.seconds - previous.seconds
    return item.camera == previous.camera and 0 <= gap <= params.short_gap


def _stray_by_exposure(
    items: Sequence[GroupItem], before: int, stray: int, after: int, runs: _Runs
) -> bool:
    """Whether ``stray``, a frame unlike ``before`` and like ``after``, may be a burst frame
    an exposure change set apart: ``before`` and ``stray`` both hold a picture, the change
    took part of one's (:func:`app.exposed_likeness.part_lost_to_exposure`), and ``stray``
    was shot at the pace of the frames around it (no longer after ``before`` than PACE_SLACK
    times what ``after`` took), as a burst's frames are; the first frame of a new scene
    follows a pause."""
    pace = items[after].seconds - items[stray].seconds
    return (
        bool(runs.picture[before] and runs.picture[stray])
        and part_lost_to_exposure(items[before].thumbnail, items[stray].thumbnail)
        and items[stray].seconds - items[before].seconds <= PACE_SLACK * pace
    )


def _resumes_after_stray(
    items: Sequence[GroupItem],
    closed: list[int],
    current: list[int],
    index: int,
    params: GroupingParams,
    runs: _Runs,
) -> bool:
    """Whether ``index`` takes up the series ``closed`` again after one stray frame
    (``current``, a series of one): the stray frame was shot within ``short_gap`` of both,
    and ``index`` looks like one of the last frames of ``closed`` (as :func:`_like_earlier`
    asks).  A frame blown nearly white or black keeps too little of the scene to look like
    its neighbours, so it splits a burst, and the frame after it, unlike it, could not join
    the burst again; at a burst's pace, a frame between two frames of one scene is that
    scene's frame.  Asked too where ``index`` is like the stray frame: an exposure change
    can set a frame apart from the frame before it but not from the frame after it."""
    if len(current) != 1:
        return False
    stray = current[0]
    gaps = (
        items[stray].seconds - items[closed[-1]].seconds,
        items[index].seconds - items[stray].seconds,
    )
    if not all(0 <= gap <= params.short_gap for gap in gaps):
        return False
    return _like_earlier(items, [*closed, stray], index, params, runs)


def pause_runs(times: Sequence[tuple[float, str]], max_gap: float) -> list[list[int]]:
    """Indices of ``(seconds, key)`` frames in capture order, cut where the shoot pauses for
    longer than ``max_gap`` (any camera).

    No series spans such a pause (every pair across it is further apart than ``max_gap``, and
    a panorama's frames are joined within ``max_gap`` too), so each run can be grouped, and
    its series ranked, as soon as its frames are read, with the series of the whole card.
    """
    order = sorted(range(len(times)), key=lambda i: times[i])
    runs: list[list[int]] = []
    for previous, index in zip([None, *order], order, strict=False):
        if previous is None or times[index][0] - times[previous][0] > max_gap:
            runs.append([])
        runs[-1].append(index)
    return runs


def pair_similarities(items: Sequence[GroupItem]) -> list[tuple[int, int, float, float]]:
    """(i, j, gap seconds, SSIM) for every time-neighbour pair of the same camera; for tuning."""
    pairs = [
        pair
        for stream in _camera_streams(items, camera_bodies(items, DEFAULT_MAX_GAP_S))
        for pair in zip(stream, stream[1:], strict=False)
    ]
    if not pairs:
        return []
    values = neighbour_similarity(
        np.stack([items[a].thumbnail for a, _ in pairs]),
        np.stack([items[b].thumbnail for _, b in pairs]),
    )
    return [
        (a, b, items[b].seconds - items[a].seconds, float(v))
        for (a, b), v in zip(pairs, values, strict=True)
    ]


def _camera_streams(items: Sequence[GroupItem], bodies: Sequence[str]) -> list[list[int]]:
    """Indices per camera body (``bodies``, one per item), each list in capture order."""
    by_camera: dict[str, list[int]] = defaultdict(list)
    for index, body in enumerate(bodies):
        by_camera[body].append(index)
    return [
        sorted(indices, key=lambda i: (items[i].seconds, items[i].key))
        for indices in by_camera.values()
    ]
