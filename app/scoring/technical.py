"""A training-free technical scorer: sharpness where the detail is, noise, exposure.

Why these measures:

* Sharpness is the energy of the Laplacian per 32 px tile, averaged over the top 5 % of tiles
  only.  A portrait with a sharp face and a blurred background scores like an all-sharp frame;
  a global mean would punish the shallow depth of field.
* Noise inflates Laplacian energy, so a noisy frame would win on "sharpness".  The flattest
  tenth of the tiles (sky, walls, out-of-focus background) holds little but noise: their mean
  Laplacian energy is the noise's own contribution, whatever its grain size (demosaicing,
  JPEG and resizing make real noise spatially correlated), and is subtracted from the detailed
  tiles.  The high-pass amplitude in the same flat tiles gives the noise level to penalise.
* Exposure: the fraction of clipped highlights and crushed shadows beyond a small allowance,
  and a mild pull towards mid-tone brightness.

The score lies in [1, 10] like the FGAesQ scale, but only its order within a series matters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial

import numpy as np
from PIL import Image

TILE = 32
TOP_FRACTION = 0.05
FLAT_FRACTION = 0.1
# Costs in decades of relative detail energy (log10).  At 1024 px a crisp frame measures about
# -1 to 0, one defocused by a 2.5 px Gaussian about 2 decades less.
_NOISE_COST = 30.0  # per unit of high-pass noise amplitude (on a [0, 1] scale)
_CLIP_COST = 4.0  # per unit of weighted clipped fraction beyond the allowance
_STOP_COST = 0.15  # per stop of exposure error beyond the first (at most three counted)
_SERIES_STOP_COST = 0.5  # per stop away from the series' median exposure
_CLIP_ALLOWANCE = 0.01
_MID_GREY = 0.45
_QUALITY_MID, _QUALITY_SPREAD = -2.2, 0.6  # the logistic map of quality to [1, 10]


@dataclass(frozen=True)
class TechnicalMeasures:
    sharpness: float  # noise-corrected Laplacian energy of the most detailed tiles
    noise: float  # estimated noise sigma on a [0, 1] scale
    clipped_highlights: float  # fraction of pixels
    clipped_shadows: float
    brightness: float  # mean luma in [0, 1]
    exposure_stops: float  # mean brightness against mid grey, in stops of linear light
    quality: float  # everything weighed, in decades of detail energy
    score: float


def measure(image: Image.Image, input_size: int = 1024) -> TechnicalMeasures:
    """All technical measures of one image (resized so its longer side is ``input_size``).

    The defects are weighed in one currency, decades of detail energy: a noise level of 0.02
    costs as much as a third of the detail, so grain that doubles the measured detail still
    loses, while the faint texture of a clean frame cannot outweigh a blur that removes most
    of it.  Only the order within a series matters; the logistic map to [1, 10] keeps it.
    """
    gray = _gray(image, input_size)
    smooth = _box_blur(gray)
    sharpness, noise = _detail_and_noise(gray, smooth)
    # Relative to the frame's contrast, so a brighter frame does not look sharper.
    sharpness /= max(float(gray.var()), 1e-3)
    # Clipping is counted on the smoothed image: grain must not "rescue" crushed shadows.
    highlights = float(np.mean(smooth >= 0.96))
    shadows = float(np.mean(smooth <= 0.04))
    brightness = float(gray.mean())
    clipped = (
        max(highlights - _CLIP_ALLOWANCE, 0.0) * 3.0 + max(shadows - _CLIP_ALLOWANCE, 0.0) * 1.5
    )
    # Exposure in stops of linear light (the mean is gamma-encoded, gamma about 2.2).  Dark and
    # bright scenes exist, so on its own a frame pays little for it; in a series, see below.
    stops = 2.2 * math.log2(max(brightness, 0.01) / _MID_GREY)
    quality = (
        math.log10(sharpness + 1e-7)
        - _NOISE_COST * noise
        - _CLIP_COST * clipped
        - _STOP_COST * min(max(abs(stops) - 1.0, 0.0), 3.0)
    )
    return TechnicalMeasures(
        sharpness, noise, highlights, shadows, brightness, stops, quality, _to_score(quality)
    )


def _to_score(quality: float) -> float:
    return 1.0 + 9.0 / (1.0 + math.exp(-(quality - _QUALITY_MID) / _QUALITY_SPREAD))


class TechnicalScorer:
    """Scorer protocol implementation; needs no weights and no accelerator.

    ``prepare`` (a picklable function) measures one image; the pipeline runs it in its
    decoding processes, so images never travel between processes and all cores score.
    """

    name = "technical"
    weights_id = "technical:v1"
    device = "cpu"

    def __init__(self, input_size: int = 1024) -> None:
        self.input_size = input_size
        self.prepare = partial(measure, input_size=input_size)

    def score(self, images: list[Image.Image]) -> list[float]:
        return self.score_prepared([self.prepare(image) for image in images])

    def rank_series(self, images: list[Image.Image]) -> list[float]:
        return self.rank_prepared([self.prepare(image) for image in images])

    def score_prepared(self, measures: list[TechnicalMeasures]) -> list[float]:
        return [m.score for m in measures]

    def rank_prepared(self, measures: list[TechnicalMeasures]) -> list[float]:
        """Frames of one scene: an exposure far from the series' median is a mistake, not taste."""
        median = float(np.median([m.exposure_stops for m in measures]))
        return [
            _to_score(
                m.quality - _SERIES_STOP_COST * max(abs(m.exposure_stops - median) - 0.3, 0.0)
            )
            for m in measures
        ]


def _gray(image: Image.Image, input_size: int) -> np.ndarray:
    if max(image.size) > input_size:
        scale = input_size / max(image.size)
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    return np.asarray(image.convert("L"), dtype=np.float32) / 255.0


def _tiles(values: np.ndarray) -> np.ndarray:
    """(n_tiles, TILE*TILE) view of the full tiles of a 2-D array (one tile if it is smaller)."""
    rows, cols = values.shape[0] // TILE, values.shape[1] // TILE
    if rows == 0 or cols == 0:
        return values.reshape(1, -1)
    cropped = values[: rows * TILE, : cols * TILE]
    return cropped.reshape(rows, TILE, cols, TILE).swapaxes(1, 2).reshape(rows * cols, TILE * TILE)


def _laplacian(gray: np.ndarray) -> np.ndarray:
    return (
        gray[:-2, 1:-1] + gray[2:, 1:-1] + gray[1:-1, :-2] + gray[1:-1, 2:] - 4.0 * gray[1:-1, 1:-1]
    )


def _box_blur(gray: np.ndarray, radius: int = 2) -> np.ndarray:
    """Mean over a (2r+1)^2 window (edges replicated), as two passes of shifted sums."""
    k = 2 * radius + 1
    padded = np.pad(gray, radius, mode="edge")
    height, width = gray.shape
    rows = sum(padded[:, dx : dx + width] for dx in range(k))
    return sum(rows[dy : dy + height] for dy in range(k)) / np.float32(k * k)


def _detail_and_noise(gray: np.ndarray, smooth: np.ndarray) -> tuple[float, float]:
    """(noise-corrected Laplacian energy of the most detailed tiles, noise level).

    Both come from tiles: the flattest tenth (dark and bright tiles left out: clipping hides noise)
    tells the noise's Laplacian energy and its high-pass amplitude.
    """
    if min(gray.shape) < 8:
        return 0.0, 0.0
    # A 3x3 mean first: it keeps the detail a defocus or shake removes, but cuts pixel-level
    # grain, so chance peaks of noise energy in the top tiles do not pass for detail.
    energy = _tiles(_laplacian(_box_blur(gray, 1))).var(axis=1)
    high_pass = _tiles((gray - smooth)[1:-1, 1:-1]).std(axis=1)
    means = _tiles(gray[1:-1, 1:-1]).mean(axis=1)
    usable = (means > 0.1) & (means < 0.9)  # near black or white, noise is clipped away
    if usable.sum() < 4:
        usable = np.ones_like(usable)
    candidates = np.flatnonzero(usable)
    flat_count = max(1, int(math.ceil(candidates.size * FLAT_FRACTION)))
    flattest = candidates[np.argsort(energy[candidates])[:flat_count]]
    noise_energy = float(energy[flattest].mean())
    noise = float(high_pass[flattest].mean())
    count = max(4, int(math.ceil(energy.size * TOP_FRACTION)))
    top = np.partition(energy, max(energy.size - count, 0))[-count:]
    return max(float(top.mean()) - noise_energy, 0.0), noise
