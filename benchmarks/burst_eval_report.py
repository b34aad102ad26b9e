"""The technical scorer on ``burst_eval.py``'s bursts: accuracy per degradation kind.

    python benchmarks/burst_eval_report.py --seed 11 [--tuning] [--save-measures DIR]

Held-out scenes by default (the constants of ``technical:v3`` were tuned on the others).
``--save-measures DIR`` keeps the measured bursts (``burst_eval_seedN.pkl``) for
``confidence_eval.py``.
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main() -> None:
    from burst_eval import HELD_OUT_SCENES, TUNING_SCENES, build_bursts, evaluate, summarise

    from app.scoring import TechnicalScorer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--tuning", action="store_true", help="the tuning scenes instead")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--save-measures", type=Path, help="keep the measured bursts here")
    args = parser.parse_args()
    scenes = TUNING_SCENES if args.tuning else HELD_OUT_SCENES
    bursts = build_bursts(scenes, seed=args.seed, workers=args.workers)
    scorer = TechnicalScorer()
    # measured once: judged here, and kept for confidence_eval.py
    measured = {id(b.frames): [scorer.prepare(frame) for frame in b.frames] for b in bursts}
    results = evaluate(lambda frames: scorer.rank_prepared(measured[id(frames)]), bursts)
    if args.save_measures:
        kept = [
            {"defect": b.kind, "clean": b.clean, "measures": measured[id(b.frames)]} for b in bursts
        ]
        args.save_measures.mkdir(parents=True, exist_ok=True)
        target = args.save_measures / f"burst_eval_seed{args.seed}.pkl"
        target.write_bytes(pickle.dumps(kept))
    for kind, (wins, total, seen_wins, seen) in results.items():
        print(f"| {kind} | {wins}/{total} | {seen_wins}/{seen} |")
    print({k: round(v, 3) for k, v in summarise(results).items()})


if __name__ == "__main__":
    main()
