"""The small picture a camera stores inside each JPEG: the EXIF thumbnail (IFD1).

Cameras write a 160 x 120 JPEG into every photo's EXIF block.  Reading it costs a header
parse and a tiny decode, a few milliseconds against the tens a draft decode of a 24 MP
file takes, so a card's contact sheet can fill the screen at once and be sharpened later.
RAW files need nothing here: their decode already starts from the camera's embedded
preview (:mod:`app.photos.decode`).
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

from PIL import ExifTags, Image, ImageOps

from app.photos.formats import JPEG_EXTENSIONS, JPEG_FORMATS, suffix

_THUMB_OFFSET, _THUMB_LENGTH = 0x0201, 0x0202  # JPEGInterchangeFormat(Length)
_EXIF_HEADER = b"Exif\x00\x00"
# An EXIF block holds at most 64 KB, so a real thumbnail is a few hundred pixels wide; a
# header that claims more is crafted or damaged, and decoding it would fill gigabytes.
MAX_THUMB_SIDE = 1024


def exif_thumbnail(path: Path | str) -> Image.Image | None:
    """The upright EXIF thumbnail of a JPEG, or None when it has none (or it is unreadable:
    the caller then decodes the photo itself, which reports any real damage)."""
    if suffix(path) not in JPEG_EXTENSIONS:
        return None
    try:
        with Image.open(path) as image:
            exif = image.getexif()
            raw = image.info.get("exif") or b""
            thumb = exif.get_ifd(ExifTags.IFD.IFD1)
            orientation = exif.get(0x0112, 1)
        offset, length = thumb.get(_THUMB_OFFSET), thumb.get(_THUMB_LENGTH)
        if not offset or not length:
            return None
        start = len(_EXIF_HEADER) + offset if raw.startswith(_EXIF_HEADER) else offset
        data = raw[start : start + length]
        if len(data) != length:
            return None
        small = Image.open(io.BytesIO(data), formats=JPEG_FORMATS)
        if max(small.size) > MAX_THUMB_SIDE:
            return None
        small.load()
    except Exception:  # Pillow and struct raise many kinds on damaged EXIF: none matters here
        return None
    small.getexif()[0x0112] = orientation  # the thumbnail is stored as the sensor saw it
    return ImageOps.exif_transpose(small).convert("RGB")


def exif_with_thumbnail(exif: bytes, thumbnail: bytes) -> bytes:
    """``exif`` (an ``Exif`` block as ``Image.Exif.tobytes`` writes it, "Exif\\0\\0" first)
    with ``thumbnail`` (JPEG bytes) added as IFD1, as cameras write it: for test shoots."""
    body = exif[len(_EXIF_HEADER) :] if exif.startswith(_EXIF_HEADER) else exif
    order = "<" if body[:2] == b"II" else ">"

    first = struct.unpack(order + "I", body[4:8])[0]
    count = struct.unpack(order + "H", body[first : first + 2])[0]
    next_at = first + 2 + 12 * count  # where IFD0 says which IFD follows it
    body = bytearray(body)
    if len(body) % 2:
        body += b"\x00"
    ifd1 = len(body)
    data_at = ifd1 + 2 + 3 * 12 + 4
    entries = [
        (0x0103, 3, 1, 6),
        (_THUMB_OFFSET, 4, 1, data_at),
        (_THUMB_LENGTH, 4, 1, len(thumbnail)),
    ]
    block = struct.pack(order + "H", len(entries))
    for tag, kind, n, value in entries:
        packed = (
            struct.pack(order + "H", value) + b"\x00\x00"
            if kind == 3
            else struct.pack(order + "I", value)
        )
        block += struct.pack(order + "HHI", tag, kind, n) + packed
    block += struct.pack(order + "I", 0)
    body[next_at : next_at + 4] = struct.pack(order + "I", ifd1)
    return _EXIF_HEADER + bytes(body) + block + thumbnail
