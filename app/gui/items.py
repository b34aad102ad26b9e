"""Plain, immutable-by-convention view data: what the models show, read from the catalog.

A photo's marks are either the photographer's *decision* (``DecisionSource.USER``: made
here, or imported from another application's sidecar) or the model's *suggestion*
(``DecisionSource.AUTO``: the best frame of each burst picked by the cull).  Everything
the window counts, filters and draws keeps the two apart.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass
from datetime import datetime
from pathlib import Path

from app.automatic_rejects import unsure_pick
from app.catalog import UNDECIDED, DecisionState, FaceRecord, Flag
from app.series_kinds import KINDS, PROTECTED_KINDS, possible_kind
from app.text import printable

#: keys 6-9 as in Lightroom and darktable; the XMP label text is the colour name
#: Lightroom's five colour labels; keys 6-9 and V (violet: Lightroom gives Purple no key)
LABELS = ("Red", "Yellow", "Green", "Blue", "Purple")
LABEL_COLOURS = {
    "Red": "#e5484d",
    "Yellow": "#f5d90a",
    "Green": "#46a758",
    "Blue": "#3e63dd",
    "Purple": "#8e4ec6",
}


def is_marked(decision: DecisionState) -> bool:
    """True once the photo carries any flag, stars or colour label."""
    return decision.flag is not Flag.NONE or decision.rating != 0 or decision.label is not None


def is_decided(decision: DecisionState) -> bool:
    """True once the photographer (not the model) marked the photo."""
    return decision.is_user and is_marked(decision)


def my_flag(decision: DecisionState) -> Flag:
    """The photographer's flag (a suggestion counts as none)."""
    return decision.flag if decision.is_user else Flag.NONE


def suggested_flag(decision: DecisionState) -> Flag:
    """The model's flag while the photographer has not decided (else none)."""
    return Flag.NONE if decision.is_user else decision.flag


#: the kinds a photographer can give a series of two frames or more, in the order K steps
CHOSEN_KINDS = tuple(kind for kind in KINDS if kind != "single")


def kind_words(kind: str) -> str:
    """``focus_stack`` -> ``focus stack``."""
    return kind.replace("_", " ")


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 frame``, ``3 frames``."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


@dataclass
class FrameItem:
    """One photo (a RAW+JPEG pair counts once) inside a series."""

    photo_id: int
    path: str
    companions: tuple[str, ...] = ()
    score: float | None = None
    rank: int = 0
    decision: DecisionState = UNDECIDED
    captured: datetime | None = None
    camera: str = ""
    lens: str = ""
    exposure: str = ""
    width: int = 0
    height: int = 0
    model: str = ""
    error: str = ""
    series_id: int = -1
    missing: bool = False  # the file is gone from disk (deleted or moved by hand)
    faces: tuple[FaceRecord, ...] | None = (
        None  # boxes in the original's pixels; None: not analysed
    )
    position: int = 0  # in capture order within its series
    base_rank: int = 0  # the base ranking's rank where a taste orders the series, else 0
    same_photo: frozenset[str] = frozenset()  # copies share a key (same_photo_keys)
    # byte-identical copies within its series (app.exact_copies), by path in the folder:
    # the frame this file copies ("" when none), and on that frame, its copies
    copy_of: str = ""
    copies: tuple[str, ...] = ()

    @property
    def copy_text(self) -> str:
        """Why a second thumbnail of the same photo is neither the pick nor rejected."""
        if not self.copy_of:
            return ""
        return (
            f"byte-identical copy of {printable(self.copy_of)}: "
            "the same photo, never rejected on its own"
        )

    @property
    def closed_eyes(self) -> int:
        """Faces whose eyes are closed (someone blinked)."""
        return sum(face.closed for face in self.faces or ())

    @property
    def is_best(self) -> bool:
        return self.rank == 1

    def tagged_best(self, series: SeriesItem | None) -> bool:
        """Whether the BEST tag goes on this frame: the first ranked, unless its series is
        kept whole (a bracket, panorama or stack has no pick)."""
        return self.is_best and not (series is not None and series.keeps_every_frame)

    @property
    def file_names(self) -> list[str]:
        return [Path(p).name for p in (self.path, *self.companions)]

    @property
    def decided(self) -> bool:
        return is_decided(self.decision)


@dataclass
class SeriesItem:
    """A burst series; ``frames`` are ordered by rank, best first."""

    series_id: int
    frames: list[FrameItem]
    kind: str = "burst"  # "burst", "bracket", "panorama", "focus_stack" or "single"
    pick_reason: str | None = None  # why the best frame is the pick (app.faces.PICK_REASONS)
    kind_reason: str = ""  # what the kind was told from ("3 frames, 2.0 EV apart ...")
    kind_source: str = "auto"  # "user" when the photographer set the kind
    confidence: float | None = None  # how sure the pick is (app.scoring.confidence)
    why: dict | None = None  # where and how the pick beat the runner-up (app.scoring.why)
    why_frames: tuple[int, int] | None = None  # the photo ids of that pick and runner-up

    @property
    def worth_a_second_look(self) -> bool:
        """A burst whose pick the scorer is not sure of (a kept-whole series has none): the
        cull rejects none of its other frames automatically (``app.automatic_rejects``)."""
        return unsure_pick(self.frame_count, self.kind, self.confidence)

    @property
    def keeps_every_frame(self) -> bool:
        """A bracket, panorama or focus stack: every frame is needed, none is a reject."""
        return self.kind in PROTECTED_KINDS

    @property
    def kind_text(self) -> str:
        """``focus stack``: the kind in words."""
        return kind_words(self.kind)

    @property
    def possible_kind(self) -> str | None:
        """The kind a burst may be (weak evidence): picked, but nothing rejected."""
        return possible_kind(self.kind, self.kind_reason)

    @property
    def frames_with_closed_eyes(self) -> int:
        return sum(f.closed_eyes > 0 for f in self.frames)

    @property
    def best(self) -> FrameItem | None:
        return self.frames[0] if self.frames else None

    @property
    def frame_count(self) -> int:
        return len(self.frames)

    @property
    def score_spread(self) -> float:
        scores = [f.score for f in self.frames if f.score is not None]
        return max(scores) - min(scores) if len(scores) > 1 else 0.0

    @property
    def decided_count(self) -> int:
        """Frames the photographer marked (flag, stars or label)."""
        return sum(f.decided for f in self.frames)

    @property
    def reviewed(self) -> bool:
        """True once the photographer (not the model) marked any frame."""
        return self.decided_count > 0

    @property
    def has_undecided(self) -> bool:
        return self.decided_count < self.frame_count

    @property
    def has_pick(self) -> bool:
        """A frame the photographer picked (the model's suggestion does not count)."""
        return any(my_flag(f.decision) is Flag.PICK for f in self.frames)

    @property
    def has_reject(self) -> bool:
        return any(my_flag(f.decision) is Flag.REJECT for f in self.frames)

    @property
    def captured(self) -> datetime | None:
        times = [f.captured for f in self.frames if f.captured]
        return min(times) if times else None

    def progress_text(self) -> str:
        """``3 of 6 decided``."""
        return f"{self.decided_count} of {self.frame_count} decided"


@dataclass(frozen=True)
class ShootCounts:
    """What the status bar says about the open folder: decisions and suggestions apart."""

    series: int = 0
    photos: int = 0
    reviewed_series: int = 0
    decided: int = 0
    picks: int = 0
    rejects: int = 0
    suggested_picks: int = 0
    suggested_rejects: int = 0
    missing: int = 0

    @classmethod
    def of(cls, series: list[SeriesItem]) -> ShootCounts:
        """The counts of a folder (a worker thread computes them for a whole folder; a
        change in one series is ``counts - of([before]) + of([after])``)."""
        frames = [f for s in series for f in s.frames]
        mine = [my_flag(f.decision) for f in frames]
        suggested = [suggested_flag(f.decision) for f in frames]
        return cls(
            series=len(series),
            photos=len(frames),
            reviewed_series=sum(s.reviewed for s in series),
            decided=sum(f.decided for f in frames),
            picks=mine.count(Flag.PICK),
            rejects=mine.count(Flag.REJECT),
            suggested_picks=suggested.count(Flag.PICK),
            suggested_rejects=suggested.count(Flag.REJECT),
            missing=sum(f.missing for f in frames),
        )

    def __add__(self, other: ShootCounts) -> ShootCounts:
        return ShootCounts(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))

    def __sub__(self, other: ShootCounts) -> ShootCounts:
        return ShootCounts(*(a - b for a, b in zip(astuple(self), astuple(other), strict=True)))

    def short_text(self) -> str:
        """``34 photos · 0 decided · picks 1, rejects 2 · suggested 3 picks``: for a narrow
        window (the whole text is in the tooltip)."""
        return self._text(short=True)

    def text(self) -> str:
        return self._text(short=False)

    def _text(self, short: bool) -> str:
        parts = [] if short else [plural(self.series, "series", "series")]
        parts += [
            plural(self.photos, "photo"),
            f"{self.decided} decided",
            f"{'' if short else 'your '}picks {self.picks}, rejects {self.rejects}",
        ]
        if self.suggested_picks or self.suggested_rejects:
            suggested = "suggested" if short else "model suggests"
            suggested += f" {plural(self.suggested_picks, 'pick')}"
            if self.suggested_rejects:
                suggested += f", {plural(self.suggested_rejects, 'reject')}"
            parts.append(suggested)
        if self.missing:
            parts.append(f"{self.missing} missing{'' if short else ' on disk'}")
        return " · ".join(parts)
