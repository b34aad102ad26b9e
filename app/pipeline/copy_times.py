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

The catalog's rows of the folder whose files are gone share their times too (``kept``): a
copy whose original was deleted keeps the time it took, so it stays in its burst.  They lend
a time only: they are no photos of the run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from app.exact_copies import FileHashes, file_hashes, times_from

if TYPE_CHECKING:
    from app.catalog import PhotoInfo
    from app.pipeline.inventory import PhotoState

# what sharing needs of a photo: its ``file_hashes``, its own capture time, whether its camera
# recorded that time
Timed = tuple[FileHashes, str | None, bool]


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


def share_times(photos: Sequence[PhotoState], kept: Sequence[PhotoInfo] = ()) -> list[PhotoState]:
    """Give each photo the capture time it takes as a copy (its own where it is none, or its
    camera timed it), of the photos and the ``kept`` rows; the photos whose time changed."""
    changed = []
    taken = taken_times([photo_timed(p) for p in photos] + [kept_timed(r) for r in kept])
    for photo, captured in zip(photos, taken, strict=False):
        seconds = wall_seconds(captured)
        if (photo.seconds, photo.captured) != (seconds, captured):
            photo.seconds, photo.captured = seconds, captured
            changed.append(photo)
    return changed


def taken_times(timed: Sequence[Timed]) -> list[str | None]:
    """The capture time each photo takes for grouping (``app.exact_copies.times_from``)."""
    givers = times_from(
        [files for files, _captured, _camera in timed],
        [wall_seconds(captured) for _files, captured, _camera in timed],
        [camera for _files, _captured, camera in timed],
    )
    return [timed[giver][1] for giver in givers]


def photo_timed(photo: PhotoState) -> Timed:
    return (file_hashes(photo), photo.own_captured, photo.from_camera)


def kept_timed(record: PhotoInfo) -> Timed:
    """A catalog row whose files are gone: the time its content had when it was read."""
    return (file_hashes(record), record.capture_time, record.capture_time_source == "exif")


def wall_seconds(captured: str | None) -> float:
    if not captured:
        return 0.0
    try:
        stamp = datetime.fromisoformat(captured)
    except ValueError:
        return 0.0
    return stamp.replace(tzinfo=UTC).timestamp()
