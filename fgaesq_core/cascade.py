"""The cascade series mode: the model's passes go where a burst's pick is decided.

Pairwise ranking costs n(n-1) token sets (90 for ten frames), though most frames of a burst
never come near the pick.  A frame's pairwise score is the mean of its scores against every
other frame; the cascade estimates that score for the frames that could be the pick only:

1. Frames the caller's cheap signals rule out (closed eyes while another frame has them
   open, severe blur or clipping against the burst, far below it on a technical score: see
   ``app.scoring.prefilter``) get no pass at all; they rank below every other frame.
2. Every remaining frame is screened with one token set: against the burst's medoid (by
   thumbnail SSIM; the medoid against the frame most like it), through the model's
   comparative pathway (DiffToken), or on its own (``screen="single"``).  Against one
   common opponent the expected pick was among the best four in 0.95-1.0 of the tuning
   bursts, against 0.90-0.98 for single-image scores (docs/model.md).
3. The best ``candidates`` of them by that score are compared: first against each other
   (both ways, the pairwise scheme's draw 0 of each direction), then, a round at a time,
   each against one common opponent, the medoid first (its round is already screened),
   then the strongest remaining frame.  A candidate the leader is ahead of at the stated
   ``confidence`` plays no more rounds; rounds stop when the pick is settled: when the
   leader is ahead of every other candidate at that confidence (a one-sided normal test on
   the per-round differences, their spread assumed from the screen's scores until rounds
   show it), or after ``max_rounds``.  No match is drawn twice.  With every opponent drawn
   a candidate's score is exactly its pairwise score.

``settled`` is that chance, from the same draws: how sure the model is that more draws would
not change its pick; the culling app's series confidence reads it.  The decision logic here
takes its scores from two callables, so ``Scorer`` (which tokenises and runs the model) and
``benchmarks/bench_cost.py`` (which replays scores computed once) run the same rules.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

#: how a cascade screens the frames it does not rule out
SCREENS = ("reference", "single")

#: Steps between the ranks of frames that were not compared with the model's pick, so
#: their scores keep them below it (fractions of a score point: never a visible change).
_BELOW = 1e-3


@dataclass(frozen=True)
class CascadeRule:
    """How many frames reach the pairwise stage and when it stops.

    The defaults were chosen on the tuning bursts of ``benchmarks/bench_cost.py``
    (docs/model.md, "Series ranking: the cascade").
    """

    candidates: int = 4  # frames compared, best screen scores first
    #: how every remaining frame is screened: "reference", against the burst's medoid (the
    #: medoid against its nearest frame), or "single", on its own
    screen: str = "reference"
    single_draws: int = 1  # draws of each frame's single-image score
    confidence: float = 0.9  # stop when the leader is this sure to stay ahead
    max_rounds: int = 64  # rounds at most (the head-to-head round, then one per opponent)
    # The per-round difference's spread assumed before any is seen, as a share of the
    # spread of the single scores of the frames that were scored (at least min_spread).
    prior_share: float = 0.5
    prior_weight: float = 1.0  # how many rounds that assumption counts for
    min_spread: float = 0.02
    #: a candidate the leader is ahead of at ``confidence`` plays no more rounds
    eliminate: bool = True

    def __post_init__(self) -> None:
        if (
            self.candidates < 2
            or self.max_rounds < 1
            or self.single_draws < 1
            or not 0.5 <= self.confidence < 1
            or self.screen not in SCREENS
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
    reference: tuple[int, int] | None = None,
) -> CascadeOutcome:
    """Rank ``count`` frames by the cascade (see the module docstring).

    ``reference``: (the burst's medoid, the frame most like it), the opponents of the
    ``"reference"`` screen; without it the frames are screened on their own.
    """
    if count < 1:
        raise ValueError("a cascade needs at least one frame")
    ruled_out = list(prefilter.ruled_out) if prefilter is not None else [False] * count
    if len(ruled_out) != count:
        raise ValueError(f"{len(ruled_out)} prefilter verdicts for {count} frames")
    survivors = [i for i in range(count) if not ruled_out[i]] or list(range(count))
    matches = _Matches(against)
    if rule.screen == "reference" and reference is not None and len(survivors) > 1:
        medoid, nearest = reference
        screen = dict(
            zip(
                survivors,
                matches.scores([(i, medoid if i != medoid else nearest) for i in survivors]),
                strict=True,
            )
        )
        singled, first = 0, [medoid]
    else:
        screen = dict(zip(survivors, singles(survivors), strict=True))
        singled, first = len(survivors), []
    ranked = sorted(survivors, key=lambda i: -screen[i])
    candidates = ranked[: rule.candidates]
    values = list(screen.values())
    prior = rule.prior_share * max(max(values) - min(values), rule.min_spread)
    per_round: list[dict[int, float]] = []  # the score of each candidate that played a round
    played: dict[int, list[float]] = {c: [] for c in candidates}  # every score of each
    live, settled = list(candidates), 1.0
    opponents = [i for i in dict.fromkeys(first + ranked) if i not in candidates]
    for j in [None, *opponents][: rule.max_rounds]:
        if len(live) < 2:
            break
        # the first round: the candidates against each other (both ways); then each live
        # candidate against one common opponent
        if j is None:
            round_matches = [(c, o) for c in live for o in live if o != c]
        else:
            round_matches = [(c, j) for c in live]
        drawn = matches.scores(round_matches)
        scores_of: dict[int, list[float]] = {c: [] for c in live}
        for (frame, _), score in zip(round_matches, drawn, strict=True):
            scores_of[frame].append(score)
            played[frame].append(score)
        per_round.append({c: sum(v) / len(v) for c, v in scores_of.items()})
        leader = max(live, key=lambda c: sum(played[c]) / len(played[c]))
        sure = {o: _ahead(per_round, leader, o, prior, rule.prior_weight) for o in candidates}
        settled = min((p for o, p in sure.items() if o != leader), default=1.0)
        if rule.eliminate:  # a candidate the leader is surely ahead of plays no more rounds
            live = [c for c in live if c == leader or sure[c] < rule.confidence]
        if settled >= rule.confidence:
            break
    means = {c: sum(v) / len(v) for c, v in played.items() if v}
    if len(live) < len(candidates) and means:  # those dropped rank below those still in
        top = min(means[c] for c in live)
        for k, c in enumerate(sorted(set(means) - set(live), key=lambda c: -means[c])):
            means[c] = min(means[c], top - _BELOW * (k + 1))
    scores = _scores(count, screen, means, ruled_out, prefilter)
    return CascadeOutcome(scores, settled, singled, matches.spent, len(per_round))


class _Matches:
    """Scores of frames against opponents, each drawn once: a match the screen drew is
    not drawn again when a round needs it."""

    def __init__(self, against: Against):
        self._against = against
        self._known: dict[tuple[int, int], float] = {}
        self.spent = 0

    def scores(self, matches: list[tuple[int, int]]) -> list[float]:
        new = list(dict.fromkeys(m for m in matches if m not in self._known))
        if new:
            self._known.update(zip(new, self._against(new), strict=True))
            self.spent += len(new)
        return [self._known[m] for m in matches]


def _ahead(
    per_round: list[dict[int, float]], leader: int, other: int, prior: float, weight: float
) -> float:
    """The chance that ``leader`` stays ahead of ``other``: a one-sided normal probability
    over their differences in the rounds both played (a common opponent makes them paired,
    so they settle in fewer rounds than the scores themselves would)."""
    if other == leader:
        return 1.0
    gaps = [r[leader] - r[other] for r in per_round if leader in r and other in r]
    rounds = len(gaps)
    mean = sum(gaps) / rounds
    spread = (weight * prior**2 + sum((g - mean) ** 2 for g in gaps)) / (weight + rounds - 1)
    z = mean / math.sqrt(max(spread, 1e-12) / rounds)
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def _scores(
    count: int,
    screen: dict[int, float],
    compared: dict[int, float],
    ruled_out: list[bool],
    prefilter: Prefilter | None,
) -> list[float]:
    """Candidates by their mean scores against other frames, then the other screened
    frames by their screen scores, then the frames ruled out (by their cheap scores): each
    group below the last."""
    scores = [0.0] * count
    for c, value in compared.items():
        scores[c] = value
    floor = min(compared.values(), default=math.inf)
    rest = sorted((i for i in screen if i not in compared), key=lambda i: -screen[i])
    for k, i in enumerate(rest):
        scores[i] = min(screen[i], floor - _BELOW * (k + 1))
    floor = min(scores[i] for i in screen)
    cheap = prefilter.cheap_scores if prefilter is not None else None
    dropped = [i for i in range(count) if i not in screen]
    dropped.sort(key=lambda i: -cheap[i] if cheap is not None else i)
    for k, i in enumerate(dropped):
        scores[i] = floor - _BELOW * (k + 1)
    return scores
