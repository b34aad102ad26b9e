"""Measurements behind docs/model.md: draws per input, series modes, precision, SSIM window.

    python scripts/measure_model.py draws     MODEL BURSTS
    python scripts/measure_model.py series    MODEL BURSTS
    python scripts/measure_model.py precision MODEL BURSTS
    python scripts/measure_model.py ssim      BURSTS

MODEL is ``--weights PATH`` (a checkpoint, e.g. the tiny model trained on the synthetic
set) or ``--seeded CONFIG`` (fgaesq_core.testing's seeded released-layout checkpoint of
that architecture).  BURSTS is ``--fgaesthetics DIR [--split test]`` (series with a
known order) or ``--photo-bursts N`` (N bursts of five 768x576 frames made from
scikit-image photographs by scripts/make_samples.py: one clean frame, the others with
a defect).  Every input is tokenised ``--draws`` times once; the variants below reuse
those scores, so they differ only in how they combine them.  Prints tables.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from fgaesq_core import Scorer, collate, expected_score, load_model  # noqa: E402
from fgaesq_core.images import cap_long_side  # noqa: E402
from fgaesq_core.inference import blend_with_series_mean, medoid  # noqa: E402
from fgaesq_core.sampling import content_digest  # noqa: E402
from fgaesq_core.testing import seeded_scorer  # noqa: E402


@dataclass
class Burst:
    name: str
    frames: list[Image.Image]
    best: int  # the frame that should win
    truth: list[int] | None = None  # the whole order, best first, when known


# ---------------------------------------------------------------------------- inputs
def load_bursts(args) -> list[Burst]:
    if args.fgaesthetics:
        from training.datasets import open_image
        from training.fgaesthetics import read_fgaesthetics

        root = Path(args.fgaesthetics)
        out = []
        splits = ["train", "val", "test"] if args.split == "all" else [args.split]
        for item in read_fgaesthetics(root, splits=splits):
            frames = [open_image(item.image_path(root, i), 2048) for i in range(len(item))]
            out.append(Burst(item.series_id, frames, item.ranking[0], list(item.ranking)))
        return out[: args.limit] if args.limit else out
    from make_samples import SOURCES, burst, fit, load_source

    rng = np.random.default_rng(0)
    out = []
    for n in range(args.photo_bursts):
        source = SOURCES[n % len(SOURCES)]
        base = fit(load_source(source), (768, 576))
        frames, _, clean = burst(base, 5, rng)
        out.append(Burst(f"{source}-{n}", frames, clean))
    return out


def load_scorer(args, draws: int) -> Scorer:
    if args.weights:
        return load_model(weights=args.weights, device=args.device, draws=draws)
    return seeded_scorer(0, args.seeded, draws=draws, device=args.device)


# ----------------------------------------------------------------------------- plans
@dataclass
class Plan:
    """Token sets of one burst and how per-draw frame scores are made from their scores."""

    tokens: list
    combine: Callable[[np.ndarray], np.ndarray]  # scores -> (frames, draws)


def pairwise_plan(scorer: Scorer, frames, draws: int) -> Plan:
    n = len(frames)
    tokens, index = [], []
    for i, j in itertools.combinations(range(n), 2):
        for k, (ti, tj) in enumerate(scorer.tokenizer.pair_samples(frames[i], frames[j], draws)):
            tokens += [ti, tj]
            index += [(k, i), (k, j)]

    def combine(scores):
        out = np.zeros((n, draws))
        for k in range(draws):
            per_frame = [[] for _ in range(n)]
            for s, (kk, f) in zip(scores, index, strict=True):
                if kk == k:
                    per_frame[f].append(s)
            out[:, k] = blend_with_series_mean(per_frame)
        return out

    return Plan(tokens, combine)


def reference_plan(scorer: Scorer, frames, draws: int, partners: str) -> Plan:
    """Every frame against the medoid; the medoid against its nearest frame
    (``"nearest"``), against every other frame each draw (``"all"``), or against the
    others in turn, one per draw (``"rotate"``)."""
    n = len(frames)
    similarity = scorer.similarity_matrix(frames)
    ref = medoid(similarity, [content_digest(f) for f in frames])
    others = sorted((i for i in range(n) if i != ref), key=lambda i: -float(similarity[ref, i]))
    tokens, index = [], []
    tok = scorer.tokenizer
    for i in others:
        for k, (t,) in enumerate(tok.pair_samples(frames[i], frames[ref], draws, both=False)):
            tokens.append(t)
            index.append((k, i))
    if partners == "nearest":
        chosen = {others[0]: list(range(draws))}
    elif partners == "all":
        chosen = {p: list(range(draws)) for p in others}
    else:
        chosen = {p: list(range(draws))[m :: len(others)] for m, p in enumerate(others)}
    for p, ks in chosen.items():
        if not ks:
            continue
        samples = tok.pair_samples(frames[ref], frames[p], len(ks), both=False)
        for k, (t,) in zip(ks, samples, strict=True):
            tokens.append(t)
            index.append((k, ref))

    def combine(scores):
        total, count = np.zeros((n, draws)), np.zeros((n, draws))
        for s, (k, f) in zip(scores, index, strict=True):
            total[f, k] += s
            count[f, k] += 1
        return total / count

    return Plan(tokens, combine)


def single_plan(scorer: Scorer, frames, draws: int) -> Plan:
    n = len(frames)
    tokens, index = [], []
    for i, frame in enumerate(frames):
        samples = scorer.tokenizer.samples(frame, draws)
        for k in range(draws):
            tokens.append(samples[k % len(samples)])
            index.append((k, i))

    def combine(scores):
        out = np.zeros((n, draws))
        for s, (k, f) in zip(scores, index, strict=True):
            out[f, k] = s
        return out

    return Plan(tokens, combine)


PLANS = {
    "pairwise": pairwise_plan,
    "reference-nearest": lambda s, f, d: reference_plan(s, f, d, "nearest"),
    "reference-rotate": lambda s, f, d: reference_plan(s, f, d, "rotate"),
    "reference-all": lambda s, f, d: reference_plan(s, f, d, "all"),
    "single": single_plan,
}
COST = {  # token sets per draw for n frames
    "pairwise": lambda n: n * (n - 1),
    "reference-nearest": lambda n: n,
    "reference-rotate": lambda n: n,
    "reference-all": lambda n: 2 * (n - 1),
    "single": lambda n: n,
}


@torch.inference_mode()
def forward(scorer: Scorer, tokens, dtype: torch.dtype | None, batch: int = 16) -> np.ndarray:
    """Scores of token sets, fp32 or under autocast to ``dtype`` on the scorer's device."""
    model = scorer.model.eval()
    out = []
    for start in range(0, len(tokens), batch):
        chunk = collate(tokens[start : start + batch]).to(scorer.device)
        if dtype is None:
            logits = model(chunk).logits
        else:
            with torch.autocast(scorer.device.type, dtype=dtype):
                logits = model(chunk).logits
        out.append(expected_score(logits).cpu())
    return torch.cat(out).numpy()


def per_draw_scores(scorer, bursts, names, draws, dtypes=(None,)):
    """{name: {dtype: [(frames, draws) array per burst]}} and the seconds spent."""
    result = {name: {d: [] for d in dtypes} for name in names}
    for n, b in enumerate(bursts):
        print(f"burst {n + 1}/{len(bursts)}", file=sys.stderr, flush=True)
        frames = [cap_long_side(f, scorer.config.tokenizer.series_max_side) for f in b.frames]
        for name in names:
            plan = PLANS[name](scorer, frames, draws)
            for d in dtypes:
                result[name][d].append(plan.combine(forward(scorer, plan.tokens, d)))
    return result


# --------------------------------------------------------------------------- metrics
def top1(scores: np.ndarray) -> int:
    return int(np.argmax(scores))  # first index on ties, like a stable sort


def kendall(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import kendalltau

    return float(kendalltau(a, b).statistic) if len(a) > 1 else 1.0


def truth_scores(truth: list[int]) -> np.ndarray:
    out = np.zeros(len(truth))
    for rank, i in enumerate(truth):
        out[i] = len(truth) - rank
    return out


# ---------------------------------------------------------------------------- commands
def cmd_draws(args) -> None:
    scorer = load_scorer(args, 1)
    bursts = load_bursts(args)
    names = ["pairwise", "reference-rotate", "single"]
    start = time.perf_counter()
    res = per_draw_scores(scorer, bursts, names, args.draws)
    print(f"{len(bursts)} bursts, {args.draws} draws each ({time.perf_counter() - start:.0f} s)")
    print("per-draw spread of frame scores (sd over draws, mean over frames) and how often")
    print("the K-draw best frame equals the best frame of all draws")
    print(f"{'mode':<18} {'sd(1 draw)':>10} " + " ".join(f"{'K=' + str(k):>12}" for k in args.ks))
    for name in names:
        arrays = res[name][None]
        sd = np.mean([a.std(axis=1, ddof=1).mean() for a in arrays])
        cells = []
        for k in args.ks:
            agree = np.mean([top1(a[:, :k].mean(1)) == top1(a.mean(1)) for a in arrays])
            spread = sd / np.sqrt(k)
            cells.append(f"{agree:5.2f} ({spread:.3f})")
        print(f"{name:<18} {sd:10.4f} " + " ".join(f"{c:>12}" for c in cells))
    gaps = [np.sort(a.mean(1))[-1] - np.sort(a.mean(1))[-2] for a in res["pairwise"][None]]
    print(f"median gap between the two best frames (pairwise, all draws): {np.median(gaps):.4f}")


def cmd_series(args) -> None:
    scorer = load_scorer(args, 1)
    bursts = load_bursts(args)
    names = args.modes or list(PLANS)
    res = per_draw_scores(scorer, bursts, sorted(set(names) | {"pairwise"}), args.draws)
    base = [a.mean(1) for a in res["pairwise"][None]]
    ordered = all(b.truth for b in bursts)
    print(f"{len(bursts)} bursts; pairwise over all {args.draws} draws stands for the release's")
    print("expected ranking.  Agreement with it (top-1, Kendall tau) and with the truth;")
    print("cost = token sets for a 5-frame burst.")
    header = f"{'mode':<18} {'K':>3} {'cost':>5} {'top-1=pw':>9} {'tau pw':>7} {'top-1=best':>10}"
    if ordered:
        header += f" {'tau truth':>9}"
    print(header)
    for name in names:
        for k in args.ks:
            scores = [a[:, :k].mean(1) for a in res[name][None]]
            agree = np.mean([top1(s) == top1(p) for s, p in zip(scores, base, strict=True)])
            tau = np.mean([kendall(s, p) for s, p in zip(scores, base, strict=True)])
            hits = np.mean([top1(s) == b.best for s, b in zip(scores, bursts, strict=True)])
            line = f"{name:<18} {k:3d} {COST[name](5) * k:5d} {agree:9.3f} {tau:7.3f} {hits:10.3f}"
            if ordered:
                taus = [
                    kendall(s, truth_scores(b.truth)) for s, b in zip(scores, bursts, strict=True)
                ]
                line += f" {np.mean(taus):9.3f}"
            print(line)


def cmd_precision(args) -> None:
    scorer = load_scorer(args, 1)
    bursts = load_bursts(args)
    names = ["pairwise", "reference-rotate", "single"]
    dtypes = (None, torch.bfloat16, torch.float16)
    res = per_draw_scores(scorer, bursts, names, args.k, dtypes)
    print(f"{len(bursts)} bursts, {args.k} draws; {args.device} autocast against fp32")
    print(f"{'mode':<18} {'dtype':>9} {'max |d|':>9} {'mean |d|':>9} {'best flips':>11}")
    for name in names:
        ref = [a.mean(1) for a in res[name][None]]
        for d in dtypes[1:]:
            low = [a.mean(1) for a in res[name][d]]
            diffs = np.concatenate([np.abs(x - y) for x, y in zip(low, ref, strict=True)])
            flips = np.mean([top1(x) != top1(y) for x, y in zip(low, ref, strict=True)])
            dname = str(d).replace("torch.", "")
            print(f"{name:<18} {dname:>9} {diffs.max():9.5f} {diffs.mean():9.5f} {flips:11.3f}")


def cmd_ssim(args) -> None:
    """Region choice and scores with the release's SSIM against pytorch-msssim's."""
    from pytorch_msssim import ssim

    import fgaesq_core.tokenizer as tokenizer_module
    from fgaesq_core import regions

    def gaussian(a, b, size, win=7):
        h = min(a.shape[1], b.shape[1]) // size * size
        ra, rb = regions.to_patches(a[:, :h], size), regions.to_patches(b[:, :h], size)
        m = min(len(ra), len(rb))
        sim = ssim(ra[:m], rb[:m], data_range=1.0, size_average=False, win_size=win)
        return (1 - sim).clamp(0, 1)

    bursts = load_bursts(args)
    scorer = load_scorer(args, 1) if (args.weights or args.seeded) else None
    overlaps, shifts = [], []
    for b in bursts:
        for i, j in itertools.combinations(range(len(b.frames)), 2):
            fa, fb = (
                regions.pad_or_crop(
                    torch.from_numpy(np.asarray(f, np.float32) / 255).permute(2, 0, 1), 32
                )
                for f in (b.frames[i], b.frames[j])
            )
            ours = regions.region_difference(fa, fb, 32)
            theirs = gaussian(fa, fb, 32)
            half = max(1, len(ours) // 2)
            top = set(regions.descending_order(ours)[:half].tolist())
            top_g = set(regions.descending_order(theirs)[:half].tolist())
            overlaps.append(len(top & top_g) / half)
            if scorer is not None and len(shifts) < args.pairs:
                a_tokens = scorer.tokenizer.pair_samples(b.frames[i], b.frames[j], args.k)
                with_ours = forward(scorer, [t for pair in a_tokens for t in pair], None).mean()
                original = tokenizer_module.region_difference
                tokenizer_module.region_difference = gaussian
                try:
                    g_tokens = scorer.tokenizer.pair_samples(b.frames[i], b.frames[j], args.k)
                finally:
                    tokenizer_module.region_difference = original
                with_g = forward(scorer, [t for pair in g_tokens for t in pair], None).mean()
                shifts.append(with_g - with_ours)
    print(
        f"{len(overlaps)} pairs: top-half sets agree on {np.mean(overlaps):.3f} of the regions "
        f"(min {np.min(overlaps):.3f})"
    )
    if shifts:
        print(
            f"score shift (Gaussian - release SSIM), {args.k}-draw means of both directions, "
            f"{len(shifts)} pairs: mean {np.mean(shifts):+.4f}, mean |shift| "
            f"{np.mean(np.abs(shifts)):.4f}, max |shift| {np.max(np.abs(shifts)):.4f}"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["draws", "series", "precision", "ssim"])
    model = parser.add_mutually_exclusive_group()
    model.add_argument("--weights", help="a checkpoint")
    model.add_argument("--seeded", help="architecture of a seeded released-layout checkpoint")
    data = parser.add_mutually_exclusive_group(required=True)
    data.add_argument("--fgaesthetics", help="an FGAesthetics-layout folder")
    data.add_argument("--photo-bursts", type=int, help="this many photo bursts")
    parser.add_argument("--split", default="test", help="train, val, test or all")
    parser.add_argument("--limit", type=int, default=0, help="at most this many series")
    parser.add_argument("--draws", type=int, default=16, help="draws per input tokenised")
    parser.add_argument("--ks", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--k", type=int, default=4, help="draws used per mode")
    parser.add_argument("--pairs", type=int, default=12, help="pairs scored for ssim")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--modes", nargs="+", choices=list(PLANS), help="series: these modes")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.command != "ssim" and not (args.weights or args.seeded):
        parser.error("draws, series and precision need --weights or --seeded")
    {"draws": cmd_draws, "series": cmd_series, "precision": cmd_precision, "ssim": cmd_ssim}[
        args.command
    ](args)


if __name__ == "__main__":
    main()
