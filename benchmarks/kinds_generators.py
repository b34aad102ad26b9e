"""Generated shoots for telling series kinds apart, from generators of their own.

Nothing here comes from ``burst_eval.py`` or ``grouping_eval.py`` (the generators the
technical scorer and grouping were tuned on): other source photographs, another camera model
(hand-held shift, zoom and rotation; optics with a depth map; noise in linear light) and
other degradations.  Three generators, each a :class:`Generator` of its own parameters:

* ``lab`` (kinds were tuned on it): scikit-image's photographs, Gaussian defocus, straight
  shake, Gaussian noise on the rendered frame, exposure as a gain in gamma 2.2.
* ``field`` (held out): scikit-learn's two bundled photographs (``china``, ``flower``) cut
  into many scenes; disk (lens-shaped) defocus, curved shake paths, Poisson-Gaussian noise
  in linear light before the tone curve, a highlight roll-off tone curve.
* ``leaves`` (held out): procedural dead-leaves scenes (discs of random colour, size and
  depth: the statistics of natural images, no photograph at all), the project's sample
  portraits, hexagonal-aperture defocus, jerky shake, Poisson-Gaussian noise with
  demosaicing correlation, other timings and frame counts.

Every shoot is a list of :class:`Sequence` objects: hand-held ``burst`` (one frame clean,
the others with focus misses, shake, noise, exposure errors, auto-exposure drift, rolling
exposure compensation or over-exposed/noisy last frames), ``focus_stack`` (the focus plane
swept through the scene's depth on a tripod), ``panorama`` (an overlapping hand-held pan),
``bracket`` (0/-2/+2 or -2/-1/0/+1/+2 EV, with its EXIF, with exposure settings only, or with
every exposure tag stripped).  Frames come out at the pipeline's grouping decode
(``THUMB_DECODE_SIZE``), rendered at that size (so grain and blur sit at the decode's own
pixels, harsher than a reduced full-size frame), with the metadata the pipeline would read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image

SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "samples" / "bursts"
FRAME = 256  # the pipeline's grouping decode (app.photos.tasks.THUMB_DECODE_SIZE)
OVERSAMPLE = 1  # render straight at FRAME px: grain at the decode's pixel level, harsher than life


@dataclass
class Frame:
    image: Image.Image  # the FRAME-px decode the pipeline groups and maps focus on
    seconds: float
    exposure_bias: float | None = None
    exposure_seconds: float | None = None
    f_number: float | None = None
    iso: int | None = None
    subject_distance: float | None = None
    auto_bracket: bool | None = None


@dataclass
class Sequence:
    kind: str  # the truth: burst, bracket, focus_stack, panorama
    variant: str  # how it was made (for the per-variant table)
    frames: list[Frame] = field(default_factory=list)
    scene: str = ""  # the source photograph (sequences of one source may look alike)


@dataclass(frozen=True)
class Generator:
    """Every choice one generator makes; no two generators share a value by design."""

    name: str
    sources: str  # "skimage", "sklearn" or "leaves"
    defocus: str  # kernel shape: "gauss", "disk", "hexagon"
    shake: str  # "line", "curve", "jerk"
    noise: str  # "gauss", "poisson", "poisson_demosaic"
    jitter: tuple[float, float, float]  # hand-held: shift (frame share), zoom, rotation (deg)
    tripod_jitter: float  # shift of a tripod-mounted series (frame share)
    burst_frames: tuple[int, int]
    burst_interval: tuple[float, float]  # seconds between burst frames
    defocus_radius: tuple[float, float]  # px at FRAME
    shake_length: tuple[float, float]
    noise_level: tuple[float, float]  # gauss: sigma; poisson: photons at white
    miss_stops: tuple[float, float]  # an exposure error of one burst frame
    drift_stops: float  # auto-exposure drift per frame
    stack_frames: tuple[int, int]
    pano_frames: tuple[int, int]
    pano_step: tuple[float, float]  # frame share between pan neighbours
    tone: str  # "gamma" or "rolloff"


GENERATORS = {
    "lab": Generator(
        "lab",
        sources="skimage",
        defocus="gauss",
        shake="line",
        noise="gauss",
        jitter=(0.012, 0.010, 0.6),
        tripod_jitter=0.002,
        burst_frames=(3, 8),
        burst_interval=(0.1, 0.5),
        defocus_radius=(0.75, 2.5),
        shake_length=(2, 7),
        noise_level=(0.02, 0.07),
        miss_stops=(1.0, 1.7),
        drift_stops=0.6,
        stack_frames=(4, 9),
        pano_frames=(3, 5),
        pano_step=(0.3, 0.45),
        tone="gamma",
    ),
    "field": Generator(
        "field",
        sources="sklearn",
        defocus="disk",
        shake="curve",
        noise="poisson",
        jitter=(0.02, 0.015, 1.0),
        tripod_jitter=0.003,
        burst_frames=(4, 12),
        burst_interval=(0.07, 0.3),
        defocus_radius=(1, 3.5),
        shake_length=(2.5, 9),
        noise_level=(60.0, 400.0),
        miss_stops=(1.3, 2.0),
        drift_stops=0.67,
        stack_frames=(5, 12),
        pano_frames=(3, 6),
        pano_step=(0.22, 0.4),
        tone="rolloff",
    ),
    "leaves": Generator(
        "leaves",
        sources="leaves",
        defocus="hexagon",
        shake="jerk",
        noise="poisson_demosaic",
        jitter=(0.016, 0.02, 1.4),
        tripod_jitter=0.0015,
        burst_frames=(3, 24),
        burst_interval=(0.05, 0.25),
        defocus_radius=(0.9, 3),
        shake_length=(3, 8),
        noise_level=(40.0, 250.0),
        miss_stops=(1.5, 1.5),
        drift_stops=0.7,
        stack_frames=(4, 15),
        pano_frames=(4, 7),
        pano_step=(0.25, 0.5),
        tone="gamma",
    ),
}

TUNING = "lab"
HELD_OUT = ("field", "leaves")


# --- scenes: a linear-light image, its depth (0 near .. 1 far) ------------------------------


@dataclass
class Scene:
    name: str
    linear: np.ndarray  # float32 RGB, linear light in [0, 1]
    depth: np.ndarray  # float32, 0 (near) .. 1 (far)


def _linear(image: Image.Image) -> np.ndarray:
    return (np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0) ** 2.2


def _ramp_depth(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """A plane receding in a random direction, with a nearer subject somewhere in it."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    angle = rng.uniform(0, 2 * math.pi)
    plane = (x / width - 0.5) * math.cos(angle) + (y / height - 0.5) * math.sin(angle)
    plane = (plane - plane.min()) / max(float(np.ptp(plane)), 1e-6)
    cy, cx = rng.uniform(0.3, 0.7) * height, rng.uniform(0.3, 0.7) * width
    radius = rng.uniform(0.12, 0.25) * min(height, width)
    subject = np.hypot(y - cy, x - cx) < radius
    return np.where(subject, np.minimum(plane, 0.1), plane).astype(np.float32)


@cache
def _skimage_photo(name: str) -> Image.Image:
    import skimage.data

    array = (
        skimage.data.stereo_motorcycle()[0]
        if name == "motorcycle"
        else getattr(skimage.data, name)()
    )
    return Image.fromarray(np.asarray(array)).convert("RGB")


@cache
def _sklearn_photos() -> tuple[Image.Image, ...]:
    from sklearn.datasets import load_sample_images

    return tuple(Image.fromarray(a) for a in load_sample_images().images)


_SKIMAGE = ("coffee", "chelsea", "rocket", "motorcycle", "immunohistochemistry")


def make_scene(gen: Generator, rng: np.random.Generator, size: tuple[int, int]) -> Scene:
    """A scene ``size`` (width, height) px, from the generator's own sources."""
    width, height = size
    if gen.sources == "leaves" and rng.random() < 0.75:
        return _dead_leaves(rng, width, height)
    if gen.sources == "skimage":
        name = str(rng.choice(_SKIMAGE))
        photo = _skimage_photo(name)
    elif gen.sources == "sklearn":
        index = int(rng.integers(2))
        photo, name = _sklearn_photos()[index], ("china", "flower")[index]
    else:
        paths = sorted(SAMPLES.glob("portrait_0[134].jpg"))
        path = paths[int(rng.integers(len(paths)))]
        photo, name = Image.open(path).convert("RGB"), "portrait"
    # a random crop of at least half the photo, so one photograph gives many scenes
    scale = rng.uniform(0.5, 0.9)
    cw = min(photo.width, int(photo.height * width / height)) * scale
    ch = cw * height / width
    x0 = rng.uniform(0, photo.width - cw)
    y0 = rng.uniform(0, photo.height - ch)
    if rng.random() < 0.5:
        photo = photo.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    crop = photo.resize((width, height), Image.Resampling.LANCZOS, box=(x0, y0, x0 + cw, y0 + ch))
    return Scene(name, _linear(crop), _ramp_depth(height, width, rng))


def _dead_leaves(rng: np.random.Generator, width: int, height: int) -> Scene:
    """Discs of random colour and size stacked back to front; the depth of each disc is its
    place in the stack, so occlusion and depth agree."""
    linear = np.empty((height, width, 3), np.float32)
    linear[:] = rng.uniform(0.05, 0.6, 3) ** 2.2
    depth = np.ones((height, width), np.float32)
    count = int(rng.integers(500, 800))
    for k in range(count):  # far to near
        r = min(width, height) * 0.4 * rng.uniform(0.02, 1.0) ** 4 + 2
        cy, cx = rng.uniform(-r, height + r), rng.uniform(-r, width + r)
        y0, y1 = max(int(cy - r), 0), min(int(cy + r) + 1, height)
        x0, x1 = max(int(cx - r), 0), min(int(cx + r) + 1, width)
        if y0 >= y1 or x0 >= x1:
            continue
        y, x = np.mgrid[y0:y1, x0:x1]
        mask = (y - cy) ** 2 + (x - cx) ** 2 < r * r
        angle = rng.uniform(0, 2 * math.pi)
        stripe = 1 + 0.35 * np.sin((x * math.cos(angle) + y * math.sin(angle)) / r * 6)
        shade = rng.uniform(0.02, 1.0, 3) ** 2.2
        region = linear[y0:y1, x0:x1]
        region[mask] = np.clip(shade[None, :] * stripe[mask][:, None], 0, 1)
        depth[y0:y1, x0:x1][mask] = 1.0 - k / count
    return Scene(f"leaves {rng.integers(1 << 30)}", linear, depth)


# --- the camera ----------------------------------------------------------------------------


def _kernel(shape: str, radius: float) -> np.ndarray:
    size = int(math.ceil(radius * 1.5)) + 1
    y, x = np.mgrid[-size : size + 1, -size : size + 1].astype(np.float32)
    if shape == "gauss":
        kernel = np.exp(-(x * x + y * y) / (2 * (radius / 2) ** 2))
    elif shape == "disk":
        kernel = np.clip(radius + 0.5 - np.hypot(x, y), 0, 1)
    else:  # a six-bladed aperture
        angle = np.arctan2(y, x)
        edge = radius * math.cos(math.pi / 6) / np.cos((angle % (math.pi / 3)) - math.pi / 6)
        kernel = np.clip(edge + 0.5 - np.hypot(x, y), 0, 1)
    return kernel / kernel.sum()


def _blur(linear: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    from scipy.signal import fftconvolve

    pad = kernel.shape[0] // 2
    padded = np.pad(linear, ((pad, pad), (pad, pad), (0, 0)), mode="reflect")
    out = np.stack([fftconvolve(padded[..., c], kernel, mode="valid") for c in range(3)], -1)
    return out.astype(np.float32)


class Optics:
    """A scene's world image blurred at a few strengths once, so that focusing a frame at
    any plane is a blend of those layers (cheap per frame)."""

    LEVELS = 6

    def __init__(self, gen: Generator, scene: Scene, strength: float) -> None:
        self.scene = scene
        radii = np.linspace(0, strength, self.LEVELS)
        self.layers = np.stack(
            [scene.linear] + [_blur(scene.linear, _kernel(gen.defocus, r)) for r in radii[1:]]
        )

    def focused(self, focus: float) -> np.ndarray:
        """The world as the lens draws it focused at ``focus`` (0 near .. 1 far; outside
        that range nothing is sharp)."""
        wanted = np.clip(np.abs(self.scene.depth - focus) * 2.0, 0, 1) * (self.LEVELS - 1)
        out = np.zeros_like(self.layers[0])
        for level, layer in enumerate(self.layers):
            weight = np.clip(1 - np.abs(wanted - level), 0, 1)
            if weight.any():
                out += layer * weight[..., None]
        return out


def shake(gen: Generator, linear: np.ndarray, length: float, rng) -> np.ndarray:
    """Camera movement during the exposure, along the generator's kind of path."""
    angle = rng.uniform(0, 2 * math.pi)
    points = [np.zeros(2)]
    for _ in range(int(length * 4)):
        if gen.shake == "curve":
            angle += rng.normal(0, 0.15)
        elif gen.shake == "jerk" and rng.random() < 0.05:
            angle += rng.uniform(-1.5, 1.5)
        points.append(points[-1] + 0.25 * np.array([math.sin(angle), math.cos(angle)]))
    path = np.array(points)
    path -= path.mean(axis=0)
    size = int(np.abs(path).max()) + 2
    kernel = np.zeros((2 * size + 1, 2 * size + 1), np.float32)
    for y, x in (path + size).round().astype(int):
        kernel[y, x] += 1
    return _blur(linear, kernel / kernel.sum())


def add_noise(gen: Generator, linear: np.ndarray, level: float, rng) -> np.ndarray:
    if gen.noise == "gauss":  # added after the tone curve, in render()
        return linear
    # photon (shot) noise, its variance the signal, plus read noise of 2 photons; at these
    # counts Poisson is Gaussian to the eye, and far cheaper to draw
    signal = np.clip(linear, 0, None) * level
    noisy = (signal + rng.standard_normal(linear.shape, np.float32) * np.sqrt(signal + 4.0)) / level
    if gen.noise == "poisson_demosaic":
        noisy = 0.5 * noisy + 0.25 * (np.roll(noisy, 1, 0) + np.roll(noisy, 1, 1))
    return noisy


def render(gen: Generator, linear: np.ndarray, gauss_sigma: float, rng) -> Image.Image:
    """Linear light to the FRAME-px decode: tone curve, sRGB-ish gamma, 8 bits."""
    x = np.clip(linear, 0, None)
    if gen.tone == "rolloff":  # highlights compressed towards white, clipped at 1.5x
        x = np.where(x < 0.6, x, 0.6 + 0.4 * np.tanh((x - 0.6) / 0.4))
    elif gen.tone == "camera":  # a camera's S-curve: a toe and a long highlight shoulder
        x = _filmic(x) / _filmic(np.float32(4.0))
    out = np.clip(x, 0, 1) ** (1 / 2.2)
    if gauss_sigma:
        out = out + rng.normal(0, gauss_sigma, out.shape)
    image = Image.fromarray((np.clip(out, 0, 1) * 255 + 0.5).astype(np.uint8))
    return image.resize(
        (image.width // OVERSAMPLE, image.height // OVERSAMPLE), Image.Resampling.BOX
    )


def _filmic(x: np.ndarray) -> np.ndarray:
    """A filmic tone curve (toe, straight part, shoulder), white reached at 4x the metered
    white: highlights of a brighter frame compress, shadows of a darker one crush."""
    a, b, c, d, e, f = 0.22, 0.30, 0.10, 0.20, 0.01, 0.30
    x = x * 2.0
    return ((x * (a * x + c * b) + d * e) / (x * (a * x + b) + d * f)) - e / f


def view(
    world: np.ndarray,
    depth: np.ndarray,
    centre: tuple[float, float],
    size: tuple[int, int],
    zoom: float,
    rotation: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The camera's frame of ``size`` px around ``centre`` (x, y in world px), zoomed and
    rotated (degrees): the world image and its depth resampled together."""
    width, height = size
    cos, sin = math.cos(math.radians(rotation)) / zoom, math.sin(math.radians(rotation)) / zoom
    cx, cy = centre
    # output (u, v) -> world (cos*(u-w/2) - sin*(v-h/2) + cx, sin*(u-w/2) + cos*(v-h/2) + cy)
    coeffs = (
        cos,
        -sin,
        cx - cos * width / 2 + sin * height / 2,
        sin,
        cos,
        cy - sin * width / 2 - cos * height / 2,
    )
    channels = [
        np.asarray(
            Image.fromarray(world[..., c]).transform(
                size, Image.Transform.AFFINE, coeffs, Image.Resampling.BILINEAR
            )
        )
        for c in range(3)
    ]
    moved_depth = np.asarray(
        Image.fromarray(depth).transform(
            size, Image.Transform.AFFINE, coeffs, Image.Resampling.NEAREST
        )
    )
    return np.stack(channels, -1), moved_depth


# --- sequences -----------------------------------------------------------------------------

RENDER = (FRAME * OVERSAMPLE, FRAME * OVERSAMPLE * 3 // 4)  # 4:3 landscape
BASE_SECONDS = 1 / 400


@dataclass
class _Shot:
    """One frame to render: where the camera points and what happens to the frame."""

    centre: tuple[float, float]
    zoom: float = 1.0
    rotation: float = 0.0
    focus: float = 0.1
    stops: float = 0.0  # exposure relative to the scene's metered exposure
    shake: float = 0.0
    noise: float = 0.0  # gauss sigma, or photons at white (0: the base level)


def _capture(gen: Generator, optics: Optics, shot: _Shot, rng) -> Image.Image:
    world = optics.focused(shot.focus)
    linear, _ = view(world, optics.scene.depth, shot.centre, RENDER, shot.zoom, shot.rotation)
    linear = linear * 2.0**shot.stops
    if shot.shake:
        linear = shake(gen, linear, shot.shake, rng)
    base = 0.004 if gen.noise == "gauss" else 4000.0
    level = shot.noise or base
    if gen.noise != "gauss":
        linear = add_noise(gen, linear, level, rng)
    return render(gen, linear, level if gen.noise == "gauss" else 0.0, rng)


def _world_size(extra: float = 1.15, wide: float = 1.0) -> tuple[int, int]:
    return int(RENDER[0] * extra * wide), int(RENDER[1] * extra)


def _handheld(gen: Generator, rng, world: tuple[int, int], scale: float = 1.0) -> _Shot:
    shift, zoom, rotation = gen.jitter
    return _Shot(
        centre=(
            world[0] / 2 + rng.normal(0, shift * scale) * RENDER[0],
            world[1] / 2 + rng.normal(0, shift * scale) * RENDER[1],
        ),
        zoom=1 + rng.uniform(-zoom, zoom) * scale,
        rotation=rng.normal(0, rotation / 2) * scale,
    )


def _tripod(gen: Generator, rng, world: tuple[int, int]) -> _Shot:
    shift = gen.tripod_jitter
    return _Shot(
        centre=(
            world[0] / 2 + rng.normal(0, shift) * RENDER[0],
            world[1] / 2 + rng.normal(0, shift) * RENDER[1],
        )
    )


def _degrade(gen: Generator, shot: _Shot, rng, defect: str) -> None:
    if defect == "focus_miss":
        # the AF landed elsewhere: behind the subject, or nowhere at all
        shot.focus = float(rng.choice([rng.uniform(0.45, 1.0), rng.uniform(-0.6, -0.3)]))
    elif defect == "shake":
        shot.shake = float(rng.uniform(*gen.shake_length))
    elif defect == "noise":
        shot.noise = float(rng.uniform(*gen.noise_level))
    elif defect == "under":
        shot.stops -= float(rng.uniform(*gen.miss_stops))
    elif defect == "over":
        shot.stops += float(rng.uniform(*gen.miss_stops))


BURST_VARIANTS = (
    "mixed",
    "focus_misses",
    "ae_drift",
    "rolling_compensation",
    "partial_stepping",
    "last_over_or_noisy",
    "approaching_subject",
)


def burst(gen: Generator, rng, variant: str) -> Sequence:
    """A hand-held burst: frame ``clean`` as meant, the others going wrong as ``variant`` says."""
    count = int(rng.integers(gen.burst_frames[0], gen.burst_frames[1] + 1))
    world = _world_size()
    scene = make_scene(gen, rng, world)
    optics = Optics(gen, scene, strength=float(rng.uniform(*gen.defocus_radius)))
    clean = int(rng.integers(count))
    shots, biases, metered = [], [0.0] * count, [0.0] * count
    for k in range(count):
        shot = _handheld(gen, rng, world)
        if k != clean:
            if variant == "focus_misses":
                defects = ["focus_miss"] if rng.random() < 0.7 else []
            else:
                defects = list(
                    rng.choice(
                        ["focus_miss", "shake", "noise", "under", "over", "none"],
                        size=int(rng.integers(1, 3)),
                    )
                )
            for defect in defects:
                _degrade(gen, shot, rng, defect)
        shots.append(shot)
    if variant == "ae_drift":  # the meter wanders: the exposure time moves 2/3 EV a frame
        walk = np.cumsum(rng.choice([-1, 1], size=count)) * gen.drift_stops
        if rng.random() < 0.5:
            walk = np.arange(count) * gen.drift_stops * rng.choice([-1, 1])
        metered = list(walk)
        for shot, stops in zip(shots, walk, strict=True):
            shot.stops += float(stops) * float(rng.uniform(0.3, 1.0))  # partly seen
    elif variant == "rolling_compensation":  # the dial turned a click or two now and then
        value = 0.0
        for k in range(count):
            value += float(rng.choice([0, 1 / 3, 1 / 3, 2 / 3]))
            biases[k] = round(value, 2)
            shots[k].stops += value
    elif variant == "partial_stepping":  # the exposure steps for a few frames only
        start = int(rng.integers(0, max(count - 2, 1)))
        steps = 0.0
        for k in range(count):
            if start <= k < start + 3:
                steps += gen.drift_stops * float(rng.choice([-1, 1]))
            metered[k] = steps
            shots[k].stops += steps
    elif variant == "last_over_or_noisy":
        tail = min(int(rng.integers(1, 3)), count - 1)
        for shot in shots[count - tail :]:
            if rng.random() < 0.5:
                shot.stops += float(rng.uniform(1.5, 2.5))
            else:
                shot.noise = float(gen.noise_level[0] * 0.7 if gen.noise != "gauss" else 0.09)
    tagged = rng.random() < 0.7
    interval = rng.uniform(*gen.burst_interval)
    distance = float(rng.uniform(3, 30))
    frames, clock = [], 0.0
    for k, shot in enumerate(shots):
        clock += interval * float(rng.uniform(0.8, 1.2)) if k else 0.0
        if variant == "approaching_subject":
            distance *= 0.93
        frames.append(
            Frame(
                _capture(gen, optics, shot, rng),
                seconds=clock,
                exposure_bias=biases[k] if tagged else None,
                exposure_seconds=BASE_SECONDS * 2.0 ** metered[k] if tagged else None,
                f_number=4.0 if tagged else None,
                iso=400 if tagged else None,
                subject_distance=round(distance, 2) if variant == "approaching_subject" else None,
            )
        )
    return Sequence("burst", variant, frames, scene.name)


def focus_stack(gen: Generator, rng, variant: str) -> Sequence:
    """The focus plane swept near to far (or back) on a tripod, one exposure throughout."""
    count = int(rng.integers(gen.stack_frames[0], gen.stack_frames[1] + 1))
    world = _world_size()
    scene = make_scene(gen, rng, world)
    optics = Optics(gen, scene, strength=float(rng.uniform(1.5, 4.0)))
    planes = np.linspace(-0.05, 1.05, count)
    if rng.random() < 0.3:
        planes = planes[::-1]
    frames, clock = [], 0.0
    for k, plane in enumerate(planes):
        clock += float(rng.uniform(0.3, 1.2)) if k else 0.0
        shot = _tripod(gen, rng, world)
        shot.focus = float(plane)
        shot.zoom = 1 + 0.002 * (plane - 0.5)  # focus breathing
        frames.append(
            Frame(
                _capture(gen, optics, shot, rng),
                seconds=clock,
                exposure_bias=0.0,
                exposure_seconds=BASE_SECONDS * 8,
                f_number=2.8,
                iso=100,
                subject_distance=round(0.3 + 0.05 * k, 3) if variant == "distance" else None,
            )
        )
    return Sequence("focus_stack", variant, frames, scene.name)


def panorama(gen: Generator, rng, variant: str) -> Sequence:
    """A hand-held pan: frames overlapping by 50-80 %, each metered on its own."""
    count = int(rng.integers(gen.pano_frames[0], gen.pano_frames[1] + 1))
    step = float(rng.uniform(*gen.pano_step))
    world = _world_size(extra=1.12, wide=1 + step * (count - 1) + 0.1)
    scene = make_scene(gen, rng, world)
    optics = Optics(gen, scene, strength=float(rng.uniform(0.3, 1.0)))
    frames, clock = [], 0.0
    direction = 1 if rng.random() < 0.7 else -1
    for k in range(count):
        shot = _handheld(gen, rng, world)
        offset = (k - (count - 1) / 2) * step * RENDER[0] * direction
        shot.centre = (world[0] / 2 + offset, shot.centre[1])
        shot.focus = 0.8
        stops = float(rng.normal(0, 0.25))
        shot.stops = stops
        frames.append(
            Frame(
                _capture(gen, optics, shot, rng),
                seconds=clock,
                exposure_bias=0.0,
                exposure_seconds=BASE_SECONDS * 2**stops,
                f_number=8.0,
                iso=100,
            )
        )
        clock += float(rng.uniform(0.6, 2.2))
    return Sequence("panorama", variant, frames, scene.name)


BRACKET_VARIANTS = ("tagged", "settings_only", "stripped")


def bracket(gen: Generator, rng, variant: str) -> Sequence:
    """An auto-exposure bracket, in the camera's order, on a tripod or hand-held."""
    stops = [[0, -2, 2], [-2, 0, 2], [0, -1, 1, -2, 2], [0, -1, 1]][int(rng.integers(4))]
    world = _world_size()
    scene = make_scene(gen, rng, world)
    optics = Optics(gen, scene, strength=float(rng.uniform(0.3, 1.5)))
    handheld = rng.random() < 0.4
    interval = float(rng.uniform(0.1, 0.35))
    frames = []
    for k, ev in enumerate(stops):
        shot = _handheld(gen, rng, world, scale=0.4) if handheld else _tripod(gen, rng, world)
        shot.stops = float(ev)
        frames.append(
            Frame(
                _capture(gen, optics, shot, rng),
                seconds=k * interval,
                exposure_bias=float(ev) if variant == "tagged" else None,
                exposure_seconds=(
                    BASE_SECONDS * 2.0**ev if variant in ("tagged", "settings_only") else None
                ),
                f_number=8.0 if variant != "stripped" else None,
                iso=100 if variant != "stripped" else None,
            )
        )
    return Sequence("bracket", variant, frames, scene.name)


REAL_BRACKET_ORDERS = ("base first", "ascending", "descending")


def stripped_bracket(gen: Generator, rng) -> Sequence:
    """A bracket as cameras shoot it, every exposure tag stripped (``stripped_real``).

    Unlike the plain ``stripped`` variant: a camera tone curve (:func:`_filmic`: the steps
    compress in the highlights and shadows), hand-held (shifted, rotated by a degree or two
    between frames), 3 frames 1-3 EV apart or 5 frames 1-2 EV apart, base first or in
    either exposure order, and half the time a few frames at the base exposure shot right
    before or after it (they belong to the same series; the truth is the bracket).
    """
    count = int(rng.choice([3, 3, 5]))
    step = float(rng.choice([1.0, 2.0, 3.0] if count == 3 else [1.0, 2.0]))
    half = [step * k for k in range(1, count // 2 + 1)]
    order = str(rng.choice(REAL_BRACKET_ORDERS))
    if order == "base first":
        stops = [0.0] + [v for h in half for v in (-h, h)]
    else:
        stops = sorted([0.0] + [-h for h in half] + half)
        stops = stops if order == "ascending" else stops[::-1]
    extra = int(rng.integers(2, 5)) if rng.random() < 0.5 else 0
    if extra and rng.random() < 0.5:
        stops = [0.0] * extra + stops
    elif extra:
        stops = stops + [0.0] * extra
    camera = replace(gen, tone="camera")
    world = _world_size()
    scene = make_scene(gen, rng, world)
    optics = Optics(gen, scene, strength=float(rng.uniform(0.3, 1.5)))
    shift, _, rotation = gen.jitter
    interval = float(rng.uniform(0.1, 0.3))
    frames = []
    for k, ev in enumerate(stops):
        shot = _Shot(
            centre=(
                world[0] / 2 + rng.normal(0, 0.6 * shift) * RENDER[0],
                world[1] / 2 + rng.normal(0, 0.6 * shift) * RENDER[1],
            ),
            rotation=float(rng.normal(0, rotation)),
            stops=ev,
        )
        frames.append(Frame(_capture(camera, optics, shot, rng), seconds=k * interval))
    return Sequence("bracket", "stripped_real", frames, scene.name)


@dataclass(frozen=True)
class ShootPlan:
    bursts: int = 210  # 30 of each burst variant
    stacks: int = 40
    panoramas: int = 40
    brackets: int = 60
    real_brackets: int = 30  # stripped_real, drawn apart so the other sequences stay the same


def shoot(gen: Generator, seed: int, plan: ShootPlan = ShootPlan()) -> list[Sequence]:
    """Every sequence of one generated shoot, in a shuffled order."""
    rng = np.random.default_rng(seed)
    jobs = [("burst", BURST_VARIANTS[k % len(BURST_VARIANTS)]) for k in range(plan.bursts)]
    jobs += [("focus_stack", ("plain", "distance")[k % 2]) for k in range(plan.stacks)]
    jobs += [("panorama", "pan") for _ in range(plan.panoramas)]
    jobs += [("bracket", BRACKET_VARIANTS[k % 3]) for k in range(plan.brackets)]
    order = rng.permutation(len(jobs))
    makers = {"burst": burst, "focus_stack": focus_stack, "panorama": panorama, "bracket": bracket}
    sequences = [makers[jobs[i][0]](gen, rng, jobs[i][1]) for i in order]
    apart = np.random.default_rng(seed + 20_000)
    return sequences + [stripped_bracket(gen, apart) for _ in range(plan.real_brackets)]
