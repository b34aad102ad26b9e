"""The XMP packet (and EXIF rating) a photo carries inside itself, found without decoding it.

Lightroom writes a JPEG's, TIFF's and DNG's marks into the file rather than into a sidecar,
Photo Mechanic can do the same, and cameras write their in-body rating there.  These are a
person's marks.  Only the file's structure is walked (JPEG segments up to the image data,
the first TIFF directory, ISO base media boxes, PNG and WebP chunks): a few small reads per
photo, never the pixels.  A file whose structure is damaged simply has no packet here (its
decoding reports the damage).  A packet over ``MAX_SIDECAR_BYTES`` is not read, and says so
(``SidecarError``): it may hold a person's stars (Photoshop's DocumentAncestors alone grow
packets to tens of megabytes), so the photo is held as a sidecar that size would be.

Where the packet lives:

- JPEG: an APP1 segment that starts ``http://ns.adobe.com/xap/1.0/``; the EXIF APP1's
  first directory may hold tag 0x4746 (Rating, written by cameras and Windows) and 0x4749
  (RatingPercent, written by Windows);
- TIFF and the TIFF-based RAWs (DNG, NEF, CR2, ARW, PEF, SRW, ORF, RW2): tag 700 (and
  0x4746, 0x4749) of the first directory;
- HEIF/HEIC/AVIF: an item of type ``mime``, content type ``application/rdf+xml``;
  CR3 and other ISO files: a ``uuid`` box with the XMP UUID;
- RAF: the JPEG preview it embeds; PNG: the ``XML:com.adobe.xmp`` iTXt chunk; WebP: the
  ``XMP `` chunk.
"""

from __future__ import annotations

import contextlib
import os
import stat
import struct
import zlib
from dataclasses import dataclass
from typing import BinaryIO

from app.sidecars.xmp import MAX_SIDECAR_BYTES, SidecarError

XMP_UUID = bytes.fromhex("be7acfcb97a942e89c71999491e3afac")
JPEG_XMP = b"http://ns.adobe.com/xap/1.0/\x00"
PNG_XMP = b"XML:com.adobe.xmp\x00"  # an iTXt chunk's keyword and its terminator
TIFF_XMP_TAG = 700
TIFF_RATING_TAG = 0x4746
TIFF_RATING_PERCENT_TAG = 0x4749
MAX_SEGMENTS = 512  # JPEG segments / boxes / chunks looked at before giving up


@dataclass(frozen=True)
class EmbeddedMarks:
    """What a photo file carries: its XMP packet and its EXIF rating in stars and in percent
    (None: not there), and any further packet a JPEG holds (one is allowed; a tool that
    added a second instead of replacing the first leaves marks in both)."""

    packet: bytes | None = None
    exif_rating: int | None = None
    more_packets: tuple[bytes, ...] = ()
    exif_rating_percent: int | None = None


class _Damaged(Exception):
    """The structure ends or points nowhere: there is no packet to find."""


class _TooLarge(Exception):
    """The structure holds a packet too large to read safely (its size in bytes)."""


def read_embedded(path: str | os.PathLike[str]) -> EmbeddedMarks:
    """The XMP packet and EXIF rating inside a photo file.

    Raises:
        OSError: the file cannot be opened or read (a FIFO or device is refused unread).
        SidecarError: the file holds a packet over ``MAX_SIDECAR_BYTES``.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return EmbeddedMarks()
        head = handle.read(16)
        try:
            return _dispatch(handle, head)
        except _TooLarge as error:
            megabytes = error.args[0] / 2**20
            raise SidecarError(
                path,
                f"its XMP packet is {megabytes:.1f} MB, more than the "
                f"{MAX_SIDECAR_BYTES // 2**20} MB read safely",
            ) from error
        except (_Damaged, struct.error, zlib.error, ValueError, OverflowError, IndexError):
            return EmbeddedMarks()


def _dispatch(handle: BinaryIO, head: bytes) -> EmbeddedMarks:
    if head.startswith(b"\xff\xd8"):
        return _jpeg(handle, 2)
    if head[:4] in (b"II*\x00", b"MM\x00*", b"IIRO", b"IIRS", b"IIU\x00"):
        return _tiff(handle, 0)
    if head[4:8] == b"ftyp":
        return _iso(handle)
    if head.startswith(b"FUJIFILMCCD-RAW"):
        handle.seek(84)
        offset = struct.unpack(">I", _exact(handle, 4))[0]
        handle.seek(offset)
        if _exact(handle, 2) != b"\xff\xd8":
            return EmbeddedMarks()
        return _jpeg(handle, offset + 2)
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return _png(handle)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return _webp(handle)
    return EmbeddedMarks()


def _exact(handle: BinaryIO, size: int) -> bytes:
    if size < 0 or size > MAX_SIDECAR_BYTES:
        raise _Damaged
    data = handle.read(size)
    if len(data) != size:
        raise _Damaged
    return data


def _packet(handle: BinaryIO, size: int) -> bytes:
    """A packet of ``size`` bytes from where ``handle`` stands (a size past the end of the
    file is damage, not a large packet)."""
    if size > MAX_SIDECAR_BYTES:
        here = handle.tell()
        end = handle.seek(0, os.SEEK_END)
        handle.seek(here)
        raise _TooLarge(size) if here + size <= end else _Damaged
    return _exact(handle, size)


# -- JPEG -----------------------------------------------------------------------------------


def _jpeg(handle: BinaryIO, start: int) -> EmbeddedMarks:
    handle.seek(start)
    packet = None
    ratings: tuple[int | None, int | None] = (None, None)
    more: list[bytes] = []
    for _ in range(MAX_SEGMENTS):
        marker = _exact(handle, 2)
        if marker[0] != 0xFF:
            raise _Damaged
        kind = marker[1]
        if kind in (0xD9, 0xDA):  # end of image, start of scan: no metadata after this
            break
        if kind == 0xFF or 0xD0 <= kind <= 0xD7 or kind == 0x01:
            handle.seek(-1, os.SEEK_CUR)  # fill byte or a marker without a length
            continue
        length = struct.unpack(">H", _exact(handle, 2))[0] - 2
        if length < 0:
            raise _Damaged
        if kind == 0xE1 and length > len(JPEG_XMP):
            body = _exact(handle, length)
            if body.startswith(JPEG_XMP):
                if packet is None:
                    packet = body[len(JPEG_XMP) :]
                else:
                    more.append(body[len(JPEG_XMP) :])
            elif ratings == (None, None) and body.startswith(b"Exif\x00\x00"):
                with contextlib.suppress(_Damaged, _TooLarge, struct.error):
                    ratings = _tiff_fields(_Bytes(body[6:]), 0)[1:]
        else:
            handle.seek(length, os.SEEK_CUR)
    return EmbeddedMarks(packet, ratings[0], tuple(more), ratings[1])


# -- TIFF -----------------------------------------------------------------------------------


class _Bytes:
    """A bytes object with the file methods the TIFF reader uses."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def seek(self, pos: int, whence: int = 0) -> int:
        self.pos = len(self.data) + pos if whence == os.SEEK_END else pos
        return self.pos

    def tell(self) -> int:
        return self.pos

    def read(self, size: int) -> bytes:
        chunk = self.data[self.pos : self.pos + size]
        self.pos += len(chunk)
        return chunk


def _tiff(handle: BinaryIO, base: int) -> EmbeddedMarks:
    packet, rating, percent = _tiff_fields(handle, base)
    return EmbeddedMarks(packet, rating, exif_rating_percent=percent)


def _tiff_fields(handle, base: int) -> tuple[bytes | None, int | None, int | None]:
    """Tags 700 (XMP), 0x4746 (Rating) and 0x4749 (RatingPercent) of the first directory of
    a TIFF at ``base``."""
    handle.seek(base)
    order = _exact(handle, 2)
    if order not in (b"II", b"MM"):
        raise _Damaged
    end = "<" if order == b"II" else ">"
    _exact(handle, 2)  # 42, or a RAW maker's own magic number
    handle.seek(base + struct.unpack(end + "I", _exact(handle, 4))[0])
    count = struct.unpack(end + "H", _exact(handle, 2))[0]
    entries = _exact(handle, 12 * min(count, 1024))
    packet = rating = percent = None
    where = xmp_size = 0
    for i in range(0, len(entries), 12):
        tag, kind, number = struct.unpack(end + "HHI", entries[i : i + 8])
        value = entries[i + 8 : i + 12]
        if tag == TIFF_XMP_TAG and kind in (1, 7) and number:
            xmp_size = number
            where = struct.unpack(end + "I", value)[0] if number > 4 else -1
            if where == -1:
                packet = value[:number]
        elif tag in (TIFF_RATING_TAG, TIFF_RATING_PERCENT_TAG) and kind == 3 and number == 1:
            if tag == TIFF_RATING_TAG:
                rating = struct.unpack(end + "H", value[:2])[0]
            else:
                percent = struct.unpack(end + "H", value[:2])[0]
    if where > 0:
        handle.seek(base + where)
        packet = _packet(handle, xmp_size)
    return packet, rating, percent


# -- ISO base media (HEIF, AVIF, CR3) -----------------------------------------------------


def _boxes(handle: BinaryIO, start: int, end: int | None):
    """``(type, payload offset, payload size)`` of the boxes from ``start`` to ``end``."""
    pos = start
    for _ in range(MAX_SEGMENTS):
        if end is not None and pos + 8 > end:
            return
        handle.seek(pos)
        header = handle.read(8)
        if len(header) < 8:
            return
        size, kind = struct.unpack(">I4s", header)
        offset = 8
        if size == 1:
            size = struct.unpack(">Q", _exact(handle, 8))[0]
            offset = 16
        elif size == 0:  # to the end of the file (or of the parent)
            size = (end if end is not None else os.fstat(handle.fileno()).st_size) - pos
        if size < offset:
            raise _Damaged
        yield kind, pos + offset, size - offset
        pos += size


def _iso(handle: BinaryIO) -> EmbeddedMarks:
    for kind, offset, size in _boxes(handle, 0, None):
        if kind == b"uuid" and size > 16:
            handle.seek(offset)
            if _exact(handle, 16) == XMP_UUID:
                return EmbeddedMarks(_packet(handle, size - 16))
        elif kind == b"meta":
            packet = _heif_item(handle, offset + 4, offset + size)  # after version and flags
            if packet is not None:
                return EmbeddedMarks(packet)
        elif kind == b"moov":
            for inner, inner_offset, inner_size in _boxes(handle, offset, offset + size):
                if inner == b"uuid" and inner_size > 16:
                    handle.seek(inner_offset)
                    if _exact(handle, 16) == XMP_UUID:
                        return EmbeddedMarks(_packet(handle, inner_size - 16))
    return EmbeddedMarks()


def _heif_item(handle: BinaryIO, start: int, end: int) -> bytes | None:
    """The data of the ``application/rdf+xml`` item of a HEIF ``meta`` box."""
    xmp_item = None
    locations: dict[int, list[tuple[int, int]]] = {}
    for kind, offset, size in _boxes(handle, start, end):
        handle.seek(offset)
        if kind == b"iinf":
            xmp_item = _xmp_item_id(_exact(handle, size))
        elif kind == b"iloc":
            locations = _item_locations(_exact(handle, size))
    if xmp_item is None or xmp_item not in locations:
        return None
    extents = locations[xmp_item][:16]
    total = sum(length for _offset, length in extents)
    if total > MAX_SIDECAR_BYTES:
        end = handle.seek(0, os.SEEK_END)
        raise _TooLarge(total) if all(o + n <= end for o, n in extents) else _Damaged
    parts = []
    for extent_offset, length in extents:
        handle.seek(extent_offset)
        parts.append(_exact(handle, length))
    return b"".join(parts)


def _xmp_item_id(iinf: bytes) -> int | None:
    version = iinf[0]
    pos = 4 + (2 if version == 0 else 4)
    handle = _Bytes(iinf)
    for kind, offset, size in _boxes(handle, pos, len(iinf)):  # type: ignore[arg-type]
        if kind != b"infe":
            continue
        body = iinf[offset : offset + size]
        infe_version = body[0]
        if infe_version < 2:
            continue
        item_id_size = 2 if infe_version == 2 else 4
        item_id = int.from_bytes(body[4 : 4 + item_id_size], "big")
        rest = body[4 + item_id_size + 2 :]  # after the protection index
        item_type, rest = rest[:4], rest[4:]
        if item_type == b"mime":
            name, _, rest = rest.partition(b"\x00")
            content_type = rest.partition(b"\x00")[0]
            if content_type == b"application/rdf+xml":
                return item_id
    return None


def _item_locations(iloc: bytes) -> dict[int, list[tuple[int, int]]]:
    """``{item id: [(file offset, length), ...]}`` from an ``iloc`` box (construction 0)."""
    version = iloc[0]
    sizes = iloc[4] << 8 | iloc[5]
    offset_size, length_size = sizes >> 12, (sizes >> 8) & 15
    base_size, index_size = (sizes >> 4) & 15, sizes & 15
    pos = 6
    if version < 2:
        count = int.from_bytes(iloc[pos : pos + 2], "big")
        pos += 2
    else:
        count = int.from_bytes(iloc[pos : pos + 4], "big")
        pos += 4

    def number(size: int) -> int:
        nonlocal pos
        value = int.from_bytes(iloc[pos : pos + size], "big")
        if size and pos + size > len(iloc):
            raise _Damaged
        pos += size
        return value

    found: dict[int, list[tuple[int, int]]] = {}
    for _ in range(min(count, 4096)):
        item_id = number(2 if version < 2 else 4)
        method = number(2) & 15 if version in (1, 2) else 0
        number(2)  # data reference index
        base = number(base_size)
        extents = []
        for _ in range(number(2)):
            if version in (1, 2) and index_size:
                number(index_size)
            extents.append((base + number(offset_size), number(length_size)))
        if method == 0:
            found[item_id] = extents
    return found


# -- PNG and WebP ---------------------------------------------------------------------------


def _chunks(handle: BinaryIO, pos: int, header: str, trailer: int, pad: bool):
    """``(kind, payload offset, length)`` of the chunks of a PNG or WebP file from ``pos``."""
    for _ in range(MAX_SEGMENTS):
        handle.seek(pos)
        raw = handle.read(8)
        if len(raw) < 8:
            return
        first, second = struct.unpack(header, raw)
        kind, length = (second, first) if isinstance(second, bytes) else (first, second)
        yield kind, pos + 8, length
        pos += 8 + length + trailer + (length & 1 if pad else 0)


def _png(handle: BinaryIO) -> EmbeddedMarks:
    for kind, offset, length in _chunks(handle, 8, ">I4s", trailer=4, pad=False):
        if kind == b"IEND":
            break
        if kind == b"iTXt":
            handle.seek(offset)
            if handle.read(len(PNG_XMP)) != PNG_XMP:
                continue  # another text: never read whole
            handle.seek(offset)
            rest = _packet(handle, length)[len(PNG_XMP) :]
            compressed = rest[:1] == b"\x01"
            text = rest[2:].split(b"\x00", 2)[-1]  # after language and translated keyword
            if compressed:
                text = zlib.decompressobj().decompress(text, MAX_SIDECAR_BYTES)
            return EmbeddedMarks(text)
    return EmbeddedMarks()


def _webp(handle: BinaryIO) -> EmbeddedMarks:
    for kind, offset, length in _chunks(handle, 12, "<4sI", trailer=0, pad=True):
        if kind == b"XMP ":
            handle.seek(offset)
            return EmbeddedMarks(_packet(handle, length))
    return EmbeddedMarks()
