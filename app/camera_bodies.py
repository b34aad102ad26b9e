"""Camera bodies told apart where EXIF names no serial number.

Two shooters with bodies of the same make and model write the same camera key when neither
body records BodySerialNumber (many leave it out of their JPEGs), and their frames of the
same moments interleave in capture time.  What still tells the bodies apart is how each one
names its files: a body writes one name prefix (``IMG_``, ``DSC_``, or one a card was renamed
with, ``A_``) and numbers its files in capture order, one step per frame, wrapping from 9999
to 0001 and rolling its folder from ``100CANON`` to ``101CANON`` on the way.

Only demonstrated differences count, and only between frames at most ``max_gap`` apart (the
longest gap grouping ever joins): two frames in capture order come from different bodies
when their prefixes differ, when the counter steps back or jumps further than the fastest
burst could in that time, or, where a name carries no counter, when they lie in different
folders.  The same counter at the same instant with the same picture is one frame under two
names (a camera writing to both its cards).  Frames with no such evidence stay one body, so
a single camera's shoot is grouped as it always was.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right, insort
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

# The fastest bodies shoot up to about 200 frames a second; capture times may only be whole
# seconds (no SubSecTimeOriginal), so a counter may also step this much within "no" time.
MAX_FRAMES_PER_SECOND = 200
# How far apart two capture times may really be beyond what they say: a second where a time
# is whole seconds (no sub-seconds recorded), a camera's sub-second stamp otherwise.
WHOLE_SECOND_SLACK = 1.0
SUB_SECOND_SLACK = 0.05
COUNTER_MODULUS = 10_000  # four-digit counters: 9999 is followed by 0001 (or 0000)
# Mean difference (grey levels) of two grouping thumbnails that show the same picture: the
# same file on both cards decodes to the same thumbnail; a little slack for another decode.
COPY_DIFFERENCE = 4.0
BODY_MARK = "#"  # a camera key's further bodies are "make|model|#2", "#3", ...

# A DCF file name: four characters, the fourth digit or not, then the four-digit counter
# (IMG_1234, _DSC1234, DSC01234, P1010001); a renamed one: any prefix ending in a non-digit
# before a four-digit counter (A_0001, wedding-0042).
_DCF_NAME = re.compile(r"^([A-Za-z0-9_]{4})(\d{4})$")
_COUNTED_NAME = re.compile(r"^(.*\D)?(\d{4})$")
# The mark a file manager adds to a name already taken when two cards that both number from
# 0001 are copied into one folder ("keep both"): IMG_0001 (2), IMG_0001 2, IMG_0001 (copy).
# Such names come from another card: a source of their own, counted by the name's counter
# (so two bodies' interleaved bursts, both numbered from 0001, show their repeated counters,
# while one body's burst across the first name that was free still steps one by one).
_TAKEN_NAME = re.compile(
    r"^(.*\d{4})( \(\d{1,3}\)| \d{1,3}| \((?:another )?copy\)| copy(?: \d{1,3})?)$"
)
# Olympus and OM System name files P (or _ in Adobe RGB), the month (1-9, A-C for October to
# December) and the day, then the counter: P9300123 is followed by PA010124 at midnight.
_DATED_PREFIX = re.compile(r"^([p_])[1-9a-c]##$")
# A DCF folder: a three-digit number the camera counts up, then five characters (100CANON).
_DCF_FOLDER = re.compile(r"^\d{3}(?=[A-Za-z0-9_]{5}$)")


class Frame(Protocol):
    key: str  # the photo's path relative to the folder culled
    camera: str
    seconds: float
    thumbnail: np.ndarray  # grouping's grayscale thumbnail


@dataclass(frozen=True)
class FileName:
    """What a frame's path says about the body that wrote it."""

    folder: str  # the folder, its DCF number left out (100CANON and 101CANON are one)
    prefix: str | None  # the name before the counter, digits left out (P100, P101 alike)
    counter: int | None
    taken: str = ""  # the mark of a name that was taken (`` (#)``), digits left out


def camera_bodies(frames: Sequence[Frame], max_gap: float) -> list[str]:
    """Each frame's camera body: its camera key, with ``#2``, ``#3``... added for frames of a
    key without serial number that demonstrably come from further bodies."""
    bodies = [frame.camera for frame in frames]
    by_camera: dict[str, list[int]] = defaultdict(list)
    for index, frame in enumerate(frames):
        if not _has_serial(frame.camera):
            by_camera[frame.camera].append(index)
    for camera, indices in by_camera.items():
        for number, members in enumerate(_split(frames, indices, max_gap)[1:], start=2):
            for index in members:
                bodies[index] = f"{camera}{BODY_MARK}{number}"
    return bodies


def _has_serial(camera: str) -> bool:
    parts = camera.split("|")
    return len(parts) >= 3 and bool(parts[2])


def parse_name(key: str) -> FileName:
    """The folder, name prefix and file counter of a photo's relative path."""
    *folders, name = key.split("/")  # keys use "/"; a backslash belongs to the name (caf\xe9)
    folder = "/".join(_DCF_FOLDER.sub("###", part) for part in folders)
    stem = name.rsplit(".", 1)[0]
    taken = _TAKEN_NAME.match(stem)
    stem, mark = (taken.group(1), re.sub(r"\d", "#", taken.group(2))) if taken else (stem, "")
    match = _DCF_NAME.match(stem) or _COUNTED_NAME.match(stem)
    if match is None:
        return FileName(folder, None, None)
    prefix = _DATED_PREFIX.sub(r"\1###", re.sub(r"\d", "#", match.group(1) or "").casefold())
    return FileName(folder, prefix, int(match.group(2)), mark)


def _split(frames: Sequence[Frame], indices: list[int], max_gap: float) -> list[list[int]]:
    """The frames of one camera key split into bodies, the first body first.

    Each source (folder, prefix and taken mark) is cut into runs that one body can have
    written: in counter order, capture time never goes back and each step is possible in
    its time.
    Runs then join the first body whose frames they can follow and precede, in capture order.
    """
    names = {i: parse_name(frames[i].key) for i in indices}
    # capture order; within one instant (times may be whole seconds) by counter
    order = lambda i: (frames[i].seconds, _counter_or_none(names[i]), frames[i].key)  # noqa: E731

    def same_body(first: int, second: int) -> bool:
        return _may_follow(frames, names, first, second, max_gap)

    placed_once, copies = _set_copies_aside(frames, names, sorted(indices, key=order))

    runs: list[list[int]] = []
    by_source: dict[tuple[str, str | None, str], list[int]] = defaultdict(list)
    for i in placed_once:
        by_source[(names[i].folder, names[i].prefix, names[i].taken)].append(i)
    for members in by_source.values():
        for session in _sessions(sorted(members, key=order), frames, max_gap):
            _forget_repeated_counters(session, frames, names)
            runs.extend(_counter_runs(session, frames, names, same_body, order))

    bodies: list[list[tuple]] = []  # (*order(index), index) in capture order
    for run in sorted(runs, key=lambda members: order(members[0])):
        placed = [(*order(i), i) for i in run]
        for body in bodies:
            if _joins(body, placed, same_body, max_gap):
                for entry in placed:
                    insort(body, entry)
                break
        else:
            bodies.append(placed)
    return [[j for *_, i in body for j in (i, *copies.get(i, ()))] for body in bodies]


def _set_copies_aside(frames: Sequence[Frame], names, ordered: list[int]):
    """One frame under several names (the same counter at the same instant, the same
    picture: written to both cards) is placed once: the frames to place, and the copies of
    each.  Two fresh cards number alike, so the picture must match too where capture times
    are whole seconds."""
    copies: dict[int, list[int]] = defaultdict(list)
    seen: dict[tuple[int, float], list[int]] = defaultdict(list)
    for i in ordered:
        if names[i].counter is None:
            continue
        same = seen[(names[i].counter, frames[i].seconds)]
        first = next((f for f in same if _same_picture(frames[f], frames[i])), None)
        if first is None:
            same.append(i)
        else:
            copies[first].append(i)
    aside = {i for others in copies.values() for i in others}
    return [i for i in ordered if i not in aside], copies


def _same_picture(first: Frame, second: Frame) -> bool:
    a, b = np.asarray(first.thumbnail, np.int16), np.asarray(second.thumbnail, np.int16)
    return a.shape == b.shape and float(np.abs(a - b).mean()) <= COPY_DIFFERENCE


def _sessions(members: list[int], frames: Sequence[Frame], max_gap: float) -> list[list[int]]:
    """Frames in capture order, cut where more than ``max_gap`` passes: within a session no
    counter can have been reset."""
    sessions: list[list[int]] = []
    for previous, index in zip([None, *members], members, strict=False):
        if previous is None or frames[index].seconds - frames[previous].seconds > max_gap:
            sessions.append([])
        sessions[-1].append(index)
    return sessions


def _forget_repeated_counters(session: list[int], frames, names: dict[int, FileName]) -> None:
    """A four-digit ending that repeats within a session of one prefix in one folder counts no
    frames (``DSC_1234-2048.jpg``: exported 2048 pixels wide): no name there has a counter.
    (Two cards' ``100CANON`` and ``101CANON`` may both number from 0001.)"""
    where = [(frames[i].key.rpartition("/")[0], names[i].counter) for i in session]
    counted = [place for place in where if place[1] is not None]
    if len(set(counted)) < len(counted):
        for i in session:
            names[i] = replace(names[i], counter=None)


def _counter_or_none(name: FileName) -> int:
    return -1 if name.counter is None else name.counter


def _counter_runs(session: list[int], frames: Sequence[Frame], names, same_body, order):
    """A session of one source cut into runs of one body each: frames without a counter are
    one run; the others, in counter order, are cut where time goes back or a step is not
    possible (a counter wrapping to 0001 cuts too: the runs join again as one body)."""
    counted = [i for i in session if names[i].counter is not None]
    uncounted = [i for i in session if names[i].counter is None]
    runs = [uncounted] if uncounted else []
    counted.sort(key=lambda i: (names[i].counter, frames[i].seconds, frames[i].key))
    for previous, index in zip([None, *counted], counted, strict=False):
        if (
            previous is None
            or _latest(frames[index]) < frames[previous].seconds
            or not same_body(previous, index)
        ):
            runs.append([])
        runs[-1].append(index)
    return [sorted(run, key=order) for run in runs]


def _joins(body: list, run: list, same_body, max_gap: float) -> bool:
    """Whether ``run`` can be the same body's frames as ``body`` (both (seconds, counter,
    key, index) in capture order): every pair of neighbours in capture order, one from each, is
    possible for one body.  Only frames within ``max_gap`` of the run can be such a pair."""
    start = bisect_left(body, (run[0][0] - max_gap,))
    stop = bisect_right(body, (run[-1][0] + max_gap, math.inf))
    if start == stop:
        return True
    ours = {entry[-1] for entry in run}
    merged = [entry[-1] for entry in sorted(body[start:stop] + run)]
    return all(
        same_body(first, second)
        for first, second in zip(merged, merged[1:], strict=False)
        if (first in ours) != (second in ours)
    )


def _may_follow(frames: Sequence[Frame], names, first: int, second: int, max_gap: float) -> bool:
    """Whether one body can have shot ``second`` after ``first`` (capture order)."""
    gap = abs(frames[second].seconds - frames[first].seconds)
    if gap > max_gap:
        return True  # a pause: anything may have happened, and grouping never joins them
    a, b = names[first], names[second]
    if a.counter is None or b.counter is None:
        return a.folder == b.folder
    if a.prefix != b.prefix:
        return False
    step = (b.counter - a.counter) % COUNTER_MODULUS
    if step == 0:
        return False  # one body's counter never repeats within seconds (copies are set aside)
    limit = MAX_FRAMES_PER_SECOND * (gap + _time_slack(frames[first], frames[second])) + 1
    earlier = min(frames[first], frames[second], key=lambda frame: frame.seconds)
    if _latest(earlier) >= max(frames[first].seconds, frames[second].seconds):
        step = min(step, (a.counter - b.counter) % COUNTER_MODULUS)  # no order within one instant
    return step <= limit


def _time_slack(first: Frame, second: Frame) -> float:
    """How much more time than their stamps say may lie between two frames."""
    whole = any(float(frame.seconds).is_integer() for frame in (first, second))
    return WHOLE_SECOND_SLACK if whole else SUB_SECOND_SLACK


def _latest(frame: Frame) -> float:
    """The latest a frame can have been shot: a time of whole seconds (no sub-seconds
    recorded) may lie anywhere in its second, also after a sub-second one of that second."""
    seconds = float(frame.seconds)
    return math.nextafter(seconds + 1.0, -math.inf) if seconds.is_integer() else seconds
