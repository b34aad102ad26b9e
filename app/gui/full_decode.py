"""A JPEG's full-resolution picture for 100 %, decoded straight into the screen's pixels.

Through Pillow a 24 MP JPEG is decoded to RGB, turned upright (a copy even when it already
is), then repacked as the 32-bit words of the screen's pixmaps: about 0.3 s on a free core,
of which the decode itself is a third.  libjpeg-turbo, through ``simplejpeg`` (its wheels
carry the library), writes BGRX straight into the memory of the QImage the loupe shows:
no copy, no repacking.  Of the packages looked at, none decodes only a region of a JPEG
here (PyTurboJPEG offers a lossless crop into a new JPEG, and needs the system's
libturbojpeg 3), so the whole picture is decoded, the cheapest way there is.

Anything else (no ``simplejpeg``, not a JPEG, turned by its EXIF orientation, CMYK, a
damaged file, beyond the pipeline's pixel cap) returns None: the pipeline's decoder then
does it as before, and reports what is wrong with the file.
"""

from __future__ import annotations

import sys

from PIL import Image
from PySide6.QtGui import QImage

from app.photos.decode import MAX_OUTPUT_PIXELS

try:
    import simplejpeg
except ImportError:  # an optional speed-up: Pillow decodes without it
    simplejpeg = None

#: EXIF orientation tag
ORIENTATION = 0x0112
#: how the bytes of a QImage ``Format_RGB32`` (0xffRRGGBB words) lie in memory
RGB32_PACKING = "BGRX" if sys.byteorder == "little" else "XRGB"


def decode_full(path: str) -> tuple[QImage, tuple[int, int]] | None:
    """The picture as an RGB32 QImage and its size, or None where Pillow must do it."""
    if simplejpeg is None:
        return None
    try:
        with Image.open(path) as header:  # the header only: size, mode, orientation
            if header.format != "JPEG" or header.mode not in ("RGB", "L"):
                return None
            if header.getexif().get(ORIENTATION, 1) != 1:
                return None
            width, height = header.size
        if width * height > MAX_OUTPUT_PIXELS:
            return None
        with open(path, "rb") as file:
            data = file.read()
        image = QImage(width, height, QImage.Format.Format_RGB32)
        if image.isNull() or image.bytesPerLine() != width * 4:
            return None
        simplejpeg.decode_jpeg(data, RGB32_PACKING, buffer=image.bits())
    except Exception:  # damaged, or a kind libjpeg-turbo refuses: Pillow says what is wrong
        return None
    return image, (width, height)


def qimage_to_pil(image: QImage) -> Image.Image:
    """An RGB copy of an RGB32 QImage, for the histogram of a full decode (unpacked from
    the QImage's memory: one copy, not two)."""
    size, data = (image.width(), image.height()), image.constBits()
    return Image.frombuffer("RGB", size, data, "raw", RGB32_PACKING, image.bytesPerLine(), 1)
