"""Files that hold the same bytes: one photo, counted once.

A card copied into two folders, a camera writing the same frame to both slots, or a
download made twice put byte-identical files side by side; grouping puts them in one
series.  Counted as frames of their own they would look like a tie for the pick (so every
such burst would read as unsure), break a bracket's exposure steps, turn a single into a
burst, and get the pick's own copy rejected and moved.  So the kinds are told, and the pick's
confidence measured, on the distinct photos, and a copy of the pick is never an automatic
reject.  Files are the same photo when their content hashes agree
(``app.content_hash``: size, first and last MiB); a file without a hash is no one's copy.

A RAW+JPEG pair is one photo of two files, keyed by its RAW: its JPEG's hash is kept too
(``companion_hash``), so a lone JPEG on the other card (or a lone RAW) is a copy of the
pair.  A photo is a copy of another when each of its files has a byte-identical file in the
other; the one holding more files is the original (a pair, never its lone JPEG), else the
first.  Two pairs that share one file only (card B's JPEG cut short) are two photos, and a
pair one of whose files has no hash is no one's copy (it may still be a lone file's
original).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class Shot(Protocol):
    content_hash: str | None
    companion_hash: str | None
    capture_time: str | None
    capture_time_source: str | None
    camera_make: str | None
    camera_model: str | None
    camera_serial: str | None


class Files(Protocol):
    content_hash: str | None
    companion_hash: str | None
    companions: Sequence[Any]  # its other files (a RAW+JPEG pair's JPEG first)


def same_photo_keys(photo: Shot) -> frozenset[str]:
    """What tells one photo in two files for the automatic decisions: its content hash, and
    the instant its camera recorded to the sub-second.  A copy whose metadata another
    application rewrote (five stars written into card B's JPEG) has other bytes but the same
    shot, so a person's mark on it holds for the other copy too.  Only for what is never
    rejected: two bodies of one model shooting the same millisecond would keep a frame more,
    never lose one.  Whole-second times name no shot (a burst shares its second).  A lone
    JPEG shares its hash with the JPEG of a RAW+JPEG pair."""
    keys = {h for h in (photo.content_hash, photo.companion_hash) if h}
    when = photo.capture_time
    if photo.capture_time_source == "exif" and when and "." in when:
        camera = "|".join(
            p or "" for p in (photo.camera_make, photo.camera_model, photo.camera_serial)
        )
        keys.add(f"shot:{camera}|{when}")
    return frozenset(keys)


def file_hashes(photo: Files) -> tuple[str | None, ...]:
    """The content hashes of a photo's files (None: a file not hashed): its main file's,
    then, for a RAW+JPEG pair, its JPEG's.  A pair whose JPEG could not be hashed is still
    two files, so it is never taken for a copy of a lone RAW."""
    if photo.companions:
        return (photo.content_hash, photo.companion_hash)
    return (photo.content_hash,)


FileHashes = Sequence[str | None]


def originals(files: Sequence[FileHashes]) -> list[int]:
    """For each photo (given its ``file_hashes``) the index of the photo it is a copy of:
    one holding a byte-identical file for each of its files, the most files first, then the
    first in order (itself if none).  A photo with a file not hashed is no one's copy.

    The original chosen is always its own original: whatever holds every file of it holds
    every file of the photo it stands for, and ranks no higher."""
    holding: dict[str, set[int]] = {}
    for i, held in enumerate(files):
        for h in held:
            if h:
                holding.setdefault(h, set()).add(i)

    def rank(j: int) -> tuple[int, int]:
        return (len(files[j]), -j)

    return [
        max(set.intersection(*(holding[h] for h in held)), key=rank) if held and all(held) else i
        for i, held in enumerate(files)
    ]


def times_from(
    files: Sequence[FileHashes], times: Sequence[float], from_camera: Sequence[bool]
) -> list[int]:
    """For each photo (given its ``file_hashes``, its capture time in seconds and whether its
    camera recorded that time), the photo whose capture time it takes for grouping: itself,
    unless its time is its file's (no EXIF capture time: the modification time, which a copy
    made without keeping times renews) and it is a byte-identical copy of others, or their
    original.  Then it takes the time of the same content that a camera recorded, else the
    earliest file time (a copy is never older than the file it was copied from, however the
    folders are read).  Only copies as ``originals`` tells them share a time: two photos
    that differ in any file keep their own."""
    first = originals(files)
    sharing: dict[int, list[int]] = {}
    for i, o in enumerate(first):
        sharing.setdefault(o, []).append(i)
    giver = {
        o: min(same, key=lambda j: (not from_camera[j], times[j], j)) for o, same in sharing.items()
    }
    return [i if from_camera[i] else giver[o] for i, o in enumerate(first)]


def copy_names(
    names: Sequence[Sequence[str]],
    files: Sequence[FileHashes],
    first: Sequence[int] | None = None,
) -> list[str | None]:
    """For each photo, the file it is a byte-identical copy of (None: it is no copy):
    ``names`` and ``files`` list each photo's files, main file first.  A lone JPEG copied
    from a RAW+JPEG pair names the pair's JPEG.  ``first``: ``originals(files)``, where the
    caller has it already."""
    if first is None:
        first = originals(files)
    named: list[str | None] = []
    for i, o in enumerate(first):
        mine = next((h for h in files[i] if h), None)
        twin = (n for n, h in zip(names[o], files[o], strict=False) if h == mine)
        named.append(None if o == i else next(twin, names[o][0]))
    return named


def distinct_keeping(keep: int, files: Sequence[FileHashes]) -> list[int]:
    """Indices of one photo per content, in order, ``keep`` standing for its own content."""
    first = originals(files)
    kept = {first[keep]: keep}
    return [i for i, f in enumerate(first) if kept.setdefault(f, i) == i]


def told_once(
    series: Sequence[Sequence[int]],
    files: Sequence[FileHashes],
    tell: Callable[[list[list[int]]], list[T]],
    members: Callable[[T], list[int]],
) -> list[T]:
    """``tell`` (the kinds) run on ``series`` without copies; each copy then joins the
    result holding its original, right after it.  ``members`` gives a result's index list
    (changed in place)."""
    first = originals(files)
    told = tell([d for s in series if (d := [i for i in s if first[i] == i])])
    holding = {i: result for result in told for i in members(result)}
    for i in sorted(i for i, f in enumerate(first) if f != i):
        listed = members(holding[first[i]])
        after = max(listed.index(j) for j in listed if first[j] == first[i])
        listed.insert(after + 1, i)
        holding[i] = holding[first[i]]
    return told


def copies_note(names: Sequence[Sequence[str]], files: Sequence[FileHashes]) -> str:
    """One line for the summary about the run's byte-identical copies ("" none): ``names``
    and ``files`` as for ``copy_names``."""
    copies = [
        (names[i][0], twin) for i, twin in enumerate(copy_names(names, files)) if twin is not None
    ]
    if not copies:
        return ""
    copy, original = copies[0]
    many = len(copies) > 1
    found = (
        f"{len(copies)} files are byte-identical copies of others"
        if many
        else "1 file is a byte-identical copy of another"
    )
    return (
        f"{found} ({copy} of {original}{', ...' if many else ''}): each photo counts once,"
        " and a copy of a pick is never rejected"
    )
