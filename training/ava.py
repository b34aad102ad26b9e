"""AVA: the coarse-grained data set (``AVA.txt`` plus ``images/<id>.jpg``).

``AVA.txt`` has one image per line, space separated: index, image id, ten vote counts
for the scores 1..10, two semantic tag ids and a challenge id.  The test split is the id
list in ``test_ids.txt`` (one id per line, e.g. AVA's ``generic_test.jpgl``) when present,
otherwise a deterministic hash split, so every run and every rank agrees on it.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from training.missing import report_missing

log = logging.getLogger(__name__)

NUM_BINS = 10


@dataclass(frozen=True)
class AvaItem:
    """One AVA image with its vote histogram over the scores 1..10."""

    image_id: str
    votes: tuple[int, ...]

    @property
    def total_votes(self) -> int:
        return sum(self.votes)

    @property
    def mean_score(self) -> float:
        """Mean opinion score ``sum k * n_k / sum n_k``."""
        return sum((k + 1) * n for k, n in enumerate(self.votes)) / self.total_votes

    @property
    def histogram(self) -> list[float]:
        """Votes normalised to a distribution (the EMD target)."""
        total = self.total_votes
        return [n / total for n in self.votes]


def parse_ava_line(line: str) -> AvaItem:
    """Parse one ``AVA.txt`` line; raises ``ValueError`` naming the cause."""
    fields = line.split()
    if len(fields) < 2 + NUM_BINS:
        raise ValueError(f"expected at least {2 + NUM_BINS} fields, got {len(fields)}")
    votes = tuple(int(v) for v in fields[2 : 2 + NUM_BINS])
    if any(v < 0 for v in votes) or sum(votes) == 0:
        raise ValueError("vote counts must be non-negative and not all zero")
    return AvaItem(image_id=fields[1], votes=votes)


def image_path(root: Path, image_id: str) -> Path:
    return Path(root) / "images" / f"{image_id}.jpg"


def read_ava(root: str | Path, check_files: bool = True) -> list[AvaItem]:
    """All usable AVA items.  Malformed lines and missing images are logged once and skipped."""
    root = Path(root)
    annotation = root / "AVA.txt"
    if not annotation.is_file():
        raise FileNotFoundError(f"{annotation}: AVA annotation file not found")
    items: list[AvaItem] = []
    missing: list[str] = []
    with annotation.open(encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                item = parse_ava_line(line)
            except ValueError as exc:
                log.warning("%s:%d: skipped: %s", annotation, line_no, exc)
                continue
            if check_files and not image_path(root, item.image_id).is_file():
                missing.append(item.image_id)
                continue
            items.append(item)
    report_missing(log, root, missing)
    return items


def _hash_fraction(image_id: str) -> float:
    digest = hashlib.sha1(image_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def split_ava(
    items: list[AvaItem], root: str | Path, test_fraction: float = 0.08
) -> tuple[list[AvaItem], list[AvaItem]]:
    """``(train, test)``: ids in ``root/test_ids.txt`` if it exists, else a hash split."""
    ids_file = Path(root) / "test_ids.txt"
    if ids_file.is_file():
        test_ids = {line.strip() for line in ids_file.read_text(encoding="utf-8").splitlines()}
        test_ids.discard("")
        is_test = [item.image_id in test_ids for item in items]
    else:
        is_test = [_hash_fraction(item.image_id) < test_fraction for item in items]
    train = [item for item, test in zip(items, is_test, strict=True) if not test]
    test = [item for item, test in zip(items, is_test, strict=True) if test]
    return train, test
