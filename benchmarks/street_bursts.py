"""Street bursts: a shoot of street, indoor and portrait-like scenes, written as camera JPEGs.

A generator for a blind check that shares no code, parameters or photographs with the
project's other burst generators.  Scenes are procedural and rendered in linear light as
layers at their own depth (back to front): brick facades with windows, awnings and signage
text over a hazy skyline; foliage of leaves shaded by value-noise octaves before a hedge; a
person-like subject (skin shaded as an ellipsoid, hair, eyes, knitted clothes) before a far
street; a night street with lamps, lit windows, neon signs and a passer-by; a room with a
bright window, a bookshelf and a seated figure; a pedestrian crossing whose subject is
blurred by its own motion in every frame.  Each frame goes through a camera:

- focus: the layers blurred by a polygonal aperture (6-9 blades, rounded or not) by the thin
  lens circle of confusion ``A * |1/depth - 1/focus|``; a focus miss moves the focus plane
  so that the subject blurs by 0.15-0.45 % of the long side (the background may sharpen);
- subject motion: the subject layer alone smeared along a slightly bent line at constant
  speed, 1-3 % of the long side (0.35-0.6 % in every crossing frame);
- camera motion: a cubic Bezier path, slow at its ends, 0.3-0.9 % of the long side;
- framing: a drift of 0.5-3 % of the width through the burst in one direction, a slow roll
  of 0.15-0.9 degree over the burst, zoom jitter (tripod brackets: a few hundredths of %);
- exposure: 0.7-2 stops under or over (snapped to third stops, recorded as exposure time);
  the camera either keeps a stop of raw headroom and rolls highlights off (``rolloff``) or
  clips at the sensor's white (``clip``);
- sensor: shot noise and read noise (38 000 e- at white at ISO 100, 2.6 e- read, a
  converter floor), row banding with a slow wave, 12-bit quantisation; noisy frames at ISO
  1600-25600 with the exposure time shortened to match;
- processing: an sRGB curve with a gentle contrast S, the camera's noise reduction above
  ISO 800 (a luma bilateral-like filter and chroma smoothing, stronger with ISO), JPEG
  quality 70-95 (the shoot's setting per burst), EXIF DateTimeOriginal + SubSecTimeOriginal,
  Make, Model, ExposureTime, FNumber, ISOSpeedRatings; ExposureBiasValue on true brackets.

Sequences: scored bursts of 3-8 frames at 3-10 fps with one clean frame (the expected pick)
and the others carrying the burst's defect at drawn strengths (``mixed``: each frame its own
defect at 0.75 strength); every scene meets every defect it can have.  Besides them:
hand-held bursts whose meter drifts (exposure time jumps of 1/3-1 EV, brightness following,
no bias tag), true brackets on a tripod (-1/0/+1, -2/0/+2, five frames; base first or in
order) and brackets stripped of every exposure tag (or of the tags of their second and last
frames, the others keeping exposure time, f-number and ISO but no bias).  Pauses of 2-20 s.
Frames are 1.2-1.8 MP, every 16th scored burst 6 MP (3000 x 2000).

    python benchmarks/street_bursts.py OUT --seed 1 --bursts 80
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from PIL.TiffImagePlugin import IFDRational
from scipy.ndimage import uniform_filter
from scipy.signal import fftconvolve

SCENES = ("facade", "foliage", "portrait", "night", "indoor", "crossing")
WITH_SUBJECT = ("portrait", "night", "indoor", "crossing")
DEFECTS = ("under", "over", "defocus", "shake", "subject_motion", "noise", "mixed")
BODIES = (("Veldt", "V-200"), ("Arcturus", "AX7 Mark II"), ("Sorrel Imaging", "S-35 Pro"))
LANDSCAPE = ((1280, 960), (1440, 960), (1600, 1067), (1536, 1152))
BIG = (3000, 2000)
MARGIN = 1.07
ELECTRONS_AT_ISO100 = 38000.0
READ_ELECTRONS = 2.6
CONVERTER_FLOOR = 0.00045  # post-gain noise, as a share of white
ROW_ELECTRONS = 0.9
BEGIN = dt.datetime(2026, 9, 19, 17, 5, 12)
SHUTTERS = np.array(
    [1 / 2 ** (k / 3) for k in range(3, 40)]  # 1/1.26 s ... 1/8000 s in third stops
)
ISOS = (100, 125, 160, 200, 250, 320, 400, 500, 640, 800, 1000, 1250, 1600, 2000, 2500, 3200)
ISOS += (4000, 5000, 6400, 8000, 10000, 12800, 16000, 20000, 25600)
# per scene: shutter range (s), f-number, base ISO, aperture constant A / long side
EXPOSURE = {
    "facade": ((1 / 800, 1 / 250), 8.0, 100, 0.0116),
    "foliage": ((1 / 500, 1 / 200), 4.0, 200, 0.028),
    "portrait": ((1 / 2000, 1 / 500), 1.8, 100, 0.026),
    "night": ((1 / 80, 1 / 40), 1.8, 800, 0.02),
    "indoor": ((1 / 125, 1 / 60), 2.8, 400, 0.01),
    "crossing": ((1 / 320, 1 / 160), 5.6, 200, 0.012),
}
SIGNS = ("BAKERY", "HOTEL", "CAFE", "BOOKS", "APOTEK", "NO 27", "OPEN", "TAILOR", "BAR", "KIOSK")
SKIN = ((0.96, 0.80, 0.69), (0.87, 0.67, 0.54), (0.74, 0.53, 0.40), (0.55, 0.37, 0.26))
SKIN += ((0.36, 0.24, 0.17),)


# ---------------------------------------------------------------- painting helpers


def linear(colour) -> np.ndarray:
    """sRGB (0-1) to linear light."""
    c = np.asarray(colour, dtype=np.float32)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4).astype(np.float32)


def octaves(rng, h, w, cells=4, count=5, gain=0.55) -> np.ndarray:
    """Value noise: random grids, each twice as fine, upsampled bicubically and summed."""
    total = np.zeros((h, w), np.float32)
    amp = 1.0
    for k in range(count):
        gy, gx = cells * 2**k, max(2, round(cells * 2**k * w / h))
        grid = rng.standard_normal((gy, gx)).astype(np.float32)
        up = Image.fromarray(grid, "F").resize((w, h), Image.BICUBIC)
        total += amp * np.asarray(up)
        amp *= gain
    total -= total.mean()
    return total / (total.std() + 1e-6)


class Cover:
    """Coverage inside a box of the canvas (painting touches only that box)."""

    def __init__(self, shape, box, values):
        self.shape, self.box, self.values = shape, box, values

    def full(self) -> np.ndarray:
        out = np.zeros(self.shape, np.float32)
        out[self.box] = self.values
        return out


class Pen:
    """Pillow's drawing with full coverage as the default fill (shapes filled, not outlined)."""

    def __init__(self, draw):
        self.draw = draw

    def __getattr__(self, name):
        method = getattr(self.draw, name)
        return lambda *args, **kwargs: method(*args, **({"fill": 255} | kwargs))


def mask(h, w, draw, soften=0.6) -> Cover:
    """A coverage mask drawn with Pillow (``draw(ImageDraw)``), edges softened."""
    image = Image.new("L", (w, h), 0)
    draw(Pen(ImageDraw.Draw(image)))
    bbox = image.getbbox()
    if bbox is None:
        return Cover((h, w), (slice(0, 0), slice(0, 0)), np.zeros((0, 0), np.float32))
    pad = 3 + int(3 * soften)
    x0, y0 = max(0, bbox[0] - pad), max(0, bbox[1] - pad)
    x1, y1 = min(w, bbox[2] + pad), min(h, bbox[3] + pad)
    crop = image.crop((x0, y0, x1, y1))
    if soften:
        crop = crop.filter(ImageFilter.GaussianBlur(soften))
    values = np.asarray(crop, np.float32) / 255.0
    return Cover((h, w), (slice(y0, y1), slice(x0, x1)), values)


def over(rgb, cover, colour) -> None:
    """Paint ``colour`` (linear, a triple or an HxWx3 field) over ``rgb`` where ``cover``."""
    colour = np.asarray(colour, np.float32)
    if isinstance(cover, Cover):
        box = cover.box
        part = colour
        if colour.ndim == 3:  # a field: its rows and columns in the box (or broadcast)
            rows = box[0] if colour.shape[0] > 1 else slice(None)
            part = colour[rows, box[1] if colour.shape[1] > 1 else slice(None)]
        rgb[box] += cover.values[..., None] * (part - rgb[box])
        return
    rgb += cover[..., None] * (colour - rgb)


def font(size):
    return ImageFont.load_default(size=max(8, int(size)))


@dataclass
class Layer:
    rgb: np.ndarray  # linear light, HxWx3
    alpha: np.ndarray | None  # None: opaque
    depth: float
    subject: bool = False


@dataclass
class Scene:
    layers: list[Layer]
    focus: float
    aperture: float  # circle of confusion constant, pixels
    inherent_motion: bool = False


# ---------------------------------------------------------------- scenes


def sky(h, w, top, bottom) -> np.ndarray:
    t = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    return np.broadcast_to(linear(top) * (1 - t) + linear(bottom) * t, (h, w, 3)).copy()


def skyline(rng, h, w, rgb, base, tone, lit=0.0) -> None:
    """Far buildings of random heights with window grids; ``lit`` windows glow (night)."""
    cell = max(4, int(0.012 * h))
    ys, xs = np.mgrid[0:h, 0:w]
    pattern = ((ys % cell) < cell * 0.55) & ((xs % cell) < cell * 0.5)
    if lit:
        pattern &= (rng.random((h // cell + 1, w // cell + 1)) < 0.35)[ys // cell, xs // cell]
    x = 0
    while x < w:
        bw = int(rng.uniform(0.05, 0.14) * w)
        top = max(0, int(base - rng.uniform(0.1, 0.35) * h))
        box = (slice(top, base), slice(x, min(w, x + bw)))
        shade = np.asarray(tone, np.float32) * rng.uniform(0.6, 1.2)
        region = rgb[box]
        region[:] = shade
        win = pattern[box].copy()
        win[:cell] = False
        region[win] = linear((1.0, 0.78, 0.42)) * lit if lit else shade * 0.67
        x += bw + int(rng.uniform(0, 0.02) * w)


def brick_wall(rng, h, w, colour) -> np.ndarray:
    """Bricks in running bond, each its own shade, mortar lines, weathering octaves."""
    hb = max(4, int(0.013 * max(h, w)))
    wb = 3 * hb
    ys, xs = np.mgrid[0:h, 0:w]
    row = ys // hb
    col = (xs + (row % 2) * (wb // 2)) // wb
    shades = rng.uniform(0.7, 1.25, 4096).astype(np.float32)
    tone = shades[(row * 7919 + col * 104729) % 4096]
    mortar = ((ys % hb) < max(1, hb // 6)) | (((xs + (row % 2) * (wb // 2)) % wb) < max(1, hb // 6))
    rgb = linear(colour)[None, None, :] * tone[..., None]
    rgb *= (1 + 0.12 * octaves(rng, h, w, 6, 4))[..., None]
    rgb[mortar] = linear((0.72, 0.70, 0.66)) * 0.8
    return rgb.astype(np.float32)


def windows(rng, h, w, rgb, area, night=False) -> None:
    """A grid of framed windows: sky reflected above, dark rooms below (lit at night)."""
    x0, y0, x1, y1 = area
    cols, rows = rng.integers(3, 7), rng.integers(2, 4)
    cw, ch = (x1 - x0) / cols, (y1 - y0) / rows
    frame = linear(rng.choice([(0.92, 0.92, 0.88), (0.25, 0.28, 0.30), (0.45, 0.30, 0.20)]))
    t = np.linspace(0, 1, h, dtype=np.float32)[:, None]
    for r in range(rows):
        for c in range(cols):
            a = (x0 + c * cw + 0.2 * cw, y0 + r * ch + 0.15 * ch)
            b = (x0 + (c + 0.8) * cw, y0 + (r + 0.8) * ch)
            outer = mask(h, w, lambda d, a=a, b=b: d.rectangle([*a, *b]))
            inset = min(4, 0.1 * (b[0] - a[0]))
            inner = mask(
                h,
                w,
                lambda d, a=a, b=b, e=inset: d.rectangle([a[0] + e, a[1] + e, b[0] - e, b[1] - e]),
            )
            over(rgb, outer, frame)
            if night and rng.random() < 0.5:
                glass = linear((1.0, 0.82, 0.5)) * rng.uniform(0.6, 2.5)
            else:
                glow = np.clip((t - a[1] / h) / ((b[1] - a[1]) / h + 1e-6), 0, 1)
                glass = (linear((0.55, 0.68, 0.85)) * (1 - glow[..., None]) * 0.9 + 0.02) * (
                    0.15 if night else 1.0
                )
            over(rgb, inner, glass)
            mull = mask(
                h,
                w,
                lambda d, a=a, b=b: d.line(
                    [((a[0] + b[0]) / 2, a[1]), ((a[0] + b[0]) / 2, b[1])], width=3
                ),
            )
            over(rgb, mull, frame)


def signage(rng, h, w, rgb, box, glow=1.0) -> None:
    """A painted sign band with lettering."""
    x0, y0, x1, y1 = box
    band = mask(h, w, lambda d: d.rectangle([x0, y0, x1, y1]))
    paint = linear(
        rng.choice([(0.1, 0.2, 0.35), (0.5, 0.08, 0.08), (0.08, 0.3, 0.15), (0.15, 0.15, 0.15)])
    )
    over(rgb, band, paint * glow)
    text = " ".join(rng.choice(SIGNS, size=2))
    size = 0.62 * (y1 - y0)
    letters = mask(
        h,
        w,
        lambda d: d.text(
            (x0 + 0.04 * (x1 - x0), y0 + 0.12 * (y1 - y0)), text, fill=255, font=font(size)
        ),
        0.4,
    )
    over(rgb, letters, linear((0.97, 0.93, 0.8)) * glow)


def awning(rng, h, w, rgb, box) -> None:
    x0, y0, x1, y1 = box
    cover = mask(
        h, w, lambda d: d.polygon([(x0, y0), (x1, y0), (x1 + 0.03 * w, y1), (x0 - 0.03 * w, y1)])
    )
    xs = np.arange(w, dtype=np.float32)[None, :]
    stripe = ((xs // max(3, int(0.015 * w))) % 2).astype(np.float32)
    a, b = (
        linear(rng.choice([(0.7, 0.1, 0.1), (0.1, 0.35, 0.2), (0.15, 0.25, 0.55)])),
        linear((0.93, 0.92, 0.86)),
    )
    field_ = a * stripe[..., None] + b * (1 - stripe[..., None])
    shade = np.linspace(1.0, 0.7, h, dtype=np.float32)[:, None, None]
    over(rgb, cover, np.broadcast_to(field_, (1, w, 3)) * shade)


def scene_facade(rng, h, w) -> Scene:
    base = int(rng.uniform(0.3, 0.45) * h)
    far = sky(h, w, (0.45, 0.62, 0.85), (0.85, 0.87, 0.9))
    skyline(rng, h, w, far, base, linear((0.55, 0.58, 0.65)))
    street = int(rng.uniform(0.74, 0.82) * h)
    near = brick_wall(
        rng, h, w, rng.choice([(0.62, 0.33, 0.24), (0.8, 0.7, 0.55), (0.5, 0.5, 0.52)])
    )
    left, right = int(rng.uniform(-0.05, 0.15) * w), int(rng.uniform(0.85, 1.05) * w)
    top = int(rng.uniform(0.05, 0.2) * h)
    alpha = mask(h, w, lambda d: d.rectangle([left, top, right, street]), 0.5).full()
    windows(rng, h, w, near, (left, top + 0.03 * h, right, street - 0.22 * h))
    signage(
        rng, h, w, near, (left + 0.05 * w, street - 0.2 * h, right - 0.1 * w, street - 0.13 * h)
    )
    awning(
        rng, h, w, near, (left + 0.08 * w, street - 0.12 * h, right - 0.2 * w, street - 0.06 * h)
    )
    ground = np.broadcast_to(linear((0.42, 0.41, 0.4)), (h, w, 3)).copy()
    ground *= (1 + 0.15 * octaves(rng, h, w, 8, 4))[..., None]
    xs = np.arange(w)[None, :]
    ground[:, (xs[0] % max(6, int(0.05 * w))) < 2] *= 0.6
    gmask = np.zeros((h, w), np.float32)
    gmask[street:] = 1
    layers = [Layer(far, None, 40.0), Layer(near, alpha, 9.0), Layer(ground, gmask, 6.0)]
    return Scene(layers, 9.0, EXPOSURE["facade"][3] * max(h, w))


def scene_foliage(rng, h, w) -> Scene:
    n = octaves(rng, h, w, 3, 6)
    hedge = linear((0.12, 0.25, 0.08))[None, None, :] * np.exp(0.5 * n)[..., None]
    gaps = np.clip((n - 1.6) * 2, 0, 1)
    over(hedge, gaps, linear((0.85, 0.9, 0.95)) * 1.4)
    fence = np.zeros((h, w, 3), np.float32)
    fence[:] = linear((0.55, 0.42, 0.28))
    grain = octaves(rng, h, w, 2, 3)
    fence *= (1 + 0.25 * np.sin(np.arange(w, dtype=np.float32)[None, :] * 0.35 + 4 * grain))[
        ..., None
    ]
    plank = max(8, int(0.06 * w))
    xs = np.arange(w)[None, :].repeat(h, 0)
    falpha = ((xs % plank) > plank * 0.12).astype(np.float32) * (rng.random() < 0.6)
    falpha[: int(rng.uniform(0.2, 0.5) * h)] = 0
    leaves = Image.new("RGB", (w, h))
    cover = Image.new("L", (w, h))
    dl, dc = ImageDraw.Draw(leaves), ImageDraw.Draw(cover)
    for _ in range(int(rng.uniform(250, 450))):
        cx, cy = rng.uniform(0, w), rng.uniform(0.1 * h, h)
        length = rng.uniform(0.025, 0.07) * max(h, w)
        angle = rng.uniform(0, math.pi)
        u = np.linspace(-1, 1, 14)
        half = 0.32 * length * np.sqrt(1 - u**2)
        pts = [
            (u_ * length / 2, s * hw)
            for s in (1, -1)
            for u_, hw in zip(u[::s], half[::s], strict=True)
        ]
        ca, sa = math.cos(angle), math.sin(angle)
        poly = [(cx + x * ca - y * sa, cy + x * sa + y * ca) for x, y in pts]
        g = rng.uniform(0.35, 0.8)
        dl.polygon(
            poly, fill=(int(255 * g * rng.uniform(0.3, 0.6)), int(255 * g), int(255 * g * 0.25))
        )
        dc.polygon(poly, fill=255)
        dl.line([poly[0], poly[13]], fill=(40, 60, 20), width=1)
    rgb = linear(np.asarray(leaves, np.float32) / 255)
    rgb *= np.exp(0.3 * octaves(rng, h, w, 10, 3))[..., None]
    alpha = np.asarray(cover.filter(ImageFilter.GaussianBlur(0.5)), np.float32) / 255
    layers = [Layer(hedge, None, 30.0), Layer(fence, falpha, 5.0), Layer(rgb, alpha, 4.0, False)]
    return Scene(layers, 4.0, EXPOSURE["foliage"][3] * max(h, w))


def person(rng, h, w, cx, top, height, skin, light=(-0.5, -0.4), rim=0.0, walking=False):
    """A person-like figure: an ellipsoid-shaded face with eyes, hair, neck, knitted torso."""
    rgb = np.zeros((h, w, 3), np.float32)
    ry, rx = 0.07 * height, 0.054 * height
    hy = top + ry
    shirt = linear(
        rng.choice([(0.6, 0.1, 0.12), (0.15, 0.2, 0.45), (0.85, 0.8, 0.7), (0.2, 0.35, 0.25)])
    )

    def body(d):
        sh, hip = 0.14 * height, 0.1 * height
        y0, y1 = hy + 1.05 * ry, top + 0.55 * height
        d.polygon(
            [
                (cx - sh, y0 + 0.03 * height),
                (cx + sh, y0 + 0.03 * height),
                (cx + hip, y1),
                (cx - hip, y1),
            ]
        )
        d.ellipse([cx - sh, y0, cx + sh, y0 + 0.09 * height])
        if walking:
            for s in (-1, 1):
                d.polygon(
                    [
                        (cx + s * 0.02 * height - 0.03 * height, y1),
                        (cx + s * 0.02 * height + 0.03 * height, y1),
                        (cx + s * 0.12 * height + 0.025 * height, top + height),
                        (cx + s * 0.12 * height - 0.025 * height, top + height),
                    ]
                )

    torso = mask(h, w, body).full()
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    knit = 1 + 0.18 * np.sin(xs * 0.9 * 40 / height * 6) * np.sin(ys * 0.9 * 40 / height * 6)
    over(
        rgb,
        torso,
        shirt[None, None, :]
        * knit[..., None]
        * (1.1 - 0.5 * (xs - cx) / height * light[0] * -4).clip(0.5, 1.4)[..., None],
    )
    neck = mask(
        h, w, lambda d: d.rectangle([cx - 0.38 * rx, hy + 0.6 * ry, cx + 0.38 * rx, hy + 1.3 * ry])
    ).full()
    albedo = linear(skin)
    over(rgb, neck, albedo * 0.55)
    u, v = (xs - cx) / rx, (ys - hy) / ry
    inside = np.clip(1 - u**2 - v**2, 0, 1)
    nz = np.sqrt(inside)
    lx, ly = light
    lz = math.sqrt(max(0.05, 1 - lx * lx - ly * ly))
    lambert = np.clip(u * lx + v * ly + nz * lz, 0, 1)
    face = albedo[None, None, :] * (0.18 + 0.95 * lambert)[..., None]
    face[..., 0] *= 1 + 0.12 * np.exp(
        -(((u.__abs__() - 0.45) / 0.2) ** 2 + ((v - 0.25) / 0.2) ** 2)
    )
    face += rim * np.clip(1 - nz, 0, 1)[..., None] ** 3 * linear((1.0, 0.7, 0.45))
    cover = np.clip((1 - u**2 - v**2) * rx / 1.5, 0, 1)
    over(rgb, cover, face)
    for s in (-1, 1):  # eyes: sclera, iris, catchlight; brows
        ex, ey = cx + s * 0.38 * rx, hy - 0.05 * ry
        e = ((xs - ex) / (0.2 * rx)) ** 2 + ((ys - ey) / (0.09 * ry)) ** 2
        over(
            rgb, np.clip((1 - e) * 3, 0, 1), linear((0.85, 0.83, 0.8)) * (0.3 + 0.7 * lambert.max())
        )
        i = ((xs - ex) / (0.085 * rx)) ** 2 + ((ys - ey) / (0.085 * rx)) ** 2
        over(rgb, np.clip((1 - i) * 3, 0, 1), linear((0.25, 0.16, 0.08)))
        c = ((xs - ex + 0.03 * rx) ** 2 + (ys - ey + 0.03 * rx) ** 2) / (0.025 * rx) ** 2
        over(rgb, np.clip(1 - c, 0, 1), np.float32(1.6))
        b = ((xs - ex) / (0.25 * rx)) ** 2 + ((ys - ey + 0.28 * ry) / (0.045 * ry)) ** 2
        over(rgb, np.clip((1 - b) * 2, 0, 1) * 0.8, linear((0.12, 0.08, 0.05)))
    m = ((xs - cx) / (0.28 * rx)) ** 2 + ((ys - hy - 0.5 * ry) / (0.06 * ry)) ** 2
    over(rgb, np.clip((1 - m) * 2, 0, 1), albedo * linear((0.7, 0.35, 0.35)) * 1.2)
    nose = np.exp(
        -(((xs - cx - 0.08 * rx) / (0.06 * rx)) ** 2 + ((ys - hy - 0.2 * ry) / (0.18 * ry)) ** 2)
    )
    rgb *= (1 - 0.25 * nose * cover)[..., None]
    hair_c = linear(
        rng.choice([(0.08, 0.06, 0.05), (0.3, 0.2, 0.1), (0.55, 0.4, 0.2), (0.6, 0.6, 0.6)])
    )
    hu, hv = (xs - cx) / (1.1 * rx), (ys - hy + 0.12 * ry) / (1.05 * ry)
    hair = np.clip((1 - hu**2 - hv**2) * 6, 0, 1) * np.clip(
        (0.1 - v - 0.5 * u**2) * 6 + (u.__abs__() > 0.8), 0, 1
    )
    strands = 1 + 0.3 * np.sin(xs * 6 / rx * 10 + 3 * np.sin(ys / ry * 3))
    over(rgb, hair, hair_c[None, None, :] * strands[..., None])
    alpha = np.clip(np.maximum.reduce([torso, neck, cover, hair]), 0, 1)
    return rgb, alpha


def scene_portrait(rng, h, w) -> Scene:
    far = sky(h, w, (0.6, 0.62, 0.6), (0.35, 0.33, 0.3))
    for _ in range(40):
        x, y, s = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(0.03, 0.15) * w
        blob = mask(
            h,
            w,
            lambda d, x=x, y=y, s=s: d.rectangle([x, y, x + s, y + s * rng.uniform(0.5, 2)]),
            0,
        )
        over(far, blob, linear(rng.uniform(0.15, 0.9, 3)))
    for _ in range(15):
        x, y, s = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(0.002, 0.006) * w
        over(
            far,
            mask(h, w, lambda d, x=x, y=y, s=s: d.ellipse([x - s, y - s, x + s, y + s]), 0),
            np.float32(4.0),
        )
    height = rng.uniform(1.6, 2.4) * h
    skin = SKIN[rng.integers(len(SKIN))]
    rgb, alpha = person(
        rng, h, w, rng.uniform(0.4, 0.6) * w, rng.uniform(0.12, 0.22) * h, height, skin
    )
    return Scene(
        [Layer(far, None, 25.0), Layer(rgb, alpha, 2.0, True)],
        2.0,
        EXPOSURE["portrait"][3] * max(h, w),
    )


def lamp(h, w, rgb, x, y, power, colour, spread) -> None:
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    r = np.hypot(xs - x, ys - y) / spread
    rgb += (power * (np.exp(-r * r * 8) + 0.05 * np.exp(-r)))[..., None] * linear(colour)


def scene_night(rng, h, w) -> Scene:
    base = int(rng.uniform(0.45, 0.6) * h)
    far = sky(h, w, (0.02, 0.03, 0.08), (0.08, 0.07, 0.1))
    skyline(rng, h, w, far, base, linear((0.05, 0.05, 0.07)), lit=rng.uniform(0.4, 1.0))
    for _ in range(int(rng.uniform(6, 14))):
        lamp(
            h,
            w,
            far,
            rng.uniform(0, w),
            rng.uniform(base - 0.05 * h, base + 0.05 * h),
            rng.uniform(4, 20),
            rng.choice([(1, 0.8, 0.5), (1, 0.3, 0.2), (0.8, 0.9, 1)]),
            0.004 * w,
        )
    road = np.zeros((h, w, 3), np.float32)
    road[:] = linear((0.04, 0.04, 0.05))
    road *= (1 + 0.3 * octaves(rng, h, w, 12, 3))[..., None]
    ralpha = np.zeros((h, w), np.float32)
    ralpha[base:] = 1
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    for _ in range(int(rng.uniform(2, 4))):
        x = rng.uniform(0.05, 0.95) * w
        pole = mask(
            h, w, lambda d, x=x: d.rectangle([x - 0.004 * w, base - 0.35 * h, x + 0.004 * w, h])
        )
        over(road, pole, linear((0.03, 0.03, 0.03)))
        ralpha = np.maximum(ralpha, pole.full())
        colour = rng.choice([(1, 0.75, 0.4), (0.9, 0.95, 1)])
        lamp(h, w, road, x, base - 0.36 * h, rng.uniform(20, 40), colour, 0.02 * w)
        streak = (
            np.exp(-(((xs - x) / (0.01 * w)) ** 2))
            * np.clip((ys - base) / h * 3, 0, 1)
            * np.exp(-(ys - base) / h * 2)
        )
        road += (streak * rng.uniform(0.6, 1.5))[..., None] * linear(colour)
        ralpha = np.maximum(
            ralpha,
            np.clip(
                np.exp(-((np.hypot(xs - x, ys - base + 0.36 * h) / (0.05 * w)) ** 2)) * 2, 0, 1
            ),
        )
    sx = rng.uniform(0.05, 0.6) * w
    signage(
        rng,
        h,
        w,
        road,
        (sx, base - 0.12 * h, sx + 0.35 * w, base - 0.06 * h),
        glow=rng.uniform(2, 5),
    )
    ralpha = np.maximum(
        ralpha,
        mask(
            h, w, lambda d: d.rectangle([sx, base - 0.12 * h, sx + 0.35 * w, base - 0.06 * h])
        ).full(),
    )
    rgb, alpha = person(
        rng,
        h,
        w,
        rng.uniform(0.3, 0.7) * w,
        rng.uniform(0.25, 0.35) * h,
        rng.uniform(0.6, 0.7) * h,
        SKIN[rng.integers(len(SKIN))],
        light=(0.7, -0.2),
        rim=0.8,
        walking=True,
    )
    rgb *= 0.12
    layers = [Layer(far, None, 60.0), Layer(road, ralpha, 8.0), Layer(rgb, alpha, 5.0, True)]
    return Scene(layers, 5.0, EXPOSURE["night"][3] * max(h, w))


def scene_indoor(rng, h, w) -> Scene:
    wall = np.zeros((h, w, 3), np.float32)
    wall[:] = linear(rng.choice([(0.85, 0.82, 0.75), (0.7, 0.78, 0.72), (0.9, 0.88, 0.86)]))
    side = rng.choice([-1, 1])
    xs = np.arange(w, dtype=np.float32)[None, :]
    falloff = 0.35 + 0.65 * np.exp(-((xs / w - (0.0 if side < 0 else 1.0)) ** 2) * 3)
    wall *= falloff[..., None] * (1 + 0.04 * octaves(rng, h, w, 4, 3))[..., None]
    wx = 0.04 * w if side < 0 else 0.66 * w
    win = mask(h, w, lambda d: d.rectangle([wx, 0.1 * h, wx + 0.3 * w, 0.6 * h]))
    outside = sky(h, w, (0.7, 0.8, 0.95), (0.95, 0.95, 0.95)) * rng.uniform(2.5, 5)
    trees = np.clip((octaves(rng, h, w, 5, 5) - 0.3) * 3, 0, 1)
    over(outside, trees, linear((0.2, 0.35, 0.15)) * 2)
    over(wall, win, outside)
    bars = mask(
        h,
        w,
        lambda d: (
            d.line(
                [(wx + 0.15 * w, 0.1 * h), (wx + 0.15 * w, 0.6 * h)], width=max(3, int(0.008 * w))
            ),
            d.line([(wx, 0.35 * h), (wx + 0.3 * w, 0.35 * h)], width=max(3, int(0.008 * w))),
        ),
    )
    inset = min(5, 0.01 * w)
    over(
        wall,
        np.maximum(
            bars.full(),
            win.full()
            - mask(
                h,
                w,
                lambda d, e=inset: d.rectangle(
                    [wx + e, 0.1 * h + e, wx + 0.3 * w - e, 0.6 * h - e]
                ),
            ).full(),
        ),
        linear((0.95, 0.95, 0.93)) * 0.8,
    )
    shelf_x = 0.55 * w if side < 0 else 0.05 * w
    for level in range(4):
        y1 = 0.22 * h + level * 0.13 * h
        x = shelf_x
        while x < shelf_x + 0.35 * w:
            bw = rng.uniform(0.01, 0.025) * w
            bh = rng.uniform(0.08, 0.12) * h
            book = mask(
                h, w, lambda d, x=x, bw=bw, bh=bh, y1=y1: d.rectangle([x, y1 - bh, x + bw, y1])
            )
            over(wall, book, linear(rng.uniform(0.1, 0.8, 3)) * falloff[..., None].mean())
            x += bw + 1
        board = mask(
            h, w, lambda d, y1=y1: d.rectangle([shelf_x, y1, shelf_x + 0.35 * w, y1 + 0.012 * h])
        )
        over(wall, board, linear((0.5, 0.35, 0.2)) * 0.6)
    label = mask(
        h,
        w,
        lambda d: d.text((shelf_x, 0.03 * h), "READING ROOM 4", fill=255, font=font(0.05 * h)),
        0.3,
    )
    over(wall, label, linear((0.15, 0.15, 0.18)))
    table = np.zeros((h, w, 3), np.float32)
    grain = octaves(rng, h, w, 2, 4)
    table[:] = linear((0.55, 0.36, 0.2))
    table *= (1 + 0.2 * np.sin(xs * 0.05 + 6 * grain))[..., None]
    talpha = np.zeros((h, w), np.float32)
    talpha[int(0.78 * h) :] = 1
    rgb, alpha = person(
        rng,
        h,
        w,
        (0.45 if side > 0 else 0.35) * w + 0.1 * w,
        0.22 * h,
        0.9 * h,
        SKIN[rng.integers(len(SKIN))],
        light=(-0.6 * side, -0.3),
    )
    layers = [Layer(wall, None, 6.0), Layer(rgb, alpha, 3.2, True), Layer(table, talpha, 3.0)]
    return Scene(layers, 3.2, EXPOSURE["indoor"][3] * max(h, w))


def scene_crossing(rng, h, w) -> Scene:
    back = scene_facade(rng, h, w)
    far = back.layers[0].rgb.copy()
    near = back.layers[1]
    far += near.alpha[..., None] * (near.rgb - far)
    road = np.zeros((h, w, 3), np.float32)
    road[:] = linear((0.28, 0.28, 0.3))
    road *= (1 + 0.12 * octaves(rng, h, w, 16, 3))[..., None]
    top = int(0.7 * h)
    for k in range(9):
        x0 = (k / 9) * w
        stripe = mask(
            h,
            w,
            lambda d, x0=x0: d.polygon(
                [(x0, top), (x0 + w / 18, top), (x0 + w / 14, h), (x0 - w / 40, h)]
            ),
        )
        over(road, stripe, linear((0.9, 0.9, 0.88)))
    ralpha = np.zeros((h, w), np.float32)
    ralpha[top:] = 1
    rgb, alpha = person(
        rng,
        h,
        w,
        rng.uniform(0.3, 0.7) * w,
        0.3 * h,
        0.62 * h,
        SKIN[rng.integers(len(SKIN))],
        walking=True,
    )
    layers = [Layer(far, None, 20.0), Layer(road, ralpha, 10.0), Layer(rgb, alpha, 7.0, True)]
    return Scene(layers, 7.0, EXPOSURE["crossing"][3] * max(h, w), inherent_motion=True)


BUILDERS = {
    "facade": scene_facade,
    "foliage": scene_foliage,
    "portrait": scene_portrait,
    "night": scene_night,
    "indoor": scene_indoor,
    "crossing": scene_crossing,
}


# ---------------------------------------------------------------- optics and motion


def aperture_kernel(radius, blades, turn, rounding) -> np.ndarray:
    """A polygonal (bladed) aperture of circumradius ``radius`` px, 3x supersampled."""
    n = int(math.ceil(radius)) + 1
    fine = (np.arange(-n * 3, n * 3 + 1, dtype=np.float32) + 0.5) / 3
    y, x = np.meshgrid(fine, fine, indexing="ij")
    angles = turn + 2 * np.pi * np.arange(blades) / blades
    reach = np.max(x[..., None] * np.cos(angles) + y[..., None] * np.sin(angles), axis=-1)
    apothem = radius * math.cos(math.pi / blades)
    metric = (1 - rounding) * reach + rounding * np.hypot(x, y) * math.cos(math.pi / blades)
    inside = (metric <= apothem).astype(np.float32)
    side = inside.shape[0] // 3 * 3
    k = inside[:side, :side].reshape(side // 3, 3, side // 3, 3).mean(axis=(1, 3))
    return k / k.sum()


def splat(points) -> np.ndarray:
    """A normalised kernel from a path of (x, y) points (bilinear weights)."""
    pts = points - points.mean(axis=0)
    n = int(np.ceil(np.abs(pts).max())) + 2
    k = np.zeros((2 * n + 1, 2 * n + 1), np.float32)
    x, y = pts[:, 0] + n, pts[:, 1] + n
    x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
    fx, fy = x - x0, y - y0
    for dx, dy, wgt in (
        (0, 0, (1 - fx) * (1 - fy)),
        (1, 0, fx * (1 - fy)),
        (0, 1, (1 - fx) * fy),
        (1, 1, fx * fy),
    ):
        np.add.at(k, (y0 + dy, x0 + dx), wgt)
    return k / k.sum()


def camera_path(rng, length) -> np.ndarray:
    """Hand shake: a cubic Bezier, the camera slowing at both ends (dwelling there)."""
    angle = rng.uniform(0, 2 * np.pi)
    end = length * np.array([math.cos(angle), math.sin(angle)])
    c1 = end * rng.uniform(0.1, 0.5) + rng.normal(0, 0.45 * length, 2)
    c2 = end * rng.uniform(0.5, 0.9) + rng.normal(0, 0.45 * length, 2)
    u = np.linspace(0, 1, 800)
    t = (0.5 - 0.5 * np.cos(np.pi * u))[:, None]
    pts = (1 - t) ** 3 * 0 + 3 * (1 - t) ** 2 * t * c1 + 3 * (1 - t) * t**2 * c2 + t**3 * end
    return splat(pts)


def subject_streak(rng, length) -> np.ndarray:
    """A moving subject: constant speed along a slightly bent, mostly horizontal line."""
    angle = rng.normal(0, 0.25) + (np.pi if rng.random() < 0.5 else 0)
    u = np.linspace(-0.5, 0.5, 400)
    bend = rng.uniform(-0.12, 0.12) * length
    along = np.stack([u * length, bend * (1 - 4 * u**2)], axis=1)
    rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    return splat(along @ rot.T)


def blur(image, kernel) -> np.ndarray:
    if kernel is None or kernel.size == 1:
        return image
    pad = kernel.shape[0] // 2 + 1
    spec = [(pad, pad), (pad, pad)] + [(0, 0)] * (image.ndim - 2)
    padded = np.pad(image, spec, mode="reflect")
    k = kernel if image.ndim == 2 else kernel[..., None]
    out = fftconvolve(padded, k, mode="same", axes=(0, 1))
    return out[pad:-pad, pad:-pad].astype(np.float32)


def combine(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return fftconvolve(a, b, mode="full").astype(np.float32)


def support(alpha, reach) -> tuple[slice, slice]:
    """The box holding a layer's coverage, widened by a blur's reach."""
    rows, cols = np.nonzero(alpha.max(axis=1) > 1e-4)[0], np.nonzero(alpha.max(axis=0) > 1e-4)[0]
    if not rows.size:
        return slice(0, 0), slice(0, 0)
    h, w = alpha.shape
    return (
        slice(max(0, rows[0] - reach), min(h, rows[-1] + 1 + reach)),
        slice(max(0, cols[0] - reach), min(w, cols[-1] + 1 + reach)),
    )


def composite(scene, optics, focus, subject_kernel, cache) -> np.ndarray:
    """The layers, each blurred by its circle of confusion (and the subject by its motion),
    laid back to front; a layer with coverage is blurred only in the box it can reach."""
    out = None
    for index, layer in enumerate(scene.layers):
        radius = scene.aperture * abs(1 / layer.depth - 1 / focus)
        motion = subject_kernel if layer.subject else None
        key = (index, round(radius, 2), id(motion) if motion is not None else None)
        if key not in cache:
            kernel = aperture_kernel(radius, *optics) if radius >= 0.6 else None
            kernel = combine(kernel, motion)
            if layer.alpha is None:
                cache[key] = (blur(layer.rgb, kernel), None, None)
            else:
                box = support(layer.alpha, 2 + (kernel.shape[0] if kernel is not None else 0))
                alpha = layer.alpha[box]
                if not alpha.size:
                    cache[key] = (None, None, None)
                    continue
                stack = np.concatenate(
                    [layer.rgb[box] * alpha[..., None], alpha[..., None]], axis=2
                )
                done = blur(stack, kernel)
                cache[key] = (done[..., :3], np.clip(done[..., 3], 0, 1), box)
        rgb, alpha, box = cache[key]
        if rgb is None:
            continue
        if out is None:
            out = rgb.copy()
        else:
            out[box] = out[box] * (1 - alpha[..., None]) + rgb
    return out


def reframe(image, size, dx, dy, roll, zoom) -> np.ndarray:
    """The output frame cut from the canvas: shifted, rolled and zoomed (bilinear)."""
    ow, oh = size
    ch, cw = image.shape[:2]
    c, s = math.cos(roll) / zoom, math.sin(roll) / zoom
    ox, oy = cw / 2 + dx * ow, ch / 2 + dy * ow
    data = (c, -s, ox - c * ow / 2 + s * oh / 2, s, c, oy - s * ow / 2 - c * oh / 2)
    planes = [
        np.asarray(
            Image.fromarray(np.ascontiguousarray(image[..., k]), "F").transform(
                size, Image.AFFINE, data, Image.BILINEAR
            )
        )
        for k in range(3)
    ]
    return np.stack(planes, axis=2)


# ---------------------------------------------------------------- the camera's processing


def expose(rng, scene_linear, gain, iso, style) -> np.ndarray:
    """Photons to raw: shot and read noise, row banding, a 12-bit converter, white clip."""
    h, w = scene_linear.shape[:2]
    headroom = 0.5 if style == "rolloff" else 1.0
    well = ELECTRONS_AT_ISO100 * 100.0 / iso
    electrons = np.clip(scene_linear * (gain * headroom * well), 0, None)
    spread = np.sqrt(electrons + READ_ELECTRONS**2 + (CONVERTER_FLOOR * well) ** 2)
    electrons += spread * rng.standard_normal(electrons.shape, dtype=np.float32)
    rows = rng.standard_normal((h, 1, 1), dtype=np.float32) * ROW_ELECTRONS
    wave = (
        0.6
        * ROW_ELECTRONS
        * np.sin(np.arange(h, dtype=np.float32) / h * rng.uniform(4, 12) * np.pi)
    )
    electrons += rows + wave[:, None, None]
    raw = np.clip(np.round(electrons / well * 4095) / 4095, 0, 1)
    return raw / headroom


def render_tone(values, style) -> np.ndarray:
    """The camera's curve: a highlight shoulder (``rolloff``) or a hard clip, then sRGB and
    a gentle contrast S."""
    if style == "rolloff":
        v = np.where(values < 0.6, values, 0.6 + 0.4 * np.tanh((values - 0.6) / 0.4))
    else:
        v = np.clip(values, 0, 1)
    v = np.clip(v, 0, 1)
    y = np.where(v <= 0.0031308, 12.92 * v, 1.055 * np.power(v, 1 / 2.4) - 0.055)
    return (0.82 * y + 0.18 * y * y * (3 - 2 * y)).astype(np.float32)


def noise_reduction(y, iso) -> np.ndarray:
    """A camera's high-ISO noise reduction: luma smoothed where neighbours are alike (a
    bilateral-like filter, two passes), chroma smoothed by a box; stronger with ISO."""
    strength = float(np.clip(math.log2(iso / 400) / 6, 0.15, 1))
    weights = np.array([0.299, 0.587, 0.114], np.float32)
    luma = y @ weights
    chroma = y - luma[..., None]
    size = 1 + 2 * round(1 + 3 * strength)
    chroma = uniform_filter(chroma, size=(size, size, 1), mode="nearest")
    sigma = 0.015 + 0.06 * strength
    for _ in range(2):
        padded = np.pad(luma, 1, mode="edge")
        total = np.zeros_like(luma)
        norm = np.zeros_like(luma)
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                near = padded[1 + dy : 1 + dy + luma.shape[0], 1 + dx : 1 + dx + luma.shape[1]]
                wgt = np.exp(-((near - luma) ** 2) / (2 * sigma * sigma)) * (
                    0.6 if dx and dy else 1.0
                )
                total += wgt * near
                norm += wgt
        luma = total / norm
    return luma[..., None] + chroma


def shutter(seconds) -> float:
    return float(SHUTTERS[np.argmin(np.abs(np.log2(SHUTTERS) - math.log2(seconds)))])


def iso_step(value) -> int:
    return min(ISOS, key=lambda s: abs(math.log2(s) - math.log2(value)))


def exif_for(body, when, shot, tags) -> bytes:
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = body
    exif[0x0132] = when.strftime("%Y:%m:%d %H:%M:%S")
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = when.strftime("%Y:%m:%d %H:%M:%S")
    sub[0x9291] = f"{when.microsecond // 1000:03d}"
    if tags:
        t = shot["time"]
        sub[0x829A] = IFDRational(1, round(1 / t)) if t <= 0.3 else IFDRational(round(t * 10), 10)
        sub[0x829D] = IFDRational(round(shot["fnumber"] * 10), 10)
        sub[0x8827] = int(shot["iso"])
        if shot.get("bias") is not None:
            sub[0x9204] = IFDRational(round(shot["bias"] * 3), 3)
    return exif.tobytes()


# ---------------------------------------------------------------- sequences


@dataclass
class Plan:
    kind: str  # burst | ae_drift | bracket | stripped_bracket
    scene: str
    defect: str | None
    size: tuple[int, int]
    index: int
    extra: dict = field(default_factory=dict)


def plan_shoot(seed, bursts) -> list[Plan]:
    rng = np.random.default_rng([seed, 9001])
    pairs = [(s, d) for s in SCENES for d in DEFECTS if d != "subject_motion" or s in WITH_SUBJECT]
    order = []
    while len(order) < bursts:
        order += [pairs[k] for k in rng.permutation(len(pairs))]
    plans = []
    for k, (scene, defect) in enumerate(order[:bursts]):
        size = BIG if k % 16 == 7 else LANDSCAPE[rng.integers(len(LANDSCAPE))]
        if scene == "portrait":
            size = size[::-1]
        plans.append(Plan("burst", scene, defect, size, 0))
    for _ in range(max(2, bursts // 10)):
        plans.append(
            Plan("ae_drift", SCENES[rng.integers(len(SCENES))], None, LANDSCAPE[rng.integers(4)], 0)
        )
    ladders = ([0, -1, 1], [-1, 0, 1], [0, -2, 2], [-2, 0, 2], [0, -1, 1, -2, 2], [-2, -1, 0, 1, 2])
    extras = [("bracket", {"evs": ladders[k % len(ladders)]}) for k in range(max(3, bursts // 14))]
    extras += [
        (
            "stripped_bracket",
            {
                "evs": ([0, -2, 2], [-1, 0, 1], [-2, 0, 2])[k % 3],
                "strip": "some" if k % 3 == 2 else "all",
            },
        )
        for k in range(max(2, bursts // 25))
    ]
    for kind, extra in extras:
        scene, size = SCENES[rng.integers(len(SCENES))], LANDSCAPE[rng.integers(4)]
        plans.append(Plan(kind, scene, None, size, 0, extra))
    head, tail = plans[:bursts], plans[bursts:]
    for p in tail:  # the other sequences fall among the scored bursts
        head.insert(int(rng.integers(len(head) + 1)), p)
    for k, p in enumerate(head):
        p.index = k
    return head


def _defect_shot(rng, defect, scale, base, has_subject):
    shot = dict(base)
    if defect == "mixed":
        choices = [
            d for d in DEFECTS if d not in ("mixed",) and (d != "subject_motion" or has_subject)
        ]
        return _defect_shot(rng, choices[rng.integers(len(choices))], 0.75, base, has_subject) | {
            "mixed": True
        }
    shot["defect"] = defect
    if defect in ("under", "over"):
        stops = rng.uniform(0.7, 2.0) * scale * (-1 if defect == "under" else 1)
        shot["time"] = shutter(base["time"] * 2**stops)
        shot["ev"] = math.log2(shot["time"] / base["time"])
    elif defect == "defocus":
        shot["defocus"] = rng.uniform(0.0015, 0.0045) * scale * rng.choice([-1, 1])
    elif defect == "shake":
        shot["shake"] = rng.uniform(0.003, 0.009) * scale
    elif defect == "subject_motion":
        shot["subject"] = rng.uniform(0.01, 0.03) * scale
    elif defect == "noise":
        iso = iso_step(max(1600, base["iso"] * 2 ** (rng.uniform(2, 5) * scale)))
        shot["iso"] = min(iso, 25600)
        shot["time"] = shutter(base["time"] * base["iso"] / shot["iso"])
    return shot


def plan_frames(plan: Plan, rng):
    """Per frame: exposure, ISO, focus miss, shake, subject motion; the clean frame's index."""
    (t_lo, t_hi), fnumber, iso, _ = EXPOSURE[plan.scene]
    base = {
        "time": shutter(math.exp(rng.uniform(math.log(t_lo), math.log(t_hi)))),
        "fnumber": fnumber,
        "iso": iso,
        "ev": 0.0,
        "defect": None,
    }
    clean = None
    if plan.kind == "burst":
        n = int(rng.integers(3, 9))
        clean = int(rng.integers(n))
        shots = [
            dict(base)
            if k == clean
            else _defect_shot(rng, plan.defect, 1.0, base, plan.scene in WITH_SUBJECT)
            for k in range(n)
        ]
    elif plan.kind == "ae_drift":
        n = int(rng.integers(4, 9))
        ev, shots = 0.0, []
        for k in range(n):
            if k and rng.random() < 0.7:
                ev += rng.choice([1 / 3, 2 / 3, 1.0]) * rng.choice([-1, 1])
            t = shutter(base["time"] * 2**ev)
            shots.append(dict(base, time=t, ev=math.log2(t / base["time"])))
    else:
        shots = [
            dict(base, time=shutter(base["time"] * 2**e), ev=float(e), bias=float(e))
            for e in plan.extra["evs"]
        ]
        if plan.kind == "stripped_bracket":
            for k, s in enumerate(shots):
                s["strip"] = plan.extra["strip"] == "all" or k in (1, len(shots) - 1)
                s.pop("bias")
    for s in shots:
        s["ev"] = math.log2(s["time"] / base["time"]) + math.log2(s["iso"] / base["iso"])
    return shots, clean


def render_sequence(task):
    """Render and write one sequence; return its truth record."""
    plan, seed, folder, number, start, body = task
    rng = np.random.default_rng([seed, plan.index, 77])
    shots, clean = plan_frames(plan, rng)
    tripod = plan.kind in ("bracket", "stripped_bracket")
    fps = float(rng.uniform(3, 6) if tripod else rng.uniform(3, 10))
    style = "rolloff" if rng.random() < 0.5 else "clip"
    quality = int(rng.integers(70, 96))
    ow, oh = plan.size
    cw, ch = round(ow * MARGIN), round(oh * MARGIN)
    scene = BUILDERS[plan.scene](rng, ch, cw)
    optics = (int(rng.integers(6, 10)), float(rng.uniform(0, np.pi)), float(rng.choice([0.0, 0.5])))
    n = len(shots)
    drift = rng.uniform(0.0, 0.0008) if tripod else rng.uniform(0.005, 0.03)
    heading = rng.uniform(0, 2 * np.pi)
    roll = math.radians(rng.uniform(0.0, 0.02) if tripod else rng.uniform(0.15, 0.9)) * rng.choice(
        [-1, 1]
    )
    long_side = max(cw, ch)
    cache, whole, frames, record_shots = {}, {}, [], []
    for k, shot in enumerate(shots):
        f = k / max(1, n - 1) - 0.5
        jitter = 0.0002 if tripod else 0.0015
        dx = drift * f * math.cos(heading) + rng.normal(0, jitter)
        dy = drift * f * math.sin(heading) + rng.normal(0, jitter)
        zoom = 1 + rng.normal(0, 0.0002 if tripod else 0.003)
        focus = scene.focus
        if shot.get("defocus"):
            inv = 1 / scene.focus + shot["defocus"] * long_side / scene.aperture
            focus = 1 / inv if inv > 1e-3 else 1e3
        motion = None
        if shot.get("subject"):
            motion = subject_streak(rng, shot["subject"] * long_side)
        elif scene.inherent_motion:
            motion = subject_streak(rng, rng.uniform(0.0035, 0.006) * long_side)
        if motion is None and focus in whole:
            linear_frame = whole[focus]
        else:
            linear_frame = composite(scene, optics, focus, motion, cache)
            if motion is None:
                whole[focus] = linear_frame
            else:  # each frame's own subject blur: no reuse
                cache = {key: v for key, v in cache.items() if key[2] is None}
        if shot.get("shake"):
            linear_frame = blur(linear_frame, camera_path(rng, shot["shake"] * long_side))
        framed = reframe(linear_frame, plan.size, dx, dy, roll * f, zoom)
        gain = 2 ** shot["ev"]  # brightness follows the exposure
        raw = expose(rng, framed, gain, shot["iso"], style)
        y = render_tone(raw, style)
        if shot["iso"] >= 800:
            y = noise_reduction(y, shot["iso"])
        pixels = (np.clip(y, 0, 1) * 255 + 0.5).astype(np.uint8)
        when = start + dt.timedelta(seconds=k / fps)
        name = f"STR_{number + k:04d}.JPG"
        exif = exif_for(body, when, shot, not shot.get("strip"))
        Image.fromarray(pixels).save(
            Path(folder) / name, quality=quality, exif=exif, subsampling=1 if quality >= 90 else 2
        )
        frames.append(name)
        record_shots.append(
            {
                key: shot.get(key)
                for key in ("defect", "ev", "iso", "time", "defocus", "shake", "subject")
            }
            | {
                "bias": shot.get("bias"),
                "stripped": bool(shot.get("strip")),
                "mixed": bool(shot.get("mixed")),
            }
        )
    return {
        "kind": plan.kind,
        "scene": plan.scene,
        "defect": plan.defect,
        "size": list(plan.size),
        "frames": frames,
        "clean": frames[clean] if clean is not None else None,
        "fps": round(fps, 2),
        "style": style,
        "quality": quality,
        "evs": [round(s["ev"], 3) for s in shots],
        "shots": record_shots,
        "extra": plan.extra,
    }


def sequence_length(plan, seed):
    rng = np.random.default_rng([seed, plan.index, 77])
    shots, _ = plan_frames(plan, rng)
    return len(shots), float(
        rng.uniform(3, 6) if plan.kind in ("bracket", "stripped_bracket") else rng.uniform(3, 10)
    )


def write_shoot(folder, seed=1, bursts=80, workers=None, progress=True) -> dict:
    """Write the shoot's JPEGs into ``folder``; the truth goes beside it (``<folder>.truth.json``),
    outside the folder that is culled."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    plans = plan_shoot(seed, bursts)
    rng = np.random.default_rng([seed, 4242])
    body = BODIES[seed % len(BODIES)]
    tasks, number, when = [], 1, BEGIN
    for plan in plans:
        n, fps = sequence_length(plan, seed)
        tasks.append((plan, seed, str(folder), number, when, body))
        number += n
        when += dt.timedelta(seconds=n / fps + rng.uniform(2.0, 20.0))
    records = []
    with ProcessPoolExecutor(workers or min(2, os.cpu_count() or 1)) as pool:
        pending = [pool.submit(render_sequence, task) for task in tasks]
        for written, job in enumerate(pending, 1):
            records.append(job.result())
            if progress and (written % 10 == 0 or written == len(pending)):
                print(f"street: {written} of {len(pending)} sequences written", file=sys.stderr)
    truth = {
        "generator": "street",
        "seed": seed,
        "bursts": bursts,
        "camera": list(body),
        "sequences": records,
    }
    Path(str(folder) + ".truth.json").write_text(json.dumps(truth, indent=1))
    return truth


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bursts", type=int, default=80)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    truth = write_shoot(args.out, args.seed, args.bursts)
    frames = sum(len(q["frames"]) for q in truth["sequences"])
    print(
        f"{len(truth['sequences'])} sequences, {frames} frames in {time.perf_counter() - start:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
