"""Darkroom bursts: a whole shoot written to disk as a camera would, for a blind check.

Shares no code or parameters with the other burst generators here: the photographs are
procedural scenes rendered in linear light with their own depth (a blossom before foliage,
a lamp-lit vase in the dark, pale objects on white, a cyclist in a street, woven, printed
and written textures, a landscape of ridges and grass), since every bundled photograph is
already a source elsewhere.  Each frame goes through a camera model:

- framing: hand-held, each frame rotated 0.2-1 degree, zoomed 1-3 % and shifted up to
  1.2 % (tripod sequences: under 0.05 %);
- optics: defocus as a lens PSF (a disc with spherical aberration, a brighter rim or core,
  and a cat's-eye cut by a second disc), radius 0.13-0.35 % of the long side; in scenes with
  depth the focus plane moves (in front of or behind the subject), so the background blur
  changes with it; subject motion as a curved streak of 0.8-2 % of the long side on the
  subject only;
- camera shake: a random walk with inertia (not a line), extent 0.25-0.6 % of the long side;
- exposure: -1 to -2 and +1 to +2 stops in linear light (recorded as exposure time), each
  channel clipped at the sensor's white;
- sensor: photon shot noise (28 000 e- at white at ISO 100), read noise before and after
  the gain, row noise, a fixed column pattern and chroma blotches (part of the noise at
  half resolution), a 14-bit converter; noisy frames at ISO 6400-25600 (auto ISO), the
  exposure time shortened to match;
- camera rendering: sRGB transfer with an S-curve, a 3x3 sharpening, JPEG quality 85-95, EXIF
  (DateTimeOriginal, SubSecTimeOriginal, OffsetTimeOriginal, Make, Model, ExposureTime,
  FNumber, ISO, ExposureBiasValue, ExposureMode, ExposureProgram, FocalLength).

Frames are 1200 x 800 (1 MP), every tenth scored burst 3000 x 2000 (6 MP), so that a shoot
of 100 bursts can be written on two busy cores.  Sequences: bursts of 3-10 frames at 5-12
fps, one frame clean (the expected pick), the others with one defect (or two at 0.7
strength: "mixed"); hand-held bursts whose exposure drifts by auto exposure or rolling
compensation (1/3-2/3 EV a frame); brackets (-2/0/+2 or five frames, with
ExposureBiasValue); focus stacks on a tripod (the focus plane swept through a tabletop);
stripped brackets (no exposure tag at all).  Pauses of 1.5-15 s.

    python benchmarks/darkroom_bursts.py OUT --seed 1 --bursts 100
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter
from PIL.TiffImagePlugin import IFDRational

SCENES = ("shallow_dof", "low_key", "high_key", "motion", "texture", "landscape")
DEFECTS = ("defocus", "shake", "subject_blur", "noise", "under", "over", "mixed")
WITH_SUBJECT = ("shallow_dof", "low_key", "high_key", "motion")
CAMERAS = (("Halden Optical", "HX-24"), ("Morrow", "M9 Digital"), ("Kestrel", "K-70"))
FULL_SIZE, SMALL_SIZE = (3000, 2000), (1200, 800)  # 6 MP and 1 MP
MARGIN = 1.08  # the scene is rendered this much larger, so framing never shows an edge
FULL_WELL = 28000.0  # electrons at the sensor's white at ISO 100
START = dt.datetime(2026, 5, 14, 9, 30, 0)


# ---------------------------------------------------------------- procedural scenes


def fbm(rng, shape, beta=2.0, low=1.0):
    """Fractal noise by spectral synthesis: amplitude ~ 1/f**(beta/2), zero mean, unit std."""
    h, w = shape
    fy = np.fft.fftfreq(h)[:, None] * h
    fx = np.fft.rfftfreq(w)[None, :] * w
    f = np.sqrt(fx * fx + fy * fy * (w / h) ** 2) + low
    spectrum = rng.standard_normal((h, w // 2 + 1)) + 1j * rng.standard_normal((h, w // 2 + 1))
    out = np.fft.irfft2(spectrum / f ** (beta / 2), s=(h, w)).astype(np.float32)
    out -= out.mean()
    return out / (out.std() + 1e-8)


def srgb_to_linear(c):
    c = np.asarray(c, dtype=np.float32)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4).astype(np.float32)


def palette(rng, hue_centre=None, sat=(0.3, 0.8), val=(0.3, 0.9)):
    """A colour in linear light from a hue, saturation and value drawn around a centre."""
    hue = rng.random() if hue_centre is None else (hue_centre + rng.normal(0, 0.04)) % 1
    s, v = rng.uniform(*sat), rng.uniform(*val)
    i, f = int(hue * 6) % 6, hue * 6 - int(hue * 6)
    p, q, t = v * (1 - s), v * (1 - s * f), v * (1 - s * (1 - f))
    rgb = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)][i]
    return srgb_to_linear(rgb)


def mask_from_draw(shape, draw_fn, supersample=2):
    """An anti-aliased coverage mask in [0, 1] drawn with PIL at twice the size."""
    h, w = shape
    canvas = Image.new("L", (w * supersample, h * supersample), 0)
    draw_fn(ImageDraw.Draw(canvas), supersample)
    canvas = canvas.resize((w, h), Image.BOX)
    return np.asarray(canvas, dtype=np.float32) / 255.0


def mix(base, colour, weight):
    return base * (1 - weight[..., None]) + np.asarray(colour)[None, None, :] * weight[..., None]


@dataclass
class Scene:
    """Linear-light layers at render size: a background at depth ``bg_depth`` (a number or a
    map) and an optional subject (colour premultiplied by ``alpha``) at depth 1."""

    background: np.ndarray
    bg_depth: float | np.ndarray
    subject: np.ndarray | None = None
    alpha: np.ndarray | None = None
    dof_px: float = 0.0  # blur radius at infinity with focus on the subject (depth 1)
    motion: tuple[float, float] = (0.0, 0.0)  # subject displacement per frame, px
    extras: dict = field(default_factory=dict)


def foliage(rng, shape):
    h, w = shape
    base = fbm(rng, shape, 2.6)
    detail = fbm(rng, shape, 1.6)
    green, dark, yellow = (
        palette(rng, 0.28, (0.5, 0.8), (0.25, 0.5)),
        palette(rng, 0.33, (0.6, 0.9), (0.05, 0.15)),
        palette(rng, 0.16, (0.5, 0.8), (0.5, 0.8)),
    )
    img = mix(np.broadcast_to(dark, (h, w, 3)).copy(), green, np.clip(0.5 + 0.5 * base, 0, 1))
    img = mix(img, yellow, np.clip(base * detail - 0.8, 0, 1))
    img *= (0.8 + 0.2 * np.clip(detail, -2, 2)[..., None] / 2).astype(np.float32)
    specks = mask_from_draw(shape, lambda d, s: _specks(d, s, rng, shape), 1)
    return mix(img, np.full(3, rng.uniform(2.0, 5.0), np.float32), specks)  # sun through leaves


def _specks(draw, s, rng, shape):
    h, w = shape
    for _ in range(int(rng.integers(30, 90))):
        x, y, r = rng.uniform(0, w), rng.uniform(0, h), h * rng.uniform(0.002, 0.006)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=255)


def blossom(rng, shape, centre, radius):
    """A flower: petals from a polar outline, radial veins, a seeded centre."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    dx, dy = xx - centre[0], yy - centre[1]
    r, theta = np.hypot(dx, dy), np.arctan2(dy, dx)
    petals = int(rng.integers(5, 9))
    phase = rng.uniform(0, 2 * np.pi)
    outline = radius * (0.72 + 0.28 * np.abs(np.cos(petals * (theta + phase) / 2)) ** 0.6)
    alpha = np.clip((outline - r) / 1.5, 0, 1)
    petal = palette(rng, rng.choice([0.95, 0.08, 0.75, 0.13]), (0.4, 0.85), (0.6, 0.95))
    throat = palette(rng, 0.12, (0.7, 0.9), (0.6, 0.9))
    veins = 0.5 + 0.5 * np.cos(petals * 9 * theta + 3 * fbm(rng, shape, 2.2))
    shade = np.clip(0.55 + 0.45 * (r / radius), 0, 1) * (0.85 + 0.15 * veins)
    img = petal[None, None, :] * shade[..., None]
    img = mix(img, throat, np.clip(1 - r / (0.45 * radius), 0, 1) ** 1.5)
    core = r < 0.18 * radius
    seeds = 0.5 + 0.5 * np.sin(r * 1.3) * np.sin(theta * 40)
    core_col = palette(rng, 0.1, (0.7, 0.95), (0.15, 0.35))
    img[core] = (core_col[None, :] * (0.5 + seeds[core][:, None])).astype(np.float32)
    img *= (1 + 0.12 * fbm(rng, shape, 1.2))[..., None]
    return img.astype(np.float32), alpha.astype(np.float32)


def shaded_body(rng, shape, centre, size, light, albedo, texture_scale=1.0):
    """A lathe-shaped vase lit from ``light``: Lambert and a Phong highlight, engraved bands."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    u = (yy - centre[1]) / size  # -1 top .. 1 bottom
    profile = 0.45 + 0.25 * np.sin(np.pi * (u + 1) * rng.uniform(0.7, 1.1)) + 0.12 * u
    half = np.maximum(profile * size * 0.8, 1)
    x = (xx - centre[0]) / half
    inside = (np.abs(u) < 1) & (np.abs(x) < 1)
    alpha = np.clip((1 - np.abs(x)) * half / 1.5, 0, 1) * np.clip(
        (1 - np.abs(u)) * size / 1.5, 0, 1
    )
    alpha *= inside
    nz = np.sqrt(np.clip(1 - x * x, 0, 1))
    normal = np.stack([x, np.zeros_like(x), nz], -1)
    lv = np.asarray(light, np.float32) / np.linalg.norm(light)
    lambert = np.clip(normal @ lv, 0, 1)
    half_vec = lv + np.array([0, 0, 1], np.float32)
    half_vec /= np.linalg.norm(half_vec)
    spec = np.clip(normal @ half_vec, 0, 1) ** 60
    bands = 0.5 + 0.5 * np.sign(np.sin(u * size / (6 * texture_scale) + 2 * fbm(rng, shape, 2.4)))
    grain = 1 + 0.15 * fbm(rng, shape, 1.0)
    colour = albedo[None, None, :] * (0.6 + 0.4 * bands)[..., None] * grain[..., None]
    img = colour * (0.05 + lambert)[..., None] + spec[..., None] * rng.uniform(1.2, 3.0)
    return img.astype(np.float32), alpha.astype(np.float32)


def scene_shallow_dof(rng, shape):
    h, w = shape
    bg = foliage(rng, shape) * rng.uniform(0.35, 0.6)
    centre = (w * rng.uniform(0.38, 0.62), h * rng.uniform(0.4, 0.6))
    subject, alpha = blossom(rng, shape, centre, h * rng.uniform(0.22, 0.32))
    dof = max(w, h) * rng.uniform(0.012, 0.022)
    return Scene(bg, rng.uniform(4, 12), subject * 0.75, alpha, dof)


def scene_low_key(rng, shape):
    h, w = shape
    bg = (0.006 + 0.012 * np.clip(0.5 + 0.3 * fbm(rng, shape, 2.8), 0, 1))[..., None]
    bg = (bg * palette(rng, 0.08, (0.2, 0.5), (0.6, 1.0))[None, None, :]).astype(np.float32)
    for _ in range(int(rng.integers(3, 8))):  # distant lamps
        cy, cx = int(rng.uniform(0.05, 0.5) * h), int(rng.uniform(0.05, 0.95) * w)
        r = max(2, int(h * rng.uniform(0.002, 0.006)))
        bg[cy - r : cy + r, cx - r : cx + r] = palette(rng, 0.1, (0.3, 0.7), (0.9, 1.0)) * 4
    centre = (w * rng.uniform(0.35, 0.65), h * rng.uniform(0.45, 0.58))
    albedo = palette(rng, None, (0.3, 0.7), (0.4, 0.8))
    light = (rng.choice([-1, 1]) * rng.uniform(0.5, 1.0), -0.3, 0.6)
    subject, alpha = shaded_body(rng, shape, centre, h * rng.uniform(0.3, 0.4), light, albedo)
    subject *= rng.uniform(0.08, 0.16)
    return Scene(bg, rng.uniform(2.5, 4), subject, alpha, max(w, h) * rng.uniform(0.004, 0.008))


def scene_high_key(rng, shape):
    h, w = shape
    yy = np.linspace(0, 1, h, dtype=np.float32)[:, None]
    paper = 0.62 + 0.2 * (1 - yy) + 0.015 * fbm(rng, shape, 0.8)
    bg = np.repeat(paper[..., None], 3, axis=2).astype(np.float32) * srgb_to_linear([1, 0.98, 0.95])
    centre = (w * rng.uniform(0.35, 0.65), h * rng.uniform(0.45, 0.55))
    albedo = palette(rng, None, (0.02, 0.12), (0.85, 0.97))
    subject, alpha = shaded_body(
        rng, shape, centre, h * rng.uniform(0.3, 0.4), (0.3, -0.6, 0.8), albedo, 0.5
    )
    subject = np.clip(subject * 0.62 + 0.3 * alpha[..., None], 0, 0.93)
    dots = mask_from_draw(shape, lambda d, s: _dot_print(d, s, rng, shape))
    subject = subject * (1 - 0.35 * dots[..., None])
    bg = np.minimum(bg, 0.9)
    return Scene(bg, rng.uniform(1.4, 2.0), subject, alpha, max(w, h) * rng.uniform(0.004, 0.008))


def _dot_print(draw, s, rng, shape):
    h, w = shape
    step = max(6, int(h * 0.012)) * s
    for y in range(0, h * s, step):
        for x in range(0, w * s, step):
            if rng.random() < 0.45:
                r = step * 0.22
                draw.ellipse((x - r, y - r, x + r, y + r), fill=255)


def scene_motion(rng, shape):
    h, w = shape
    bg = np.empty((h, w, 3), np.float32)
    ground = int(h * rng.uniform(0.7, 0.8))
    sky = palette(rng, 0.58, (0.2, 0.4), (0.7, 0.9))
    bg[:] = sky
    x = 0
    while x < w:  # a row of buildings with window grids
        bw = int(w * rng.uniform(0.08, 0.18))
        top = int(h * rng.uniform(0.05, 0.35))
        wall = palette(rng, None, (0.1, 0.4), (0.35, 0.75))
        bg[top:ground, x : x + bw] = wall
        win = palette(rng, 0.6, (0.1, 0.3), (0.1, 0.3))
        step = max(8, int(h * rng.uniform(0.03, 0.05)))
        for wy in range(top + step // 2, ground - step, step):
            for wx in range(x + step // 3, x + bw - step // 2, step):
                bg[wy : wy + step // 2, wx : wx + step // 3] = win
        x += bw
    bg[ground:] = palette(rng, 0.1, (0.05, 0.15), (0.25, 0.4))
    bg *= (1 + 0.1 * fbm(rng, shape, 1.4))[..., None]
    size = h * rng.uniform(0.28, 0.36)
    cx, cy = w * 0.5, ground - size * 0.55
    subject, alpha = _cyclist(rng, shape, (cx, cy), size)
    speed = w * rng.uniform(0.012, 0.025) * rng.choice([-1, 1])
    return Scene(
        bg * 0.55,
        rng.uniform(3, 6),
        subject * 0.6,
        alpha,
        max(w, h) * rng.uniform(0.004, 0.008),
        (speed, speed * rng.uniform(-0.08, 0.08)),
    )


def _cyclist(rng, shape, centre, size):
    """Two spoked wheels, a frame and a rider with a striped jersey: fine detail to smear."""
    h, w = shape
    cx, cy = centre
    wheel_r = size * 0.28
    frame_col = palette(rng, None, (0.6, 0.9), (0.5, 0.9))
    jersey = palette(rng, None, (0.6, 0.9), (0.5, 0.9))

    def draw_bike(d, s):
        for wx in (cx - size * 0.4, cx + size * 0.4):
            X, Y, R = wx * s, (cy + size * 0.25) * s, wheel_r * s
            d.ellipse((X - R, Y - R, X + R, Y + R), outline=255, width=max(2, int(R * 0.12)))
            for k in range(18):
                a = k * np.pi / 9
                d.line((X, Y, X + R * np.cos(a), Y + R * np.sin(a)), fill=255, width=max(1, s))
        d.polygon(
            [
                ((cx - size * 0.4) * s, (cy + size * 0.25) * s),
                (cx * s, (cy - size * 0.05) * s),
                ((cx + size * 0.4) * s, (cy + size * 0.25) * s),
            ],
            outline=255,
            width=max(2, 3 * s),
        )

    def draw_rider(d, s):
        for left, top, right, bottom in ((-0.2, -0.6, 0.15, -0.05), (-0.05, -0.85, 0.13, -0.62)):
            box = (cx + left * size, cy + top * size, cx + right * size, cy + bottom * size)
            d.ellipse(tuple(v * s for v in box), fill=255)  # the body, then the head

    bike = mask_from_draw(shape, draw_bike)
    rider = mask_from_draw(shape, draw_rider)
    yy = np.arange(h, dtype=np.float32)[:, None]
    stripes = 0.5 + 0.5 * np.sign(np.sin(yy * 2 * np.pi / max(4.0, size * 0.04)))
    rider_col = jersey[None, None, :] * (0.4 + 0.6 * stripes)[..., None]
    img = frame_col[None, None, :] * bike[..., None] + rider_col * rider[..., None] * (
        1 - bike[..., None]
    )
    alpha = np.clip(bike + rider, 0, 1)
    return (img / np.maximum(alpha, 1e-3)[..., None] * (alpha > 0)[..., None]).astype(
        np.float32
    ), alpha


def scene_texture(rng, shape):
    h, w = shape
    kind = rng.choice(["weave", "halftone", "script"])
    if kind == "weave":
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        pitch = max(3.0, h * rng.uniform(0.004, 0.008))
        wob = 2.0 * fbm(rng, shape, 3.0)
        warp = 0.5 + 0.5 * np.cos(2 * np.pi * (xx + wob) / pitch)
        weft = 0.5 + 0.5 * np.cos(2 * np.pi * (yy - wob) / pitch)
        over = (np.floor(xx / pitch) + np.floor(yy / pitch)) % 2
        thread = np.where(over > 0, warp, weft) ** 0.7
        a, b = (
            palette(rng, None, (0.3, 0.7), (0.3, 0.7)),
            palette(rng, None, (0.3, 0.7), (0.2, 0.5)),
        )
        img = mix(np.broadcast_to(b, (h, w, 3)).copy(), a, over.astype(np.float32))
        img *= (0.35 + 0.65 * thread)[..., None]
    elif kind == "halftone":
        tone = np.clip(0.5 + 0.35 * fbm(rng, shape, 3.2), 0, 1)
        img = np.ones((h, w, 3), np.float32) * 0.85
        pitch = max(4.0, h * rng.uniform(0.005, 0.009))
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        for ch, angle in enumerate((0.26, 1.31, 0.79)):
            u = xx * np.cos(angle) + yy * np.sin(angle)
            v = -xx * np.sin(angle) + yy * np.cos(angle)
            cell = np.hypot((u % pitch) - pitch / 2, (v % pitch) - pitch / 2) / (pitch / 2)
            ink = np.clip((np.sqrt(tone * rng.uniform(0.6, 1.0)) - cell) * pitch / 2, 0, 1)
            img[..., ch] *= 1 - 0.85 * ink
    else:
        paper = 0.55 + 0.04 * fbm(rng, shape, 1.0)
        img = np.repeat(paper[..., None], 3, axis=2) * srgb_to_linear([0.98, 0.95, 0.88])
        ink = mask_from_draw(shape, lambda d, s: _scribble(d, s, rng, shape), 1)
        img = mix(img, srgb_to_linear([0.08, 0.1, 0.25]), ink)
    img *= (1 + 0.08 * fbm(rng, shape, 2.5))[..., None]  # uneven light
    return Scene(img.astype(np.float32) * 0.8, 1.0)


def _scribble(draw, s, rng, shape):
    """Rows of handwriting-like strokes: random cursive curves at a line pitch."""
    h, w = shape
    pitch = h * rng.uniform(0.03, 0.05)
    y = pitch
    while y < h - pitch / 2:
        x = w * rng.uniform(0.01, 0.05)
        while x < w * 0.97:
            letters = int(rng.integers(2, 8))
            pts = []
            for k in range(letters * 6):
                pts.append(
                    (
                        x + k * pitch * 0.09,
                        y - pitch * 0.35 * abs(np.sin(k * 1.7 + rng.normal(0, 0.6))),
                    )
                )
            draw.line(pts, fill=255, width=max(1, int(pitch * 0.06)))
            x += letters * 6 * pitch * 0.09 + pitch * 0.4
        y += pitch


def scene_landscape(rng, shape):
    h, w = shape
    yy = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    sky_top, sky_low = (
        palette(rng, 0.6, (0.4, 0.7), (0.5, 0.75)),
        palette(rng, 0.55, (0.1, 0.3), (0.8, 0.95)),
    )
    img = (sky_top * (1 - yy) + sky_low * yy) * np.ones((1, w, 1), np.float32)
    clouds = np.clip(fbm(rng, shape, 3.0) - 0.3, 0, 1.5)
    img = img + 0.6 * clouds[..., None] * (1 - yy)
    horizon = rng.uniform(0.35, 0.5)
    xs = np.arange(w)
    for layer in range(4):
        ridge = fbm(rng, (2, w), 3.4)[0]
        level = (horizon + 0.08 * layer + 0.05 * ridge) * h
        below = (np.arange(h)[:, None] > level[None, :]).astype(np.float32)
        haze = 0.75 - 0.22 * layer
        rock = (
            palette(rng, 0.3 - 0.06 * layer, (0.3, 0.6), (0.25, 0.5)) * (1 - haze)
            + sky_low * haze * 0.8
        )
        tex = 1 + (0.1 + 0.1 * layer) * fbm(rng, shape, 2.0 - 0.2 * layer)
        img = (
            img * (1 - below[..., None]) + (rock[None, None, :] * tex[..., None]) * below[..., None]
        )
    del xs
    meadow_top = int((horizon + 0.34) * h)
    grass = mask_from_draw(shape, lambda d, s: _grass(d, s, rng, shape, meadow_top), 1)
    ground = palette(rng, 0.22, (0.5, 0.8), (0.15, 0.3))
    blade = palette(rng, 0.25, (0.5, 0.8), (0.4, 0.7))
    below = (np.arange(h)[:, None] > meadow_top).astype(np.float32) * np.ones((1, w), np.float32)
    img = mix(img, ground, below)
    img = mix(img, blade, grass)
    return Scene((img * 0.7).astype(np.float32), 1.0)


def _grass(draw, s, rng, shape, top):
    h, w = shape
    for _ in range(int(w * 1.5)):
        x, y = rng.uniform(0, w), rng.uniform(top, h)
        length = (y - top + h * 0.02) * rng.uniform(0.08, 0.2)
        lean = rng.normal(0, 0.35)
        draw.line(
            (x, y, x + lean * length, y - length),
            fill=int(rng.uniform(120, 255)),
            width=1 + int(y > h * 0.9),
        )


def scene_tabletop(rng, shape):
    """For focus stacks: a table receding from 0.5 to 2.5 depth units, printed and carved."""
    h, w = shape
    yy = np.linspace(0, 1, h, dtype=np.float32)[:, None]
    depth = (2.5 / (1 + 4 * yy)) * np.ones((1, w), np.float32)
    wood = palette(rng, 0.08, (0.4, 0.7), (0.3, 0.55))
    xx = np.arange(w, dtype=np.float32)[None, :]
    grain = 0.5 + 0.5 * np.sin((xx / w * 60 + 4 * fbm(rng, shape, 2.8)) * (1 + 2 * yy))
    img = wood[None, None, :] * (0.55 + 0.45 * grain)[..., None]
    cards = mask_from_draw(shape, lambda d, s: _cards(d, s, rng, shape), 1)
    img = mix(img, srgb_to_linear([0.9, 0.88, 0.8]), cards * 0.9)
    img *= (1 + 0.15 * fbm(rng, shape, 1.5))[..., None]
    return Scene(img.astype(np.float32) * 0.7, depth)


def _cards(draw, s, rng, shape):
    h, w = shape
    for _ in range(int(rng.integers(30, 60))):
        x, y = rng.uniform(0, w), rng.uniform(0, h)
        size = h * rng.uniform(0.01, 0.04) * (0.4 + y / h)
        if rng.random() < 0.5:
            draw.ellipse(
                (x, y, x + size, y + size * 0.6), outline=255, width=max(1, int(size * 0.08))
            )
        else:
            for k in range(4):
                draw.line(
                    (x, y + k * size * 0.25, x + size * 1.6, y + k * size * 0.25),
                    fill=255,
                    width=max(1, int(size * 0.05)),
                )


RENDERERS = {
    "shallow_dof": scene_shallow_dof,
    "low_key": scene_low_key,
    "high_key": scene_high_key,
    "motion": scene_motion,
    "texture": scene_texture,
    "landscape": scene_landscape,
    "tabletop": scene_tabletop,
}

# ---------------------------------------------------------------- optics and motion


def lens_psf(radius, aberration=0.0, cat_eye=0.0, angle=0.0, supersample=4):
    """A defocused lens's point spread: a disc whose brightness runs from core to rim with
    spherical aberration (> 0 a bright rim, < 0 a bright core), cut by a second disc shifted
    by ``cat_eye`` radii (mechanical vignetting off axis)."""
    if radius < 0.5:
        return np.ones((1, 1), np.float32)
    n = int(math.ceil(radius)) + 1
    grid = (np.arange(-n * supersample, (n + 1) * supersample) + 0.5) / supersample - 0.5
    x, y = np.meshgrid(grid, grid)
    r = np.hypot(x, y) / radius
    k = np.where(r <= 1, np.clip(1 + aberration * (2 * r * r - 1), 0.05, None), 0)
    dx, dy = cat_eye * radius * math.cos(angle), cat_eye * radius * math.sin(angle)
    k = k * (np.hypot(x - dx, y - dy) <= radius)
    size = 2 * n + 1
    k = (
        k[: size * supersample, : size * supersample]
        .reshape(size, supersample, size, supersample)
        .sum((1, 3))
    )
    return (k / k.sum()).astype(np.float32)


def shake_path_kernel(rng, extent):
    """Camera shake: a random walk with inertia over the exposure, splatted sub-pixel, so
    slow stretches weigh more; scaled to ``extent`` px across."""
    steps = 400
    velocity = rng.normal(0, 1, 2)
    points = np.zeros((steps, 2))
    for i in range(1, steps):
        velocity = 0.93 * velocity + rng.normal(0, 0.45, 2)
        if rng.random() < 0.01:
            velocity += rng.normal(0, 3, 2)  # a jerk
        points[i] = points[i - 1] + velocity
    points -= points.min(0)
    points *= extent / max(points.max(), 1e-6)
    size = int(math.ceil(points.max())) + 3
    kernel = np.zeros((size, size), np.float32)
    for px, py in points + 1:
        ix, iy = int(px), int(py)
        fx, fy = px - ix, py - iy
        kernel[iy, ix] += (1 - fx) * (1 - fy)
        kernel[iy, ix + 1] += fx * (1 - fy)
        kernel[iy + 1, ix] += (1 - fx) * fy
        kernel[iy + 1, ix + 1] += fx * fy
    return kernel / kernel.sum()


def streak_kernel(length, direction, bend):
    """Subject motion during the exposure: a slightly curved streak along the motion."""
    t = np.linspace(-0.5, 0.5, 200)
    ux, uy = math.cos(direction), math.sin(direction)
    xs = t * length * ux - bend * length * (t * t - 1 / 12) * uy
    ys = t * length * uy + bend * length * (t * t - 1 / 12) * ux
    size = int(math.ceil(max(np.ptp(xs), np.ptp(ys)))) + 3
    size += 1 - size % 2
    kernel = np.zeros((size, size), np.float32)
    for px, py in zip(xs - xs.mean() + size // 2, ys - ys.mean() + size // 2, strict=True):
        kernel[int(round(py)), int(round(px))] += 1
    return kernel / kernel.sum()


def convolve(image, kernel):
    """FFT convolution over the first two axes, edges reflected."""
    from scipy.signal import fftconvolve

    if kernel.shape == (1, 1):
        return image
    pad = max(kernel.shape) // 2 + 1
    widths = ((pad, pad), (pad, pad)) + ((0, 0),) * (image.ndim - 2)
    padded = np.pad(image, widths, mode="reflect")
    k = kernel if image.ndim == 2 else kernel[:, :, None]
    out = fftconvolve(padded, k, mode="same", axes=(0, 1))
    return out[pad:-pad, pad:-pad].astype(np.float32)


def lens_blur(image, radius, aberration=0.0, cat_eye=0.0, angle=0.0):
    """``lens_psf`` applied; a wide blur is done at a reduced scale (what it removes is far
    beyond what the wide disc leaves)."""
    if radius < 0.5:
        return image
    factor = max(1, int(radius // 6))
    if factor == 1:
        return convolve(image, lens_psf(radius, aberration, cat_eye, angle))
    h, w = image.shape[:2]
    small = _resize(image, (max(1, w // factor), max(1, h // factor)))
    small = convolve(small, lens_psf(radius / factor, aberration, cat_eye, angle))
    return _resize(small, (w, h))


def _resize(image, size):
    channels = [image] if image.ndim == 2 else [image[..., c] for c in range(image.shape[2])]
    out = [
        np.asarray(Image.fromarray(np.ascontiguousarray(c), "F").resize(size, Image.BILINEAR))
        for c in channels
    ]
    return out[0] if image.ndim == 2 else np.stack(out, -1)


BLUR_LEVELS = (0.0, 1.5, 3.5, 7.0, 12.0, 20.0)


def depth_blur(image, depth, focus, k_px, aberration):
    """Defocus that varies with depth: blur radius k_px * |1 - focus / depth| per pixel,
    blended between a few radii."""
    radius = np.minimum(k_px * np.abs(1 - focus / depth), BLUR_LEVELS[-1])
    below = [lv for lv in BLUR_LEVELS if lv < radius.max()]
    levels = below + [BLUR_LEVELS[len(below)]] if below else [0.0]
    out = np.zeros_like(image)
    weight_sum = np.zeros(image.shape[:2], np.float32)
    for i, level in enumerate(levels):
        lower = levels[i - 1] if i else None
        upper = levels[i + 1] if i + 1 < len(levels) else None
        wgt = np.zeros_like(radius)
        if lower is not None:
            band = (radius >= lower) & (radius <= level)
            wgt[band] = ((radius - lower) / (level - lower))[band]
        if upper is not None:
            band = (radius > level) & (radius < upper)
            wgt[band] = ((upper - radius) / (upper - level))[band]
        if lower is None:
            wgt[radius <= level] = 1
        if upper is None:
            wgt[radius > level] = 1
        if wgt.max() <= 0:
            continue
        out += lens_blur(image, level, aberration) * wgt[..., None]
        weight_sum += wgt
    return out / np.maximum(weight_sum, 1e-6)[..., None]


# ---------------------------------------------------------------- camera


@dataclass
class Shot:
    """One frame's capture: what the camera did and what went wrong."""

    defects: dict = field(default_factory=dict)  # defect -> strength parameters
    ev: float = 0.0  # exposure relative to the burst's metered exposure (linear light)
    iso_gain: float = 1.0  # ISO relative to the burst's base ISO (time shortened to match)
    focus: float = 1.0  # focus distance (subject at 1)
    frame_index: int = 0
    tripod: bool = False
    bias: float | None = None  # recorded ExposureBiasValue
    bracket_mode: bool = False


def framing(rng, out_size, tripod):
    """The affine (PIL's output -> scene) for a hand-held or tripod frame."""
    w, h = out_size
    sw, sh = int(w * MARGIN), int(h * MARGIN)
    if tripod:
        angle, zoom = rng.normal(0, 0.01), 1 + abs(rng.normal(0, 0.0003))
        shift = rng.normal(0, 0.0003, 2) * w
    else:
        angle = rng.uniform(0.2, 1.0) * rng.choice([-1, 1])
        zoom = 1 + rng.uniform(0.01, 0.03)
        shift = rng.uniform(-0.012, 0.012, 2) * np.array([w, h])
    a = math.radians(angle)
    cos, sin = math.cos(a) / zoom, math.sin(a) / zoom
    cx, cy = sw / 2 + shift[0], sh / 2 + shift[1]
    return (cos, -sin, cx - cos * w / 2 + sin * h / 2, sin, cos, cy - sin * w / 2 - cos * h / 2)


def warp(image, out_size, affine):
    channels = [
        np.asarray(
            Image.fromarray(np.ascontiguousarray(image[..., c]), "F").transform(
                out_size, Image.AFFINE, affine, resample=Image.BICUBIC
            )
        )
        for c in range(image.shape[2])
    ]
    return np.stack(channels, -1)


def sensor(rng, linear, iso, column_pattern):
    """Electrons at the burst's ISO: shot noise, read noise before and after the gain, row
    noise, a fixed column pattern, half the noise's colour at half resolution (chroma
    blotches as a demosaiced sensor shows them); clipped per channel at white."""
    h, w, _ = linear.shape
    electrons_at_white = FULL_WELL * 100.0 / iso
    signal = np.clip(linear, 0, None)
    read_pre, read_post = 2.2, 5.0 * 100.0 / iso + 0.6  # e-, e- referred
    sigma = np.sqrt(signal * electrons_at_white + read_pre**2 + read_post**2) / electrons_at_white
    fine = rng.standard_normal((h, w, 3), dtype=np.float32)
    coarse = rng.standard_normal((h // 2 + 1, w // 2 + 1, 3), dtype=np.float32)
    coarse = np.repeat(np.repeat(coarse, 2, 0), 2, 1)[:h, :w]
    noise = sigma * (0.8 * fine + 0.6 * coarse)
    row = rng.standard_normal((h, 1, 1), dtype=np.float32) * 0.3 * read_post / electrons_at_white
    column = column_pattern[None, :w, None] * read_post / electrons_at_white
    raw = signal + noise + row + column
    return np.clip(raw, 0, 1)


SHARPEN = ImageFilter.Kernel((3, 3), (0, -0.35, 0, -0.35, 2.4, -0.35, 0, -0.35, 0), scale=1.0)


def tone(raw):
    """The camera's rendering: sRGB transfer, then an S-curve about middle grey."""
    x = np.clip(raw, 0, 1)
    y = np.where(x <= 0.0031308, 12.92 * x, 1.055 * np.power(x, 1 / 2.4) - 0.055)
    return np.clip(y + 0.25 * y * (1 - y) * (2 * y - 1), 0, 1)


ADC_WHITE = 16383
TONE_LUT = (tone(np.arange(ADC_WHITE + 1) / ADC_WHITE) * 255 + 0.5).astype(np.uint8)


def exif_bytes(camera, when, settings, tags=True):
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = camera
    exif[0x0131] = "darkroom 1.0"
    exif[0x0132] = when.strftime("%Y:%m:%d %H:%M:%S")
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = when.strftime("%Y:%m:%d %H:%M:%S")
    sub[0x9291] = f"{when.microsecond // 1000:03d}"
    sub[0x9011] = "+02:00"
    if tags:
        time_s, fnumber, iso = settings["time"], settings["fnumber"], settings["iso"]
        sub[0x829A] = (
            IFDRational(1, round(1 / time_s))
            if time_s < 0.5
            else IFDRational(round(time_s * 10), 10)
        )
        sub[0x829D] = IFDRational(round(fnumber * 10), 10)
        sub[0x8827] = int(iso)
        sub[0x8822] = 3  # aperture priority
        sub[0xA402] = 2 if settings.get("bracket_mode") else 0
        sub[0x920A] = IFDRational(int(settings["focal"]), 1)
        if settings.get("bias") is not None:
            sub[0x9204] = IFDRational(round(settings["bias"] * 3), 3)
    return exif.tobytes()


# ---------------------------------------------------------------- sequences


def _base_settings(rng, scene_type):
    if scene_type == "low_key":
        return {
            "iso": float(rng.choice([800, 1000, 1250])),
            "time": 1 / 125,
            "fnumber": 2.0,
            "focal": 50,
        }
    if scene_type == "shallow_dof":
        return {"iso": 100.0, "time": 1 / 1000, "fnumber": 1.8, "focal": 85}
    if scene_type == "landscape":
        return {"iso": 100.0, "time": 1 / 320, "fnumber": 8.0, "focal": 24}
    return {"iso": float(rng.choice([100, 200, 400])), "time": 1 / 500, "fnumber": 4.0, "focal": 35}


BURST_LENGTHS = np.array([6, 6, 5, 4, 3, 2, 1.5, 1.5]) / 29.0  # 3..10 frames, short ones commoner


def plan_burst(rng, scene_type, defect, size_px):
    """The shots of a burst with one clean frame; returns (shots, clean index)."""
    n = int(rng.choice(np.arange(3, 11), p=BURST_LENGTHS))
    clean = int(rng.integers(0, n))
    long_side = max(size_px)
    shots = []
    for i in range(n):
        shot = Shot(frame_index=i)
        if i != clean:
            kinds = (
                [defect]
                if defect != "mixed"
                else list(rng.choice(_mixable(scene_type), 2, replace=False))
            )
            scale = 0.7 if defect == "mixed" else 1.0
            for kind in kinds:
                _apply_defect(rng, shot, kind, scale, long_side)
        shots.append(shot)
    return shots, clean


def _mixable(scene_type):
    base = ["defocus", "shake", "noise", "under", "over"]
    return base + ["subject_blur"] if scene_type in WITH_SUBJECT else base


def _apply_defect(rng, shot, kind, scale, long_side):
    if kind == "defocus":
        shot.defects["defocus"] = {
            "radius": long_side * rng.uniform(0.0013, 0.0035) * scale,
            "aberration": rng.uniform(-0.5, 0.7),
            "cat_eye": rng.uniform(0.0, 0.6),
            "angle": rng.uniform(0, 2 * np.pi),
            "behind": bool(rng.random() < 0.6),
        }
    elif kind == "shake":
        shot.defects["shake"] = {"extent": long_side * rng.uniform(0.0025, 0.006) * scale}
    elif kind == "subject_blur":
        shot.defects["subject_blur"] = {
            "length": long_side * rng.uniform(0.008, 0.02) * scale,
            "bend": rng.uniform(-0.3, 0.3),
        }
    elif kind == "noise":
        # the camera's auto ISO jumps to 6400-25600 (half a stop to a stop lower when mixed)
        shot.defects["noise"] = {"iso": float(6400 * 2 ** (rng.uniform(0, 2) - 4 * (1 - scale)))}
    elif kind == "under":
        shot.ev = -rng.uniform(1.0, 2.0) * scale
        shot.defects["under"] = {"ev": shot.ev}
    elif kind == "over":
        shot.ev = rng.uniform(1.0, 2.0) * scale
        shot.defects["over"] = {"ev": shot.ev}


def render_frame(rng, scene, scene_type, shot, out_size, column_pattern, settings, base_blur=None):
    """Linear scene -> optics -> framing -> shake -> exposure -> sensor -> 8-bit sRGB."""
    long_side = max(out_size)
    defocus = shot.defects.get("defocus")
    focus = shot.focus
    if defocus and scene.subject is not None:
        focus = (
            1 + defocus["radius"] / scene.dof_px
            if defocus["behind"]
            else 1 / (1 + defocus["radius"] / scene.dof_px)
        )
    offset = np.array(scene.motion) * (shot.frame_index - 2)
    if isinstance(scene.bg_depth, np.ndarray):  # a tabletop: blur by depth
        image = depth_blur(scene.background, scene.bg_depth, focus, scene.extras["k_px"], 0.3)
    else:
        key = ("bg", round(focus, 4))
        if base_blur is not None and key in base_blur:
            background = base_blur[key]
        else:
            bg_radius = (
                scene.dof_px * abs(1 - focus / scene.bg_depth) if scene.subject is not None else 0.0
            )
            if scene.subject is None and defocus:
                bg_radius = defocus["radius"]
            lens = (
                (defocus["aberration"], defocus["cat_eye"], defocus["angle"])
                if defocus
                else (0.2, 0.0, 0.0)
            )
            background = lens_blur(scene.background, bg_radius, *lens)
            if base_blur is not None and not defocus:
                base_blur[key] = background
        image = background
        if scene.subject is not None:
            subject = scene.subject * scene.alpha[..., None]
            alpha = scene.alpha
            if offset.any():
                subject, alpha = _shift(subject, offset), _shift(alpha, offset)
            streak = None
            if scene.motion != (0.0, 0.0):  # a moving subject is always a little streaked
                direction = math.atan2(scene.motion[1], scene.motion[0])
                streak = streak_kernel(long_side * 0.002, direction, 0.0)
            if "subject_blur" in shot.defects:
                p = shot.defects["subject_blur"]
                direction = (
                    math.atan2(scene.motion[1], scene.motion[0])
                    if scene.motion != (0.0, 0.0)
                    else rng.uniform(0, np.pi)
                )
                streak = streak_kernel(p["length"], direction, p["bend"])
            if streak is not None:
                subject, alpha = convolve(subject, streak), convolve(alpha, streak)
            if defocus:
                radius = scene.dof_px * abs(1 - focus)
                subject = lens_blur(
                    subject, radius, defocus["aberration"], defocus["cat_eye"], defocus["angle"]
                )
                alpha = lens_blur(
                    alpha, radius, defocus["aberration"], defocus["cat_eye"], defocus["angle"]
                )
            image = image * (1 - alpha[..., None]) + subject
    image = warp(image, out_size, framing(rng, out_size, shot.tripod))
    if "shake" in shot.defects:
        image = convolve(image, shake_path_kernel(rng, shot.defects["shake"]["extent"]))
    image = image * (2.0**shot.ev)
    raw = sensor(rng, image, settings["iso"], column_pattern)
    adc = (raw * ADC_WHITE + 0.5).astype(np.uint16)  # a 14-bit converter
    rendered = Image.fromarray(TONE_LUT[adc])
    return rendered.filter(SHARPEN)


def _shift(image, offset):
    dx, dy = int(round(offset[0])), int(round(offset[1]))
    return np.roll(np.roll(image, dy, axis=0), dx, axis=1)


@dataclass
class Sequence:
    kind: str  # burst | ae_drift | bracket | focus_stack | stripped_bracket
    scene: str
    defect: str | None
    size: tuple[int, int]
    seed: int
    extra: dict = field(default_factory=dict)


def make_sequences(seed, bursts):
    """What the shoot holds: ``bursts`` scoring bursts over every scene and defect, plus
    exposure-drift bursts, brackets, focus stacks and stripped brackets, in shooting order."""
    rng = np.random.default_rng([seed, 20])
    seqs = []
    for i in range(bursts):
        scene = SCENES[i % len(SCENES)]
        defect = DEFECTS[(i // len(SCENES)) % len(DEFECTS)]  # every scene meets every defect
        if defect == "subject_blur" and scene not in WITH_SUBJECT:
            defect = ("defocus", "shake", "noise")[i % 3]
        size = FULL_SIZE if i % 10 == 0 else SMALL_SIZE
        seqs.append(Sequence("burst", scene, defect, size, int(rng.integers(2**31))))
    for i in range(max(2, bursts // 10)):
        mode = ("ramp", "wander", "compensation")[i % 3]
        seqs.append(
            Sequence(
                "ae_drift",
                SCENES[(i * 5) % len(SCENES)],
                None,
                SMALL_SIZE,
                int(rng.integers(2**31)),
                {"mode": mode},
            )
        )
    for i in range(6):
        evs = ([0, -2, 2], [-2, 0, 2], [0, -1, 1, -2, 2])[i % 3]
        seqs.append(
            Sequence(
                "bracket",
                ("landscape", "low_key", "high_key", "texture")[i % 4],
                None,
                SMALL_SIZE,
                int(rng.integers(2**31)),
                {"evs": evs, "bracket_mode": i % 2 == 0},
            )
        )
    for _ in range(6):
        seqs.append(
            Sequence(
                "focus_stack",
                "tabletop",
                None,
                SMALL_SIZE,
                int(rng.integers(2**31)),
                {"length": int(rng.integers(5, 9))},
            )
        )
    for i in range(2):
        seqs.append(
            Sequence(
                "stripped_bracket",
                ("landscape", "motion")[i % 2],
                None,
                SMALL_SIZE,
                int(rng.integers(2**31)),
                {"evs": [-2, 0, 2]},
            )
        )
    order = rng.permutation(len(seqs))
    return [seqs[k] for k in order]


def plan_sequence(seq):
    """(shots, clean index or None, camera settings per frame, fps) of one sequence."""
    rng = np.random.default_rng(seq.seed)
    base = _base_settings(rng, seq.scene)
    if seq.kind == "burst":
        shots, clean = plan_burst(rng, seq.scene, seq.defect, seq.size)
        if seq.scene == "shallow_dof" and seq.defect == "defocus" and rng.random() < 0.5:
            _hunting(shots)
        fps = rng.uniform(5, 12)
    elif seq.kind == "ae_drift":
        n = int(rng.integers(4, 10))
        shots, clean, ev = [Shot(frame_index=i) for i in range(n)], None, 0.0
        direction = rng.choice([-1, 1])
        for i, shot in enumerate(shots):
            if i:
                step = rng.choice([1 / 3, 2 / 3])
                ev += step * (direction if seq.extra["mode"] != "wander" else rng.choice([-1, 1]))
            shot.ev = ev
            if seq.extra["mode"] == "compensation":
                shot.bias = ev
            if rng.random() < 0.3:
                _apply_defect(
                    rng, shot, str(rng.choice(["shake", "defocus", "noise"])), 1.0, max(seq.size)
                )
        fps = rng.uniform(5, 12)
    elif seq.kind == "focus_stack":
        n = seq.extra["length"]
        shots = [
            Shot(frame_index=i, tripod=True, focus=float(f))
            for i, f in enumerate(np.geomspace(0.55, 2.4, n))
        ]
        clean, fps = None, rng.uniform(2, 4)
    else:  # brackets: EV steps on exposure time
        shots = [
            Shot(
                frame_index=i,
                tripod=True,
                ev=float(e),
                bias=float(e) if seq.kind == "bracket" else None,
                bracket_mode=seq.extra.get("bracket_mode", False),
            )
            for i, e in enumerate(seq.extra["evs"])
        ]
        clean, fps = None, rng.uniform(4, 8)
    settings = []
    for shot in shots:
        if "noise" in shot.defects:
            shot.iso_gain = max(1.0, shot.defects["noise"]["iso"] / base["iso"])
        s = dict(base)
        s["time"] = base["time"] * 2.0**shot.ev / shot.iso_gain
        s["iso"] = base["iso"] * shot.iso_gain
        s["bias"] = shot.bias
        s["bracket_mode"] = shot.bracket_mode
        settings.append(s)
    return shots, clean, settings, fps, base


def _hunting(shots):
    """Autofocus hunting: the missed frames' focus runs one way through the burst."""
    missed = [s for s in shots if "defocus" in s.defects]
    radii = sorted(s.defects["defocus"]["radius"] for s in missed)
    for shot, radius in zip(missed, radii, strict=True):
        shot.defects["defocus"]["radius"] = radius
        shot.defects["defocus"]["behind"] = True


def render_sequence(task):
    """Render one sequence's frames to ``folder``; returns its truth record."""
    seq, folder, first_number, start = task
    shots, clean, settings, fps, base = plan_sequence(seq)
    rng = np.random.default_rng([seq.seed, 1])
    w, h = seq.size
    scene = RENDERERS[seq.scene](rng, (int(h * MARGIN), int(w * MARGIN)))
    if seq.kind == "focus_stack":
        scene.extras["k_px"] = max(seq.size) * 0.004
    camera = CAMERAS[seq.seed % len(CAMERAS)]
    column_pattern = (
        np.random.default_rng(CAMERAS.index(camera)).standard_normal(4000).astype(np.float32) * 0.15
    )
    quality = int(rng.integers(85, 96))
    tags = seq.kind != "stripped_bracket"
    cache: dict = {}
    names, when = [], start
    for i, (shot, s) in enumerate(zip(shots, settings, strict=True)):
        image = render_frame(rng, scene, seq.scene, shot, seq.size, column_pattern, s, cache)
        name = f"DRK_{first_number + i:05d}.JPG"
        image.save(
            folder / name,
            "JPEG",
            quality=quality,
            subsampling=2 if quality < 92 else 1,
            exif=exif_bytes(camera, when, s, tags),
        )
        names.append(name)
        when = when + dt.timedelta(seconds=(1 / fps) * rng.uniform(0.95, 1.05))
    record = {
        "kind": seq.kind,
        "scene": seq.scene,
        "defect": seq.defect,
        "size": list(seq.size),
        "frames": names,
        "clean": names[clean] if clean is not None else None,
        "defects": [sorted(shot.defects) for shot in shots],
        "ev": [round(shot.ev, 3) for shot in shots],
        "camera": list(camera),
        "fps": round(fps, 2),
    }
    record.update({k: v for k, v in seq.extra.items()})
    return record


def write_shoot(folder, seed=1, bursts=100, workers=None, progress=True):
    """Write the shoot's JPEGs into ``folder`` and return its truth (also saved beside it as
    ``<folder>.truth.json``, outside the folder the app culls)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    seqs = make_sequences(seed, bursts)
    rng = np.random.default_rng([seed, 21])
    tasks, number, when = [], 1, START
    for seq in seqs:
        shots, _clean, _settings, fps, _base = plan_sequence(seq)
        tasks.append((seq, folder, number, when))
        number += len(shots)
        when = when + dt.timedelta(seconds=len(shots) / fps + rng.uniform(1.5, 15.0))
    workers = workers or min(2, os.cpu_count() or 1)
    records = []
    with ProcessPoolExecutor(workers) as pool:
        for k, record in enumerate(pool.map(render_sequence, tasks)):
            records.append(record)
            if progress:
                print(f"\r  {k + 1}/{len(tasks)} sequences", end="", file=sys.stderr, flush=True)
    if progress:
        print(file=sys.stderr)
    truth = {"generator": "darkroom", "seed": seed, "bursts": bursts, "sequences": records}
    Path(str(folder) + ".truth.json").write_text(json.dumps(truth, indent=1))
    return truth


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bursts", type=int, default=100)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    truth = write_shoot(args.folder, args.seed, args.bursts, args.workers)
    frames = sum(len(s["frames"]) for s in truth["sequences"])
    print(f"{len(truth['sequences'])} sequences, {frames} frames in {args.folder}")


if __name__ == "__main__":
    main()
