"""Pipeline throughput and accuracy on generated 12-24 MP burst frames.

Generates bursts (3-6 frames of one scene, shifted as by a hand-held camera, all but one frame
defocused, shaken, over- or under-exposed or noisy) as full-size JPEGs with EXIF times in a
temporary folder, then measures, in one run:

* baselines: a full-resolution Pillow decode of every file, and a reduced JPEG draft decode
  (the same 1/8 DCT scaling the pipeline uses for grouping), both in one process;
* the pipeline's scan + read (process pool) + group, in photos per second;
* the technical scorer alone (on decoded work images) and a whole ``run_cull`` (first run and
  an unchanged rerun), in photos per second;
* grouping accuracy against the generated truth: pairwise same-series precision and recall,
  and the adjusted Rand index; best-frame accuracy: the share of bursts whose undegraded frame
  ranks first;
* the technical scorer's best-frame accuracy per degradation kind on the held-out scenes of
  ``burst_eval`` (frames at 100 %), and its speed against decoding at its input size;
* pairwise F1 of grouping on the generated streams of ``grouping_eval`` (exposure-varied
  bursts, back-to-back scene changes, brackets);
* with ``--sweep``, the adjusted Rand index over a grid of ``max_gap`` x ``min_similarity``.

    python benchmarks/bench_pipeline.py --count 200 --megapixels 12 [--sweep] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

import make_samples as samples  # noqa: E402

sys.path.insert(0, str(REPO / "benchmarks"))
import burst_eval  # noqa: E402
import grouping_eval  # noqa: E402

from app.grouping import GroupingParams, GroupItem, group_series  # noqa: E402
from app.photos import decode_image, scan_folder  # noqa: E402
from app.photos.tasks import THUMB_SIZE, read_for_grouping  # noqa: E402
from app.photos.workers import WorkerPool  # noqa: E402
from app.scoring import TechnicalScorer  # noqa: E402

WORK_WIDTH = 1200  # frames are composed at this width, then enlarged to the target size


@dataclass(frozen=True)
class FramePlan:
    name: str
    burst: int
    clean: bool
    seconds: float
    camera: tuple[str, str, str]
    source: str
    crop: tuple[float, float, float]  # zoom, x, y of the scene window
    defect: str
    seed: int


def plan_bursts(count: int, seed: int, sizes: tuple[int, int] = (3, 6)) -> list[FramePlan]:
    """Burst layout: sizes 3-6 (or ``sizes``, both included); 40 % of bursts follow the previous within 0.3-2.5 s (a new
    scene, so only similarity can split them), the rest after 5-120 s; 20 % come from a
    second camera, overlapping the previous burst in time."""
    rng = np.random.default_rng(seed)
    frames: list[FramePlan] = []
    clock = 0.0
    burst = 0
    while len(frames) < count:
        size = int(min(rng.integers(sizes[0], sizes[1] + 1), count - len(frames)))
        second_camera = burst > 0 and rng.random() < 0.2
        if second_camera:
            start = frames[-1].seconds - float(rng.uniform(0.0, 1.0))
            camera = samples.CAMERA_B
        else:
            clock += float(rng.uniform(0.3, 2.5) if rng.random() < 0.4 else rng.uniform(5.0, 120.0))
            start = clock
            camera = samples.CAMERA_A
        # A new scene: never the photograph of the burst just before (two crops of one
        # photograph taken a second apart would be one scene, not two).
        previous = frames[-1].source if frames else None
        source = str(rng.choice([name for name in samples.SOURCES if name != previous]))
        crop = (float(rng.uniform(0.55, 1.0)), float(rng.random()), float(rng.random()))
        clean_at = int(rng.integers(size))
        defects = [d.name for d in samples.DEFECTS]
        rng.shuffle(defects)
        at = start
        for k in range(size):
            defect = "clean" if k == clean_at else defects[k % len(defects)]
            frames.append(
                FramePlan(
                    f"b{burst:03d}_{k + 1:02d}.jpg",
                    burst,
                    k == clean_at,
                    at,
                    camera,
                    source,
                    crop,
                    defect,
                    int(rng.integers(1 << 30)),
                )
            )
            at += float(rng.uniform(0.1, 0.8))
        clock = max(clock, at)
        burst += 1
    return frames


def render(task: tuple[FramePlan, Path, tuple[int, int]]) -> int:
    """Write one frame: scene window, shake, defect at work size; enlarge; add grain; JPEG."""
    frame, folder, size = task
    rng = np.random.default_rng(frame.seed)
    work = (WORK_WIDTH, round(WORK_WIDTH * size[1] / size[0]))
    source = samples.load_source(frame.source)
    zoom, fx, fy = frame.crop
    width, height = source.size
    win_w = min(width, round(height * work[0] / work[1])) * zoom
    win_h = win_w * work[1] / work[0]
    left, top = fx * (width - win_w), fy * (height - win_h)
    image = source.crop((round(left), round(top), round(left + win_w), round(top + win_h))).resize(
        work, Image.Resampling.BICUBIC
    )
    image = samples.shake(image, rng)
    if frame.defect != "clean":
        defect = next(d for d in samples.DEFECTS if d.name == frame.defect)
        image = defect.apply(image, rng, WORK_WIDTH / 800.0)
    big = np.asarray(image.resize(size, Image.Resampling.BICUBIC), dtype=np.int16)
    grain = np.random.default_rng(1).normal(0, 2.0, (256, 256, 1)).round().astype(np.int16)
    tiled = np.tile(grain, (size[1] // 256 + 1, size[0] // 256 + 1, 1))[: size[1], : size[0]]
    big = np.clip(big + tiled, 0, 255).astype(np.uint8)
    when = samples.T0 + timedelta(seconds=frame.seconds)
    samples.save_jpeg(Image.fromarray(big), folder / frame.name, when, frame.camera, quality=90)
    return (folder / frame.name).stat().st_size


def generate(folder: Path, frames: list[FramePlan], megapixels: float, workers: int) -> float:
    width = round((megapixels * 1e6 * 3 / 2) ** 0.5)
    size = (width, round(width * 2 / 3))
    with ProcessPoolExecutor(workers) as pool:
        total = sum(pool.map(render, [(f, folder, size) for f in frames], chunksize=2))
    return total


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:7.1f} photos/s ({seconds:6.2f} s)"


def baseline_full(paths: list[Path]) -> float:
    start = time.perf_counter()
    for path in paths:
        with Image.open(path) as image:
            image.convert("RGB")
    return time.perf_counter() - start


def baseline_draft(paths: list[Path]) -> float:
    start = time.perf_counter()
    for path in paths:
        with Image.open(path) as image:
            image.draft("RGB", (256, 256))
            image.convert("RGB")
    return time.perf_counter() - start


def read_and_group(folder: Path, workers: int) -> tuple[float, list[GroupItem], list[list[int]]]:
    start = time.perf_counter()
    photos = scan_folder(folder).photos
    pool = WorkerPool(workers)
    tasks = [(i, p.decode_path, p.mtime_ns / 1e9) for i, p in enumerate(photos)]
    results = sorted(pool.map(read_for_grouping, tasks), key=lambda r: r.index)
    pool.close()
    items = [
        GroupItem(
            photos[r.index].rel,
            r.metadata.camera_key,
            r.metadata.wall_seconds,
            np.frombuffer(r.thumbnail, dtype=np.uint8).reshape(THUMB_SIZE, THUMB_SIZE),
        )
        for r in results
        if r.error is None
    ]
    series = group_series(items, GroupingParams())
    return time.perf_counter() - start, items, series


def pair_scores(
    truth: dict[str, int], items: list[GroupItem], series: list[list[int]]
) -> dict[str, float]:
    """Pairwise same-series precision/recall and the adjusted Rand index."""
    from sklearn.metrics import adjusted_rand_score

    scores = grouping_eval.pairwise_scores(items, series, truth)
    predicted = {items[i].key: n for n, members in enumerate(series) for i in members}
    keys = sorted(predicted)
    ari = adjusted_rand_score([truth[k] for k in keys], [predicted[k] for k in keys])
    return {"precision": scores["precision"], "recall": scores["recall"], "ari": float(ari)}


def sweep(truth: dict[str, int], items: list[GroupItem]) -> list[tuple[float, float, float]]:
    from sklearn.metrics import adjusted_rand_score

    keys = [item.key for item in items]
    rows = []
    for gap in (1.0, 2.0, 3.0, 4.0, 6.0, 10.0):
        for similarity in np.arange(0.10, 0.55, 0.05):
            series = group_series(items, GroupingParams(gap, float(similarity)))
            labels = {keys[i]: n for n, members in enumerate(series) for i in members}
            ari = adjusted_rand_score([truth[k] for k in keys], [labels[k] for k in keys])
            rows.append((gap, round(float(similarity), 2), float(ari)))
    return rows


def technical_rate(
    folder: Path, bursts: dict[int, list[FramePlan]]
) -> tuple[float, float, int, list[bool]]:
    """Seconds to decode every frame at the scorer's size and to score it on its own (both
    in one process), and per true burst whether ``rank_series`` puts the undegraded frame
    first (bursts of one are left out)."""
    scorer = TechnicalScorer()
    start = time.perf_counter()
    images = {
        f.name: decode_image(folder / f.name, scorer.input_size)
        for fs in bursts.values()
        for f in fs
    }
    decode_seconds = time.perf_counter() - start
    start = time.perf_counter()
    scorer.score(list(images.values()))
    seconds = time.perf_counter() - start
    wins = []
    for frames in bursts.values():
        if len(frames) > 1:
            scores = scorer.rank_series([images[f.name] for f in frames])
            wins.append(frames[int(np.argmax(scores))].clean)
    return decode_seconds, seconds, len(images), wins


def degradation_accuracy(seed: int, repeats: int) -> dict[str, dict[str, tuple[int, int]]]:
    """Best-frame wins per degradation kind, on the held-out and on the tuning scenes."""
    scorer = TechnicalScorer()
    return {
        label: burst_eval.evaluate(
            scorer.rank_series, burst_eval.build_bursts(scenes, seed=seed, repeats=repeats)
        )
        for label, scenes in (
            ("held-out", burst_eval.HELD_OUT_SCENES),
            ("tuning", burst_eval.TUNING_SCENES),
        )
    }


def whole_run(folder: Path, workers: int, catalog: Path) -> tuple[float, dict]:
    from app.pipeline import CullOptions, run_cull

    options = CullOptions(scorer="technical", catalog_path=catalog, workers=workers)
    start = time.perf_counter()
    result = run_cull(folder, options)
    return time.perf_counter() - start, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="frames to generate")
    parser.add_argument("--megapixels", type=float, default=12.0)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--sweep", action="store_true", help="grid of grouping thresholds")
    parser.add_argument(
        "--eval-repeats",
        type=int,
        default=2,
        help="bursts per degradation and scene for the per-kind accuracy (0 skips it)",
    )
    parser.add_argument(
        "--folder", type=Path, help="keep the generated frames here (reused if present)"
    )
    parser.add_argument("--json", type=Path, help="write the numbers as JSON")
    args = parser.parse_args(argv)

    temp = None
    folder = args.folder
    if folder is None:
        temp = tempfile.TemporaryDirectory(prefix="fgaesq-bench-")
        folder = Path(temp.name)
    folder.mkdir(parents=True, exist_ok=True)
    frames = plan_bursts(args.count, args.seed)
    missing = [f for f in frames if not (folder / f.name).exists()]
    start = time.perf_counter()
    if missing:
        generate(folder, missing, args.megapixels, args.workers)
    size = sum((folder / f.name).stat().st_size for f in frames)
    print(
        f"{len(frames)} frames, {len({f.burst for f in frames})} bursts, {args.megapixels:g} MP, "
        f"{size / len(frames) / 1e6:.1f} MB each; generated in {time.perf_counter() - start:.0f} s; "
        f"{args.workers} workers"
    )
    paths = [folder / f.name for f in frames]
    truth = {f.name: f.burst for f in frames}
    numbers: dict[str, object] = {
        "frames": len(frames),
        "megapixels": args.megapixels,
        "workers": args.workers,
    }

    full = baseline_full(paths)
    draft = baseline_draft(paths)
    pipeline_s, items, series = read_and_group(folder, args.workers)
    print(f"baseline full-resolution decode      {rate(len(paths), full)}")
    print(f"baseline JPEG draft decode (1/8)     {rate(len(paths), draft)}")
    print(f"pipeline scan + read + group         {rate(len(paths), pipeline_s)}")
    numbers |= {
        "full_decode_pps": len(paths) / full,
        "draft_decode_pps": len(paths) / draft,
        "scan_read_group_pps": len(paths) / pipeline_s,
    }

    grouping = pair_scores(truth, items, series)
    print(
        f"grouping: {len(series)} series for {len(set(truth.values()))} bursts; pairwise precision "
        f"{grouping['precision']:.3f}, recall {grouping['recall']:.3f}, adjusted Rand {grouping['ari']:.3f}"
    )
    numbers["grouping"] = grouping

    bursts: dict[int, list[FramePlan]] = {}
    for frame in frames:
        bursts.setdefault(frame.burst, []).append(frame)
    decode_s, score_s, scored, wins = technical_rate(folder, bursts)
    print(f"decode at the scorer's size (1024)   {rate(scored, decode_s)}")
    print(
        f"technical scorer (1024 px images)    {rate(scored, score_s)}  "
        f"= {decode_s / score_s:.1f}x the decode rate"
    )
    print(
        f"best frame (per true burst): undegraded frame ranked first in {sum(wins)}/{len(wins)} "
        f"= {np.mean(wins):.3f}"
    )
    numbers |= {
        "scorer_decode_pps": scored / decode_s,
        "technical_pps": scored / score_s,
        "best_frame_accuracy": float(np.mean(wins)),
    }

    if args.eval_repeats:
        accuracy = degradation_accuracy(args.seed, args.eval_repeats)
        for label, results in accuracy.items():
            summary = burst_eval.summarise(results)
            print(
                f"best frame per degradation kind, {label} scenes (frames at 100 %): "
                f"visible {summary['visible']:.3f}, seen in their scene {summary['seen']:.3f}, "
                f"subtle {summary['subtle']:.3f}"
            )
            for kind, (won, total, won_seen, seen) in results.items():
                print(
                    f"  {kind:34s} {won:3d}/{total:3d} = {won / total:.3f}   "
                    f"seen {won_seen:3d}/{seen:3d}"
                )
        numbers["degradation_accuracy"] = {
            label: {kind: list(value) for kind, value in results.items()}
            for label, results in accuracy.items()
        }

    streams = grouping_eval.evaluate(seed_offset=args.seed)
    print("grouping on generated streams (pairwise F1):")
    for name, scores in streams.items():
        print(
            f"  {name:28s} F1 {scores['f1']:.3f} (precision {scores['precision']:.3f}, "
            f"recall {scores['recall']:.3f}; {scores['series']} series, {scores['bursts']} bursts)"
        )
    numbers["grouping_streams"] = streams

    with tempfile.TemporaryDirectory(prefix="fgaesq-bench-db-") as db:
        first_s, result = whole_run(folder, args.workers, Path(db) / "catalog.sqlite3")
        rerun_s, rerun = whole_run(folder, args.workers, Path(db) / "catalog.sqlite3")
    clean = {f.name for f in frames if f.clean}
    exact = [
        s
        for s in result.series
        if len(s.members) > 1
        and {m.path for m in s.members} == {f.name for f in bursts[truth[s.members[0].path]]}
    ]
    end_to_end = float(np.mean([s.best.path in clean for s in exact])) if exact else float("nan")
    print(f"run_cull, technical, first run       {rate(result.stats.photos, first_s)}")
    print(
        f"run_cull, unchanged rerun            {rate(rerun.stats.photos, rerun_s)} "
        f"(decoded {rerun.stats.decoded}, scored {rerun.stats.scored}, cached {rerun.stats.cached})"
    )
    print(
        f"run_cull best frame on exactly recovered bursts: {end_to_end:.3f} ({len(exact)} bursts)"
    )
    numbers |= {
        "run_cull_first_pps": result.stats.photos / first_s,
        "run_cull_rerun_pps": rerun.stats.photos / rerun_s,
        "run_cull_best_frame_accuracy": end_to_end,
    }

    if args.sweep:
        rows = sweep(truth, items)
        best = max(rows, key=lambda row: row[2])
        print("sweep (max_gap, min_similarity -> adjusted Rand), best first:")
        for gap, similarity, ari in sorted(rows, key=lambda row: -row[2])[:12]:
            print(f"  {gap:5.1f} s  {similarity:4.2f}  {ari:.3f}")
        print(f"best: max_gap {best[0]} s, min_similarity {best[1]} -> {best[2]:.3f}")
        numbers["sweep"] = rows
    if args.json:
        args.json.write_text(json.dumps(numbers, indent=2) + "\n")
    if temp is not None:
        temp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
