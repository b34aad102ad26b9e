"""Per-frame cost of the technical scorer on a 12 MP frame, this checkout against another.

    python benchmarks/bench_technical.py [--baseline PATH_TO_OTHER_CHECKOUT] [--rounds 5]

Times, in a fresh process per checkout and alternating them, ``measure`` (resize to the
analysis size, detail and tone distributions) of one 4000 x 3000 frame and ``judge_burst``
of a six-frame burst measured from it (frames shifted by a few pixels, one blurred, one
grainy); prints each median and the ratio to the baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

_CHILD = r"""
import json, time
import numpy as np
from PIL import Image, ImageFilter
import skimage.data
from app.scoring.technical import measure
from app.scoring.burst import judge_burst

base = Image.fromarray(skimage.data.astronaut()).resize((4000, 3000), Image.BICUBIC)
rng = np.random.default_rng(0)
grain = np.clip(np.asarray(base, dtype=np.float32) + rng.normal(0, 12, (3000, 4000, 3)), 0, 255)
frames = [base, base.filter(ImageFilter.GaussianBlur(3)), Image.fromarray(grain.astype(np.uint8))]
frames += [base.transform(base.size, Image.AFFINE, (1, 0, dx, 0, 1, dx)) for dx in (4, 8, 12)]
measure(frames[0])
start = time.perf_counter()
measured = [measure(f) for f in frames]
per_frame = (time.perf_counter() - start) / len(frames)
start = time.perf_counter()
for _ in range(20):
    judge_burst([m.frame for m in measured])
per_burst = (time.perf_counter() - start) / 20
print(json.dumps({"measure_ms": per_frame * 1000, "judge_ms": per_burst * 1000}))
"""


def _run(tree: str) -> dict:
    env = dict(os.environ, PYTHONPATH=tree)
    out = subprocess.run(
        [sys.executable, "-c", _CHILD], cwd=tree, env=env, capture_output=True, text=True
    )
    if out.returncode:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", help="another checkout of the project")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    trees = {"this": here} | ({"baseline": args.baseline} if args.baseline else {})
    times: dict[str, list[dict]] = {name: [] for name in trees}
    for _ in range(args.rounds):
        for name, tree in trees.items():
            times[name].append(_run(tree))
    for key in ("measure_ms", "judge_ms"):
        medians = {name: statistics.median(t[key] for t in runs) for name, runs in times.items()}
        line = ", ".join(f"{name} {value:.1f}" for name, value in medians.items())
        if "baseline" in medians:
            line += f" (ratio {medians['this'] / medians['baseline']:.2f})"
        print(f"{key}: {line}")


if __name__ == "__main__":
    main()
