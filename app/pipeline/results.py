"""What a cull produces: per-series results, counts, and the progress events on the way."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from app.automatic_rejects import may_reject_others, picks_a_frame
from app.catalog import DecisionState, FaceRecord
from app.errors import AppError, Problem
from app.series_kinds import PROTECTED_KINDS, possible_kind


class CullError(AppError):
    """The run cannot start or cannot go on (e.g. the folder does not exist)."""


class Stage(StrEnum):
    """The stages of a run, in order, plus the two kinds of message a run sends."""

    SCAN = "scan"
    READ = "read"
    GROUP = "group"
    RANK = "rank"
    SIDECARS = "sidecars"
    MOVES = "moves"
    DONE = "done"
    PROBLEM = "problem"  # one file could not be handled; the run goes on
    NOTE = "note"  # one line worth telling (the scorer chosen, marks kept, ...)
    MARKS = "marks"  # a person's marks of some photos, taken in ahead of reading them


@dataclass(frozen=True)
class MemberResult:
    """One frame of a series in the result."""

    photo_id: int
    path: str  # relative to the folder, POSIX separators
    file: Path  # the real file (main file of a RAW+JPEG pair)
    score: float
    rank: int  # 1 = best in its series
    captured: str | None  # ISO 8601
    faces: tuple[FaceRecord, ...] | None = None  # None: faces were not looked for
    copy_of: str | None = None  # the series' frame this file is a byte-identical copy of

    @property
    def closed_eyes(self) -> int:
        """Faces of this frame whose eyes are closed."""
        return sum(face.closed for face in self.faces or ())


@dataclass(frozen=True)
class SeriesResult:
    id: int  # 1-based, in capture order
    members: tuple[MemberResult, ...]  # capture order
    pick_reason: str = "score"  # why the pick is the pick (app.faces.PICK_REASONS)
    kind: str = "burst"  # "burst", "bracket", "panorama", "focus_stack" or "single"
    kind_reason: str = ""
    # How sure the pick is, in [0, 1] (app.scoring.confidence); None: the scorer gives none.
    confidence: float | None = None
    why: dict | None = None  # where and how the pick beat the runner-up (app.scoring.why)
    # False where ``confidence`` is only how settled the scorer is on its own draws (FGAesQ's
    # cascade): the catalog cannot tell it again, so it holds back no rejects.
    confidence_kept: bool = True

    @property
    def kept_whole(self) -> bool:
        """A bracket, panorama or focus stack: every frame is needed, none is culled."""
        return self.kind in PROTECTED_KINDS

    @property
    def possible_kind(self) -> str | None:
        """The kind weak evidence points to ("bracket", ...): a burst with its pick whose
        other frames are not rejected or moved."""
        return possible_kind(self.kind, self.kind_reason)

    @property
    def kept_confidence(self) -> float | None:
        """The confidence the catalog tells again from the stored scores, pick reason and
        faces (``SeriesView.confidence``): the one the reject rule reads, so the sidecars,
        the window and a rerun decide as this run did."""
        return self.confidence if self.confidence_kept else None

    @property
    def has_pick(self) -> bool:
        """Whether the automatic decision picks a frame: a single (a photo, with any
        byte-identical copies of it) or a series kept whole has none."""
        return picks_a_frame(len(self.members), self.kind)

    @property
    def may_reject_others(self) -> bool:
        """Whether the automatic decision may reject the frames other than the pick (see
        ``app.automatic_rejects``)."""
        return self.has_pick and may_reject_others(
            self.kind, self.kind_reason, self.kept_confidence
        )

    @property
    def best(self) -> MemberResult:
        return min(self.members, key=lambda member: member.rank)


@dataclass(frozen=True)
class ProgressEvent:
    """Progress of a run.  ``series`` is set when a series has just been ranked, with
    ``frames``: (frames the scorer has ranked so far, frames it has to rank) in this run,
    from which a front end shows frames per second and the time left.  ``listed`` (once,
    before the photos are read) gives every photo of the run its catalog id by relative
    path, so a front end can show and mark them while they are read; ``marks`` (``marks``
    events, ahead of the reading) the marks a person gave them, here or in another
    application's sidecars or inside the photos, by photo id, so they show before the cull
    has grouped them.  ``provisional`` marks the events of the technical ranking a window's
    cull shows while the model asked for ranks the same series (not the model's progress);
    ``behind`` those of a model ranking in a stage of its own while the card is read (its
    frames count the card's photos still to read: its pace and time left are the model's)."""

    stage: Stage
    done: int
    total: int
    message: str = ""
    series: SeriesResult | None = None
    problem: Problem | None = None
    frames: tuple[int, int] | None = None
    listed: dict[str, int] | None = None
    marks: dict[int, DecisionState] | None = None
    provisional: bool = False
    behind: bool = False


ProgressCallback = Callable[[ProgressEvent], None]


@dataclass
class CullStats:
    photos: int = 0
    series: int = 0
    decoded: int = 0
    scored: int = 0
    cached: int = 0
    seconds: float = 0.0


@dataclass
class MoveOutcome:
    """What ``--move-rejects`` did: how many of the rejected photos moved, and where."""

    dest: str
    wanted: int = 0
    moved: int = 0
    journal: str = ""
    failed: bool = False  # the move the user asked for did not (fully) happen
    moved_meanwhile: int = 0  # moved by another run at the same time: not a failure

    def summary(self) -> str:
        text = f"Moved {self.moved} of {self.wanted} rejected photos to {self.dest}"
        if self.moved_meanwhile:
            text += f" ({self.moved_meanwhile} had been moved meanwhile by another run)"
        return text + (" (some could not be moved: see the problems)" if self.failed else "")


@dataclass(frozen=True)
class RankingInUse:
    """Which ranking ordered the run's series and by how much the taste and the base ranking
    agreed with the photographer's held-out picks: the JSON's ``ranking``, the summary's line.
    The figures are None where no taste profile was read."""

    in_use: str = "base"  # "taste" or "base"
    profile: str | None = None
    taste_agreement: float | None = None
    base_agreement: float | None = None
    decisions: int | None = None
    shoots: int | None = None
    held_out: int | None = None  # series the agreement was measured on
    reordered: int = 0  # series whose order the taste changed
    reason: str = "no taste profile chosen"
    text: str = ""  # the summary's line ("" without a taste)

    def as_json(self) -> dict:
        return {name: getattr(self, name) for name in self.__dataclass_fields__ if name != "text"}


@dataclass
class CullResult:
    root: Path
    model: dict[str, str]
    series: list[SeriesResult] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    stats: CullStats = field(default_factory=CullStats)
    notes: list[str] = field(default_factory=list)
    cancelled: bool = False
    catalog_path: Path | None = None
    # Current marks by photo id, read from the catalog at the end of the run, so decisions
    # made in the GUI since the last run show in this one's report.
    decisions: dict[int, DecisionState] = field(default_factory=dict)
    # Photos whose marks a person made (here or in another application): never changed
    # automatically, never auto-rejected or moved.
    kept_marks: int = 0
    # Photos a person may have marked in a way that cannot be read, or whose sources
    # disagree ({path: why}): nothing automatic rejected, moved or rewrote them.
    held: dict[str, str] = field(default_factory=dict)
    moves: MoveOutcome | None = None
    # Which ranking ordered the series (with --taste, by how much each agreed with the
    # photographer's held-out picks: app/taste).
    ranking: RankingInUse = field(default_factory=RankingInUse)

    def summary(self) -> str:
        state = "Cancelled" if self.cancelled else "Culled"
        return (
            f"{state}: {self.stats.photos} photos in {self.stats.series} series, "
            f"{len(self.errors)} problems ({self.stats.seconds:.1f} s)"
        )
