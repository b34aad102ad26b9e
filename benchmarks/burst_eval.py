"""Evaluation bursts for the technical scorer: many degradation kinds and strengths.

A burst is one scene shot several times by a hand-held camera: every frame is shifted a
little, carries mild sensor grain and is saved as a camera JPEG (quality 92); exactly one
frame is otherwise untouched, and a culler should rank it first.  The others carry one
degradation, at a strength that is either *visible* (a photographer sees it at 100 %) or
*subtle* (below that; reported, not part of the target).

Frames are made at the scene's own resolution (at most ``MAX_SIDE``), so "100 %" means the
pixels the scorer sees.  Scenes are scikit-image's bundled photographs, split into the scenes
the scorer was tuned on and held-out scenes it is reported on.

A strength that is visible in one scene can vanish in another (a 1 px defocus of a
microscope image that is soft to begin with), so every degraded frame is also checked in its
own scene: it counts as *seen* when it differs from its undegraded twin (same framing, same
grain) at least as much as two undegraded captures differ from each other by their grain and
compression alone, both measured as 1 - SSIM of the luma, or when its exposure changed by at
least ``EXPOSURE_SEEN`` stops (SSIM hardly notices a change of brightness).  The check uses
its own random stream, so the bursts of a seed are the same with or without it.

    from burst_eval import build_bursts, evaluate
    bursts = build_bursts(HELD_OUT_SCENES, seed=1)
    accuracy = evaluate(scorer.rank_series, bursts)   # {kind: (wins, total)}
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

MAX_SIDE = 640
CAMERA_QUALITY = 92
GRAIN = 0.006  # sensor grain of every frame, on a [0, 1] scale
SEEN_FACTOR = 1.0  # a degradation is seen when it changes a frame this much x the capture noise
EXPOSURE_SEEN = 0.5  # stops: an exposure change of at least this much is seen

# Tuned on: the scenes of the bundled samples.  Reported on: everything else scikit-image ships.
TUNING_SCENES = ("astronaut", "coffee", "chelsea", "rocket", "camera", "coins")
HELD_OUT_SCENES = (
    "motorcycle",
    "brick",
    "grass",
    "gravel",
    "moon",
    "cell",
    "immunohistochemistry",
    "hubble_deep_field",
    "retina",
    "page",
    "text",
)


def load_scene(name: str) -> Image.Image:
    import skimage.data

    if name == "motorcycle":
        array = skimage.data.stereo_motorcycle()[0]
    else:
        array = getattr(skimage.data, name)()
    return Image.fromarray(np.asarray(array)).convert("RGB")


# --- degradations, on float RGB arrays in [0, 1] ------------------------------------------


def _convolve(array: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    from scipy.ndimage import convolve

    kernel = (kernel / kernel.sum()).astype(np.float32)[..., None]
    return convolve(np.asarray(array, dtype=np.float32), kernel, mode="reflect")


def disk_defocus(array: np.ndarray, radius: float, rng: np.random.Generator) -> np.ndarray:
    """Out of focus: a disk-shaped blur (a lens's circle of confusion), edges anti-aliased."""
    size = int(math.ceil(radius)) + 1
    y, x = np.mgrid[-size : size + 1, -size : size + 1]
    kernel = np.clip(radius + 0.5 - np.hypot(x, y), 0.0, 1.0)
    return _convolve(array, kernel)


def motion_blur(array: np.ndarray, length: float, rng: np.random.Generator) -> np.ndarray:
    """Camera shake during the exposure: a line blur of ``length`` px in a random direction."""
    angle = rng.uniform(0, math.pi)
    size = int(math.ceil(length / 2)) + 1
    kernel = np.zeros((2 * size + 1, 2 * size + 1))
    for t in np.linspace(-length / 2, length / 2, int(length * 4) + 1):
        x, y = size + t * math.cos(angle), size + t * math.sin(angle)
        x0, y0 = int(math.floor(x)), int(math.floor(y))
        fx, fy = x - x0, y - y0
        for dy, wy in ((0, 1 - fy), (1, fy)):
            for dx, wx in ((0, 1 - fx), (1, fx)):
                if 0 <= y0 + dy < kernel.shape[0] and 0 <= x0 + dx < kernel.shape[1]:
                    kernel[y0 + dy, x0 + dx] += wy * wx
    return _convolve(array, kernel)


def sensor_noise(array: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """High-ISO noise: luminance grain plus weaker colour noise, a little coarser than a pixel."""
    height, width = array.shape[:2]
    luma = rng.normal(0.0, sigma, (height, width, 1))
    chroma = rng.normal(0.0, sigma * 0.5, (height, width, 3))
    grain = luma + chroma
    # demosaicing spreads noise over neighbouring pixels
    grain = 0.6 * grain + 0.2 * (np.roll(grain, 1, 0) + np.roll(grain, 1, 1))
    return array + grain / math.sqrt(0.6**2 + 2 * 0.2**2)


def exposure(array: np.ndarray, stops: float, rng: np.random.Generator) -> np.ndarray:
    """Exposure changed by ``stops`` in linear light (sRGB approximated by gamma 2.2)."""
    return np.clip(array, 0, 1) ** 2.2 * 2.0**stops


def overexposure(array: np.ndarray, clipped: float, rng: np.random.Generator) -> np.ndarray:
    """Over-exposed until ``clipped`` of the pixels blow out in some channel (a dark scene needs
    more stops); the linear result, like :func:`exposure`."""
    peak = np.clip(array, 0, 1).max(axis=-1) ** 2.2
    for stops in np.arange(0.5, 5.01, 0.25):
        if np.mean(peak * 2.0**stops >= 0.99) >= clipped:
            break
    return exposure(array, float(stops), rng)


def jpeg_recompression(array: np.ndarray, quality: int, rng: np.random.Generator) -> np.ndarray:
    """Saved once more at a low JPEG quality (a messenger, an export at the wrong setting)."""
    buffer = io.BytesIO()
    _to_image(array).save(buffer, "JPEG", quality=int(quality))
    buffer.seek(0)
    return np.asarray(Image.open(buffer).convert("RGB"), dtype=np.float32) / 255.0


def _to_image(array: np.ndarray) -> Image.Image:
    return Image.fromarray((np.clip(array, 0, 1) * 255).round().astype(np.uint8))


@dataclass(frozen=True)
class Degradation:
    """One way a frame can be worse, at one strength; ``steps`` apply in order."""

    kind: str
    label: str
    visible: bool
    steps: tuple[tuple[Callable, float], ...]
    linear: bool = False  # the steps end in linear light (exposure): encode back

    @property
    def exposure_change(self) -> float:
        """Stops of exposure the steps change, at least (over-exposure starts at 0.5)."""
        stops = [abs(s) if f is exposure else 0.5 for f, s in self.steps if f in _EXPOSURES]
        return max(stops, default=0.0)


def _d(kind: str, label: str, visible: bool, *steps: tuple[Callable, float]) -> Degradation:
    linear = steps[-1][0] in (exposure, overexposure)
    return Degradation(kind, label, visible, tuple(steps), linear)


DEGRADATIONS: tuple[Degradation, ...] = (
    _d("defocus", "disk r=3", True, (disk_defocus, 3.0)),
    _d("defocus", "disk r=1.5", True, (disk_defocus, 1.5)),
    _d("slight defocus", "disk r=1", True, (disk_defocus, 1.0)),
    _d("motion blur", "9 px", True, (motion_blur, 9.0)),
    _d("motion blur", "5 px", True, (motion_blur, 5.0)),
    _d("slight motion blur", "3 px", True, (motion_blur, 3.0)),
    _d("noise", "sigma 0.15", True, (sensor_noise, 0.15)),
    _d("noise", "sigma 0.06", True, (sensor_noise, 0.06)),
    _d("noise", "sigma 0.03", True, (sensor_noise, 0.03)),
    _d("over-exposed, clipped", "8 % clipped", True, (overexposure, 0.08)),
    _d("over-exposed", "+2 stops", True, (exposure, 2.0)),
    _d("under-exposed", "-2 stops", True, (exposure, -2.0)),
    _d("1 stop over", "+1 stop", True, (exposure, 1.0)),
    _d("1 stop under", "-1 stop", True, (exposure, -1.0)),
    _d("JPEG re-compression", "quality 15", True, (jpeg_recompression, 15)),
    _d("JPEG re-compression", "quality 30", True, (jpeg_recompression, 30)),
    _d("mixed", "defocus r=1.5 + noise 0.03", True, (disk_defocus, 1.5), (sensor_noise, 0.03)),
    _d("mixed", "noise 0.06 + -1 stop", True, (sensor_noise, 0.06), (exposure, -1.0)),
    _d("mixed", "motion 5 px + +1 stop", True, (motion_blur, 5.0), (exposure, 1.0)),
    _d("mixed", "JPEG q30 + defocus r=1", True, (disk_defocus, 1.0), (jpeg_recompression, 30)),
    _d("subtle", "defocus r=0.5", False, (disk_defocus, 0.5)),
    _d("subtle", "motion 1.5 px", False, (motion_blur, 1.5)),
    _d("subtle", "noise 0.01", False, (sensor_noise, 0.01)),
    _d("subtle", "+1/3 stop", False, (exposure, 1 / 3)),
    _d("subtle", "-1/3 stop", False, (exposure, -1 / 3)),
    _d("subtle", "JPEG quality 60", False, (jpeg_recompression, 60)),
)


_EXPOSURES = (exposure, overexposure)


def apply(degradation: Degradation, array: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    linear = False
    for function, strength in degradation.steps:
        if linear and function not in (exposure, overexposure):
            array, linear = np.clip(array, 0, 1) ** (1 / 2.2), False
        array = function(array, strength, rng)
        linear = function in (exposure, overexposure)
    if linear:
        array = np.clip(array, 0, 1) ** (1 / 2.2)
    return array


# --- bursts -------------------------------------------------------------------------------


@dataclass
class Burst:
    scene: str
    frames: list[Image.Image]
    labels: list[str]  # "clean" or the degradation's label
    kinds: list[str]  # "clean" or the degradation's kind
    clean: int
    visible: bool  # every degraded frame's defect is of a strength visible at 100 %
    kind: str  # the kind this burst reports under ("mixed burst" for several kinds)
    seen: bool = True  # every degraded frame differs visibly from its twin in this scene
    notes: dict = field(default_factory=dict)


def window(source: Image.Image, rng: np.random.Generator, zoom: float) -> tuple:
    """How the photographer framed the scene: (left, top, width, height) of the source and the
    scale that brings it to at most MAX_SIDE px."""
    width, height = source.size
    win_w, win_h = round(width * zoom), round(height * zoom)
    left = int(rng.integers(0, width - win_w + 1))
    top = int(rng.integers(0, height - win_h + 1))
    return left, top, win_w, win_h, min(1.0, MAX_SIDE / max(win_w, win_h))


def frame(source: Image.Image, framing: tuple, rng: np.random.Generator) -> np.ndarray:
    """One hand-held frame of the framing: shifted by up to 1.5 % of the width."""
    left, top, win_w, win_h, scale = framing
    shake = 0.015 * win_w
    dx, dy = rng.uniform(-shake, shake, 2)
    x = min(max(left + dx, 0.0), source.width - win_w)
    y = min(max(top + dy, 0.0), source.height - win_h)
    size = (max(8, round(win_w * scale)), max(8, round(win_h * scale)))
    crop = source.transform(
        size, Image.Transform.EXTENT, (x, y, x + win_w, y + win_h), Image.Resampling.BICUBIC
    )
    return np.asarray(crop, dtype=np.float32) / 255.0


def camera_jpeg(array: np.ndarray, rng: np.random.Generator) -> Image.Image:
    """What the camera writes: mild grain, 8 bits, JPEG quality CAMERA_QUALITY."""
    array = array + rng.normal(0.0, GRAIN, array.shape[:2])[..., None]
    buffer = io.BytesIO()
    _to_image(array).save(buffer, "JPEG", quality=CAMERA_QUALITY)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def make_burst(
    scene: str,
    source: Image.Image,
    degradations: Sequence[Degradation],
    rng: np.random.Generator,
    kind: str,
) -> Burst:
    """The clean frame at a random position among one frame per degradation."""
    framing = window(source, rng, zoom=float(rng.uniform(0.75, 0.95)))
    clean_at = int(rng.integers(len(degradations) + 1))
    # The visibility check draws from its own stream: the burst is the same without it.
    check_seed = int(rng.bit_generator.state["state"]["state"]) % (1 << 63)
    frames, labels, kinds, changes, seen = [], [], [], [], []
    capture_noise = None
    remaining = list(degradations)
    for k in range(len(degradations) + 1):
        array = frame(source, framing, rng)
        if capture_noise is None:
            capture_noise = _difference(
                camera_jpeg(array, np.random.default_rng([check_seed, k, 0])),
                camera_jpeg(array, np.random.default_rng([check_seed, k, 1])),
            )
        if k == clean_at:
            labels.append("clean")
            kinds.append("clean")
        else:
            degradation = remaining.pop(0)
            twin = array
            array = apply(degradation, array, rng)
            labels.append(degradation.label)
            kinds.append(degradation.kind)
            changes.append(
                _difference(
                    camera_jpeg(twin, np.random.default_rng([check_seed, k, 0])),
                    camera_jpeg(array, np.random.default_rng([check_seed, k, 0])),
                )
            )
            seen.append(
                changes[-1] >= SEEN_FACTOR * capture_noise
                or degradation.exposure_change >= EXPOSURE_SEEN
            )
        frames.append(camera_jpeg(array, rng))
    visible = all(d.visible for d in degradations)
    notes = {"capture_noise": capture_noise, "changes": changes}
    return Burst(scene, frames, labels, kinds, clean_at, visible, kind, all(seen), notes)


def _difference(first: Image.Image, second: Image.Image) -> float:
    """1 - SSIM of the two frames' luma (Gaussian window, sigma 1.5)."""
    from skimage.metrics import structural_similarity

    a, b = (np.asarray(image.convert("L"), dtype=np.float32) / 255.0 for image in (first, second))
    similarity = structural_similarity(
        a, b, data_range=1.0, gaussian_weights=True, sigma=1.5, use_sample_covariance=False
    )
    return 1.0 - float(similarity)


def build_bursts(
    scenes: Sequence[str],
    seed: int = 1,
    repeats: int = 2,
    mixed_per_scene: int = 3,
    workers: int | None = None,
) -> list[Burst]:
    """Per scene: for every degradation, ``repeats`` bursts of the clean frame and two frames
    with that degradation; plus ``mixed_per_scene`` bursts of 4-6 frames whose degraded frames
    carry different visible degradations (the situation of a real burst).

    Scenes are made in parallel; each has its own random stream, so the set depends only on
    the scenes and ``seed``."""
    from concurrent.futures import ProcessPoolExecutor

    seeds = np.random.SeedSequence(seed).spawn(len(scenes))
    tasks = [(scene, s, repeats, mixed_per_scene) for scene, s in zip(scenes, seeds, strict=True)]
    with ProcessPoolExecutor(workers) as pool:
        return [burst for bursts in pool.map(_scene_bursts, tasks) for burst in bursts]


def _scene_bursts(task: tuple) -> list[Burst]:
    scene, seed, repeats, mixed_per_scene = task
    rng = np.random.default_rng(seed)
    visible = [d for d in DEGRADATIONS if d.visible]
    source = load_scene(scene)
    bursts = []
    for degradation in DEGRADATIONS:
        for _ in range(repeats):
            kind = degradation.kind if degradation.visible else "subtle: " + degradation.label
            bursts.append(make_burst(scene, source, [degradation] * 2, rng, kind))
    for _ in range(mixed_per_scene):
        count = int(rng.integers(3, 6))
        chosen = [visible[i] for i in rng.choice(len(visible), count, replace=False)]
        bursts.append(make_burst(scene, source, chosen, rng, "mixed burst"))
    return bursts


def evaluate(
    rank: Callable[[list[Image.Image]], list[float]], bursts: Sequence[Burst]
) -> dict[str, tuple[int, int, int, int]]:
    """{kind: (bursts whose clean frame ranked first, bursts, the same two over the bursts
    whose degradations are seen in their scene)} in the order kinds first appear."""
    results: dict[str, list[int]] = {}
    for burst in bursts:
        scores = rank(burst.frames)
        won = int(np.argmax(scores)) == burst.clean
        entry = results.setdefault(burst.kind, [0, 0, 0, 0])
        entry[0] += int(won)
        entry[1] += 1
        entry[2] += int(won and burst.seen)
        entry[3] += int(burst.seen)
    return {kind: tuple(entry) for kind, entry in results.items()}


def summarise(results: dict[str, tuple[int, ...]]) -> dict[str, float]:
    """Accuracy over visible kinds, over their bursts seen in their scene, over subtle kinds
    and over everything."""
    visible = [v for k, v in results.items() if not k.startswith("subtle")]
    subtle = [v for k, v in results.items() if k.startswith("subtle")]

    def share(rows, wins=0, totals=1):
        total = sum(row[totals] for row in rows)
        return sum(row[wins] for row in rows) / total if total else float("nan")

    return {
        "visible": share(visible),
        "seen": share(visible, 2, 3),
        "subtle": share(subtle),
        "all": share(visible + subtle),
    }
