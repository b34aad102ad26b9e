"""What kind of sequence a series is: a burst to cull, or frames that belong together.

Exposure brackets, panoramas and focus stacks are shot as rapid sequences too, but the
photographer needs every frame of them (for HDR merging, stitching, focus stacking).  A
culler that treats them as bursts rejects exactly the frames that matter, so they are told
apart here, and such a series is kept whole: no frame is auto-rejected or moved
(:data:`PROTECTED_KINDS`).

* **bracket**: the exposure steps through distinct values: EXIF ExposureBiasValue, or the
  exposure value from exposure time, f-number and ISO, or the maker note's auto-bracketing
  flag.  Brackets are told by metadata only: a burst with one accidentally over-exposed
  frame looks like a bracket in the pixels, and must stay a burst.
* **focus_stack**: the recorded subject distance steps one way, or the sharpest region
  moves through the frame (each frame is the sharpest somewhere else, see :func:`focus_map`).
* **panorama**: consecutive frames overlap only partly (shifted by 12-70 % of the frame)
  and always in the same direction.  Grouping splits such frames, since they do not look
  alike; :func:`assign_kinds` joins them again.
* **burst** otherwise, **single** for one frame.

A series can hold more than one kind: a burst shot right after a bracket of the same scene
is one series for grouping; :func:`split_kinds` cuts it where the kind changes.

    kinded = assign_kinds(series, evidence, max_gap=grouping.DEFAULT_MAX_GAP)
    for members, kind, reason in kinded: ...
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from app.imaging import laplacian

SeriesKind = Literal["burst", "bracket", "panorama", "focus_stack", "single"]
KINDS: tuple[str, ...] = ("burst", "bracket", "panorama", "focus_stack", "single")
# Kinds whose frames are all needed: never auto-rejected, never moved.
PROTECTED_KINDS = frozenset({"bracket", "panorama", "focus_stack"})

# Brackets: distinct exposures at least this far apart (EV); a run needs three frames (two
# when the maker note says so), and exposures from time/aperture/ISO (which auto exposure
# moves a little between burst frames) need bigger steps than a recorded bias.
BIAS_STEP_EV = 0.3
SETTINGS_STEP_EV = 0.6
MIN_BRACKET_FRAMES = 3
MAX_BRACKET_FRAMES = 9
# Panoramas: shift between neighbours, as a fraction of the frame, and how well the
# overlapping parts must agree (normalised cross-correlation).
PANORAMA_MIN_SHIFT = 0.12
PANORAMA_MAX_SHIFT = 0.70
PANORAMA_MIN_AGREEMENT = 0.6
PANORAMA_PEAKS = 5
# Focus stacks: cells of the focus map, and how much sharper than its own blurriest frame a
# cell's sharpest frame must be for the cell to count.
FOCUS_GRID = (4, 6)
FOCUS_MIN_CONTRAST = 2.0
MIN_STACK_FRAMES = 3


@dataclass(frozen=True)
class KindEvidence:
    """What the kind of a series is decided from, per frame (None: not known)."""

    seconds: float = 0.0  # capture time, as grouping uses it
    camera: str = ""
    thumbnail: np.ndarray | None = None  # grouping's square uint8 grayscale thumbnail
    exposure_bias: float | None = None  # EV
    exposure_seconds: float | None = None
    f_number: float | None = None
    iso: int | None = None
    subject_distance: float | None = None  # metres
    auto_bracket: bool | None = None
    focus: np.ndarray | None = None  # focus_map() of the frame

    @classmethod
    def from_metadata(
        cls,
        metadata,
        thumbnail: np.ndarray | None = None,
        focus: np.ndarray | None = None,
    ) -> KindEvidence:
        """Evidence from an ``app.photos.PhotoMetadata`` (or anything with its fields)."""
        return cls(
            seconds=float(getattr(metadata, "wall_seconds", 0.0) or 0.0),
            camera=str(getattr(metadata, "camera_key", "") or ""),
            thumbnail=thumbnail,
            exposure_bias=getattr(metadata, "exposure_bias", None),
            exposure_seconds=getattr(metadata, "exposure_seconds", None),
            f_number=getattr(metadata, "f_number", None),
            iso=getattr(metadata, "iso", None),
            subject_distance=getattr(metadata, "subject_distance", None),
            auto_bracket=getattr(metadata, "auto_bracket", None),
            focus=focus,
        )


@dataclass(frozen=True)
class KindedSeries:
    """A series with its kind and a one-line reason (for the summary and the GUI's tooltip)."""

    members: list[int]
    kind: str
    reason: str

    @property
    def protected(self) -> bool:
        return self.kind in PROTECTED_KINDS

    def __iter__(self):  # members, kind, reason = kinded
        return iter((self.members, self.kind, self.reason))


def assign_kinds(
    series: Sequence[Sequence[int]],
    evidence: Sequence[KindEvidence],
    max_gap: float,
) -> list[KindedSeries]:
    """Grouping's series with their kinds: panoramas joined, mixed series split.

    ``series`` holds indices into ``evidence``, each series in capture order (as
    ``app.grouping.group_series`` returns them); ``max_gap`` is grouping's time limit, which
    also bounds the time between two frames of a panorama.  The result keeps every index
    exactly once, series ordered by their first frame's time.
    """
    joined = join_panoramas(series, evidence, max_gap)
    out: list[KindedSeries] = []
    for members in joined:
        out.extend(split_kinds(members, evidence))
    out.sort(key=lambda s: (evidence[s.members[0]].seconds, s.members[0]))
    return out


def split_kinds(members: Sequence[int], evidence: Sequence[KindEvidence]) -> list[KindedSeries]:
    """One series cut into runs of one kind each (brackets, then what is left)."""
    members = list(members)
    if len(members) == 1:
        return [KindedSeries(members, "single", "one frame")]
    frames = [evidence[i] for i in members]
    pieces: list[KindedSeries] = []
    rest: list[int] = []
    for start, stop, reason in _bracket_runs(frames):
        pieces.append(KindedSeries(members[start:stop], "bracket", reason))
    taken = {i for piece in pieces for i in piece.members}
    # What is not a bracket stays together in runs between the brackets.
    for index in members:
        if index in taken:
            if rest:
                pieces.append(_classify_rest(rest, evidence))
                rest = []
        else:
            rest.append(index)
    if rest:
        pieces.append(_classify_rest(rest, evidence))
    pieces.sort(key=lambda s: members.index(s.members[0]))
    return pieces


def classify(frames: Sequence[KindEvidence]) -> tuple[str, str]:
    """(kind, reason) for frames taken as one whole series, without splitting it."""
    if len(frames) == 1:
        return "single", "one frame"
    runs = _bracket_runs(frames)
    if runs and runs[0][0] == 0 and runs[0][1] == len(frames):
        return "bracket", runs[0][2]
    stack = _focus_stack(frames)
    if stack:
        return "focus_stack", stack
    steps = [
        panorama_step(a.thumbnail, b.thumbnail) for a, b in zip(frames, frames[1:], strict=False)
    ]
    if all(s is not None for s in steps) and _one_direction(steps):
        return "panorama", f"{len(frames)} frames overlapping in one direction"
    return "burst", "frames of one scene"


def _classify_rest(indices: list[int], evidence: Sequence[KindEvidence]) -> KindedSeries:
    kind, reason = classify([evidence[i] for i in indices])
    return KindedSeries(indices, kind, reason)


# --- brackets ------------------------------------------------------------------------------


def _exposure_values(frames: Sequence[KindEvidence]) -> tuple[list[float] | None, float, str]:
    """(per-frame exposure offsets in EV, the step that counts as distinct, their source)."""
    if all(f.exposure_bias is not None for f in frames):
        biases = [float(f.exposure_bias) for f in frames]
        if max(biases) - min(biases) >= BIAS_STEP_EV:
            return biases, BIAS_STEP_EV, "exposure bias"
    if all(f.exposure_seconds for f in frames):
        values = []
        for f in frames:
            ev = math.log2(f.exposure_seconds)
            if f.f_number:
                ev -= 2 * math.log2(f.f_number)
            if f.iso:
                ev += math.log2(f.iso / 100)
            values.append(ev)
        return values, SETTINGS_STEP_EV, "exposure settings"
    return None, 0.0, ""


def _bracket_runs(frames: Sequence[KindEvidence]) -> list[tuple[int, int, str]]:
    """(start, stop, reason) of every run of consecutive frames that is a bracket.

    A run grows while each new frame's exposure differs from all exposures already in it;
    a repeated exposure ends it (a burst at the base exposure right after a bracket starts
    there).  Runs of at least MIN_BRACKET_FRAMES frames count, or of two or more frames the
    maker note marks as auto-bracketed.
    """
    values, step, source = _exposure_values(frames)
    runs = []
    start = 0
    while start < len(frames) - 1:
        stop = start + 1
        while stop < len(frames) and stop - start < MAX_BRACKET_FRAMES:
            if values is not None:
                distinct = all(abs(values[stop] - v) >= step for v in values[start:stop])
            else:
                distinct = bool(frames[stop].auto_bracket and frames[start].auto_bracket)
            if not distinct:
                break
            stop += 1
        length = stop - start
        flagged = all(f.auto_bracket for f in frames[start:stop])
        if length >= MIN_BRACKET_FRAMES or (length >= 2 and flagged):
            if values is not None:
                low, high = min(values[start:stop]), max(values[start:stop])
                reason = f"{length} frames, {high - low:.1f} EV apart ({source})"
            else:
                reason = f"{length} frames, auto-bracketing in the maker note"
            runs.append((start, stop, reason))
            start = stop
        else:
            start += 1
    return runs


# --- focus stacks --------------------------------------------------------------------------


def focus_map(image, grid: tuple[int, int] = FOCUS_GRID) -> np.ndarray:
    """Detail energy per cell of a ``grid`` over the frame (rows, columns), float32.

    Computed on a small decode (a few hundred pixels) so it costs little next to the
    thumbnail; only its changes between frames of one series matter.
    """
    gray = np.asarray(image.convert("L"), dtype=np.float32) / 255.0
    if min(gray.shape) < 2 * max(grid):
        return np.zeros(grid, dtype=np.float32)
    lap = laplacian(gray)
    rows, cols = grid
    height, width = lap.shape[0] // rows, lap.shape[1] // cols
    cells = lap[: rows * height, : cols * width].reshape(rows, height, cols, width)
    return (cells**2).mean(axis=(1, 3)).astype(np.float32)


def _focus_stack(frames: Sequence[KindEvidence]) -> str | None:
    """A reason when the frames are a focus stack, else None."""
    if len(frames) < MIN_STACK_FRAMES:
        return None
    distances = [f.subject_distance for f in frames]
    if all(d is not None and math.isfinite(d) and d > 0 for d in distances):
        steps = np.diff(distances)
        if np.all(steps > 0) or np.all(steps < 0):
            return f"{len(frames)} frames focused from {distances[0]:g} m to {distances[-1]:g} m"
    maps = [f.focus for f in frames]
    if any(m is None for m in maps) or len({np.shape(m) for m in maps}) != 1:
        return None
    energy = np.stack([np.asarray(m, dtype=np.float64).ravel() for m in maps])  # frames x cells
    peak, low = energy.max(axis=0), energy.min(axis=0)
    telling = peak >= FOCUS_MIN_CONTRAST * np.maximum(low, 1e-9)
    if telling.sum() < 3:
        return None
    sharpest = energy.argmax(axis=0)[telling]
    # In a stack the sharpest region moves: at least three frames are the sharpest somewhere,
    # and no frame is the sharpest nearly everywhere (that is a burst with one frame in focus).
    counts = np.bincount(sharpest, minlength=len(frames))
    if (counts > 0).sum() < MIN_STACK_FRAMES or counts.max() > 0.75 * telling.sum():
        return None
    return f"{len(frames)} frames, the sharpest region moves through the frame"


# --- panoramas -----------------------------------------------------------------------------


def panorama_step(first: np.ndarray | None, second: np.ndarray | None) -> tuple | None:
    """(dy, dx) as fractions of the frame when ``second`` continues ``first`` as the next
    frame of a panorama (partial overlap that agrees), else None."""
    if first is None or second is None or np.shape(first) != np.shape(second):
        return None
    a = np.asarray(first, dtype=np.float64)
    b = np.asarray(second, dtype=np.float64)
    height, width = a.shape
    # Phase correlation is circular: a shift of d and of d - size look alike.  Of the
    # strongest peaks and both readings of each, the overlap that agrees best decides.
    best, best_shift = -1.0, (0, 0)
    for peak_y, peak_x in _phase_peaks(a, b, PANORAMA_PEAKS):
        for dy in (peak_y, peak_y - height if peak_y > 0 else peak_y + height):
            for dx in (peak_x, peak_x - width if peak_x > 0 else peak_x + width):
                if abs(dy) > height * PANORAMA_MAX_SHIFT or abs(dx) > width * PANORAMA_MAX_SHIFT:
                    continue
                agreement = _overlap_agreement(a, b, dy, dx)
                if agreement > best:
                    best, best_shift = agreement, (dy, dx)
    fy, fx = best_shift[0] / height, best_shift[1] / width
    if not PANORAMA_MIN_SHIFT <= max(abs(fy), abs(fx)) <= PANORAMA_MAX_SHIFT:
        return None
    if best < PANORAMA_MIN_AGREEMENT:
        return None
    return fy, fx


def _overlap_agreement(a: np.ndarray, b: np.ndarray, dy: int, dx: int) -> float:
    """Normalised cross-correlation where ``a[y, x]`` and ``b[y - dy, x - dx]`` overlap."""
    height, width = a.shape
    ya, yb = (dy, 0) if dy >= 0 else (0, -dy)
    xa, xb = (dx, 0) if dx >= 0 else (0, -dx)
    h, w = height - abs(dy), width - abs(dx)
    return _agreement(a[ya : ya + h, xa : xa + w], b[yb : yb + h, xb : xb + w])


def join_panoramas(
    series: Sequence[Sequence[int]], evidence: Sequence[KindEvidence], max_gap: float
) -> list[list[int]]:
    """Series of one camera that follow each other as panorama frames, joined into one.

    Joins the last frame of a series to the first of the next series of the same camera when
    they are at most ``max_gap`` seconds apart, partly overlap, and the shift keeps the
    direction of the panorama so far.  Single frames are what grouping leaves of a panorama;
    a burst is never joined.
    """
    order = sorted(range(len(series)), key=lambda k: evidence[series[k][0]].seconds)
    by_camera: dict[str, list[list[int]]] = {}
    for k in order:
        by_camera.setdefault(evidence[series[k][0]].camera, []).append(list(series[k]))
    out: list[list[int]] = []
    for runs in by_camera.values():
        current: list[int] | None = None
        steps: list[tuple] = []
        for members in runs:
            if (
                current is not None
                and len(members) == 1
                and _continues(current, members, evidence, max_gap, steps)
            ):
                current.extend(members)
                continue
            if current is not None:
                out.append(current)
            current, steps = list(members), []
        if current is not None:
            out.append(current)
    return out


def _continues(
    current: list[int],
    members: list[int],
    evidence: Sequence[KindEvidence],
    max_gap: float,
    steps: list[tuple],
) -> bool:
    if len(current) > 1 and not steps:
        return False  # a burst or bracket, not the start of a panorama
    last, first = evidence[current[-1]], evidence[members[0]]
    if first.seconds - last.seconds > max_gap:
        return False
    step = panorama_step(last.thumbnail, first.thumbnail)
    if step is None or not _one_direction([*steps, step]):
        return False
    steps.append(step)
    return True


def _one_direction(steps: Sequence[tuple]) -> bool:
    """All steps go the same way (their directions within 45 degrees of their mean)."""
    if not steps:
        return False
    vectors = np.array(steps, dtype=np.float64)
    mean = vectors.mean(axis=0)
    if np.hypot(*mean) == 0:
        return False
    cosines = vectors @ mean / (np.hypot(vectors[:, 0], vectors[:, 1]) * np.hypot(*mean))
    return bool(np.all(cosines >= math.cos(math.pi / 4)))


def _phase_peaks(a: np.ndarray, b: np.ndarray, count: int) -> list[tuple[int, int]]:
    """The ``count`` strongest (dy, dx) such that ``a[y, x]`` shows ``b[y - dy, x - dx]``.

    No window: the overlap of a panorama step lies at the frames' edges, which a window
    would fade out.
    """
    fa = np.fft.fft2(a - a.mean())
    fb = np.fft.fft2(b - b.mean())
    cross = fa * np.conj(fb)
    surface = np.fft.ifft2(cross / np.maximum(np.abs(cross), 1e-9)).real
    height, width = a.shape
    peaks = []
    for flat in np.argsort(surface.ravel())[::-1][:count]:
        dy, dx = divmod(int(flat), width)
        peaks.append(
            (dy - height if dy > height // 2 else dy, dx - width if dx > width // 2 else dx)
        )
    return peaks


def _agreement(a: np.ndarray, b: np.ndarray) -> float:
    if a.size < 16:
        return 0.0
    a, b = a - a.mean(), b - b.mean()
    norm = math.sqrt(float((a * a).sum()) * float((b * b).sum()))
    return float((a * b).sum() / norm) if norm > 0 else 0.0
