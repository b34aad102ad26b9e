"""Run results as a readable summary, the JSON document, and a CSV table.

The JSON shape is a contract with other tools (version 1):
``{"version", "root", "model": {"name", "weights", "device"}, "series": [{"id", "best",
"members": [{"path", "score", "rank", "captured"}]}], "errors": [{"path", "error"}],
"stats": {"photos", "series", "decoded", "scored", "cached", "seconds"}}``, with paths
relative to the folder in POSIX form.  Singles are series of one member.
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

from app.pipeline import CullResult

JSON_VERSION = 1
CSV_COLUMNS = ("path", "series", "rank", "score", "best", "captured", "error")


def to_json_dict(result: CullResult) -> dict[str, Any]:
    return {
        "version": JSON_VERSION,
        "root": str(result.root),
        "model": dict(result.model),
        "series": [
            {
                "id": series.id,
                "best": series.best.path,
                "members": [
                    {"path": m.path, "score": m.score, "rank": m.rank, "captured": m.captured}
                    for m in series.members
                ],
            }
            for series in result.series
        ],
        "errors": [{"path": problem.path, "error": problem.error} for problem in result.errors],
        "stats": asdict(result.stats),
    }


def write_json(result: CullResult, path: str | os.PathLike[str]) -> None:
    text = json.dumps(to_json_dict(result), indent=2, ensure_ascii=False) + "\n"
    _write_atomically(Path(path), text)


def write_csv(result: CullResult, path: str | os.PathLike[str]) -> None:
    """One row per photo; files that could not be read get a row with their error."""
    rows: list[dict[str, Any]] = []
    for series in result.series:
        best = series.best.path
        for m in series.members:
            rows.append(
                {"path": m.path, "series": series.id, "rank": m.rank, "score": f"{m.score:.4f}",
                 "best": int(m.path == best), "captured": m.captured or "", "error": ""}
            )
    listed = {row["path"] for row in rows}
    for problem in result.errors:
        if problem.path not in listed:
            rows.append({**dict.fromkeys(CSV_COLUMNS, ""), "path": problem.path, "error": problem.error})
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    _write_atomically(Path(path), buffer.getvalue())


def summary_text(result: CullResult) -> str:
    """What the command prints on stdout: every series with its best frame, then problems."""
    lines = [f"{result.root}: {result.stats.photos} photos in {result.stats.series} series "
             f"(model {result.model['name']}, {result.model['weights']}, {result.model['device']})"]
    for series in result.series:
        when = (series.members[0].captured or "")[:19].replace("T", " ")
        kind = "single" if len(series.members) == 1 else f"{len(series.members)} frames"
        lines.append(f"Series {series.id} ({kind}{', ' + when if when else ''})")
        for m in sorted(series.members, key=lambda member: member.rank):
            mark = "*" if m.rank == 1 and len(series.members) > 1 else " "
            lines.append(f"  {mark} {m.rank:>2}  {m.score:6.2f}  {m.path}")
    if result.errors:
        lines.append(f"Problems ({len(result.errors)}):")
        lines.extend(f"  {problem.path}: {problem.error}" for problem in result.errors)
    stats = result.stats
    state = "interrupted" if result.cancelled else "done"
    lines.append(f"{state}: decoded {stats.decoded}, scored {stats.scored}, cached {stats.cached}, "
                 f"{stats.seconds:.1f} s")
    return "\n".join(lines)


def _write_atomically(path: Path, text: str) -> None:
    temp = path.with_name(f".{path.name}.tmp")
    with temp.open("w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    os.replace(temp, path)
