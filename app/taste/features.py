"""Per-frame features a taste is learnt on: only what the app already computed and stored.

Nothing is decoded: the tones come from the catalog's 64 px grayscale thumbnail, the faces
(boxes, eye state, eye sharpness, where they look) from the face analysis, the base score
from the ranking of the run.  A frame without faces, or whose faces were not analysed, gets
zeros for the face features; comparisons are made within a series, so a constant such as
that zero cancels out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from app.catalog import FaceRecord, PhotoRecord

FEATURE_NAMES = (
    "base_score",  # the base ranking's score (within-series standardised by the learner)
    "brightness",  # mean of the thumbnail, 0..1
    "contrast",  # its standard deviation
    "highlights_clipped",  # fraction at or above 250
    "shadows_crushed",  # fraction at or below 5
    "detail",  # mean absolute step between neighbouring thumbnail pixels
    "faces",  # how many faces
    "subject_size",  # square root of the largest face's share of the frame
    "subject_off_centre",  # distance of the largest face's centre from the frame's centre
    "eyes_open",  # share of faces with open eyes
    "eyes_closed",  # share of faces with closed eyes
    "eye_sharpness",  # sharpest eyes relative to the frame (0: no faces)
    "facing_camera",  # how straight the faces look into the camera, 1 straight, 0 side-on
)
CLIP_HIGH, CLIP_LOW = 250, 5


def frame_features(
    photo: PhotoRecord,
    thumbnail: bytes | None,
    faces: Sequence[FaceRecord] | None,
    base_score: float,
) -> list[float]:
    """The features of one frame, in ``FEATURE_NAMES`` order."""
    return [float(base_score), *_tones(photo, thumbnail), *_faces(photo, faces or ())]


def _tones(photo: PhotoRecord, thumbnail: bytes | None) -> list[float]:
    width, height = photo.thumb_width or 0, photo.thumb_height or 0
    if not thumbnail or width * height != len(thumbnail) or width < 2 or height < 2:
        return [0.0] * 5
    pixels = np.frombuffer(thumbnail, dtype=np.uint8).reshape(height, width).astype(np.float32)
    steps = np.abs(np.diff(pixels, axis=1)).mean() + np.abs(np.diff(pixels, axis=0)).mean()
    return [
        float(pixels.mean() / 255.0),
        float(pixels.std() / 255.0),
        float((pixels >= CLIP_HIGH).mean()),
        float((pixels <= CLIP_LOW).mean()),
        float(steps / 510.0),
    ]


def _faces(photo: PhotoRecord, faces: Sequence[FaceRecord]) -> list[float]:
    if not faces:
        return [0.0] * 7
    width = float(photo.width or 0) or max(f.box[0] + f.box[2] for f in faces) or 1.0
    height = float(photo.height or 0) or max(f.box[1] + f.box[3] for f in faces) or 1.0
    largest = max(faces, key=lambda f: f.box[2] * f.box[3])
    x, y, w, h = largest.box
    share = min(1.0, max(0.0, w * h / (width * height)))
    off_centre = math.hypot((x + w / 2) / width - 0.5, (y + h / 2) / height - 0.5)
    count = len(faces)
    facing = [_facing(f) for f in faces if f.yaw is not None]
    return [
        float(count),
        math.sqrt(share),
        off_centre,
        sum(f.eyes == "open" for f in faces) / count,
        sum(f.eyes == "closed" for f in faces) / count,
        max(f.sharpness for f in faces),
        float(np.mean(facing)) if facing else 0.0,
    ]


def _facing(face: FaceRecord) -> float:
    """1 for a face looking straight into the camera, 0 for one seen side-on or beyond."""
    yaw, pitch = math.radians(face.yaw or 0.0), math.radians(face.pitch or 0.0)
    return max(0.0, math.cos(yaw) * math.cos(pitch))
