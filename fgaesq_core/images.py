"""Opening input images safely (EXIF orientation, RGB, a decoded-size guard), and the one
rule for the size the model sees (``fit_to_budget``)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image, ImageOps

from .errors import ImageInputError

if TYPE_CHECKING:
    from .config import TokenizerConfig

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


def budget_side(size: tuple[int, int], config: TokenizerConfig) -> int:
    """The longest side, at most the image's own, at which a (w, h) frame's 32 px regions
    plus its fine tokens fit the token budget: the whole frame reaches the model and
    nothing is dropped at random (the scale the model was trained at; docs/model.md,
    "One input size").

    A 4000x3000 frame fits at 786 px, 6000x4000 at 844, 3840x2160 at 921, 3000x3000 at
    687 (the side moves by a few pixels with the rounding of the short side).
    """
    from .regions import fitted_size

    w, h = size
    room = config.max_tokens - 1 - 3 * config.num_fine_regions

    def regions(side: int) -> int:
        scale = side / max(w, h)
        sw, sh = max(1, int(w * scale)), max(1, int(h * scale))
        fh, fw = fitted_size(sh, sw, config.region_size)
        return (fh // config.region_size) * (fw // config.region_size)

    side = max(w, h)
    if regions(side) <= room:
        return side
    low, high = config.region_size, side  # regions(low) fits, regions(high) does not
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if regions(middle) <= room else (low, middle)
    return low


def fit_to_budget(image: Image.Image, config: TokenizerConfig) -> Image.Image:
    """``image`` downscaled (LANCZOS) to ``budget_side``; one that fits already passes."""
    return cap_long_side(image, budget_side(image.size, config))
