"""An unchanged rerun of a large shoot: seconds, memory, and what it did, against the floor.

Generates a shoot of small JPEGs (bursts of 2-6 frames with EXIF times; their size does not
matter, since an unchanged rerun opens no photo), culls it once, then culls it again with
nothing changed, each cull in a fresh process (as a photographer runs the command), and
reports for the rerun:

* wall seconds of the whole command, its peak memory (RSS), and the counts it printed
  (decoded and scored must be 0);
* the floor, measured in the same run: listing and stat-ing every file of the folder in a
  fresh process (the least any rerun must do), and Python's own start-up;
* the ratio of the rerun to the floor.

    python benchmarks/bench_rerun.py --photos 10000 [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
STAT_ALL = "import os, sys\nfor d, _, fs in os.walk(sys.argv[1]):\n    [os.stat(os.path.join(d, f)) for f in fs]\n"
# Runs a module or code as __main__, then prints the peak RSS (KB) of it and its children.
MEASURED = """
import resource, runpy, sys
try:
    if sys.argv[1] == "-m":
        sys.argv = sys.argv[2:]
        runpy.run_module(sys.argv[0], run_name="__main__")
    else:
        code, sys.argv = sys.argv[1], sys.argv[1:]
        exec(compile(code, "<measured>", "exec"), {"__name__": "__main__"})
except SystemExit as stop:
    if stop.code:
        raise
finally:
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    peak = max(u.ru_maxrss for u in usage)
    cpu = sum(u.ru_utime + u.ru_stime for u in usage)
    print(f"PEAK_KB {peak} CPU_S {cpu:.3f}", file=sys.stderr)
"""


def make_shoot(folder: Path, photos: int, seed: int = 0) -> None:
    """Bursts of 2-6 tiny frames, one scene each, frames 0.3 s apart, a minute between bursts."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    start, made, burst = datetime(2024, 6, 1, 9, 0, 0), 0, 0
    while made < photos:
        frames = min(int(rng.integers(2, 7)), photos - made)
        scene = rng.integers(0, 255, (6, 8, 3), dtype=np.uint8)
        base = Image.fromarray(scene).resize((64, 48), Image.Resampling.BICUBIC)
        for k in range(frames):
            when = start + timedelta(minutes=burst, seconds=0.3 * k)
            exif = Image.Exif()
            exif[0x0132] = when.strftime("%Y:%m:%d %H:%M:%S")
            exif.get_ifd(0x8769)[0x9003] = when.strftime("%Y:%m:%d %H:%M:%S")
            base.save(folder / f"B{burst:05d}_{k}.jpg", "JPEG", quality=80, exif=exif)
            made += 1
        burst += 1


def timed(args: list[str]) -> tuple[float, float, str, float]:
    """(wall seconds, peak RSS in MB, stdout's last line, CPU seconds) of ``python ARGS`` in a
    fresh process.  CPU seconds (user + system, with worker processes) hold steady on a
    shared machine, where wall seconds do not."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", MEASURED, *args], cwd=REPO, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr}")
    measured = next(line.split() for line in done.stderr.splitlines() if line.startswith("PEAK_KB"))
    lines = done.stdout.strip().splitlines()
    return seconds, int(measured[1]) / 1024, lines[-1] if lines else "", float(measured[3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="use (and keep) this folder for the shoot")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="fgaesq-rerun-"))
    shoot, catalog = work / "shoot", work / "catalog.sqlite3"
    try:
        if not shoot.exists():
            started = time.perf_counter()
            make_shoot(shoot, args.photos)
            print(f"generated {args.photos} photos in {time.perf_counter() - started:.1f} s")
        cull = ["-m", "app.cli", str(shoot), "--db", str(catalog), "--model", "technical"]
        first = timed(cull)
        print(
            f"first cull: {first[0]:.1f} s, {args.photos / first[0]:.0f} photos/s, {first[1]:.0f} MB"
        )
        python = timed(["pass"])
        floor = timed([STAT_ALL, str(shoot)])
        rerun = timed(cull)
        print(f"python start-up: {python[0]:.2f} s wall, {python[3]:.2f} s CPU")
        print(f"floor (list and stat every file): {floor[0]:.2f} s wall, {floor[3]:.2f} s CPU")
        print(
            f"unchanged rerun: {rerun[0]:.2f} s wall, {rerun[3]:.2f} s CPU, {rerun[1]:.0f} MB peak"
            f"  [{rerun[2]}]"
        )
        print(f"rerun / floor: {rerun[0] / floor[0]:.1f}x wall, {rerun[3] / floor[3]:.1f}x CPU")
        print(
            json.dumps(
                {
                    "photos": args.photos,
                    "first_s": round(first[0], 2),
                    "rerun_s": round(rerun[0], 2),
                    "rerun_cpu_s": round(rerun[3], 2),
                    "rerun_peak_mb": round(rerun[1]),
                    "floor_s": round(floor[0], 2),
                    "python_s": round(python[0], 2),
                }
            )
        )
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
