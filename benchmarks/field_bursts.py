"""Burst generator "field": a plain physical camera, photographs the tuning never saw.
Held out: nothing of the technical scorer was tuned on it (see ``pick_eval.py``).

Independent of ``burst_eval.py``, ``optics_bursts.py`` and ``sensor_bursts.py`` (no code or
parameters shared).  Each frame is the scene in linear light seen through a hand-held camera:

* framing: a shift of 1-2 % of the width in a random direction and a zoom of 1-2 % in or
  out (a cubic spline resampling, no rotation);
* exposure scaled in linear light, clipped at the sensor's white;
* Poisson-Gaussian noise at the burst's ISO (100-400; 25 000 electrons at white at ISO 100,
  read noise 3 e-), then a pure gamma of 1/2.2 and 8-bit quantisation (a PNG-like frame,
  no compression).

Defects: 1.3-2.0 stops under-exposed, 1.3-2.0 stops over, a high ISO (3200-12800 at the
same exposure), shake (a straight line of 5-12 px at any angle), defocus (a uniform disc of
radius 1.5-3.5 px).

Scene types: ``plain``; ``shallow_dof`` (focused on a point, the blur growing with the
distance from it to a disc of 7-12 px, as a macro lens's), ``dark_subject`` (the frame
darkened to a mean of 3-6 % of white in linear light, its brightest 1 % kept: a lit window,
a glint), ``bright_subject`` (a white subject: lifted towards white to at most 92 % of it,
nothing blown), ``subject_motion`` (a vertical strip blurred along a line of 10-25 px at its
own angle in every frame, the clean one too) and ``texture`` (text and printed pages).
Photographs: scikit-image's camera, clock (a photograph that already holds motion blur),
microaneurysms, the right motorcycle view and the retina; texture from page, text and
cells under a microscope.
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import numpy as np
from PIL import Image
from scipy import ndimage

LONG_SIDE = 400  # px of a frame's longer side
SOURCES = ("camera", "clock_motion", "microaneurysms", "motorcycle_right", "retina")
TEXTURES = ("page", "text", "cell")
SCENE_TYPES = (
    "plain",
    "shallow_dof",
    "dark_subject",
    "bright_subject",
    "subject_motion",
    "texture",
)
DEFECTS = ("under-exposed", "over-exposed", "noise", "shake", "defocus")
ELECTRONS_AT_ISO_100 = 25000.0
READ_ELECTRONS = 3.0


class Burst(NamedTuple):
    """One burst: its frames, what each frame carries, which one is clean, how it was made."""

    frames: list[Image.Image]
    labels: list[str]
    clean: int
    source: str
    scene: str
    defect: str
    generator: str = "field"


@functools.lru_cache(maxsize=16)
def _linear(name: str) -> np.ndarray:
    """The photograph in linear light (gamma 2.2 undone), a little larger than a frame."""
    import skimage.data

    loader = getattr(skimage.data, name, None)
    if loader is not None:
        array = np.asarray(loader())
    else:
        import os

        folder = os.path.dirname(skimage.data.__file__)
        array = np.asarray(Image.open(os.path.join(folder, f"{name}.png")))
    if array.ndim == 2:
        array = np.repeat(array[..., None], 3, axis=2)
    array = array[..., :3].astype(np.float32) / 255.0
    scale = LONG_SIDE * 1.06 / max(array.shape[:2])
    array = np.stack([ndimage.zoom(array[..., c], scale, order=1) for c in range(3)], axis=2)
    return np.clip(array, 0, 1) ** 2.2


def _disc(radius: float) -> np.ndarray:
    """A uniform disc, anti-aliased by supersampling its edge."""
    size = int(math.ceil(radius)) + 1
    fine = np.linspace(-size - 0.375, size + 0.375, (2 * size + 1) * 4)
    y, x = np.meshgrid(fine, fine, indexing="ij")
    inside = (np.hypot(x, y) <= radius).astype(np.float64)
    kernel = inside.reshape(2 * size + 1, 4, 2 * size + 1, 4).sum(axis=(1, 3))
    return kernel / kernel.sum()


def _line(length: float, angle: float) -> np.ndarray:
    """A straight line of ``length`` px at ``angle`` (radians), drawn with 8 samples a px."""
    size = int(math.ceil(length / 2)) + 1
    kernel = np.zeros((2 * size + 1, 2 * size + 1))
    for t in np.linspace(-length / 2, length / 2, max(int(length * 8), 2)):
        x, y = t * math.cos(angle) + size, t * math.sin(angle) + size
        x0, y0 = int(math.floor(x)), int(math.floor(y))
        fx, fy = x - x0, y - y0
        kernel[y0, x0] += (1 - fx) * (1 - fy)
        kernel[y0, min(x0 + 1, 2 * size)] += fx * (1 - fy)
        kernel[min(y0 + 1, 2 * size), x0] += (1 - fx) * fy
        kernel[min(y0 + 1, 2 * size), min(x0 + 1, 2 * size)] += fx * fy
    return kernel / kernel.sum()


def _filter(array: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    return np.stack(
        [ndimage.convolve(array[..., c], kernel, mode="reflect") for c in range(3)], axis=2
    )


def make_scene(name: str, scene: str, rng: np.random.Generator) -> np.ndarray:
    """The scene in linear light; ``subject_motion`` adds its blur per frame."""
    linear = _linear(name)
    if scene == "shallow_dof":
        height, width = linear.shape[:2]
        fy, fx = rng.uniform(0.3, 0.7) * height, rng.uniform(0.3, 0.7) * width
        y, x = np.mgrid[0:height, 0:width]
        distance = np.hypot(y - fy, x - fx) / max(height, width)
        strongest = rng.uniform(7, 12)
        radii = (0.0, strongest / 3, 2 * strongest / 3, strongest)
        layers = [linear] + [_filter(linear, _disc(r)) for r in radii[1:]]
        level = np.clip((distance - 0.12) / 0.25 * 3, 0, 3)[..., None]
        out = np.zeros_like(linear)
        for k, layer in enumerate(layers):
            out += np.clip(1 - np.abs(level - k), 0, 1) * layer
        return out
    if scene == "dark_subject":
        brightest = linear.max(axis=2) >= np.quantile(linear.max(axis=2), 0.99)
        dark = linear * (rng.uniform(0.03, 0.06) / max(float(linear.mean()), 1e-4))
        return np.where(brightest[..., None], np.maximum(linear, dark), dark)
    if scene == "bright_subject":
        top = rng.uniform(0.8, 0.92)
        floor = rng.uniform(0.3, 0.5) * top
        return floor + (top - floor) * linear / max(float(linear.max()), 1e-4)
    return linear


def _handheld(array: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Shift 1-2 % and zoom 1-2 % about the centre (cubic spline), cropped 3 % each side."""
    height, width = array.shape[:2]
    zoom = 1 + rng.choice([-1.0, 1.0]) * rng.uniform(0.01, 0.02)
    direction = rng.uniform(0, 2 * math.pi)
    shift = rng.uniform(0.01, 0.02) * width * np.array([math.sin(direction), math.cos(direction)])
    out = (round(height / 1.06), round(width / 1.06))
    centre_out = np.array(out) / 2.0
    centre_in = np.array([height, width]) / 2.0 + shift
    offset = centre_in - centre_out / zoom
    warped = [
        ndimage.affine_transform(array[..., c], [1 / zoom, 1 / zoom], offset, out, order=3)
        for c in range(3)
    ]
    return np.clip(np.stack(warped, axis=2), 0, None)


def _capture(linear: np.ndarray, stops: float, iso: float, rng) -> Image.Image:
    """Expose, count electrons at ``iso``, read out, clip at white, gamma 1/2.2, 8 bits."""
    white = ELECTRONS_AT_ISO_100 * 100.0 / iso
    electrons = rng.poisson(np.clip(linear * 2.0**stops, 0, 16) * white).astype(np.float64)
    electrons += rng.normal(0, READ_ELECTRONS, electrons.shape)
    signal = np.clip(electrons / white, 0, 1)
    return Image.fromarray((signal ** (1 / 2.2) * 255).round().astype(np.uint8))


def _frame(scene, scene_type: str, defect: str, strip, iso: float, rng) -> Image.Image:
    view = scene
    if scene_type == "subject_motion":
        moving = _filter(scene, _line(rng.uniform(10, 25), rng.uniform(0, math.pi)))
        view = strip * moving + (1 - strip) * scene
    if defect == "shake":
        view = _filter(view, _line(rng.uniform(5, 12), rng.uniform(0, math.pi)))
    elif defect == "defocus":
        view = _filter(view, _disc(rng.uniform(1.5, 3.5)))
    view = _handheld(view, rng)
    stops = {"under-exposed": -rng.uniform(1.3, 2.0), "over-exposed": rng.uniform(1.3, 2.0)}
    frame_iso = rng.uniform(3200, 12800) if defect == "noise" else iso
    return _capture(view, stops.get(defect, 0.0), frame_iso, rng)


def make_burst(source: str, scene_type: str, defect: str, rng: np.random.Generator) -> Burst:
    """The clean frame at a random place among two frames with ``defect`` (``mixed``: one
    frame of every defect)."""
    scene = make_scene(source, scene_type, rng)
    height, width = scene.shape[:2]
    left = int(rng.uniform(0.2, 0.6) * width)
    strip = np.zeros((height, width, 1), dtype=np.float32)
    strip[:, left : left + int(0.3 * width)] = 1.0
    strip = ndimage.gaussian_filter(strip, (0, 3, 0))
    iso = rng.uniform(100, 400)
    defects = list(DEFECTS) if defect == "mixed" else [defect, defect]
    clean = int(rng.integers(len(defects) + 1))
    labels = defects[:clean] + ["clean"] + defects[clean:]
    frames = [_frame(scene, scene_type, label, strip, iso, rng) for label in labels]
    return Burst(frames, labels, clean, source, scene_type, defect)
