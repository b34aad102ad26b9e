"""What each series scheme costs and how often it finds the burst's expected pick.

The yardstick is each burst's *expected pick*: the pairwise scheme averaged over many draws
(draws ``--scheme-draws`` on, which no scheme below uses, so none is favoured by sharing
them).  Every frame, every pair and every draw is scored once; the schemes then replay
those scores, so they differ only in what they spend and how they combine it:

* ``pairwise``: the default before the cascade (ceil(4 / (n - 1)) draws per pair);
* ``reference``: 4 draws per frame against the medoid;
* ``single``: one single-image score per frame;
* ``cascade ...``: ``fgaesq_core.cascade`` with the rule named (the default also with the
  technical prefilter, ``app.scoring.prefilter``);
* ``bound``: what no screen can beat within the aim's budget (a third of pairwise's token
  sets up to 5 frames, a sixth beyond): the two frames with the best expected scores given
  for free, decided head to head plus as many common opponents as the budget allows.

Printed per generator and burst size: agreement with the expected pick, mean token sets and
their share of pairwise's, the reference screen's recall of the expected pick (among its
top 1-4), the prefilter's (kept, and among the top k kept frames by single score), and,
with ``--check``, whether ``Scorer.rank_series(...,
"cascade")`` makes the same picks at the same cost as the replay.  ``--engines`` counts the
cascade's pick flips per inference engine against torch fp32 (the real ranking path).

Generators: ``photo`` (tuning: crops of the photographs a learning-test model never saw in
training, one flaw per burst, blur, noise or exposure at levels 0-4 per frame) and
``procedural`` (held out: shapes on gradients, box blur, uniform noise or a contrast fade at
continuous strengths per frame).

    python benchmarks/bench_cost.py --weights RUN/checkpoints/best/model.safetensors \
        --bursts 150,150,60,20,10 --cache /tmp/bench-cost
    python benchmarks/bench_cost.py --seeded vit-b-16 --sizes 3,5 --bursts 4 --size 384
"""

from __future__ import annotations

import argparse
import itertools
import pickle
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageEnhance, ImageFilter

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import fgaesq_core  # noqa: E402
from fgaesq_core.cascade import CascadeRule, Prefilter, run_cascade  # noqa: E402
from fgaesq_core.images import fit_to_budget  # noqa: E402
from fgaesq_core.inference import blend_with_series_mean, medoid  # noqa: E402
from fgaesq_core.sampling import content_digest  # noqa: E402

#: draws of each pair the schemes may use (the cascade's most rounds)
SCHEME_DRAWS = 4
#: the cascade rules compared: (label, rule, also with the prefilter)
RULES = (
    (
        "single screen, 3 cand. (before)",
        CascadeRule(screen="single", candidates=3, eliminate=False, max_rounds=99),
        False,
    ),
    ("single screen, 4 cand.", CascadeRule(screen="single", candidates=4, max_rounds=99), False),
    ("ref. screen, 2 cand.", CascadeRule(candidates=2, max_rounds=99), False),
    ("ref. screen, 3 cand.", CascadeRule(candidates=3, max_rounds=99), False),
    ("ref. screen, 4 cand. (default)", CascadeRule(max_rounds=99), True),
    ("ref. screen, 4 cand., all opp.", CascadeRule(confidence=0.999999, max_rounds=99), False),
)
#: the aim: at most this share of pairwise's token sets (bursts of 5 or fewer, longer)
AIM_SHARE = (1 / 3, 1 / 6)


# ---------------------------------------------------------------------------- bursts
def photo_bursts(count: int, frames: int, size: int, seed: int) -> list[list[Image.Image]]:
    """Tuning bursts: test-split photographs of the learning tests' deal (seed 0)."""
    sys.path.insert(0, str(REPO / "tests"))
    from test_training_learning import photographs

    from training.synthetic import SceneSource, degrade

    photos = photographs()
    scenes = SceneSource(photos, (0.65, 0.05), np.random.default_rng([0, 0]))
    rng = np.random.default_rng([seed, frames, size])
    out = []
    for _ in range(count):
        kind = ("blur", "noise", "exposure")[int(rng.integers(3))]
        direction = 1 if rng.random() < 0.5 else -1
        burst = scenes.burst("test", frames, size, rng)
        levels = rng.integers(0, 5, size=frames)
        out.append(
            [
                degrade(
                    f,
                    kind,
                    int(level * size / 64) if kind == "blur" else int(level),
                    rng,
                    direction,
                )
                for f, level in zip(burst, levels, strict=True)
            ]
        )
    return out


def procedural_bursts(count: int, frames: int, size: int, seed: int) -> list[list[Image.Image]]:
    """Held-out bursts: procedural scenes, flaws and strengths the tuning bursts lack."""
    from training.synthetic import random_scene

    rng = np.random.default_rng([seed + 1000, frames, size])
    out = []
    for _ in range(count):
        scene = random_scene(rng, size + size // 8)
        kind = ("box", "uniform", "fade")[int(rng.integers(3))]
        burst = []
        for _ in range(frames):
            dx, dy = (int(v) for v in rng.integers(0, size // 8 + 1, size=2))
            frame = scene.crop((dx, dy, dx + size, dy + size))
            strength = float(rng.uniform(0.0, 1.0)) if rng.random() < 0.7 else 0.0
            if kind == "box":
                frame = frame.filter(ImageFilter.BoxBlur(strength * 3.0 * size / 64))
            elif kind == "uniform":
                pixels = np.asarray(frame, dtype=np.float32)
                pixels += rng.uniform(-80 * strength, 80 * strength + 1e-6, size=pixels.shape)
                frame = Image.fromarray(pixels.clip(0, 255).astype(np.uint8))
            else:
                frame = ImageEnhance.Contrast(frame).enhance(1.0 - 0.7 * strength)
            burst.append(frame)
        out.append(burst)
    return out


GENERATORS = {"photo": photo_bursts, "procedural": procedural_bursts}


# ---------------------------------------------------------------------------- scores
@dataclass
class Table:
    """Every score a scheme may need for one burst, and its prefilter verdicts."""

    singles: np.ndarray  # (n, draws): single-image scores of draws 0, 1, ...
    pairs: dict[tuple[int, int], np.ndarray]  # (i < j) -> (draws, 2): i against j, j against i
    ruled_out: list[bool]
    costs: list[float]  # technical costs in stops (lower is better)
    reference: int
    partners: list[int]  # the medoid's partners, most similar first

    @property
    def n(self) -> int:
        return len(self.singles)

    def pair(self, i: int, j: int, draw: int) -> tuple[float, float]:
        if i < j:
            return tuple(self.pairs[i, j][draw])
        return tuple(self.pairs[j, i][draw][::-1])


def build_table(scorer: fgaesq_core.Scorer, frames, draws: int, batch: int) -> Table:
    from app.scoring.prefilter import rule_out
    from app.scoring.technical import measure

    frames = [fit_to_budget(f, scorer.config.tokenizer) for f in frames]
    samples = [scorer.tokenizer.samples(f, SCHEME_DRAWS) for f in frames]
    singles = np.array(
        scorer.score_tokens([s[k % len(s)] for s in samples for k in range(SCHEME_DRAWS)], batch)
    ).reshape(len(frames), SCHEME_DRAWS)
    pairs = list(itertools.combinations(range(len(frames)), 2))
    groups = []
    for i, j in pairs:
        for first, second in scorer.tokenizer.pair_samples(frames[i], frames[j], draws):
            groups += [[first], [second]]
    flat = np.array(scorer.score_groups(groups, batch)).reshape(len(pairs), draws, 2)
    out, costs = rule_out([measure(f) for f in frames])
    similarity = scorer.similarity_matrix(frames)
    keys = [content_digest(f) for f in frames]
    ref = medoid(similarity, keys)
    partners = sorted(
        (i for i in range(len(frames)) if i != ref),
        key=lambda i: (-float(similarity[ref, i]), keys[i]),
    )
    return Table(
        singles,
        {p: flat[k] for k, p in enumerate(pairs)},
        out,
        costs,
        ref,
        partners,
    )


# ---------------------------------------------------------------------------- schemes
def _best(scores) -> int:
    return int(np.argmax(np.asarray(scores)))  # ties: the first, as `order` keeps input order


def _expected_scores(t: Table, first: int) -> np.ndarray:
    per_frame = [[] for _ in range(t.n)]
    for (i, j), draws in t.pairs.items():
        per_frame[i] += list(draws[first:, 0])
        per_frame[j] += list(draws[first:, 1])
    return np.array([np.mean(s) for s in per_frame])


def expected_pick(t: Table, first: int) -> int:
    return _best(_expected_scores(t, first))


def pairwise(t: Table, draws: int = 4) -> tuple[int, int]:
    per_pair = -(-draws // (t.n - 1))
    per_frame = [[] for _ in range(t.n)]
    for (i, j), scores in t.pairs.items():
        per_frame[i] += list(scores[:per_pair, 0])
        per_frame[j] += list(scores[:per_pair, 1])
    return _best(blend_with_series_mean(per_frame)), 2 * len(t.pairs) * per_pair


def reference(t: Table, draws: int = 4) -> tuple[int, int]:
    shares = {p: len(range(m, draws, len(t.partners))) for m, p in enumerate(t.partners)}
    scores = []
    for i in range(t.n):
        if i != t.reference:
            scores.append(np.mean([t.pair(i, t.reference, k)[0] for k in range(draws)]))
        else:
            own = [t.pair(i, p, k)[0] for p in t.partners for k in range(shares[p])]
            scores.append(np.mean(own))
    return _best(scores), t.n * draws


def single(t: Table, draws: int = 1) -> tuple[int, int]:
    return _best(t.singles[:, :draws].mean(axis=1)), t.n * draws


def cascade(t: Table, rule: CascadeRule, prefiltered: bool) -> tuple[int, int, float]:
    prefilter = Prefilter(t.ruled_out, [-c for c in t.costs]) if prefiltered else None
    outcome = run_cascade(
        t.n,
        lambda indices: [float(t.singles[i, : rule.single_draws].mean()) for i in indices],
        lambda matches: [t.pair(i, j, 0)[0] for i, j in matches],
        prefilter,
        rule,
        (t.reference, t.partners[0]),
    )
    cost = outcome.singles * rule.single_draws + outcome.comparisons
    return _best(outcome.scores), cost, outcome.settled


def _best_two_decided(t: Table, rounds: int) -> int:
    """The bound no screen can beat: the two frames with the best expected scores are known
    for free and decided head to head plus ``rounds`` common opponents (input order)."""
    ranked = np.argsort(-_expected_scores(t, SCHEME_DRAWS), kind="stable")
    first, second = (int(i) for i in ranked[:2])  # ties: the first, as `_best`
    others = [j for j in range(t.n) if j not in (first, second)][:rounds]
    a = t.pair(first, second, 0)[0] + sum(t.pair(first, j, 0)[0] for j in others)
    b = t.pair(second, first, 0)[0] + sum(t.pair(second, j, 0)[0] for j in others)
    return first if a >= b else second


def evaluate(tables: list[Table], label: str) -> None:
    """One block of the report: every scheme on the tables of one generator and size."""
    n = tables[0].n
    truth = [expected_pick(t, SCHEME_DRAWS) for t in tables]

    def line(name: str, results: list[tuple]) -> None:
        agree = np.mean([r[0] == e for r, e in zip(results, truth, strict=True)])
        cost = np.mean([r[1] for r in results])
        extra = ""
        if len(results[0]) > 2:
            extra = f"  settled {np.mean([r[2] for r in results]):.2f}"
        print(
            f"{label:>11} {n:3d}  {name:<28} {agree:6.3f}  {cost:7.1f}  {cost / base:6.3f}{extra}"
        )

    base = np.mean([pairwise(t)[1] for t in tables])
    line("pairwise (default before)", [pairwise(t) for t in tables])
    line("reference, 4 draws", [reference(t) for t in tables])
    line("single, 1 draw", [single(t) for t in tables])
    line("single, 4 draws", [single(t, 4) for t in tables])
    for name, rule, prefiltered in RULES:
        line(f"cascade {name}", [cascade(t, rule, False) for t in tables])
        if prefiltered:
            line(f"cascade {name} + prefilter", [cascade(t, rule, True) for t in tables])
    budget = AIM_SHARE[n > 5] * base
    rounds = max(0, min(n - 2, int((budget - 2) // 2)))
    line(
        f"bound: top 2 known, {rounds} opp.",
        [(_best_two_decided(t, rounds), 2 + 2 * rounds) for t in tables],
    )
    screened = []
    for t, e in zip(tables, truth, strict=True):
        screen = [
            t.pair(i, t.reference if i != t.reference else t.partners[0], 0)[0] for i in range(t.n)
        ]
        screened.append(list(np.argsort(-np.asarray(screen), kind="stable")).index(e))
    print(
        f"{label:>11} {n:3d}  reference screen (no prefilter): the expected pick among its "
        f"top 1/2/3/4 in "
        + " / ".join(f"{np.mean([r < k for r in screened]):.3f}" for k in (1, 2, 3, 4))
    )
    kept = np.mean([not t.ruled_out[e] for t, e in zip(tables, truth, strict=True)])
    out = np.mean([np.mean(t.ruled_out) for t in tables])
    recall = []
    for k in (1, 2, 3):
        hits = []
        for t, e in zip(tables, truth, strict=True):
            survivors = [i for i in range(t.n) if not t.ruled_out[i]]
            top = sorted(survivors, key=lambda i: -t.singles[i, 0])[:k]
            hits.append(e in top)
        recall.append(np.mean(hits))
    print(
        f"{label:>11} {n:3d}  prefilter: rules out {out:.2f} of the frames; keeps the expected "
        f"pick {kept:.3f}; top-1/2/3 by single score {recall[0]:.3f} / {recall[1]:.3f} / "
        f"{recall[2]:.3f}  ({len(tables)} bursts)"
    )


# ---------------------------------------------------------------------------- checks
def check_library(scorer, bursts, tables, batch: int) -> None:
    """The library's cascade against the replay: same picks, same token sets."""
    same = 0
    for frames, t in zip(bursts, tables, strict=True):
        fitted = [fit_to_budget(f, scorer.config.tokenizer) for f in frames]
        prefilter = Prefilter(t.ruled_out, [-c for c in t.costs])
        ranking = scorer.rank_series(fitted, "cascade", batch, prefilter)
        pick, cost, _ = cascade(t, scorer.cascade_rule, True)
        same += ranking.order[0] == pick and ranking.token_sets == cost
    print(f"library cascade = replay (pick and token sets): {same} of {len(bursts)}")


def engine_flips(model, bursts, tables, batch: int) -> None:
    """The cascade's picks per engine against torch fp32, through ``rank_many``."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    from bench_engines import scorers

    prefilters = [Prefilter(t.ruled_out, [-c for c in t.costs]) for t in tables]
    fitted = [[fit_to_budget(f, model.config.tokenizer) for f in b] for b in bursts]
    picks = {}
    for name, scorer in scorers(model, "bench").items():
        rankings = list(scorer.rank_many(fitted, "cascade", batch, prefilters))
        picks[name] = [r.order[0] for r in rankings]
        base = picks[next(iter(picks))]
        flips = sum(a != b for a, b in zip(base, picks[name], strict=True))
        print(
            f"engine {name:<22} cascade picks changed against torch fp32: {flips} of "
            f"{len(bursts)} ({100 * flips / len(bursts):.1f} %)"
        )


# ---------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    model = parser.add_mutually_exclusive_group(required=True)
    model.add_argument("--weights", help="a trained checkpoint (the tiny learning-test model)")
    model.add_argument("--seeded", help="random weights of this architecture, e.g. vit-b-16")
    parser.add_argument("--sizes", default="3,5,10,20,30")
    parser.add_argument("--bursts", default="60,60,24,8,5", help="bursts per size (or one count)")
    parser.add_argument("--size", type=int, default=64, help="frame side in pixels")
    parser.add_argument("--draws", type=int, default=10, help="draws of every pair scored")
    parser.add_argument("--generators", default="photo,procedural")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--cache", type=Path, help="keep the scored tables here (reused)")
    parser.add_argument("--check", type=int, default=0, help="bursts per size to check")
    parser.add_argument("--engines", action="store_true", help="cascade pick flips per engine")
    args = parser.parse_args(argv)
    if args.draws <= SCHEME_DRAWS:
        parser.error(f"--draws must exceed the {SCHEME_DRAWS} draws the schemes may use")

    torch.manual_seed(0)
    torch.set_num_threads(1)  # tokenisation on loaded shared cores (docs/model.md)
    if args.weights:
        scorer = fgaesq_core.load_model(weights=args.weights, device="cpu", engine="torch")
        name = Path(args.weights).parent.name
    else:
        scorer = fgaesq_core.load_model(
            weights=None, config=args.seeded, device="cpu", engine="torch"
        )
        name = f"{args.seeded}-random"
    print(
        f"model {name}, engine {scorer.engine}, {scorer.draws} draws; yardstick: draws "
        f"{SCHEME_DRAWS}-{args.draws - 1} of every pair"
    )
    sizes = [int(s) for s in args.sizes.split(",")]
    counts = [int(c) for c in args.bursts.split(",")]
    counts = counts * len(sizes) if len(counts) == 1 else counts
    print(f"{'generator':>11} {'n':>3}  {'scheme':<28} {'agree':>6}  {'sets':>7}  {'share':>6}")
    for generator in args.generators.split(","):
        for n, count in zip(sizes, counts, strict=True):
            bursts = GENERATORS[generator](count, n, args.size, args.seed)
            path = (
                args.cache
                and args.cache
                / f"{name}-{generator}-{n}-{count}-{args.size}-{args.draws}-{args.seed}.pkl"
            )
            if path and path.exists():
                tables = pickle.loads(path.read_bytes())
            else:
                start = time.perf_counter()
                tables = [build_table(scorer, b, args.draws, args.batch) for b in bursts]
                print(
                    f"# scored {count} bursts of {n} in {time.perf_counter() - start:.0f} s",
                    file=sys.stderr,
                    flush=True,
                )
                if path:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(pickle.dumps(tables))
            evaluate(tables, generator)
            if args.check:
                check_library(scorer, bursts[: args.check], tables[: args.check], args.batch)
            if args.engines and generator == "photo":
                engine_flips(scorer.model, bursts, tables, args.batch)
            sys.stdout.flush()


if __name__ == "__main__":
    main()
