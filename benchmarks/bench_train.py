"""Training throughput of FGAesQ on the device at hand, and the paper schedule's cost.

Builds the model (random weights, no download; ViT-B/16 by default), pre-tokenises a
small synthetic set with the training tokenizer (random DiffToken draws, as training
draws them), then times alternating fine steps (whole series, ``lambda * CTAlign +
RankReg``) and coarse steps (EMD) through the training code's own objectives and
optimisers: bf16 autocast on CUDA, fp32 elsewhere.  Separately it times tokenisation,
which runs on the CPU in the data-loader workers.  Prints steps/s and images/s per
kind, and projects the GPU-hours of the paper's schedule (3 AVA epochs, 7 joint
epochs) under both readings of a stage-2 epoch.  Stays under two minutes by default.

    python benchmarks/bench_train.py                          # the GPU it finds
    python benchmarks/bench_train.py --device cpu --config tiny-cpu-model \\
        --fine-batch 16 --coarse-batch 16 --image-size 96 --seconds 10   # a CPU smoke
"""

from __future__ import annotations

import argparse
import itertools
import math
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from fgaesq_core import create_model, resolve_device
from fgaesq_core.device import autocast
from fgaesq_core.tokenizer import DiffToken
from fgaesq_core.tokens import collate
from training.config import TrainConfig, resolve_model_config
from training.datasets import CoarseBatch, DifferenceCache, FineBatch, FineGroup, TextPair
from training.fgaesthetics import rank_pair_order
from training.objectives import coarse_objective, fine_objective
from training.optimisers import Optimisers
from training.synthetic import FINE_KINDS, degrade, random_scene

# The paper's data (Table 6; AVA's standard split) and schedule (section 5.1).
AVA_TRAIN_IMAGES = 230_000
FG_TRAIN_IMAGES = 25_800
STAGE1_EPOCHS, STAGE2_EPOCHS = 3, 7
SERIES_LENGTH = 4


def synchronise(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def synthetic_series(count: int, size: int, rng: np.random.Generator) -> list[list]:
    """``count`` series of ``SERIES_LENGTH`` frames of one scene, best frame first."""
    out = []
    for n in range(count):
        scene = random_scene(rng, size)
        kind = FINE_KINDS[n % len(FINE_KINDS)]
        out.append([degrade(scene, kind, level, rng) for level in range(SERIES_LENGTH)])
    return out


def tokenise_fine(tokenizer, series: list[list], generator: torch.Generator) -> list[list]:
    """Every frame of every series against a partner, both ways, as training pairs them."""
    out = []
    for frames in series:
        tokens = [None] * len(frames)
        for a in range(0, len(frames) - 1, 2):
            tokens[a], tokens[a + 1] = tokenizer.tokenize_pair_both(
                frames[a], frames[a + 1], generator
            )
        out.append(tokens)
    return out


def fine_batch(series_tokens: list[list], images: int, text: str) -> FineBatch:
    """Whole series up to ``images`` frames, a CTAlign text on every pair."""
    tokens, groups = [], []
    ranking = tuple(range(SERIES_LENGTH))
    order = rank_pair_order(ranking)
    for frames in itertools.islice(itertools.cycle(series_tokens), images // SERIES_LENGTH):
        texts = [TextPair(a, a + 1, text, 1.0) for a in range(0, SERIES_LENGTH - 1, 2)]
        references = [a + 1 if a % 2 == 0 else a - 1 for a in range(SERIES_LENGTH)]
        groups.append(FineGroup(len(tokens), ranking, order, references, texts))
        tokens.extend(frames)
    return FineBatch(collate(tokens), groups)


def coarse_batch(tokens: list, images: int) -> CoarseBatch:
    chosen = list(itertools.islice(itertools.cycle(tokens), images))
    histograms = torch.full((images, 10), 0.1)
    return CoarseBatch(collate(chosen), histograms, torch.full((images,), 5.5))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N, mps")
    parser.add_argument("--config", default="vit-b-16", help="model config name or JSON")
    parser.add_argument("--fine-batch", type=int, default=64, help="images per fine step")
    parser.add_argument("--coarse-batch", type=int, default=128, help="images per coarse step")
    parser.add_argument("--image-size", type=int, default=512, help="synthetic frame side (px)")
    parser.add_argument("--seconds", type=float, default=60.0, help="time spent stepping")
    parser.add_argument("--precision", default="auto", help="auto (bf16 on CUDA), bf16, fp32")
    args = parser.parse_args(argv)

    device = resolve_device(args.device)
    precision = args.precision
    if precision == "auto":
        precision = "bf16" if device.type == "cuda" else "fp32"
    torch.manual_seed(0)
    model_config = resolve_model_config(args.config)
    model = create_model(model_config, pretrained=None).to(device).train()
    tokenizer = model.tokenizer
    print(f"device: {device}  config: {args.config}  precision: {precision}")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads")

    rng = np.random.default_rng(0)
    generator = torch.Generator().manual_seed(0)
    series = synthetic_series(8, args.image_size, rng)
    started = time.perf_counter()
    series_tokens = tokenise_fine(tokenizer, series, generator)
    fine_tokenise_s = (time.perf_counter() - started) / (len(series) * SERIES_LENGTH)
    # the same pairs again with their region differences kept (data.ssim_cache): what a
    # worker pays once a pair's SSIM is on disk, from its second sighting on
    with tempfile.TemporaryDirectory() as folder:
        cached_tokenizer = DiffToken(
            model_config.tokenizer, difference_cache=DifferenceCache(Path(folder))
        )
        tokenise_fine(cached_tokenizer, series, generator)
        started = time.perf_counter()
        tokenise_fine(cached_tokenizer, series, generator)
        cached_tokenise_s = (time.perf_counter() - started) / (len(series) * SERIES_LENGTH)
    singles = [frame for frames in series for frame in frames]
    started = time.perf_counter()
    single_tokens = [tokenizer.tokenize(frame, generator) for frame in singles]
    coarse_tokenise_s = (time.perf_counter() - started) / len(singles)
    print(
        f"tokenise on one CPU process: fine (pairs) {1 / fine_tokenise_s:7.1f} images/s, "
        f"with the pair SSIM cached {1 / cached_tokenise_s:7.1f} images/s, "
        f"coarse (single) {1 / coarse_tokenise_s:7.1f} images/s  "
        f"({args.image_size} px frames, budget {tokenizer.config.max_tokens} tokens)"
    )

    config = TrainConfig()
    config.stage1.enabled = False
    optimisers = Optimisers(model.parameters(), config, 0, 1_000_000)
    text = "sharper, with crisp edges"
    text_features = {text: torch.randn(model_config.embed_dim, device=device)}
    fine = fine_batch(series_tokens, args.fine_batch, text)
    coarse = coarse_batch(single_tokens, args.coarse_batch)
    fine.tokens, coarse.tokens = fine.tokens.to(device), coarse.tokens.to(device)

    def step(kind: str) -> None:
        batch = fine if kind == "fine" else coarse
        optimisers.zero_grad(kind)
        with autocast(device, precision):
            out = model(batch.tokens)
        if kind == "fine":
            loss, _ = fine_objective(out, batch, text_features, config)
        else:
            loss, _ = coarse_objective(out, batch)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimisers.step(kind)

    for kind in ("fine", "coarse"):  # warm-up: allocator, kernels, autotuning
        step(kind)
    synchronise(device)
    spent = {"fine": 0.0, "coarse": 0.0}
    cycles = 0
    deadline = time.perf_counter() + args.seconds
    while time.perf_counter() < deadline or cycles == 0:
        for kind in ("fine", "coarse"):
            started = time.perf_counter()
            step(kind)
            synchronise(device)
            spent[kind] += time.perf_counter() - started
        cycles += 1
    per_step = {kind: spent[kind] / cycles for kind in spent}
    for kind, images in (("fine", len(fine.tokens)), ("coarse", len(coarse.tokens))):
        print(
            f"{kind:>6} step: {1 / per_step[kind]:7.2f} steps/s  "
            f"{images / per_step[kind]:8.1f} images/s  ({images} images, {cycles} steps timed)"
        )
    if device.type == "cuda":
        peak = torch.cuda.max_memory_allocated(device) / 2**30
        print(f"peak GPU memory: {peak:.1f} GiB ({torch.cuda.get_device_name(device)})")

    # The paper's schedule at the measured speed (compute only: data loading assumed to
    # keep up, which takes the worker count printed below).
    coarse_per_epoch = math.ceil(AVA_TRAIN_IMAGES / args.coarse_batch)
    fine_per_epoch = math.ceil(FG_TRAIN_IMAGES / args.fine_batch)
    stage1 = STAGE1_EPOCHS * coarse_per_epoch * per_step["coarse"]
    cycle = per_step["fine"] + per_step["coarse"]
    print("projected schedule (3 AVA epochs, then 7 joint epochs, one fine + one coarse step):")
    for unit, cycles_per_epoch in (("fine", fine_per_epoch), ("coarse", coarse_per_epoch)):
        stage2 = STAGE2_EPOCHS * cycles_per_epoch * cycle
        print(
            f"  epoch_unit={unit:<6} stage 1 {stage1 / 3600:6.2f} h + stage 2 "
            f"{stage2 / 3600:6.2f} h = {(stage1 + stage2) / 3600:6.2f} device-hours"
        )
    # Loader throughput against step time: one worker delivers 1 / tokenise_s images a
    # second; a step consumes its batch in per_step seconds.
    print("data loading against step time (per GPU; one worker = one CPU process):")
    rows = (
        ("fine, SSIM computed", args.fine_batch, per_step["fine"], fine_tokenise_s),
        ("fine, SSIM cached", args.fine_batch, per_step["fine"], cached_tokenise_s),
        ("coarse", args.coarse_batch, per_step["coarse"], coarse_tokenise_s),
    )
    needed = {}
    for label, images, step_s, tokenise_s in rows:
        demand = images / step_s
        needed[label] = demand * tokenise_s
        print(
            f"  {label:<20} step needs {demand:8.1f} images/s, one worker gives "
            f"{1 / tokenise_s:7.1f}: {math.ceil(needed[label])} workers "
            f"({needed[label]:.1f})"
        )
    # a cycle is one fine and one coarse step; the loader feeds both streams in turn
    cycle_s = per_step["fine"] + per_step["coarse"]
    for label, fine_s in (("computed", fine_tokenise_s), ("cached", cached_tokenise_s)):
        busy = args.fine_batch * fine_s + args.coarse_batch * coarse_tokenise_s
        print(
            f"  workers per GPU for whole cycles, pair SSIM {label}: {math.ceil(busy / cycle_s)} "
            f"({busy / cycle_s:.1f})"
        )


if __name__ == "__main__":
    main()
