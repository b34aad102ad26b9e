"""Faces of one photo: where they are, whether the eyes are open, how sharp the eyes are.

``FaceAnalyzer.analyze(preview, source)`` runs on the preview the pipeline decodes (about
1024 px).  Faces whose eyes are too small there are looked at again in ``source()``, a
higher-resolution decode of the same photo that is only asked for when needed and at most
once per photo.  Everything returned is a plain frozen dataclass, cheap to pickle from a
worker process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
from PIL import Image

from app.faces.detect import (
    MIN_DETECTION_SCORE,
    Detection,
    FaceDetector,
    square_tiles,
    suppress,
    tiles,
)
from app.faces.eyes import (
    EyeState,
    EyeThresholds,
    classify,
    eye_region_brightness,
    eye_width,
)
from app.faces.landmarks import LandmarkModels, face_roi
from app.faces.pose import HeadPose, head_pose
from app.faces.runtime import FULL_RANGE_DETECTOR, SHORT_RANGE_DETECTOR
from app.faces.sharpness import detail_map, eye_band, frame_detail, relative_sharpness

ImageLike = np.ndarray | Image.Image
SourceCallback = Callable[[], ImageLike | None]

DETECTORS = {"short": SHORT_RANGE_DETECTOR, "full": FULL_RANGE_DETECTOR}


@dataclass(frozen=True)
class FaceOptions:
    """How faces are looked for and judged.

    ``detector``: "short" (MediaPipe's short-range model, faces larger than about a tenth of
    the frame's longer side) or "full" (its full-range model, smaller faces, slower).
    ``tile_grid``: n > 1 also searches n x n overlapping tiles (group photos).
    ``refine_below``: eyes narrower than this many preview pixels are measured again in the
    higher-resolution source, when one is given.

    The crowd pass: a group photo may hold faces too small for a search of the whole
    image, so square tiles of ``crowd_tile`` of the longer side, overlapping by
    ``crowd_overlap`` of it, are searched too (faces down to about 3 % of the longer side
    reach the detector's working size).  It runs where a probe says so: the whole search's
    best small candidate (narrower than ``crowd_hint_below`` of the longer side, scoring at
    least ``crowd_probe_score``) is looked at again in a square of that size around it, by
    the short-range detector (a crop at its own input size on a 1024 px preview: a small
    fraction of the whole search's cost), and a face of at least ``crowd_confirm_score``
    there starts the tiles.  ``crowd_tile`` 0 turns it off.  docs/faces.md has the
    measurements.
    """

    detector: str = "full"
    tile_grid: int = 1
    refine_below: float = 10.0
    max_faces: int = 48
    crowd_tile: float = 0.3125
    crowd_overlap: float = 0.08
    crowd_probe_score: float = 0.05
    crowd_confirm_score: float = 0.8
    crowd_hint_below: float = 0.125
    thresholds: EyeThresholds = field(default_factory=EyeThresholds)


@dataclass(frozen=True)
class Face:
    """One face.  ``box`` is (x, y, w, h) in the pixels of the image that was analysed;
    ``scaled(f)`` gives it in an image ``f`` times as large (e.g. the original)."""

    box: tuple[float, float, float, float]
    detection_score: float
    eyes: EyeState
    confidence: float
    sharpness: float  # eye detail over the frame's; about 1 or more: the eyes are in focus
    openness: float | None = None
    reason: str = ""
    pose: HeadPose | None = None
    eye_width: float = 0.0  # px between the corners of the wider eye, in the analysed image

    def scaled(self, factor: float) -> Face:
        x, y, w, h = self.box
        return replace(
            self,
            box=(x * factor, y * factor, w * factor, h * factor),
            eye_width=self.eye_width * factor,
        )

    def to_json(self) -> dict:
        """The documented per-face JSON record."""
        return {
            "box": [round(v) for v in self.box],
            "eyes": self.eyes,
            "confidence": round(self.confidence, 3),
            "sharpness": round(self.sharpness, 3),
        }


class FaceAnalyzer:
    """Holds the three models; not thread-safe (use one per thread or process).

    Raises:
        FacesUnavailable: on construction, when the runtime or a model is missing.
    """

    def __init__(self, options: FaceOptions = FaceOptions()) -> None:
        if options.detector not in DETECTORS:
            raise ValueError(f"unknown face detector {options.detector!r}: short or full")
        self.options = options
        self.detector = FaceDetector(DETECTORS[options.detector])
        self.probe = (
            self.detector if options.detector == "short" else FaceDetector(SHORT_RANGE_DETECTOR)
        )
        self.landmarks = LandmarkModels()
        self.crowd_passes = 0  # photos that needed the crowd pass (for the measurements)

    def analyze(self, image: ImageLike, source: SourceCallback | None = None) -> list[Face]:
        """Every face in ``image`` (RGB), largest first.

        Args:
            image: the preview, an (H, W, 3) uint8 array or a PIL image.
            source: returns the same photo at a higher resolution (same orientation and
                framing), or None; called at most once, only for faces too small here.
                If it raises, the faces are judged on the preview alone.
        """
        preview = _as_pil(image)
        detections = sorted(self.find(preview), key=lambda d: d.box[2] * d.box[3], reverse=True)
        detections = detections[: self.options.max_faces]
        if not detections:
            return []
        gray = np.asarray(preview.convert("L"), dtype=np.float32) / 255.0
        energy = detail_map(gray)
        frame = frame_detail(energy, [d.box for d in detections])
        sharper = _LazySource(source, preview.size)
        faces = []
        for detection in detections:
            landmarks = self.landmarks.face(preview, face_roi(detection))
            looked_at, looked_gray = landmarks, gray
            widest = max(eye_width(eye) for eye in landmarks.eyes)
            if widest < self.options.refine_below and sharper.available():
                big, factor = sharper.get()
                if big is not None and factor > 1.2:
                    looked_at = self.landmarks.face(big, face_roi(_scaled(detection, factor)))
                    looked_gray = sharper.gray()
            pose = head_pose(looked_at.mesh)
            verdict = classify(
                looked_at,
                pose,
                eye_region_brightness(looked_gray, looked_at),
                self.options.thresholds,
            )
            eye_points = np.concatenate([eye.lids for eye in landmarks.eyes])
            faces.append(
                Face(
                    box=_clipped(detection.box, preview.size),
                    detection_score=detection.score,
                    eyes=verdict.state,
                    confidence=verdict.confidence,
                    sharpness=relative_sharpness(energy, eye_band(eye_points), frame),
                    openness=verdict.openness,
                    reason=verdict.reason,
                    pose=pose,
                    eye_width=widest,
                )
            )
        return faces

    def find(self, image: Image.Image) -> list[Detection]:
        """The faces' detections: the whole image (and the tiles asked for), then the crowd
        pass where a probe confirms a small face.  The probe looks again, closer, at the
        whole search's best small candidate however faint (a face of 30 px scores 0.05-0.4
        on the whole 1024 px image, 0.9 in the probe): most photos without people have
        such a candidate, and the probe costs them a fraction of one search, where the
        tiles would cost twelve."""
        options = self.options
        lowest = min(options.crowd_probe_score, MIN_DETECTION_SCORE)
        first = self.detector.candidates(image, tiles(image.size, options.tile_grid), lowest)
        found = [d for d in first if d.score >= MIN_DETECTION_SCORE]
        if options.crowd_tile <= 0:
            return suppress(found)
        if self.probe_score(image, first) >= options.crowd_confirm_score:
            longer = max(image.size)
            parts = square_tiles(
                image.size,
                max(1, round(options.crowd_tile * longer)),
                round(options.crowd_overlap * longer),
            )
            found += self.detector.candidates(image, parts)
            self.crowd_passes += 1
        return suppress(found)

    def probe_score(
        self, image: Image.Image, first: list[Detection], at_least: float | None = None
    ) -> float:
        """The best score, if ``at_least`` (``crowd_confirm_score``) or more, that the probe
        gives a small face around the best small candidate of ``first`` (the whole search's
        candidates); else 0.  The floor matters for the cost: on a texture the short-range
        model has hundreds of faint candidates, and each one decoded costs time."""
        options = self.options
        floor = options.crowd_confirm_score if at_least is None else at_least
        window = max(1, round(options.crowd_hint_below * max(image.size)))
        hints = [
            d
            for d in first
            if max(d.box[2], d.box[3]) < window and d.score >= options.crowd_probe_score
        ]
        if not hints:
            return 0.0
        around = _square_around(image.size, max(hints, key=lambda d: d.score).box, window)
        probed = self.probe.candidates(image, [around], floor)
        return max((d.score for d in probed if max(d.box[2], d.box[3]) < window), default=0.0)


def _square_around(
    size: tuple[int, int], box: tuple[float, float, float, float], side: int
) -> tuple[int, int, int, int]:
    """The square of ``side`` px centred on the box, moved inside the image where it would
    stick out (cut where the image is smaller)."""
    width, height = size
    x, y, w, h = box
    left = round(min(max(x + w / 2 - side / 2, 0), max(width - side, 0)))
    top = round(min(max(y + h / 2 - side / 2, 0), max(height - side, 0)))
    return left, top, min(width, left + side), min(height, top + side)


def _as_pil(image: ImageLike) -> Image.Image:
    if isinstance(image, Image.Image):
        return image.convert("RGB") if image.mode != "RGB" else image
    array = np.asarray(image)
    if array.ndim != 3 or array.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) RGB array, got shape {array.shape}")
    return Image.fromarray(array.astype(np.uint8, copy=False), "RGB")


def _clipped(box: tuple[float, ...], size: tuple[int, int]) -> tuple[float, float, float, float]:
    """The part of a box inside the image (a face cut by the frame's edge keeps its visible part)."""
    x, y, w, h = box
    left, top = max(0.0, x), max(0.0, y)
    right, bottom = min(float(size[0]), x + w), min(float(size[1]), y + h)
    return left, top, max(0.0, right - left), max(0.0, bottom - top)


def _scaled(detection: Detection, factor: float) -> Detection:
    x, y, w, h = detection.box
    return Detection(
        (x * factor, y * factor, w * factor, h * factor),
        detection.score,
        detection.keypoints * factor,
    )


class _LazySource:
    """The higher-resolution image, decoded on first need, with its scale to the preview."""

    def __init__(self, callback: SourceCallback | None, preview_size: tuple[int, int]) -> None:
        self._callback = callback
        self._preview_size = preview_size
        self._image: Image.Image | None = None
        self._gray: np.ndarray | None = None
        self._tried = False

    def available(self) -> bool:
        return self._callback is not None and not (self._tried and self._image is None)

    def get(self) -> tuple[Image.Image | None, float]:
        if not self._tried:
            self._tried = True
            try:
                result = self._callback() if self._callback else None
                self._image = None if result is None else _as_pil(result)
            except Exception:  # an unreadable original: the preview's verdict stands
                self._image = None
        if self._image is None:
            return None, 1.0
        return self._image, self._image.width / self._preview_size[0]

    def gray(self) -> np.ndarray:
        if self._gray is None and self._image is not None:
            self._gray = np.asarray(self._image.convert("L"), dtype=np.float32) / 255.0
        return self._gray


__all__ = ["Face", "FaceAnalyzer", "FaceOptions", "ImageLike", "SourceCallback"]
