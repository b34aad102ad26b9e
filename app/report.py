"""Run results as a readable summary, the JSON document, and a CSV table.

The JSON shape is a contract with other tools (version 2; docs/pipeline.md):
``{"version", "root", "model": {"name", "weights", "device"}, "series": [{"id", "best",
"kind", "possible_kind", "pick_reason", "confidence", "members": [{"path", "score", "rank",
"captured", "faces": [{"box": [x, y, w, h], "eyes", "confidence", "sharpness"}],
"closed_eyes"}]}], "errors": [{"path", "error"}], "held": [{"path", "reason"}],
"stats": {"photos", "series", "decoded", "scored", "cached", "seconds"}}``, with paths
relative to the folder in POSIX form and face boxes in the original's pixels.  Singles are
series of one member.  ``faces`` is ``null`` when faces were not looked for.  Decisions
(flag, rating, label and whether the user made them) appear in the summary and the CSV
only.  ``kind`` is ``burst``, ``bracket``, ``panorama``, ``focus_stack`` or ``single``;
``possible_kind`` names the kind a burst may be (weak evidence: picked, nothing rejected),
else null.  ``confidence`` (per series, in [0, 1], or ``null`` when the scorer gives none)
is how sure the pick is.  ``may_reject_others`` says whether the automatic decisions may
reject the series' frames other than its pick (with a scheme that rejects others): false
for a single, a series kept whole, a possible kind and a burst whose pick is worth a second
look (confidence below 0.8; ``app.automatic_rejects``).  ``why`` says where and how the pick beat the runner-up
(``{"pick", "runner_up", "regions": [{"box", "score_difference", "flaw"}], "sentence",
"elsewhere"}``, boxes in the original's pixels; ``elsewhere`` is where the runner-up is the
sharper frame when the focus moved, else null; null for a single or where no explanation
was computed).
Version 2 added ``kind``, ``pick_reason``, ``faces`` and ``closed_eyes``; ``held`` (photos
whose marks cannot be read or disagree, left alone), ``possible_kind``, ``confidence``,
``why``, ``ranking``, ``may_reject_others`` and the members' ``copy_of`` came later in
version 2, without changing anything else.  ``copy_of`` names the frame of the same series a
member is a byte-identical copy of (a card copied twice: ``app.exact_copies``), else null.
``ranking`` says which ranking ordered the series (``{"in_use": "taste" | "base",
"profile", "taste_agreement", "base_agreement", "decisions", "shoots", "held_out",
"reordered", "reason"}``; the figures are null without a taste profile); the CSV's
``ranking`` column says the same on each row (``taste:NAME`` or ``base``).
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

from app.automatic_rejects import unsure_pick
from app.catalog import UNDECIDED, DecisionState, FaceRecord, Flag
from app.faces import PICK_REASONS
from app.fileio import atomic_write
from app.pipeline import CullResult
from app.pipeline.results import SeriesResult
from app.scoring.confidence import SURE
from app.text import printable, spreadsheet_cell

JSON_VERSION = 2
CSV_COLUMNS = (
    "path",
    "series",
    "kind",
    "possible_kind",
    "rank",
    "score",
    "best",
    "captured",
    "faces",
    "closed_eyes",
    "pick_reason",
    "confidence",
    "flag",
    "rating",
    "label",
    "decision_source",
    "why",
    "error",
    "ranking",
    "may_reject_others",
    "copy_of",
)


def to_json_dict(result: CullResult) -> dict[str, Any]:
    return {
        "version": JSON_VERSION,
        "root": str(result.root),
        "model": dict(result.model),
        "series": [
            {
                "id": series.id,
                "best": series.best.path,
                "kind": series.kind,
                "possible_kind": series.possible_kind,
                "pick_reason": series.pick_reason,
                "confidence": _rounded(series.confidence),
                "may_reject_others": series.may_reject_others,
                "why": series.why,
                "members": [
                    {
                        "path": m.path,
                        "score": m.score,
                        "rank": m.rank,
                        "captured": m.captured,
                        "faces": None if m.faces is None else [_face_json(f) for f in m.faces],
                        "closed_eyes": m.closed_eyes,
                        "copy_of": m.copy_of,
                    }
                    for m in series.members
                ],
            }
            for series in result.series
        ],
        "errors": [{"path": problem.path, "error": problem.error} for problem in result.errors],
        "held": [{"path": path, "reason": why} for path, why in sorted(result.held.items())],
        "ranking": result.ranking.as_json(),
        "stats": asdict(result.stats),
    }


def write_json(result: CullResult, path: str | os.PathLike[str]) -> None:
    text = json.dumps(to_json_dict(result), indent=2, ensure_ascii=False) + "\n"
    atomic_write(Path(path), text, follow_link=True)


def write_csv(result: CullResult, path: str | os.PathLike[str]) -> None:
    """One row per photo; files that could not be read get a row with their error."""
    rows: list[dict[str, Any]] = []
    ranking = _ranking_cell(result)
    for series in result.series:
        best = series.best.path
        for m in series.members:
            decision = result.decisions.get(m.photo_id, UNDECIDED)
            rows.append(
                {
                    "path": spreadsheet_cell(m.path),
                    "series": series.id,
                    "kind": series.kind,
                    "possible_kind": series.possible_kind or "",
                    "rank": m.rank,
                    "score": f"{m.score:.4f}",
                    "best": int(m.path == best),
                    "captured": m.captured or "",
                    "faces": "" if m.faces is None else len(m.faces),
                    "closed_eyes": "" if m.faces is None else m.closed_eyes,
                    "pick_reason": series.pick_reason,
                    "confidence": "" if series.confidence is None else f"{series.confidence:.3f}",
                    **_decision_columns(decision),
                    "why": spreadsheet_cell(_sentence(series)) if m.path == best else "",
                    "error": "",
                    "ranking": ranking,
                    "may_reject_others": int(series.may_reject_others),
                    "copy_of": spreadsheet_cell(m.copy_of or ""),
                }
            )
    listed = {row["path"] for row in rows}
    for problem in result.errors:
        cell = spreadsheet_cell(problem.path)
        if cell not in listed:
            rows.append(
                {
                    **dict.fromkeys(CSV_COLUMNS, ""),
                    "path": cell,
                    "error": spreadsheet_cell(problem.error),
                }
            )
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    atomic_write(Path(path), buffer.getvalue(), follow_link=True)


def summary_text(result: CullResult) -> str:
    """What the command prints on stdout: every series with its best frame, then problems."""
    engine = f", {result.model['engine']}" if "engine" in result.model else ""
    lines = [
        f"{printable(result.root)}: {result.stats.photos} photos in {result.stats.series} series "
        f"(model {result.model['name']}, {printable(result.model['weights'])}, "
        f"{result.model['device']}{engine})"
    ]
    if result.ranking.text:
        lines.append(printable(result.ranking.text))
    marks = {pid: printable(decision_marks(d)) for pid, d in result.decisions.items()}
    width = max((len(text) for text in marks.values()), default=0)
    for series in result.series:
        when = (series.members[0].captured or "")[:19].replace("T", " ")
        size = "single" if len(series.members) == 1 else f"{len(series.members)} frames"
        if series.kept_whole:
            size = f"{series.kind.replace('_', ' ')}, {size}, kept whole: {series.kind_reason}"
        elif series.possible_kind:
            size = f"{size}, {series.kind_reason}; picked, nothing rejected"
        why = "" if series.pick_reason == "score" else f"; {PICK_REASONS[series.pick_reason]}"
        if _sentence(series) and not series.kept_whole:  # a series kept whole has no pick
            why += f"; why: {printable(_sentence(series))}"
        if needs_second_look(series):
            why += f"; worth a second look (confidence {series.confidence:.2f})"
            why += "" if series.may_reject_others else ": nothing rejected"
        lines.append(f"Series {series.id} ({size}{', ' + when if when else ''}{why})")
        for m in sorted(series.members, key=lambda member: member.rank):
            mark = "*" if m.rank == 1 and series.has_pick else " "
            decided = f"{marks.get(m.photo_id, ''):<{width}}  " if width else ""
            eyes = f"  [closed eyes: {m.closed_eyes}]" if m.closed_eyes else ""
            eyes += f"  [copy of {printable(m.copy_of)}]" if m.copy_of else ""
            lines.append(
                f"  {mark} {m.rank:>2}  {m.score:6.2f}  {decided}{printable(m.path)}{eyes}"
            )
    unsure = [series for series in result.series if needs_second_look(series)]
    if unsure:
        lines.append(_second_look_line(unsure))
    if result.errors:
        lines.append(f"Problems ({len(result.errors)}):")
        lines.extend(f"  {printable(problem)}" for problem in result.errors)
    if result.kept_marks:
        lines.append(
            f"Kept: {result.kept_marks} burst frames carry marks a person made (here or in "
            "another application); nothing automatic changed, rejected or moved them"
        )
    if result.held:
        lines.append(
            f"Left alone: {len(result.held)} photos carry marks that cannot be read or that "
            "disagree; a person may have marked them, so nothing automatic rejected, moved "
            "or rewrote them:"
        )
        lines.extend(
            f"  {printable(path)}: {printable(why)}" for path, why in sorted(result.held.items())
        )
    if result.moves is not None:
        lines.append(printable(result.moves.summary()))
    stats = result.stats
    state = "interrupted" if result.cancelled else "done"
    rate = f", {stats.photos / stats.seconds:.1f} photos/s" if stats.seconds > 0 else ""
    lines.append(
        f"{state}: decoded {stats.decoded}, scored {stats.scored}, cached {stats.cached}, "
        f"{stats.seconds:.1f} s{rate}"
    )
    return "\n".join(lines)


def _ranking_cell(result: CullResult) -> str:
    """``taste:NAME`` when a taste profile gave the ranks, else ``base``."""
    in_use = result.ranking
    return f"taste:{in_use.profile}" if in_use.in_use == "taste" else "base"


def _second_look_line(unsure: list[SeriesResult]) -> str:
    """How many picks are worth a second look, and that their other frames stay."""
    line = f"{len(unsure)} series worth a second look (pick confidence below {SURE})"
    rejecting = sum(series.may_reject_others for series in unsure)
    if not rejecting:
        return line + ": their other frames are not rejected"
    return line + (
        f": the other frames of {len(unsure) - rejecting} are not rejected ({rejecting} "
        "are told only by how settled the model is on its pick, which holds back no rejects)"
    )


def needs_second_look(series: SeriesResult) -> bool:
    """A burst whose pick the scorer is not sure of (a kept-whole series has no pick)."""
    return unsure_pick(len(series.members), series.kind, series.confidence)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(float(value), 3)


def _sentence(series: Any) -> str:
    """The one line saying why the pick beat the runner-up, or empty."""
    return series.why["sentence"] if series.why else ""


def _face_json(face: FaceRecord) -> dict[str, Any]:
    return {
        "box": [round(v) for v in face.box],
        "eyes": face.eyes,
        "confidence": face.confidence,
        "sharpness": face.sharpness,
    }


def decision_marks(decision: DecisionState) -> str:
    """Flag, stars and colour label in a few characters; ``[user]`` when the user set them.

    Examples: ``pick ***``, ``reject``, ``** Red [user]``; empty when nothing is decided.
    """
    parts = []
    if decision.flag is not Flag.NONE:
        parts.append(decision.flag.value)
    if decision.rating > 0:
        parts.append("*" * decision.rating)
    elif decision.rating < 0 and decision.flag is not Flag.REJECT:
        parts.append("reject")
    if decision.label:
        parts.append(decision.label)
    if parts and decision.is_user:
        parts.append("[user]")
    return " ".join(parts)


def _decision_columns(decision: DecisionState) -> dict[str, Any]:
    decided = decision.decided_at is not None
    return {
        "flag": decision.flag.value if decision.flag is not Flag.NONE else "",
        "rating": decision.rating,
        "label": spreadsheet_cell(decision.label or ""),
        "decision_source": decision.source.value if decided else "",
    }
