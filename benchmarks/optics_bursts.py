"""Burst generator "optics": a camera modelled in linear light, scenes that fool simple
measures.  The technical scorer's constants are tuned on this one (see ``pick_eval.py``).

Independent of ``burst_eval.py`` (no code or parameters shared): each frame of a burst is
the scene, made once in linear light, seen through a hand-held camera:

* framing: every frame shifted by 1-2 % of the width, zoomed by up to 1.5 % and rotated by
  up to 0.8 degrees (an affine warp, bilinear);
* exposure in linear light, highlights clipped at the sensor's white;
* Poisson-Gaussian sensor noise (shot noise from a photon count, read noise) in linear light,
  before the tone curve, at a low ISO for every frame;
* a filmic tone curve (toe and shoulder) and a camera JPEG at quality 90.

One frame is clean; the others carry one defect each: 1.3-1.7 stops under-exposed (same
sensor, so its shot noise is relatively higher, as in a real camera), 1-1.5 stops over,
a high ISO (8-16x the photon gain lost), shake (a random-walk motion path of 5-10 px) or
defocus (a disc of radius 1.5-3 px).

Scene types: ``plain``; ``shallow_dof`` (everything outside an elliptical subject blurred by
a large disc, as with a fast lens); ``dark`` (a low-key subject whose brightest specks stay
bright) and ``bright`` (light and low in contrast, exposed to the right, nothing blown);
``motion`` (a subject blurred along a different short path in every frame, the clean one
included); ``texture`` (grass, gravel and brick, fine detail everywhere).
"""

from __future__ import annotations

import functools
import io
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image
from scipy import ndimage

SIDE = 448  # px of the longer side of a frame
SOURCES = ("astronaut", "chelsea", "coffee", "rocket", "immunohistochemistry", "coins")
TEXTURES = ("grass", "gravel", "brick")
SCENE_TYPES = ("plain", "shallow_dof", "dark", "bright", "motion", "texture")
DEFECTS = ("under-exposed", "over-exposed", "noise", "shake", "defocus")
PHOTONS = 4000.0  # photons at white at base ISO
READ_NOISE = 2.0  # electrons
JPEG_QUALITY = 90
# Scales every defect (stops, blur extents, log of the ISO gain): 0.5 makes the near misses
# the confidence mapping is fitted on (``pick_eval.py --generator optics-subtle``).
STRENGTH = 1.0


@dataclass
class Burst:
    generator: str
    source: str
    scene: str
    defect: str  # the kind of the degraded frames ("mixed": one frame of each)
    frames: list[Image.Image]
    labels: list[str]
    clean: int


@functools.lru_cache(maxsize=16)
def _source(name: str) -> np.ndarray:
    """The photograph in linear light, float32 RGB."""
    import skimage.data

    array = np.asarray(getattr(skimage.data, name)(), dtype=np.float32) / 255.0
    if array.ndim == 2:
        array = np.repeat(array[..., None], 3, axis=2)
    return np.clip(array[..., :3], 0, 1) ** 2.2


def _disc(radius: float) -> np.ndarray:
    size = int(math.ceil(radius)) + 1
    y, x = np.mgrid[-size : size + 1, -size : size + 1]
    kernel = np.clip(radius + 0.5 - np.hypot(x, y), 0.0, 1.0)
    return kernel / kernel.sum()


def _path_kernel(extent: float, rng: np.random.Generator) -> np.ndarray:
    """A hand's shake: a random walk with momentum, scaled to ``extent`` px end to end."""
    steps = 64
    velocity = rng.normal(0, 1, 2)
    points = [np.zeros(2)]
    for _ in range(steps):
        velocity = 0.8 * velocity + rng.normal(0, 0.6, 2)
        points.append(points[-1] + velocity)
    path = np.array(points)
    path -= path.mean(axis=0)
    span = np.ptp(path, axis=0).max()
    path *= extent / max(span, 1e-6)
    size = int(math.ceil(extent / 2)) + 2
    kernel = np.zeros((2 * size + 1, 2 * size + 1))
    for x, y in path:
        kx, ky = x + size, y + size
        x0, y0 = int(math.floor(kx)), int(math.floor(ky))
        fx, fy = kx - x0, ky - y0
        for dy, wy in ((0, 1 - fy), (1, fy)):
            for dx, wx in ((0, 1 - fx), (1, fx)):
                kernel[min(y0 + dy, 2 * size), min(x0 + dx, 2 * size)] += wy * wx
    return kernel / kernel.sum()


def _convolve(array: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    from scipy.signal import fftconvolve

    pad = kernel.shape[0] // 2
    padded = np.pad(array, ((pad, pad), (pad, pad), (0, 0)), mode="reflect")
    return fftconvolve(padded, kernel[..., None], mode="valid", axes=(0, 1)).astype(np.float32)


def _ellipse(shape: tuple[int, int], rng: np.random.Generator, soft: float) -> np.ndarray:
    """A soft elliptical subject mask (1 inside) somewhere near the middle."""
    height, width = shape
    cy, cx = rng.uniform(0.35, 0.65) * height, rng.uniform(0.35, 0.65) * width
    ry, rx = rng.uniform(0.2, 0.32) * height, rng.uniform(0.2, 0.32) * width
    y, x = np.mgrid[0:height, 0:width]
    distance = np.hypot((y - cy) / ry, (x - cx) / rx)
    return np.clip((1.0 + soft - distance) / (2 * soft), 0.0, 1.0)[..., None]


def make_scene(source: np.ndarray, scene: str, rng: np.random.Generator) -> np.ndarray:
    """The scene in linear light, shared by every frame (``motion`` adds its blur per frame)."""
    if scene == "shallow_dof":
        mask = _ellipse(source.shape[:2], rng, soft=0.15)
        blurred = _convolve(source, _disc(rng.uniform(6, 10)))
        return mask * source + (1 - mask) * blurred
    if scene == "dark":
        # A dark subject; its brightest specks (a lamp, a reflection) stay bright.
        lights = source.max(axis=2, keepdims=True) >= np.quantile(source.max(axis=2), 0.985)
        return np.where(lights, source, source * rng.uniform(0.08, 0.18))
    if scene == "bright":
        # A bright subject exposed to the right: light, low contrast, nothing blown.
        lift = rng.uniform(0.25, 0.4)
        return lift + (0.95 - lift) * source
    return source


def _warp(array: np.ndarray, rng: np.random.Generator, out: tuple[int, int]) -> np.ndarray:
    """A hand-held frame: shift 1-2 %, zoom up to 1.5 %, rotation up to 0.8 degrees, centred
    crop of 92 % of the scene, resampled to ``out``."""
    height, width = array.shape[:2]
    angle = math.radians(rng.uniform(-0.8, 0.8))
    zoom = 0.92 * (1 + rng.uniform(-0.015, 0.015))
    shift = (
        rng.uniform(0.01, 0.02)
        * width
        * np.array([math.cos(t := rng.uniform(0, 6.3)), math.sin(t)])
    )
    scale_y, scale_x = zoom * height / out[0], zoom * width / out[1]
    cos, sin = math.cos(angle), math.sin(angle)
    matrix = np.array([[cos * scale_y, -sin * scale_x], [sin * scale_y, cos * scale_x]])
    centre_out = np.array(out) / 2.0
    centre_in = np.array([height, width]) / 2.0 + shift
    offset = centre_in - matrix @ centre_out
    return np.stack(
        [
            ndimage.affine_transform(array[..., c], matrix, offset, out, order=1, mode="reflect")
            for c in range(3)
        ],
        axis=2,
    )


def _tone(linear: np.ndarray) -> np.ndarray:
    """A filmic curve: a toe in the shadows, a shoulder into white, about gamma 2.2 between."""
    encoded = np.clip(linear, 0, 1) ** (1 / 2.2)
    return 0.6 * encoded + 0.4 * (3 * encoded**2 - 2 * encoded**3)


def _capture(
    linear: np.ndarray, stops: float, gain: float, rng: np.random.Generator
) -> Image.Image:
    """Expose, count photons (``gain``: ISO against base), read out, tone map, save a JPEG."""
    photons = PHOTONS / gain
    signal = np.clip(linear * 2.0**stops, 0, None) * photons
    electrons = rng.poisson(np.minimum(signal, photons * 4)).astype(np.float32)
    electrons += rng.normal(0, READ_NOISE, electrons.shape)
    sensor = np.clip(electrons / photons, 0, 1)  # white clips
    encoded = (_tone(sensor) * 255).round().astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(encoded).save(buffer, "JPEG", quality=JPEG_QUALITY)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def _frame(scene: np.ndarray, scene_type: str, defect: str, rng, out, subject) -> Image.Image:
    view = scene
    if scene_type == "motion":
        moving = _convolve(scene, _path_kernel(rng.uniform(6, 14), rng))
        view = subject * moving + (1 - subject) * scene
    if defect == "shake":
        view = _convolve(view, _path_kernel(STRENGTH * rng.uniform(5, 10), rng))
    elif defect == "defocus":
        view = _convolve(view, _disc(STRENGTH * rng.uniform(1.5, 3.0)))
    linear = _warp(view, rng, out)
    stops = {"under-exposed": -rng.uniform(1.3, 1.7), "over-exposed": rng.uniform(1.0, 1.5)}
    stops = {k: STRENGTH * v for k, v in stops.items()}
    gain = rng.uniform(8, 16) ** STRENGTH if defect == "noise" else 1.0
    return _capture(linear, stops.get(defect, 0.0), gain, rng)


def make_burst(source: str, scene_type: str, defect: str, rng: np.random.Generator) -> Burst:
    """The clean frame at a random place among two frames with ``defect`` (``mixed``: one
    frame of every defect)."""
    linear = _source(source)
    scale = SIDE / 0.92 / max(linear.shape[:2])
    if scale < 1:
        linear = np.stack([ndimage.zoom(linear[..., c], scale, order=1) for c in range(3)], axis=2)
    scene = make_scene(linear, scene_type, rng)
    out = (round(linear.shape[0] * 0.92), round(linear.shape[1] * 0.92))
    subject = _ellipse(scene.shape[:2], rng, soft=0.1)
    defects = list(DEFECTS) if defect == "mixed" else [defect, defect]
    clean = int(rng.integers(len(defects) + 1))
    labels = defects[:clean] + ["clean"] + defects[clean:]
    frames = [_frame(scene, scene_type, label, rng, out, subject) for label in labels]
    return Burst("optics", source, scene_type, defect, frames, labels, clean)
