"""Pairwise rankers learnt from a person's preferences within series.

Both learners score a frame by a utility and are fitted to the strict preferences of
``TasteSeries.pairs`` with the Bradley-Terry (pairwise logistic) likelihood: the chance that
frame i is preferred to frame j is ``sigmoid(u_i - u_j)``.  Features are centred within
their series (only differences between frames of one series matter) and divided by their
spread over the training data.  Each series weighs as much as one choice among its frames,
so a long burst does not outvote ten short ones.

- ``linear``: ``u = theta . x`` with a Gaussian prior centred on the base ranking (weight
  ``BASE_PRIOR`` on the base score, 0 elsewhere): with few decisions it stays the base
  ranking; consistent decisions move it.  Fitted by Newton's method in milliseconds.
- ``mlp``: the same prior-centred linear part plus a small two-layer network (torch), for
  preferences that are not linear in the features.  Slower, and no better on the benchmark
  (docs/taste.md), so ``linear`` is the default.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from app.taste.dataset import TasteSeries
from app.taste.features import FEATURE_NAMES

BASE_PRIOR = 1.0  # prior weight on the standardised base score
PRIOR_STRENGTH = 1.0  # L2 precision of the prior (in units of one series' evidence)
LEARNERS = ("linear", "mlp")
MAX_NEWTON_STEPS = 50


@dataclass
class TasteModel:
    """A fitted ranker; ``as_json``/``from_json`` keep it in the catalog."""

    kind: str
    scales: np.ndarray
    weights: np.ndarray
    network: dict[str, Any] = field(default_factory=dict)  # mlp only: lists of numbers

    def utilities(self, features: np.ndarray) -> np.ndarray:
        """One utility per frame of one series (higher preferred)."""
        x = _standardised(features, self.scales)
        utility = x @ self.weights
        if self.network:
            hidden = np.tanh(x @ np.asarray(self.network["w1"]) + np.asarray(self.network["b1"]))
            utility = utility + hidden @ np.asarray(self.network["w2"])
        return utility

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "features": list(FEATURE_NAMES),
            "scales": self.scales.tolist(),
            "weights": self.weights.tolist(),
            "network": self.network,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TasteModel:
        if list(data.get("features", [])) != list(FEATURE_NAMES):
            raise ValueError("the profile was learnt on other features: learn it again")
        return cls(
            kind=str(data["kind"]),
            scales=np.asarray(data["scales"], dtype=float),
            weights=np.asarray(data["weights"], dtype=float),
            network=dict(data.get("network") or {}),
        )


def base_model() -> TasteModel:
    """The base ranking as a TasteModel (the prior's centre)."""
    weights = np.zeros(len(FEATURE_NAMES))
    weights[0] = 1.0
    return TasteModel("base", np.ones(len(FEATURE_NAMES)), weights)


def fit(series: Sequence[TasteSeries], learner: str = "linear", seed: int = 0) -> TasteModel:
    """Fit ``learner`` to the preferences of ``series``."""
    if learner not in LEARNERS:
        raise ValueError(f"unknown learner {learner!r}: {', '.join(LEARNERS)}")
    scales = _scales(series)
    better, worse, weights = _pair_rows(series, scales)
    prior = np.zeros(len(FEATURE_NAMES))
    prior[0] = BASE_PRIOR
    theta = _fit_linear(better - worse, weights, prior)
    if learner == "linear":
        return TasteModel("linear", scales, theta)
    return _fit_mlp(series, scales, theta, seed)


def _standardised(features: np.ndarray, scales: np.ndarray) -> np.ndarray:
    return (features - features.mean(axis=0)) / scales


def _scales(series: Sequence[TasteSeries]) -> np.ndarray:
    centred = np.concatenate([s.features - s.features.mean(axis=0) for s in series])
    spread = centred.std(axis=0)
    return np.where(spread > 1e-9, spread, 1.0)


def _pair_rows(
    series: Sequence[TasteSeries], scales: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For every strict preference: the preferred frame's standardised features, the other
    frame's, and the pair's weight."""
    better_rows, worse_rows, weights = [], [], []
    for s in series:
        pairs = s.pairs()
        if not pairs:
            continue
        x = _standardised(s.features, scales)
        better, worse = np.array(pairs).T
        better_rows.append(x[better])
        worse_rows.append(x[worse])
        weights.append(np.full(len(pairs), (len(s.levels) - 1) / len(pairs)))
    if not better_rows:
        empty = np.zeros((0, len(scales)))
        return empty, empty, np.zeros(0)
    return np.concatenate(better_rows), np.concatenate(worse_rows), np.concatenate(weights)


def _fit_linear(diffs: np.ndarray, weights: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """The maximum a posteriori weights by Newton's method: the problem is convex and has
    a dozen unknowns, so a few exact steps beat any iterative solver's overhead."""
    theta = prior.copy()
    identity = np.eye(len(prior))
    for _ in range(MAX_NEWTON_STEPS):
        margin = diffs @ theta
        chance = 1.0 / (1.0 + np.exp(np.clip(margin, -50, 50)))  # of the other frame
        gradient = -(diffs.T @ (weights * chance)) + PRIOR_STRENGTH * (theta - prior)
        curvature = weights * chance * (1.0 - chance)
        hessian = (diffs.T * curvature) @ diffs + PRIOR_STRENGTH * identity
        step = np.linalg.solve(hessian, gradient)
        theta = theta - step
        if float(np.abs(step).max()) < 1e-8:
            break
    return theta


def _fit_mlp(
    series: Sequence[TasteSeries], scales: np.ndarray, theta: np.ndarray, seed: int
) -> TasteModel:
    """A small network on top of the fitted linear ranker, trained on the same pairs."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tensors of a few thousand rows: threads only contend
    try:
        return _train_mlp(torch, series, scales, theta, seed)
    finally:
        torch.set_num_threads(threads)


def _train_mlp(torch, series, scales, theta, seed) -> TasteModel:  # noqa: ANN001
    torch.manual_seed(seed)
    hidden = 8
    better, worse, weights = _pair_rows(series, scales)
    if not len(weights):
        return TasteModel("mlp", scales, theta)
    xb = torch.tensor(better, dtype=torch.float32)
    xw = torch.tensor(worse, dtype=torch.float32)
    pw = torch.tensor(weights, dtype=torch.float32)
    linear = torch.tensor(theta, dtype=torch.float32, requires_grad=True)
    w1 = (0.1 * torch.randn(len(scales), hidden)).requires_grad_()
    b1 = torch.zeros(hidden, requires_grad=True)
    w2 = (0.1 * torch.randn(hidden)).requires_grad_()
    prior = torch.tensor(theta, dtype=torch.float32)
    optimiser = torch.optim.Adam([linear, w1, b1, w2], lr=0.03)

    def utility(x: torch.Tensor) -> torch.Tensor:
        return x @ linear + torch.tanh(x @ w1 + b1) @ w2

    for _ in range(300):
        optimiser.zero_grad()
        margin = utility(xb) - utility(xw)
        penalty = ((linear - prior) ** 2).sum() + (w1**2).sum() + (w2**2).sum()
        loss = (pw * torch.nn.functional.softplus(-margin)).sum() + 0.5 * PRIOR_STRENGTH * penalty
        loss.backward()
        optimiser.step()
    network = {
        "w1": w1.detach().numpy().tolist(),
        "b1": b1.detach().numpy().tolist(),
        "w2": w2.detach().numpy().tolist(),
    }
    return TasteModel("mlp", scales, linear.detach().numpy().astype(float), network)
