"""Throughput of the FGAesQ scorer: forward passes per precision, draws, series modes.

Uses the full ViT-B/16 architecture with random weights (no download), so the numbers
measure compute only.  Every comparison is measured in the same run and printed as a
ratio (fp32 against bf16/fp16 autocast, K draws against one, pairwise against
reference).  Prints plain text.

    python benchmarks/bench_model.py --device cpu
    python benchmarks/bench_model.py --device cuda
"""

from __future__ import annotations

import argparse
import time

import torch

import fgaesq_core
from fgaesq_core.testing import synthetic_image


def _sync() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def _timed(fn, repeats: int) -> float:
    fn()  # warm-up: positional cache, kernels, autotuning
    _sync()
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    _sync()
    return (time.perf_counter() - start) / repeats


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, mps")
    parser.add_argument("--config", default="vit-b-16")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--frames", type=int, default=6, help="frames in the ranked series")
    args = parser.parse_args(argv)

    torch.manual_seed(0)
    scorer = fgaesq_core.load_model(weights=None, config=args.config, device=args.device)
    print(f"device: {scorer.device}  config: {args.config}  torch {torch.__version__}")
    print(f"threads: {torch.get_num_threads()}  draws: {scorer.draws}")

    # 1200x900 takes the multiscale path and fills the whole 512-token budget.
    photo = synthetic_image(0, (1200, 900))
    tokens = scorer.tokenizer.tokenize(photo)
    assert tokens.num_tokens == scorer.config.tokenizer.max_tokens
    batch = [tokens] * 8
    forward = {}
    for precision in ("fp32", "bf16", "fp16"):
        timed = fgaesq_core.Scorer(scorer.model, scorer.device, "bench", precision=precision)
        try:
            forward[precision] = _timed(lambda t=timed: t.score_tokens(batch, 8), args.repeats)
        except (RuntimeError, ValueError) as exc:  # a precision the device lacks
            print(f"forward {precision}: unavailable ({exc})")
            continue
        print(f"forward {precision}: {8 / forward[precision]:7.2f} token sets/s (batch 8)")
    for precision in ("bf16", "fp16"):
        if precision in forward:
            print(f"fp32 / {precision} time: {forward['fp32'] / forward[precision]:.2f}x")

    one = fgaesq_core.Scorer(scorer.model, scorer.device, "bench", draws=1)
    images = [photo] * 4
    single = {
        "1 draw": _timed(lambda: one.score(images, 8), args.repeats),
        f"{scorer.draws} draws": _timed(lambda: scorer.score(images, 8), args.repeats),
    }
    for label, seconds in single.items():
        print(f"score, {label:>8}: {len(images) / seconds:7.2f} images/s")
    print(
        f"{scorer.draws} draws / 1 draw time: {single[f'{scorer.draws} draws'] / single['1 draw']:.2f}x"
    )

    base = synthetic_image(1, (768, 576))  # the app's preview size
    frames = []
    for k in range(args.frames):
        frame = base.copy()
        frame.paste((200, 40 * k % 255, 30), (100 + 60 * k, 200, 220 + 60 * k, 320))
        frames.append(frame)
    timings = {}
    for mode in fgaesq_core.SERIES_MODES:
        timings[mode] = _timed(lambda mode=mode: scorer.rank_series(frames, mode, 8), 1)
        print(f"rank_series {mode:>9} ({args.frames} frames): {timings[mode]:.2f} s")
    print(f"pairwise / reference: {timings['pairwise'] / timings['reference']:.1f}x")


if __name__ == "__main__":
    main()
