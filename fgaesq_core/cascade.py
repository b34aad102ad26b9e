"""The cascade series mode: the model's passes go where a burst's pick is decided.

Pairwise ranking costs n(n-1) token sets (90 for ten frames), though most frames of a burst
never come near the pick.  A frame's pairwise score is the mean of its scores against every
other frame; the cascade estimates that score for the frames that could be the pick only:

1. Frames the caller's cheap signals rule out (closed eyes while another frame has them
   open, severe blur or clipping against the burst, far below it on a technical score: see
   ``app.scoring.prefilter``) get no pass at all; they rank below every other frame.
2. Every remaining frame gets a single-image score (``single_draws`` token sets).
3. The best ``candidates`` of them by that score are compared: first against each other
   (both ways, the pairwise scheme's draw 0 of each direction), then, a round at a time,
   each against one common opponent, the strongest remaining frame first.  Rounds stop
   when the pick is settled: when the leader is ahead of every other candidate at the
   stated ``confidence`` (a one-sided normal test on the per-round differences, their
   spread assumed from the single scores until rounds show it), or after ``max_rounds``.
   With every opponent drawn a candidate's score is exactly its pairwise score.

``settled`` is that chance, from the same draws: how sure the model is that more draws would
not change its pick; the culling app's series confidence reads it.  The decision logic here
takes its scores from two callables, so ``Scorer`` (which tokenises and runs the model) and
``benchmarks/bench_cost.py`` (which replays scores computed once) run the same rules.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

#: Steps between the ranks of frames that were not compared with the model's pick, so
#: their scores keep them below it (fractions of a score point: never a visible change).
_BELOW = 1e-3


@dataclass(frozen=True)
class CascadeRule:
    """How many frames reach the pairwise stage and when it stops.

    The defaults were chosen on the tuning bursts of ``benchmarks/bench_cost.py``
    (docs/model.md, "Series ranking: the cascade").
    """

    candidates: int = 3  # frames compared, best single scores first
    single_draws: int = 1  # draws of each frame's single-image score
    confidence: float = 0.9  # stop when the leader is this sure to stay ahead
    max_rounds: int = 64  # rounds at most (the head-to-head round, then one per opponent)
    # The per-round difference's spread assumed before any is seen, as a share of the
    # spread of the single scores of the frames that were scored (at least min_spread).
    prior_share: float = 0.5
    prior_weight: float = 1.0  # how many rounds that assumption counts for
    min_spread: float = 0.02

    def __post_init__(self) -> None:
        if (
            self.candidates < 2
            or self.max_rounds < 1
            or self.single_draws < 1
            or not 0.5 <= self.confidence < 1
        ):
            raise ValueError(f"invalid cascade rule {self}")


@dataclass(frozen=True)
class Prefilter:
    """What the caller's cheap signals say about a burst's frames (input order)."""

    ruled_out: Sequence[bool]
    #: how the cheap signals order the frames ruled out (higher is better); None: input order
    cheap_scores: Sequence[float] | None = None


@dataclass(frozen=True)
class CascadeOutcome:
    """Scores (input order; higher is better), how sure the pick is, and what it cost."""

    scores: list[float]
    settled: float
    singles: int  # frames scored on their own
    comparisons: int  # frames scored against another frame (one token set each)
    rounds: int


Singles = Callable[[list[int]], list[float]]
#: [(frame, opponent), ...] -> the score of each frame against its opponent (the pairwise
#: scheme's content-seeded draw 0 of that direction)
Against = Callable[[list[tuple[int, int]]], list[float]]


def run_cascade(
    count: int,
    singles: Singles,
    against: Against,
    prefilter: Prefilter | None = None,
    rule: CascadeRule = CascadeRule(),
) -> CascadeOutcome:
    """Rank ``count`` frames by the cascade (see the module docstring)."""
    if count < 1:
        raise ValueError("a cascade needs at least one frame")
    ruled_out = list(prefilter.ruled_out) if prefilter is not None else [False] * count
    if len(ruled_out) != count:
        raise ValueError(f"{len(ruled_out)} prefilter verdicts for {count} frames")
    survivors = [i for i in range(count) if not ruled_out[i]] or list(range(count))
    single = dict(zip(survivors, singles(survivors), strict=True))
    ranked = sorted(survivors, key=lambda i: -single[i])
    candidates = ranked[: rule.candidates]
    values = list(single.values())
    prior = rule.prior_share * max(max(values) - min(values), rule.min_spread)
    per_round: list[dict[int, float]] = []  # each candidate's score in each round
    totals = dict.fromkeys(candidates, 0.0)  # and the sum of all its scores
    settled, comparisons = 1.0, 0
    for matches in _rounds(candidates, ranked)[: rule.max_rounds]:
        if len(candidates) < 2:
            break
        drawn = against(matches)
        comparisons += len(matches)
        sums = dict.fromkeys(candidates, 0.0)
        for (frame, _), score in zip(matches, drawn, strict=True):
            sums[frame] += score
            totals[frame] += score
        share = len(matches) / len(candidates)
        per_round.append({c: sums[c] / share for c in candidates})
        settled = _settledness(per_round, candidates, prior, rule.prior_weight)
        if settled >= rule.confidence:
            break
    entries = comparisons / len(candidates)
    means = {c: totals[c] / entries for c in candidates} if comparisons else {}
    scores = _scores(count, single, means, ruled_out, prefilter)
    return CascadeOutcome(scores, settled, len(survivors), comparisons, len(per_round))


def _rounds(candidates: list[int], ranked: list[int]) -> list[list[tuple[int, int]]]:
    """The matches of each round: first the candidates against each other (both ways), then
    every candidate against one common opponent per round, the strongest first (frames
    ruled out are no opponents).

    A frame's pairwise score is the mean of its scores against every other frame, so once
    all rounds are drawn each candidate's mean is exactly its pairwise score; a common
    opponent makes the candidates' differences paired, so they settle in fewer rounds.
    """
    opponents = [i for i in ranked if i not in candidates]
    first = [(a, b) for a in candidates for b in candidates if a != b]
    return [first] + [[(c, j) for c in candidates] for j in opponents]


def _settledness(
    per_round: list[dict[int, float]], candidates: list[int], prior: float, weight: float
) -> float:
    """The chance that the leader stays ahead of every other candidate: the smallest
    one-sided normal probability over its per-round differences with each of them."""
    rounds = len(per_round)
    means = {c: sum(r[c] for r in per_round) / rounds for c in candidates}
    leader = max(candidates, key=lambda c: means[c])
    sure = 1.0
    for other in candidates:
        if other == leader:
            continue
        gaps = [r[leader] - r[other] for r in per_round]
        mean = sum(gaps) / rounds
        spread = (weight * prior**2 + sum((g - mean) ** 2 for g in gaps)) / (weight + rounds - 1)
        z = mean / math.sqrt(max(spread, 1e-12) / rounds)
        sure = min(sure, 0.5 * (1.0 + math.erf(z / math.sqrt(2.0))))
    return sure


def _scores(
    count: int,
    single: dict[int, float],
    compared: dict[int, float],
    ruled_out: list[bool],
    prefilter: Prefilter | None,
) -> list[float]:
    """Candidates by their mean scores against other frames, then the other scored frames
    by their single scores, then the frames ruled out (by their cheap scores): each group
    below the last."""
    scores = [0.0] * count
    for c, value in compared.items():
        scores[c] = value
    floor = min(compared.values(), default=math.inf)
    rest = sorted((i for i in single if i not in compared), key=lambda i: -single[i])
    for k, i in enumerate(rest):
        scores[i] = min(single[i], floor - _BELOW * (k + 1))
    floor = min(scores[i] for i in single)
    cheap = prefilter.cheap_scores if prefilter is not None else None
    dropped = [i for i in range(count) if i not in single]
    dropped.sort(key=lambda i: -cheap[i] if cheap is not None else i)
    for k, i in enumerate(dropped):
        scores[i] = floor - _BELOW * (k + 1)
    return scores
