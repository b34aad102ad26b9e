"""Which frame of a series is the pick, once the eyes are known.  Pure functions, no models.

The rule: a frame where anyone's eyes are closed is never the automatic pick while another
frame of the series has no closed eyes.  In a group photo the worst face counts: one blink
marks the whole frame.  When every frame has a blink, the frame with the fewest closed eyes
is picked.  Within each of these groups the scores decide, so a series without faces, or
without blinks, is picked exactly as before.  "unknown" is not a blink: a face turned away
or too small to judge does not mark its frame, but a group frame picked with such faces says
so (``eyes_unknown``), since a blink may hide there.  So does a group frame picked with fewer
faces found than another frame of its series (``faces_missed``): someone found there was
not found in the pick, and their eyes in it were never looked at.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

PickReason = Literal["score", "eyes_open", "fewest_closed_eyes", "eyes_unknown", "faces_missed"]

PICK_REASONS: dict[str, str] = {
    "score": "highest score",
    "eyes_open": "the highest-scoring frame has closed eyes; picked the best frame with none",
    "fewest_closed_eyes": "closed eyes in every frame; picked the best frame with the fewest",
    "eyes_unknown": "highest score; in this group frame some faces' eyes could not be judged",
    "faces_missed": (
        "highest score; some faces found in other frames of this group were not found in "
        "this one, so their eyes were not checked"
    ),
}


class HasEyes(Protocol):
    eyes: str  # "open" | "closed" | "unknown"


@dataclass(frozen=True)
class PickDecision:
    """The outcome for one series.

    ``order``: frame indices, the pick first, then the others by score (ties by index).
    ``reason``: a ``PickReason``; ``by_score``: the frame the scores alone would pick.
    ``closed_eyes``: per frame, how many faces have their eyes closed.
    """

    order: tuple[int, ...]
    reason: PickReason
    by_score: int
    closed_eyes: tuple[int, ...]

    @property
    def pick(self) -> int:
        return self.order[0]

    @property
    def changed(self) -> bool:
        return self.pick != self.by_score

    def describe(self) -> str:
        """One line for the summary and the details panel."""
        return PICK_REASONS[self.reason]


def closed_eye_count(faces: Sequence[HasEyes]) -> int:
    """Faces of one frame whose eyes are closed."""
    return sum(1 for face in faces if face.eyes == "closed")


def _unjudged_group(faces: Sequence[HasEyes]) -> bool:
    """A group frame (two faces or more) where some faces' eyes could not be judged: a blink
    may hide there, and the photographer should know the pick did not check it."""
    return len(faces) > 1 and any(face.eyes == "unknown" for face in faces)


def _fewer_than_found(faces: Sequence[Sequence[HasEyes] | None], pick: int) -> bool:
    """A group (two faces or more in some frame) where the pick holds fewer faces than
    another frame: the faces missed in the pick may hide a blink."""
    counts = [len(frame) for frame in faces if frame is not None]
    most = max(counts, default=0)
    return most > 1 and faces[pick] is not None and len(faces[pick]) < most


def score_order(scores: Sequence[float]) -> list[int]:
    """Frame indices best first; equal scores keep frame order."""
    return sorted(range(len(scores)), key=lambda i: (-scores[i], i))


def choose_pick(
    scores: Sequence[float],
    faces: Sequence[Sequence[HasEyes] | None],
    avoid_closed_eyes: bool = True,
) -> PickDecision:
    """The pick of one series.

    Args:
        scores: one score per frame, higher is better.
        faces: per frame, its faces (None or empty when unknown or none).
        avoid_closed_eyes: False turns the rule off: the best score is the pick.

    Raises:
        ValueError: an empty series, or ``faces`` and ``scores`` of different lengths.
    """
    if not scores:
        raise ValueError("a series needs at least one frame")
    if len(faces) != len(scores):
        raise ValueError(f"{len(scores)} scores but faces for {len(faces)} frames")
    closed = tuple(closed_eye_count(frame or ()) for frame in faces)
    by_score = score_order(scores)
    reason: PickReason = "score"
    pick = by_score[0]
    if avoid_closed_eyes and closed[pick] > 0:
        fewest = min(closed)
        pick = next(i for i in by_score if closed[i] == fewest)
        reason = "eyes_open" if fewest == 0 else "fewest_closed_eyes"
        if pick == by_score[0]:  # ties: the top frame already has the fewest
            reason = "score"
    if reason == "score" and _unjudged_group(faces[pick] or ()):
        reason = "eyes_unknown"
    elif reason == "score" and _fewer_than_found(faces, pick):
        reason = "faces_missed"
    order = (pick, *(i for i in by_score if i != pick))
    return PickDecision(order, reason, by_score[0], closed)
