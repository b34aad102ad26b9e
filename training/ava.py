"""AVA: the coarse-grained data set (``AVA.txt`` plus ``images/<id>.jpg``).

``AVA.txt`` has one image per line, space separated: index, image id, ten vote counts
for the scores 1..10, two semantic tag ids and a challenge id.  The test split is AVA's
standard id list when the folder has one (``test_ids.txt``, ``generic_test.jpgl`` or
``aesthetics_image_lists/generic_test.jpgl``, one id per line); only without one does it
fall back to a deterministic hash split, and says so loudly, because results on it are
not comparable with published ones.  A further hash split of the training ids is held
out for model selection.  Every run and every rank agrees on the splits.
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


#: Where AVA's standard test list may lie, relative to the AVA folder, in order of preference.
TEST_LISTS = (
    "test_ids.txt",
    "generic_test.jpgl",
    "aesthetics_image_lists/generic_test.jpgl",
)


@dataclass(frozen=True)
class AvaSplit:
    """AVA items for training, model selection and testing, and where the test split came from."""

    train: list[AvaItem]
    val: list[AvaItem]
    test: list[AvaItem]
    source: str  # the test list's path, or "hash split of N%"


def _hash_fraction(image_id: str, salt: str = "") -> float:
    digest = hashlib.sha1((salt + image_id).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def find_test_list(root: str | Path) -> Path | None:
    """AVA's standard test id list in ``root``, if any (see ``TEST_LISTS``)."""
    for name in TEST_LISTS:
        candidate = Path(root) / name
        if candidate.is_file():
            return candidate
    return None


def split_ava(
    items: list[AvaItem],
    root: str | Path,
    test_fraction: float = 0.08,
    val_fraction: float = 0.0,
) -> AvaSplit:
    """Split ``items`` into train, val and test.

    The test split is the standard id list when ``root`` has one, otherwise the ids whose
    hash falls below ``test_fraction`` (logged as a warning).  ``val_fraction`` of the
    remaining ids (by another hash) are held out for model selection.
    """
    test_list = find_test_list(root)
    if test_list is not None:
        test_ids = {line.strip() for line in test_list.read_text(encoding="utf-8").splitlines()}
        test_ids.discard("")
        is_test = [item.image_id in test_ids for item in items]
        source = str(test_list)
    else:
        is_test = [_hash_fraction(item.image_id) < test_fraction for item in items]
        source = f"hash split of {test_fraction:.0%}"
    split = AvaSplit([], [], [], source)
    for item, test in zip(items, is_test, strict=True):
        if test:
            split.test.append(item)
        elif _hash_fraction(item.image_id, salt="val:") < val_fraction:
            split.val.append(item)
        else:
            split.train.append(item)
    return split


def report_split(split: AvaSplit, root: str | Path) -> None:
    """Say which AVA test split is used: a warning when it is not a standard list."""
    if split.source.startswith("hash split"):
        log.warning(
            "AVA: no standard test list in %s (looked for %s); using a %s of the ids "
            "(%d test images), which is NOT the published split: copy "
            "aesthetics_image_lists/generic_test.jpgl there to compare with the paper",
            root,
            ", ".join(TEST_LISTS),
            split.source,
            len(split.test),
        )
    else:
        log.info("AVA: test split from %s (%d test images)", split.source, len(split.test))
