"""What the window says about a frame, in words: the details panel and the info overlay
show the same facts."""

from __future__ import annotations

from app.catalog import DecisionState, Flag
from app.faces import PICK_REASONS
from app.gui.items import FrameItem, SeriesItem, plural
from app.gui.views.why_overlay import why_text
from app.text import printable

FIELDS = (
    "Files",
    "Captured",
    "Camera",
    "Lens",
    "Exposure",
    "Size",
    "Score",
    "Rank",
    "Model",
    "Faces",
    "Decision",
    "Series",
    "Kind",
    "Pick",
    "Why",
)
FLAG_WORDS = {Flag.PICK: "Pick", Flag.REJECT: "Reject"}


def decision_text(decision: DecisionState) -> str:
    """``Pick, 4★, Red (yours)``, ``Pick (the model's suggestion)`` or ``Undecided``."""
    parts = [
        FLAG_WORDS.get(decision.flag, ""),
        f"{decision.rating}★" if decision.rating > 0 else "",
        decision.label or "",
    ]
    marks = ", ".join(p for p in parts if p)
    if not marks:
        return "Undecided"
    return f"{marks} (yours)" if decision.is_user else f"{marks} (the model's suggestion)"


def frame_facts(frame: FrameItem, series: SeriesItem | None) -> dict[str, str]:
    """Every field of ``FIELDS`` as text (``–`` where nothing is known)."""
    files = "\n".join(printable(name) for name in frame.file_names)
    if frame.missing:
        files += "\n⚠ missing on disk (deleted or moved)"
    if frame.error:
        files += f"\n⚠ {printable(frame.error)}"
    files += copies_text(frame)
    if series is not None and frame.rank:
        rank = f"{frame.rank} of {series.frame_count}"
    else:
        rank = str(frame.rank) if frame.rank else "–"
    if frame.base_rank:  # a taste profile orders the series
        rank += f" by your taste (base ranking: {frame.base_rank})"
    series_text = "–"
    if series is not None:
        series_text = (
            f"{plural(series.frame_count, 'frame')}, {series.progress_text()}, "
            f"spread {series.score_spread:.2f}"
        )
    if frame.faces is None:
        faces = "–"
    elif not frame.faces:
        faces = "none found"
    else:
        faces = plural(len(frame.faces), "face")
        if frame.closed_eyes:
            faces += f", eyes closed on {frame.closed_eyes}"
    return {
        "Files": files,
        "Captured": frame.captured.strftime("%Y-%m-%d %H:%M:%S.%f")[:-4] if frame.captured else "–",
        "Camera": printable(frame.camera) or "–",
        "Lens": printable(frame.lens) or "–",
        "Exposure": frame.exposure or "–",
        "Size": f"{frame.width} × {frame.height}" if frame.width else "–",
        "Score": f"{frame.score:.2f}" if frame.score is not None else "not scored",
        "Rank": rank,
        "Model": frame.model or "–",
        "Faces": faces,
        "Decision": decision_text(frame.decision),
        "Series": series_text,
        "Kind": kind_text(series),
        "Pick": pick_text(frame, series),
        "Why": why_text(frame, series),
    }


def copies_text(frame: FrameItem) -> str:
    """The line that tells a byte-identical copy from a second photo: on the copy, what it
    copies; on the frame copied, where its copies are."""
    if frame.copy_of:
        return f"\n{frame.copy_text}"
    if not frame.copies:
        return ""
    named = ", ".join(printable(c) for c in frame.copies)
    return f"\nits byte-identical {'copy' if len(frame.copies) == 1 else 'copies'}: {named}"


def kind_text(series: SeriesItem | None) -> str:
    """``bracket (3 frames, 2.0 EV apart): every frame kept`` or ``burst, set by you``."""
    if series is None or series.frame_count < 2:
        return "–"
    text = series.kind_text
    if series.kind_source == "user":
        text += ", set by you"
    elif series.kind_reason:
        text += f" ({series.kind_reason})"
    if series.keeps_every_frame:
        text += ": every frame kept, none is rejected or moved automatically"
    elif series.possible_kind:
        text += ": the best frame is picked, none is rejected or moved automatically"
    return text


def pick_text(frame: FrameItem, series: SeriesItem | None) -> str:
    """Which frame is the pick and why; on a frame that scored higher but blinked, that
    this is why it is not the pick."""
    if series is None or series.frame_count < 2 or series.best is None:
        return "–"
    if series.keeps_every_frame:
        return f"none: the {series.kind_text} is kept whole"
    best = series.best
    if best.score is None:
        return "–"
    reason = series.pick_reason or "score"
    why = PICK_REASONS.get(reason, reason)
    if best.base_rank:  # a taste profile orders the series, not the score
        why = "your taste's first choice" if reason == "score" else f"by your taste, {why}"
    text = (
        f"this frame: {why}" if frame.photo_id == best.photo_id else f"{best.file_names[0]}: {why}"
    )
    passed_over = (
        frame.photo_id != best.photo_id
        and frame.closed_eyes
        and frame.score is not None
        and frame.score > best.score
    )
    if passed_over:
        text += f"\nthis frame scored higher ({frame.score:.2f}), but eyes are closed in it"
    if series.worth_a_second_look:
        text += (
            f"\nworth a second look (confidence {series.confidence:.2f}): "
            "none of the other frames is rejected or moved automatically"
        )
    return text
