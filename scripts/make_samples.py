"""Make the sample bursts in resources/samples/bursts from scikit-image's bundled photographs.

Each burst is one scene shot several times: every frame is slightly shifted (hand-held
shake) and all but one carry a defect: defocus, motion blur, over-exposure, under-exposure or
sensor noise.  The undegraded frame is the one a culler should pick.  EXIF
DateTimeOriginal, SubSecTimeOriginal, Make, Model, serial and exposure settings are written
with Pillow, so the bursts group by capture time; one burst comes from a second camera,
interleaved in time with another, to show that two shooters' frames never merge.  One
series is an exposure bracket (EXIF exposure bias 0, -2, +2), which a culler must keep whole.
``truth.json`` records the series and the undegraded frame of each.

The functions here are also used by benchmarks/bench_pipeline.py to generate large frames.

    python scripts/make_samples.py [--out resources/samples/bursts]
"""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter
from PIL.TiffImagePlugin import IFDRational

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "resources" / "samples" / "bursts"

# scikit-image sample photographs whose licences allow redistribution (see LICENSE.md).
SOURCES = (
    "astronaut",
    "coffee",
    "chelsea",
    "rocket",
    "hubble_deep_field",
    "camera",
    "coins",
    "retina",
)


def load_source(name: str) -> Image.Image:
    import skimage.data

    array = getattr(skimage.data, name)()
    return Image.fromarray(array).convert("RGB")


def fit(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Centre-crop to the aspect ratio of ``size`` and resize to it."""
    width, height = image.size
    target = size[0] / size[1]
    if width / height > target:
        new_width = round(height * target)
        box = ((width - new_width) // 2, 0, (width - new_width) // 2 + new_width, height)
    else:
        new_height = round(width / target)
        box = (0, (height - new_height) // 2, width, (height - new_height) // 2 + new_height)
    return image.crop(box).resize(size, Image.Resampling.LANCZOS)


def shake(image: Image.Image, rng: np.random.Generator, amount: float = 0.015) -> Image.Image:
    """A hand-held frame: the view shifted by up to ``amount`` of the width, borders refilled."""
    width, height = image.size
    dx, dy = (rng.uniform(-amount, amount, 2) * width).round().astype(int)
    shifted = image.transform(
        image.size,
        Image.Transform.AFFINE,
        (1, 0, dx, 0, 1, dy),
        resample=Image.Resampling.BILINEAR,
        fillcolor=None,
    )
    # Refill the exposed border from the edge so it does not read as a black frame line.
    array = np.asarray(shifted).copy()
    if dx > 0:
        array[:, width - dx :] = array[:, width - dx - 1 : width - dx]
    elif dx < 0:
        array[:, :-dx] = array[:, -dx : -dx + 1]
    if dy > 0:
        array[height - dy :] = array[height - dy - 1 : height - dy]
    elif dy < 0:
        array[:-dy] = array[-dy : -dy + 1]
    return Image.fromarray(array)


def defocus(image: Image.Image, sigma: float) -> Image.Image:
    return image.filter(ImageFilter.GaussianBlur(sigma))


def motion_blur(image: Image.Image, length: int) -> Image.Image:
    """Horizontal camera-shake blur over ``length`` pixels."""
    array = np.asarray(image, dtype=np.float32)
    padded = np.pad(array, ((0, 0), (length, length), (0, 0)), mode="edge")
    width = array.shape[1]
    out = (
        sum(
            padded[:, length + k - length // 2 : length + k - length // 2 + width]
            for k in range(length)
        )
        / length
    )
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))


def exposure(image: Image.Image, stops: float) -> Image.Image:
    """Change exposure by ``stops`` in linear light (sRGB approximated by gamma 2.2)."""
    linear = (np.asarray(image, dtype=np.float32) / 255.0) ** 2.2 * (2.0**stops)
    return Image.fromarray((np.clip(linear, 0, 1) ** (1 / 2.2) * 255).round().astype(np.uint8))


def overexpose(image: Image.Image, clipped: float = 0.08) -> Image.Image:
    """Over-expose until at least ``clipped`` of the pixels blow out (a dark scene needs more)."""
    luma = np.asarray(image.convert("L"), dtype=np.float32) / 255.0
    for stops in np.arange(1.0, 5.01, 0.25):
        if np.mean(np.clip(luma**2.2 * 2.0**stops, 0, 1) >= 0.99) >= clipped:
            break
    return exposure(image, float(stops))


def noise(image: Image.Image, sigma: float, rng: np.random.Generator) -> Image.Image:
    """Luminance noise of standard deviation ``sigma`` (on a 0..1 scale)."""
    array = np.asarray(image, dtype=np.float32) / 255.0
    grain = rng.normal(0.0, sigma, array.shape[:2])[..., None]
    return Image.fromarray((np.clip(array + grain, 0, 1) * 255).round().astype(np.uint8))


@dataclass(frozen=True)
class Defect:
    name: str
    apply: Callable[[Image.Image, np.random.Generator, float], Image.Image]


# ``scale`` is the frame width over 800 px, so defects look alike at any resolution.
DEFECTS = (
    Defect("defocus", lambda im, rng, scale: defocus(im, 2.5 * scale)),
    Defect("motion", lambda im, rng, scale: motion_blur(im, max(3, round(9 * scale)))),
    Defect("overexposed", lambda im, rng, scale: overexpose(im)),
    Defect("noisy", lambda im, rng, scale: noise(im, 0.06, rng)),
    Defect("underexposed", lambda im, rng, scale: exposure(im, -2.0)),
)


def burst(
    base: Image.Image, frames: int, rng: np.random.Generator
) -> tuple[list[Image.Image], list[str], int]:
    """Frames of one burst, their defect names ("clean" for the good one), and its index."""
    scale = base.width / 800.0
    clean_at = int(rng.integers(frames))
    defects = list(rng.permutation(len(DEFECTS)))
    images, labels = [], []
    for k in range(frames):
        frame = shake(base, rng)
        if k == clean_at:
            images.append(frame)
            labels.append("clean")
            continue
        defect = DEFECTS[defects.pop() if defects else int(rng.integers(len(DEFECTS)))]
        images.append(defect.apply(frame, rng, scale))
        labels.append(defect.name)
    return images, labels, clean_at


# The setting a camera changes to shoot the same light at a higher ISO: the noisy frames'
# grain is what ISO 6400 gives, four stops above the burst's 400, at a shutter four stops
# faster (the exposure, and so the frame's brightness, the same).
NOISY_SETTINGS = (6400, 16000)


def exif_for(
    when: datetime,
    make: str,
    model: str,
    serial: str | None = None,
    settings: tuple[int, int] = (400, 1000),
) -> Image.Exif:
    """EXIF of a frame; ``settings``: its (ISO, shutter 1/s)."""
    exif = Image.Exif()
    exif[0x010F] = make
    exif[0x0110] = model
    exif[0x0132] = when.strftime("%Y:%m:%d %H:%M:%S")
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = when.strftime("%Y:%m:%d %H:%M:%S")
    sub[0x9291] = f"{when.microsecond // 1000:03d}"
    if serial:
        sub[0xA431] = serial
    # A typical burst setting, so the details panel shows what a real card dump would.
    sub[0x829A] = IFDRational(1, settings[1])  # ExposureTime
    sub[0x829D] = IFDRational(28, 10)  # FNumber
    sub[0x8827] = settings[0]  # ISOSpeedRatings
    sub[0x920A] = IFDRational(85, 1)  # FocalLength
    sub[0xA434] = "85mm F1.8"  # LensModel
    return exif


def save_jpeg(
    image: Image.Image,
    path: Path,
    when: datetime,
    camera: tuple[str, str, str | None],
    quality: int = 82,
    settings: tuple[int, int] = (400, 1000),
) -> None:
    exif = exif_for(when, *camera, settings=settings)
    image.save(path, "JPEG", quality=quality, exif=exif, optimize=True)


@dataclass(frozen=True)
class BurstPlan:
    source: str
    frames: int
    start: datetime
    camera: tuple[str, str, str | None]
    interval_s: float = 0.25


CAMERA_A = ("Fictive", "Burst A1", "A1-0001")
CAMERA_B = ("Imaginary", "Rapid B2", "B2-0002")
T0 = datetime(2024, 6, 1, 10, 0, 0)


def sample_plan() -> tuple[list[BurstPlan], list[tuple[str, datetime, tuple]]]:
    bursts = [
        BurstPlan("astronaut", 5, T0, CAMERA_A),
        # About a second after the previous burst: time alone would merge them, SSIM splits them.
        BurstPlan("coffee", 4, T0 + timedelta(seconds=2.25), CAMERA_A),
        BurstPlan("chelsea", 6, T0 + timedelta(seconds=40), CAMERA_A, interval_s=0.15),
        BurstPlan("rocket", 4, T0 + timedelta(seconds=95), CAMERA_A, interval_s=0.4),
        # A second shooter at the same moment: interleaved in time, never merged.
        BurstPlan("coins", 3, T0 + timedelta(seconds=95.2), CAMERA_B, interval_s=0.4),
        BurstPlan("camera", 3, T0 + timedelta(seconds=180), CAMERA_A, interval_s=0.3),
    ]
    singles = [
        ("hubble_deep_field", T0 + timedelta(seconds=120), CAMERA_A),
        ("retina", T0 + timedelta(seconds=240), CAMERA_A),
    ]
    return bursts, singles


def make_samples(out: Path, width: int = 720, seed: int = 7) -> dict:
    """Write the sample set to ``out`` (replacing it) and return the ground truth."""
    rng = np.random.default_rng(seed)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    size = (width, round(width * 2 / 3))
    bursts, singles = sample_plan()
    truth = {"series": []}
    for number, plan in enumerate(bursts, start=1):
        base = fit(load_source(plan.source), size)
        images, labels, clean_at = burst(base, plan.frames, rng)
        names = []
        for k, (image, label) in enumerate(zip(images, labels, strict=True)):
            name = f"{plan.source}_{k + 1:02d}.jpg"
            when = plan.start + timedelta(seconds=plan.interval_s * k + float(rng.uniform(0, 0.05)))
            settings = NOISY_SETTINGS if label == "noisy" else (400, 1000)
            save_jpeg(image, out / name, when, plan.camera, settings=settings)
            names.append({"path": name, "defect": label})
        truth["series"].append({"id": number, "members": names, "best": names[clean_at]["path"]})
    for source, when, camera in singles:
        name = f"{source}_single.jpg"
        save_jpeg(fit(load_source(source), size), out / name, when, camera)
        truth["series"].append(
            {
                "id": len(truth["series"]) + 1,
                "members": [{"path": name, "defect": "clean"}],
                "best": name,
            }
        )
    truth["series"].append(face_burst(out, len(truth["series"]) + 1))
    add_bracket(out, size, truth)
    (out / "truth.json").write_text(json.dumps(truth, indent=2) + "\n", encoding="utf-8")
    return truth


# A portrait burst in which the sharpest frame caught a blink: the scores alone would pick
# it, the closed-eye rule picks the best frame with the eyes open.  Its own random stream,
# so the other bursts stay as they are.
FACE_FRAMES = (
    ("motion", lambda im, rng: motion_blur(im, 9)),
    ("closed_eyes", None),
    ("slightly_soft", lambda im, rng: defocus(im, 0.6)),
    ("underexposed", lambda im, rng: exposure(im, -2.0)),
)


def face_burst(out: Path, number: int, width: int = 720, seed: int = 11) -> dict:
    """Write ``portrait_*.jpg`` (the astronaut framed from the top, eyes closed in one frame
    by scripts/synthetic_faces.py) and return its truth entry."""
    import synthetic_faces

    rng = np.random.default_rng(seed)
    source = synthetic_faces.ASTRONAUT
    photo = source.load()
    crop = photo.crop((0, 0, photo.width, round(photo.width * 2 / 3)))
    scale = width / crop.width
    base = crop.resize((width, round(width * 2 / 3)), Image.Resampling.LANCZOS)
    closed = synthetic_faces.close_eyes(base, synthetic_faces.transform_eyes(source.eyes, scale))
    start = T0 + timedelta(seconds=300)
    members = []
    for k, (defect, apply) in enumerate(FACE_FRAMES):
        frame = shake(closed if apply is None else base, rng)
        if apply is not None:
            frame = apply(frame, rng)
        name = f"portrait_{k + 1:02d}.jpg"
        when = start + timedelta(seconds=0.2 * k + float(rng.uniform(0, 0.05)))
        save_jpeg(frame, out / name, when, CAMERA_A)
        members.append({"path": name, "defect": defect})
    return {
        "id": number,
        "members": members,
        "best": "portrait_03.jpg",
        "best_by_score": "portrait_02.jpg",
        "pick_reason": "eyes_open",
    }


# An exposure bracket as cameras shoot it (base, under, over), with its own random stream so
# the files above stay the same; the culler keeps all three frames for HDR merging.
BRACKET = ("coffee", T0 + timedelta(seconds=360), ((0, 1 / 250), (-2, 1 / 1000), (2, 1 / 60)))


def add_bracket(out: Path, size: tuple[int, int], truth: dict) -> None:
    """Write the sample bracket (EXIF ExposureBiasValue and ExposureTime stepping) into
    ``out`` and add it to ``truth`` with ``"kind": "bracket"``."""
    source, start, steps = BRACKET
    rng = np.random.default_rng(11)
    base = fit(load_source(source), size)
    members = []
    for k, (bias, seconds) in enumerate(steps):
        name = f"{source}_bracket_{k + 1:02d}.jpg"
        when = start + timedelta(seconds=0.2 * k)
        exif = exif_for(when, *CAMERA_A)
        sub = exif.get_ifd(0x8769)
        sub[0x829A] = IFDRational(*Fraction(seconds).limit_denominator(8000).as_integer_ratio())
        sub[0x9204] = IFDRational(bias, 1)  # ExposureBiasValue
        image = exposure(shake(base, rng, amount=0.004), bias) if bias else base
        image.save(out / name, "JPEG", quality=82, exif=exif, optimize=True)
        members.append({"path": name, "defect": "clean", "exposure_bias": bias})
    truth["series"].append(
        {
            "id": len(truth["series"]) + 1,
            "kind": "bracket",
            "members": members,
            "best": members[0]["path"],
        }
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--width", type=int, default=720)
    args = parser.parse_args(argv)
    truth = make_samples(args.out, args.width)
    total = sum(f.stat().st_size for f in args.out.iterdir())
    frames = sum(len(s["members"]) for s in truth["series"])
    print(f"{frames} photos in {len(truth['series'])} series, {total / 1e6:.2f} MB in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
