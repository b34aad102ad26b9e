"""How sure the technical scorer's picks are, set by set: the confidence mapping fitted on
some sets of bursts and reported on the others.

Reads one file per set, named by its stem: measured bursts (``.pkl``: a list of
``{"measures": [TechnicalMeasures, ...], "clean": index}``, as ``truth_picks.py
--save-measures DIR`` writes them), which this checkout judges here, so a change to the
burst judgement or to the lead its scores show is refitted in a minute without measuring
a frame again; or per-burst results of a checkout (JSON lists of ``{"scores": [...],
"right": bool}``: ``truth_picks.py --save DIR``, ``pick_eval.py --save``).

    python benchmarks/confidence_eval.py --fit darkroom optics sensor field raycast_seed1 \\
        -- /tmp/measures/*.pkl

Fits ``logit = A + B * log2(margin) + C * share`` (``app.scoring.confidence.margin_features``)
on the sets whose names start with a ``--fit`` prefix, with C held at ``--share-weight``
(a burst of two frames always has a share of 1, and the sets hold too few of them to fit
it on), then lowers A until the fitting sets' picks at confidence >= 0.8 are right
``--sure-rate`` of the time.  Prints the mapping, then per set the picks right (the best
frame), and under the mapping in ``app/scoring/confidence.py`` and under the one fitted
here: the picks right among those at >= 0.8, and how many of all series that is (the rest are "worth a second look"); then
the reliability of the mapping in the checkout per confidence bin.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from itertools import pairwise
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SURE = 0.8
BINS = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 1.0001)
STEP = 0.05  # of the intercept, while lowering it


def judged(path: Path) -> list[dict]:
    """The bursts measured in ``path`` (a pickle this project's benchmarks wrote) as this
    checkout's scorer ranks them: their scores and whether the pick is the clean frame."""
    import pickle

    from app.scoring.technical import TechnicalScorer

    bursts = []
    for measured in pickle.loads(path.read_bytes()):
        scores = TechnicalScorer().rank_prepared(measured["measures"])
        right = max(range(len(scores)), key=scores.__getitem__) == measured["clean"]
        bursts.append({"scores": scores, "right": right})
    return bursts


def load(paths: list[Path]) -> dict[str, list[dict]]:
    """Per set (file stem): its bursts with their margin features."""
    from app.scoring.confidence import margin_features

    sets = {}
    for path in paths:
        bursts = judged(path) if path.suffix == ".pkl" else json.loads(path.read_text())
        for burst in bursts:
            burst["features"] = margin_features("technical", burst["scores"])
        sets[path.stem] = bursts
    return sets


def fit(bursts: list[dict], share_weight: float, sure_rate: float) -> tuple[float, ...]:
    """(A, B, C): A and B by maximum likelihood with C held, then A lowered in STEPs until
    the picks at SURE or above are right ``sure_rate`` of the time."""
    from scipy.optimize import minimize

    log_margin = np.array([b["features"][0] for b in bursts])
    share = np.array([b["features"][1] for b in bursts])
    right = np.array([b["right"] for b in bursts], dtype=float)

    def loss(ab: np.ndarray) -> float:
        logit = ab[0] + ab[1] * log_margin + share_weight * share
        return float(np.sum(np.logaddexp(0.0, logit) - right * logit))

    a, b = minimize(loss, np.zeros(2), method="BFGS").x
    while True:
        chance = 1.0 / (1.0 + np.exp(-(a + b * log_margin + share_weight * share)))
        sure = chance >= SURE
        if not sure.any() or right[sure].mean() >= sure_rate:
            return float(a), float(b), share_weight
        a -= STEP


def confidences(bursts: list[dict], mapping: tuple[float, ...] | None) -> np.ndarray:
    """Each burst's confidence: the checkout's own (``mapping`` None) or ``mapping``'s."""
    from app.scoring.confidence import score_confidence

    if mapping is None:
        return np.array([score_confidence("technical", b["scores"]) for b in bursts])
    base, slope, share_weight = mapping
    features = np.array([burst["features"] for burst in bursts])
    return 1.0 / (1.0 + np.exp(-(base + slope * features[:, 0] + share_weight * features[:, 1])))


def right_cell(bursts: list[dict]) -> str:
    """The bursts whose pick is the clean frame, of all: the best-frame figure itself."""
    return f"{sum(bool(b['right']) for b in bursts)}/{len(bursts)}"


def row_cells(bursts: list[dict], mapping: tuple[float, ...]) -> list[str]:
    """A table row's cells: picked right, then sure right under the checkout's mapping and
    under ``mapping``."""
    sure = [sure_cell(bursts, confidences(bursts, m)) for m in (None, mapping)]
    return [right_cell(bursts), *sure]


def sure_cell(bursts: list[dict], chance: np.ndarray) -> str:
    right = np.array([b["right"] for b in bursts])
    sure = chance >= SURE
    share = f" ({right[sure].mean():.3f})" if sure.any() else ""
    return f"{int(right[sure].sum())}/{int(sure.sum())}{share} | {int(sure.sum())}/{len(bursts)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="+", type=Path)
    parser.add_argument("--fit", nargs="+", required=True, help="prefixes of the fitting sets")
    parser.add_argument("--share-weight", type=float, default=1.143)
    parser.add_argument("--sure-rate", type=float, default=0.995)
    args = parser.parse_args()
    sets = load(args.results)
    fitting = [name for name in sets if name.startswith(tuple(args.fit))]
    mapping = fit([b for name in fitting for b in sets[name]], args.share_weight, args.sure_rate)
    print("fitted on", ", ".join(sorted(fitting)))
    print("mapping: logit = {:.3f} + {:.3f} log2(margin) + {:.3f} share".format(*mapping))
    print(
        "\n| set | picked right | checkout: sure right | sure/all"
        " | fitted here: sure right | sure/all |"
    )
    print("|---|---|---|---|---|---|")
    for group, names in (
        ("fitted on", fitting),
        ("reported on", [n for n in sets if n not in fitting]),
    ):
        for name in sorted(names):
            print(f"| {name} | " + " | ".join(row_cells(sets[name], mapping)) + " |")
        bursts = [b for name in names for b in sets[name]]
        if bursts:
            print(f"| **{group}** | " + " | ".join(row_cells(bursts, mapping)) + " |")
    print("\nReliability of the checkout's mapping (bursts, share picked right):")
    print("| confidence | " + " | ".join(sorted(sets)) + " |")
    print("|---" * (len(sets) + 1) + "|")
    chances = {name: confidences(bursts, None) for name, bursts in sets.items()}
    for low, high in pairwise(BINS):
        cells = []
        for name in sorted(sets):
            inside = (chances[name] >= low) & (chances[name] < high)
            right = np.array([b["right"] for b in sets[name]])[inside]
            cells.append(f"{int(inside.sum())}, {right.mean():.2f}" if inside.any() else "0, -")
        print(f"| {low:.2f}-{min(high, 1.0):.2f} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
