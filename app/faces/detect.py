"""Face detection with MediaPipe's BlazeFace models: boxes, scores and six keypoints.

The image is letterboxed (aspect kept, black padding) to the model's square input, the SSD
outputs are decoded against MediaPipe's anchors, and overlapping detections are blended by
score (MediaPipe's "weighted" suppression).  Large frames can also be searched in
overlapping tiles so that the faces of a group photo, each a few dozen pixels wide in a
1024 px preview, are found: see :func:`tiles` and :func:`square_tiles` (the crowd pass,
in :mod:`app.faces.analyze`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
from PIL import Image

from app.faces.runtime import FULL_RANGE_DETECTOR, SHORT_RANGE_DETECTOR, ModelSpec, TFLiteModel

MIN_DETECTION_SCORE = 0.5  # MediaPipe's default
SUPPRESSION_IOU = 0.3  # MediaPipe's default
_RAW_SCORE_LIMIT = 80.0  # logits beyond this overflow float32 sigmoid


@dataclass(frozen=True)
class Detection:
    """One face in image pixels: box (x, y, w, h), score, and keypoints (6, 2): the eye on
    the image's left, the eye on its right, nose tip, mouth, ear on the left, ear on the right."""

    box: tuple[float, float, float, float]
    score: float
    keypoints: np.ndarray


@dataclass(frozen=True)
class _Anchors:
    layers: tuple[tuple[int, int], ...]  # (stride, anchors per cell)


_ANCHORS = {
    SHORT_RANGE_DETECTOR.file: _Anchors(((8, 2), (16, 6))),
    FULL_RANGE_DETECTOR.file: _Anchors(((4, 1),)),
}


@cache
def anchor_centres(spec: ModelSpec) -> np.ndarray:
    """(n, 2) anchor centres in [0, 1], in the order the model emits its predictions."""
    centres = []
    for stride, per_cell in _ANCHORS[spec.file].layers:
        cells = spec.input_size // stride
        grid = (np.arange(cells, dtype=np.float32) + 0.5) / cells
        ys, xs = np.meshgrid(grid, grid, indexing="ij")
        centre = np.stack([xs.ravel(), ys.ravel()], axis=1)
        centres.append(np.repeat(centre, per_cell, axis=0))
    return np.concatenate(centres)


class FaceDetector:
    """BlazeFace on a whole image (and optionally on tiles of it)."""

    def __init__(self, spec: ModelSpec = FULL_RANGE_DETECTOR) -> None:
        self.spec = spec
        self.model = TFLiteModel(spec)
        self.anchors = anchor_centres(spec)

    def detect(
        self, image: Image.Image, tile_grid: int = 1, min_score: float = MIN_DETECTION_SCORE
    ) -> list[Detection]:
        """Faces in ``image``; ``tile_grid`` n > 1 also searches n x n overlapping tiles."""
        return suppress(self.candidates(image, tiles(image.size, tile_grid), min_score))

    def candidates(
        self,
        image: Image.Image,
        boxes: list[tuple[int, int, int, int]],
        min_score: float = MIN_DETECTION_SCORE,
    ) -> list[Detection]:
        """Every detection of at least ``min_score`` in the parts ``boxes`` (left, top,
        right, bottom) of ``image``, not yet merged (:func:`suppress` merges them)."""
        found: list[Detection] = []
        for box in boxes:
            found.extend(self._detect_in(image, box, min_score))
        return found

    def _detect_in(
        self, image: Image.Image, box: tuple[int, int, int, int], min_score: float
    ) -> list[Detection]:
        left, top, right, bottom = box
        width, height = right - left, bottom - top
        side = self.spec.input_size
        scale = side / max(width, height)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        part = image.crop(box) if box != (0, 0, *image.size) else image
        resized = part.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
        canvas = np.zeros((side, side, 3), dtype=np.float32)
        pad_x, pad_y = (side - size[0]) // 2, (side - size[1]) // 2
        canvas[pad_y : pad_y + size[1], pad_x : pad_x + size[0]] = np.asarray(resized) / 127.5 - 1
        regressors, logits = self.model.run(canvas[None])
        scores = 1.0 / (
            1.0 + np.exp(-np.clip(logits.reshape(-1), -_RAW_SCORE_LIMIT, _RAW_SCORE_LIMIT))
        )
        keep = np.flatnonzero(scores >= min_score)
        raw = regressors.reshape(-1, 8, 2)[keep] / side
        raw[:, 0] += self.anchors[keep]
        raw[:, 2:] += self.anchors[keep][:, None]
        # From the letterboxed square back to image pixels.
        to_pixels = side / scale
        offset = np.array([left - pad_x / scale, top - pad_y / scale])
        detections = []
        for row, score in zip(raw, scores[keep], strict=True):
            centre = row[0] * to_pixels + offset
            w, h = row[1] * to_pixels
            if w <= 0 or h <= 0:
                continue
            keypoints = row[2:] * to_pixels + offset
            detections.append(
                Detection(
                    (float(centre[0] - w / 2), float(centre[1] - h / 2), float(w), float(h)),
                    float(score),
                    keypoints,
                )
            )
        return detections


def tiles(size: tuple[int, int], grid: int) -> list[tuple[int, int, int, int]]:
    """The whole image, then ``grid`` x ``grid`` tiles overlapping by a quarter of a tile, so
    a face cut by one tile's edge lies whole in its neighbour."""
    width, height = size
    boxes = [(0, 0, width, height)]
    if grid <= 1:
        return boxes
    tile_w = math.ceil(width / (grid - (grid - 1) * 0.25))
    tile_h = math.ceil(height / (grid - (grid - 1) * 0.25))
    for row in range(grid):
        for col in range(grid):
            left = min(round(col * tile_w * 0.75), width - tile_w)
            top = min(round(row * tile_h * 0.75), height - tile_h)
            boxes.append((left, top, left + tile_w, top + tile_h))
    return boxes


def square_tiles(size: tuple[int, int], side: int, overlap: int) -> list[tuple[int, int, int, int]]:
    """Square tiles of ``side`` px covering an image, neighbours sharing ``overlap`` px, so
    that every face up to ``overlap`` px wide lies whole in at least one of them.  Square,
    because the detector's input is: a tile fills it without letterbox bands."""
    width, height = size

    def starts(length: int) -> list[int]:
        if length <= side:
            return [0]
        count = math.ceil((length - overlap) / (side - overlap))
        step = (length - side) / (count - 1)
        return [round(k * step) for k in range(count)]

    return [
        (left, top, min(width, left + side), min(height, top + side))
        for top in starts(height)
        for left in starts(width)
    ]


def iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    inter_w = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    inter_h = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    inter = inter_w * inter_h
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


def suppress(detections: list[Detection], threshold: float = SUPPRESSION_IOU) -> list[Detection]:
    """Merge overlapping detections: each cluster becomes the score-weighted mean of its
    members, with the best member's score (MediaPipe's weighted non-maximum suppression)."""
    remaining = sorted(detections, key=lambda d: d.score, reverse=True)
    merged = []
    while remaining:
        best = remaining[0]
        cluster = [d for d in remaining if iou(best.box, d.box) > threshold]
        remaining = [d for d in remaining if iou(best.box, d.box) <= threshold]
        weights = np.array([d.score for d in cluster])
        weights /= weights.sum()
        box = np.average([d.box for d in cluster], axis=0, weights=weights)
        keypoints = np.average([d.keypoints for d in cluster], axis=0, weights=weights)
        merged.append(Detection(tuple(float(v) for v in box), best.score, keypoints))
    return merged
