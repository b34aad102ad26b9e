"""Throughput of the FGAesQ scorer: batch sizes, precision, draws, series modes.

Uses the full ViT-B/16 architecture with random weights (no download), so the numbers
measure compute only.  Every comparison is measured in the same run and printed as a
ratio (fp32 against bf16/fp16 autocast, K draws against one, pairwise against
reference).  The ``batches`` section times the forward pass per batch size on a frame at
the app's preview size, split into one transformer block's attention and MLP per token set
(what grows with the batch), with 1 and all threads, and the pair tokenisation per token set
against the forward pass (whether tokenising in the decode workers would pay).  Prints
plain text.

    python benchmarks/bench_model.py --device cpu --sections batches
    python benchmarks/bench_model.py --device cuda
"""

from __future__ import annotations

import argparse
import time

import torch

import fgaesq_core
from fgaesq_core.testing import synthetic_burst, synthetic_image


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
    parser.add_argument(
        "--sections",
        default="batches,precision,draws,modes,series",
        help="comma-separated sections",
    )
    parser.add_argument("--batches", default="1,2,4,8,16", help="batch sizes of `batches`")
    parser.add_argument("--series", type=int, default=2, help="series of `series`")
    parser.add_argument("--rounds", type=int, default=2, help="alternations of `series`")
    args = parser.parse_args(argv)

    torch.manual_seed(0)
    scorer = fgaesq_core.load_model(weights=None, config=args.config, device=args.device)
    print(f"device: {scorer.device}  config: {args.config}  torch {torch.__version__}")
    print(f"threads: {torch.get_num_threads()}  draws: {scorer.draws}")
    sections = args.sections.split(",")
    if "batches" in sections:
        batch_sizes(scorer, [int(b) for b in args.batches.split(",")], args.repeats)
    if "precision" in sections:
        precision(scorer, args.repeats)
    if "draws" in sections:
        draws(scorer, args.repeats)
    if "modes" in sections:
        modes(scorer, args.frames)
    if "series" in sections:
        across_series(scorer, args.frames, args.series, args.rounds)


def batch_sizes(scorer: fgaesq_core.Scorer, sizes: list[int], repeats: int) -> None:
    """Token sets/s per batch size, and what in a transformer block grows with the batch."""
    frames = synthetic_burst(3, (768, 512), 2)  # the app's preview size
    start = time.perf_counter()
    pair = scorer.tokenizer.pair_samples(frames[0], frames[1], 2)
    tokenise = (time.perf_counter() - start) / (2 * len(pair))
    tokens = pair[0][0]
    padded = scorer.config.tokenizer.max_tokens
    print(f"a 768x512 frame of a pair: {tokens.num_tokens} of {padded} token slots used")
    print(f"pair tokenisation: {1000 * tokenise:.0f} ms per token set")
    block = scorer.model.visual.transformer.resblocks[0]
    heads = block.attn.num_heads
    kernel = fgaesq_core.attention_kernel(
        scorer.device, torch.float32, max(sizes), heads, padded, scorer.config.width // heads
    )
    print(f"attention kernel (fp32): {kernel}")
    threads = torch.get_num_threads()
    for count in dict.fromkeys([threads, 1]):
        torch.set_num_threads(count)
        for size in sizes:
            batch = [tokens] * size
            forward = _timed(lambda b=batch, n=size: scorer.score_tokens(b, n), repeats) / size
            x = torch.randn(size, padded, scorer.config.width, device=scorer.device)
            with torch.inference_mode():
                attention = _timed(lambda x=x: block.attention(block.ln_1(x)), repeats) / size
                mlp = _timed(lambda x=x: block.mlp(block.ln_2(x)), repeats) / size
            print(
                f"threads {count} batch {size:3d}: {1 / forward:6.2f} token sets/s; "
                f"per set: block attention {1000 * attention:6.1f} ms, MLP {1000 * mlp:6.1f} ms; "
                f"tokenisation / forward {tokenise / forward:.2f}"
            )
    torch.set_num_threads(threads)
    print(
        f"the app's batch size on {scorer.device.type}: {fgaesq_core.default_batch_size(scorer.device)}"
    )


def precision(scorer: fgaesq_core.Scorer, repeats: int) -> None:
    # 1200x900 takes the multiscale path and fills the whole 512-token budget.
    photo = synthetic_image(0, (1200, 900))
    tokens = scorer.tokenizer.tokenize(photo)
    assert tokens.num_tokens == scorer.config.tokenizer.max_tokens
    batch = [tokens] * 8
    forward = {}
    for name in ("fp32", "bf16", "fp16"):
        timed = fgaesq_core.Scorer(scorer.model, scorer.device, "bench", precision=name)
        try:
            forward[name] = _timed(lambda t=timed: t.score_tokens(batch, 8), repeats)
        except (RuntimeError, ValueError) as exc:  # a precision the device lacks
            print(f"forward {name}: unavailable ({exc})")
            continue
        print(f"forward {name}: {8 / forward[name]:7.2f} token sets/s (batch 8)")
    for name in ("bf16", "fp16"):
        if name in forward:
            print(f"fp32 / {name} time: {forward['fp32'] / forward[name]:.2f}x")


def draws(scorer: fgaesq_core.Scorer, repeats: int) -> None:
    photo = synthetic_image(0, (1200, 900))

    one = fgaesq_core.Scorer(scorer.model, scorer.device, "bench", draws=1)
    images = [photo] * 4
    single = {
        "1 draw": _timed(lambda: one.score(images, 8), repeats),
        f"{scorer.draws} draws": _timed(lambda: scorer.score(images, 8), repeats),
    }
    for label, seconds in single.items():
        print(f"score, {label:>8}: {len(images) / seconds:7.2f} images/s")
    print(
        f"{scorer.draws} draws / 1 draw time: {single[f'{scorer.draws} draws'] / single['1 draw']:.2f}x"
    )


def modes(scorer: fgaesq_core.Scorer, count: int) -> None:
    base = synthetic_image(1, (768, 576))  # the app's preview size
    frames = []
    for k in range(count):
        frame = base.copy()
        frame.paste((200, 40 * k % 255, 30), (100 + 60 * k, 200, 220 + 60 * k, 320))
        frames.append(frame)
    timings = {}
    for mode in fgaesq_core.SERIES_MODES:
        timings[mode] = _timed(lambda mode=mode: scorer.rank_series(frames, mode, 8), 1)
        print(f"rank_series {mode:>9} ({count} frames): {timings[mode]:.2f} s")
    print(f"pairwise / reference: {timings['pairwise'] / timings['reference']:.1f}x")


def across_series(scorer: fgaesq_core.Scorer, frames: int, count: int, rounds: int) -> None:
    """Frames/s ranking ``count`` series one at a time in batches of 16 (the ranking stage
    before series were batched together) against ``rank_many`` at the device's batch size,
    alternated ``rounds`` times so that a change in the machine's load hits both."""
    bursts = [synthetic_burst(10 + k, (768, 512), frames) for k in range(count)]
    batch = fgaesq_core.default_batch_size(scorer.device)
    variants = {
        "one series at a time, batch 16": lambda mode: [
            scorer.rank_series(b, mode, 16) for b in bursts
        ],
        f"series together, batch {batch}": lambda mode: list(scorer.rank_many(bursts, mode, batch)),
    }
    for mode in fgaesq_core.SERIES_MODES:
        scorer.rank_series(bursts[0][:2], mode)  # warm-up
        seconds = dict.fromkeys(variants, 0.0)
        for _ in range(rounds):
            for label, rank in variants.items():
                start = time.perf_counter()
                rank(mode)
                seconds[label] += time.perf_counter() - start
        for label, total in seconds.items():
            print(f"{mode:>9}, {label}: {rounds * frames * count / total:6.2f} frames/s")
        before, after = seconds.values()
        print(f"{mode:>9}: together / one at a time: {before / after:.2f}x faster")


if __name__ == "__main__":
    main()
