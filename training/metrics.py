"""Evaluation metrics of the FGAesQ paper (section 5.1), as pure functions.

Fine-grained metrics work on *series*: a series is a list of predicted scores (higher is
better) and the ground-truth ranking as indices into that list, best first.

* Pair level: every annotated pair of a series is a binary decision "is the image that
  comes first in the series better than the other".  Pairs are put in image order before
  scoring, so the decision does not depend on which image an annotation lists first
  (macro F1 would: listing every winner first leaves one class).  The truth comes from
  the ranking, the prediction is ``score[a] > score[b]`` (a tie predicts "``b`` is
  better", so a constant model does not score above chance).  *Acc* is the fraction of
  correct decisions and *F1* the macro F1 over the two classes.
* Series level, length-weighted over series ``s`` with ``n_s`` images::

      s-Acc  = sum_s n_s * [argmax(pred_s) == best_s] / sum_s n_s
      s-SRCC = sum_s n_s * SRCC(pred_s, truth_s)      / sum_s n_s

  where ``truth_s`` gives the best image the highest value.  Longer series are harder and
  weigh more.  A series whose predictions are all equal has an undefined SRCC and counts
  as 0 (no ranking information); a tie for the top prediction counts as a miss.
* Summaries: ``Pair = mean over categories of (Acc + F1) / 2`` and
  ``Series = mean over categories of (s-Acc + s-SRCC) / 2``.

Coarse metrics are SRCC (Spearman, average ranks for ties) and PLCC (Pearson).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np


def rankdata(values: Sequence[float]) -> np.ndarray:
    """Ranks 1..n with ties sharing their average rank (scipy's ``method="average"``)."""
    x = np.asarray(values, dtype=np.float64)
    order = np.argsort(x, kind="mergesort")
    sorted_x = x[order]
    ranks = np.empty(len(x), dtype=np.float64)
    start = 0
    while start < len(x):
        end = start
        while end + 1 < len(x) and sorted_x[end + 1] == sorted_x[start]:
            end += 1
        ranks[order[start : end + 1]] = (start + end) / 2.0 + 1.0
        start = end + 1
    return ranks


def plcc(pred: Sequence[float], truth: Sequence[float]) -> float:
    """Pearson linear correlation; 0.0 when either side is constant (undefined)."""
    x = np.asarray(pred, dtype=np.float64)
    y = np.asarray(truth, dtype=np.float64)
    if len(x) != len(y):
        raise ValueError(f"plcc: {len(x)} predictions for {len(y)} targets")
    if len(x) < 2:
        return 0.0
    xc, yc = x - x.mean(), y - y.mean()
    denom = np.sqrt((xc * xc).sum() * (yc * yc).sum())
    return float((xc * yc).sum() / denom) if denom > 0 else 0.0


def srcc(pred: Sequence[float], truth: Sequence[float]) -> float:
    """Spearman rank correlation (Pearson on average ranks); 0.0 when undefined."""
    return plcc(rankdata(pred), rankdata(truth))


def ranking_to_truth(ranking: Sequence[int], n: int) -> np.ndarray:
    """Per-image ground-truth values from a best-first ranking: best gets ``n``, worst 1."""
    truth = np.zeros(n, dtype=np.float64)
    for position, index in enumerate(ranking):
        truth[index] = n - position
    return truth


def all_pairs(ranking: Sequence[int]) -> list[tuple[int, int]]:
    """Every unordered pair of a series as ``(i, j)`` with ``i < j`` (image order).

    Image order, not rank order, so both labels occur and F1 is meaningful.
    """
    n = len(ranking)
    return [(i, j) for i in range(n) for j in range(i + 1, n)]


@dataclass(frozen=True)
class SeriesResult:
    """One evaluated series: predictions, best-first ranking, evaluated pairs ``(a, b)``."""

    scores: Sequence[float]
    ranking: Sequence[int]
    pairs: Sequence[tuple[int, int]] | None = None  # None: all pairs of the ranking


def pair_decisions(series: SeriesResult) -> tuple[list[int], list[int]]:
    """Ground-truth and predicted labels (1 = the pair's earlier image is better).

    Each pair is taken in image order (``(min, max)``) whatever order it was listed in.
    """
    position = {index: pos for pos, index in enumerate(series.ranking)}
    pairs = series.pairs if series.pairs is not None else all_pairs(series.ranking)
    truth, pred = [], []
    for a, b in (sorted(pair) for pair in pairs):
        truth.append(1 if position[a] < position[b] else 0)
        pred.append(1 if series.scores[a] > series.scores[b] else 0)
    return truth, pred


def binary_f1(truth: Sequence[int], pred: Sequence[int], positive: int) -> float:
    """F1 of one class; 0.0 when the class is neither present nor predicted."""
    tp = sum(1 for t, p in zip(truth, pred, strict=True) if t == positive and p == positive)
    fp = sum(1 for t, p in zip(truth, pred, strict=True) if t != positive and p == positive)
    fn = sum(1 for t, p in zip(truth, pred, strict=True) if t == positive and p != positive)
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0


def pair_accuracy_f1(series_list: Sequence[SeriesResult]) -> tuple[float, float]:
    """Pair-level *Acc* and macro *F1* over all pairs of all series."""
    truth: list[int] = []
    pred: list[int] = []
    for series in series_list:
        t, p = pair_decisions(series)
        truth += t
        pred += p
    if not truth:
        return 0.0, 0.0
    acc = sum(1 for t, p in zip(truth, pred, strict=True) if t == p) / len(truth)
    present = sorted(set(truth) | set(pred))
    f1 = sum(binary_f1(truth, pred, c) for c in present) / len(present)
    return acc, f1


def series_top1(series: SeriesResult) -> float:
    """1.0 when the uniquely highest prediction is the ground-truth best image."""
    scores = np.asarray(series.scores, dtype=np.float64)
    top = np.flatnonzero(scores == scores.max())
    return 1.0 if len(top) == 1 and top[0] == series.ranking[0] else 0.0


def series_srcc(series: SeriesResult) -> float:
    """Spearman correlation between predictions and the ground-truth order."""
    return srcc(series.scores, ranking_to_truth(series.ranking, len(series.scores)))


def length_weighted(values: Sequence[float], lengths: Sequence[int]) -> float:
    """``sum(n_s * v_s) / sum(n_s)``; 0.0 for no series."""
    total = sum(lengths)
    return float(sum(n * v for n, v in zip(lengths, values, strict=True)) / total) if total else 0.0


def series_accuracy(series_list: Sequence[SeriesResult]) -> float:
    """Length-weighted *s-Acc*."""
    lengths = [len(s.scores) for s in series_list]
    return length_weighted([series_top1(s) for s in series_list], lengths)


def series_spearman(series_list: Sequence[SeriesResult]) -> float:
    """Length-weighted *s-SRCC*."""
    lengths = [len(s.scores) for s in series_list]
    return length_weighted([series_srcc(s) for s in series_list], lengths)


@dataclass(frozen=True)
class CategoryMetrics:
    """The four fine-grained numbers the paper reports per category."""

    acc: float
    f1: float
    s_acc: float
    s_srcc: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def category_metrics(series_list: Sequence[SeriesResult]) -> CategoryMetrics:
    """Acc, F1, s-Acc and s-SRCC of one category's series."""
    acc, f1 = pair_accuracy_f1(series_list)
    return CategoryMetrics(acc, f1, series_accuracy(series_list), series_spearman(series_list))


def pair_summary(per_category: Mapping[str, CategoryMetrics]) -> float:
    """*Pair*: mean over categories of ``(Acc + F1) / 2``."""
    if not per_category:
        return 0.0
    return float(np.mean([(m.acc + m.f1) / 2 for m in per_category.values()]))


def series_summary(per_category: Mapping[str, CategoryMetrics]) -> float:
    """*Series*: mean over categories of ``(s-Acc + s-SRCC) / 2``."""
    if not per_category:
        return 0.0
    return float(np.mean([(m.s_acc + m.s_srcc) / 2 for m in per_category.values()]))


def fine_report(series_by_category: Mapping[str, Sequence[SeriesResult]]) -> dict:
    """The ``"fine"`` block of an evaluation report: per category plus Pair and Series."""
    per_category = {
        name: category_metrics(series) for name, series in series_by_category.items() if series
    }
    report: dict = {name: m.as_dict() for name, m in per_category.items()}
    report["pair"] = pair_summary(per_category)
    report["series"] = series_summary(per_category)
    return report


def coarse_report(pred: Sequence[float], truth: Sequence[float]) -> dict[str, float]:
    """The ``"coarse"`` block: SRCC and PLCC of predicted against mean opinion scores."""
    return {"srcc": srcc(pred, truth), "plcc": plcc(pred, truth)}
