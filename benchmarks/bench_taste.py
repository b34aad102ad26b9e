"""Does a learnt taste agree with a photographer more often than the base ranking?

Simulated photographers (benchmarks/taste_simulator.py) with one consistent preference the
base ranking does not share (the brighter frame, the larger subject, faces looking at the
camera) and one whose picks are random cull shoots of 8 series.  For each, the learner is
trained on the first 50 to 2,000 decisions and asked for the pick of 320 series of 40 other
shoots (held out by shoot); the base ranking is asked the same.  Printed per generator,
photographer and size: held-out agreement of the base ranking and of each learner, whether
the app's own rule (app/taste/evaluate.py, on the training decisions only) would use the
taste, in how many of the seeds, and the seconds to evaluate and train.

The ``tuning`` generator is the one the learner's settings were chosen on; ``heldout`` renders
differently and was only run for the report.

    python benchmarks/bench_taste.py [--seeds 3] [--sizes 50,100,300,1000,2000]
        [--generators tuning,heldout] [--learners linear,mlp] [--random-trials 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "benchmarks")]

from taste_simulator import GENERATORS, PREFERENCES, Simulator  # noqa: E402

from app.taste.dataset import decisions_count, taste_series  # noqa: E402
from app.taste.evaluate import base_utilities, evaluate, top_agrees  # noqa: E402
from app.taste.learner import fit  # noqa: E402

SERIES_PER_SHOOT = 8
TEST_SHOOTS = 40


def agreement(model, series) -> float:
    return statistics.fmean(top_agrees(s, model.utilities(s.features)) for s in series)


def base_agreement(series) -> float:
    return statistics.fmean(top_agrees(s, base_utilities(s)) for s in series)


def training_prefix(shoots, wanted: int):
    """The first series, shoot after shoot, until ``wanted`` decisions are reached."""
    taken = []
    for shoot in shoots:
        for s in shoot:
            taken.append(s)
            if decisions_count(taken) >= wanted:
                return taken
    return taken


def run(generator: str, preference: str, seed: int, sizes, learners) -> list[dict]:
    simulator = Simulator(preference, generator, seed)
    shoots, total = [], 0
    while total < max(sizes):
        views = simulator.shoot(f"/train/{len(shoots)}", SERIES_PER_SHOOT)
        series = taste_series(views, simulator.thumbnails)
        shoots.append(series)
        total += decisions_count(series)
    test = [
        s
        for index in range(TEST_SHOOTS)
        for s in taste_series(
            simulator.shoot(f"/test/{index}", SERIES_PER_SHOOT), simulator.thumbnails
        )
    ]
    rows = []
    for size in sizes:
        train = training_prefix(shoots, size)
        row = {"size": size, "base": base_agreement(test)}
        for learner in learners:
            started = time.perf_counter()
            model = fit(train, learner)
            row[f"{learner}_s"] = time.perf_counter() - started
            row[learner] = agreement(model, test)
        evaluation, _ = evaluate(train, learners[0])
        row["used"] = evaluation.used
        row["cv_personal"], row["cv_base"] = evaluation.personal, evaluation.base
        row["evaluate_s"] = evaluation.seconds
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--sizes", default="50,100,300,1000,2000")
    parser.add_argument("--generators", default=",".join(GENERATORS))
    parser.add_argument("--preferences", default=",".join(PREFERENCES))
    parser.add_argument("--learners", default="linear,mlp")
    parser.add_argument(
        "--random-trials", type=int, default=20, help="random photographers checked by the rule"
    )
    args = parser.parse_args()
    sizes = [int(v) for v in args.sizes.split(",")]
    learners = args.learners.split(",")
    header = ["generator", "photographer", "decisions", "base %"]
    header += [f"{name} %" for name in learners] + ["gain", "used", "fit s", "evaluate s"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for generator in args.generators.split(","):
        for preference in args.preferences.split(","):
            runs = [run(generator, preference, seed, sizes, learners) for seed in range(args.seeds)]
            for index, size in enumerate(sizes):
                rows = [r[index] for r in runs]
                mean = {k: statistics.fmean(r[k] for r in rows) for k in rows[0] if k != "used"}
                used = sum(r["used"] for r in rows)
                cells = [generator, preference, str(size), f"{mean['base'] * 100:.0f}"]
                cells += [f"{mean[name] * 100:.0f}" for name in learners]
                cells += [
                    f"{(mean[learners[0]] - mean['base']) * 100:+.0f}",
                    f"{used}/{len(rows)}",
                    f"{mean[learners[0] + '_s']:.3f}",
                    f"{mean['evaluate_s']:.2f}",
                ]
                print("| " + " | ".join(cells) + " |", flush=True)
    if args.random_trials:
        random_trials(args.generators.split(","), sizes, args.random_trials, learners[0])


def random_trials(generators, sizes, trials: int, learner: str) -> None:
    """How often the app's rule would use a taste learnt from random picks (it must not)."""
    for generator in generators:
        used = total = 0
        for seed in range(100, 100 + trials):
            simulator = Simulator("random", generator, seed)
            shoots = []
            while decisions_count([s for shoot in shoots for s in shoot]) < max(sizes):
                views = simulator.shoot(f"/train/{len(shoots)}", SERIES_PER_SHOOT)
                shoots.append(taste_series(views, simulator.thumbnails))
            for size in sizes:
                evaluation, _ = evaluate(training_prefix(shoots, size), learner)
                used += evaluation.used
                total += 1
        print(
            f"{generator}: random photographer, taste used in {used} of {total} trials "
            f"({trials} photographers x {len(sizes)} sizes)",
            flush=True,
        )


if __name__ == "__main__":
    main()
