"""Is a learnt taste worth using?  Measured on the person's own held-out shoots.

The series are split into folds by shoot (by series when there are fewer than
``MIN_SHOOTS`` shoots), so the frames of one series, and with enough shoots the series of
one shoot, are never on both sides.  Each fold's ranker is learnt on the other folds and
asked for the pick of every held-out series; so is the base ranking.  Agreement is the share
of held-out series whose pick is one of the frames the person put at the top.

The rule: the taste is used only when, over at least ``MIN_HELD_OUT`` held-out series,

- the one-sided ``CONFIDENCE`` lower bound of its gain in agreement over the base ranking
  (bootstrap over shoots, or over series when split by series) is above ``MARGIN``, and
- of the held-out series where exactly one of the two found the person's pick, the taste
  found it significantly more often (exact one-sided sign test, p below ``SIGN_P``): the
  bootstrap alone is too generous when there are few shoots.

A photographer whose picks the features cannot explain therefore keeps the base ranking.
The thresholds were chosen on the benchmark's tuning generator (docs/taste.md).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from app.taste.dataset import TasteSeries, decisions_count
from app.taste.learner import TasteModel, fit

MARGIN = 0.05  # the gain's lower bound must exceed 5 points of agreement
CONFIDENCE = 0.99  # of that one-sided lower bound
SIGN_P = 0.01  # the sign test's one-sided p-value must be below this
MIN_HELD_OUT = 10  # held-out series needed before any claim is made
MIN_SHOOTS = 3  # fewer shoots: folds by series
FOLDS = 5
BOOTSTRAP = 2000
RULE = (
    f"used when, on at least {MIN_HELD_OUT} held-out series, the {CONFIDENCE * 100:.0f} % "
    f"lower bound of its gain in agreement over the base ranking is above "
    f"{MARGIN * 100:.0f} points and a sign test on the series where only one of them found "
    f"your pick gives p < {SIGN_P}"
)


@dataclass(frozen=True)
class Evaluation:
    """Held-out agreement of the taste and of the base ranking, and the verdict."""

    learner: str
    personal: float  # share of held-out picks the taste agreed with
    base: float
    gain_low: float  # one-sided CONFIDENCE lower bound of personal - base
    held_out: int  # held-out series
    split: str  # "shoot" or "series"
    decisions: int
    series: int
    shoots: int
    used: bool
    seconds: float  # to evaluate and train
    sign_p: float = 1.0  # one-sided sign test: taste right and base wrong, against the reverse

    def as_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Evaluation:
        fields = cls.__dataclass_fields__
        return cls(**{name: data[name] for name in fields if name in data or name != "sign_p"})

    def figures(self) -> str:
        """``81 % of your held-out picks, base 66 %, from 1,240 decisions in 14 shoots``."""
        return (
            f"{self.personal * 100:.0f} % of your held-out picks, base {self.base * 100:.0f} %, "
            f"from {self.decisions:,} decisions in {self.shoots:,} "
            f"shoot{'s' if self.shoots != 1 else ''}"
        )

    def describe(self, name: str) -> str:
        """The summary's and the window's line: which ranking is in use, and the figures."""
        if self.used:
            return f"Ranking: your taste '{name}': {self.figures()}"
        return (
            f"Ranking: base (your taste '{name}' is not used: {self.figures()}; "
            "not measurably better)"
        )


def top_agrees(series: TasteSeries, utilities: np.ndarray) -> bool:
    """Whether the best-utility frame (first on ties) is one the person put at the top."""
    return int(np.argmax(utilities)) in series.top


def base_utilities(series: TasteSeries) -> np.ndarray:
    return series.features[:, 0]


def held_out_folds(series: Sequence[TasteSeries]) -> tuple[list[int], str]:
    """A fold number per series, grouping by shoot (or by series), and the split's name."""
    shoots = sorted({s.shoot for s in series})
    split = "shoot" if len(shoots) >= MIN_SHOOTS else "series"
    groups = shoots if split == "shoot" else sorted(s.key for s in series)
    order = np.random.default_rng(0).permutation(len(groups))
    fold_of = {groups[i]: rank % FOLDS for rank, i in enumerate(order)}
    return [fold_of[s.shoot if split == "shoot" else s.key] for s in series], split


@dataclass(frozen=True)
class HeldOut:
    """Per series, whether the held-out taste and the base ranking found the person's pick."""

    personal: np.ndarray
    base: np.ndarray
    clusters: list[str]  # what the bootstrap resamples: shoots, or series
    split: str


def held_out(series: Sequence[TasteSeries], learner: str = "linear") -> HeldOut:
    """Each fold ranked by a taste learnt on the other folds, and by the base ranking."""
    folds, split = held_out_folds(series)
    personal = np.zeros(len(series))
    base = np.zeros(len(series))
    if len(set(folds)) < 2:
        return HeldOut(personal[:0], base[:0], [], split)
    for fold in sorted(set(folds)):
        model = fit([s for s, f in zip(series, folds, strict=True) if f != fold], learner)
        for index, (s, f) in enumerate(zip(series, folds, strict=True)):
            if f == fold:
                personal[index] = top_agrees(s, model.utilities(s.features))
                base[index] = top_agrees(s, base_utilities(s))
    clusters = [s.shoot if split == "shoot" else s.key for s in series]
    return HeldOut(personal, base, clusters, split)


def evaluate(
    series: Sequence[TasteSeries], learner: str = "linear"
) -> tuple[Evaluation, TasteModel]:
    """Cross-validate ``learner`` on ``series``, then fit it on all of them."""
    started = time.perf_counter()
    found = held_out(series, learner)
    count = len(found.personal)
    gains = found.personal - found.base
    low = gain_lower_bound(gains, found.clusters)
    sign_p = sign_test(int((gains > 0).sum()), int((gains < 0).sum()))
    model = fit(series, learner)
    evaluation = Evaluation(
        learner=learner,
        personal=float(found.personal.mean()) if count else 0.0,
        base=float(found.base.mean()) if count else 0.0,
        gain_low=low,
        held_out=count,
        split=found.split,
        decisions=decisions_count(series),
        series=len(series),
        shoots=len({s.shoot for s in series}),
        used=count >= MIN_HELD_OUT and low > MARGIN and sign_p < SIGN_P,
        seconds=round(time.perf_counter() - started, 3),
        sign_p=sign_p,
    )
    return evaluation, model


def gain_lower_bound(
    gains: np.ndarray, clusters: Sequence[str], confidence: float | None = None, seed: int = 0
) -> float:
    """One-sided lower confidence bound of the mean gain, resampling whole clusters."""
    if len(gains) == 0:
        return float("-inf")
    names = sorted(set(clusters))
    index = {name: i for i, name in enumerate(names)}
    sums = np.zeros(len(names))
    counts = np.zeros(len(names))
    for gain, cluster in zip(gains, clusters, strict=True):
        sums[index[cluster]] += gain
        counts[index[cluster]] += 1
    draws = np.random.default_rng(seed).integers(0, len(names), size=(BOOTSTRAP, len(names)))
    means = sums[draws].sum(axis=1) / counts[draws].sum(axis=1)
    return float(np.quantile(means, 1.0 - (confidence or CONFIDENCE)))


def sign_test(wins: int, losses: int) -> float:
    """One-sided exact sign test: the chance of at least ``wins`` of ``wins + losses`` fair
    coin tosses (1.0 when there is nothing to compare)."""
    tosses = wins + losses
    if tosses == 0:
        return 1.0
    return sum(math.comb(tosses, k) for k in range(wins, tosses + 1)) / 2**tosses  # exact ints
