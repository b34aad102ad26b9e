"""Throughput of the FGAesQ scorer: single images at the 512-token budget, series ranking modes.

Uses the full ViT-B/16 architecture with random weights (no download), so the numbers
measure compute only.  Prints plain text.

    python benchmarks/bench_model.py --device cpu
"""

from __future__ import annotations

import argparse
import time

import torch

import fgaesq_core
from fgaesq_core.testing import synthetic_image


def _timed(fn, repeats: int) -> float:
    fn()  # warm-up: positional cache, kernels, autotuning
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
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
    print(f"threads: {torch.get_num_threads()}")

    # 1200x900 takes the multiscale path and fills the whole 512-token budget.
    photo = synthetic_image(0, (1200, 900))
    assert scorer.tokenizer.tokenize(photo).num_tokens == scorer.config.tokenizer.max_tokens
    for batch in (1, 8):
        images = [photo] * batch
        seconds = _timed(
            lambda images=images, batch=batch: scorer.score(images, batch), args.repeats
        )
        print(
            f"score  batch {batch:>2}: {batch / seconds:7.2f} images/s  ({seconds:.2f} s per batch)"
        )

    base = synthetic_image(1, (1024, 768))
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
