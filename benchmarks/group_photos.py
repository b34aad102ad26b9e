"""Generated group photos of 10-40 faces with known eye positions, for the crowd measurement.

The faces are the two licence-clean portraits the face tests use (scikit-image's astronaut,
the US Navy's Grace Hopper, see scripts/synthetic_faces.py), with their eyes open or closed
by that script's lid warp.  Two generators share nothing but those sources, so a setting
tuned on one is reported on the other:

* ``rows`` (tuning): people in rows, the back rows smaller, heads cut as rectangles with a
  soft edge, on scikit-image photographs softened as by a shallow depth of field; 12 MP.
* ``scatter`` (held out): heads cut by a feathered ellipse, turned by up to 15 degrees,
  mirrored, darkened or brightened and tinted, placed anywhere without overlap at sizes
  drawn log-uniformly, on painted backgrounds (gradient, shapes, texture) with sensor-like
  noise and stronger JPEG compression; 20-24 MP.

Each photo comes with its faces: both eye centres in the photo's pixels, the face width
(2.5 times the distance between the eyes, about the detector's box) and whether the eyes
are closed.  ``opened=True`` gives the same photo with everyone's eyes open (a burst's
other frame).
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import skimage.data
from PIL import Image, ImageDraw, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import synthetic_faces  # noqa: E402

#: face width over the distance between the eye centres (the detector's box: 2.44-2.57)
FACE_PER_EYE_DISTANCE = 2.5


@dataclass(frozen=True)
class TruthFace:
    eyes: tuple[tuple[float, float], tuple[float, float]]  # eye centres, photo pixels
    closed: bool

    @property
    def width(self) -> float:
        (ax, ay), (bx, by) = self.eyes
        return FACE_PER_EYE_DISTANCE * math.hypot(bx - ax, by - ay)


@dataclass(frozen=True)
class GroupPhoto:
    image: Image.Image
    faces: tuple[TruthFace, ...]
    jpeg_quality: int


@dataclass(frozen=True)
class _Head:
    image: Image.Image  # the head with hair and some shoulders, at the portrait's size
    eyes: np.ndarray  # (2, 2) eye centres in ``image``'s pixels


@cache
def _heads() -> dict[tuple[str, bool], _Head]:
    """Each portrait's head, eyes open and closed, cut around its eyes."""
    heads = {}
    for portrait in synthetic_faces.PORTRAITS:
        photo = portrait.load()
        eyes = np.array([np.mean(eye, axis=0) for eye in portrait.eyes])
        middle = eyes.mean(axis=0)
        d = float(np.hypot(*(eyes[1] - eyes[0])))
        box = (
            max(0, round(middle[0] - 2.0 * d)),
            max(0, round(middle[1] - 1.8 * d)),
            min(photo.width, round(middle[0] + 2.0 * d)),
            min(photo.height, round(middle[1] + 2.7 * d)),
        )
        for closed in (False, True):
            source = synthetic_faces.close_eyes(photo, portrait.eyes) if closed else photo
            heads[(portrait.name, closed)] = _Head(source.crop(box), eyes - np.array(box[:2]))
    return heads


def _pasted(
    canvas: Image.Image,
    head: _Head,
    face_width: float,
    at: tuple[float, float],
    mask: Image.Image | None = None,
    angle: float = 0.0,
    mirror: bool = False,
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Paste ``head`` scaled so its face is ``face_width`` wide, its eye midpoint at ``at``;
    the eye centres in the canvas."""
    image, eyes = head.image, head.eyes.copy()
    if mirror:
        image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        eyes[:, 0] = image.width - eyes[:, 0]
    scale = face_width / (FACE_PER_EYE_DISTANCE * float(np.hypot(*(eyes[1] - eyes[0]))))
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    image = image.resize(size, Image.Resampling.LANCZOS)
    eyes = eyes * (np.array(size) / np.array(head.image.size))
    alpha = (mask or Image.new("L", image.size, 255)).resize(size, Image.Resampling.BILINEAR)
    if angle:
        centre = np.array(size) / 2
        image = image.rotate(angle, Image.Resampling.BICUBIC, expand=True)
        alpha = alpha.rotate(angle, Image.Resampling.BILINEAR, expand=True)
        turn = math.radians(-angle)  # PIL turns counter-clockwise on screen
        rot = np.array([[math.cos(turn), -math.sin(turn)], [math.sin(turn), math.cos(turn)]])
        eyes = (eyes - centre) @ rot.T + np.array(image.size) / 2
    middle = eyes.mean(axis=0)
    corner = (round(at[0] - middle[0]), round(at[1] - middle[1]))
    canvas.paste(image, corner, alpha)
    placed = eyes + np.array(corner)
    return tuple(map(tuple, placed))  # type: ignore[return-value]


# -- rows: the tuning generator ----------------------------------------------------------------

_SCENES = ("coffee", "rocket", "chelsea", "coins", "hubble_deep_field", "immunohistochemistry")


def rows(
    seed: int,
    people: int,
    size: tuple[int, int] = (4240, 2832),
    blinks: int = 0,
    opened: bool = False,
) -> GroupPhoto:
    """People standing in rows (the back rows smaller) in front of a softened photograph."""
    rng = np.random.default_rng(seed)
    scene = getattr(skimage.data, _SCENES[seed % len(_SCENES)])()
    if scene.ndim == 2:
        scene = np.stack([scene] * 3, axis=-1)
    canvas = Image.fromarray(scene[..., :3]).convert("RGB").resize(size, Image.Resampling.BICUBIC)
    canvas = canvas.filter(ImageFilter.GaussianBlur(size[0] / 400))
    row_count = int(np.clip(round(math.sqrt(people / 3)), 1, 5))
    per_row = np.full(row_count, people // row_count)
    per_row[: people % row_count] += 1
    feather = {}
    faces = []
    closed = set(rng.choice(people, size=blinks, replace=False).tolist()) if blinks else set()
    closed = set() if opened else closed  # the same photo, everyone's eyes open
    k = 0
    for row in range(row_count):  # back row first, so the front row overlaps it
        n = int(per_row[row])
        depth = 1.0 - 0.18 * (row_count - 1 - row)
        slot = size[0] * 0.92 / n
        width = slot * rng.uniform(0.32, 0.48) * depth
        y = size[1] * (0.3 + 0.5 * (row + 0.5) / row_count)
        for i in range(n):
            name = synthetic_faces.PORTRAITS[int(rng.integers(2))].name
            head = _heads()[(name, k in closed)]
            if name not in feather:
                mask = Image.new("L", head.image.size, 0)
                ImageDraw.Draw(mask).rectangle(
                    (4, 4, head.image.width - 5, head.image.height - 5), fill=255
                )
                feather[name] = mask.filter(ImageFilter.GaussianBlur(3))
            x = size[0] * 0.04 + slot * (i + 0.5) + rng.uniform(-0.08, 0.08) * slot
            eyes = _pasted(
                canvas, head, width * rng.uniform(0.9, 1.1), (x, y + rng.normal(0, width * 0.1)),
                feather[name],
            )  # fmt: skip
            faces.append(TruthFace(eyes, k in closed))
            k += 1
    return GroupPhoto(canvas, tuple(faces), jpeg_quality=92)


# -- scatter: the held-out generator -----------------------------------------------------------


def _painted_background(rng: np.random.Generator, size: tuple[int, int]) -> Image.Image:
    w, h = size
    top, bottom = rng.uniform(30, 230, 3), rng.uniform(30, 230, 3)
    t = np.linspace(0, 1, h)[:, None, None]
    sky = (top * (1 - t) + bottom * t) * np.ones((1, w, 1))
    image = Image.fromarray(sky.astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = rng.uniform(0, w), rng.uniform(0, h)
        r = rng.uniform(0.02, 0.2) * w
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        box = (x - r, y - r * rng.uniform(0.3, 1.5), x + r, y + r)
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour)
    image = image.filter(ImageFilter.GaussianBlur(w / 300))
    texture = rng.normal(0, 12, (h // 8 + 1, w // 8 + 1, 1)).repeat(8, 0).repeat(8, 1)[:h, :w]
    return Image.fromarray(np.clip(np.asarray(image) + texture, 0, 255).astype(np.uint8))


def _ellipse_mask(size: tuple[int, int]) -> Image.Image:
    mask = Image.new("L", size, 0)
    w, h = size
    ImageDraw.Draw(mask).ellipse((0.06 * w, 0.03 * h, 0.94 * w, 0.97 * h), fill=255)
    return mask.filter(ImageFilter.GaussianBlur(max(1.0, w / 40)))


def scatter(
    seed: int,
    people: int,
    size: tuple[int, int] = (6000, 4000),
    blinks: int = 0,
    opened: bool = False,
) -> GroupPhoto:
    """Faces anywhere, turned, tinted, of log-uniform sizes, on a painted background."""
    rng = np.random.default_rng(10_000 + seed)
    canvas = _painted_background(rng, size)
    closed = set(rng.choice(people, size=blinks, replace=False).tolist()) if blinks else set()
    closed = set() if opened else closed  # the same photo, everyone's eyes open
    taken: list[tuple[float, float, float]] = []
    faces = []
    for k in range(people):
        for _ in range(200):
            width = math.exp(rng.uniform(math.log(0.008), math.log(0.06))) * max(size)
            x = rng.uniform(width, size[0] - width)
            y = rng.uniform(width, size[1] - 1.3 * width)
            if all(math.hypot(x - a, y - b) > 1.1 * (width + c) for a, b, c in taken):
                break
        taken.append((x, y, width))
        name = synthetic_faces.PORTRAITS[int(rng.integers(2))].name
        head = _heads()[(name, k in closed)]
        gain = rng.uniform(0.6, 1.3)
        tint = rng.uniform(0.85, 1.15, 3) * gain
        toned = Image.fromarray(
            np.clip(np.asarray(head.image, dtype=np.float32) * tint, 0, 255).astype(np.uint8)
        )
        eyes = _pasted(
            canvas,
            _Head(toned, head.eyes),
            width,
            (x, y),
            _ellipse_mask(toned.size),
            angle=float(rng.uniform(-15, 15)),
            mirror=bool(rng.random() < 0.5),
        )
        faces.append(TruthFace(eyes, k in closed))
    noisy = np.asarray(canvas, dtype=np.float32)
    noisy = noisy + rng.normal(0, 1, noisy.shape) * np.sqrt(2.0 + noisy * 0.05)
    image = Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))
    return GroupPhoto(image, tuple(faces), jpeg_quality=80)


GENERATORS = {"rows": rows, "scatter": scatter}
