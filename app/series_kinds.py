"""What kind of sequence a series is: a burst to cull, or frames that belong together.

Exposure brackets, panoramas and focus stacks are shot as rapid sequences too, but the
photographer needs every frame of them (for HDR merging, stitching, focus stacking).  A
culler that treats them as bursts rejects exactly the frames that matter, so they are told
apart here, and such a series is kept whole: no frame is auto-rejected or moved
(:data:`PROTECTED_KINDS`).  Bursts do much of what those do (auto exposure drifts, focus
misses, frames blow out or shake), so a series is kept whole only on strong evidence: what
the camera recorded, or image evidence measured not to fire on hand-held bursts
(benchmarks/kinds_eval.py).  Weaker evidence leaves a burst with its pick, flagged with the
kind it may be (:attr:`KindedSeries.possible`): none of its frames is rejected or moved.

* **bracket**: the camera's auto-bracketing flag, or a recorded exposure bias stepping the
  way a camera's bracket does (odd count, even steps, base first or in order; not a ramp).
  Exposure time, aperture or ISO stepping that way with no bias recorded, and brightness
  steps in the pixels without exposure tags at fixed framing, make a possible bracket only:
  a hand-held burst whose meter jumped, or with accidentally over- and under-exposed
  frames, looks the same.
* **focus_stack**: at one exposure and framing, the sharpest region sweeps through the
  frames (see :func:`focus_map`); a recorded subject distance stepping one way makes a
  possible stack only (a tracked subject coming closer does that too).
* **panorama**: consecutive frames overlap only partly (shifted by 12-70 % of the frame)
  and always in the same direction, the shift explaining where they agree (a subject
  crossing a tripod's still frame overlaps shifted too, but its background agrees as
  shot).  Grouping splits such frames, since they do not look alike;
  :func:`assign_kinds` joins them again.
* **burst** otherwise, **single** for one frame.

A series can hold more than one kind: a burst shot right after a bracket of the same scene
is one series for grouping; :func:`split_kinds` cuts it where the kind changes.

    kinded = assign_kinds(series, evidence, max_gap=grouping.DEFAULT_MAX_GAP)
    for members, kind, reason in kinded: ...
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from app.imaging import box_blur, laplacian

SeriesKind = Literal["burst", "bracket", "panorama", "focus_stack", "single"]
KINDS: tuple[str, ...] = ("burst", "bracket", "panorama", "focus_stack", "single")
# Kinds whose frames are all needed: never auto-rejected, never moved.
PROTECTED_KINDS = frozenset({"bracket", "panorama", "focus_stack"})

# Brackets: the least step (EV) between exposures: a recorded bias; a bias in exposure
# order (-, 0, + rather than the camera's 0, -, +) for a bracket kept whole, and for a
# possible one; exposure time, aperture and ISO, which auto exposure moves by 1/3-2/3 EV
# between burst frames; brightness measured in the pixels (only a possible bracket, at
# fixed framing, no frame more than BRACKET_MAX_SOFTER times softer than its neighbour).
# A run needs three frames (two when the camera flags auto-bracketing).
BIAS_STEP_EV = 0.3
ORDERED_STEP_EV = 0.9
ORDERED_POSSIBLE_STEP_EV = 0.6
SETTINGS_STEP_EV = 0.9
BRIGHTNESS_STEP_EV = 0.85
BRIGHTNESS_TOLERANCE = 0.25
# A tone curve's highlight shoulder shortens the measured steps over a bracket's base: to
# 1 - BRIGHTNESS_TOLERANCE of the step under it where the brighter frame's median grey is
# SHOULDER_GREYS[0], down to SHOULDER_LEAST at SHOULDER_GREYS[1] and brighter.
SHOULDER_LEAST = 0.5
SHOULDER_GREYS = (150, 210)
FIXED_FRAMING_SIMILARITY = 0.5
BRACKET_MAX_SOFTER = 2.0
# ... for frames up to this far apart in exposure (EV); farther apart, the tone curve moves
# the detail more, and the allowance grows as BRACKET_MAX_SOFTER per this many EV, up to
# BRACKET_MAX_SOFTER_FAR (a blur of 1.5 px on the 256 px frame the kinds are read from reads
# 4x or more).
SOFTER_PER_EV = 1.25
BRACKET_MAX_SOFTER_FAR = 3.0
# Grey levels (8 bits) where a camera's tone curve is close to a power law: brightness
# steps and sharpness are compared there (toe and shoulder compress both).
MID_TONES = (24, 176)
UNCLIPPED = (13, 242)
MIN_BRACKET_FRAMES = 3
MAX_BRACKET_FRAMES = 9
# Panoramas: shift between neighbours, as a fraction of the frame, and how well the
# overlapping parts must agree (normalised cross-correlation).
PANORAMA_MIN_SHIFT = 0.12
PANORAMA_MAX_SHIFT = 0.70
PANORAMA_MIN_AGREEMENT = 0.6
PANORAMA_PEAKS = 5
# Where neighbours agree, tile by tile (PANORAMA_TILE thumbnail px), in their detail (each
# thumbnail less its box blur of PANORAMA_DETAIL_RADIUS: a vignette or a sky's gradient stays
# put in the frame and is no detail), over the overlap's tiles with detail (spread at least
# PANORAMA_TILE_DETAIL grey levels): a tile agrees as shot when it does so at
# PANORAMA_MIN_AGREEMENT or better and by PANORAMA_STILL_MARGIN more than shifted.  A pan's
# shift explains its whole overlap (at most 17 % of a step's tiles agree as shot, over the
# 1,429 pan steps of ten kinds_eval.py shoots); from a tripod, a subject crossing agrees
# shifted while the still background agrees as shot (50-90 % of the tiles in a burst's
# steepest step, benchmarks/tripod_bursts.py).  A step with more than PANORAMA_MAX_STILL
# of its tiles agreeing as shot is no pan step.
PANORAMA_TILE = 8
PANORAMA_DETAIL_RADIUS = 2
PANORAMA_TILE_DETAIL = 4.0
PANORAMA_STILL_MARGIN = 0.2
PANORAMA_MAX_STILL = 0.3
PANORAMA_MIN_TILES = 4
# Focus stacks: cells of the focus map, how much sharper than its own blurriest frame a
# cell's sharpest frame must be for the cell to count, and how many cells must count.
FOCUS_GRID = (4, 6)
FOCUS_MIN_CONTRAST = 2.0
FOCUS_MIN_CELLS = 6
# At tripod framing (neighbours' similarity at least STACK_TRIPOD_SIMILARITY; hand-held
# bursts measured up to 0.94) a cell's detail changes with the focus only, so a smaller
# change counts (hand-held, framing moves edges across cells by more than that).
STACK_TRIPOD_SIMILARITY = 0.95
FOCUS_TRIPOD_CONTRAST = 1.4
MIN_STACK_FRAMES = 3
# (frames, unimodal, framing similarity, dominance, frames sharpest somewhere): a stack kept
# whole, and a possible one; and how far apart in brightness its frames may be (EV).
STACK_STRONG = (4, 0.85, 0.85, 0.7, 3)
STACK_POSSIBLE = (3, 0.7, 0.75, 0.8, 2)
STACK_MAX_BRIGHTNESS_EV = 0.35
# A focus sweep changes how sharp a cell is, not what it shows: blurred a little more than
# the lens blurs it at the thumbnail's size, a cell looks the same in its sharpest and its
# softest frame.  A subject crossing a still frame (or water, clouds) changes what the cell
# shows there.  A cell has moved when the 90th percentile of that difference exceeds
# STACK_MOVED_TONE of its contrast; with more than STACK_MOVED_SHARE of the telling cells
# moved, the sweep is at most a possible stack (benchmarks/tripod_bursts.py).
STACK_MOVED_RADIUS = 2  # box blur radius, thumbnail px
STACK_MOVED_TONE = 0.5
STACK_MOVED_SHARE = 1 / 3


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
    """A series with its kind and a one-line reason (for the summary and the GUI's tooltip).

    ``possible`` names the kind weak evidence points to (a burst that may be a bracket,
    panorama or focus stack): the series stays a burst with its pick, but none of its frames
    is auto-rejected or moved.  Its reason starts with "possible <kind>" (see
    :func:`possible_kind`), which is how the catalog keeps it.
    """

    members: list[int]
    kind: str
    reason: str
    possible: str | None = None

    @property
    def protected(self) -> bool:
        return self.kind in PROTECTED_KINDS

    def __iter__(self):  # members, kind, reason = kinded
        return iter((self.members, self.kind, self.reason))


POSSIBLE_PREFIX = "possible "


def kind_words(kind: str) -> str:
    return kind.replace("_", " ")


def possible_kind(kind: str, reason: str) -> str | None:
    """The kind a burst may be (from its stored reason), or None."""
    if kind != "burst" or not reason.startswith(POSSIBLE_PREFIX):
        return None
    head = reason[len(POSSIBLE_PREFIX) :].split(":", 1)[0]
    return next((k for k in PROTECTED_KINDS if kind_words(k) == head), None)


def _possible(members: list[int], kind: str, detail: str) -> KindedSeries:
    return KindedSeries(members, "burst", f"{POSSIBLE_PREFIX}{kind_words(kind)}: {detail}", kind)


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
    joined = join_panoramas(join_brackets(series, evidence, max_gap), evidence, max_gap)
    out: list[KindedSeries] = []
    for members in joined:
        out.extend(split_kinds(members, evidence))
    out.sort(key=lambda s: (evidence[s.members[0]].seconds, s.members[0]))
    return out


def split_kinds(members: Sequence[int], evidence: Sequence[KindEvidence]) -> list[KindedSeries]:
    """One series cut into runs of one kind each: brackets the camera recorded, then what
    is left (a possible bracket stays in its burst, flagged)."""
    members = list(members)
    if len(members) == 1:
        return [KindedSeries(members, "single", "one frame")]
    frames = [evidence[i] for i in members]
    runs = _bracket_runs(frames)
    pieces: list[KindedSeries] = []
    taken: set[int] = set()
    for run in runs:
        if run.strong:
            pieces.append(KindedSeries(members[run.start : run.stop], "bracket", run.reason))
            taken.update(members[run.start : run.stop])
    weak = [run for run in runs if not run.strong]
    rest: list[int] = []
    for index in [*members, None]:
        if index is not None and index not in taken:
            rest.append(index)
            continue
        if rest:
            piece = _classify_rest(rest, evidence)
            if piece.kind == "burst" and piece.possible is None:
                hint = next((r for r in weak if members[r.start] in rest), None)
                if hint is not None:
                    piece = _possible(rest, "bracket", hint.reason)
            pieces.append(piece)
            rest = []
    pieces.sort(key=lambda s: members.index(s.members[0]))
    return pieces


def classify(frames: Sequence[KindEvidence]) -> tuple[str, str]:
    """(kind, reason) for frames taken as one whole series, without splitting it.

    A burst that may be another kind has the reason "possible <kind>: ..."."""
    runs = [r for r in _bracket_runs(frames) if (r.start, r.stop) == (0, len(frames))]
    if runs and runs[0].strong:
        return "bracket", runs[0].reason
    judged = _judge(list(range(len(frames))), frames)
    if judged.kind == "burst" and judged.possible is None and runs:
        judged = _possible([], "bracket", runs[0].reason)
    return judged.kind, judged.reason


def _judge(members: list[int], frames: Sequence[KindEvidence]) -> KindedSeries:
    """The kind of frames that hold no recorded bracket, from the strongest evidence."""
    if len(frames) == 1:
        return KindedSeries(members, "single", "one frame")
    stack, strong = _focus_stack(frames)
    if stack and strong:
        return KindedSeries(members, "focus_stack", stack)
    steps = [
        panorama_step(a.thumbnail, b.thumbnail) for a, b in zip(frames, frames[1:], strict=False)
    ]
    if all(s is not None for s in steps) and _one_direction(steps):
        return KindedSeries(
            members, "panorama", f"{len(frames)} frames overlapping in one direction"
        )
    if stack:
        return _possible(members, "focus_stack", stack)
    return KindedSeries(members, "burst", "frames of one scene")


def _classify_rest(indices: list[int], evidence: Sequence[KindEvidence]) -> KindedSeries:
    return _judge(indices, [evidence[i] for i in indices])


# --- brackets ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Run:
    """Frames ``start:stop`` of a series that step through exposures like a bracket."""

    start: int
    stop: int
    reason: str
    strong: bool  # the camera says so: kept whole; else only a possible bracket


def _settings_ev(frame: KindEvidence) -> float | None:
    """The exposure from time, f-number and ISO, in EV (larger: brighter frame)."""
    if not frame.exposure_seconds:
        return None
    ev = math.log2(frame.exposure_seconds)
    if frame.f_number:
        ev -= 2 * math.log2(frame.f_number)
    if frame.iso:
        ev += math.log2(frame.iso / 100)
    return ev


def _bracket_pattern(
    values: Sequence[float],
    min_step: float,
    tolerance: float,
    greys: Sequence[float] | None = None,
) -> tuple[float, bool] | None:
    """(step in EV, whether the run is in exposure order) when ``values`` are one bracket,
    else None.

    A camera's bracket is an odd number of exposures evenly spaced around the base one,
    shot base first (0, -, +, --, ++) or in order (-, 0, + or + , 0, -).  Auto exposure
    drifting, or a compensation dial turned during a burst, rarely gives that: its values
    wander or ramp in small steps (and a ramp is told by what comes before and after it,
    see :func:`_ramp_goes_on`).  With ``greys`` (each frame's median grey, for brightness
    measured in the pixels), the steps over the base may be as short as a tone curve's
    highlight shoulder makes them (:func:`_shoulder_step`).
    """
    count = len(values)
    if count < MIN_BRACKET_FRAMES or count % 2 == 0:
        return None
    ordered = sorted(values)
    gaps = np.diff(ordered)
    step = float(gaps.mean())
    compressed = False
    if step < min_step or np.any(np.abs(gaps - step) > tolerance * step):
        step = None if greys is None else _shoulder_step(values, greys, min_step, tolerance)
        if step is None:
            return None
        compressed = True
    centre = ordered[count // 2]
    monotone = list(values) in (ordered, ordered[::-1])
    if not monotone and abs(values[0] - centre) > tolerance * step:
        return None
    if not monotone:  # base first, then pairs around it: -1/+1, then -2/+2 ...
        for k in range(1, count, 2):
            pair = sorted(values[k : k + 2])
            if compressed:  # the k-th exposure under the base and the k-th over it
                if pair != [ordered[count // 2 - (k + 1) // 2], ordered[count // 2 + (k + 1) // 2]]:
                    return None
            elif abs(pair[0] + pair[1] - 2 * centre) > 2 * tolerance * step:
                return None
    return step, monotone


def _shoulder_step(
    values: Sequence[float], greys: Sequence[float], min_step: float, tolerance: float
) -> float | None:
    """The step of a bracket whose brighter frames a tone curve's highlight shoulder
    compressed, from its exposures (in order) below the base, else None.

    Measured in the pixels, the frames under the base keep their steps (their mid-tones
    move into the straight part of the curve), while each frame over it brightens less the
    brighter it is.  So the steps under the base must be even and at least ``min_step``,
    and the steps over it no larger and none larger than the one before it, each at least
    as large as the shoulder leaves it at the brighter frame's median grey ``greys``: near
    the full step below ``SHOULDER_GREYS[0]``, down to ``SHOULDER_LEAST`` of it at
    ``SHOULDER_GREYS[1]``.  Auto exposure drifting or a meter jumping rarely steps like
    that: a short step over the base of frames in the straight part of the curve is not
    the shoulder's.
    """
    order = np.argsort(values, kind="stable")
    gaps = np.diff(np.asarray(values, dtype=np.float64)[order])
    half = len(gaps) // 2
    dark, bright = gaps[:half], gaps[half:]
    step = float(dark.mean())
    if step < min_step or np.any(np.abs(dark - step) > tolerance * step):
        return None
    if np.any(bright > (1 + tolerance) * step):
        return None
    if np.any(np.diff(bright) > tolerance * step):
        return None
    # how far the brighter frame of each step lies into the shoulder (0: not at all, 1: fully)
    depth = np.clip(
        (np.asarray(greys, dtype=np.float64)[order][half + 1 :] - SHOULDER_GREYS[0])
        / (SHOULDER_GREYS[1] - SHOULDER_GREYS[0]),
        0.0,
        1.0,
    )
    least = (1 - tolerance) - (1 - tolerance - SHOULDER_LEAST) * depth
    if np.any(bright < least * step):
        return None  # a step shorter than the shoulder at that brightness makes it
    return step


def _ramp_goes_on(values: Sequence[float], start: int, stop: int, step: float) -> bool:
    """A monotone run whose neighbours continue it (or dwell at its ends) is a ramp."""
    run = values[start:stop]
    direction = 1.0 if run[-1] > run[0] else -1.0
    if list(run) not in (sorted(run), sorted(run, reverse=True)):
        return False
    before = values[start - 1] if start > 0 else None
    after = values[stop] if stop < len(values) else None
    if before is not None and 0 <= (run[0] - before) * direction <= 1.25 * step:
        return True
    return after is not None and 0 <= (after - run[-1]) * direction <= 1.25 * step


def _pattern_runs(
    values: Sequence[float | None],
    min_step: float,
    tolerance: float,
    greys: Sequence[float] | None = None,
) -> list[tuple[int, int, float, bool]]:
    """(start, stop, step, in exposure order) of the runs of ``values`` that step like a
    bracket, the longest found from each start."""
    runs, start = [], 0
    while start <= len(values) - MIN_BRACKET_FRAMES:
        for stop in range(min(len(values), start + MAX_BRACKET_FRAMES), start + 2, -1):
            window = values[start:stop]
            if any(v is None for v in window):
                continue
            found = _bracket_pattern(
                window, min_step, tolerance, None if greys is None else greys[start:stop]
            )
            if found is not None and not _ramp_goes_on(values, start, stop, found[0]):
                runs.append((start, stop, *found))
                start = stop
                break
        else:
            start += 1
    return runs


def _flagged_runs(frames: Sequence[KindEvidence]) -> list[_Run]:
    """Runs the camera marks as auto-bracketed (maker note, or EXIF ExposureMode), cut
    where an exposure repeats (two brackets back to back)."""
    values = [_recorded_ev(frame) for frame in frames]
    runs, start = [], 0
    while start < len(frames) - 1:
        stop = start
        while (
            stop < len(frames)
            and stop - start < MAX_BRACKET_FRAMES
            and frames[stop].auto_bracket
            and (
                values[stop] is None
                or all(
                    v is None or abs(values[stop] - v) >= BIAS_STEP_EV for v in values[start:stop]
                )
            )
        ):
            stop += 1
        if stop - start >= 2:
            reason = f"{stop - start} frames, auto-bracketing in the camera's metadata"
            runs.append(_Run(start, stop, reason, strong=True))
            start = stop
        else:
            start += 1
    return runs


def _recorded_ev(frame: KindEvidence) -> float | None:
    if frame.exposure_bias is not None:
        return float(frame.exposure_bias)
    return _settings_ev(frame)


def _bracket_runs(frames: Sequence[KindEvidence]) -> list[_Run]:
    """Every run of consecutive frames that is a bracket (strong) or may be one (weak).

    Strong, from the camera: the auto-bracketing flag; recorded exposure bias stepping like
    a bracket.  Weak: exposure settings stepping like one by at least ``SETTINGS_STEP_EV``
    with the frames' brightness following (a camera's bracket records its offsets as
    exposure bias; time alone jumping a stop or two is also what the meter does when the
    light changes in a hand-held burst); brightness in the pixels stepping like a bracket by
    at least ``BRIGHTNESS_STEP_EV`` at fixed framing, where the camera recorded no exposure
    settings that stay the same (a run some of whose frames lost their tags is judged by
    its pixels).
    """
    runs = _flagged_runs(frames)
    if runs:
        return runs
    biases = [f.exposure_bias for f in frames]
    if all(b is not None for b in biases) and max(biases) - min(biases) >= BIAS_STEP_EV:
        # in exposure order, small steps look like a compensation dial being turned
        return [
            _Run(
                a,
                b,
                f"{b - a} frames, {step:.1f} EV apart (exposure bias)",
                strong=not ordered or step >= ORDERED_STEP_EV,
            )
            for a, b, step, ordered in _pattern_runs(biases, BIAS_STEP_EV, 0.25)
            if not ordered or step >= ORDERED_POSSIBLE_STEP_EV
        ]
    settings = [_settings_ev(f) for f in frames]
    brightness = _brightness_ev(frames)
    runs = []
    for a, b, step, _ordered in _pattern_runs(settings, SETTINGS_STEP_EV, 0.25):
        if brightness is None or _follows(settings[a:b], brightness[a:b]):
            reason = f"{b - a} frames, {step:.1f} EV apart (exposure settings)"
            runs.append(_Run(a, b, reason, strong=False))
    if runs or brightness is None or all(v is not None for v in settings):
        return runs  # settings recorded: they, not the pixels, say whether exposure stepped
    brightness = _brightness_ev(frames, MID_TONES)
    for a, b, step, _ordered in _pattern_runs(
        brightness, BRIGHTNESS_STEP_EV, BRIGHTNESS_TOLERANCE, _median_greys(frames)
    ):
        if all(v is not None for v in settings[a:b]):
            continue  # every frame of the run recorded its settings, and they did not step
        if _wanders_around(brightness, a, b, step):
            continue
        if _fixed_framing(frames[a:b]) and _equally_sharp(frames[a:b], brightness[a:b]):
            reason = f"{b - a} frames about {step:.1f} EV apart in brightness at fixed framing"
            runs.append(_Run(a, b, reason, strong=False))
    return runs


def _median_greys(frames: Sequence[KindEvidence]) -> list[float]:
    """Each frame's median grey level in its thumbnail (how far into a tone curve's
    highlight shoulder its mid-tones lie)."""
    return [float(np.median(f.thumbnail)) for f in frames]


def _wanders_around(brightness: Sequence[float], start: int, stop: int, step: float) -> bool:
    """Frames of the series outside the run at exposures between the run's own levels: the
    exposure of a burst wandering, not a bracket (whose series holds, besides the run, frames
    at its base exposure, or its farther exposures beyond the run's range)."""
    run = brightness[start:stop]
    centre, low, high = float(np.median(run)), min(run), max(run)
    for value in [*brightness[:start], *brightness[stop:]]:
        at_base = abs(value - centre) <= 0.5 * step
        beyond = value >= high + 0.5 * step or value <= low - 0.5 * step
        if not (at_base or beyond):
            return True
    return False


def join_brackets(
    series: Sequence[Sequence[int]], evidence: Sequence[KindEvidence], max_gap: float
) -> list[list[int]]:
    """Series of one camera joined where a bracket the camera recorded runs across them.

    Grouping compares the look of neighbouring frames, and a bracket's farthest frames (two
    stops over, highlights blown) can look too little like the rest to stay with it; the
    camera's own record (auto-bracketing flag, exposure bias stepping like a bracket) says
    they are one sequence.  A series joins the one before when the two are at most
    ``max_gap`` seconds apart and a strong bracket run of the frames together crosses the
    border between them; where no frame of the two records its exposure, a possible bracket
    in the pixels does (the joined series stays a burst, flagged, nothing of it rejected).
    Series in, series out: :func:`split_kinds` then cuts the bracket
    out of the joined series as it does for any series.
    """
    order = sorted(range(len(series)), key=lambda k: evidence[series[k][0]].seconds)
    out: list[list[int]] = []
    last_of_camera: dict[str, list[int]] = {}
    for k in order:
        members = list(series[k])
        camera = evidence[members[0]].camera
        current = last_of_camera.get(camera)
        if current is not None and _bracket_across(current, members, evidence, max_gap):
            current.extend(members)
            continue
        out.append(members)
        last_of_camera[camera] = members
    return out


def _bracket_across(
    current: list[int], members: list[int], evidence: Sequence[KindEvidence], max_gap: float
) -> bool:
    """Whether a bracket the camera recorded runs from ``current`` on into ``members``, or,
    where no frame of either records its exposure, a possible bracket in the pixels."""
    last, first = evidence[current[-1]], evidence[members[0]]
    if not 0 <= first.seconds - last.seconds <= max_gap:
        return False
    biases = (last.exposure_bias, first.exposure_bias)
    stepped = None not in biases and abs(biases[1] - biases[0]) >= BIAS_STEP_EV
    untagged = all(
        evidence[i].exposure_bias is None and _settings_ev(evidence[i]) is None
        for i in [*current, *members]
    )
    if not (stepped or (last.auto_bracket and first.auto_bracket) or untagged):
        return False  # a bracket's frames never repeat an exposure
    # the runs split_kinds will find in the joined series, so a join is never undone there
    runs = _bracket_runs([evidence[i] for i in [*current, *members]])
    return any((run.strong or untagged) and run.start < len(current) < run.stop for run in runs)


def _equally_sharp(frames: Sequence[KindEvidence], brightness: Sequence[float]) -> bool:
    """No frame much softer than the frame next to it in brightness, where both show detail
    in their mid-tones (a bracket's frames differ in exposure only; a burst's under- or
    over-exposed frames are often blurred as well).

    A camera's tone curve flattens the highlights of the brighter frame and steepens the
    shadows of the darker one, which moves the focus map's detail as much as a blur would,
    the more the farther apart the exposures are.  So only cells mid-grey in both frames
    count, only frames next to each other in exposure are compared (the -2 and +2 EV frames
    of a 0/-2/+2 bracket are shot one after the other), and a cell's detail is taken
    against its contrast in the thumbnail (a tone curve scales both alike, a blur takes the
    fine detail and leaves the coarse contrast): the focus map's detail times the cell's
    brightness squared, over the thumbnail cell's variance.  What the curve leaves of that
    grows with the exposures' distance (frames 2.3 EV apart of a camera-curved bracket
    differ up to 3x), so beyond SOFTER_PER_EV the allowance grows with it, to a bound that
    a blur of 1.5 px on the 256 px frame exceeds.
    """
    order = [int(k) for k in np.argsort(brightness, kind="stable")]
    maps = [frames[k].focus for k in order]
    if any(m is None for m in maps) or len({np.shape(m) for m in maps}) != 1:
        return True
    cells = [_cell_tones(frames[k].thumbnail, np.shape(maps[0])) for k in order]
    if any(c is None for c in cells):
        return True
    for k, (a, b) in enumerate(zip(maps, maps[1:], strict=False)):
        (mean_a, spread_a), (mean_b, spread_b) = cells[k], cells[k + 1]
        both = (np.asarray(a) > 0) & (np.asarray(b) > 0) & (spread_a > 1) & (spread_b > 1)
        both &= _within(mean_a, MID_TONES) & _within(mean_b, MID_TONES)
        if both.sum() < FOCUS_MIN_CELLS:
            continue
        detail = np.log(
            np.asarray(a, dtype=np.float64)[both] / np.asarray(b, dtype=np.float64)[both]
        )
        level = 2 * np.log(mean_a[both] / mean_b[both])
        contrast = 2 * np.log(spread_a[both] / spread_b[both])
        apart = abs(brightness[order[k + 1]] - brightness[order[k]])
        allowed = min(BRACKET_MAX_SOFTER ** max(1.0, apart / SOFTER_PER_EV), BRACKET_MAX_SOFTER_FAR)
        if abs(float(np.median(detail + level - contrast))) > math.log(allowed):
            return False
    return True


def _cell_tones(
    thumbnail: np.ndarray | None, grid: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray] | None:
    """The mean grey and its standard deviation in each cell of a focus map's ``grid`` over
    the frame's thumbnail."""
    if thumbnail is None or len(grid) != 2:
        return None
    rows = np.array_split(np.asarray(thumbnail, dtype=np.float64), grid[0], axis=0)
    cells = [np.array_split(row, grid[1], axis=1) for row in rows]
    return (
        np.array([[cell.mean() for cell in row] for row in cells]),
        np.array([[cell.std() for cell in row] for row in cells]),
    )


def _brightness_ev(
    frames: Sequence[KindEvidence], tones: tuple[int, int] | None = None
) -> list[float] | None:
    """Each frame's brightness against the first, in EV, from the grouping thumbnails: the
    median ratio of linear light over the pixels neither clipped nor black in both; with
    ``tones``, over the pixels within those grey levels in both where there are enough."""
    thumbs = [f.thumbnail for f in frames]
    if any(t is None for t in thumbs) or len({np.shape(t) for t in thumbs}) != 1:
        return None
    # against the frame of median brightness (a bracket's base), which shares the most
    # unclipped pixels with the darkest and the brightest frames
    means = [float(np.mean(t)) for t in thumbs]
    reference = np.asarray(thumbs[int(np.argsort(means)[len(means) // 2])], dtype=np.float64)
    values = []
    for thumb in thumbs:
        other = np.asarray(thumb, dtype=np.float64)
        usable = _within(reference, UNCLIPPED) & _within(other, UNCLIPPED)
        if tones is not None:
            narrow = usable & _within(reference, tones) & _within(other, tones)
            usable = narrow if narrow.mean() >= 0.05 else usable
        if usable.mean() < 0.05:
            return None
        values.append(float(2.2 * np.median(np.log2(other[usable] / reference[usable]))))
    return values


def _within(values: np.ndarray, tones: tuple[int, int]) -> np.ndarray:
    return (values >= tones[0]) & (values <= tones[1])


def _follows(settings: Sequence[float], brightness: Sequence[float]) -> bool:
    """The frames got brighter and darker with the exposure (auto exposure following a
    change of light keeps the brightness instead)."""
    s = np.asarray(settings) - np.mean(settings)
    b = np.asarray(brightness) - np.mean(brightness)
    return float(s @ b) >= 0.35 * float(s @ s)


def _fixed_framing(frames: Sequence[KindEvidence]) -> bool:
    """Neighbouring frames show the same view (grouping's similarity, exposure-blind), with
    each pair's clipping made the same first (:func:`_common_clipping`)."""
    return _framing_similarity(frames, common_clipping=True) >= FIXED_FRAMING_SIMILARITY


def _common_clipping(first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two thumbnails of one scene at different exposures, clipped alike.

    A bracket's brightest frame can be blown over most of the frame (and its darkest
    crushed), which grouping's similarity reads as another view.  Where one frame clips a
    share of its pixels to white, the other's brightest pixels of that share are set to
    white too (and likewise for black): at fixed framing the two white areas are the same
    area, in another view they are not.
    """
    pair = [np.asarray(first, dtype=np.uint8).copy(), np.asarray(second, dtype=np.uint8).copy()]
    low, high = UNCLIPPED
    for white in (True, False):
        clipped = [(t >= high) if white else (t <= low) for t in pair]
        count = max(int(c.sum()) for c in clipped)
        for thumb, mask in zip(pair, clipped, strict=True):
            flat = thumb.reshape(-1)
            order = np.argsort(flat if not white else -flat.astype(np.int16), kind="stable")
            merged = mask.reshape(-1).copy()
            merged[order[:count]] = True
            flat[merged] = 255 if white else 0
    return pair[0], pair[1]


# --- focus stacks --------------------------------------------------------------------------


def focus_map(image, grid: tuple[int, int] = FOCUS_GRID) -> np.ndarray:
    """Detail per cell of a ``grid`` over the frame (rows, columns), float32.

    The detail is the energy of the Laplacian of a lightly smoothed frame (pixel noise
    counts less than edges), over the pixels neither clipped nor black, against the cell's
    own brightness squared: a brighter or darker frame of the same scene keeps its map, and
    a blown-out cell has no detail instead of a different one.  Computed on a small decode
    (a few hundred pixels) so it costs little next to the thumbnail; only its changes
    between frames of one series matter.
    """
    gray = np.asarray(image.convert("L"), dtype=np.float32) / 255.0
    if min(gray.shape) < 2 * max(grid) + 4:
        return np.zeros(grid, dtype=np.float32)
    lap = laplacian(box_blur(gray, 1))
    inner = gray[1:-1, 1:-1]
    usable = ((inner > 0.02) & (inner < 0.97)).astype(np.float32)
    rows, cols = grid
    height, width = lap.shape[0] // rows, lap.shape[1] // cols

    def per_cell(values: np.ndarray) -> np.ndarray:
        cells = values[: rows * height, : cols * width].reshape(rows, height, cols, width)
        return cells.sum(axis=(1, 3))

    count = per_cell(usable)
    energy = per_cell(lap * lap * usable) / np.maximum(count, 1)
    level = per_cell(inner * usable) / np.maximum(count, 1)
    detail = energy / np.maximum(level, 0.02) ** 2
    detail[count < 0.3 * height * width] = 0.0
    return detail.astype(np.float32)


def _focus_stack(frames: Sequence[KindEvidence]) -> tuple[str | None, bool]:
    """(reason, strong) when the frames are a focus stack (strong) or may be one, else
    (None, False).

    A stack is shot at one exposure from a fixed place, so the frames must be equally
    bright and show the same view; that is what keeps a burst whose exposure drifts, or
    whose frames are blown or noisy, from looking like one.  Then the focus maps decide
    (:func:`_sweep`).  A recorded subject distance stepping one way is no more than a
    possible stack: a camera tracking a subject that comes closer records the same.
    """
    if len(frames) < MIN_STACK_FRAMES or not _steady_exposure(frames):
        return None, False
    similarity = _framing_similarity(frames)
    found = _sweep(frames, similarity)
    if found[0] is not None:
        return found
    distances = [f.subject_distance for f in frames]
    if similarity >= STACK_POSSIBLE[2] and all(
        d is not None and math.isfinite(d) and d > 0 for d in distances
    ):
        steps = np.diff(distances)
        if np.all(steps > 0) or np.all(steps < 0):
            reason = (
                f"{len(frames)} frames at one exposure and framing, focused from "
                f"{distances[0]:g} m to {distances[-1]:g} m"
            )
            return reason, False
    return None, False


def _sweep(frames: Sequence[KindEvidence], similarity: float) -> tuple[str | None, bool]:
    """(reason, strong) when the sharpest region moves through the frames as the focus
    plane of a stack sweeps through the scene.

    Cells whose detail changes at least ``FOCUS_MIN_CONTRAST`` fold over the series count
    (from a tripod, also judged with the cells changing less, see :func:`_telling_contrasts`:
    the stronger verdict holds); in each the detail should rise to one frame and fall after
    it (``unimodal``: the share of the cell's change that does so); several frames should each
    be the sharpest somewhere, none nearly everywhere.  ``STACK_STRONG`` and ``STACK_POSSIBLE``
    give the limits for a stack and for a possible one (measured in benchmarks/kinds_eval.py).
    """
    maps = [f.focus for f in frames]
    if any(m is None for m in maps) or len({np.shape(m) for m in maps}) != 1:
        return None, False
    energy = np.stack([np.asarray(m, dtype=np.float64).ravel() for m in maps])  # frames x cells
    logs = np.log(energy + 1e-7)
    # read only for a sweep strong enough to keep whole: most bursts have none
    moved = functools.cache(lambda: _content_moved(frames, logs, np.shape(maps[0])))
    found: tuple[str | None, bool] = (None, False)
    for contrast in _telling_contrasts(similarity):
        reason, strong = _sweep_over(logs, contrast, similarity, moved)
        if strong:
            return reason, strong
        found = found if found[0] is not None else (reason, strong)
    return found


def _sweep_over(
    logs: np.ndarray,
    contrast: float,
    similarity: float,
    moved: Callable[[], np.ndarray | None] = lambda: None,
) -> tuple[str | None, bool]:
    """:func:`_sweep`'s verdict on the log detail (frames x cells) over the cells whose
    detail changes at least ``contrast`` fold; ``moved`` (per cell, from
    :func:`_content_moved`, asked for only by a sweep within ``STACK_STRONG``'s limits)
    makes a sweep whose content moves at most a possible one (``STACK_POSSIBLE``'s limits
    are wider in every respect)."""
    count = logs.shape[0]
    spread = logs.max(axis=0) - logs.min(axis=0)
    telling = np.flatnonzero(spread >= math.log(contrast))
    if telling.size < FOCUS_MIN_CELLS:
        return None, False
    peaks = logs[:, telling].argmax(axis=0)
    counts = np.bincount(peaks, minlength=count)
    distinct = int((counts >= 2).sum())
    dominance = float(counts.max() / telling.size)
    unimodal = 1.0 - float(np.mean([_off_peak(logs[:, c]) / spread[c] for c in telling]))
    for strong, limits in ((True, STACK_STRONG), (False, STACK_POSSIBLE)):
        frames_needed, min_unimodal, min_similarity, max_dominance, min_distinct = limits
        if (
            count >= frames_needed
            and unimodal >= min_unimodal
            and similarity >= min_similarity
            and dominance <= max_dominance
            and distinct >= min_distinct
        ):
            reason = (
                f"{count} frames at one exposure and framing, the sharpest region moving "
                f"through the frame ({distinct} frames sharpest somewhere)"
            )
            return reason, strong and _content_stays(moved(), telling)
    return None, False


def _content_stays(moved: np.ndarray | None, telling: np.ndarray) -> bool:
    """Whether at most STACK_MOVED_SHARE of the telling cells show other content (None:
    not known, so nothing says it moved)."""
    return moved is None or float(moved[telling].mean()) <= STACK_MOVED_SHARE


def _content_moved(
    frames: Sequence[KindEvidence], logs: np.ndarray, grid: tuple[int, ...]
) -> np.ndarray | None:
    """Per focus-map cell, whether it shows something else in its softest frame than in its
    sharpest one, beyond what defocus does (None without thumbnails).

    Both thumbnails are blurred by ``STACK_MOVED_RADIUS``, more than the lens blurs at that
    size, so a stack's frames agree there but for grain and the tone curve (at most 26 % of
    the telling cells moved, over 161 generated and ray-traced stacks); a sharp subject
    crossing a blurred background from a tripod leaves its own tone where it passes (50 %
    or more of the cells) while rising and falling in detail just as a sweep does.
    """
    thumbs = [f.thumbnail for f in frames]
    if len(grid) != 2 or any(t is None or np.shape(t) != np.shape(thumbs[0]) for t in thumbs):
        return None
    plain = [np.asarray(t, dtype=np.float32) for t in thumbs]
    soft = [box_blur(t, STACK_MOVED_RADIUS) for t in plain]
    rows = np.array_split(np.arange(plain[0].shape[0]), grid[0])
    cols = np.array_split(np.arange(plain[0].shape[1]), grid[1])
    moved = np.zeros(logs.shape[1], dtype=bool)
    for cell in range(logs.shape[1]):
        box = np.ix_(rows[cell // grid[1]], cols[cell % grid[1]])
        sharpest, softest = int(logs[:, cell].argmax()), int(logs[:, cell].argmin())
        difference = np.percentile(np.abs(soft[sharpest][box] - soft[softest][box]), 90)
        moved[cell] = difference > STACK_MOVED_TONE * max(float(plain[sharpest][box].std()), 2.0)
    return moved


def _telling_contrasts(similarity: float) -> tuple[float, ...]:
    """How much a cell's detail must change over the series to tell where focus went.

    Hand-held, the framing moves edges into and out of a cell between frames, which
    changes its detail by up to about 2x with no change of focus; from a tripod (neighbours
    at least ``STACK_TRIPOD_SIMILARITY`` alike) only the focus and the grain change it, so a
    smaller change tells as well: cells the sweep changes less at the focus map's size (a
    smooth subject, the near table) count too, and a textured wall sharpest in the last
    frame no longer outnumbers them (one frame sharpest nearly everywhere).  The weaker
    cells are grainier, so they are an extra reading, never one that takes a stack away.
    """
    if similarity >= STACK_TRIPOD_SIMILARITY:
        return (FOCUS_MIN_CONTRAST, FOCUS_TRIPOD_CONTRAST)
    return (FOCUS_MIN_CONTRAST,)


def _off_peak(curve: np.ndarray) -> float:
    """How much a cell's detail rises again away from its sharpest frame."""
    peak = int(curve.argmax())
    steps = np.diff(curve)
    return float(np.clip(steps[peak:], 0, None).sum() + np.clip(-steps[:peak], 0, None).sum())


def _steady_exposure(frames: Sequence[KindEvidence]) -> bool:
    """Every frame equally bright (thumbnails) and, where recorded, equally exposed."""
    settings = [_settings_ev(f) for f in frames]
    known = [v for v in settings if v is not None]
    if known and max(known) - min(known) > STACK_MAX_BRIGHTNESS_EV:
        return False
    brightness = _brightness_ev(frames)
    return brightness is not None and np.ptp(brightness) <= STACK_MAX_BRIGHTNESS_EV


def _framing_similarity(frames: Sequence[KindEvidence], common_clipping: bool = False) -> float:
    """The least similar neighbours of the series (grouping's exposure-blind similarity);
    with ``common_clipping``, each pair as shot or clipped alike (:func:`_common_clipping`),
    whichever is more similar."""
    from app.grouping import neighbour_similarity  # app.grouping imports this module's users

    if any(f.thumbnail is None for f in frames):
        return 0.0
    first = np.stack([f.thumbnail for f in frames[:-1]])
    second = np.stack([f.thumbnail for f in frames[1:]])
    similarity = neighbour_similarity(first, second)
    if common_clipping:
        alike = [_common_clipping(a, b) for a, b in zip(first, second, strict=True)]
        clipped_alike = neighbour_similarity(
            np.stack([a for a, _ in alike]), np.stack([b for _, b in alike])
        )
        similarity = np.maximum(similarity, clipped_alike)
    return float(similarity.min())


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
    if still_share(a, b, *best_shift) > PANORAMA_MAX_STILL:
        return None
    return fy, fx


def _overlap_agreement(a: np.ndarray, b: np.ndarray, dy: int, dx: int) -> float:
    """Normalised cross-correlation where ``a[y, x]`` and ``b[y - dy, x - dx]`` overlap."""
    height, width = a.shape
    ya, yb = (dy, 0) if dy >= 0 else (0, -dy)
    xa, xb = (dx, 0) if dx >= 0 else (0, -dx)
    h, w = height - abs(dy), width - abs(dx)
    return _agreement(a[ya : ya + h, xa : xa + w], b[yb : yb + h, xb : xb + w])


def still_share(a: np.ndarray, b: np.ndarray, dy: int, dx: int) -> float:
    """The share of the overlap's tiles with detail that agree as shot rather than shifted
    by (dy, dx) (0 with fewer than PANORAMA_MIN_TILES such tiles: nothing to tell by).

    Flat tiles (sky, walls) are left out: they agree or not by grain alone."""
    a = a - box_blur(a, PANORAMA_DETAIL_RADIUS)
    b = b - box_blur(b, PANORAMA_DETAIL_RADIUS)
    height, width = a.shape
    size = PANORAMA_TILE
    detailed = still = 0
    for y in range(max(dy, 0), min(height, height + dy) - size + 1, size):
        for x in range(max(dx, 0), min(width, width + dx) - size + 1, size):
            tile = a[y : y + size, x : x + size]
            if tile.std() < PANORAMA_TILE_DETAIL:
                continue
            detailed += 1
            as_shot = _agreement(tile, b[y : y + size, x : x + size])
            shifted = _agreement(tile, b[y - dy : y - dy + size, x - dx : x - dx + size])
            still += as_shot >= PANORAMA_MIN_AGREEMENT and as_shot > shifted + PANORAMA_STILL_MARGIN
    return still / detailed if detailed >= PANORAMA_MIN_TILES else 0.0


def join_panoramas(
    series: Sequence[Sequence[int]], evidence: Sequence[KindEvidence], max_gap: float
) -> list[list[int]]:
    """Series of one camera that follow each other as panorama frames, joined into one.

    Joins the last frame of a series to the first of the next series of the same camera when
    they are at most ``max_gap`` seconds apart, partly overlap, and the shift keeps the
    direction of the panorama so far.  Grouping leaves a panorama as single frames, or as
    short runs where neighbours overlap enough to look alike; a run joins only when its own
    frames step the same way (a burst or bracket never does).
    """
    order = sorted(range(len(series)), key=lambda k: evidence[series[k][0]].seconds)
    by_camera: dict[str, list[list[int]]] = {}
    for k in order:
        by_camera.setdefault(evidence[series[k][0]].camera, []).append(list(series[k]))
    out: list[list[int]] = []
    for runs in by_camera.values():
        current: list[int] | None = None
        steps: list[tuple] | None = None
        for members in runs:
            inner = _inner_steps(members, evidence)
            if current is not None and steps is not None and inner is not None:
                joined = _continues(current, members, evidence, max_gap, steps, inner)
                if joined is not None:
                    current.extend(members)
                    steps = joined
                    continue
            if current is not None:
                out.append(current)
            current, steps = list(members), inner
        if current is not None:
            out.append(current)
    return out


def _inner_steps(members: list[int], evidence: Sequence[KindEvidence]) -> list[tuple] | None:
    """The panorama steps between the frames of a series, or None when they are not (all)
    panorama steps in one direction: such a series is no part of a panorama."""
    steps = [
        panorama_step(evidence[a].thumbnail, evidence[b].thumbnail)
        for a, b in zip(members, members[1:], strict=False)
    ]
    if any(step is None for step in steps) or (steps and not _one_direction(steps)):
        return None
    return steps


def _continues(
    current: list[int],
    members: list[int],
    evidence: Sequence[KindEvidence],
    max_gap: float,
    steps: list[tuple],
    inner: list[tuple],
) -> list[tuple] | None:
    """The steps of the panorama with ``members`` joined to ``current``, or None."""
    last, first = evidence[current[-1]], evidence[members[0]]
    if first.seconds - last.seconds > max_gap:
        return None
    step = panorama_step(last.thumbnail, first.thumbnail)
    if step is None:
        return None
    joined = [*steps, step, *inner]
    return joined if _one_direction(joined) else None


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
