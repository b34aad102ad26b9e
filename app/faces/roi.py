"""Rotated square regions of an image, cut out at a model's input size and mapped back.

Coordinates are continuous pixels (pixel ``i`` covers ``[i, i + 1)``), as Pillow's affine
transform uses them.  A region much larger than the model input is first reduced with a box
filter, so a 600 px face is not aliased down to 192 px.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image


@dataclass(frozen=True)
class Roi:
    """A square of side ``size`` centred on (cx, cy), turned by ``angle`` radians (clockwise
    in image coordinates: the content is rotated by ``-angle`` when cut out upright)."""

    cx: float
    cy: float
    size: float
    angle: float = 0.0

    def scaled(self, factor: float) -> Roi:
        return Roi(self.cx * factor, self.cy * factor, self.size * factor, self.angle)

    def to_image(self, points: np.ndarray, out_size: int) -> np.ndarray:
        """Points (n, >=2) in the cut-out's pixels -> the image's pixels (extra columns, such as
        depth, are scaled by the same factor)."""
        k = self.size / out_size
        cos, sin = math.cos(self.angle), math.sin(self.angle)
        u = (points[:, 0] - out_size / 2) * k
        v = (points[:, 1] - out_size / 2) * k
        out = points.astype(np.float64).copy()
        out[:, 0] = self.cx + cos * u - sin * v
        out[:, 1] = self.cy + sin * u + cos * v
        if points.shape[1] > 2:
            out[:, 2:] = points[:, 2:] * k
        return out


def cut(image: Image.Image, roi: Roi, out_size: int, flip: bool = False) -> np.ndarray:
    """The region as an (out_size, out_size, 3) float32 array in [0, 1]; ``flip`` mirrors it
    left to right (the iris model only knows one eye).  Outside the image is black."""
    k = roi.size / out_size
    source, origin, factor = _reduced(image, roi, k)
    k /= factor
    cx, cy = (roi.cx - origin[0]) / factor, (roi.cy - origin[1]) / factor
    cos, sin = math.cos(roi.angle), math.sin(roi.angle)
    a, b, d, e = cos * k, -sin * k, sin * k, cos * k
    half = out_size / 2
    c = cx - a * half - b * half
    f = cy - d * half - e * half
    patch = source.transform(
        (out_size, out_size),
        Image.Transform.AFFINE,
        (a, b, c, d, e, f),
        resample=Image.Resampling.BILINEAR,
        fillcolor=(0, 0, 0),
    )
    array = np.asarray(patch, dtype=np.float32) / 255.0
    return array[:, ::-1] if flip else array


def _reduced(image: Image.Image, roi: Roi, k: float) -> tuple[Image.Image, tuple[int, int], int]:
    """The part of ``image`` the region covers, box-reduced by an integer factor when it is
    more than twice the output resolution; with its origin in the image and the factor."""
    reach = roi.size * 0.75  # half the diagonal of the square, rounded up
    left = max(0, math.floor(roi.cx - reach))
    top = max(0, math.floor(roi.cy - reach))
    right = min(image.width, math.ceil(roi.cx + reach))
    bottom = min(image.height, math.ceil(roi.cy + reach))
    if right <= left or bottom <= top:
        return image, (0, 0), 1
    part = image.crop((left, top, right, bottom))
    factor = max(1, int(k // 2) * 2) if k >= 2 else 1
    if factor > 1:
        part = part.reduce(factor)
    return part, (left, top), factor
