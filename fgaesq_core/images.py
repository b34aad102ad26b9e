"""Opening input images safely: EXIF orientation, RGB, and a decoded-size guard."""

from __future__ import annotations

import warnings
from pathlib import Path

from PIL import Image, ImageOps

from .errors import ImageInputError

#: Largest decoded image accepted (pixels); beyond this decoding could exhaust memory.
MAX_DECODED_PIXELS = 150_000_000

ImageInput = str | Path | Image.Image


def load_image(source: ImageInput, max_pixels: int = MAX_DECODED_PIXELS) -> Image.Image:
    """Open a path or take a PIL image, apply EXIF orientation (paths), return RGB.

    Args:
        source: a file path or a PIL image (used as is apart from RGB conversion).
        max_pixels: refuse images with more decoded pixels than this.

    Returns:
        An RGB PIL image (the source file is never modified).

    Raises:
        ImageInputError: the file is missing, not an image, or too large.
    """
    if isinstance(source, Image.Image):
        _check_size(source.size, "<PIL image>", max_pixels)
        return source if source.mode == "RGB" else source.convert("RGB")
    path = Path(source)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                _check_size(img.size, str(path), max_pixels)
                img = ImageOps.exif_transpose(img)
                return img.convert("RGB")
    except ImageInputError:
        raise
    except FileNotFoundError as exc:
        raise ImageInputError(f"{path}: file not found") from exc
    except Image.DecompressionBombError as exc:
        raise ImageInputError(f"{path}: image too large to decode safely ({exc})") from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise ImageInputError(f"{path}: cannot read image ({exc})") from exc


def _check_size(size: tuple[int, int], name: str, max_pixels: int) -> None:
    if size[0] * size[1] > max_pixels:
        raise ImageInputError(
            f"{name}: {size[0]}x{size[1]} = {size[0] * size[1]:,} pixels is over the "
            f"{max_pixels:,}-pixel limit; downscale it first"
        )


def cap_long_side(image: Image.Image, max_side: int) -> Image.Image:
    """Downscale (LANCZOS) so the long side is at most ``max_side``; smaller images pass."""
    w, h = image.size
    if max(w, h) <= max_side:
        return image
    scale = max_side / max(w, h)
    return image.resize((max(1, int(w * scale)), max(1, int(h * scale))), Image.Resampling.LANCZOS)
