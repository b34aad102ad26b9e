"""The technical scorer on ``burst_eval.py``'s bursts: accuracy per degradation kind.

    python benchmarks/burst_eval_report.py --seed 11 [--tuning]

Held-out scenes by default (the constants of ``technical:v3`` were tuned on the others).
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main() -> None:
    from burst_eval import HELD_OUT_SCENES, TUNING_SCENES, build_bursts, evaluate, summarise

    from app.scoring import TechnicalScorer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--tuning", action="store_true", help="the tuning scenes instead")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    scenes = TUNING_SCENES if args.tuning else HELD_OUT_SCENES
    bursts = build_bursts(scenes, seed=args.seed, workers=args.workers)
    results = evaluate(TechnicalScorer().rank_series, bursts)
    for kind, (wins, total, seen_wins, seen) in results.items():
        print(f"| {kind} | {wins}/{total} | {seen_wins}/{seen} |")
    print({k: round(v, 3) for k, v in summarise(results).items()})


if __name__ == "__main__":
    main()
