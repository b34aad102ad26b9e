"""FGAesthetics: the fine-grained data set of ranked photo series.

Layout (one folder per series)::

    DIR/annotations.jsonl
    DIR/images/<series_id>/<series_id>-<NN>.jpg

Each line of ``annotations.jsonl`` is one series::

    {"series_id": "000009", "category": "natural" | "aigc" | "cropping",
     "split": "train" | "val" | "test",
     "images": ["000009-01.jpg", ...],
     "ranking": ["000009-02.jpg", "000009-01.jpg", ...],          best first, no ties
     "pairs": [{"a": "000009-01.jpg", "b": "000009-02.jpg", "p_a": 0.2}, ...],  optional
     "texts": [{"target": "...", "reference": "...", "text": "..."}, ...]}     optional

A text may hold both directions of its pair as ``"A||B"`` (the paper's appendix form):
``A`` describes the target relative to the reference, ``B`` the reverse.

``parse_series`` turns one object into a ``Series`` with image *indices* or raises
``AnnotationError`` naming every problem; the validator and the training reader share it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from training.missing import report_missing

log = logging.getLogger(__name__)

CATEGORIES = ("natural", "aigc", "cropping")
SPLITS = ("train", "val", "test")
#: The paper's appendix writes a pair's two descriptions as "A||B": A describes the
#: target relative to the reference, B the reference relative to the target.
PAIR_TEXT_SEPARATOR = "||"


def rank_pair_order(
    ranking: Sequence[int], preference: Callable[[int, int], float] | None = None
) -> tuple[tuple[tuple[int, int], ...], ...]:
    """Every ordered pair ``(x, y)`` of a series in RankReg's ground-truth order, in tie groups.

    RankReg's list holds ``P(x > y)`` for all ordered pairs (docs/training.md, "RankReg");
    its true order sorts them by the ground-truth probability that ``x`` beats ``y``,
    highest first (``preference``; 1 or 0 from ``ranking`` when None), and where that is
    equal by how far ``x`` stands above ``y`` in the ranking (a Bradley-Terry model of
    the ranking is surer of distant pairs).  Pairs equal in both form one group, in
    which the loss favours none (``training.losses.listmle_groups``).
    """
    position = {index: pos for pos, index in enumerate(ranking)}
    if preference is None:

        def preference(x: int, y: int) -> float:
            return 1.0 if position[x] < position[y] else 0.0

    keyed: dict[tuple[float, int], list[tuple[int, int]]] = {}
    for x in ranking:
        for y in ranking:
            if x != y:
                key = (preference(x, y), position[y] - position[x])
                keyed.setdefault(key, []).append((x, y))
    return tuple(tuple(keyed[key]) for key in sorted(keyed, reverse=True))


class AnnotationError(ValueError):
    """A series annotation that cannot be used; the message lists every cause."""


@dataclass(frozen=True)
class Pair:
    """An annotated comparison: ``p_a`` is the preference probability for ``a`` (or None)."""

    a: int
    b: int
    p_a: float | None = None


@dataclass(frozen=True)
class ComparativeText:
    """A CTAlign sentence describing ``target`` relative to ``reference``."""

    target: int
    reference: int
    text: str


@dataclass(frozen=True)
class Series:
    """One ranked series.  ``ranking`` holds indices into ``images``, best first."""

    series_id: str
    category: str
    split: str
    images: tuple[str, ...]
    ranking: tuple[int, ...]
    pairs: tuple[Pair, ...] = ()
    texts: tuple[ComparativeText, ...] = field(default=())

    def __len__(self) -> int:
        return len(self.images)

    def image_path(self, root: str | Path, index: int) -> Path:
        return Path(root) / "images" / self.series_id / self.images[index]

    def evaluated_pairs(self) -> list[tuple[int, int]] | None:
        """The annotated pairs as index tuples, or None to evaluate every pair."""
        return [(p.a, p.b) for p in self.pairs] if self.pairs else None

    def text_for(self, target: int, reference: int) -> tuple[str, float] | None:
        """A sentence for ``target`` vs ``reference`` and its sign.

        A sentence written for the swapped pair serves with sign -1, since the feature
        difference it describes is negated.
        """
        for text in self.texts:
            if (text.target, text.reference) == (target, reference):
                return text.text, 1.0
        for text in self.texts:
            if (text.target, text.reference) == (reference, target):
                return text.text, -1.0
        return None

    def preference(self, x: int, y: int) -> float:
        """Ground-truth probability that image ``x`` is better than image ``y``.

        The annotators' ``p_a`` when the pair was annotated (either way round), else 1
        or 0 from the ranking.
        """
        for pair in self.pairs:
            if pair.p_a is not None and (pair.a, pair.b) == (x, y):
                return pair.p_a
            if pair.p_a is not None and (pair.a, pair.b) == (y, x):
                return 1.0 - pair.p_a
        return 1.0 if self.ranking.index(x) < self.ranking.index(y) else 0.0

    def rankreg_order(self) -> tuple[tuple[tuple[int, int], ...], ...]:
        """RankReg's ground-truth order of every ordered pair ``(x, y)`` of the series.

        ``rank_pair_order`` with the annotated probabilities (``preference``).
        """
        return rank_pair_order(self.ranking, self.preference)

    def without(self, drop: set[int]) -> Series | None:
        """The series without the images at ``drop``; None when fewer than two remain."""
        keep = [i for i in range(len(self.images)) if i not in drop]
        if len(keep) < 2:
            return None
        new_index = {old: new for new, old in enumerate(keep)}
        return Series(
            series_id=self.series_id,
            category=self.category,
            split=self.split,
            images=tuple(self.images[i] for i in keep),
            ranking=tuple(new_index[i] for i in self.ranking if i in new_index),
            pairs=tuple(
                Pair(new_index[p.a], new_index[p.b], p.p_a)
                for p in self.pairs
                if p.a in new_index and p.b in new_index
            ),
            texts=tuple(
                ComparativeText(new_index[t.target], new_index[t.reference], t.text)
                for t in self.texts
                if t.target in new_index and t.reference in new_index
            ),
        )


def _require(obj: dict, key: str, kind: type, problems: list[str]) -> object:
    value = obj.get(key)
    if value is None:
        problems.append(f'missing "{key}"')
    elif not isinstance(value, kind):
        problems.append(f'"{key}" must be a {kind.__name__}')
        return None
    return value


def parse_series(obj: object) -> Series:
    """Validate one annotation object and convert names to indices."""
    if not isinstance(obj, dict):
        raise AnnotationError("line is not a JSON object")
    problems: list[str] = []
    series_id = _require(obj, "series_id", str, problems)
    category = _require(obj, "category", str, problems)
    split = _require(obj, "split", str, problems)
    images = _require(obj, "images", list, problems)
    ranking = _require(obj, "ranking", list, problems)
    if category is not None and category not in CATEGORIES:
        problems.append(f'unknown category "{category}" (expected one of {", ".join(CATEGORIES)})')
    if split is not None and split not in SPLITS:
        problems.append(f'unknown split "{split}" (expected one of {", ".join(SPLITS)})')
    index: dict[str, int] = {}
    if images is not None:
        if not all(isinstance(name, str) for name in images):
            problems.append('"images" must list file names')
        elif len(set(images)) != len(images):
            problems.append('"images" lists a file twice')
        else:
            index = {name: i for i, name in enumerate(images)}
        if len(images) < 2:
            problems.append("a series needs at least two images")
    if ranking is not None and index and sorted(map(str, ranking)) != sorted(index):
        unknown = sorted(set(map(str, ranking)) - set(index))
        absent = sorted(set(index) - set(map(str, ranking)))
        detail = []
        if unknown:
            detail.append(f"not in images: {', '.join(unknown)}")
        if absent:
            detail.append(f"unranked: {', '.join(absent)}")
        if len(ranking) != len(set(map(str, ranking))):
            detail.append("an image is ranked twice")
        problems.append(f'"ranking" does not match "images" ({"; ".join(detail)})')
    pairs = _parse_pairs(obj.get("pairs", []), index, problems)
    texts = _parse_texts(obj.get("texts", []), index, problems)
    if problems:
        raise AnnotationError("; ".join(problems))
    return Series(
        series_id=series_id,
        category=category,
        split=split,
        images=tuple(images),
        ranking=tuple(index[name] for name in ranking),
        pairs=pairs,
        texts=texts,
    )


def _parse_pairs(raw: object, index: dict[str, int], problems: list[str]) -> tuple[Pair, ...]:
    if not isinstance(raw, list):
        problems.append('"pairs" must be a list')
        return ()
    pairs = []
    for n, pair in enumerate(raw):
        if not isinstance(pair, dict) or not {"a", "b"} <= set(pair):
            problems.append(f'pairs[{n}] needs "a" and "b"')
            continue
        if pair["a"] not in index or pair["b"] not in index or pair["a"] == pair["b"]:
            problems.append(f"pairs[{n}] names images not in the series")
            continue
        p_a = pair.get("p_a")
        if p_a is not None and not (isinstance(p_a, int | float) and 0.0 <= p_a <= 1.0):
            problems.append(f'pairs[{n}] "p_a" must be a probability')
            continue
        pairs.append(Pair(index[pair["a"]], index[pair["b"]], p_a))
    return tuple(pairs)


def _parse_texts(
    raw: object, index: dict[str, int], problems: list[str]
) -> tuple[ComparativeText, ...]:
    if not isinstance(raw, list):
        problems.append('"texts" must be a list')
        return ()
    texts = []
    for n, text in enumerate(raw):
        if not isinstance(text, dict) or not {"target", "reference", "text"} <= set(text):
            problems.append(f'texts[{n}] needs "target", "reference" and "text"')
        elif text["target"] not in index or text["reference"] not in index:
            problems.append(f"texts[{n}] names images not in the series")
        elif not isinstance(text["text"], str):
            problems.append(f"texts[{n}] has an empty text")
        elif len(parts := text["text"].split(PAIR_TEXT_SEPARATOR)) > 2:
            problems.append(f'texts[{n}] has more than one "{PAIR_TEXT_SEPARATOR}"')
        elif not all(part.strip() for part in parts):
            problems.append(f"texts[{n}] has an empty text")
        else:
            target, reference = index[text["target"]], index[text["reference"]]
            texts.append(ComparativeText(target, reference, parts[0].strip()))
            if len(parts) == 2:
                texts.append(ComparativeText(reference, target, parts[1].strip()))
    return tuple(texts)


def iter_annotations(path: Path) -> Iterator[tuple[int, Series | None, str | None]]:
    """``(line_no, series, problem)`` for every non-empty line of ``annotations.jsonl``."""
    with path.open(encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield line_no, parse_series(json.loads(line)), None
            except json.JSONDecodeError as exc:
                yield line_no, None, f"malformed JSON: {exc.msg} (column {exc.colno})"
            except AnnotationError as exc:
                yield line_no, None, str(exc)


def read_fgaesthetics(
    root: str | Path,
    splits: Iterable[str] | None = None,
    categories: Iterable[str] | None = None,
    check_files: bool = True,
) -> list[Series]:
    """Usable series of the given splits and categories.

    Bad lines are logged with file, line and cause and skipped; missing images are
    dropped from their series (listed once), and a series left with fewer than two
    images is skipped.
    """
    root = Path(root)
    annotation = root / "annotations.jsonl"
    if not annotation.is_file():
        raise FileNotFoundError(f"{annotation}: FGAesthetics annotation file not found")
    wanted_splits = set(splits) if splits is not None else set(SPLITS)
    wanted_categories = set(categories) if categories is not None else set(CATEGORIES)
    result: list[Series] = []
    missing: list[str] = []
    seen: set[str] = set()
    for line_no, series, problem in iter_annotations(annotation):
        if series is None:
            log.warning("%s:%d: skipped: %s", annotation, line_no, problem)
            continue
        if series.series_id in seen:
            log.warning(
                "%s:%d: skipped: duplicate series %s", annotation, line_no, series.series_id
            )
            continue
        seen.add(series.series_id)
        if series.split not in wanted_splits or series.category not in wanted_categories:
            continue
        if check_files:
            absent = {i for i in range(len(series)) if not series.image_path(root, i).is_file()}
            if absent:
                missing += [
                    str(series.image_path(root, i).relative_to(root)) for i in sorted(absent)
                ]
                series = series.without(absent)
                if series is None:
                    continue
        result.append(series)
    report_missing(log, root, missing)
    return result
