"""Measure the eye-state decision on a labelled folder: precision and recall of "closed".

    python -m app.faces.evaluate LABELS.csv [--details OUT.csv] [--tiles N]

``LABELS.csv`` has a ``path,label`` row per photo (a header row is allowed); paths are
relative to the CSV's folder; labels are ``open`` or ``closed``.  Each photo is decoded the
way the cull decodes it (1024 px preview, the full image as the higher-resolution source)
and its largest face is judged.  A photo in which no face is found is counted as such.
Face crops that fill the whole frame (as in the Closed Eyes in the Wild set) are retried
on a canvas twice their size, since the detector needs some context around a face.

"closed" is the positive class: precision is the share of "closed" verdicts that are right,
recall the share of closed-eye photos called "closed".  "unknown" and "no face" are neither
right nor wrong for precision, and are misses for recall.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

LABELS = ("open", "closed")
VERDICTS = ("open", "closed", "unknown", "no face")
PREVIEW_SIDE = 1024


@dataclass(frozen=True)
class Outcome:
    path: str
    label: str
    verdict: str  # one of VERDICTS, or "error"
    openness: float | None = None
    reason: str = ""


@dataclass(frozen=True)
class Report:
    confusion: dict[tuple[str, str], int]  # (label, verdict) -> count
    errors: int

    def count(self, label: str | None = None, verdict: str | None = None) -> int:
        return sum(
            n
            for (lab, ver), n in self.confusion.items()
            if (label is None or lab == label) and (verdict is None or ver == verdict)
        )

    @property
    def precision(self) -> float | None:
        called = self.count(verdict="closed")
        return self.count("closed", "closed") / called if called else None

    @property
    def recall(self) -> float | None:
        closed = self.count(label="closed")
        return self.count("closed", "closed") / closed if closed else None

    def text(self) -> str:
        def share(value: float | None) -> str:
            return "n/a" if value is None else f"{value:.3f}"

        tp, called = self.count("closed", "closed"), self.count(verdict="closed")
        lines = [
            f'"closed": precision {share(self.precision)} ({tp}/{called}), '
            f"recall {share(self.recall)} ({tp}/{self.count(label='closed')})",
            "",
            "label \\ verdict " + "".join(f"{v:>10}" for v in VERDICTS),
        ]
        for label in LABELS:
            row = "".join(f"{self.confusion.get((label, v), 0):>10}" for v in VERDICTS)
            lines.append(f"{label:<16}{row}")
        if self.errors:
            lines.append(f"\n{self.errors} photo(s) could not be read (see the messages above)")
        return "\n".join(lines)


def summarise(outcomes: Iterable[Outcome]) -> Report:
    confusion: Counter[tuple[str, str]] = Counter()
    errors = 0
    for outcome in outcomes:
        if outcome.verdict == "error":
            errors += 1
        else:
            confusion[(outcome.label, outcome.verdict)] += 1
    return Report(dict(confusion), errors)


def read_labels(csv_path: Path) -> list[tuple[Path, str]]:
    """(photo, label) rows; a header row is skipped.

    Raises:
        ValueError: a row with a label other than open/closed, naming the line.
    """
    rows = []
    with csv_path.open(newline="", encoding="utf-8-sig") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            if not row or not row[0].strip() or row[0].startswith("#"):
                continue
            if len(row) < 2:
                raise ValueError(f"{csv_path}:{number}: expected path,label")
            path, label = row[0].strip(), row[1].strip().lower()
            if number == 1 and label not in LABELS:
                continue  # a header
            if label not in LABELS:
                raise ValueError(f"{csv_path}:{number}: label {row[1]!r} is not open or closed")
            rows.append((csv_path.parent / path, label))
    return rows


def judge(path: Path, label: str, analyzer) -> Outcome:
    from app.photos import PhotoReadError, decode_image

    try:
        preview = decode_image(path, PREVIEW_SIDE)
    except PhotoReadError as exc:
        print(f"{path}: {exc}", file=sys.stderr)
        return Outcome(str(path), label, "error")
    faces = analyzer.analyze(preview, lambda: decode_image(path, None))
    if not faces:
        faces = analyzer.analyze(_with_margin(preview))
    if not faces:
        return Outcome(str(path), label, "no face")
    face = max(faces, key=lambda f: f.box[2] * f.box[3])
    return Outcome(str(path), label, face.eyes, face.openness, face.reason)


def _with_margin(image: Image.Image) -> Image.Image:
    """The image centred on a canvas twice its size, filled with its mean colour."""
    mean = tuple(round(c) for c in image.resize((1, 1), Image.Resampling.BOX).getpixel((0, 0)))
    canvas = Image.new("RGB", (image.width * 2, image.height * 2), mean)
    canvas.paste(image, (image.width // 2, image.height // 2))
    return canvas


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels", type=Path, help="CSV of path,label (open or closed)")
    parser.add_argument("--details", type=Path, help="write one row per photo to this CSV")
    parser.add_argument("--tiles", type=int, default=1, help="also search n x n tiles")
    args = parser.parse_args(argv)

    from app.faces import FaceAnalyzer, FaceOptions, faces_problem

    if problem := faces_problem():
        print(problem, file=sys.stderr)
        return 1
    try:
        rows = read_labels(args.labels)
    except (OSError, ValueError) as exc:
        print(f"cannot read the labels: {exc}", file=sys.stderr)
        return 2
    analyzer = FaceAnalyzer(FaceOptions(tile_grid=args.tiles))
    started = time.perf_counter()
    outcomes = [judge(path, label, analyzer) for path, label in rows]
    elapsed = time.perf_counter() - started
    report = summarise(outcomes)
    print(f"{len(outcomes)} photos, {elapsed / max(len(outcomes), 1) * 1000:.0f} ms each")
    print(report.text())
    if args.details:
        with args.details.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["path", "label", "verdict", "openness", "reason"])
            for o in outcomes:
                openness = "" if o.openness is None else f"{o.openness:.4f}"
                writer.writerow([o.path, o.label, o.verdict, openness, o.reason])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
