"""Plain, immutable-by-convention view data: what the models show, read from the catalog."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app.catalog import UNDECIDED, DecisionState, Flag

#: keys 6-9 as in Lightroom and darktable; the XMP label text is the colour name
LABELS = ("Red", "Yellow", "Green", "Blue")
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

    @property
    def is_best(self) -> bool:
        return self.rank == 1

    @property
    def file_names(self) -> list[str]:
        return [Path(p).name for p in (self.path, *self.companions)]


@dataclass
class SeriesItem:
    """A burst series; ``frames`` are ordered by rank, best first."""

    series_id: int
    frames: list[FrameItem]

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
    def reviewed(self) -> bool:
        """True once the photographer (not the model) marked any frame."""
        return any(f.decision.is_user and is_marked(f.decision) for f in self.frames)

    @property
    def has_pick(self) -> bool:
        return any(f.decision.flag is Flag.PICK for f in self.frames)

    @property
    def has_reject(self) -> bool:
        return any(f.decision.flag is Flag.REJECT for f in self.frames)

    @property
    def captured(self) -> datetime | None:
        times = [f.captured for f in self.frames if f.captured]
        return min(times) if times else None
