"""Capture times that byte-identical copies share, so a copy joins its original's series.

A photo without an EXIF capture time is timed by its file's modification time, which a copy
made without keeping times (``cp`` without ``-p``, most file managers) renews: card B's copy
of such a photo lay an hour after card A's, in a stretch of the shoot of its own, and was
grouped, judged and counted as a photo of its own.  Such a copy takes the time its content
has elsewhere (``app.exact_copies.times_from``) before the card is cut into stretches, so it
is read, grouped and counted with its original whichever card is read first.

Before reading, only the files that may be such copies are hashed: a photo timed by its file
that shares a file size with another photo, and the photos sharing a size with one (a copy
has its original's size).  Every other file is hashed as it is read, as before.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from app.exact_copies import file_hashes, times_from

if TYPE_CHECKING:
    from app.pipeline.inventory import PhotoState


def worth_hashing_ahead(sizes: Sequence[tuple[int, ...]], from_camera: Sequence[bool]) -> set[int]:
    """The photos (given the sizes of their files, main file first, and whether a camera
    timed them) that may be a copy timed by its file, or the photo such a copy was made from:
    those sharing a file size with a photo timed by its file."""
    held = Counter(size for files in sizes for size in set(files))
    shared = {size for size, count in held.items() if count > 1}
    by_file = {
        size
        for files, camera in zip(sizes, from_camera, strict=True)
        if not camera
        for size in files
    }
    return {i for i, files in enumerate(sizes) if shared.intersection(files) & by_file}


def share_times(photos: Sequence[PhotoState]) -> list[PhotoState]:
    """Give each photo the capture time it takes as a copy (its own where it is none, or its
    camera timed it); the photos whose time changed."""
    givers = times_from(
        [file_hashes(p) for p in photos],
        [p.own_seconds for p in photos],
        [p.from_camera for p in photos],
    )
    changed = []
    for photo, giver in zip(photos, givers, strict=True):
        seconds, captured = photos[giver].own_seconds, photos[giver].own_captured
        if (photo.seconds, photo.captured) != (seconds, captured):
            photo.seconds, photo.captured = seconds, captured
            changed.append(photo)
    return changed
