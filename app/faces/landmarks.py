"""Face mesh (468 points) and eye contours with the iris (MediaPipe's landmark models).

A detection gives the face region: its box enlarged 1.5 times, turned so that the eyes lie
level (as MediaPipe's face-landmark graph does).  The mesh then places each eye; the iris
model looks at each eye in its own 64 px cut-out, 2.3 times the width between its corners,
and returns the lids (16 points) and the iris (centre and 4 points on its rim).  The iris
model knows only the eye on the image's left, so the other eye is mirrored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

from app.faces.detect import Detection
from app.faces.roi import Roi, cut
from app.faces.runtime import FACE_MESH, IRIS, TFLiteModel

FACE_ROI_SCALE = 1.5
EYE_ROI_SCALE = 2.3
# Mesh indices of the eye corners: (outer, inner) of the eye on the image's left, then
# (inner, outer) of the eye on its right, each pair in left-to-right order.
EYE_CORNERS = ((33, 133), (362, 263))


@dataclass(frozen=True)
class EyeLandmarks:
    """One eye in image pixels: ``lids`` (16, 2): 0-8 the lower lid corner to corner, 9-15
    the upper lid between the corners; ``iris`` (5, 2): centre, then four points on the rim."""

    lids: np.ndarray
    iris: np.ndarray
    roi: Roi  # where the iris model looked, in image pixels


@dataclass(frozen=True)
class FaceLandmarks:
    mesh: np.ndarray  # (468, 3) image pixels; depth in the same unit, smaller is nearer
    presence: float  # the mesh model's own confidence that its input is a face
    eyes: tuple[EyeLandmarks, EyeLandmarks]  # image's left eye, image's right eye


def face_roi(detection: Detection) -> Roi:
    """The square the mesh model looks at: the detection box x1.5, eyes level."""
    x, y, w, h = detection.box
    left_eye, right_eye = detection.keypoints[0], detection.keypoints[1]
    angle = math.atan2(right_eye[1] - left_eye[1], right_eye[0] - left_eye[0])
    return Roi(x + w / 2, y + h / 2, max(w, h) * FACE_ROI_SCALE, angle)


def eye_roi(mesh: np.ndarray, corners: tuple[int, int]) -> Roi:
    first, second = mesh[corners[0], :2], mesh[corners[1], :2]
    centre = (first + second) / 2
    width = float(np.hypot(*(second - first)))
    angle = math.atan2(second[1] - first[1], second[0] - first[0])
    return Roi(float(centre[0]), float(centre[1]), max(width, 1.0) * EYE_ROI_SCALE, angle)


class LandmarkModels:
    def __init__(self) -> None:
        self.mesh_model = TFLiteModel(FACE_MESH)
        self.iris_model = TFLiteModel(IRIS)

    def face(self, image: Image.Image, roi: Roi) -> FaceLandmarks:
        size = FACE_MESH.input_size
        points, presence_logit = self.mesh_model.run(cut(image, roi, size)[None])
        mesh = roi.to_image(points.reshape(-1, 3), size)
        presence = float(
            1.0 / (1.0 + math.exp(-float(np.clip(presence_logit.ravel()[0], -80, 80))))
        )
        eyes = (
            self.eye(image, eye_roi(mesh, EYE_CORNERS[0]), mirrored=False),
            self.eye(image, eye_roi(mesh, EYE_CORNERS[1]), mirrored=True),
        )
        return FaceLandmarks(mesh, presence, eyes)

    def eye(self, image: Image.Image, roi: Roi, mirrored: bool) -> EyeLandmarks:
        size = IRIS.input_size
        contour, iris = self.iris_model.run(cut(image, roi, size, flip=mirrored)[None])
        contour = contour.reshape(-1, 3)[:16, :2].astype(np.float64)
        iris = iris.reshape(-1, 3)[:, :2].astype(np.float64)
        if mirrored:
            contour[:, 0] = size - contour[:, 0]
            iris[:, 0] = size - iris[:, 0]
        return EyeLandmarks(roi.to_image(contour, size), roi.to_image(iris, size), roi)
