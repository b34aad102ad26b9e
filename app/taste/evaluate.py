"""Is a learnt taste worth using?  Measured on the person's own held-out shoots.

The series are split into folds by shoot (by series when there are fewer than
``MIN_SHOOTS`` shoots), so the frames of one series, and with enough shoots the series of
one shoot, are never on both sides.  Each fold's ranker is learnt on the other folds and
asked for the pick of every held-out series; so is the base ranking.  Agreement is the share
of held-out series whose pick is one of the frames the person put at the top.

The rule: the taste is used only when the one-sided 95 % lower bound of its gain in
agreement over the base ranking (bootstrap over shoots, or over series when split by
series) is above ``MARGIN``, with at least ``MIN_HELD_OUT`` held-out series.  A photographer
whose picks the features cannot explain therefore keeps the base ranking.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from app.taste.dataset import TasteSeries, decisions_count
from app.taste.learner import TasteModel, fit

MARGIN = 0.02  # the gain's lower bound must exceed 2 points of agreement
MIN_HELD_OUT = 10  # held-out series needed before any claim is made
MIN_SHOOTS = 3  # fewer shoots: folds by series
FOLDS = 5
BOOTSTRAP = 2000
RULE = (
    "used when the 95 % lower bound of its gain over the base ranking, on held-out shoots, "
    f"is above {MARGIN * 100:.0f} points (at least {MIN_HELD_OUT} held-out series)"
)


@dataclass(frozen=True)
class Evaluation:
    """Held-out agreement of the taste and of the base ranking, and the verdict."""

    learner: str
    personal: float  # share of held-out picks the taste agreed with
    base: float
    gain_low: float  # one-sided 95 % lower bound of personal - base
    held_out: int  # held-out series
    split: str  # "shoot" or "series"
    decisions: int
    series: int
    shoots: int
    used: bool
    seconds: float  # to evaluate and train

    def as_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Evaluation:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__})

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


def evaluate(
    series: Sequence[TasteSeries], learner: str = "linear"
) -> tuple[Evaluation, TasteModel]:
    """Cross-validate ``learner`` on ``series``, then fit it on all of them."""
    started = time.perf_counter()
    folds, split = held_out_folds(series)
    personal = np.zeros(len(series))
    base = np.zeros(len(series))
    for fold in sorted(set(folds)):
        train = [s for s, f in zip(series, folds, strict=True) if f != fold]
        if not train:
            continue
        model = fit(train, learner)
        for index, (s, f) in enumerate(zip(series, folds, strict=True)):
            if f == fold:
                personal[index] = top_agrees(s, model.utilities(s.features))
                base[index] = top_agrees(s, base_utilities(s))
    held = list(range(len(series))) if len(set(folds)) > 1 else []
    clusters = [s.shoot if split == "shoot" else s.key for s in series]
    low = gain_lower_bound((personal - base)[held], [clusters[i] for i in held])
    model = fit(series, learner)
    shoots = len({s.shoot for s in series})
    evaluation = Evaluation(
        learner=learner,
        personal=float(personal[held].mean()) if held else 0.0,
        base=float(base[held].mean()) if held else 0.0,
        gain_low=low,
        held_out=len(held),
        split=split,
        decisions=decisions_count(series),
        series=len(series),
        shoots=shoots,
        used=len(held) >= MIN_HELD_OUT and low > MARGIN,
        seconds=round(time.perf_counter() - started, 3),
    )
    return evaluation, model


def gain_lower_bound(gains: np.ndarray, clusters: Sequence[str], seed: int = 0) -> float:
    """One-sided 95 % lower bound of the mean gain, resampling whole clusters."""
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
    return float(np.quantile(means, 0.05))
