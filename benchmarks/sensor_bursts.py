"""Burst generator "sensor": a raw sensor modelled from the mosaic up, other photographs.
Held out: nothing of the technical scorer was tuned on it (see ``pick_eval.py``).

Independent of ``burst_eval.py`` and ``optics_bursts.py`` (no code or parameters shared).
A frame is made at twice its output size and binned 2x2 as a camera's scaler would:

* framing: shift 1-2 % of the width, zoom 1-2 %, rotation up to 1 degree (a bicubic affine
  warp of each channel);
* exposure in linear light; the sensor is a Bayer mosaic (RGGB) whose photosites count
  Poisson photons (full well 6000 e- at base ISO) with Gaussian read noise, digitised at
  12 bits and clipped at white; bilinear demosaicing spreads the noise over neighbours, as
  a camera's does;
* the exact sRGB curve, then a JPEG at a quality drawn from 86-95.

Defects: 1.25-1.75 stops under-exposed, 1.25-1.75 stops over, high ISO (full well divided
by 12-24 and read noise 4-6 e-), shake (a path of two or three straight strokes, 6-12 px),
defocus (a disc of radius 2-3.5 px with a brighter rim, as an aspherical lens's bokeh).

Scene types: ``plain``; ``depth_dof`` (blur growing with depth, from the stereo pair's real
disparity for the motorcycle and from a ground plane elsewhere: a landscape or macro shot
focused on the near part); ``low_key`` and ``high_key``; ``moving`` (a band through the
frame blurred horizontally by 8-20 px, different in each frame: a passing vehicle);
``texture`` (gravel, brick, the moon: detail everywhere).
"""

from __future__ import annotations

import functools
import io
import math
import os
from dataclasses import dataclass

import numpy as np
from PIL import Image
from scipy import ndimage

OUTPUT = 384  # px of the longer side
SOURCES = ("motorcycle_left", "motorcycle_right", "retina", "hubble_deep_field", "color", "cell")
TEXTURES = ("gravel", "brick", "moon")
SCENE_TYPES = ("plain", "depth_dof", "low_key", "high_key", "moving", "texture")
DEFECTS = ("under-exposed", "over-exposed", "noise", "shake", "defocus")
FULL_WELL = 6000.0
READ_NOISE = 1.5


@dataclass
class Burst:
    generator: str
    source: str
    scene: str
    defect: str
    frames: list[Image.Image]
    labels: list[str]
    clean: int


def _data_path(name: str) -> str:
    import skimage.data

    return os.path.join(os.path.dirname(skimage.data.__file__), name)


@functools.lru_cache(maxsize=16)
def _photo(name: str) -> tuple[np.ndarray, np.ndarray | None]:
    """(linear RGB at twice the output size, depth in [0, 1] or None)."""
    depth = None
    if name.startswith("motorcycle"):
        image = Image.open(_data_path(f"{name}.png"))
        if name == "motorcycle_left":
            disparity = np.load(_data_path("motorcycle_disp.npz"))["arr_0"]
            disparity = np.where(np.isfinite(disparity), disparity, np.nan)
            disparity = np.nan_to_num(disparity, nan=np.nanmin(disparity))
            depth = 1.0 - (disparity - disparity.min()) / np.ptp(disparity)
    elif name in ("color",):
        image = Image.open(_data_path(f"{name}.png"))
    else:
        import skimage.data

        image = Image.fromarray(np.asarray(getattr(skimage.data, name)()))
    image = image.convert("RGB")
    scale = 2 * OUTPUT / max(image.size)
    size = (round(image.width * scale), round(image.height * scale))
    array = np.asarray(image.resize(size, Image.Resampling.LANCZOS), dtype=np.float64) / 255.0
    linear = np.where(array <= 0.04045, array / 12.92, ((array + 0.055) / 1.055) ** 2.4)
    if depth is not None:
        depth = np.asarray(Image.fromarray(depth.astype(np.float32)).resize(size))
    return linear.astype(np.float32), depth


def _blur(array: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    return np.stack(
        [ndimage.correlate(array[..., c], kernel, mode="nearest") for c in range(3)], axis=2
    )


def _bokeh(radius: float) -> np.ndarray:
    """A disc whose rim is brighter than its middle."""
    size = int(math.ceil(radius)) + 1
    y, x = np.mgrid[-size : size + 1, -size : size + 1]
    r = np.hypot(x, y)
    kernel = np.clip(radius + 0.5 - r, 0, 1) * (0.6 + 0.4 * (r / max(radius, 1e-6)) ** 2)
    return kernel / kernel.sum()


def _strokes(extent: float, rng: np.random.Generator) -> np.ndarray:
    """Shake as two or three straight strokes, drawn with sub-pixel samples."""
    corners = [np.zeros(2)]
    for _ in range(int(rng.integers(2, 4))):
        angle = rng.uniform(0, 2 * math.pi)
        corners.append(
            corners[-1] + rng.uniform(0.4, 1.0) * np.array([math.cos(angle), math.sin(angle)])
        )
    points = np.concatenate(
        [np.linspace(a, b, 40, endpoint=False) for a, b in zip(corners, corners[1:], strict=False)]
    )
    points -= (points.min(axis=0) + points.max(axis=0)) / 2
    points *= extent / max(np.ptp(points, axis=0).max(), 1e-6)
    size = int(math.ceil(extent / 2)) + 1
    kernel = np.zeros((2 * size + 1, 2 * size + 1))
    for x, y in np.round(points * 2) / 2:  # half-pixel samples
        kernel[int(round(y)) + size, int(round(x)) + size] += 1
    return ndimage.uniform_filter(kernel, 2) / kernel.sum()


def make_scene(name: str, scene: str, rng: np.random.Generator) -> np.ndarray:
    linear, depth = _photo(name)
    if scene == "depth_dof":
        if depth is None:  # a ground plane: far at the top
            height = linear.shape[0]
            depth = np.repeat(np.linspace(1, 0, height)[:, None], linear.shape[1], axis=1)
        focus, strongest = rng.uniform(0.0, 0.3), rng.uniform(8, 14)
        layers = [linear] + [
            _blur(linear, _bokeh(r)) for r in (strongest / 4, strongest / 2, strongest)
        ]
        level = np.clip(np.abs(depth - focus) / (1 - focus) * 3, 0, 3)[..., None]
        out = np.zeros_like(linear)
        for k, layer in enumerate(layers):
            out += np.clip(1 - np.abs(level - k), 0, 1) * layer
        return out
    if scene == "low_key":
        return linear**1.3 * rng.uniform(0.15, 0.3)
    if scene == "high_key":
        return np.clip(linear * rng.uniform(1.8, 2.6) + 0.08, 0, 1.2)
    return linear


def _handheld(array: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Shift 1-2 %, zoom 1-2 %, rotate up to 1 degree: a bicubic warp per channel (PIL)."""
    height, width = array.shape[:2]
    angle = math.radians(rng.uniform(-1.0, 1.0))
    zoom = 1 + rng.choice([-1, 1]) * rng.uniform(0.01, 0.02)
    dx, dy = rng.choice([-1, 1], 2) * rng.uniform(0.01, 0.02, 2) * width
    a, b = math.cos(angle) / zoom, math.sin(angle) / zoom
    cx, cy = width / 2, height / 2
    # output (x, y) -> input: rotate and scale about the centre, then shift
    coefficients = (a, b, cx + dx - a * cx - b * cy, -b, a, cy + dy + b * cx - a * cy)
    channels = [
        Image.fromarray(array[..., c].astype(np.float32), "F").transform(
            (width, height), Image.Transform.AFFINE, coefficients, Image.Resampling.BICUBIC
        )
        for c in range(3)
    ]
    return np.stack([np.asarray(c) for c in channels], axis=2)


def _sensor(linear: np.ndarray, stops: float, iso: float, read: float, rng) -> np.ndarray:
    """RGGB mosaic, Poisson photons, read noise, 12-bit ADC, clipped; demosaiced bilinearly."""
    height, width = (linear.shape[0] // 2) * 2, (linear.shape[1] // 2) * 2
    linear = linear[:height, :width]
    well = FULL_WELL / iso
    mosaic = np.empty((height, width), dtype=np.float64)
    channel = np.zeros((height, width), dtype=np.int64)
    channel[0::2, 1::2] = 1
    channel[1::2, 0::2] = 1
    channel[1::2, 1::2] = 2
    rows, cols = np.indices((height, width))
    mosaic = np.clip(linear[rows, cols, channel] * 2.0**stops, 0, 8) * well
    counted = rng.poisson(mosaic) + rng.normal(0, read, mosaic.shape)
    digital = np.clip(np.round(counted / well * 4095), 0, 4095) / 4095
    out = np.empty((height, width, 3))
    for c in range(3):
        mask = (channel == c).astype(np.float64)
        kernel = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], dtype=np.float64)
        out[..., c] = ndimage.convolve(digital * mask, kernel, mode="mirror") / ndimage.convolve(
            mask, kernel, mode="mirror"
        )
    return out


def _encode(linear: np.ndarray, rng) -> Image.Image:
    x = np.clip(linear, 0, 1)
    srgb = np.where(x <= 0.0031308, 12.92 * x, 1.055 * x ** (1 / 2.4) - 0.055)
    image = Image.fromarray((srgb * 255).round().astype(np.uint8))
    image = image.reduce(2)  # the camera's scaler: 2x2 binning
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=int(rng.integers(86, 96)))
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def _frame(scene: np.ndarray, scene_type: str, defect: str, band, rng) -> Image.Image:
    view = scene
    if scene_type == "moving":
        length = rng.uniform(16, 40)  # at twice the output size
        moving = ndimage.uniform_filter1d(scene, int(length), axis=1, mode="nearest")
        view = band * moving + (1 - band) * scene
    if defect == "shake":
        view = _blur(view, _strokes(2 * rng.uniform(6, 12), rng))
    elif defect == "defocus":
        view = _blur(view, _bokeh(2 * rng.uniform(2.0, 3.5)))
    view = _handheld(view, rng)
    margin_y, margin_x = (round(0.03 * n) for n in view.shape[:2])  # no empty corners
    view = view[margin_y:-margin_y, margin_x:-margin_x]
    stops = {"under-exposed": -rng.uniform(1.25, 1.75), "over-exposed": rng.uniform(1.25, 1.75)}
    iso, read = (rng.uniform(12, 24), rng.uniform(4, 6)) if defect == "noise" else (1.0, READ_NOISE)
    return _encode(_sensor(view, stops.get(defect, 0.0), iso, read, rng), rng)


def make_burst(source: str, scene_type: str, defect: str, rng: np.random.Generator) -> Burst:
    scene = make_scene(source, scene_type, rng)
    height = scene.shape[0]
    top = int(rng.uniform(0.3, 0.6) * height)
    band = np.zeros(scene.shape[:2] + (1,), dtype=np.float32)
    band[top : top + int(0.25 * height)] = 1.0
    band = ndimage.gaussian_filter(band, (4, 4, 0))
    defects = list(DEFECTS) if defect == "mixed" else [defect, defect]
    clean = int(rng.integers(len(defects) + 1))
    labels = defects[:clean] + ["clean"] + defects[clean:]
    frames = [_frame(scene, scene_type, label, band, rng) for label in labels]
    return Burst("sensor", source, scene_type, defect, frames, labels, clean)
