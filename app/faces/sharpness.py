"""How sharp a face's eyes are compared with the rest of the frame.

The measure is the technical scorer's: the energy of the Laplacian of the lightly smoothed
grey image.  For the eyes it is taken over the band from the brows to below the lower lids
(lashes, iris and lid edges carry the finest detail of a face); for the frame, over the most
detailed 5 % of its 32 px tiles outside every face (all tiles when faces fill the frame).
Their ratio is about 1 when the eyes are as sharp as the sharpest parts of the frame, well
above 1 for a sharp face before a blurred background, and falls far below 1 when the focus
missed the eyes (see docs/faces.md for measurements).
"""

from __future__ import annotations

import math

import numpy as np

from app.imaging import box_blur, laplacian, tile_means

TILE = 32  # px, tiles of the frame
TOP_FRACTION = 0.05  # the frame's most detailed tiles

_MIN_FRAME_TILES = 8
_CELL = 8  # px, cells of the eye band
_EPSILON = 1e-6


def detail_map(gray: np.ndarray) -> np.ndarray:
    """Squared Laplacian of the 3x3-smoothed image, the same size as ``gray`` (edges zero)."""
    energy = np.zeros_like(gray)
    if min(gray.shape) >= 3:
        energy[1:-1, 1:-1] = laplacian(box_blur(gray, 1)) ** 2
    return energy


def frame_detail(energy: np.ndarray, faces: list[tuple[float, float, float, float]]) -> float:
    """Mean energy of the frame's most detailed tiles, leaving out tiles that touch a face."""
    rows, cols = energy.shape[0] // TILE, energy.shape[1] // TILE
    if rows == 0 or cols == 0:
        return float(energy.mean())
    per_tile = tile_means(energy, TILE)
    usable = np.ones((rows, cols), dtype=bool)
    for x, y, w, h in faces:
        usable[
            max(0, int(y // TILE)) : max(0, math.ceil((y + h) / TILE)),
            max(0, int(x // TILE)) : max(0, math.ceil((x + w) / TILE)),
        ] = False
    values = per_tile[usable] if usable.sum() >= _MIN_FRAME_TILES else per_tile.ravel()
    count = max(4, math.ceil(values.size * TOP_FRACTION))
    return float(np.sort(values)[-count:].mean())


def eye_band(eye_points: np.ndarray) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the band holding both eyes, their lids, lashes and brows."""
    left, top = eye_points.min(axis=0)
    right, bottom = eye_points.max(axis=0)
    width = right - left
    return (
        int(math.floor(left - 0.1 * width)),
        int(math.floor(top - 0.25 * width)),
        int(math.ceil(right + 0.1 * width)),
        int(math.ceil(bottom + 0.1 * width)),
    )


def relative_sharpness(energy: np.ndarray, band: tuple[int, int, int, int], frame: float) -> float:
    """Detail energy of the eye band over the frame's (``frame_detail``).

    The band is mostly smooth skin; its detail is in the lashes, iris and lid edges, so the
    band's most detailed quarter of small cells is what is compared.
    """
    left, top, right, bottom = band
    left, top = max(left, 0), max(top, 0)
    right, bottom = min(right, energy.shape[1]), min(bottom, energy.shape[0])
    if right - left < 2 or bottom - top < 2:
        return 0.0
    region = energy[top:bottom, left:right]
    cell = max(2, min(_CELL, region.shape[0] // 2, region.shape[1] // 2))
    rows, cols = region.shape[0] // cell, region.shape[1] // cell
    cells = region[: rows * cell, : cols * cell].reshape(rows, cell, cols, cell).mean(axis=(1, 3))
    values = np.sort(cells.ravel())
    eyes = float(values[-max(1, values.size // 4) :].mean())
    return eyes / max(frame, _EPSILON)
