"""Head pose (yaw, pitch, roll in degrees) from the face mesh.

The mesh is a 3-D fit of a face (depth in pixel units, smaller is nearer), so the face's own
axes can be read off it: across from one outer eye corner to the other, down from the
forehead to the chin, and their cross product, the direction the face looks in.  Yaw is
that direction's turn left or right, pitch up or down, roll the tilt of the eye line.
Signs: yaw > 0 turns towards the image's right, pitch > 0 looks down, roll > 0 is clockwise.
The forehead-to-chin line leans back from the line of sight: faces looking straight into the
camera measure about 8 degrees of pitch on it (7-9 on both test portraits, whatever their
size), so pitch is reported relative to that.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Mesh indices: outer eye corners (image's left, image's right), forehead and chin.
_EYE_OUTER = (33, 263)
_FOREHEAD, _CHIN = 10, 152
NEUTRAL_PITCH = 8.0


@dataclass(frozen=True)
class HeadPose:
    yaw: float
    pitch: float
    roll: float


def head_pose(mesh: np.ndarray) -> HeadPose:
    across = mesh[_EYE_OUTER[1]] - mesh[_EYE_OUTER[0]]
    down = mesh[_CHIN] - mesh[_FOREHEAD]
    x_axis = across / (np.linalg.norm(across) or 1.0)
    down = down - np.dot(down, x_axis) * x_axis
    y_axis = down / (np.linalg.norm(down) or 1.0)
    # Image axes are x right, y down, z away from the camera: x cross y points away from the
    # camera for a face that looks into it, so the face looks along minus that.
    facing = -np.cross(x_axis, y_axis)
    yaw = math.degrees(math.atan2(facing[0], -facing[2]))
    pitch = math.degrees(math.atan2(facing[1], math.hypot(facing[0], facing[2]))) - NEUTRAL_PITCH
    roll = math.degrees(math.atan2(x_axis[1], x_axis[0]))
    return HeadPose(yaw, pitch, roll)
