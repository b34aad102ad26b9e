"""Eye state from the lid contours: "open", "closed" or "unknown", with a confidence.

Openness is the eye aspect ratio of the iris model's lids: the mean gap between the upper and
the lower lid at the three middle contour points, over the distance between the corners.
Two eyes of one face are averaged (a blink closes both); when the head is turned, only the
eye nearer the camera counts.

A wrong "closed" costs the photographer a good frame, so "closed" needs clear evidence and
everything doubtful is "unknown": a face too small to judge, a head turned away or bowed
(a look down lowers the lids), eyes hidden (sunglasses, a hand, hair), a laugh that squeezes
the eyes.  The thresholds and how they were measured are in docs/faces.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from app.faces.landmarks import EyeLandmarks, FaceLandmarks
from app.faces.pose import HeadPose

EyeState = Literal["open", "closed", "unknown"]

# Mesh indices: inner lips (upper, lower), mouth corners, outer eye corners, brow to chin.
_LIPS = (13, 14)
_MOUTH_CORNERS = (61, 291)
_EYE_OUTER = (33, 263)
_FOREHEAD, _CHIN = 10, 152
# Mesh indices of the cheek below each eye (image's left, image's right) for skin brightness.
_CHEEKS = ((118, 119, 100, 101, 50, 205), (347, 348, 329, 330, 280, 425))
# Lid contour pairs (upper, lower) at the middle of the eye.
_LID_PAIRS = ((11, 3), (12, 4), (13, 5))


@dataclass(frozen=True)
class EyeThresholds:
    """Every threshold of the eye-state decision; docs/faces.md says how each was chosen."""

    closed_below: float = 0.17  # openness at or under this is closed
    open_above: float = 0.24  # openness at or over this is open; between is unknown
    fully_closed: float = 0.08  # openness of a firmly shut eye (confidence 1)
    fully_open: float = 0.32  # openness of a plainly open eye (confidence 1)
    min_eye_width: float = 8.0  # px between the corners of the nearer eye, where measured
    max_yaw: float = 35.0  # degrees: beyond, the face is turned away
    max_pitch_down: float = 20.0  # degrees: beyond, a look down lowers the lids
    max_pitch_up: float = 30.0
    one_eye_yaw: float = 20.0  # degrees: beyond, only the nearer eye is measured
    min_presence: float = 0.5  # the mesh model's own face confidence
    hidden_below: float = 0.4  # eye-region luma over cheek luma below this: hidden
    laugh_mouth_open: float = 0.12  # inner-lip gap over face height above this: laughing
    laugh_closed_below: float = 0.11  # a laughing face is closed only under this openness


@dataclass(frozen=True)
class EyeVerdict:
    state: EyeState
    confidence: float  # in [0, 1]: how clearly the measurements lie in that state
    openness: float | None  # the measured openness (None when not measured)
    reason: str  # why "unknown", or which evidence decided


def eye_openness(eye: EyeLandmarks) -> float:
    lids = eye.lids
    gap = np.mean([np.hypot(*(lids[upper] - lids[lower])) for upper, lower in _LID_PAIRS])
    width = np.hypot(*(lids[0] - lids[8]))
    return float(gap / max(width, 1e-6))


def eye_width(eye: EyeLandmarks) -> float:
    return float(np.hypot(*(eye.lids[0] - eye.lids[8])))


def mouth_opening(mesh: np.ndarray) -> float:
    """Gap between the inner lips over the face's height (brow to chin)."""
    height = np.linalg.norm(mesh[_CHIN, :2] - mesh[_FOREHEAD, :2])
    return float(np.linalg.norm(mesh[_LIPS[1], :2] - mesh[_LIPS[0], :2]) / max(height, 1e-6))


def eye_region_brightness(gray: np.ndarray, face: FaceLandmarks) -> float:
    """How bright the region of each eye is next to the cheek: the brighter quarter of a
    grid over the eye and the skin below it, over the cheeks' median luma.  Bare skin and
    the white of the eye keep it near 1 (0.9-1.1 measured, dark deep-set eyes included);
    dark lenses bring it to about 0.2-0.4.  ``gray`` is the image the landmarks came from,
    in [0, 1]."""
    height, width = gray.shape
    towards_mouth = face.mesh[_LIPS[0], :2]

    def values(points: np.ndarray) -> np.ndarray:
        xs = np.clip(np.round(points[:, 0]).astype(int), 0, width - 1)
        ys = np.clip(np.round(points[:, 1]).astype(int), 0, height - 1)
        return gray[ys, xs]

    grid_u, grid_v = np.meshgrid(np.linspace(-0.5, 0.5, 7), np.linspace(-0.3, 0.4, 6))
    ratios = []
    for eye, cheek in zip(face.eyes, _CHEEKS, strict=True):
        across = eye.lids[8] - eye.lids[0]
        size = float(np.hypot(*across)) or 1.0
        along = across / size
        down = np.array([-along[1], along[0]])
        centre = eye.lids.mean(axis=0)
        if np.dot(down, towards_mouth - centre) < 0:
            down = -down
        grid = centre + size * (grid_u.reshape(-1, 1) * along + grid_v.reshape(-1, 1) * down)
        region = float(np.median(values(grid)))
        skin = float(np.median(values(face.mesh[list(cheek), :2])))
        ratios.append(region / max(skin, 1e-3))
    return float(np.mean(ratios))


def classify(
    face: FaceLandmarks,
    pose: HeadPose,
    brightness: float,
    thresholds: EyeThresholds = EyeThresholds(),
) -> EyeVerdict:
    """The eye state of one face, from its landmarks in the image they were found in."""
    t = thresholds
    if face.presence < t.min_presence:
        return EyeVerdict("unknown", 0.0, None, "not clearly a face")
    if abs(pose.yaw) > t.max_yaw:
        return EyeVerdict("unknown", 0.0, None, "face turned away")
    if pose.pitch > t.max_pitch_down:
        return EyeVerdict("unknown", 0.0, None, "looking down")
    if -pose.pitch > t.max_pitch_up:
        return EyeVerdict("unknown", 0.0, None, "looking up")
    eyes = list(face.eyes)
    if abs(pose.yaw) > t.one_eye_yaw:
        eyes = [max(eyes, key=eye_width)]
    if max(eye_width(eye) for eye in eyes) < t.min_eye_width:
        return EyeVerdict("unknown", 0.0, None, "face too small to judge")
    if brightness < t.hidden_below:
        return EyeVerdict("unknown", 0.0, None, "eyes hidden (sunglasses or in the way)")
    openness = float(np.mean([eye_openness(eye) for eye in eyes]))
    if openness >= t.open_above:
        return EyeVerdict("open", _confidence(openness, t.open_above, t.fully_open), openness, "")
    laughing = mouth_opening(face.mesh) > t.laugh_mouth_open
    closed_below = min(t.closed_below, t.laugh_closed_below) if laughing else t.closed_below
    if openness <= closed_below:
        confidence = _confidence(openness, closed_below, t.fully_closed)
        return EyeVerdict("closed", confidence, openness, "laughing" if laughing else "")
    return EyeVerdict("unknown", 0.0, openness, "laughing" if laughing else "eyes partly closed")


def _confidence(value: float, threshold: float, certain: float) -> float:
    """0.5 at the threshold, rising linearly to 1 at the certain value (either direction)."""
    span = certain - threshold
    return float(np.clip(0.5 + 0.5 * (value - threshold) / span, 0.5, 1.0)) if span else 1.0
