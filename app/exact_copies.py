"""Files that hold the same bytes: one photo, counted once.

A card copied into two folders, a camera writing the same frame to both slots, or a
download made twice put byte-identical files side by side; grouping puts them in one
series.  Counted as frames of their own they would look like a tie for the pick (so every
such burst would read as unsure), break a bracket's exposure steps, turn a single into a
burst, and get the pick's own copy rejected and moved.  So the kinds are told, and the pick's
confidence measured, on the distinct photos, and a copy of the pick is never an automatic
reject.  Files are the same photo when their content hashes agree
(``app.content_hash``: size, first and last MiB); a file without a hash is no one's copy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

T = TypeVar("T")


class Shot(Protocol):
    content_hash: str | None
    capture_time: str | None
    capture_time_source: str | None
    camera_make: str | None
    camera_model: str | None
    camera_serial: str | None


def same_photo_keys(photo: Shot) -> frozenset[str]:
    """What tells one photo in two files for the automatic decisions: its content hash, and
    the instant its camera recorded to the sub-second.  A copy whose metadata another
    application rewrote (five stars written into card B's JPEG) has other bytes but the same
    shot, so a person's mark on it holds for the other copy too.  Only for what is never
    rejected: two bodies of one model shooting the same millisecond would keep a frame more,
    never lose one.  Whole-second times name no shot (a burst shares its second)."""
    keys = {photo.content_hash} if photo.content_hash else set()
    when = photo.capture_time
    if photo.capture_time_source == "exif" and when and "." in when:
        camera = "|".join(
            p or "" for p in (photo.camera_make, photo.camera_model, photo.camera_serial)
        )
        keys.add(f"shot:{camera}|{when}")
    return frozenset(keys)


def originals(hashes: Sequence[str | None]) -> list[int]:
    """For each file the index of the first file with the same content (itself if none)."""
    first: dict[str, int] = {}
    return [i if h is None else first.setdefault(h, i) for i, h in enumerate(hashes)]


def distinct_keeping(keep: int, hashes: Sequence[str | None]) -> list[int]:
    """Indices of one file per content, in order, ``keep`` standing for its own content."""
    kept = {hashes[keep]: keep} if hashes[keep] is not None else {}
    chosen: list[int] = []
    for i, h in enumerate(hashes):
        if h is None or kept.setdefault(h, i) == i:
            chosen.append(i)
    return chosen


def told_once(
    series: Sequence[Sequence[int]],
    hashes: Sequence[str | None],
    tell: Callable[[list[list[int]]], list[T]],
    members: Callable[[T], list[int]],
) -> list[T]:
    """``tell`` (the kinds) run on ``series`` without copies; each copy then joins the
    result holding its original, right after it.  ``members`` gives a result's index list
    (changed in place)."""
    first = originals(hashes)
    told = tell([d for s in series if (d := [i for i in s if first[i] == i])])
    holding = {i: result for result in told for i in members(result)}
    for i in sorted(i for i, f in enumerate(first) if f != i):
        listed = members(holding[first[i]])
        after = max(listed.index(j) for j in listed if first[j] == first[i])
        listed.insert(after + 1, i)
        holding[i] = holding[first[i]]
    return told


def copies_note(names: Sequence[str], hashes: Sequence[str | None]) -> str:
    """One line for the summary about the run's byte-identical copies ("" none)."""
    first = originals(hashes)
    copies = [(names[i], names[f]) for i, f in enumerate(first) if f != i]
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
