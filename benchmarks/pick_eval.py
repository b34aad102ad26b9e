"""How often the technical scorer picks the clean frame, and how sure it says it is.

Bursts come from generators that share nothing with the scorer's first tuning set
(``burst_eval.py``): ``optics_bursts.py``, ``sensor_bursts.py`` and ``field_bursts.py``
(see their docstrings).  The scorer up to v5 was tuned on ``optics`` alone; v6 and the
confidence mapping on all three, so a figure on bursts nobody tuned on needs a generator
made since; ``--cross`` gives each generator's reliability under a mapping fitted on the
others.  Each burst is one clean frame among frames with one defect (two of a kind, or one
of every kind: "mixed").  ``optics-subtle`` is ``optics`` with every defect half as
strong: its near misses help fit the confidence mapping.

    python benchmarks/pick_eval.py                       # the three generators side by side
    python benchmarks/pick_eval.py --generator optics-subtle --seed 3 --save /tmp/subtle.json
    python benchmarks/pick_eval.py --fit /tmp/subtle.json /tmp/optics.json ...  # the mapping
    python benchmarks/pick_eval.py --cross /tmp/*.json  # each fitted without its generator
    python benchmarks/pick_eval.py --save-measures /tmp/measures  # for confidence_eval.py

Prints best-frame accuracy per defect and per scene type, then the confidence's
reliability table (per confidence bin: bursts, share picked right) and the share right
among bursts with confidence >= 0.8.  Runs in a few minutes on 2 cores (frames of at most
448 px); bursts are generated and scored in worker processes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

GENERATORS = ("optics", "sensor", "field", "optics-subtle")
DEFAULT_GENERATORS = ("optics", "sensor", "field")
TUNING = ("optics", "sensor", "field")  # what technical:v6 and v7 were tuned on
BINS = (0.0, 0.2, 0.4, 0.6, 0.8, 0.9, 0.95, 1.0001)


def _module(generator: str):
    """The generator's module; ``optics-subtle`` is ``optics`` with every defect half as
    strong (the tuning generator's near misses, for the confidence mapping)."""
    import importlib

    module = importlib.import_module(f"{generator.removesuffix('-subtle')}_bursts")
    module.STRENGTH = 0.5 if generator.endswith("-subtle") else 1.0
    return module


def burst_tasks(generator: str, seed: int, repeats: int) -> list[tuple]:
    """(generator, source, scene type, defect, burst seed) of every burst of a set."""
    module = _module(generator)
    tasks = []
    for r in range(repeats):
        for scene in module.SCENE_TYPES:
            for source in module.TEXTURES if scene == "texture" else module.SOURCES:
                for defect in (*module.DEFECTS, "mixed"):
                    tasks.append((generator, source, scene, defect, (seed, r, len(tasks))))
    return tasks


def score_burst(task: tuple) -> dict:
    """Make one burst and rank it; what came out, without the pixels."""
    from app.scoring import TechnicalScorer
    from app.scoring.confidence import score_confidence

    generator, source, scene, defect, seed = task
    burst = _module(generator).make_burst(source, scene, defect, np.random.default_rng(seed))
    scorer = TechnicalScorer()
    measures = [scorer.prepare(frame) for frame in burst.frames]
    scores = scorer.rank_prepared(measures)
    pick = int(np.argmax(scores))
    return {
        "generator": generator,
        "source": source,
        "scene": scene,
        "defect": defect,
        "labels": burst.labels,
        "clean": burst.clean,
        "pick": pick,
        "right": pick == burst.clean,
        "scores": [float(s) for s in scores],
        "confidence": score_confidence("technical", scores),
        "measures": measures,
    }


def run(generator: str, seed: int, repeats: int, workers: int) -> list[dict]:
    tasks = burst_tasks(generator, seed, repeats)
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(score_burst, tasks, chunksize=2))


def accuracy_by(results: list[dict], key: str) -> dict[str, tuple[int, int]]:
    table: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in results:
        table[r[key]][0] += int(r["right"])
        table[r[key]][1] += 1
    return {k: (v[0], v[1]) for k, v in table.items()}


def reliability(results: list[dict]) -> list[tuple[float, float, int, float]]:
    """Per confidence bin: (low, high, bursts, share picked right)."""
    rows = []
    for low, high in zip(BINS, BINS[1:], strict=False):
        inside = [r for r in results if low <= r["confidence"] < high]
        share = sum(r["right"] for r in inside) / len(inside) if inside else float("nan")
        rows.append((low, min(high, 1.0), len(inside), share))
    return rows


def sure_share(results: list[dict], threshold: float = 0.8) -> tuple[int, int]:
    sure = [r for r in results if r["confidence"] >= threshold]
    return sum(r["right"] for r in sure), len(sure)


def _cell(pair: tuple[int, int] | None) -> str:
    if pair is None:
        return "-"
    return f"{pair[0]}/{pair[1]} ({pair[0] / pair[1]:.2f})"


def report(sets: dict[str, list[dict]]) -> None:
    names = list(sets)
    header = " | ".join(
        f"{n}{' (tuning)' if n.startswith(TUNING) else ' (held out)'}" for n in names
    )
    for key in ("defect", "scene", "source"):
        tables = {n: accuracy_by(sets[n], key) for n in names}
        print(f"\n| {key} | {header} |")
        print("|---|" + "---|" * len(names))
        for k in dict.fromkeys(k for n in names for k in tables[n]):
            print(f"| {k} | " + " | ".join(_cell(tables[n].get(k)) for n in names) + " |")
    print("| **all** | " + " | ".join(_cell(_all(sets[n])) for n in names) + " |")
    reliability_table(sets)


def reliability_table(sets: dict[str, list[dict]]) -> None:
    """Per confidence bin and set: bursts and the share picked right; then the share right
    among the sure ones and how many are worth a second look."""
    names = list(sets)
    print("\n| confidence | " + " | ".join(f"{n}: bursts, right" for n in names) + " |")
    print("|---|" + "---|" * len(names))
    rows = {n: reliability(sets[n]) for n in names}
    for b in range(len(BINS) - 1):
        low, high = rows[names[0]][b][:2]
        cells = [f"{rows[n][b][2]}, {rows[n][b][3]:.3f}" for n in names]
        print(f"| {low:.2f}-{high:.2f} | " + " | ".join(cells) + " |")
    print("| >= 0.8: right | " + " | ".join(_cell(sure_share(sets[n])) for n in names) + " |")
    print(
        "| < 0.8 (a second look) | "
        + " | ".join(f"{sum(r['confidence'] < 0.8 for r in sets[n])}" for n in names)
        + " |"
    )


def _all(results: list[dict]) -> tuple[int, int]:
    return sum(r["right"] for r in results), len(results)


def fit(paths: list[str]) -> None:
    """The logistic mapping of the pick's margin (stops) to the chance it is right, on
    saved results of the tuning generators (several seeds give it more misses to learn from).
    L2-regularised (C = 1): a few misses must not bend the curve."""
    from sklearn.linear_model import LogisticRegression

    from app.scoring.confidence import margin_features

    results = [r for path in paths for r in json.loads(Path(path).read_text())]
    features = np.array([margin_features("technical", r["scores"]) for r in results])
    right = np.array([r["right"] for r in results])
    model = LogisticRegression(C=1.0).fit(features, right)
    print(f"{len(results)} bursts, {int((~right.astype(bool)).sum())} misses")
    print("coefficients", model.coef_.tolist(), "intercept", model.intercept_.tolist())


def cross(paths: list[str]) -> None:
    """The mapping's reliability on each generator when fitted on the others only (a
    generator and its ``-subtle`` twin are left out together): the calibration a camera
    nobody fitted on would see."""
    from sklearn.linear_model import LogisticRegression

    from app.scoring.confidence import margin_features

    sets = {}
    for path in paths:
        results = json.loads(Path(path).read_text())
        sets[results[0]["generator"]] = results
    family = {name: name.removesuffix("-subtle") for name in sets}
    held: dict[str, list[dict]] = {}
    for name, results in sets.items():
        train = [r for other, rs in sets.items() if family[other] != family[name] for r in rs]
        features = np.array([margin_features("technical", r["scores"]) for r in train])
        model = LogisticRegression(C=1.0).fit(features, [r["right"] for r in train])
        scored = [dict(r) for r in results]
        own = np.array([margin_features("technical", r["scores"]) for r in scored])
        for r, chance in zip(scored, model.predict_proba(own)[:, 1], strict=True):
            r["confidence"] = float(chance)
        held[name] = scored
    reliability_table(held)


def save_measures(sets: dict[str, list[dict]], folder: Path, seed: int) -> None:
    """Each generator's measured bursts, which ``confidence_eval.py`` judges with whatever
    checkout runs it (the mapping fitted again without making a burst)."""
    import pickle

    folder.mkdir(parents=True, exist_ok=True)
    for name, results in sets.items():
        kept = [{k: r[k] for k in ("defect", "clean", "measures")} for r in results]
        (folder / f"{name}_seed{seed}.pkl").write_bytes(pickle.dumps(kept))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generator", choices=GENERATORS, action="append")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--save", help="write the per-burst results (JSON) here")
    parser.add_argument(
        "--save-measures",
        type=Path,
        help="write each generator's measured bursts here (GENERATOR_seedN.pkl), for"
        " confidence_eval.py",
    )
    parser.add_argument("--load", action="append", help="report saved results instead")
    parser.add_argument("--fit", nargs="+", help="fit the confidence mapping on saved results")
    parser.add_argument(
        "--cross", nargs="+", help="saved results: reliability of a mapping fitted on the others"
    )
    args = parser.parse_args()
    if args.fit:
        fit(args.fit)
        return
    if args.cross:
        cross(args.cross)
        return
    if args.load:
        sets = {}
        from app.scoring.confidence import score_confidence

        for path in args.load:
            results = json.loads(Path(path).read_text())
            for r in results:  # with the mapping as it is now
                r["confidence"] = score_confidence("technical", r["scores"])
            sets[results[0]["generator"]] = results
    else:
        sets = {
            g: run(g, args.seed, args.repeats, args.workers)
            for g in args.generator or DEFAULT_GENERATORS
        }
    if args.save_measures and not args.load:
        save_measures(sets, args.save_measures, args.seed)
    for results in sets.values():
        for r in results:
            r.pop("measures", None)
    if args.save:
        for name, results in sets.items():
            target = args.save if len(sets) == 1 else f"{args.save}.{name}.json"
            with open(target, "w") as handle:
                json.dump(results, handle)
    report(sets)
    for name, results in sets.items():
        misses = [r for r in results if not r["right"]]
        print(f"\n{name}: misses")
        for r in misses:
            print(
                f"  {r['source']}/{r['scene']}/{r['defect']}: picked {r['labels'][r['pick']]}"
                f" conf {r['confidence']:.2f} scores {np.round(r['scores'], 3).tolist()}"
            )


if __name__ == "__main__":
    main()
