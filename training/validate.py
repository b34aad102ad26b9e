"""Check an FGAesthetics folder before training: ``python -m training.validate DIR``.

Reports malformed lines, rankings that do not match the image list, pairs and texts
naming unknown images, duplicate series ids and missing image files, one line per
problem with the file and line it comes from.  Exit status 0 when clean, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from training.fgaesthetics import iter_annotations


@dataclass
class ValidationReport:
    """Problems found and counts of what is usable."""

    problems: list[str] = field(default_factory=list)
    series: int = 0
    images: int = 0
    by_split: Counter = field(default_factory=Counter)
    by_category: Counter = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        splits = ", ".join(f"{k} {v}" for k, v in sorted(self.by_split.items()))
        categories = ", ".join(f"{k} {v}" for k, v in sorted(self.by_category.items()))
        return (
            f"{self.series} valid series, {self.images} images ({splits}; {categories}); "
            f"{len(self.problems)} problem(s)"
        )


def validate_fgaesthetics(root: str | Path) -> ValidationReport:
    """Validate ``root/annotations.jsonl`` and the image files it names."""
    root = Path(root)
    report = ValidationReport()
    annotation = root / "annotations.jsonl"
    if not annotation.is_file():
        report.problems.append(f"{annotation}: annotation file not found")
        return report
    first_line: dict[str, int] = {}
    for line_no, series, problem in iter_annotations(annotation):
        where = f"{annotation.name}:{line_no}"
        if series is None:
            report.problems.append(f"{where}: {problem}")
            continue
        if series.series_id in first_line:
            report.problems.append(
                f"{where}: series {series.series_id} already defined on line "
                f"{first_line[series.series_id]}"
            )
            continue
        first_line[series.series_id] = line_no
        absent = [i for i in range(len(series)) if not series.image_path(root, i).is_file()]
        for i in absent:
            report.problems.append(f"{where}: missing file {series.image_path(root, i)}")
        report.series += 1
        report.images += len(series) - len(absent)
        report.by_split[series.split] += 1
        report.by_category[series.category] += 1
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m training.validate", description="Validate an FGAesthetics folder."
    )
    parser.add_argument("root", type=Path, help="folder holding annotations.jsonl and images/")
    args = parser.parse_args(argv)
    report = validate_fgaesthetics(args.root)
    for problem in report.problems:
        print(problem)
    print(report.summary())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
