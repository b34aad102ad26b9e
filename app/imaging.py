"""Small image filters on grey float arrays, shared by the technical scorer and the faces.

Plain numpy (no SciPy, no OpenCV): these run in every decoding worker, which must start fast.
"""

from __future__ import annotations

import numpy as np


def box_blur(gray: np.ndarray, radius: int = 2, edges: str = "edge") -> np.ndarray:
    """Mean over a (2r+1)^2 window, as two passes of shifted sums; beyond the image, the
    edges replicated (``edges="edge"``) or zeros (``"constant"``: the ratio of two such
    means is a mean over a mask's pixels alone)."""
    k = 2 * radius + 1
    padded = np.pad(gray, radius, mode=edges)
    height, width = gray.shape
    rows = sum(padded[:, dx : dx + width] for dx in range(k))
    return sum(rows[dy : dy + height] for dy in range(k)) / np.float32(k * k)


def binomial_smooth(values: np.ndarray) -> np.ndarray:
    """[1 2 1] / 4 along each of the last two axes (a Gaussian of about 0.7 px), the edges
    replicated; float32.  Applied twice it is about a Gaussian of 1 px."""
    values = np.asarray(values, dtype=np.float32)
    padded = np.pad(values, [(0, 0)] * (values.ndim - 2) + [(1, 1), (1, 1)], mode="edge")
    rows = (padded[..., :-2, :] + 2 * padded[..., 1:-1, :] + padded[..., 2:, :]) / 4
    return (rows[..., :-2] + 2 * rows[..., 1:-1] + rows[..., 2:]) / 4


def laplacian(gray: np.ndarray) -> np.ndarray:
    """The 4-neighbour Laplacian of the interior pixels (the result is 2 px smaller)."""
    return (
        gray[:-2, 1:-1] + gray[2:, 1:-1] + gray[1:-1, :-2] + gray[1:-1, 2:] - 4.0 * gray[1:-1, 1:-1]
    )


def tile_means(values: np.ndarray, tile: int) -> np.ndarray:
    """(rows, cols) means over the full ``tile`` x ``tile`` tiles (one tile if smaller)."""
    rows, cols = values.shape[0] // tile, values.shape[1] // tile
    if rows == 0 or cols == 0:
        return np.array([[values.mean()]], dtype=np.float32)
    cropped = values[: rows * tile, : cols * tile]
    # Two contiguous sums are several times faster than one mean over two strided axes.
    sums = (
        cropped.reshape(rows, tile, cols * tile).sum(axis=1).reshape(rows, cols, tile).sum(axis=2)
    )
    return sums / np.float32(tile * tile)
