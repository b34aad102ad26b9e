"""Atelier bursts: a shoot of drawn still lifes, written as a camera's JPEGs, for a blind check.

Shares no code, parameters or photographs with the scorer or the project's other burst
generators.  No photograph at all: every scene is drawn with Pillow at twice its size, then
reduced (anti-aliased), as a background layer and a subject layer with its own mask:

- ``plain``: fruit and a labelled bottle on a wooden table before a wall lit from one side;
- ``dark_subject``: a bronze kettle and a candle on a black table, lit by the flame alone;
- ``bright_subject``: white cups with pale blue rims on white linen (high key, nothing blown);
- ``shallow_dof``: a flower before foliage with specular dots, the background blurred by a
  lens disc of 1.1-1.9 % of the long side;
- ``fine_texture``: small print on a paper gradient, a woven cloth, or a bed of small leaves;
- ``motion``: a striped ball rolling before a bookshelf, smeared along its own arc in every
  frame (0.25-0.5 % of the long side in the clean frame).

Each frame goes through a camera:

- framing: the burst tilted by up to 1.5 degrees (tripod: 0.5), each frame by up to 0.5
  degree more or less; a crop of 90-94 % of the drawn canvas whose centre wanders by up to
  1.6 % (tripod sequences: 0.03 %);
- lens profile (per burst): vignetting of 0.25-1.4 stops in the corners (cos^4-like, more
  at wide apertures) and lateral chromatic aberration (red and blue magnified 0.04-0.14 %
  apart);
- defocus: a disc with a soft edge (a Gaussian of a quarter of its radius), 0.22-0.5 % of
  the long side; shake: the whole frame along a circular arc of 40-160 degrees, slow at its
  ends, 0.3-0.9 % of the long side; subject motion: the subject layer alone along an arc of
  0.8-2.4 % (carried with its mask);
- sensor: Poisson photons (42 000 e- at white at ISO 100) and Gaussian read noise (1.6 e-
  plus 9 e- at ISO 100 falling with gain), 12 bits, clipped at white; exposure errors of
  0.7-2 stops as exposure time (the scene's white sits a stop below the sensor's);
- rendering: an extended-Reinhard tone curve with a soft shoulder up to the sensor's white,
  the sRGB transfer, the camera's noise reduction (luma coring of the detail under a noise
  threshold that grows with ISO: the smearing of fine texture at ISO 1600-6400; chroma blur),
  a mild unsharp mask, JPEG quality 88-96 with 4:2:0 chroma, EXIF as a camera writes it.

Sequences: scored bursts of 3-7 frames at 4-12 fps, one frame clean (the expected pick), the
others with the burst's degradation at strengths drawn per frame (``under``, ``over``,
``noise``, ``defocus``, ``shake``, ``subject_motion``; every scene meets every degradation);
hand-held bursts with auto-exposure drift (exposure time steps of 1/3-2/3 EV, the light
following part of it, no bias tag); brackets on a tripod with ExposureBiasValue and
ExposureMode "auto bracket" (-1/0/+1, 0/-2/+2, five frames of 1 EV), one bracket with every
exposure tag stripped; focus stacks on a tripod (the focus plane swept through a tabletop's
depth).  Pauses of 3-25 s.  Frames are 1440 x 960 (or portrait), every eighth scored burst
2100 x 1400 (2.9 MP).

    python benchmarks/atelier_bursts.py OUT --seed 1 --bursts 40
"""

from __future__ import annotations

import argparse
import io
import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from PIL.TiffImagePlugin import IFDRational
from scipy import ndimage, signal

SCENES = ("plain", "dark_subject", "bright_subject", "shallow_dof", "fine_texture", "motion")
DEGRADATIONS = ("under", "over", "noise", "defocus", "shake", "subject_motion")
SIZE, LARGE = (1440, 960), (2100, 1400)
CANVAS = 1.1  # the drawn canvas against the frame: room for tilt and crop
WELL_E = 42000.0  # electrons at the sensor's white at ISO 100
SCENE_TO_SENSOR = 0.5  # the scene's white lands a stop under the sensor's white
CURVE_WHITE = 3.2  # the tone curve's input at the sensor's white
WORDS = [
    "apple",
    "pear",
    "ink",
    "lamp",
    "chair",
    "linen",
    "copper",
    "violet",
    "ochre",
    "paper",
    "sill",
    "glass",
    "rope",
    "spool",
]


@dataclass
class Layers:
    """A scene in linear light at canvas size: background, subject (premultiplied) and mask."""

    background: np.ndarray
    subject: np.ndarray
    mask: np.ndarray
    depth: np.ndarray  # 0 near .. 1 far, for focus stacks


# ---------------------------------------------------------------- drawing


def _font(px: int):
    return ImageFont.load_default(size=max(6, px))


def _shade(rgb, k):
    return tuple(int(max(0, min(255, c * k))) for c in rgb)


def _vertical(w, h, top, bottom):
    t = np.linspace(0, 1, h)[:, None, None]
    rows = np.array(top)[None, None] * (1 - t) + np.array(bottom)[None, None] * t
    return Image.fromarray(np.repeat(rows, w, axis=1).astype(np.uint8))


def _draw_plain(rng, w, h, bg, fg, mask):
    table = int(h * rng.uniform(0.55, 0.65))
    bg.paste(_vertical(w, table, (196, 182, 160), (150, 140, 124)), (0, 0))
    wood = ImageDraw.Draw(bg)
    wood.rectangle([0, table, w, h], fill=(122, 80, 48))
    for _ in range(120):
        y = int(rng.uniform(table, h))
        wood.line(
            [0, y, w, y + int(rng.normal(0, 8))],
            fill=_shade((122, 80, 48), rng.uniform(0.7, 1.2)),
            width=2,
        )
    draw, m = ImageDraw.Draw(fg), ImageDraw.Draw(mask)
    x = w * rng.uniform(0.15, 0.25)
    for _ in range(rng.integers(3, 6)):
        r = h * rng.uniform(0.07, 0.12)
        colour = tuple(
            int(c)
            for c in rng.choice([(200, 40, 30), (220, 170, 40), (90, 150, 50), (230, 120, 30)])
        )
        box = [x - r, table - r * 1.4, x + r, table + r * 0.6]
        wood.ellipse(
            [box[0], table + r * 0.3, box[2] + r * 0.5, table + r * 0.8], fill=(70, 45, 30)
        )
        draw.ellipse(box, fill=colour)
        for k in range(8):  # shading towards the shadow side
            inset = r * k / 10
            draw.ellipse(
                [
                    box[0] + inset * 0.4,
                    box[1] + inset * 0.3,
                    box[2] - inset * 1.2,
                    box[3] - inset * 1.3,
                ],
                fill=_shade(colour, 1 + k * 0.03),
            )
        draw.ellipse(
            [x - r * 0.5, table - r * 1.1, x - r * 0.25, table - r * 0.85], fill=(250, 245, 235)
        )
        m.ellipse(box, fill=255)
        x += r * rng.uniform(1.9, 2.4)
    bx, bw = min(x, w * 0.8), w * 0.06
    bottle = [bx, table - h * 0.42, bx + bw, table + h * 0.02]
    draw.rounded_rectangle(bottle, radius=bw * 0.3, fill=(40, 90, 60))
    draw.rectangle(
        [bx + bw * 0.3, bottle[1] - h * 0.1, bx + bw * 0.7, bottle[1] + 4], fill=(40, 90, 60)
    )
    draw.rectangle([bx + 2, table - h * 0.25, bx + bw - 2, table - h * 0.1], fill=(235, 225, 200))
    draw.text(
        (bx + 6, table - h * 0.23),
        "CIDRE\nbrut 1894",
        fill=(60, 30, 20),
        font=_font(int(h * 0.018)),
    )
    m.rounded_rectangle(bottle, radius=bw * 0.3, fill=255)
    m.rectangle([bx + bw * 0.3, bottle[1] - h * 0.1, bx + bw * 0.7, bottle[1] + 4], fill=255)


def _draw_dark(rng, w, h, bg, fg, mask):
    bg.paste((10, 8, 7), [0, 0, w, h])
    back = ImageDraw.Draw(bg)
    table = int(h * rng.uniform(0.6, 0.7))
    back.rectangle([0, table, w, h], fill=(24, 16, 11))
    for _ in range(60):
        y = int(rng.uniform(table, h))
        back.line(
            [0, y, w, y + int(rng.normal(0, 6))], fill=(int(rng.uniform(16, 34)), 14, 9), width=2
        )
    draw, m = ImageDraw.Draw(fg), ImageDraw.Draw(mask)
    cx, r = w * rng.uniform(0.35, 0.55), h * rng.uniform(0.16, 0.22)
    body = [cx - r, table - r * 1.7, cx + r, table + r * 0.1]
    for k in range(12):  # bronze, lit from the right by the flame
        f = k / 12
        draw.ellipse(
            [
                body[0] + r * f * 0.8,
                body[1] + r * f * 0.3,
                body[2] - r * f * 0.1,
                body[3] - r * f * 0.3,
            ],
            fill=_shade((60, 38, 20), 0.5 + f),
        )
    draw.arc(body, -60, 40, fill=(200, 140, 80), width=max(2, int(r * 0.04)))
    draw.line(
        [cx - r * 0.95, table - r * 1.0, cx - r * 1.6, table - r * 1.5],
        fill=(70, 45, 25),
        width=int(r * 0.12),
    )
    draw.arc(
        [cx - r * 0.7, body[1] - r * 0.7, cx + r * 0.7, body[1] + r * 0.5],
        190,
        350,
        fill=(80, 52, 28),
        width=int(r * 0.08),
    )
    m.ellipse(body, fill=255)
    m.line(
        [cx - r * 0.95, table - r * 1.0, cx - r * 1.6, table - r * 1.5],
        fill=255,
        width=int(r * 0.12),
    )
    fx = cx + r * rng.uniform(1.6, 2.2)
    draw.rectangle([fx - r * 0.12, table - r * 0.9, fx + r * 0.12, table], fill=(200, 190, 160))
    draw.ellipse(
        [fx - r * 0.07, table - r * 1.25, fx + r * 0.07, table - r * 0.92], fill=(255, 230, 150)
    )
    draw.ellipse(
        [fx - r * 0.03, table - r * 1.12, fx + r * 0.03, table - r * 0.96], fill=(255, 255, 240)
    )
    m.rectangle([fx - r * 0.12, table - r * 1.25, fx + r * 0.12, table], fill=255)
    for _ in range(6):  # glints on the bronze
        gx, gy = cx + r * rng.uniform(0.2, 0.8), table - r * rng.uniform(0.3, 1.4)
        draw.ellipse([gx - 3, gy - 3, gx + 3, gy + 3], fill=(255, 220, 170))


def _draw_bright(rng, w, h, bg, fg, mask):
    bg.paste((238, 236, 232), [0, 0, w, h])
    back = ImageDraw.Draw(bg)
    for _ in range(14):  # folds in the linen
        x = rng.uniform(0, w)
        back.line(
            [x, 0, x + rng.normal(0, w * 0.1), h],
            fill=(224, 222, 218),
            width=int(rng.uniform(4, 14)),
        )
    for y in range(0, h, 5):  # the weave, faint
        back.line([0, y, w, y], fill=(232, 230, 226), width=1)
    draw, m = ImageDraw.Draw(fg), ImageDraw.Draw(mask)
    for i in range(rng.integers(2, 4)):
        cx, cy, r = (
            w * (0.25 + 0.25 * i + rng.uniform(-0.04, 0.04)),
            h * rng.uniform(0.45, 0.6),
            h * rng.uniform(0.12, 0.17),
        )
        back.ellipse([cx - r * 1.1, cy + r * 0.5, cx + r * 1.5, cy + r * 1.2], fill=(212, 210, 206))
        draw.rectangle([cx - r, cy - r * 0.8, cx + r, cy + r * 0.8], fill=(246, 246, 244))
        draw.rectangle([cx + r * 0.3, cy - r * 0.8, cx + r, cy + r * 0.8], fill=(226, 226, 228))
        draw.ellipse([cx - r, cy + r * 0.5, cx + r, cy + r * 1.1], fill=(236, 236, 236))
        draw.ellipse([cx - r, cy - r * 1.1, cx + r, cy - r * 0.5], fill=(250, 250, 249))
        draw.arc(
            [cx - r, cy - r * 1.1, cx + r, cy - r * 0.5], 0, 360, fill=(150, 175, 210), width=3
        )
        for k in range(5):
            yy = cy - r * 0.3 + k * r * 0.2
            draw.line(
                [cx - r * 0.8, yy, cx + r * 0.2, yy + r * 0.05], fill=(180, 198, 226), width=2
            )
        draw.arc(
            [cx + r * 0.85, cy - r * 0.4, cx + r * 1.45, cy + r * 0.3],
            -90,
            90,
            fill=(236, 236, 236),
            width=int(r * 0.12),
        )
        m.rectangle([cx - r, cy - r * 0.8, cx + r, cy + r * 0.8], fill=255)
        m.ellipse([cx - r, cy + r * 0.5, cx + r, cy + r * 1.1], fill=255)
        m.ellipse([cx - r, cy - r * 1.1, cx + r, cy - r * 0.5], fill=255)
        m.arc(
            [cx + r * 0.85, cy - r * 0.4, cx + r * 1.45, cy + r * 0.3],
            -90,
            90,
            fill=255,
            width=int(r * 0.12),
        )


def _draw_flower(rng, w, h, bg, fg, mask):
    bg.paste((40, 70, 35), [0, 0, w, h])
    back = ImageDraw.Draw(bg)
    for _ in range(900):
        x, y, s = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(0.01, 0.05) * h
        back.ellipse(
            [x, y, x + s, y + s * 0.5],
            fill=(int(rng.uniform(20, 90)), int(rng.uniform(60, 150)), int(rng.uniform(15, 60))),
        )
    for _ in range(40):  # sun through the leaves: bokeh once blurred
        x, y, s = rng.uniform(0, w), rng.uniform(0, h * 0.6), rng.uniform(0.004, 0.012) * h
        back.ellipse([x - s, y - s, x + s, y + s], fill=(255, 250, 225))
    draw, m = ImageDraw.Draw(fg), ImageDraw.Draw(mask)
    cx, cy, r = w * rng.uniform(0.4, 0.6), h * rng.uniform(0.38, 0.5), h * rng.uniform(0.17, 0.23)
    draw.line([cx, cy, cx + r * 0.3, h], fill=(60, 110, 40), width=int(r * 0.08))
    m.line([cx, cy, cx + r * 0.3, h], fill=255, width=int(r * 0.08))
    petal = tuple(
        int(c)
        for c in rng.choice([(230, 190, 40), (220, 90, 120), (240, 240, 235), (150, 90, 200)])
    )
    for k in range(14):
        a = 2 * math.pi * k / 14 + rng.normal(0, 0.05)
        pts = [
            (cx + r * 0.25 * math.cos(a + s), cy + r * 0.25 * math.sin(a + s)) for s in (-0.4, 0.4)
        ]
        pts.insert(1, (cx + r * math.cos(a), cy + r * math.sin(a)))
        draw.polygon(
            pts + [(cx, cy)], fill=_shade(petal, rng.uniform(0.8, 1.05)), outline=_shade(petal, 0.7)
        )
        m.polygon(pts + [(cx, cy)], fill=255)
        draw.line([(cx, cy), pts[1]], fill=_shade(petal, 0.75), width=1)
    draw.ellipse([cx - r * 0.3, cy - r * 0.3, cx + r * 0.3, cy + r * 0.3], fill=(90, 55, 20))
    for _ in range(260):  # seeds: fine detail on the focused subject
        a, d = rng.uniform(0, 2 * math.pi), r * 0.28 * math.sqrt(rng.uniform())
        x, y = cx + d * math.cos(a), cy + d * math.sin(a)
        draw.point(
            [(x, y), (x + 1, y)], fill=(30, 18, 8) if rng.uniform() < 0.5 else (170, 120, 40)
        )


def _draw_texture(rng, w, h, bg, fg, mask):
    variant = rng.choice(["print", "weave", "leaves"])
    draw = ImageDraw.Draw(bg)
    if variant == "print":
        bg.paste(_vertical(w, h, (236, 228, 210), (180, 170, 150)))
        size = max(7, int(h * rng.uniform(0.011, 0.016)))
        font = _font(size)
        for y in range(int(size * 0.5), h, int(size * 1.35)):
            line = " ".join(rng.choice(WORDS, 90))
            draw.text((int(rng.uniform(-size * 4, 0)), y), line, fill=(35, 30, 28), font=font)
    elif variant == "weave":
        period = int(rng.integers(5, 9))
        y, x = np.mgrid[0:h, 0:w]
        warp = rng.uniform(60, 200, 3) * rng.uniform(0.85, 1.1, (w // period + 1, 1))
        weft = rng.uniform(60, 200, 3) * rng.uniform(0.85, 1.1, (h // period + 1, 1))
        over = ((x // period + y // period) % 2 == 0)[..., None]
        cloth = np.where(over, warp[x // period], weft[y // period])
        gap = ((x % period == 0) | (y % period == 0))[..., None]
        bg.paste(
            Image.fromarray(np.clip(cloth * np.where(gap, 0.55, 1.0), 0, 255).astype(np.uint8))
        )
    else:
        bg.paste((30, 50, 25), [0, 0, w, h])
        for _ in range(int(w * h / 900)):
            x, y, s = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(0.006, 0.018) * h
            draw.ellipse(
                [x, y, x + s, y + s * 0.45],
                fill=(
                    int(rng.uniform(30, 120)),
                    int(rng.uniform(80, 190)),
                    int(rng.uniform(20, 80)),
                ),
            )
    fg.paste(bg)  # the whole plane is the subject: detail everywhere
    mask.paste(255, [0, 0, w, h])


def _draw_shelf(rng, w, h, bg, fg, mask):
    floor = int(h * 0.72)
    bg.paste((120, 100, 80), [0, 0, w, h])
    back = ImageDraw.Draw(bg)
    font = _font(int(h * 0.012))
    for shelf_y in (int(h * 0.05), int(h * 0.38)):
        x = 0
        while x < w:
            bw = int(rng.uniform(0.012, 0.03) * w)
            colour = tuple(int(c) for c in rng.uniform(30, 200, 3))
            top = shelf_y + int(rng.uniform(0, h * 0.06))
            back.rectangle([x, top, x + bw - 2, shelf_y + int(h * 0.28)], fill=colour)
            back.text(
                (x + 2, top + 10),
                "".join(rng.choice(list("ABCDEFGH"), 3)),
                fill=(230, 220, 200),
                font=font,
            )
            x += bw
        back.rectangle([0, shelf_y + int(h * 0.28), w, shelf_y + int(h * 0.3)], fill=(80, 55, 35))
    back.rectangle([0, floor, w, h], fill=(150, 130, 110))
    draw, m = ImageDraw.Draw(fg), ImageDraw.Draw(mask)
    r = h * rng.uniform(0.09, 0.13)
    cx, cy = w * rng.uniform(0.3, 0.7), floor + h * 0.12 - r
    back.ellipse([cx - r, cy + r * 0.8, cx + r * 1.3, cy + r * 1.2], fill=(90, 75, 60))
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(220, 40, 40))
    for k in range(-3, 4):
        draw.chord([cx - r, cy - r, cx + r, cy + r], 80 + k * 25, 90 + k * 25, fill=(245, 235, 210))
    draw.ellipse([cx - r * 0.5, cy - r * 0.6, cx - r * 0.25, cy - r * 0.35], fill=(255, 250, 240))
    m.ellipse([cx - r, cy - r, cx + r, cy + r], fill=255)


DRAWERS = {
    "plain": _draw_plain,
    "dark_subject": _draw_dark,
    "bright_subject": _draw_bright,
    "shallow_dof": _draw_flower,
    "fine_texture": _draw_texture,
    "motion": _draw_shelf,
}


def _linear(image: Image.Image, w: int, h: int) -> np.ndarray:
    """Reduce a drawing made at twice the size (anti-aliasing) and undo sRGB."""
    v = np.asarray(image.resize((w, h), Image.LANCZOS), dtype=np.float32) / 255.0
    v = np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)
    return v * 0.94  # the brightest paint reflects 94 %


def draw_scene(scene: str, rng, w: int, h: int) -> Layers:
    big = (2 * w, 2 * h)
    bg, fg, mask = Image.new("RGB", big), Image.new("RGB", big), Image.new("L", big, 0)
    DRAWERS[scene](rng, big[0], big[1], bg, fg, mask)
    background = _linear(bg, w, h)
    if scene == "shallow_dof":
        background = convolve(background, soft_disc(max(w, h) * rng.uniform(0.011, 0.019)))
    alpha = np.asarray(mask.resize((w, h), Image.LANCZOS), dtype=np.float32)[..., None] / 255.0
    subject = _linear(fg, w, h) * alpha
    depth = np.repeat(np.linspace(1.0, 0.0, h, dtype=np.float32)[:, None], w, axis=1)
    if scene != "fine_texture":  # the subject stands at mid depth; a texture is the tabletop
        depth = depth * (1 - alpha[..., 0]) + 0.5 * alpha[..., 0]
    return Layers(background, subject, alpha, depth)


# ---------------------------------------------------------------- optics


def soft_disc(radius: float) -> np.ndarray:
    """A lens's defocus: a disc whose edge is softened by a quarter of its radius."""
    n = int(math.ceil(radius * 1.6)) + 1
    y, x = np.mgrid[-n : n + 1, -n : n + 1]
    disc = np.clip(radius + 0.5 - np.hypot(x, y), 0, 1).astype(np.float32)
    disc = ndimage.gaussian_filter(disc, max(radius / 4, 0.3))
    return disc / disc.sum()


def arc_path(length: float, rng, sweep_deg: tuple[float, float]) -> np.ndarray:
    """A path along a circular arc, traced slowly at its ends (a hand stopping and starting)."""
    sweep = math.radians(rng.uniform(*sweep_deg)) * rng.choice([-1, 1])
    bend = length / abs(sweep)
    t = (1 - np.cos(np.linspace(0, math.pi, 600))) / 2
    angle = rng.uniform(0, 2 * math.pi)
    theta = angle + sweep * t
    x, y = bend * np.cos(theta), bend * np.sin(theta)
    x, y = x - x.mean(), y - y.mean()
    n = int(math.ceil(np.abs(np.r_[x, y]).max())) + 2
    kernel = np.zeros((2 * n + 1, 2 * n + 1), np.float32)
    for px, py in zip(x + n, y + n, strict=True):  # bilinear splats
        x0, y0 = int(px), int(py)
        fx, fy = px - x0, py - y0
        kernel[y0, x0] += (1 - fx) * (1 - fy)
        kernel[y0, x0 + 1] += fx * (1 - fy)
        kernel[y0 + 1, x0] += (1 - fx) * fy
        kernel[y0 + 1, x0 + 1] += fx * fy
    return kernel / kernel.sum()


def convolve(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return signal.fftconvolve(image, kernel, mode="same").astype(np.float32)
    return np.stack([convolve(image[..., c], kernel) for c in range(image.shape[2])], axis=2)


def depth_blur(image: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """Blur growing with a per-pixel radius, interpolated between a few fixed discs."""
    levels = np.array([0.0, 1.5, 3.0, 5.0, 8.0, 12.0])
    stack = [image] + [convolve(image, soft_disc(r)) for r in levels[1:]]
    radius = np.clip(radius, 0, levels[-1] - 1e-3)
    index = np.searchsorted(levels, radius, side="right") - 1
    t = ((radius - levels[index]) / (levels[index + 1] - levels[index]))[..., None]
    out = np.zeros_like(image)
    for i in range(len(levels) - 1):
        here = (index == i)[..., None]
        out += here * (stack[i] * (1 - t) + stack[i + 1] * t)
    return out


def framing(image: np.ndarray, out_wh, tilt_deg, crop, centre, lateral_ca) -> np.ndarray:
    """Tilt, crop (a share of the canvas's width) and lateral chromatic aberration, in one
    resampling per channel."""
    h, w = image.shape[:2]
    ow, oh = out_wh
    a = math.radians(tilt_deg)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    out = np.empty((oh, ow, 3), np.float32)
    for c, magnify in enumerate((1 + lateral_ca, 1.0, 1 - lateral_ca)):
        matrix = rot * (crop * w / ow) / magnify
        offset = np.array([h / 2 + centre[1] * h, w / 2 + centre[0] * w]) - matrix @ np.array(
            [oh / 2, ow / 2]
        )
        out[..., c] = ndimage.affine_transform(
            image[..., c], matrix, offset, output_shape=(oh, ow), order=1, mode="reflect"
        )
    return out


def vignetting(w: int, h: int, corner_stops: float) -> np.ndarray:
    """A cos^4-like fall-off reaching ``corner_stops`` below the centre in the corners."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    r = np.hypot((x - w / 2) / (w / 2), (y - h / 2) / (h / 2)) / math.sqrt(2)
    k = math.sqrt(2.0 ** (corner_stops / 2) - 1)
    return (1 / (1 + (k * r) ** 2) ** 2)[..., None]


# ---------------------------------------------------------------- sensor and rendering


def sensor(linear: np.ndarray, iso: float, rng) -> np.ndarray:
    well = WELL_E * 100 / iso
    read = 1.6 + 9.0 * 100 / iso
    electrons = rng.poisson(np.clip(linear, 0, 1.2) * well).astype(np.float32)
    electrons += rng.normal(0, read, linear.shape).astype(np.float32)
    return np.clip(np.round(electrons / well * 4095) / 4095, 0, 1)


def tone(raw: np.ndarray) -> np.ndarray:
    """Extended Reinhard: a soft shoulder that reaches white exactly at the sensor's white."""
    t = raw * CURVE_WHITE
    y = np.clip(t * (1 + t / CURVE_WHITE**2) / (1 + t), 0, 1)
    return np.where(y <= 0.0031308, y * 12.92, 1.055 * y ** (1 / 2.4) - 0.055)


def noise_reduction(rgb: np.ndarray, iso: float) -> np.ndarray:
    """A camera's NR: luma detail under a threshold cored away (smearing), chroma blurred."""
    m = np.array(
        [[0.299, 0.587, 0.114], [-0.1687, -0.3313, 0.5], [0.5, -0.4187, -0.0813]], np.float32
    )
    ycc = rgb @ m.T
    gain = max(iso / 100, 1.0)
    threshold = 0.0025 * math.sqrt(gain)
    y = ycc[..., 0]
    smooth = ndimage.gaussian_filter(y, 0.6 + 0.25 * math.log2(gain))
    detail = y - smooth
    y = smooth + detail * (1 - np.exp(-((detail / threshold) ** 2)))
    sharp = ndimage.gaussian_filter(y, 1.0)
    ycc[..., 0] = y + 0.45 * (y - sharp)  # the camera's unsharp mask
    for c in (1, 2):
        ycc[..., c] = ndimage.gaussian_filter(ycc[..., c], 0.8 + 0.6 * math.log2(gain))
    return np.clip(ycc @ np.linalg.inv(m).T, 0, 1)


# ---------------------------------------------------------------- EXIF


def exif_bytes(when: datetime, shot: dict, tags: bool = True) -> bytes:
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0131] = "Panasonic", "DC-G9", "Ver.2.4"
    exif[0x0132] = when.strftime("%Y:%m:%d %H:%M:%S")
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = sub[0x9004] = when.strftime("%Y:%m:%d %H:%M:%S")
    sub[0x9291] = sub[0x9292] = f"{when.microsecond // 1000:03d}"
    sub[0x9011] = "+02:00"
    sub[0x920A] = IFDRational(int(shot["focal"]), 1)
    sub[0xA405] = int(shot["focal"] * 2)
    sub[0x9207] = 5  # multi-segment metering
    if tags:
        seconds = shot["exposure"]
        sub[0x829A] = (
            IFDRational(1, round(1 / seconds))
            if seconds < 0.5
            else IFDRational(round(seconds * 10), 10)
        )
        sub[0x829D] = IFDRational(round(shot["fnumber"] * 10), 10)
        sub[0x8827] = int(shot["iso"])
        sub[0x8822] = 3  # aperture priority
        sub[0x9204] = IFDRational(round(shot.get("bias", 0.0) * 3), 3)
        sub[0xA402] = 2 if shot.get("bracket") else 0  # auto bracket / auto exposure
    return exif.tobytes()


# ---------------------------------------------------------------- sequences


@dataclass
class Frame:
    degradation: str | None = None
    strength: float = 0.0  # stops for exposure, ISO for noise, % of the long side for blur
    ev: float = 0.0  # brightness against the metered exposure
    iso: int = 200
    bias: float | None = None
    focus: float | None = None  # focus plane depth (focus stacks)
    light: float = 0.0  # scene light change in stops (auto-exposure drift)


def draw_strength(kind: str, rng) -> float:
    return {
        "under": rng.uniform(0.7, 2.0),
        "over": rng.uniform(0.7, 2.0),
        "noise": float(rng.choice([1600, 2000, 2500, 3200, 4000, 5000, 6400])),
        "defocus": rng.uniform(0.22, 0.5),
        "shake": rng.uniform(0.3, 0.9),
        "subject_motion": rng.uniform(0.8, 2.4),
    }[kind]


class Shoot:
    def __init__(self, folder: Path, seed: int):
        self.folder, self.rng = folder, np.random.default_rng(seed)
        self.clock = datetime(2026, 5, 16, 9, 12, 5, 120000)
        self.count, self.sequences = 0, []
        folder.mkdir(parents=True, exist_ok=True)

    def sequence(
        self,
        kind,
        scene,
        frames,
        *,
        size,
        tripod,
        interval,
        degradation=None,
        clean=None,
        tags=True,
    ):
        rng = self.rng
        ow, oh = size
        cw, ch = int(ow * CANVAS), int(oh * CANVAS)
        layers = draw_scene(scene, rng, cw, ch)
        lens = {
            "vignette": rng.uniform(0.3, 1.1),
            "ca": rng.uniform(0.0004, 0.0014),
            "focal": float(rng.choice([12, 17, 25, 42, 60])),
            "fnumber": float(rng.choice([1.7, 2.8, 4.0, 5.6, 8.0])),
        }
        if scene == "shallow_dof":
            lens["fnumber"], lens["focal"] = 1.7, 60.0
        vig = vignetting(ow, oh, lens["vignette"] * (1.3 if lens["fnumber"] < 3 else 0.8))
        base_exposure = float(rng.choice([1 / 500, 1 / 250, 1 / 125, 1 / 60, 1 / 30])) * (
            8 if scene == "dark_subject" else 1
        )
        tilt0 = rng.uniform(-1.5, 1.5) if not tripod else rng.uniform(-0.5, 0.5)
        long_side = max(ow, oh)
        motion_shift = rng.uniform(0.01, 0.025) * rng.choice([-1, 1]) * cw
        names, frame_truths = [], []
        base_iso = min(f.iso for f in frames)
        for i, frame in enumerate(frames):
            if tripod:
                tilt, crop, centre = tilt0, 0.92, rng.normal(0, 0.0003, 2)
            else:
                tilt = tilt0 + float(np.clip(rng.normal(0, 0.3), -0.5, 0.5))
                crop = rng.uniform(0.90, 0.94)
                centre = np.clip(rng.normal(0, 0.007, 2), -0.016, 0.016)
            mask, subject = layers.mask, layers.subject
            smear = 0.0
            if scene == "motion":
                smear = rng.uniform(0.25, 0.5)
                shift = motion_shift * (i - len(frames) / 2) / len(frames)
                mask, subject = (
                    ndimage.shift(mask, (0, shift, 0), order=1),
                    ndimage.shift(subject, (0, shift, 0), order=1),
                )
            if frame.degradation == "subject_motion":
                smear = max(smear, frame.strength)
            if smear:
                kernel = arc_path(smear / 100 * long_side, rng, (20, 90))
                mask, subject = convolve(mask, kernel), convolve(subject, kernel)
            linear = layers.background * (1 - mask) + subject
            if frame.focus is not None:  # thin lens: blur grows with |1/depth - 1/focus|
                near = 0.3 + layers.depth * 2.7
                radius = 14.0 * np.abs(1 / near - 1 / (0.3 + frame.focus * 2.7)) * long_side / 1440
                linear = depth_blur(linear, radius)
            if frame.degradation == "defocus":
                linear = convolve(linear, soft_disc(frame.strength / 100 * long_side))
            if frame.degradation == "shake":
                linear = convolve(
                    linear, arc_path(frame.strength / 100 * long_side, rng, (40, 160))
                )
            linear = framing(linear, (ow, oh), tilt, crop, centre, lens["ca"])
            linear = linear * vig * SCENE_TO_SENSOR * 2.0 ** (frame.ev + frame.light)
            raw = sensor(linear, frame.iso, rng)
            rgb = noise_reduction(tone(raw), frame.iso)
            exposure = base_exposure * 2.0**frame.ev * base_iso / frame.iso
            shot = {
                "exposure": exposure,
                "fnumber": lens["fnumber"],
                "iso": frame.iso,
                "focal": lens["focal"],
            }
            if frame.bias is not None:
                shot.update(bias=frame.bias, bracket=True)
            self.count += 1
            name = f"P10{self.count:05d}.JPG"
            buffer = io.BytesIO()
            Image.fromarray((rgb * 255 + 0.5).astype(np.uint8)).save(
                buffer,
                "JPEG",
                quality=int(rng.integers(88, 97)),
                subsampling=2,
                exif=exif_bytes(self.clock, shot, tags),
            )
            (self.folder / name).write_bytes(buffer.getvalue())
            names.append(name)
            frame_truth = {
                "name": name,
                "degradation": frame.degradation,
                "strength": round(frame.strength, 3),
                "ev": round(frame.ev, 3),
                "iso": frame.iso,
            }
            if frame.bias is not None:
                frame_truth["bias"] = frame.bias
            if frame.focus is not None:
                frame_truth["focus"] = round(frame.focus, 3)
            if frame.light:
                frame_truth["light"] = round(frame.light, 3)
            if smear:
                frame_truth["subject_motion"] = round(smear, 3)
            frame_truths.append(frame_truth)
            self.clock += timedelta(seconds=interval * rng.uniform(0.97, 1.03))
        self.sequences.append(
            {
                "kind": kind,
                "scene": scene,
                "degradation": degradation,
                "frames": names,
                "clean": names[clean] if clean is not None else None,
                "size": [ow, oh],
                "tripod": tripod,
                "frame_truth": frame_truths,
                "lens": lens,
            }
        )
        self.clock += timedelta(seconds=self.rng.uniform(3, 25))


def plan(rng, bursts: int) -> list[tuple]:
    """Scored bursts over every scene and degradation, then the other kinds mixed in."""
    combos = [(s, d) for s in SCENES for d in DEGRADATIONS]
    rng.shuffle(combos)
    while len(combos) < bursts:
        combos.append((rng.choice(SCENES), rng.choice(DEGRADATIONS)))
    items = [("burst", s, d) for s, d in combos[:bursts]]
    items += [("ae_drift", rng.choice(SCENES), None) for _ in range(3)]
    items += [
        ("bracket", rng.choice(["plain", "dark_subject", "bright_subject"]), m)
        for m in ("-1/0/+1", "0/-2/+2", "five")
    ]
    items += [
        ("stripped_bracket", "plain", "0/-2/+2"),
        ("focus_stack", "plain", None),
        ("focus_stack", "fine_texture", None),
    ]
    order = rng.permutation(len(items))
    return [items[i] for i in order]


def write_shoot(folder: Path, seed: int, bursts: int = 40) -> dict:
    shoot = Shoot(folder, seed)
    rng = shoot.rng
    scored = 0
    for kind, scene, what in plan(rng, bursts):
        portrait = rng.uniform() < 0.2
        if kind == "burst":
            scored += 1
            size = LARGE if scored % 8 == 0 else SIZE
            size = size[::-1] if portrait else size
            n = int(rng.integers(3, 8))
            clean = int(rng.integers(0, n))
            base_iso = int(rng.choice([100, 200, 400])) * (4 if scene == "dark_subject" else 1)
            frames = []
            for i in range(n):
                if i == clean:
                    frames.append(Frame(iso=base_iso))
                    continue
                s = draw_strength(what, rng)
                f = Frame(what, s, iso=base_iso)
                if what == "under":
                    f.ev = -s
                elif what == "over":
                    f.ev = s
                elif what == "noise":
                    f.iso = int(s)
                frames.append(f)
            shoot.sequence(
                "burst",
                scene,
                frames,
                size=size,
                tripod=False,
                interval=1 / rng.choice([4, 6, 8, 10, 12]),
                degradation=what,
                clean=clean,
            )
        elif kind == "ae_drift":
            n, ev, frames = int(rng.integers(5, 9)), 0.0, []
            for _ in range(n):
                frames.append(Frame(ev=ev, light=-0.6 * ev, iso=200))
                step = float(rng.choice([1 / 3, 2 / 3])) * rng.choice([-1, 1])
                ev += step if abs(ev + step) <= 1.34 else -step  # the meter wanders, within limits
            shoot.sequence(
                "ae_drift",
                scene,
                frames,
                size=SIZE,
                tripod=False,
                interval=1 / rng.choice([5, 8, 10]),
                degradation="ae_drift",
            )
        elif kind in ("bracket", "stripped_bracket"):
            steps = {"-1/0/+1": [-1, 0, 1], "0/-2/+2": [0, -2, 2], "five": [-2, -1, 0, 1, 2]}[what]
            frames = [Frame(ev=float(e), bias=float(e), iso=100) for e in steps]
            shoot.sequence(
                kind,
                scene,
                frames,
                size=SIZE,
                tripod=True,
                interval=rng.uniform(0.15, 0.3),
                degradation=what,
                tags=kind == "bracket",
            )
        else:
            n = int(rng.integers(5, 8))
            frames = [Frame(focus=float(f), iso=100) for f in np.linspace(0.05, 0.95, n)]
            shoot.sequence(
                "focus_stack", scene, frames, size=SIZE, tripod=True, interval=rng.uniform(0.3, 0.6)
            )
    truth = {"generator": "atelier", "seed": seed, "sequences": shoot.sequences}
    Path(str(folder) + ".truth.json").write_text(json.dumps(truth, indent=1))
    return truth


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bursts", type=int, default=40)
    args = parser.parse_args(argv)
    truth = write_shoot(args.out, args.seed, args.bursts)
    frames = sum(len(s["frames"]) for s in truth["sequences"])
    print(f"{args.out}: {len(truth['sequences'])} sequences, {frames} frames")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
