"""The whole `fgaesq-cull --model technical` command against the JPEG decode limit.

Generates (or reuses, with ``--folder``) the burst frames of ``bench_pipeline.py``, then in
one run measures:

* the decode limit: a 1/8 JPEG draft decode of every file, in one process and in a pool of
  as many processes as the command's decoding workers (the most any cull could do: it has
  to read every photo at least that far);
* the command itself, as a user runs it (a new process: imports, pool start-up, scan, read,
  group, rank, catalog, summary) on a fresh catalog, twice, alternating with the baselines;

and prints photos/s, the command's ratio to each limit, and where a decoding worker's CPU
time goes per photo (decode at the scorer's size, metadata, grouping thumbnail and focus
map, faces, the technical scorer's measures), which bounds what the command can reach.

    python benchmarks/bench_command.py --count 200 --megapixels 12 [--folder DIR]
    python benchmarks/bench_command.py --count 200 --burst 5 --fgaesq WEIGHTS [--series-mode M]
    python benchmarks/bench_command.py --count 2000 --copies 10 --rounds 1 --folder DIR

``--fgaesq WEIGHTS`` times ``--model fgaesq`` with those weights (e.g. the release-layout
ViT-B/16 with random weights that ``--write-random`` saves: the cost does not depend on the
weights) against ``--model technical`` instead, alternated in one run, each on a fresh
catalog, and prints their ratio.  A first FGAesQ run on a few frames exports the engine's
graph once and OpenVINO compiles it (both are cached per weights, as on a user's second
run), so the timed runs do not include them.

``--copies K`` renders ``count / K`` frames and adds K - 1 byte copies of them whose capture
times are moved on by an hour per copy (patched in the EXIF bytes): every file is new to the
catalog and decodes like a distinct photo, and a 2,000-frame shoot is ready in minutes
instead of the hour that rendering every frame takes on two cores.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

import bench_pipeline  # noqa: E402

_EXIF_TIME = re.compile(rb"\d{4}:\d\d:\d\d \d\d:\d\d:\d\d")


def shifted_copy(source: Path, target: Path, hours: int) -> None:
    """``source`` copied to ``target`` with every EXIF date-time ``hours`` later (same length,
    so nothing else in the file moves)."""
    data = bytearray(source.read_bytes())
    head = bytes(data[:65536])
    for match in _EXIF_TIME.finditer(head):
        when = datetime.strptime(match.group().decode(), "%Y:%m:%d %H:%M:%S")
        later = (when + timedelta(hours=hours)).strftime("%Y:%m:%d %H:%M:%S").encode()
        data[match.start() : match.end()] = later
    target.write_bytes(bytes(data))


def draft_decode(path: Path) -> None:
    with Image.open(path) as image:
        image.draft("RGB", (image.width // 8, image.height // 8))
        image.convert("RGB")


def draft_limit(paths: list[Path], workers: int) -> float:
    """Seconds to draft-decode every file with ``workers`` processes (1: in this process)."""
    start = time.perf_counter()
    if workers == 1:
        for path in paths:
            draft_decode(path)
    else:
        with ProcessPoolExecutor(workers) as pool:
            list(pool.map(draft_decode, paths, chunksize=4))
    return time.perf_counter() - start


def worker_costs(paths: list[Path]) -> dict[str, float]:
    """CPU milliseconds per photo of each part of a decoding worker's read task."""
    from app.photos.decode import decode_image
    from app.photos.exif import read_metadata
    from app.photos.tasks import THUMB_DECODE_SIZE, find_faces, fit, make_thumbnail
    from app.scoring import TechnicalScorer
    from app.series_kinds import focus_map

    scorer = TechnicalScorer()
    side = max(THUMB_DECODE_SIZE, scorer.input_size)
    find_faces(decode_image(paths[0], side), paths[0])  # load the face models first
    spent = dict.fromkeys(("decode", "metadata", "thumbnail", "faces", "measures"), 0.0)
    for path in paths:
        clock = time.process_time()
        image = decode_image(path, side)
        spent["decode"] += time.process_time() - clock
        clock = time.process_time()
        read_metadata(path, fallback_mtime=0.0)
        spent["metadata"] += time.process_time() - clock
        clock = time.process_time()
        small = fit(image, THUMB_DECODE_SIZE)
        focus_map(small)
        make_thumbnail(small)
        spent["thumbnail"] += time.process_time() - clock
        clock = time.process_time()
        find_faces(image, path)
        spent["faces"] += time.process_time() - clock
        clock = time.process_time()
        scorer.prepare(image)
        spent["measures"] += time.process_time() - clock
    return {part: 1000 * value / len(paths) for part, value in spent.items()}


def run_command(folder: Path, catalog: Path, model: list[str] | None = None) -> float:
    """Seconds for a fresh ``fgaesq-cull --model technical`` (or ``model``) of ``folder``."""
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "app.cli",
            str(folder),
            *(model or ["--model", "technical"]),
            "--db",
            str(catalog),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=REPO,
    )
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="frames to generate")
    parser.add_argument("--megapixels", type=float, default=12.0)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2, help="alternations of command and limits")
    parser.add_argument("--folder", type=Path, help="keep the frames here (reused if present)")
    parser.add_argument("--copies", type=int, default=1, help="time-shifted copies (see above)")
    parser.add_argument("--burst", type=int, help="every burst this long (default: 3-6 frames)")
    parser.add_argument("--fgaesq", type=Path, help="time --model fgaesq with these weights")
    parser.add_argument("--series-mode", default="pairwise")
    parser.add_argument("--write-random", type=Path, help="save a random ViT-B/16 here, exit")
    args = parser.parse_args(argv)
    if args.write_random:
        import torch

        import fgaesq_core

        torch.manual_seed(0)
        fgaesq_core.save_checkpoint(fgaesq_core.create_model("vit-b-16"), args.write_random)
        return 0

    workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    workers = workers or 1
    temp = tempfile.TemporaryDirectory(prefix="fgaesq-bench-command-")
    folder = args.folder or Path(temp.name) / "shoot"
    folder.mkdir(parents=True, exist_ok=True)
    sizes = (args.burst, args.burst) if args.burst else (3, 6)
    frames = bench_pipeline.plan_bursts(args.count // args.copies, args.seed, sizes)
    missing = [f for f in frames if not (folder / f.name).exists()]
    if missing:
        bench_pipeline.generate(folder, missing, args.megapixels, workers)
    paths = [folder / f.name for f in frames]
    for copy in range(1, args.copies):
        for frame in frames:
            target = folder / f"c{copy:02d}_{frame.name}"
            if not target.exists():
                shifted_copy(folder / frame.name, target, hours=copy)
            paths.append(target)
    size = sum(p.stat().st_size for p in paths) / len(paths) / 1e6
    print(f"{len(paths)} JPEGs of {args.megapixels:g} MP ({size:.1f} MB each), {workers} cores")

    n = len(paths)
    if args.fgaesq:
        return fgaesq_against_technical(args, folder, paths, Path(temp.name))
    for round_ in range(args.rounds):
        one = draft_limit(paths, 1)
        pool = draft_limit(paths, workers)
        command = run_command(folder, Path(temp.name) / f"catalog-{round_}.sqlite3")
        print(
            f"round {round_ + 1}: draft decode 1 process {n / one:6.1f} photos/s, "
            f"{workers} processes {n / pool:6.1f} photos/s; "
            f"command {n / command:6.1f} photos/s ({command:.1f} s) = "
            f"{one / command:.2f}x the one-process limit, {pool / command:.2f}x the {workers}-process limit"
        )
    sample = paths[:: max(1, n // 40)][:40]  # spread over the shoot: faces are not everywhere
    costs = worker_costs(sample)
    draft_ms = 1000 * draft_limit(sample, 1) / len(sample)
    parts = ", ".join(f"{part} {ms:.1f}" for part, ms in costs.items())
    total = sum(costs.values())
    print(
        f"a worker's CPU per photo: {parts} = {total:.1f} ms, against {draft_ms:.1f} ms for a "
        f"1/8 draft decode: at most {draft_ms / total:.2f}x the limit with every core busy"
    )
    temp.cleanup()
    return 0


def fgaesq_against_technical(args, folder: Path, paths: list[Path], temp: Path) -> int:
    """``--model fgaesq`` against ``--model technical``, alternated, fresh catalogs."""
    fgaesq = ["--model", "fgaesq", "--weights", str(args.fgaesq), "--series-mode"]
    fgaesq.append(args.series_mode)
    warm = temp / "warm"
    warm.mkdir()
    for path in paths[:2]:
        (warm / path.name).write_bytes(path.read_bytes())
    print(
        f"engine export and compile (once per weights): {run_command(warm, temp / 'w.db', fgaesq):.1f} s"
    )
    ratios = []
    for round_ in range(args.rounds):
        technical = run_command(folder, temp / f"t{round_}.sqlite3")
        model = run_command(folder, temp / f"f{round_}.sqlite3", fgaesq)
        ratios.append(model / technical)
        print(
            f"round {round_ + 1}: technical {technical:.1f} s, fgaesq ({args.series_mode}) "
            f"{model:.1f} s ({1000 * model / len(paths):.0f} s per 1,000 frames): "
            f"{ratios[-1]:.2f}x; load average {os.getloadavg()[0]:.1f}"
        )
    print(f"fgaesq / technical: median {sorted(ratios)[len(ratios) // 2]:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
