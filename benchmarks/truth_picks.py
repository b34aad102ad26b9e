"""The technical scorer's pick on the true bursts of written shoots, this checkout against
another, per defect.

``darkroom_eval.py`` and ``street_eval.py`` run the whole command, so a pick there also
depends on grouping; here each scored burst of a shoot (its truth file's ``burst``
sequences) is decoded as the pipeline decodes it for the scorer (``decode_image`` at the
scorer's input size), measured once per checkout and judged (``rank_prepared``): a change
to the scorer alone, on the same frames.  Each checkout runs in its own process.

    python benchmarks/truth_picks.py --baseline /tmp/before \\
        /tmp/dkw/darkroom_seed4_n42 /tmp/street/street_s1_b80

A shoot is a folder written by ``darkroom_bursts.py``, ``street_bursts.py`` or
``atelier_bursts.py`` with its ``FOLDER.truth.json`` beside it.  Prints, per shoot and
defect (degradation), the bursts picked right by the baseline and by this checkout, and
those right among the picks with confidence >= 0.8.  ``--save DIR`` writes each shoot's
bursts of this checkout (scores, pick right) for ``confidence_eval.py``;
``--save-measures DIR`` its measured frames (``SHOOT.pkl``), which ``confidence_eval.py``
judges with whatever checkout runs it, so the confidence mapping is fitted again after a
change to the burst judgement without decoding a frame.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _measure(path: str):
    from app.photos.decode import decode_image
    from app.scoring.technical import DEFAULT_INPUT_SIZE, measure

    return measure(decode_image(path, DEFAULT_INPUT_SIZE))


def judge(
    folder: Path, workers: int, bursts_out: list | None = None, measures_dir: Path | None = None
) -> dict:
    """Per defect [right, bursts, right and sure, sure] with the checkout on sys.path;
    each burst's scores and whether its pick is right appended to ``bursts_out``; its
    measured frames written to ``measures_dir``."""
    import pickle

    import numpy as np

    from app.scoring.confidence import score_confidence
    from app.scoring.technical import TechnicalScorer

    truth = json.loads(Path(f"{folder}.truth.json").read_text())
    bursts = [q for q in truth["sequences"] if q["kind"] == "burst" and q.get("clean")]
    paths = [str(folder / name) for q in bursts for name in q["frames"]]
    with ProcessPoolExecutor(workers) as pool:
        measured = iter(list(pool.map(_measure, paths, chunksize=4)))
    table: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    kept = []
    for q in bursts:
        measures = [next(measured) for _ in q["frames"]]
        defect = q.get("defect") or q["degradation"]
        kept.append(
            {"defect": defect, "clean": q["frames"].index(q["clean"]), "measures": measures}
        )
        scores = TechnicalScorer().rank_prepared(measures)
        right = q["frames"][int(np.argmax(scores))] == q["clean"]
        sure = score_confidence("technical", scores) >= 0.8
        if bursts_out is not None:
            bursts_out.append({"defect": defect, "scores": scores, "right": bool(right)})
        for key in (defect, "all"):
            row = table[key]
            row[0], row[1] = row[0] + right, row[1] + 1
            row[2], row[3] = row[2] + (right and sure), row[3] + sure
    if measures_dir is not None:
        measures_dir.mkdir(parents=True, exist_ok=True)
        (measures_dir / f"{folder.name}.pkl").write_bytes(pickle.dumps(kept))
    return dict(table)


def run_in(
    checkout: Path, folders: list[Path], workers: int, measures_dir: Path | None = None
) -> dict:
    """The tables of ``checkout``'s scorer, from a fresh process that imports it."""
    argv = [sys.executable, __file__, "--child", "--workers", str(workers), *map(str, folders)]
    if measures_dir is not None:
        argv += ["--save-measures", str(measures_dir.resolve())]
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    done = subprocess.run(argv, cwd=checkout, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{checkout}: {done.stderr[-1500:]}")
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shoots", nargs="+", type=Path)
    parser.add_argument("--baseline", type=Path, help="another checkout of the project")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--save",
        type=Path,
        help="write each shoot's bursts (scores, right) here, for confidence_eval.py",
    )
    parser.add_argument(
        "--save-measures",
        type=Path,
        help="write each shoot's measured bursts here (SHOOT.pkl), for confidence_eval.py",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, os.getcwd())
        bursts = {str(f): [] for f in args.shoots}
        tables = {
            str(f): judge(f, args.workers, bursts[str(f)], args.save_measures) for f in args.shoots
        }
        print(json.dumps({"tables": tables, "bursts": bursts}))
        return
    judged = run_in(REPO, args.shoots, args.workers, args.save_measures)
    this = judged["tables"]
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
        for folder, bursts in judged["bursts"].items():
            (args.save / f"{Path(folder).name}.json").write_text(json.dumps(bursts))
    before = run_in(args.baseline, args.shoots, args.workers)["tables"] if args.baseline else None
    for folder in map(str, args.shoots):
        print(f"\n{folder}\n| defect | baseline | this | sure right: baseline | this |")
        print("|---|---|---|---|---|")
        for defect, row in sorted(
            this[folder].items(), key=lambda item: (item[0] == "all", item[0])
        ):
            old = before[folder][defect] if before else None
            cells = [f"{old[0]}/{old[1]}" if old else "-", f"{row[0]}/{row[1]}"]
            cells += [f"{old[2]}/{old[3]}" if old else "-", f"{row[2]}/{row[3]}"]
            print(f"| {defect} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
