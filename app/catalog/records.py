"""Plain frozen values the catalog takes and returns.

They hold no database session, so a worker thread can hand them to the GUI thread.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from app.fileio import disk_path


class Flag(StrEnum):
    PICK = "pick"
    REJECT = "reject"
    NONE = "none"


class DecisionSource(StrEnum):
    AUTO = "auto"
    USER = "user"


class MoveState(StrEnum):
    PLANNED = "planned"  # recorded before the file moves
    DONE = "done"
    FAILED = "failed"  # never happened: undo skips it
    UNDONE = "undone"
    KEPT = "kept"  # an undo could not put it back: only an undo of its batch by name retries


class RunStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    INTERRUPTED = "interrupted"
    FAILED = "failed"


MIN_RATING, MAX_RATING = -1, 5


@dataclass(frozen=True)
class PhotoInfo:
    """What the scanner knows about one photo: the input of ``Catalog.upsert_photo``.

    ``relpath`` is the main file (the RAW of a RAW+JPEG pair); ``companions`` are the other
    files of the same photo, relative to the same root.  ``thumbnail`` is an 8-bit grayscale
    image stored row by row, ``thumb_width * thumb_height`` bytes, kept so that regrouping
    a folder decodes nothing.
    """

    root: str
    relpath: str
    size: int
    mtime_ns: int
    content_hash: str | None = None
    companions: tuple[str, ...] = ()
    # the content hash of the first companion (the JPEG of a RAW+JPEG pair), so a lone copy
    # of that JPEG elsewhere is known for the same photo (app.exact_copies)
    companion_hash: str | None = None
    # that companion's size and modification time when it was read or hashed (None: not
    # known), so a JPEG rewritten beside an unchanged RAW is told
    companion_size: int | None = None
    companion_mtime_ns: int | None = None
    capture_time: str | None = None
    capture_time_source: str | None = None  # "exif" or "file"
    camera_make: str | None = None
    camera_model: str | None = None
    camera_serial: str | None = None
    width: int | None = None
    height: int | None = None
    orientation: int | None = None
    thumbnail: bytes | None = field(default=None, repr=False)
    thumb_width: int | None = None
    thumb_height: int | None = None
    decode_error: str | None = None
    read_warning: str | None = None  # e.g. damaged EXIF: reported again on every run
    faces_checked: int | None = None  # version of the face analysis done, None: not done
    # what series kinds are told from (app/series_kinds.py)
    exposure_seconds: float | None = None
    exposure_bias: float | None = None
    f_number: float | None = None
    iso: int | None = None
    subject_distance: float | None = None
    auto_bracket: bool | None = None
    focus_map: bytes | None = field(default=None, repr=False)  # float32 cells, row by row


@dataclass(frozen=True)
class PhotoRecord(PhotoInfo):
    """A stored photo with its id and when it was first and last seen by a scan."""

    id: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None

    @property
    def path(self) -> Path:
        return disk_path(Path(self.root) / self.relpath)

    @property
    def files(self) -> tuple[Path, ...]:
        """Every file of the photo, main file first."""
        return (self.path, *(disk_path(Path(self.root) / name) for name in self.companions))


@dataclass(frozen=True)
class DecisionState:
    """The current marks of a photo.  ``decided_at`` is None when nothing was ever decided."""

    flag: Flag = Flag.NONE
    rating: int = 0
    label: str | None = None
    source: DecisionSource = DecisionSource.AUTO
    decided_at: datetime | None = None

    @property
    def is_user(self) -> bool:
        return self.source is DecisionSource.USER


UNDECIDED = DecisionState()


@dataclass(frozen=True)
class ScoreRecord:
    photo_id: int
    model: str
    weights_id: str
    score: float
    rank: int | None
    series_mode: str | None
    scored_at: datetime


@dataclass(frozen=True)
class FaceRecord:
    """A face as stored: box (x, y, w, h) in the original's pixels, eyes "open", "closed"
    or "unknown" with a confidence, eye sharpness relative to the frame's, and where the
    face looks (yaw, pitch in degrees; None when not measured)."""

    box: tuple[float, float, float, float]
    eyes: str
    confidence: float
    sharpness: float
    yaw: float | None = None
    pitch: float | None = None

    @property
    def closed(self) -> bool:
        return self.eyes == "closed"


@dataclass(frozen=True)
class SeriesMember:
    """One frame of a series with the score of the chosen model (None if not scored yet)."""

    photo: PhotoRecord
    position: int
    score: float | None
    rank: int | None
    decision: DecisionState
    faces: tuple[FaceRecord, ...] | None = None  # None: not analysed

    @property
    def closed_eyes(self) -> int:
        return sum(face.closed for face in self.faces or ())


@dataclass(frozen=True)
class SeriesView:
    """A burst series as the report and the GUI list show it; members in capture order."""

    id: int
    root: str
    ordinal: int
    params: Mapping[str, Any]
    created_at: datetime
    members: tuple[SeriesMember, ...]
    pick_reason: str | None = None  # a key of app.faces.PICK_REASONS
    kind: str = "burst"  # "burst", "bracket", "panorama", "focus_stack", "single"
    kind_reason: str = ""
    kind_source: str = "auto"  # "user" when the photographer set the kind
    scorer: str = ""  # the model that gave every member its score ("" none, or several)

    @property
    def confidence(self) -> float | None:
        """How sure the pick is, in [0, 1] (None: the scorer gives none, or a frame has no
        score).  Not stored: told again from the stored scores, pick reason and the pick's
        faces by the cull's own ``pick_confidence``, so the window, the sidecars and a rerun
        read the number the cull decided on."""
        from app.exact_copies import distinct_keeping, file_hashes
        from app.scoring.confidence import pick_confidence  # the catalog loads no scorer

        best = self.best
        if best is None or any(m.score is None for m in self.members):
            return None
        pick = next(i for i, m in enumerate(self.members) if m is best)
        once = distinct_keeping(pick, [file_hashes(m.photo) for m in self.members])
        scores = [self.members[i].score for i in once]
        return pick_confidence(self.scorer, scores, self.pick_reason or "score", best.faces)

    @property
    def best(self) -> SeriesMember | None:
        """The frame ranked first (rank 1, else the highest score), or None if unscored."""
        ranked = [m for m in self.members if m.rank is not None]
        if ranked:
            return min(ranked, key=lambda m: m.rank)
        scored = [m for m in self.members if m.score is not None]
        return max(scored, key=lambda m: m.score) if scored else None


@dataclass(frozen=True)
class RunRecord:
    id: int
    folder: str
    started_at: datetime
    finished_at: datetime | None
    status: RunStatus
    options: Mapping[str, Any] = field(default_factory=dict)
    counts: Mapping[str, int] = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True)
class SidecarRecord:
    """A sidecar version the app saw or wrote: ``written`` when this app wrote it, and
    ``claimed`` the marks this app set in it ("rating", "label").  ``digest`` identifies the
    version's bytes (None in records made before digests were kept); ``created`` says this
    app created the file and nobody else has written to it since."""

    photo_id: int
    relpath: str
    size: int
    mtime_ns: int
    rating: int | None
    label: str | None
    written: bool
    claimed: frozenset[str] = frozenset()
    digest: str | None = None
    created: bool = False


@dataclass(frozen=True)
class MoveRecord:
    """One file of a journaled move, as the catalog recorded it when the move was planned."""

    batch: str
    dest: str
    root: str
    photo_id: int | None
    source: str
    target: str
    state: MoveState
    recorded_at: datetime | None = None  # when the state last changed
    content_hash: str | None = None  # of the file when the move was planned (None: older)


@dataclass
class StoredGrouping:
    """A folder's grouping as stored: parameters, and per series its id, kind and members."""

    params: dict[str, Any] = field(default_factory=dict)
    ids: list[int] = field(default_factory=list)
    kinds: list[tuple[str, str]] = field(default_factory=list)  # (kind, reason)
    groups: list[list[int]] = field(default_factory=list)  # photo ids in capture order


@dataclass(frozen=True)
class TasteExampleRecord:
    """One frame a taste profile was learnt from (see app/taste/dataset.py)."""

    shoot: str
    series: str
    frame: str
    level: float
    decided: bool
    features: tuple[float, ...]


@dataclass(frozen=True)
class TasteRecord:
    """A stored taste profile: the fitted ranker, its evaluation, how many frames it holds."""

    name: str
    trained_at: datetime
    model: Mapping[str, Any]
    evaluation: Mapping[str, Any]
    examples: int
