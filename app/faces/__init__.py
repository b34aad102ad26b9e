"""Faces and eyes: detection, eye state, focus on the eyes, and the closed-eye pick rule.

Typical use, in a decode worker::

    from app.faces import analyze_faces, faces_problem
    if faces_problem() is None:                  # else: say it once, cull without faces
        faces = analyze_faces(preview_rgb, source=lambda: decode_image(path, 4096))

and per series, with its frames' scores::

    decision = choose_pick(scores, [faces_of(frame) for frame in series])
    decision.pick, decision.reason, decision.closed_eyes

Models: MediaPipe's face detection, face mesh and iris landmark models (Apache-2.0, in
``app/faces/models/`` with their licence) run on LiteRT; see docs/faces.md.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.faces.analyze import Face, FaceAnalyzer, FaceOptions, ImageLike, SourceCallback

# Parts are imported on first use: the cull imports the pick rule on every run, and the
# models' code only when a photo is analysed.
_PARTS = {
    "Face": "analyze",
    "FaceAnalyzer": "analyze",
    "FaceOptions": "analyze",
    "ImageLike": "analyze",
    "SourceCallback": "analyze",
    "EyeState": "eyes",
    "EyeThresholds": "eyes",
    "PICK_REASONS": "pick",
    "PickDecision": "pick",
    "PickReason": "pick",
    "choose_pick": "pick",
    "closed_eye_count": "pick",
    "HeadPose": "pose",
    "FacesUnavailable": "runtime",
    "runtime_problem": "runtime",
    "face_tracks": "tracks",
}


def __getattr__(name: str) -> Any:
    part = _PARTS.get(name)
    if part is None:
        raise AttributeError(f"module 'app.faces' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"app.faces.{part}"), name)
    globals()[name] = value
    return value


def faces_problem() -> str | None:
    """None when faces can be analysed here, else one line to show once (and cull on)."""
    from app.faces.runtime import runtime_problem

    return runtime_problem()


@cache
def _analyzer(options: FaceOptions) -> FaceAnalyzer:
    from app.faces.analyze import FaceAnalyzer

    return FaceAnalyzer(options)


def analyze_faces(
    image: ImageLike, source: SourceCallback | None = None, options: FaceOptions | None = None
) -> list[Face]:
    """Faces of one photo with this process's analyzer (made on first use, then kept).

    Raises:
        FacesUnavailable: no runtime or a missing model (check ``faces_problem()`` first).
    """
    from app.faces.analyze import FaceOptions

    return _analyzer(options or FaceOptions()).analyze(image, source)


__all__ = [
    "PICK_REASONS",
    "EyeState",
    "EyeThresholds",
    "Face",
    "FaceAnalyzer",
    "FaceOptions",
    "FacesUnavailable",
    "HeadPose",
    "PickDecision",
    "PickReason",
    "analyze_faces",
    "choose_pick",
    "closed_eye_count",
    "face_tracks",
    "faces_problem",
]
