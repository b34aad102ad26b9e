"""Raycast bursts: ray-cast tabletop scenes with real depth, shot through a raw camera model.

A held-out shoot for the whole command that shares no code, parameters or source pictures
with the scorer or the project's other burst generators.  No photograph is used: each scene
is ray-cast in numpy in linear light (spheres on a textured table before a wall, a key
light with soft shadows from the spheres, sky fill and Blinn-Phong highlights), which gives
every pixel its true distance, and a mask of the one subject sphere.  Scene types:

- ``plain``: coloured balls on a wooden table before a painted wall, f/8;
- ``shallow_dof``: a ball 0.7-1.1 m away before far glints, at f/1.8-2.8;
- ``dark_subject``: a dark bronze ball on black cloth, lit by one warm lamp;
- ``bright_subject``: white and pale balls on white linen (high key, nothing clipped);
- ``fine_texture``: pebbles, woven cloth and fine print on the table, wall and balls;
- ``subject_motion``: a ball rolling across the table, smeared in every frame.

The camera, frame by frame: the moving subject blurred on its own layer (the background it
uncovers ray-cast without it), its shadow blurred by the same motion; defocus as discs
whose radii follow the thin lens from depth and the focus distance, applied by layers of
depth composited far to near (a subject in focus keeps a sharp outline over a blurred
background, as through a lens); camera shake as a random-walk trajectory kernel; hand-held
framing (rotation, keystone perspective, shift) on the linear image; exposure as a scale;
white balance undone onto an RGGB mosaic whose photosites count Poisson electrons (18 000
e- at white at ISO 100) plus Gaussian read noise falling with gain, quantised to 14 bits
and clipped; gradient-corrected (Malvar) demosaicing, so the noise is correlated across
colours; white balance, a colour matrix, noise reduction from ISO 1600 (chroma blurred,
luma partly smoothed), a tone curve with an exponential highlight shoulder reaching white
at the sensor's white, sRGB encoding, a mild unsharp mask, JPEG at quality 80-96 with
4:4:4, 4:2:2 or 4:2:0 chroma.  EXIF: make, model, capture time with milliseconds, exposure
time, f-number, ISO, focal length, and for brackets the bias and exposure mode.

    python benchmarks/raycast_bursts.py /tmp/gen4/raycast_seed1 --seed 1 --bursts 40
    python benchmarks/raycast_bursts.py DIR --seed 100 --bursts 20 \
        --degradations subject_motion --bursts-only   # a tuning shoot of one defect
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from PIL import Image, TiffImagePlugin
from scipy import ndimage, signal

SCENES = (
    "plain",
    "shallow_dof",
    "dark_subject",
    "bright_subject",
    "fine_texture",
    "subject_motion",
)
DEGRADATIONS = ("under_exposed", "over_exposed", "noise", "defocus", "shake", "subject_motion")
CAMERAS = (("OLYMPUS CORPORATION", "E-M5MarkIII"), ("Panasonic", "DC-G9"), ("SONY", "ILCE-6400"))
WELL_AT_BASE = 18000.0  # electrons at the sensor's white at ISO 100
WHITE_DN = 16383  # 14-bit raw
RENDER_MARGIN = 1.08  # the scene is cast this much wider than the frame, for the framing
SHOULDER_KNEE = 0.45  # linear level where the tone curve starts to roll off
SHOULDER_WIDTH = 0.3
COLOUR_MATRIX = np.array([[1.38, -0.28, -0.10], [-0.16, 1.30, -0.14], [-0.04, -0.36, 1.40]])


# --------------------------------------------------------------------------- scenes


@dataclass
class Ball:
    centre: tuple[float, float, float]
    radius: float
    albedo: object  # (points, normals) -> (n, 3) linear albedo
    shine: float = 0.2
    subject: bool = False


@dataclass
class Scene:
    kind: str
    table_height: float  # camera height above the table, metres
    wall_distance: float
    table: object  # (x, z) -> (n, 3)
    wall: object  # (x, y) -> (n, 3)
    balls: list[Ball]
    light: tuple[float, float, float]
    light_colour: tuple[float, float, float]
    light_power: float
    fill: float
    fov_degrees: float
    pitch_degrees: float
    f_number: float
    focus: float  # distance in focus in the clean frame, metres
    focal_mm: float
    glints: list = field(default_factory=list)  # small bright balls far away (bokeh)
    motion: tuple[float, float] = (0.0, 0.0)  # base smear of the subject (dx, dy), fraction


def _hash2(i, j, salt):
    return np.modf(np.abs(np.sin(i * 12.9898 + j * 78.233 + salt * 3.71) * 43758.5453))[0]


def _waves(rng, count, low, high):
    """A random sum of plane waves: a texture with energy between two spatial frequencies."""
    freqs = np.exp(rng.uniform(np.log(low), np.log(high), count))
    angles = rng.uniform(0, np.pi, count)
    phases = rng.uniform(0, 2 * np.pi, count)
    weights = freqs**-0.6
    weights /= weights.sum()

    def texture(u, v):
        out = np.zeros_like(u)
        for f, a, p, w in zip(freqs, angles, phases, weights, strict=True):
            out += w * np.sin(2 * np.pi * f * (u * np.cos(a) + v * np.sin(a)) + p)
        return out

    return texture


def _tint(base, contrast, pattern):
    base = np.asarray(base, dtype=np.float32)

    def albedo(u, v):
        t = np.clip(1 + contrast * pattern(u, v), 0.05, 2.0)
        return (t[:, None] * base[None, :]).astype(np.float32)

    return albedo


def _wood(rng, base):
    grain = _waves(rng, 10, 2, 40)
    salt = rng.uniform(0, 100)

    def albedo(x, z):
        rings = np.sin(60 * (z + 0.05 * grain(x, z)) + 3 * np.sin(4 * x + salt))
        t = 0.8 + 0.15 * rings + 0.12 * grain(x * 0.3, z * 3)
        return (t[:, None] * np.asarray(base, np.float32)[None, :]).astype(np.float32)

    return albedo


def _pebbles(rng, base, cell):
    salt = rng.uniform(0, 100)
    base = np.asarray(base, np.float32)

    def albedo(u, v):
        i, j = np.floor(u / cell), np.floor(v / cell)
        fu, fv = u / cell - i, v / cell - j
        r = _hash2(i, j, salt)
        edge = np.minimum(np.minimum(fu, 1 - fu), np.minimum(fv, 1 - fv))
        t = (0.55 + 0.7 * r) * np.clip(edge * 9, 0.25, 1.0)
        return (t[:, None] * base[None, :] * (0.85 + 0.3 * _hash2(j, i, salt))[:, None]).astype(
            np.float32
        )

    return albedo


def _weave(rng, base, pitch):
    base = np.asarray(base, np.float32)
    other = base * np.asarray(rng.uniform(0.5, 0.9, 3), np.float32)

    def albedo(u, v):
        a, b = np.sin(2 * np.pi * u / pitch), np.sin(2 * np.pi * v / pitch)
        over = (np.floor(u / pitch) + np.floor(v / pitch)) % 2 == 0
        t = np.where(over, 0.75 + 0.25 * np.abs(a), 0.75 + 0.25 * np.abs(b))
        colour = np.where(over[:, None], base[None, :], other[None, :])
        return (t[:, None] * colour).astype(np.float32)

    return albedo


def _print(rng, paper, ink, line):
    """Rows of small dark marks like text on paper."""
    salt = rng.uniform(0, 100)
    paper, ink = np.asarray(paper, np.float32), np.asarray(ink, np.float32)

    def albedo(u, v):
        row, col = np.floor(v / line), np.floor(u / (line * 0.55))
        fv, fu = v / line - row, u / (line * 0.55) - col
        glyph = (_hash2(row, col, salt) > 0.25) & (fv > 0.25) & (fv < 0.8) & (fu > 0.15)
        stroke = _hash2(col, row * 3 + np.floor(fu * 4), salt) > 0.45
        dark = (glyph & stroke & (np.floor(row) % 7 != 6)).astype(np.float32)
        return (paper[None, :] * (1 - dark[:, None]) + ink[None, :] * dark[:, None]).astype(
            np.float32
        )

    return albedo


def _ball_albedo(texture):
    """A ball's texture in its own angular coordinates."""

    def albedo(points, normals):
        u = np.arctan2(normals[:, 0], normals[:, 2])
        v = np.arcsin(np.clip(normals[:, 1], -1, 1))
        return texture(u, v)

    return albedo


def make_scene(kind: str, rng: np.random.Generator) -> Scene:
    """A scene of the kind, its camera aimed so the subject sits a little below the centre."""
    scene = _compose(kind, rng)
    subject = next(b for b in scene.balls if b.subject)
    below = math.atan2(scene.table_height - subject.radius, subject.centre[2])
    half_height = math.atan(math.tan(math.radians(scene.fov_degrees) / 2) * 2 / 3)
    scene.pitch_degrees = math.degrees(below - rng.uniform(0.15, 0.4) * half_height)
    scene.focus = float(np.linalg.norm(subject.centre)) - 0.7 * subject.radius
    return scene


def _compose(kind: str, rng: np.random.Generator) -> Scene:
    colour = lambda lo, hi: tuple(rng.uniform(lo, hi, 3))  # noqa: E731
    height = rng.uniform(0.35, 0.7)
    wall = rng.uniform(2.2, 4.0)
    light = (rng.uniform(-2, 2), rng.uniform(1.2, 2.5), rng.uniform(-0.5, 1.5))
    common = dict(
        table_height=height,
        wall_distance=wall,
        light=light,
        light_colour=(1.0, 0.97, 0.92),
        light_power=rng.uniform(3, 5),
        fill=0.18,
        fov_degrees=rng.uniform(38, 54),
        pitch_degrees=0.0,
        f_number=8.0,
        focal_mm=25.0,
    )
    plain_wall = _tint(colour(0.35, 0.7), 0.08, _waves(rng, 6, 0.3, 3))

    def balls_near(subject_albedo, subject_shine, subject_distance, others, other_albedo):
        r = rng.uniform(0.07, 0.11)
        z = subject_distance
        out = [
            Ball((rng.uniform(-0.08, 0.08), -height + r, z), r, subject_albedo, subject_shine, True)
        ]
        for k in range(others):
            ro = rng.uniform(0.04, 0.09)
            out.append(
                Ball(
                    (rng.uniform(-0.6, 0.6), -height + ro, z + rng.uniform(0.25, 1.2)),
                    ro,
                    other_albedo(k),
                    rng.uniform(0.05, 0.4),
                )
            )
        return out

    def coloured(k):
        return _ball_albedo(_tint(colour(0.15, 0.8), 0.1, _waves(rng, 5, 0.5, 3)))

    if kind == "plain":
        subject = _ball_albedo(_tint(colour(0.2, 0.8), 0.15, _waves(rng, 6, 0.5, 4)))
        balls = balls_near(subject, 0.35, rng.uniform(0.8, 1.2), 3, coloured)
        distance = balls[0].centre[2]
        return Scene(
            kind,
            table=_wood(rng, colour(0.3, 0.55)),
            wall=plain_wall,
            balls=balls,
            focus=distance,
            **common,
        )
    if kind == "shallow_dof":
        subject = _ball_albedo(_tint(colour(0.3, 0.85), 0.25, _waves(rng, 8, 1, 8)))
        balls = balls_near(subject, 0.5, rng.uniform(0.7, 1.1), 2, coloured)
        glints = [
            Ball(
                (rng.uniform(-1.5, 1.5), rng.uniform(-0.2, 1.2), wall - 0.1),
                rng.uniform(0.006, 0.015),
                _ball_albedo(_tint(colour(0.8, 1.0), 0, _waves(rng, 1, 1, 2))),
                0.0,
            )
            for _ in range(int(rng.integers(10, 25)))
        ]
        common.update(f_number=float(rng.choice([1.8, 2.0, 2.8])), focal_mm=50.0)
        common["fov_degrees"] = rng.uniform(24, 34)
        return Scene(
            kind,
            table=_wood(rng, colour(0.25, 0.5)),
            wall=_tint(colour(0.1, 0.4), 0.5, _waves(rng, 14, 0.5, 6)),
            balls=balls,
            focus=balls[0].centre[2],
            glints=glints,
            **common,
        )
    if kind == "dark_subject":
        bronze = _ball_albedo(_tint((0.16, 0.09, 0.04), 0.2, _waves(rng, 8, 1, 6)))
        balls = balls_near(bronze, 0.9, rng.uniform(0.7, 1.1), 2, lambda k: bronze)
        common.update(
            light=(rng.uniform(-0.9, 0.9), rng.uniform(0.3, 0.7), balls[0].centre[2] - 0.2),
            light_colour=(1.0, 0.72, 0.42),
            light_power=rng.uniform(0.5, 0.8),
            fill=0.004,
        )
        return Scene(
            kind,
            table=_tint((0.025, 0.022, 0.02), 0.3, _waves(rng, 8, 5, 40)),
            wall=_tint((0.02, 0.02, 0.025), 0.2, _waves(rng, 5, 0.3, 2)),
            balls=balls,
            focus=balls[0].centre[2],
            **common,
        )
    if kind == "bright_subject":
        white = lambda k: _ball_albedo(  # noqa: E731
            _tint(tuple(rng.uniform(0.78, 0.9, 3)), 0.03, _waves(rng, 4, 0.5, 3))
        )
        balls = balls_near(white(0), 0.15, rng.uniform(0.8, 1.2), 3, white)
        common.update(fill=0.75, light_power=rng.uniform(1.5, 2.5))
        return Scene(
            kind,
            table=_weave(rng, (0.86, 0.85, 0.82), rng.uniform(0.004, 0.008)),
            wall=_tint((0.88, 0.88, 0.86), 0.03, _waves(rng, 4, 0.3, 2)),
            balls=balls,
            focus=balls[0].centre[2],
            **common,
        )
    if kind == "fine_texture":
        pick = int(rng.integers(3))
        table = (
            _pebbles(rng, colour(0.35, 0.65), rng.uniform(0.004, 0.008))
            if pick == 0
            else _weave(rng, colour(0.3, 0.7), rng.uniform(0.002, 0.004))
            if pick == 1
            else _print(rng, (0.8, 0.78, 0.7), (0.05, 0.05, 0.06), rng.uniform(0.004, 0.007))
        )
        subject = _ball_albedo(_pebbles(rng, colour(0.3, 0.8), 0.05))
        balls = balls_near(subject, 0.25, rng.uniform(0.8, 1.1), 2, coloured)
        common.update(f_number=11.0)
        return Scene(
            kind,
            table=table,
            wall=_print(rng, (0.75, 0.72, 0.66), (0.1, 0.1, 0.12), rng.uniform(0.012, 0.02)),
            balls=balls,
            focus=balls[0].centre[2],
            **common,
        )
    if kind == "subject_motion":
        stripes = _waves(rng, 3, 2, 4)
        subject = _ball_albedo(_tint(colour(0.3, 0.8), 0.6, stripes))
        balls = balls_near(subject, 0.4, rng.uniform(0.8, 1.1), 2, coloured)
        angle = rng.uniform(-0.3, 0.3)
        smear = rng.uniform(0.004, 0.009)
        return Scene(
            kind,
            table=_wood(rng, colour(0.3, 0.55)),
            wall=plain_wall,
            balls=balls,
            focus=balls[0].centre[2],
            motion=(smear * math.cos(angle), smear * math.sin(angle)),
            **common,
        )
    raise ValueError(kind)


def _sphere_hits(origin, dirs, centre, radius):
    oc = origin - np.asarray(centre, np.float32)
    b = dirs @ oc
    c = float(oc @ oc) - radius * radius
    disc = b * b - c
    t = -b - np.sqrt(np.maximum(disc, 0))
    return np.where((disc > 0) & (t > 1e-4), t, np.inf)


def _shadow(points, light, balls):
    """Soft shadows: how far a ray to the light passes from each ball, against a penumbra."""
    to_light = np.asarray(light, np.float32)[None, :] - points
    distance = np.linalg.norm(to_light, axis=1)
    d = to_light / distance[:, None]
    lit = np.ones(len(points), np.float32)
    for ball in balls:
        oc = np.asarray(ball.centre, np.float32)[None, :] - points
        along = np.einsum("ij,ij->i", oc, d)
        gap = np.linalg.norm(oc - along[:, None] * d, axis=1) - ball.radius
        soft = 0.04 * np.maximum(along, 0) + 1e-3
        block = np.clip(0.5 + gap / soft, 0, 1)
        lit *= np.where((along > 0) & (along < distance), block, 1.0)
    return lit


def _rays(scene: Scene, width: int, height: int, dx: float, dy: float) -> np.ndarray:
    """Unit ray directions through each pixel (offset by dx, dy pixels), camera pitched down."""
    f = 0.5 * width / math.tan(math.radians(scene.fov_degrees) / 2)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    dirs = np.stack([(xs + dx - width / 2) / f, -(ys + dy - height / 2) / f, np.ones_like(xs)], -1)
    pitch = math.radians(scene.pitch_degrees)
    rot = np.array(
        [[1, 0, 0], [0, math.cos(pitch), -math.sin(pitch)], [0, math.sin(pitch), math.cos(pitch)]],
        np.float32,
    )
    dirs = dirs.reshape(-1, 3) @ rot.T
    return dirs / np.linalg.norm(dirs, axis=1, keepdims=True)


def _plane_albedo(scene, width, height, on, axis, texture):
    """A plane's texture averaged over four points inside the pixel, so fine patterns far
    away blend as a lens would rather than alias."""
    total = 0
    for dx, dy in ((-0.25, -0.25), (0.25, -0.25), (-0.25, 0.25), (0.25, 0.25)):
        d = _rays(scene, width, height, dx, dy)[on]
        level = -scene.table_height if axis == 1 else scene.wall_distance
        t = level / np.where(np.abs(d[:, axis]) > 1e-6, d[:, axis], 1e-6)
        total = total + texture(d * t[:, None])
    return total / 4


def render(scene: Scene, width: int, height: int, with_subject: bool = True):
    """Linear RGB, depth along the ray (metres) and the subject's mask."""
    dirs = _rays(scene, width, height, 0.0, 0.0)
    origin = np.zeros(3, np.float32)
    balls = [b for b in scene.balls if with_subject or not b.subject] + scene.glints

    t_table = np.where(
        dirs[:, 1] < -1e-6, -scene.table_height / np.minimum(dirs[:, 1], -1e-6), np.inf
    )
    t_wall = np.where(dirs[:, 2] > 1e-6, scene.wall_distance / np.maximum(dirs[:, 2], 1e-6), np.inf)
    t_all = [t_table, t_wall] + [_sphere_hits(origin, dirs, b.centre, b.radius) for b in balls]
    which = np.argmin(np.stack(t_all), axis=0)
    depth = np.min(np.stack(t_all), axis=0)
    depth = np.where(np.isfinite(depth), depth, scene.wall_distance * 3)
    points = dirs * depth[:, None]
    normals = np.zeros_like(points)
    albedo = np.zeros_like(points)
    shine = np.zeros(len(points), np.float32)
    glow = np.zeros(len(points), np.float32)
    on = which == 0
    normals[on] = (0, 1, 0)
    albedo[on] = _plane_albedo(scene, width, height, on, 1, lambda p: scene.table(p[:, 0], p[:, 2]))
    on = which == 1
    normals[on] = (0, 0, -1)
    albedo[on] = _plane_albedo(scene, width, height, on, 2, lambda p: scene.wall(p[:, 0], p[:, 1]))
    subject = np.zeros(len(points), bool)
    for k, ball in enumerate(balls):
        on = which == k + 2
        if not on.any():
            continue
        n = (points[on] - np.asarray(ball.centre, np.float32)) / ball.radius
        normals[on] = n
        albedo[on] = ball.albedo(points[on], n)
        shine[on] = ball.shine
        subject[on] = ball.subject
        if ball in scene.glints:
            glow[on] = 1.0

    to_light = np.asarray(scene.light, np.float32)[None, :] - points
    dist2 = np.einsum("ij,ij->i", to_light, to_light)
    l_dir = to_light / np.sqrt(dist2)[:, None]
    lambert = np.clip(np.einsum("ij,ij->i", normals, l_dir), 0, None)
    lit = _shadow(points + normals * 1e-3, scene.light, [b for b in balls if b not in scene.glints])
    irradiance = scene.light_power * lambert * lit / np.maximum(dist2, 0.05)
    sky = scene.fill * (0.6 + 0.4 * normals[:, 1])
    half = l_dir - dirs
    half /= np.linalg.norm(half, axis=1, keepdims=True) + 1e-6
    spec = shine * np.clip(np.einsum("ij,ij->i", normals, half), 0, 1) ** 60 * irradiance
    colour = np.asarray(scene.light_colour, np.float32)
    rgb = albedo * (irradiance[:, None] * colour[None, :] + sky[:, None]) + spec[:, None] * colour
    rgb += glow[:, None] * 4.0 * albedo
    return (
        rgb.reshape(height, width, 3).astype(np.float32),
        depth.reshape(height, width).astype(np.float32),
        subject.reshape(height, width),
    )


# --------------------------------------------------------------------------- optics


def disc_kernel(radius: float) -> np.ndarray:
    """A lens's blur: a uniform disc with an anti-aliased rim."""
    r = max(radius, 0.5)
    n = int(math.ceil(r)) + 1
    y, x = np.mgrid[-n : n + 1, -n : n + 1]
    k = np.clip(r + 0.5 - np.hypot(x, y), 0, 1).astype(np.float32)
    return k / k.sum()


def convolve(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    if kernel.shape == (1, 1):
        return image
    pad = max(kernel.shape) // 2 + 1
    padded = np.pad(image, ((pad, pad), (pad, pad), (0, 0)), mode="reflect")
    out = np.stack(
        [signal.oaconvolve(padded[..., c], kernel, mode="same") for c in range(image.shape[2])],
        -1,
    )
    return out[pad:-pad, pad:-pad].astype(np.float32)


def lens_coefficient(scene: Scene, render_width: float) -> float:
    """Thin lens, focus far beyond the focal length: blur radius in pixels per dioptre of
    defocus is half the aperture's diameter times the focal length in pixels."""
    focal_px = 0.5 * render_width / math.tan(math.radians(scene.fov_degrees) / 2)
    return 0.5 * (scene.focal_mm / 1000.0 / scene.f_number) * focal_px


LEVELS = (0.0, 0.7, 1.4, 2.3, 3.5, 5.0, 7.0, 10.0, 14.0, 19.0, 26.0, 34.0)  # disc radii, px


def defocus(image, depth, focus, coefficient):
    """Depth of field by layers of depth, composited far to near.

    Each pixel belongs to the two layers whose blur radii bracket its own (signed: behind
    the focus or before it), by how near it lies to each; every layer's colour and coverage
    is blurred by its own disc and laid over what lies behind it.  So, as through a lens, a
    subject in focus keeps a sharp outline over a blurred background (the background's
    blur never gathers the subject's colour, which a per-pixel gather would spread over it
    as a halo), and a blurred subject spreads over a sharp background behind it.  Where
    a nearer layer hid what lies behind it, the coverage composited so far fills in
    (normalised at the end)."""
    # Thin lens: the blur circle grows with |1/z - 1/focus|; > 0 before the focus, < 0 behind.
    signed = coefficient * (1.0 / depth - 1.0 / focus)
    levels = np.array([-r for r in LEVELS[:0:-1]] + list(LEVELS))
    colour = np.zeros_like(image)
    cover = np.zeros(image.shape[:2] + (1,), np.float32)
    for k, level in enumerate(levels):  # far (most negative) to near
        # The pixel's share in this layer: 1 at its radius, falling to 0 at the next layers'
        # (beyond the outermost, all of it).
        w = np.interp(signed, levels, np.eye(len(levels))[k]).astype(np.float32)
        if w.max() <= 1e-4:
            continue
        layer = np.concatenate([image * w[..., None], w[..., None]], axis=-1)
        blurred = convolve(layer, disc_kernel(abs(float(level)))) if level else layer
        alpha = np.clip(blurred[..., 3:], 0.0, 1.0)
        colour = colour * (1.0 - alpha) + blurred[..., :3]
        cover = cover * (1.0 - alpha) + alpha
    return colour / np.maximum(cover, 1e-6)


def shake_kernel(rng, extent: float) -> np.ndarray:
    """A hand's tremor during the exposure: a random walk with momentum, rasterised."""
    steps = 400
    velocity = np.zeros(2)
    path = np.zeros((steps, 2))
    for i in range(1, steps):
        velocity = 0.92 * velocity + rng.normal(0, 1, 2)
        path[i] = path[i - 1] + velocity
    path -= path.mean(0)
    span = np.abs(path).max() * 2 or 1.0
    path *= extent / span
    return rasterise(path, int(math.ceil(extent / 2)) + 2)


def line_kernel(dx: float, dy: float) -> np.ndarray:
    """A subject moving at constant speed: its smear along a straight segment."""
    length = math.hypot(dx, dy)
    steps = np.linspace(-0.5, 0.5, max(int(length * 4), 2))
    return rasterise(np.stack([steps * dx, steps * dy], -1), int(math.ceil(length / 2)) + 2)


def rasterise(path, reach: int) -> np.ndarray:
    """A path of sub-pixel points splatted bilinearly into a normalised kernel."""
    kernel = np.zeros((2 * reach + 1, 2 * reach + 1), np.float32)
    for x, y in path:
        x0, y0 = math.floor(x), math.floor(y)
        fx, fy = x - x0, y - y0
        for dx, dy, w in (
            (0, 0, (1 - fx) * (1 - fy)),
            (1, 0, fx * (1 - fy)),
            (0, 1, (1 - fx) * fy),
            (1, 1, fx * fy),
        ):
            kernel[reach + y0 + dy, reach + x0 + dx] += w
    return kernel / kernel.sum()


def move_subject(image, background, mask, smear):
    """Blur the subject's layer alone and lay it over the background it uncovers, its
    shadow moved with it: the light the subject takes from the background (where the
    background shows, the scene with it against the scene without it) blurred by the same
    motion.  The shadow under the subject itself is unseen and not carried."""
    kernel = line_kernel(*smear)
    alpha = convolve(mask[..., None].astype(np.float32), kernel)
    layer = convolve(image * mask[..., None], kernel)
    lit = image.sum(-1, keepdims=True) / np.maximum(background.sum(-1, keepdims=True), 1e-6)
    shadow = np.where(mask[..., None], 0.0, 1.0 - np.clip(lit, 0.0, 1.0)).astype(np.float32)
    shaded = background * (1.0 - convolve(shadow, kernel))
    return shaded * (1 - alpha) + layer


def warp(image, rotation_deg, keystone, shift, out_w, out_h):
    """Hand-held framing: rotate, tilt (perspective) and shift, then crop to the frame."""
    h, w = image.shape[:2]
    cx, cy = w / 2 + shift[0], h / 2 + shift[1]
    a = math.radians(rotation_deg)
    corners = []
    for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
        x, y = sx * out_w / 2, sy * out_h / 2
        x *= 1 + keystone[0] * sy
        y *= 1 + keystone[1] * sx
        corners += [cx + x * math.cos(a) - y * math.sin(a), cy + x * math.sin(a) + y * math.cos(a)]
    coeffs = _perspective((0, 0, out_w, 0, out_w, out_h, 0, out_h), corners)
    channels = [
        np.asarray(
            Image.fromarray(image[..., c]).transform(
                (out_w, out_h), Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC
            )
        )
        for c in range(3)
    ]
    return np.stack(channels, -1)


def _perspective(dst, src):
    """Coefficients mapping output pixels to input pixels (Pillow's PERSPECTIVE)."""
    rows = []
    for (x, y), (u, v) in zip(
        zip(dst[0::2], dst[1::2], strict=True), zip(src[0::2], src[1::2], strict=True), strict=True
    ):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    return tuple(np.linalg.solve(np.asarray(rows, float), np.asarray(src, float)))


# --------------------------------------------------------------------------- sensor


MALVAR_G = (
    np.array(
        [[0, 0, -1, 0, 0], [0, 0, 2, 0, 0], [-1, 2, 4, 2, -1], [0, 0, 2, 0, 0], [0, 0, -1, 0, 0]]
    )
    / 8.0
)
MALVAR_ROW = (
    np.array(
        [
            [0, 0, 0.5, 0, 0],
            [0, -1, 0, -1, 0],
            [-1, 4, 5, 4, -1],
            [0, -1, 0, -1, 0],
            [0, 0, 0.5, 0, 0],
        ]
    )
    / 8.0
)
MALVAR_DIAG = (
    np.array(
        [
            [0, 0, -1.5, 0, 0],
            [0, 2, 0, 2, 0],
            [-1.5, 0, 6, 0, -1.5],
            [0, 2, 0, 2, 0],
            [0, 0, -1.5, 0, 0],
        ]
    )
    / 8.0
)


def mosaic(raw_rgb):
    h, w = raw_rgb.shape[:2]
    m = np.empty((h, w), np.float32)
    m[0::2, 0::2] = raw_rgb[0::2, 0::2, 0]
    m[0::2, 1::2] = raw_rgb[0::2, 1::2, 1]
    m[1::2, 0::2] = raw_rgb[1::2, 0::2, 1]
    m[1::2, 1::2] = raw_rgb[1::2, 1::2, 2]
    return m


def demosaic(m):
    """Malvar-He-Cutler gradient-corrected interpolation of an RGGB mosaic."""
    g = ndimage.correlate(m, MALVAR_G, mode="mirror")
    row = ndimage.correlate(m, MALVAR_ROW, mode="mirror")
    col = ndimage.correlate(m, MALVAR_ROW.T, mode="mirror")
    diag = ndimage.correlate(m, MALVAR_DIAG, mode="mirror")
    out = np.empty(m.shape + (3,), np.float32)
    r_, gr, gb, b_ = (
        (slice(0, None, 2), slice(0, None, 2)),
        (slice(0, None, 2), slice(1, None, 2)),
        (slice(1, None, 2), slice(0, None, 2)),
        (slice(1, None, 2), slice(1, None, 2)),
    )
    out[..., 1] = g
    out[gr + (1,)] = m[gr]
    out[gb + (1,)] = m[gb]
    out[r_ + (0,)] = m[r_]
    out[gr + (0,)] = row[gr]
    out[gb + (0,)] = col[gb]
    out[b_ + (0,)] = diag[b_]
    out[b_ + (2,)] = m[b_]
    out[gb + (2,)] = row[gb]
    out[gr + (2,)] = col[gr]
    out[r_ + (2,)] = diag[r_]
    return out


def sensor(rng, linear, iso, white_balance):
    """Photons and electronics: Poisson electrons, Gaussian read noise, 14 bits, clipped."""
    well = WELL_AT_BASE * 100.0 / iso
    read_noise = 2.2 + 9.0 * 100.0 / iso  # electrons, falling with gain
    raw = linear / np.asarray(white_balance, np.float32)[None, None, :]
    electrons = np.clip(mosaic(raw), 0, None) * well
    electrons = rng.poisson(electrons).astype(np.float32) + rng.normal(
        0, read_noise, electrons.shape
    )
    dn = np.clip(np.round(electrons / well * WHITE_DN), 0, WHITE_DN) / WHITE_DN
    rgb = demosaic(dn.astype(np.float32)) * np.asarray(white_balance, np.float32)[None, None, :]
    rgb = np.clip(rgb, 0, None) @ COLOUR_MATRIX.T.astype(np.float32)
    return np.clip(rgb, 0, None)


def noise_reduction(rgb, iso):
    """What a camera does from ISO 1600: chroma smoothed hard, luma smoothed a little."""
    if iso < 1600:
        return rgb
    strength = min(math.log2(iso / 800), 4)
    y = rgb @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    chroma = rgb - y[..., None]
    chroma = np.stack(
        [ndimage.gaussian_filter(chroma[..., c], 0.8 * strength) for c in range(3)], -1
    )
    smooth = ndimage.gaussian_filter(y, 0.7)
    mix = 0.12 * strength
    y = y * (1 - mix) + smooth * mix
    return np.clip(y[..., None] + chroma, 0, None)


def tone(rgb):
    """A camera's curve: linear to a knee, then an exponential shoulder reaching white at the
    sensor's white, then sRGB encoding."""
    k, w = SHOULDER_KNEE, SHOULDER_WIDTH
    top = 1 - math.exp(-(1 - k) / w)
    x = np.clip(rgb, 0, 1)
    shoulder = k + (1 - k) * (1 - np.exp(-(x - k) / w)) / top
    x = np.where(x < k, x, shoulder)
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * np.power(x, 1 / 2.4) - 0.055)


def sharpen(encoded):
    soft = np.stack([ndimage.gaussian_filter(encoded[..., c], 1.0) for c in range(3)], -1)
    return encoded + 0.35 * (encoded - soft)


# --------------------------------------------------------------------------- files


def exif_bytes(make, model, when: datetime, tags: dict) -> bytes:
    exif = Image.Exif()
    stamp = when.strftime("%Y:%m:%d %H:%M:%S")
    exif[0x010F], exif[0x0110], exif[0x0132] = make, model, stamp
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = stamp
    sub[0x9004] = stamp
    sub[0x9291] = f"{when.microsecond // 1000:03d}"
    sub[0x9290] = sub[0x9291]
    if "exposure_time" in tags:
        num, den = _shutter_fraction(tags["exposure_time"])
        sub[0x829A] = TiffImagePlugin.IFDRational(num, den)
    if "f_number" in tags:
        sub[0x829D] = TiffImagePlugin.IFDRational(round(tags["f_number"] * 10), 10)
    if "iso" in tags:
        sub[0x8827] = int(tags["iso"])
    if "focal_mm" in tags:
        sub[0x920A] = TiffImagePlugin.IFDRational(round(tags["focal_mm"] * 10), 10)
    if "bias" in tags:
        sub[0x9204] = TiffImagePlugin.IFDRational(round(tags["bias"] * 3), 3)
    if "exposure_mode" in tags:
        sub[0xA402] = int(tags["exposure_mode"])
    return exif.tobytes()


def _shutter_fraction(seconds: float) -> tuple[int, int]:
    if seconds >= 0.5:
        return round(seconds * 10), 10
    return 1, max(1, round(1 / seconds))


# --------------------------------------------------------------------------- the shoot


@dataclass
class Shot:
    """One frame's recipe."""

    ev: float = 0.0  # exposure off the metered one, stops
    iso: float = 200
    focus: float | None = None  # None: the scene's focus
    shake: float = 0.0  # trajectory extent, fraction of the long side
    smear: float = 0.0  # extra subject travel, fraction of the long side
    brightness: float | None = None  # image brightness change if it differs from ev (AE drift)
    tripod: bool = False
    bias: float | None = None
    strength: float = 0.0
    role: str = "clean"


class Camera:
    def __init__(self, rng, long_side):
        self.rng = rng
        self.width = long_side
        self.height = int(round(long_side * 2 / 3 / 2)) * 2

    def frames(self, scene: Scene, shots: list[Shot], jitter: float):
        """Render the scene once and yield each shot's 8-bit frame."""
        rw, rh = (int(round(v * RENDER_MARGIN / 2)) * 2 for v in (self.width, self.height))
        image, depth, mask = render(scene, rw, rh)
        needs_background = scene.motion != (0.0, 0.0) or any(s.smear for s in shots)
        background = render(scene, rw, rh, with_subject=False)[0] if needs_background else None
        coefficient = lens_coefficient(scene, rw)
        # metered exposure: the scene's bright end placed below the shoulder's top
        luminance = image @ np.array([0.2126, 0.7152, 0.0722], np.float32)
        metered = {"dark_subject": 0.55, "bright_subject": 0.62}.get(scene.kind, 0.6)
        gain = metered / float(np.percentile(luminance, 99.0))
        white_balance = tuple(self.rng.uniform([1.6, 1.0, 1.3], [2.3, 1.0, 1.9]))
        cache = {}
        for shot in shots:
            smear = np.asarray(scene.motion) + shot.smear * self._direction(scene)
            key = (shot.focus, float(smear[0]), float(smear[1]))
            if key not in cache:
                layer = image
                if np.any(smear):
                    layer = move_subject(image, background, mask, smear * self.width)
                focus = shot.focus or scene.focus
                cache.clear()
                cache[key] = defocus(layer, depth, focus, coefficient)
            optical = cache[key]
            if shot.shake:
                optical = convolve(optical, shake_kernel(self.rng, shot.shake * self.width))
            scale = 0.0 if shot.tripod else jitter
            framed = warp(
                optical,
                self.rng.uniform(-0.6, 0.6) * scale,
                tuple(self.rng.uniform(-0.006, 0.006, 2) * scale),
                tuple(self.rng.uniform(-0.012, 0.012, 2) * scale * self.width),
                self.width,
                self.height,
            )
            stops = shot.ev if shot.brightness is None else shot.brightness
            linear = framed * gain * 2.0**stops
            rgb = noise_reduction(sensor(self.rng, linear, shot.iso, white_balance), shot.iso)
            encoded = sharpen(tone(rgb))
            yield Image.fromarray((np.clip(encoded, 0, 1) * 255 + 0.5).astype(np.uint8))

    def _direction(self, scene):
        dx, dy = scene.motion
        if dx or dy:
            n = math.hypot(dx, dy)
            return np.array([dx / n, dy / n])
        a = self.rng.uniform(-0.4, 0.4)
        return np.array([math.cos(a), math.sin(a)])


def scored_shots(rng, scene, degradation, count, base_iso, long_side, coefficient):
    clean_at = int(rng.integers(count))
    shots = []
    for i in range(count):
        if i == clean_at:
            shots.append(Shot(iso=base_iso))
            continue
        if degradation == "under_exposed":
            s = rng.uniform(0.7, 2.0)
            shots.append(Shot(ev=-s, iso=base_iso, strength=s, role="degraded"))
        elif degradation == "over_exposed":
            s = rng.uniform(0.7, 2.0)
            shots.append(Shot(ev=s, iso=base_iso, strength=s, role="degraded"))
        elif degradation == "noise":
            s = rng.uniform(2.0, 5.5)  # stops of gain above the clean frame's ISO
            iso = min(base_iso * 2**s, 25600)
            shots.append(
                Shot(iso=iso, strength=round(math.log2(iso / base_iso), 2), role="degraded")
            )
        elif degradation == "defocus":
            s = rng.uniform(0.0012, 0.005)  # the subject's blur radius, fraction of the long side
            target = s * long_side
            inv = 1.0 / scene.focus + rng.choice([-1, 1]) * target / coefficient
            if inv <= 1.0 / (scene.wall_distance * 4):
                inv = 1.0 / scene.focus + target / coefficient
            shots.append(Shot(iso=base_iso, focus=1.0 / inv, strength=s, role="degraded"))
        elif degradation == "shake":
            s = rng.uniform(0.0025, 0.009)
            shots.append(Shot(iso=base_iso, shake=s, strength=s, role="degraded"))
        elif degradation == "subject_motion":
            s = rng.uniform(0.006, 0.024)
            shots.append(Shot(iso=base_iso, smear=s, strength=s, role="degraded"))
    return shots, clean_at


def write_shoot(
    folder: Path,
    seed: int,
    bursts: int = 40,
    long_side: int = 1400,
    scenes: tuple[str, ...] = SCENES,
    degradations: tuple[str, ...] = DEGRADATIONS,
    bursts_only: bool = False,
) -> dict:
    """Write the shoot's JPEGs into ``folder`` and its truth beside it (``folder.truth.json``).

    ``scenes`` and ``degradations`` narrow the scored bursts to those kinds, and
    ``bursts_only`` leaves out the drifts, brackets and stacks: a tuning shoot of one
    defect.  With the defaults the shoot is the same, byte for byte, as without them."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x5CA1]))
    folder.mkdir(parents=True, exist_ok=True)
    make, model = CAMERAS[seed % len(CAMERAS)]
    camera = Camera(rng, long_side)
    pairs = [(s, d) for s in scenes for d in degradations]
    rng.shuffle(pairs)
    plan = [("burst", *pairs[i % len(pairs)]) for i in range(bursts)]
    if not bursts_only:
        plan += [("ae_drift", SCENES[int(rng.integers(len(SCENES)))], "none") for _ in range(3)]
        plan += [("bracket", s, "none") for s in ("plain", "bright_subject", "dark_subject")]
        plan += [("stripped_bracket", "plain", "none")]
        plan += [("focus_stack", s, "none") for s in ("fine_texture", "shallow_dof")]
    order = rng.permutation(len(plan))
    clock = datetime(2026, 4, 18, 9, 30, 0) + timedelta(days=seed)
    number = 1
    sequences = []
    for index in order:
        kind, scene_kind, degradation = plan[index]
        scene = make_scene(scene_kind, rng)
        if kind == "focus_stack":
            scene.f_number = min(scene.f_number, 2.8)
        coefficient = lens_coefficient(scene, long_side * RENDER_MARGIN)
        base_iso = float(rng.choice([100, 160, 200, 250, 400]))
        base_time = float(rng.choice([1 / 60, 1 / 125, 1 / 250, 1 / 500]))
        if scene_kind == "dark_subject":
            base_time *= 4
        fps = rng.uniform(5, 12)
        jitter, tags_exposure, clean_at = 1.0, True, None
        mode = 0
        if kind == "burst":
            shots, clean_at = scored_shots(
                rng, scene, degradation, int(rng.integers(3, 9)), base_iso, long_side, coefficient
            )
        elif kind == "ae_drift":
            count = int(rng.integers(4, 8))
            step = float(rng.choice([1 / 3, 2 / 3])) * rng.choice([-1, 1])
            follow = rng.uniform(0.4, 1.0)
            shots = [
                Shot(iso=base_iso, ev=step * i, brightness=step * i * follow, strength=step * i)
                for i in range(count)
            ]
        elif kind in ("bracket", "stripped_bracket"):
            biases = [(-1, 0, 1), (0, -2, 2), (-2, -1, 0, 1, 2)][int(rng.integers(3))]
            shots = [Shot(iso=base_iso, ev=b, bias=b, strength=b) for b in biases]
            jitter, fps, mode = 0.3, rng.uniform(5, 8), 2
            tags_exposure = kind == "bracket"
        else:  # focus_stack on a tripod, the focus plane walking from near to far
            count = int(rng.integers(5, 9))
            near, far = scene.focus * 0.8, min(scene.focus * 2.2, scene.wall_distance)
            shots = [
                Shot(iso=base_iso, focus=float(d), tripod=True, strength=float(d))
                for d in np.geomspace(near, far, count)
            ]
            fps = rng.uniform(3, 6)
        frames, truth_frames = [], []
        for i, (shot, picture) in enumerate(
            zip(shots, camera.frames(scene, shots, jitter), strict=True)
        ):
            name = f"P{seed}{number:05d}.JPG"
            number += 1
            when = clock + timedelta(seconds=i / fps + rng.uniform(-0.004, 0.004))
            exposure_time = base_time * 2.0**shot.ev * base_iso / shot.iso
            tags = {"f_number": scene.f_number, "focal_mm": scene.focal_mm}
            if tags_exposure:
                tags.update(exposure_time=exposure_time, iso=shot.iso, exposure_mode=mode)
                if shot.bias is not None:
                    tags["bias"] = shot.bias
            quality = int(rng.integers(80, 97))
            subsampling = int(rng.choice([0, 1, 2]))
            picture.save(
                folder / name,
                "JPEG",
                quality=quality,
                subsampling=subsampling,
                exif=exif_bytes(make, model, when, tags),
            )
            frames.append(name)
            truth_frames.append(
                {
                    "name": name,
                    "role": shot.role,
                    "strength": round(float(shot.strength), 4),
                    "ev": round(shot.ev, 3),
                    "iso": shot.iso,
                    "focus": shot.focus,
                    "exposure_time": exposure_time,
                    "jpeg_quality": quality,
                    "subsampling": subsampling,
                }
            )
        clock += timedelta(seconds=len(shots) / fps + rng.uniform(4, 15))
        sequences.append(
            {
                "kind": kind,
                "scene": scene_kind,
                "degradation": degradation,
                "clean": frames[clean_at] if clean_at is not None else None,
                "frames": frames,
                "frame_truth": truth_frames,
            }
        )
    truth = {
        "generator": "raycast",
        "seed": seed,
        "long_side": long_side,
        "camera": [make, model],
        "sequences": sequences,
    }
    Path(f"{folder}.truth.json").write_text(json.dumps(truth, indent=1))
    return truth


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bursts", type=int, default=40)
    parser.add_argument("--long-side", type=int, default=1400, help="frame width in pixels")
    parser.add_argument("--scenes", nargs="+", choices=SCENES, default=list(SCENES))
    parser.add_argument(
        "--degradations", nargs="+", choices=DEGRADATIONS, default=list(DEGRADATIONS)
    )
    parser.add_argument(
        "--bursts-only", action="store_true", help="no drifts, brackets or focus stacks"
    )
    args = parser.parse_args(argv)
    truth = write_shoot(
        args.out,
        args.seed,
        args.bursts,
        args.long_side,
        tuple(args.scenes),
        tuple(args.degradations),
        args.bursts_only,
    )
    frames = sum(len(q["frames"]) for q in truth["sequences"])
    print(f"{args.out}: {len(truth['sequences'])} sequences, {frames} frames")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
