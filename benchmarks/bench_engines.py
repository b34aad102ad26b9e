"""Inference engines against torch fp32: speed, score changes and pick flips.

``speed`` (default): the release-layout ViT-B/16 with random weights (the forward pass costs
the same as with the released ones), token sets that fill the 512-token budget, every
engine and precision installed, timed in alternation in one process (rounds x engines), so
a change in the machine's load hits all of them; prints token sets/s, the ratio against
torch fp32 of the same run, the mean / max absolute score change on those token sets, and
the forward time per 1,000 frames per series mode (token sets per frame x seconds per set).

``flips``: a trained checkpoint on held-out series of an FGAesthetics-layout folder: the
share of series whose best frame changes against torch fp32 (pairwise and reference,
4 draws; the same content-seeded token sets for every engine) and the score changes.
This is the measurement behind ``fgaesq_core.engines.choice.MEASURED_FLIPS``.

    python benchmarks/bench_engines.py speed --rounds 3
    python benchmarks/bench_engines.py flips --weights RUN/checkpoints/last/model.safetensors \
        --fgaesthetics DATA/fgaesthetics
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import torch

import fgaesq_core
from fgaesq_core.engines import cpu_has_bf16, installed, select_engine
from fgaesq_core.testing import synthetic_image

#: (engine, precision) pairs measured, torch fp32 first (the baseline).
VARIANTS = (
    ("torch", "fp32"),
    ("torch", "bf16"),
    ("onnxruntime", "fp32"),
    ("onnxruntime", "int8"),
    ("openvino", "fp32"),
    ("openvino", "bf16"),
)
#: Token sets per frame: pairwise on bursts of 5 (20 sets / 5 frames), reference with the
#: default 4 draws, and a single draw per frame (single images at the app's preview size).
SETS_PER_FRAME = {"pairwise (5-frame bursts)": 4, "reference (4 draws)": 4, "single, 1 draw": 1}


def scorers(model, weights_id: str, draws: int = 4) -> dict[str, fgaesq_core.Scorer]:
    """One Scorer per installed variant, all on the same model (exports happen here)."""
    device = torch.device("cpu")
    out = {}
    for engine, precision in VARIANTS:
        if not installed(engine) or (
            precision == "bf16" and engine == "openvino" and not cpu_has_bf16()
        ):
            print(f"{engine} {precision}: skipped (not installed or no bf16 units)")
            continue
        start = time.perf_counter()
        runtime = select_engine(model, device, engine, precision)
        out[runtime.name] = fgaesq_core.Scorer(model, device, weights_id, draws, engine=runtime)
        print(f"{runtime.name}: ready in {time.perf_counter() - start:.1f} s (export, compile)")
    return out


def cmd_speed(args) -> None:
    torch.manual_seed(0)
    base = fgaesq_core.load_model(weights=None, config=args.config, device="cpu", engine="torch")
    print(f"config {args.config}, torch {torch.__version__}, threads {torch.get_num_threads()}")
    print(f"CPU bf16 units: {cpu_has_bf16()}")
    # 1200x900 takes the multiscale path and fills the budget; the draws differ.
    tokens = base.tokenizer.samples(synthetic_image(0, (1200, 900)), args.sets)
    assert all(t.num_tokens == base.config.tokenizer.max_tokens for t in tokens)
    runs = scorers(base.model, "bench")
    seconds = dict.fromkeys(runs, 0.0)
    scores = {}
    for name, scorer in runs.items():  # warm-up, and the scores compared
        scores[name] = np.array(scorer.score_tokens(tokens, args.batch))
        print(f"warm-up: {name}", file=sys.stderr, flush=True)
    for k in range(args.rounds):
        for name, scorer in runs.items():
            start = time.perf_counter()
            scorer.score_tokens(tokens, args.batch)
            seconds[name] += time.perf_counter() - start
            print(f"round {k + 1}: {name} {seconds[name]:.1f} s", file=sys.stderr, flush=True)
    baseline = next(iter(runs))
    print(f"{len(tokens)} token sets of 512 tokens, batch {args.batch}, {args.rounds} rounds")
    header = f"{'engine':<24} {'sets/s':>7} {'vs fp32':>8} {'mean |d|':>9} {'max |d|':>9}"
    header += "".join(f" {mode[:14]:>15}" for mode in SETS_PER_FRAME)
    print(header + "   (forward seconds per 1,000 frames)")
    for name, total in seconds.items():
        per_set = total / (args.rounds * len(tokens))
        diff = np.abs(scores[name] - scores[baseline])
        line = f"{name:<24} {1 / per_set:7.2f} {seconds[baseline] / total:7.2f}x"
        line += f" {diff.mean():9.4f} {diff.max():9.4f}"
        line += "".join(f" {1000 * k * per_set:15.0f}" for k in SETS_PER_FRAME.values())
        print(line)


def cmd_flips(args) -> None:
    from training.datasets import open_image
    from training.fgaesthetics import read_fgaesthetics

    base = fgaesq_core.load_model(weights=args.weights, device="cpu", engine="torch")
    series = read_fgaesthetics(args.fgaesthetics, splits=[args.split])
    cap = base.config.tokenizer.series_max_side
    runs = scorers(base.model, base.weights_id, args.draws)
    modes = args.modes.split(",")
    results = {(mode, name): [] for mode in modes for name in runs}
    for k, item in enumerate(series):
        print(f"series {k + 1}/{len(series)}", file=sys.stderr, flush=True)
        frames = [open_image(item.image_path(args.fgaesthetics, i), cap) for i in range(len(item))]
        for mode in modes:
            # Tokenised once: every engine scores the same token sets (Scorer._plan is the
            # ranking's own plan, so the draws are those rank_series makes).
            plan = base._plan(frames, mode, 0)
            groups = list(plan.groups)
            for name, scorer in runs.items():
                scores = plan.combine(scorer.score_groups(groups, args.batch))
                results[mode, name].append(np.array(scores))
    print(f"{len(series)} series ({args.split}), {args.draws} draws, against torch fp32")
    print(f"{'mode':<10} {'engine':<24} {'mean |d|':>9} {'max |d|':>9} {'best frame changed':>19}")
    baseline = next(iter(runs))
    for (mode, name), res in results.items():
        reference = results[mode, baseline]
        diff = np.concatenate([np.abs(a - b) for a, b in zip(res, reference, strict=True)])
        flips = sum(
            int(np.argmax(a)) != int(np.argmax(b)) for a, b in zip(res, reference, strict=True)
        )
        print(
            f"{mode:<10} {name:<24} {diff.mean():9.5f} {diff.max():9.5f} "
            f"{flips:>4} of {len(res)} ({100 * flips / len(res):.1f} %)"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", default="speed", choices=["speed", "flips"])
    parser.add_argument("--config", default="vit-b-16")
    parser.add_argument("--sets", type=int, default=8, help="token sets timed per round")
    parser.add_argument("--batch", type=int, default=4, help="token sets per forward pass")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--weights", help="flips: a trained checkpoint")
    parser.add_argument("--fgaesthetics", help="flips: an FGAesthetics-layout folder")
    parser.add_argument("--split", default="test")
    parser.add_argument("--draws", type=int, default=4)
    parser.add_argument("--modes", default="pairwise,reference", help="flips: series modes")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    {"speed": cmd_speed, "flips": cmd_flips}[args.command](args)


if __name__ == "__main__":
    main()
