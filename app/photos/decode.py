"""The one image decoder: pipeline, scorers and GUI previews all call :func:`decode_image`
(the loupe's full-resolution JPEGs alone go straight to the screen: ``app/gui/full_decode.py``).

It decodes only as large as the caller needs: JPEG DCT scaling (Pillow's draft mode) and the
embedded preview of a RAW make a 1024 px work image from a 24 MP file many times faster than a
full decode.  EXIF orientation is applied, and the pixel count is capped so a hostile or broken
file cannot exhaust memory.
"""

from __future__ import annotations

import io
import math
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from app.errors import AppError
from app.photos.exif import camera_iso, read_iso
from app.photos.formats import (
    HEIF_EXTENSIONS,
    JPEG_FORMATS,
    PILLOW_FORMATS,
    is_raw,
    suffix,
)

# Refuse sources above this many pixels (about 4x the largest current sensors).
MAX_SOURCE_PIXELS = 400_000_000
# ``Image.info`` key: (width, height) of the upright source, before any reduction.
SOURCE_SIZE = "fgaesq_source_size"
# ``Image.info`` key: the ISO the camera recorded, where it recorded one (the burst
# judgement reads frames shot at one ISO as sharing their sensor noise).
CAMERA_ISO = "fgaesq_iso"
# Never hand out more than this many pixels, whatever the caller asks for.
MAX_OUTPUT_PIXELS = 50_000_000
# Pillow's own decompression-bomb guard starts at 89 MP, below real medium-format sensors
# (102 MP, 151 MP): it guards at the same limit as this module instead.
Image.MAX_IMAGE_PIXELS = MAX_SOURCE_PIXELS

_heif_registered = False


class PhotoReadError(AppError):
    """A photo could not be decoded; the message names the cause in plain words."""


def decode_image(path: Path | str, max_side: int | None = 1024) -> Image.Image:
    """Decode ``path`` to an upright 8-bit RGB image whose longer side is at most ``max_side``.

    Args:
        path: a JPEG, PNG, TIFF, WebP, HEIF or RAW file.
        max_side: longest side of the result in pixels; ``None`` keeps the full size (still
            capped at ``MAX_OUTPUT_PIXELS``).

    Raises:
        PhotoReadError: the file is empty, truncated, not an image, unreadable, or too large.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except PermissionError as exc:
        raise PhotoReadError("permission denied: cannot read this file") from exc
    except OSError as exc:
        raise PhotoReadError(f"cannot read this file: {exc.strerror or exc}") from exc
    if size == 0:
        raise PhotoReadError("empty file (0 bytes)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = _decode_raw(path, max_side) if is_raw(path) else _decode_raster(path, max_side)
    except PhotoReadError:
        raise
    except PermissionError as exc:
        raise PhotoReadError("permission denied: cannot read this file") from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoReadError(too_large()) from exc
    except Image.UnidentifiedImageError as exc:
        raise PhotoReadError(
            f"not an image, or a format that cannot be read ({suffix(path)})"
        ) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise PhotoReadError(_describe(exc)) from exc
    except MemoryError as exc:
        raise PhotoReadError("out of memory while decoding") from exc
    except Exception as exc:  # rawpy and pillow-heif raise their own classes
        raise PhotoReadError(_describe(exc)) from exc
    source = image.info.get(SOURCE_SIZE, image.size)
    iso = image.info.get(CAMERA_ISO)
    image = fit(image, max_side)
    image.info[SOURCE_SIZE] = source
    if iso:
        image.info[CAMERA_ISO] = iso
    return image


def camera_iso_of(image: Image.Image) -> int | None:
    """The ISO the camera recorded for the file ``image`` was decoded from, if any."""
    return image.info.get(CAMERA_ISO)


def source_size(image: Image.Image) -> tuple[int, int]:
    """The upright pixel size of the file ``image`` was decoded from (before any reduction),
    so positions found in a preview can be given in the original's pixels."""
    return tuple(image.info.get(SOURCE_SIZE, image.size))


def _decode_raster(path: Path, max_side: int | None) -> Image.Image:
    if suffix(path) in HEIF_EXTENSIONS:
        _register_heif()
    Image.init()  # every plugin registered, to know which of PILLOW_FORMATS are there
    formats = tuple(f for f in PILLOW_FORMATS if f in Image.OPEN)
    with Image.open(path, formats=formats) as image:
        _check_source_size(image.size)
        full = image.size
        if max_side and image.format == "JPEG":
            image.draft("RGB", _draft_box(image.size, max_side))
        image.load()
        exif = image.getexif()
        turned = exif.get(0x0112, 1) in (5, 6, 7, 8)
        upright = _to_rgb(ImageOps.exif_transpose(image))
        upright.info[SOURCE_SIZE] = (full[1], full[0]) if turned else full
        iso = camera_iso(exif)
        if iso:
            upright.info[CAMERA_ISO] = iso
        return upright


def _decode_raw(path: Path, max_side: int | None) -> Image.Image:
    import rawpy

    try:
        raw = rawpy.imread(str(path))
    except rawpy.LibRawFileUnsupportedError as exc:
        raise PhotoReadError("not a RAW file this build of LibRaw can read") from exc
    except rawpy.LibRawIOError as exc:
        raise PhotoReadError("cannot read this RAW file (truncated or damaged)") from exc
    with raw:
        flip = raw.sizes.flip
        width, height = raw.sizes.width, raw.sizes.height
        full = (height, width) if flip in (5, 6) else (width, height)
        preview = _embedded_preview(raw, max_side, flip)
        if preview is None:
            # No usable preview: demosaic at half size (a quarter of the pixels, no interpolation).
            rgb = raw.postprocess(half_size=True, use_camera_wb=True, output_bps=8)
            preview = Image.fromarray(rgb)
        preview.info[SOURCE_SIZE] = full
        iso = _raw_iso(raw) or read_iso(path)
        if iso:
            preview.info[CAMERA_ISO] = iso
        return preview


def _raw_iso(raw) -> int | None:
    """The ISO LibRaw read from a RAW file's metadata, or None (it reads no IFD0 ISO)."""
    try:
        iso = float(raw.other.iso_speed)
    except Exception:  # an older rawpy, or metadata LibRaw could not read
        return None
    return int(round(iso)) if math.isfinite(iso) and iso > 0 else None


def _embedded_preview(raw, max_side: int | None, flip: int) -> Image.Image | None:
    """The camera's own preview of a RAW, or None when it has none or it is too small."""
    import rawpy

    try:
        thumb = raw.extract_thumb()
    except (rawpy.LibRawNoThumbnailError, rawpy.LibRawUnsupportedThumbnailError):
        return None
    except rawpy.LibRawError:
        return None
    if thumb.format == rawpy.ThumbFormat.JPEG:
        with Image.open(io.BytesIO(thumb.data), formats=JPEG_FORMATS) as jpeg:
            if max_side:
                jpeg.draft("RGB", _draft_box(jpeg.size, max_side))
            jpeg.load()
            has_orientation = jpeg.getexif().get(0x0112, 1) != 1
            image = (
                ImageOps.exif_transpose(jpeg) if has_orientation else _apply_flip(jpeg.copy(), flip)
            )
    else:
        image = _apply_flip(Image.fromarray(np.ascontiguousarray(thumb.data)), flip)
    image = _to_rgb(image)
    wanted = min(max_side or 1024, 1024)
    if max(image.size) < wanted // 2:  # a tiny thumbnail would make scores meaningless
        return None
    return image


def _draft_box(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """The box to request from JPEG draft mode so that the longer side stays >= ``max_side``.

    DCT scaling decodes at 1/2, 1/4 or 1/8 size and never below the requested box; a square
    box would hold the shorter side to ``max_side`` and decode a landscape frame twice as large.
    """
    scale = min(max_side / max(size), 1.0)
    return max(1, math.ceil(size[0] * scale)), max(1, math.ceil(size[1] * scale))


def _apply_flip(image: Image.Image, flip: int) -> Image.Image:
    """Apply LibRaw's orientation code (0 none, 3 180 degrees, 5 90 ccw, 6 90 cw)."""
    transpose = {
        3: Image.Transpose.ROTATE_180,
        5: Image.Transpose.ROTATE_90,
        6: Image.Transpose.ROTATE_270,
    }
    return image.transpose(transpose[flip]) if flip in transpose else image


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        array = np.asarray(image, dtype=np.float32)
        peak = 65535.0 if image.mode.startswith("I;16") or array.max() > 255 else 255.0
        gray = np.clip(array / peak * 255.0, 0, 255).astype(np.uint8)
        return Image.fromarray(gray).convert("RGB")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, (255, 255, 255))
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    return image.convert("RGB")


def fit(image: Image.Image, max_side: int | None) -> Image.Image:
    """``image`` reduced so its longer side is at most ``max_side`` (and within the pixel cap)."""
    width, height = image.size
    scale = 1.0
    if max_side and max(width, height) > max_side:
        scale = max_side / max(width, height)
    if width * height * scale * scale > MAX_OUTPUT_PIXELS:
        scale = (MAX_OUTPUT_PIXELS / (width * height)) ** 0.5
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        image = image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    return image


def _check_source_size(size: tuple[int, int]) -> None:
    if size[0] * size[1] > MAX_SOURCE_PIXELS:
        raise PhotoReadError(too_large(size))


def too_large(size: tuple[int, int] | None = None) -> str:
    """Why a photo is refused for its size, with the cap this module applies (Pillow's own
    error names twice the cap: it errors at 2x and only warns between 1x and 2x)."""
    shown = f" ({size[0]}x{size[1]} pixels)" if size else ""
    return (
        f"image too large to decode safely{shown}: over {MAX_SOURCE_PIXELS / 1e6:g} MP, "
        "the most this app decodes"
    )


def _register_heif() -> None:
    global _heif_registered
    if not _heif_registered:
        from pillow_heif import register_heif_opener

        register_heif_opener()
        _heif_registered = True


def _describe(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    lowered = text.lower()
    if "truncated" in lowered or isinstance(exc, EOFError):
        return f"truncated or damaged image ({text})"
    if "cannot identify" in lowered:
        return "not an image, or a format that cannot be read"
    return f"cannot decode: {text}"
