"""Per-photo work units run in worker processes: hashing, reading, thumbnailing, decoding.

Everything here takes and returns plain, picklable values and imports nothing heavy (no
torch, no Qt, no database), so a process pool starts fast and a crash in one photo's decoder
only fails that photo.
"""

from __future__ import annotations

import signal
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from PIL import Image

from app.content_hash import fast_content_hash
from app.photos import lifeline
from app.photos.decode import PhotoReadError, decode_image, fit, source_size
from app.photos.exif import PhotoMetadata, read_metadata
from app.series_kinds import focus_map

THUMB_SIZE = 64
# (x, y, w, h, eyes, confidence, sharpness, yaw, pitch) of one face, boxes in the
# original's pixels, yaw and pitch in degrees (None when no pose was measured)
FoundFace = tuple[float, float, float, float, str, float, float, float | None, float | None]
# Faces too small to judge in the scorer's decode are judged again at this size.
FACE_REFINE_SIZE = 2048
# JPEG DCT scaling of a 12-24 MP frame to 1/8 still leaves >= 256 px: plenty for a 64 px thumbnail.
THUMB_DECODE_SIZE = 256


class ReadTask(NamedTuple):
    """One photo to read for grouping; with ``scoring``, the scorer's work is done on the
    same decode (the photo is decoded once for the whole run); with ``hash_path``, that
    file's content hash is taken in the same task (one pass over a new file), and with
    ``companion``, that one's (the JPEG of a RAW+JPEG pair, mostly the file decoded)."""

    index: int
    path: Path
    mtime: float
    scoring: ScoringTask | None = None
    hash_path: Path | None = None
    companion: Path | None = None


@dataclass(frozen=True)
class ReadResult:
    """The outcome of reading one photo for grouping (thumbnail and metadata) or its error."""

    index: int
    metadata: PhotoMetadata | None = None
    thumbnail: bytes | None = None  # THUMB_SIZE x THUMB_SIZE 8-bit grayscale, row by row
    error: str | None = None
    focus: bytes | None = None  # series_kinds.focus_map of the frame, float32 row by row
    scored: DecodeResult | None = None  # the scorer's work, when the task asked for it
    content_hash: str | None = None  # of ``hash_path``, when asked for and readable
    companion_hash: str | None = None  # of ``companion``, when asked for and readable


@dataclass(frozen=True)
class DecodeResult:
    """A decoded image (or what the scorer's ``prepare`` made of it) and its faces, or the error.

    ``faces`` is None when faces were not looked for (or cannot be here); else one
    ``(x, y, w, h, eyes, confidence, sharpness)`` per face, in the original's pixels (plain
    values: workers do not import the catalog).
    """

    index: int
    value: Any = None
    error: str | None = None
    faces: tuple[FoundFace, ...] | None = None


@dataclass(frozen=True)
class ScoringTask:
    """One photo to decode at the scorer's size; ``prepare`` runs on it in the worker."""

    index: int
    path: Path
    max_side: int
    prepare: Callable[[Image.Image], Any] | None = None
    faces: bool = False


def start_worker(parent_pid: int) -> None:
    """Pool initializer: Ctrl-C is handled once, by the parent; the worker dies with the run."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    lifeline.die_with_parent()
    lifeline.watch(parent_pid)


def make_thumbnail(image: Image.Image) -> np.ndarray:
    """The grayscale thumbnail grouping compares (aspect ratio ignored: a burst shares it)."""
    small = image.convert("L").resize((THUMB_SIZE, THUMB_SIZE), Image.Resampling.BOX)
    return np.asarray(small, dtype=np.uint8)


def read_for_grouping(task: ReadTask | tuple) -> ReadResult:
    """Metadata and grouping thumbnail of one photo, and the scorer's work when asked for.

    The thumbnail and focus map always come from a ``THUMB_DECODE_SIZE`` image, so they are
    the same whether the photo was decoded for grouping alone or once for everything.
    """
    index, path, mtime, scoring, hash_path, companion = ReadTask(*task)
    digest = _hash_or_none(hash_path) if hash_path is not None else None
    twin = _hash_or_none(companion) if companion is not None else None
    max_side = THUMB_DECODE_SIZE if scoring is None else max(THUMB_DECODE_SIZE, scoring.max_side)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # Pillow warns about damaged EXIF: say it per photo
        try:
            image = decode_image(path, max_side)
        except PhotoReadError as exc:
            return ReadResult(index, error=str(exc), content_hash=digest, companion_hash=twin)
        metadata = read_metadata(path, fallback_mtime=mtime)
    said = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    if said:
        text = "; ".join(dict.fromkeys(said))
        warning = (
            f"{metadata.warning}; {text}" if metadata.warning else f"damaged metadata ({text})"
        )
        metadata = replace(metadata, warning=warning)
    small = image if scoring is None else fit(image, THUMB_DECODE_SIZE)
    focus = focus_map(small).astype("<f4").tobytes()
    scored = None
    if scoring is not None:
        faces = find_faces(image, path) if scoring.faces else None
        value = scoring.prepare(image) if scoring.prepare is not None else image
        scored = DecodeResult(index, value, faces=faces)
    thumbnail = make_thumbnail(small).tobytes()
    return ReadResult(
        index,
        metadata,
        thumbnail,
        focus=focus,
        scored=scored,
        content_hash=digest,
        companion_hash=twin,
    )


def capture_time(task: tuple[int, Path, float]) -> tuple[int, str | None, bool]:
    """The capture time reading will find for one photo (its header only, no decoding), so
    the photos can be read in capture order, and whether its camera recorded it (else it is
    the file's: a byte-identical copy of the photo then takes its original's)."""
    index, path, mtime = task
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # damaged EXIF: reported when the photo is read
        metadata = read_metadata(path, fallback_mtime=mtime)
    return index, metadata.captured_iso(), metadata.time_source == "exif"


def decode_for_scoring(task: ScoringTask) -> DecodeResult:
    """One photo decoded at the scorer's size, its faces found on the same pixels.

    With ``prepare``, its result comes back instead of the image (far smaller to send).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # damaged EXIF: reported when read
        try:
            image = decode_image(task.path, task.max_side)
        except PhotoReadError as exc:
            return DecodeResult(task.index, error=str(exc))
    faces = find_faces(image, task.path) if task.faces else None
    value = task.prepare(image) if task.prepare is not None else image
    return DecodeResult(task.index, value, faces=faces)


def find_faces(image: Image.Image, path: Path) -> tuple[FoundFace, ...] | None:
    """The faces of a decoded photo, boxes in the original's pixels; None if faces cannot be
    analysed here.  Small faces are judged again in a larger decode of the same file."""
    from app.faces import FacesUnavailable, analyze_faces

    def larger() -> Image.Image:
        return decode_image(path, FACE_REFINE_SIZE)

    try:
        found = analyze_faces(image, source=larger)
    except FacesUnavailable:
        return None
    factor = max(source_size(image)) / max(image.size)
    return tuple(
        (
            *(round(v * factor, 1) for v in face.box),
            str(face.eyes),
            round(float(face.confidence), 3),
            round(float(face.sharpness), 3),
            None if face.pose is None else round(float(face.pose.yaw), 1),
            None if face.pose is None else round(float(face.pose.pitch), 1),
        )
        for face in found
    )


def content_hash(task: tuple[int, Path]) -> tuple[int, str | None]:
    """The catalog's content hash of one file, or None when it cannot be read."""
    index, path = task
    return index, _hash_or_none(path)


def _hash_or_none(path: Path) -> str | None:
    try:
        return fast_content_hash(path)
    except OSError:
        return None
