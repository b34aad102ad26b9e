"""What the technical scorer measures on one frame, small enough to send between processes.

A burst's frames are compared with each other later (:mod:`app.scoring.burst`), after each
was measured on its own in a worker process.  Frames of a hand-held burst are shifted against
each other, so nothing here is kept by position: the detail is kept as the *distribution* of
per-tile gradient energies (sorted, as quantiles) per direction and at two scales, and the
tones as quantiles of luma and of the brightest channel.  Distributions survive a shift; a
blur scales the detail distribution down, noise adds a constant to it, an exposure change
scales the tones.  One small square of luma around the frame's strongest structure is kept
as it is: where the burst's frames keep the same place, their detail can be compared pixel
by pixel, which tells it from grain (the frames share one, not the other).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageChops

from app.imaging import binomial_smooth, tile_means

TILE = 32  # px at the analysis size
QUANTILES = np.linspace(0.02, 0.98, 25)
TONE_QUANTILES = np.linspace(0.0, 1.0, 101)
CLIP_HIGH = 250  # 8-bit values at or above: blown out
CLIP_LOW = 5  # at or below: crushed
LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114])  # of red, green, blue in luma (ITU-R 601)
PLATEAU_STOPS = 0.3  # values this close below a frame's top are one flat white ...
PLATEAU_MIN = 0.005  # ... if there are at least this many of them (an area, not specks)
# Directions of the gradient pairs: horizontal, vertical, and both diagonals.
DIRECTIONS = ("0", "90", "45", "135")
# The patch kept at full analysis resolution around a frame's strongest structure: the
# window compared between frames, and the margin around it that a hand-held shift of 1-2 %
# (10-20 px at 1024 px) and a window placed a block apart still leave in common.
PATCH = 64
PATCH_MARGIN = 24
PATCH_BLOCK = 4  # px: structure is found on block means, where grain averages away
PATCH_SIZE = PATCH + 2 * PATCH_MARGIN  # px: the side of the square kept


@dataclass(frozen=True)
class FrameMeasures:
    """One frame's detail and tone distributions; see the module docstring."""

    fine: np.ndarray  # (4, len(QUANTILES)) sorted per-tile gradient energy per direction
    coarse: np.ndarray  # (4, len(QUANTILES)) the same on the frame halved (noise averaged down)
    fine_map: np.ndarray  # (rows, cols) per-tile gradient energy, all directions: where it is
    coarse_map: np.ndarray  # (rows, cols) the same on the halved frame
    luma: np.ndarray  # (len(TONE_QUANTILES),) luma quantiles in [0, 1] (gamma-encoded)
    peak: np.ndarray  # (len(TONE_QUANTILES),) quantiles of the brightest channel
    clipped_high: float  # fraction of pixels with a channel blown out
    clipped_low: float  # fraction of pixels crushed to black in every channel
    white_plateau: float  # fraction of pixels near the brightest: see white_plateau()
    grid_steps: tuple[float, float]  # mean squared step at the strongest and a typical offset
    shape: tuple[int, int]  # analysis size (height, width)
    # Per tile, on the fine_map's grid: mean luma and blown-out fraction.  Kept by position
    # so that the explanation of a pick (app.scoring.why) can say where two frames differ.
    tone_map: np.ndarray | None = None
    clip_map: np.ndarray | None = None
    # Per tile, on the fine_map's grid: the noise sigma a second-difference residual reads
    # there (see noise_residual_map); in flat tiles it is the frame's noise.
    noise_map: np.ndarray | None = None
    # Luma (8 bits) of a PATCH + 2 PATCH_MARGIN square around the frame's strongest
    # structure (see structure_patch): compared pixel by pixel with the other frames of its
    # burst, where grain, unlike detail, is not shared.
    patch: np.ndarray | None = None
    patch_origin: tuple[int, int] = (0, 0)  # (top, left) of the patch in the frame
    # Per tile of the coarse_map, per direction (DIRECTIONS): the root mean squared
    # neighbour difference on the halved frame, in half precision, (4, rows, cols).  Kept
    # by position and by direction so that the burst can find a subject smeared along its
    # motion where the frames differ (app.scoring.motion), however small a part of the
    # frame it is; on the halved frame, where grain counts least.
    coarse_directions: np.ndarray | None = None
    # Per direction (DIRECTIONS): how steep the frame's outlines are, as stops of gradient
    # energy on the frame quartered and smoothed (see outline_steepness).  A smooth subject
    # (a plain ball, a bare arm) has detail only in its outline, and a fine texture behind
    # it (a checked table, gravel) holds most of every tile's energy at finer scales.
    outlines: np.ndarray | None = None
    # What clipping took of each pixel's luma: the luma weights (LUMA_WEIGHTS) of its
    # channels blown out, summed (a blown white counts 1, a red at its top 0.3, a green
    # 0.6).  A saturated colour under a coloured light (a bronze under a warm lamp, a red
    # flower) clips its brightest channel at a normal exposure and keeps its tone and
    # detail in the others; a white, or a star's core where two channels clip, loses it.
    # None in measures taken before it was kept: clipped_high stands in.
    blown_luma: float | None = None
    # white_plateau counted the same way (its channels near the frame's top, by their luma
    # weights), so that a plateau and what a brighter frame blows out of it compare.
    plateau_luma: float | None = None

    @property
    def blown(self) -> float:
        """What clipping took: :attr:`blown_luma`, or :attr:`clipped_high` where
        the frame was measured without it."""
        return self.clipped_high if self._by_pixel else float(self.blown_luma)

    @property
    def plateau(self) -> float:
        """The white plateau in the units of :attr:`blown`."""
        return self.white_plateau if self._by_pixel else float(self.plateau_luma)

    @property
    def _by_pixel(self) -> bool:
        return self.blown_luma is None or self.plateau_luma is None

    @property
    def blockiness(self) -> float:
        """How much larger the steps at one offset of an 8 px grid are than at a typical
        offset, as log2 of their ratio (0: no grid).

        A JPEG saved again at a low quality leaves steps at its 8 px block borders; the grid
        of an earlier compression may sit at any offset, so the strongest offset counts.  A
        ratio does not change with exposure; texture and grain add to every offset alike and
        hide a grid, as they do from the eye.  A camera's own light compression measures
        about 0 to 1 (most in smooth scenes), a JPEG saved again at quality 30 0.5 to 2.5.
        """
        strongest, typical = self.grid_steps
        return float(np.log2(max(strongest, 1e-12) / max(typical, 1e-12)))


def analysis_image(image: Image.Image, input_size: int) -> Image.Image:
    """The frame in RGB, its longer side at most ``input_size``."""
    if max(image.size) > input_size:
        scale = input_size / max(image.size)
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    return image if image.mode == "RGB" else image.convert("RGB")


def measure_frame(image: Image.Image) -> FrameMeasures:
    """Detail and tone distributions of one RGB frame (measured at its size)."""
    luma = image.convert("L")
    red, green, blue = image.split()
    peak = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    # Pillow counts 8-bit values several times faster than np.bincount (no widening copy).
    luma_counts = np.asarray(luma.histogram(), dtype=np.int64)
    peak_counts = np.asarray(peak.histogram(), dtype=np.int64)
    pixels = peak.width * peak.height
    channel_counts = np.asarray(image.histogram(), dtype=np.int64).reshape(3, 256)
    gray = np.asarray(luma).astype(np.float32) * np.float32(1 / 255)
    fine, fine_map, grid_steps, _ = _detail(gray, TILE)
    halved = _halve(gray)
    coarse, coarse_map, _, coarse_directions = _detail(halved, TILE // 2)
    rows, cols = fine_map.shape
    tiled = (slice(0, rows * TILE), slice(0, cols * TILE))
    blown = np.asarray(peak)[tiled] >= CLIP_HIGH
    patch, origin = structure_patch(np.asarray(luma))
    return FrameMeasures(
        fine=fine,
        coarse=coarse,
        fine_map=fine_map,
        coarse_map=coarse_map,
        luma=_histogram_quantiles(luma_counts),
        peak=_histogram_quantiles(peak_counts),
        clipped_high=float(peak_counts[CLIP_HIGH:].sum() / pixels),
        clipped_low=float(peak_counts[: CLIP_LOW + 1].sum() / pixels),
        white_plateau=white_plateau(peak_counts),
        grid_steps=grid_steps,
        shape=gray.shape,
        tone_map=tile_means(gray[tiled], TILE),
        clip_map=tile_means(blown.astype(np.float32), TILE),
        noise_map=noise_residual_map(gray, TILE)[:rows, :cols],
        patch=patch,
        patch_origin=origin,
        coarse_directions=coarse_directions,
        outlines=outline_steepness(_halve(halved)),
        blown_luma=float(LUMA_WEIGHTS @ channel_counts[:, CLIP_HIGH:].sum(axis=1) / pixels),
        plateau_luma=white_plateau(peak_counts, channel_counts),
    )


def structure_patch(luma: np.ndarray) -> tuple[np.ndarray | None, tuple[int, int]]:
    """The 8-bit luma around the frame's strongest structure: the PATCH square whose block
    means (PATCH_BLOCK px) have the most gradient energy, with PATCH_MARGIN around it.

    Block means average grain away (an ISO 12800 frame's grain falls under the edges of a
    defocused background there), so the frames of a burst mostly find the same structure, a
    subject's outline or its texture, a hand-held shift apart.  With its (top, left); None
    for a frame too small.
    """
    size = PATCH_SIZE
    height, width = luma.shape
    if height < size or width < size:
        return None, (0, 0)
    rows, cols = height // PATCH_BLOCK, width // PATCH_BLOCK
    blocks = tile_means(
        luma[: rows * PATCH_BLOCK, : cols * PATCH_BLOCK].astype(np.float32), PATCH_BLOCK
    )
    energy = np.zeros((rows, cols), dtype=np.float32)
    energy[:, 1:] += np.diff(blocks, axis=1) ** 2
    energy[1:, :] += np.diff(blocks, axis=0) ** 2
    span = PATCH // PATCH_BLOCK
    sums = np.cumsum(np.cumsum(np.pad(energy, ((1, 0), (1, 0))), axis=0), axis=1)
    windows = sums[span:, span:] - sums[:-span, span:] - sums[span:, :-span] + sums[:-span, :-span]
    row, col = np.unravel_index(int(np.argmax(windows)), windows.shape)
    top = min(max(row * PATCH_BLOCK - PATCH_MARGIN, 0), height - size)
    left = min(max(col * PATCH_BLOCK - PATCH_MARGIN, 0), width - size)
    return np.ascontiguousarray(luma[top : top + size, left : left + size]), (int(top), int(left))


def outline_steepness(quartered: np.ndarray) -> np.ndarray | None:
    """(4,) per direction (DIRECTIONS), half the log2 of the mean fourth power of the
    neighbour difference on the quartered frame smoothed by [1 2 1] both ways: stops of
    energy of its steepest edges; None for a frame too small to have outlines there (no
    number would be comparable with another frame's).

    At a quarter of the analysis size and smoothed, fine texture and grain average away and
    a subject's outline against its surround is what is left; the fourth power weighs the
    steepest of those edges most.  A subject smeared by its own motion spreads its outline
    along the motion, so its frame loses steepness along one direction and keeps it across;
    a defocus or an exposure change alters every direction alike.  Kept per frame, not by
    position, so a subject that moved between frames is still compared with itself."""
    if min(quartered.shape) < 8:
        return None
    inner = binomial_smooth(quartered)[2:-2, 2:-2]  # what the image's edges leave alone
    steps = (
        inner[:, 1:] - inner[:, :-1],
        inner[1:] - inner[:-1],
        (inner[1:, 1:] - inner[:-1, :-1]) * np.float32(0.7071),
        (inner[1:, :-1] - inner[:-1, 1:]) * np.float32(0.7071),
    )
    means = [float(np.mean(np.square(np.square(step)))) for step in steps]
    return (0.5 * np.log2(np.maximum(means, 1e-20))).astype(np.float32)


def noise_residual_map(gray: np.ndarray, tile: int) -> np.ndarray:
    """Per tile, the noise sigma the residual of a 3x3 second difference reads (the
    [1 -2 1] x [1 -2 1] mask: blind to flat areas and to linear ramps of tone, so in a flat
    tile only noise and the finest texture answer).  The mean absolute response of Gaussian
    noise of sigma s is s * 6 * sqrt(2 / pi) (the mask's norm is 6)."""
    if min(gray.shape) < 3:
        return np.zeros((1, 1), dtype=np.float32)
    rows = gray[:-2] - 2 * gray[1:-1] + gray[2:]
    residual = np.abs(rows[:, :-2] - 2 * rows[:, 1:-1] + rows[:, 2:])
    return tile_means(residual, tile) * np.float32(math.sqrt(math.pi / 2) / 6)


def white_plateau(counts: np.ndarray, channel_counts: np.ndarray | None = None) -> float:
    """The fraction of pixels whose brightest channel lies within PLATEAU_STOPS of the
    frame's top (its 99.9th percentile): a lamp, a white wall, a sky that was already blown
    in the scene or photographed as one flat white.  A darker frame shows it as a flat grey,
    so a brighter frame that blows it out loses nothing there.  Point-like highlights (stars,
    glints of different strengths) span more than that, or are too few, and make none.

    With ``channel_counts`` (3 x 256, per channel), the channels that lie there, each by
    its weight in luma: a white counts whole, a red near the top 0.3
    (FrameMeasures.blown_luma counts clipping so)."""
    pixels = max(int(counts.sum()), 1)
    cumulative = np.cumsum(counts) / pixels
    top = int(np.searchsorted(cumulative, 0.999, side="left"))
    lower = min(int(math.ceil(top * 2.0 ** (-PLATEAU_STOPS / 2.2))), top)
    share = float(counts[lower:].sum() / pixels) if top else 0.0
    if share < PLATEAU_MIN:
        return 0.0
    if channel_counts is None:
        return share
    return float(LUMA_WEIGHTS @ channel_counts[:, lower:].sum(axis=1) / pixels)


def _histogram_quantiles(counts: np.ndarray) -> np.ndarray:
    """TONE_QUANTILES of 8-bit values from their histogram, in [0, 1]."""
    cumulative = np.cumsum(counts) / max(int(counts.sum()), 1)
    levels = np.searchsorted(cumulative, TONE_QUANTILES, side="left")
    return (np.minimum(levels, 255) / 255.0).astype(np.float32)


def _halve(gray: np.ndarray) -> np.ndarray:
    height, width = (gray.shape[0] // 2) * 2, (gray.shape[1] // 2) * 2
    g = gray[:height, :width]
    return np.float32(0.25) * (g[0::2, 0::2] + g[1::2, 0::2] + g[0::2, 1::2] + g[1::2, 1::2])


def _detail(
    gray: np.ndarray, tile: int
) -> tuple[np.ndarray, np.ndarray, tuple[float, float], np.ndarray]:
    """(per direction, quantiles of the mean squared neighbour difference over each tile;
    the per-tile energy of all directions together; the JPEG grid's steps; per direction
    and tile, the root of that energy in half precision).

    Heavy re-compression leaves JPEG's 8 px grid as steps; it survives only where the frame
    was not resized after it (at 100 %), which is where a photographer sees it.
    """
    if min(gray.shape) < 4:
        empty = np.zeros((len(DIRECTIONS), len(QUANTILES)), dtype=np.float32)
        flat = np.zeros((len(DIRECTIONS), 1, 1), dtype=np.float16)
        return empty, np.zeros((1, 1), dtype=np.float32), (0.0, 0.0), flat
    dx2 = gray[:-1, 1:] - gray[:-1, :-1]
    dy2 = gray[1:, :-1] - gray[:-1, :-1]
    np.multiply(dx2, dx2, out=dx2)
    np.multiply(dy2, dy2, out=dy2)
    # Only the whole tiles count; the diagonals (not needed for the grid) are computed there
    # alone, into one reused buffer.
    rows, cols = dx2.shape[0] // tile, dx2.shape[1] // tile
    height, width = (rows * tile, cols * tile) if rows and cols else dx2.shape
    buffer = np.empty((height, width), dtype=np.float32)
    energies = [tile_means(dx2, tile), tile_means(dy2, tile)]
    for first, second in (
        (gray[:height, 1 : width + 1], gray[1 : height + 1, :width]),
        (gray[1 : height + 1, 1 : width + 1], gray[:height, :width]),
    ):
        np.subtract(first, second, out=buffer)
        np.multiply(buffer, np.float32(0.7071), out=buffer)  # diagonals are sqrt(2) px long
        np.multiply(buffer, buffer, out=buffer)
        energies.append(tile_means(buffer, tile))
    rows_out = [np.quantile(energy.ravel(), QUANTILES) for energy in energies]
    total = energies[0] + energies[1] + energies[2] + energies[3]
    directions = np.sqrt(np.stack(energies)).astype(np.float16)
    return np.asarray(rows_out, dtype=np.float32), total / 4, _grid_steps(dx2, dy2), directions


def _grid_steps(dx2: np.ndarray, dy2: np.ndarray) -> tuple[float, float]:
    """(mean squared step at the strongest offset of an 8 px grid, at a typical offset), from
    squared horizontal and vertical steps; see :attr:`FrameMeasures.blockiness`."""
    if min(dx2.shape) < 16 or min(dy2.shape) < 16:
        return 0.0, 0.0
    strongest, typical = [], []
    for steps, length in ((dx2.sum(axis=0), dx2.shape[0]), (dy2.sum(axis=1), dy2.shape[1])):
        usable = (len(steps) // 8) * 8
        offsets = steps[:usable].reshape(-1, 8).sum(axis=0) / (length * usable / 8)
        strongest.append(float(offsets.max()))
        typical.append(float(np.median(offsets)))
    return float(np.mean(strongest)), float(np.mean(typical))
