"""A whole FGAesQ cull at the size of a real shoot: photos/s per stage, GPU use, model rates.

Generates a shoot of burst JPEGs with EXIF times (``bench_pipeline``'s bursts: 3-6 frames of
one scene, hand-held shifts, one clean frame each), culls it end to end with FGAesQ (scan,
read, group, rank, catalog) and prints, all measured in this run:

* photos/s of every stage and of the whole run, and a one-process draft-decode baseline;
* the GPU's utilisation while ranking (``torch.cuda.utilization`` or ``nvidia-smi``);
* the model's token sets/s by batch size, and the attention kernel torch picks;
* with ``--compare-batching``, the same cull scored one series at a time in batches of 16
  (the previous ranking stage) against series batched together, per series mode;
* with ``--compare-overlap``, the same cull with every forward pass read at once (no pass left
  running on the GPU while the next batch is tokenised) against the default.

The released weights are used when they are at hand; otherwise the architecture of
``--config`` with random weights (the output says so): the speed is the same, the scores mean
nothing.  The GPU is optional: the same command runs on the CPU with small settings.

    python benchmarks/bench_gpu.py                     # a GPU machine: 2,000 24 MP frames
    python benchmarks/bench_gpu.py --device cpu --photos 40 --size small --config tiny
"""

from __future__ import annotations

import argparse
import contextlib
import math
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

import bench_pipeline  # noqa: E402

from app.options import CullOptions, SeriesMode  # noqa: E402
from app.photos.workers import default_workers  # noqa: E402
from app.pipeline import run_cull  # noqa: E402
from app.pipeline.results import ProgressEvent, Stage  # noqa: E402

SIZES = {"full": 24.0, "medium": 12.0, "small": 1.0}  # megapixels
STAGES = (Stage.SCAN, Stage.READ, Stage.GROUP, Stage.RANK)
PREVIOUS_BATCH = 16  # the ranking stage's batch before series were batched together


class StageClock:
    """Progress callback: when each stage started, and the run's last event."""

    def __init__(self) -> None:
        self.started: dict[Stage, float] = {}
        self.ended = 0.0

    def __call__(self, event: ProgressEvent) -> None:
        now = time.perf_counter()
        self.started.setdefault(event.stage, now)
        self.ended = now

    def seconds(self) -> dict[Stage, float]:
        """Each stage's time: from its first event to the next stage's first event."""
        marks = sorted(self.started.items(), key=lambda item: item[1])
        out = {}
        for (stage, start), (_, following) in zip(
            marks, [*marks[1:], (None, self.ended)], strict=True
        ):
            out[stage] = following - start
        return out


class GpuSampler(threading.Thread):
    """Samples the GPU's utilisation (percent) every 0.2 s while running."""

    def __init__(self, device: str) -> None:
        super().__init__(daemon=True)
        self.device = device
        self.samples: list[tuple[float, float]] = []
        self.source = "none"
        self._halt = threading.Event()
        self.window: tuple[float, float] | None = None

    def read(self) -> float | None:
        import torch

        try:
            self.source = "torch.cuda.utilization"
            return float(torch.cuda.utilization(torch.device(self.device)))
        except Exception:
            pass
        if shutil.which("nvidia-smi"):
            index = torch.device(self.device).index or 0
            out = subprocess.run(
                [
                    "nvidia-smi",
                    f"--id={index}",
                    "--query-gpu=utilization.gpu",
                    "--format=csv,noheader,nounits",
                ],
                capture_output=True,
                text=True,
                timeout=5,
            )
            if out.returncode == 0 and out.stdout.strip():
                self.source = "nvidia-smi"
                return float(out.stdout.split()[0])
        self.source = "none"
        return None

    def run(self) -> None:
        while not self._halt.wait(0.2):
            value = self.read()
            if value is None:
                return
            self.samples.append((time.perf_counter(), value))

    def stop(self) -> None:
        self._halt.set()
        self.join(10)

    def during(self, start: float, end: float) -> list[float]:
        return [v for t, v in self.samples if start <= t <= end]


def weights_for(config: str, folder: Path) -> tuple[str, str, str]:
    """(weights, config name, what the output should say about them)."""
    import fgaesq_core

    if config == "vit-b-16" and fgaesq_core.weights_available("fgaesq"):
        return "fgaesq", config, "released FGAesQ weights"
    path = folder / f"random-{config}.safetensors"
    if not path.exists():
        import torch

        torch.manual_seed(0)
        fgaesq_core.save_checkpoint(fgaesq_core.create_model(config, pretrained=None), path)
    return (
        str(path),
        config,
        f"RANDOM weights, {config} architecture (speed only; scores mean nothing)",
    )


def make_shoot(folder: Path, photos: int, megapixels: float, workers: int) -> float:
    """Generate (or reuse) the shoot; the seconds it took."""
    frames = bench_pipeline.plan_bursts(photos, seed=11)
    missing = [f for f in frames if not (folder / f.name).exists()]
    start = time.perf_counter()
    if missing:
        bench_pipeline.generate(folder, missing, megapixels, workers)
    return time.perf_counter() - start


@contextlib.contextmanager
def one_series_at_a_time() -> Iterator[None]:
    """The previous ranking stage: each series scored on its own, in batches of 16."""
    import fgaesq_core
    from app.scoring.fgaesq import FGAesQScorer

    saved_method = FGAesQScorer.__dict__["rank_many"]
    saved_sizes = dict(fgaesq_core.device.BATCH_SIZES)
    del FGAesQScorer.rank_many
    fgaesq_core.device.BATCH_SIZES.update(dict.fromkeys(saved_sizes, PREVIOUS_BATCH))
    try:
        yield
    finally:
        FGAesQScorer.rank_many = saved_method
        fgaesq_core.device.BATCH_SIZES.update(saved_sizes)


@contextlib.contextmanager
def no_pass_in_flight() -> Iterator[None]:
    """Every forward pass read before the next batch is tokenised (no overlap on a GPU)."""
    import fgaesq_core

    saved = dict(fgaesq_core.device.PASSES_IN_FLIGHT)
    fgaesq_core.device.PASSES_IN_FLIGHT.clear()
    try:
        yield
    finally:
        fgaesq_core.device.PASSES_IN_FLIGHT.update(saved)


def cull(folder: Path, options: CullOptions, sampler: GpuSampler | None):
    clock = StageClock()
    start = time.perf_counter()
    result = run_cull(folder, options, progress=clock)
    total = time.perf_counter() - start
    stages = clock.seconds()
    busy = []
    if sampler is not None and Stage.RANK in clock.started:
        rank_start = clock.started[Stage.RANK]
        busy = sampler.during(rank_start, rank_start + stages[Stage.RANK])
    return result, total, stages, busy


def report_cull(label: str, photos: int, total: float, stages: dict, busy: list[float]) -> None:
    parts = [
        f"{stage.value} {photos / stages[stage]:7.1f}" for stage in STAGES if stages.get(stage)
    ]
    print(f"{label}: whole run {photos / total:6.2f} photos/s ({total:.1f} s); " + ", ".join(parts))
    if busy:
        print(
            f"  GPU utilisation while ranking: mean {sum(busy) / len(busy):.0f} %, "
            f"max {max(busy):.0f} % ({len(busy)} samples)"
        )


def model_rates(weights: str, config: str, device: str, batches: list[int]) -> None:
    """Token sets/s of the model's forward pass by batch size, on full 512-token sets."""
    import torch

    import fgaesq_core
    from fgaesq_core.testing import synthetic_image

    scorer = fgaesq_core.load_model(weights=weights, config=config, device=device)
    heads = scorer.model.visual.transformer.resblocks[0].attn.num_heads
    length = scorer.config.tokenizer.max_tokens
    kernel = fgaesq_core.attention_kernel(
        scorer.device, torch.float32, max(batches), heads, length, scorer.config.width // heads
    )
    print(f"attention (scaled_dot_product_attention, fp32, {length} tokens): {kernel}")
    tokens = scorer.tokenizer.tokenize(synthetic_image(0, (1200, 900)))
    sync = torch.cuda.synchronize if scorer.device.type == "cuda" else (lambda: None)
    rates = {}
    for batch in batches:
        sets = [tokens] * batch
        scorer.score_tokens(sets, batch)  # warm-up: kernels, caches, autotuning
        sync()
        repeats = max(1, math.ceil(64 / batch)) if scorer.device.type != "cpu" else 1
        start = time.perf_counter()
        for _ in range(repeats):
            scorer.score_tokens(sets, batch)
        sync()
        rates[batch] = batch * repeats / (time.perf_counter() - start)
    best = max(rates, key=rates.get)
    print(
        "model token sets/s by batch: "
        + ", ".join(f"{b}: {r:.1f}" for b, r in rates.items())
        + f"  (fastest {best}; the app uses {fgaesq_core.default_batch_size(scorer.device)})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto", help="auto, cuda, cuda:N, mps, cpu")
    parser.add_argument("--photos", type=int, default=2000)
    parser.add_argument("--size", choices=SIZES, default="full", help="24, 12 or 1 MP frames")
    parser.add_argument("--config", default="vit-b-16", help="vit-b-16 or tiny")
    parser.add_argument(
        "--modes", default="pairwise", help="series modes, comma-separated (pairwise,reference)"
    )
    parser.add_argument("--batches", default="", help="model batch sizes (default by device)")
    parser.add_argument(
        "--compare-batching",
        action="store_true",
        help="also cull one series at a time in batches of 16 (the previous ranking stage)",
    )
    parser.add_argument(
        "--compare-overlap",
        action="store_true",
        help="also cull reading every forward pass at once (no pass in flight while tokenising)",
    )
    parser.add_argument("--folder", type=Path, help="keep the generated shoot here (reused)")
    args = parser.parse_args(argv)

    import torch

    import fgaesq_core

    device = str(fgaesq_core.resolve_device(args.device))
    cuda = device.startswith("cuda")
    workers = default_workers()
    temp = tempfile.TemporaryDirectory(prefix="fgaesq-bench-gpu-")
    work = Path(temp.name)
    folder = args.folder or work / "shoot"
    folder.mkdir(parents=True, exist_ok=True)
    megapixels = SIZES[args.size]
    weights, config, said = weights_for(args.config, work)
    name = torch.cuda.get_device_name(torch.device(device)) if cuda else "CPU"
    print(f"device: {device} ({name}); torch {torch.__version__}; {workers} decode workers")
    print(f"model: {said}")
    made = make_shoot(folder, args.photos, megapixels, workers)
    paths = sorted(folder.glob("*.jpg"))[: args.photos]
    print(f"shoot: {len(paths)} JPEGs of {megapixels:g} MP ({made:.1f} s to generate)")
    sample = paths[: min(len(paths), 100)]
    draft = bench_pipeline.baseline_draft(sample)
    print(
        f"draft-decode baseline: {len(sample) / draft:.1f} photos/s in one process "
        f"(about {workers * len(sample) / draft:.0f} photos/s on {workers} workers)"
    )

    sampler = GpuSampler(device) if cuda else None
    if sampler is not None:
        sampler.start()
    try:
        for mode in [SeriesMode(m) for m in args.modes.split(",")]:
            variants = [("series batched together", contextlib.nullcontext)]
            if args.compare_batching:
                variants.append(("one series at a time", one_series_at_a_time))
            if args.compare_overlap:
                variants.append(("no pass in flight", no_pass_in_flight))
            totals = {}
            for label, context in variants:
                options = CullOptions(
                    scorer="fgaesq",
                    weights=weights,
                    device=device,
                    series_mode=mode,
                    faces=False,
                    catalog_path=work / f"{mode}-{len(totals)}.sqlite3",
                )
                with context():
                    result, total, stages, busy = cull(folder, options, sampler)
                photos = result.stats.photos
                totals[label] = (total, stages.get(Stage.RANK, float("nan")))
                report_cull(f"{mode}, {label}", photos, total, stages, busy)
            (new, new_rank), *_ = totals.values()
            for label, (old, old_rank) in list(totals.items())[1:]:
                print(
                    f"{mode}: the default against {label}: whole run "
                    f"{old / new:.2f}x, rank stage {old_rank / new_rank:.2f}x faster"
                )
        if sampler is not None and sampler.source == "none":
            print("GPU utilisation: not available (no NVML in torch, no nvidia-smi)")
        elif sampler is None:
            print("GPU utilisation: no GPU in this run")
        batches = [int(b) for b in args.batches.split(",") if b] or (
            [1, 8, 32, 64, 128] if cuda else [1, 2, 4, 8]
        )
        model_rates(weights, config, device, batches)
    finally:
        if sampler is not None:
            sampler.stop()
        temp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
