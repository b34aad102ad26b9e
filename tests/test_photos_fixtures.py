"""Builders shared by the photo, grouping, scoring, pipeline and CLI tests (no tests here).

Everything is written for real: JPEGs with EXIF through Pillow, DNG files through tifffile
that LibRaw (rawpy) reads, and checksums of every file to prove originals never change.
"""

from __future__ import annotations

import hashlib
import os
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import skimage.data
import tifffile
from PIL import Image, ImageFilter

T0 = datetime(2024, 6, 1, 12, 0, 0)


def scene(
    name: str = "astronaut", size: tuple[int, int] = (240, 160), shift: int = 0
) -> Image.Image:
    """A natural photograph from scikit-image, cropped to ``size``'s aspect ratio and resized."""
    image = Image.fromarray(getattr(skimage.data, name)()).convert("RGB")
    width, height = image.size
    ratio = size[0] / size[1]
    crop_h = round(min(height, width / ratio) * 0.9)  # leave room to shift the view
    crop_w = round(crop_h * ratio)
    left, top = (width - crop_w) // 2 + shift, (height - crop_h) // 2 + shift // 2
    left, top = max(0, min(width - crop_w, left)), max(0, min(height - crop_h, top))
    return image.crop((left, top, left + crop_w, top + crop_h)).resize(
        size, Image.Resampling.LANCZOS
    )


def blurred(image: Image.Image, sigma: float = 2.5) -> Image.Image:
    return image.filter(ImageFilter.GaussianBlur(sigma))


def exif(
    when: datetime | str | None = T0,
    subsec: str | None = None,
    offset: str | None = None,
    make: str | None = "Fictive",
    model: str | None = "Burst A1",
    serial: str | None = None,
    orientation: int | None = None,
) -> Image.Exif:
    data = Image.Exif()
    if make:
        data[0x010F] = make
    if model:
        data[0x0110] = model
    if orientation:
        data[0x0112] = orientation
    sub = data.get_ifd(0x8769)
    if when is not None:
        sub[0x9003] = when if isinstance(when, str) else when.strftime("%Y:%m:%d %H:%M:%S")
    if subsec is not None:
        sub[0x9291] = subsec
    if offset is not None:
        sub[0x9011] = offset
    if serial:
        sub[0xA431] = serial
    return data


def jpeg(path: Path, image: Image.Image | None = None, **exif_fields) -> Path:
    """Write a JPEG with EXIF; ``when`` may be a datetime or a number of seconds after T0."""
    when = exif_fields.pop("when", T0)
    if isinstance(when, int | float):
        seconds = float(when)
        when = T0 + timedelta(seconds=int(seconds))
        exif_fields.setdefault("subsec", f"{round((seconds % 1) * 1000):03d}")
    path.parent.mkdir(parents=True, exist_ok=True)
    (image or scene()).save(path, "JPEG", quality=90, exif=exif(when, **exif_fields))
    return path


def burst(
    folder: Path,
    name: str,
    start: float,
    frames: int = 3,
    prefix: str | None = None,
    interval: float = 0.3,
    sharp_at: int = 0,
    **exif_fields,
) -> list[Path]:
    """A burst of one scene: frame ``sharp_at`` crisp, the others defocused."""
    paths = []
    for k in range(frames):
        image = scene(name, shift=2 * k)
        if k != sharp_at:
            image = blurred(image, 2.0 + k)
        paths.append(
            jpeg(
                folder / f"{prefix or name}_{k + 1:02d}.jpg",
                image,
                when=start + interval * k,
                **exif_fields,
            )
        )
    return paths


_DNG_TAGS = [
    (50706, "B", 4, (1, 4, 0, 0), True),  # DNGVersion
    (50707, "B", 4, (1, 1, 0, 0), True),  # DNGBackwardVersion
    (50708, "s", 0, "Fictive Burst A1", True),  # UniqueCameraModel
    (271, "s", 0, "Fictive", True),
    (272, "s", 0, "Burst A1", True),
    (50721, "2i", 9, (1, 1, 0, 1, 0, 1, 0, 1, 1, 1, 0, 1, 0, 1, 0, 1, 1, 1), True),  # ColorMatrix1
    (50728, "2I", 3, (1, 1, 1, 1, 1, 1), True),  # AsShotNeutral
]
_CFA_TAGS = [
    (33421, "H", 2, (2, 2), True),  # CFARepeatPatternDim
    (33422, "B", 4, (0, 1, 1, 2), True),  # CFAPattern RGGB
    (50717, "I", 1, 4095, True),  # WhiteLevel
]


def dng(
    path: Path,
    preview: Image.Image | None = None,
    size: tuple[int, int] = (96, 64),
    seed: int = 0,
    iso: int | None = None,
    ifd0: dict[int, tuple] | None = None,
) -> Path:
    """A minimal DNG LibRaw can read: a Bayer mosaic, with an RGB preview in IFD0 if given,
    and the camera's ISO (ISOSpeedRatings in IFD0) if given; ``ifd0``: more IFD0 tags
    (tag: (type, count, value)), as TIFF/EP places the capture settings."""
    rng = np.random.default_rng(seed)
    tags = _DNG_TAGS + ([(34855, "H", 1, iso, True)] if iso else [])
    tags += [(tag, *entry, True) for tag, entry in (ifd0 or {}).items()]
    mosaic = (rng.random((size[1], size[0])) * 4000).astype(np.uint16)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tifffile.TiffWriter(path) as writer:
        if preview is not None:
            writer.write(
                np.asarray(preview.convert("RGB")),
                photometric="rgb",
                subfiletype=1,
                subifds=1,
                extratags=tags,
            )
            writer.write(mosaic, photometric=32803, subfiletype=0, extratags=_CFA_TAGS)
        else:
            writer.write(mosaic, photometric=32803, subfiletype=0, extratags=tags + _CFA_TAGS)
    return path


def checksums(folder: Path) -> dict[str, str]:
    """SHA-256 of every regular file below ``folder`` (links not followed), by relative path."""
    found = {}
    for directory, _dirs, files in os.walk(folder, followlinks=False):
        for name in files:
            path = Path(directory) / name
            if path.is_symlink() or not path.is_file():
                continue
            try:
                found[os.fsdecode(path.relative_to(folder))] = hashlib.sha256(
                    path.read_bytes()
                ).hexdigest()
            except PermissionError:
                mode = path.stat().st_mode
                path.chmod(0o600)
                found[os.fsdecode(path.relative_to(folder))] = hashlib.sha256(
                    path.read_bytes()
                ).hexdigest()
                path.chmod(mode)
    return found


def exposed(image: Image.Image, stops: float) -> Image.Image:
    """Exposure changed by ``stops`` in linear light (gamma 2.2), clipping like a sensor."""
    linear = (np.asarray(image, dtype=np.float32) / 255.0) ** 2.2 * (2.0**stops)
    return Image.fromarray((np.clip(linear, 0, 1) ** (1 / 2.2) * 255).round().astype(np.uint8))


def noisy(image: Image.Image, sigma: float = 0.06, seed: int = 0) -> Image.Image:
    array = np.asarray(image, dtype=np.float32) / 255.0
    grain = np.random.default_rng(seed).normal(0.0, sigma, array.shape[:2])[..., None]
    return Image.fromarray((np.clip(array + grain, 0, 1) * 255).round().astype(np.uint8))
