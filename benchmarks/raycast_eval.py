"""The whole command, blind, on a shoot from ``raycast_bursts.py`` (ray-cast tabletop scenes).

Runs ``python -m app.cli SHOOT --model technical --json OUT --db CATALOG --quiet`` as a
person would (the catalog in a temporary folder), proves by hashing every file that the
shoot was left as it was, and scores the command's JSON against the truth file with the
same measures and report as ``atelier_eval.py``, so the two are comparable: best frame
overall, per degradation and per scene type; grouping pairwise F1; hand-held bursts kept
whole or flagged possible; brackets, focus stacks and the stripped bracket kept whole or
flagged; the share right at confidence >= 0.8, a reliability table and the misses.  It
also prints the scorer's version from the command's JSON.

    python benchmarks/raycast_eval.py --seed 1 --bursts 40 --work /tmp/gen4 --save out.json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import raycast_bursts  # noqa: E402
from atelier_eval import culled_unchanged, print_report, score  # noqa: E402


def relative_paths(output: dict, folder: Path) -> dict:
    """The command's paths as the truth names them: relative to the shoot's folder."""

    def name(path: str) -> str:
        p = Path(path)
        return p.relative_to(folder).as_posix() if p.is_absolute() else p.as_posix()

    for series in output["series"]:
        series["best"] = name(series["best"]) if series.get("best") else series.get("best")
        for member in series["members"]:
            member["path"] = name(member["path"])
    return output


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bursts", type=int, default=40)
    parser.add_argument("--long-side", type=int, default=1400, help="frame width in pixels")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--save", type=Path, help="write the figures here as JSON")
    parser.add_argument("--keep-output", type=Path, help="keep the command's JSON here")
    args = parser.parse_args(argv)
    folder = (args.work / f"raycast_seed{args.seed}_n{args.bursts}").resolve()
    truth_file = Path(f"{folder}.truth.json")
    began = time.perf_counter()
    truth = (
        json.loads(truth_file.read_text())
        if truth_file.exists()
        else raycast_bursts.write_shoot(folder, args.seed, args.bursts, args.long_side)
    )
    generated = time.perf_counter() - began
    frames = sum(len(q["frames"]) for q in truth["sequences"])
    print(f"{folder}: {len(truth['sequences'])} sequences, {frames} frames")
    culled_run = culled_unchanged(folder, args.keep_output)
    if culled_run is None:
        return 1
    output, culled = culled_run
    print(f"scorer: {output.get('model')}")
    figures = score(truth, relative_paths(output, folder))
    print_report(figures)
    print(f"seconds: generate {generated:.0f}, command {culled:.0f}")
    if args.save:
        figures.update(
            seed=args.seed,
            bursts=args.bursts,
            model=output.get("model"),
            seconds={"generate": generated, "command": culled},
        )
        args.save.write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
