"""A training-free technical scorer: sharpness where the detail is, noise, exposure.

Why these measures:

* Sharpness is the energy of the Laplacian per 32 px tile, averaged over the top 5 % of tiles
  only.  A portrait with a sharp face and a blurred background scores like an all-sharp frame;
  a global mean would punish the shallow depth of field.
* Noise inflates Laplacian energy, so a noisy frame would win on "sharpness".  The noise level
  is estimated in the flattest tiles (Immerkaer's operator, low percentile over tiles), its
  expected contribution is subtracted from every tile's energy, and the rest is penalised.
* Exposure: the fraction of clipped highlights and crushed shadows beyond a small allowance,
  and a mild pull towards mid-tone brightness.

The score lies in [1, 10] like the FGAesQ scale, but only its order within a series matters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

TILE = 32
TOP_FRACTION = 0.05
# Relative detail energy (log10) at the middle of the sharpness curve, and its spread: a frame
# blurred by a 2.5 px Gaussian sits about 2 decades below a crisp one at 1024 px.
_LOG_MID, _LOG_SPREAD = -1.8, 0.45
_NOISE_FULL = 0.04  # noise sigma (on [0, 1]) that takes away the full noise penalty
_NOISE_WEIGHT = 0.5
_CLIP_ALLOWANCE = 0.01
# Sum of squared weights of the 4-neighbour Laplacian: variance gain of white noise.
_LAPLACIAN_NOISE_GAIN = 20.0
_IMMERKAER_SCALE = math.sqrt(math.pi / 2.0) / 6.0


@dataclass(frozen=True)
class TechnicalMeasures:
    sharpness: float  # noise-corrected Laplacian energy of the most detailed tiles
    noise: float  # estimated noise sigma on a [0, 1] scale
    clipped_highlights: float  # fraction of pixels
    clipped_shadows: float
    brightness: float  # mean luma in [0, 1]
    score: float


def measure(image: Image.Image, input_size: int = 1024) -> TechnicalMeasures:
    """All technical measures of one image (resized so its longer side is ``input_size``)."""
    gray = _gray(image, input_size)
    noise = _noise_sigma(gray)
    # Relative to the frame's contrast, so a brighter frame does not look sharper.
    sharpness = _peak_detail(gray, noise) / max(float(gray.var()), 1e-3)
    highlights = float(np.mean(gray >= 0.985))
    shadows = float(np.mean(gray <= 0.015))
    brightness = float(gray.mean())
    # A logistic curve, not a clamp: two crisp frames must still be told apart.
    sharp_term = 1.0 / (1.0 + math.exp(-(math.log10(sharpness + 1e-7) - _LOG_MID) / _LOG_SPREAD))
    noise_term = min(noise / _NOISE_FULL, 1.0)
    clip_excess = max(highlights - _CLIP_ALLOWANCE, 0.0) * 3.0 + max(shadows - _CLIP_ALLOWANCE, 0.0) * 1.5
    exposure_term = max(1.0 - clip_excess, 0.0) * (1.0 - 0.3 * min(abs(brightness - 0.45) / 0.45, 1.0))
    quality = (0.15 + 0.85 * sharp_term) * (1.0 - _NOISE_WEIGHT * noise_term) * exposure_term
    return TechnicalMeasures(sharpness, noise, highlights, shadows, brightness, 1.0 + 9.0 * quality)


class TechnicalScorer:
    """Scorer protocol implementation; needs no weights and no accelerator."""

    name = "technical"
    weights_id = "technical:v1"
    device = "cpu"

    def __init__(self, input_size: int = 1024) -> None:
        self.input_size = input_size

    def score(self, images: list[Image.Image]) -> list[float]:
        return [measure(image, self.input_size).score for image in images]

    def rank_series(self, images: list[Image.Image]) -> list[float]:
        # Technical quality is a property of each frame; the series adds nothing to compare.
        return self.score(images)


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


def _noise_sigma(gray: np.ndarray) -> float:
    """Noise sigma from Immerkaer's operator, taken in the flattest tenth of the tiles."""
    if min(gray.shape) < 3:
        return 0.0
    response = (
        gray[:-2, :-2] - 2 * gray[:-2, 1:-1] + gray[:-2, 2:]
        - 2 * gray[1:-1, :-2] + 4 * gray[1:-1, 1:-1] - 2 * gray[1:-1, 2:]
        + gray[2:, :-2] - 2 * gray[2:, 1:-1] + gray[2:, 2:]
    )
    per_tile = np.abs(_tiles(response)).mean(axis=1) * _IMMERKAER_SCALE
    # Clipped tiles (blown sky, black shadows) look noiseless; leave them out.
    means = _tiles(gray[1:-1, 1:-1]).mean(axis=1)
    usable = per_tile[(means > 0.03) & (means < 0.97)]
    if usable.size == 0:
        usable = per_tile
    return float(np.percentile(usable, 10))


def _peak_detail(gray: np.ndarray, noise: float) -> float:
    """Mean noise-corrected Laplacian energy of the most detailed tiles."""
    if min(gray.shape) < 3:
        return 0.0
    energy = _tiles(_laplacian(gray)).var(axis=1) - _LAPLACIAN_NOISE_GAIN * noise * noise
    energy = np.maximum(energy, 0.0)
    count = max(4, int(math.ceil(energy.size * TOP_FRACTION)))
    top = np.partition(energy, max(energy.size - count, 0))[-count:]
    return float(top.mean())
