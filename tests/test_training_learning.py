"""The tiny config learns what each objective is for, on scenes it never saw, across seeds.

Data (``training.synthetic``): bursts cropped from scikit-image's bundled photographs,
each series ranked by one flaw: blur or noise (each with a comparative text per ranked
pair) or under- or over-exposure (no texts); AVA images graded by the hue of a tint (warm
best, cool worst), which no series is ranked by and no fine flaw resembles.  The
photographs are dealt to the splits, so test scenes never occur in training.

Each seed (data deal and training) trains the bundled ``tiny-cpu`` recipe once (6
stage-2 epochs, 8 fine regions: a pair's whole top half), with one stage-2 coarse step
after every second fine step (``RECIPE``); the seeds run in two worker processes (one
thread each).  Checks, on the mean over seeds:

* ranking: held-out Pair over all flaws (blur, noise and exposure: what it took for the
  tiny model to learn noise is in docs/training.md);
* exposure ranking: held-out Pair on the exposure series -- the flaw that only the
  ranking objective names (no text describes it, AVA does not grade it, and the two
  directions keep a brightness or contrast cue from ranking it by chance, though seed
  0's deal has one: see docs/training.md);
* coarse: SRCC on AVA's test images -- EMD's job;
* alignment: mean ``cos(E_v(x) - E_v(y), E_t(T))`` over the held-out texted pairs, with
  the text features the run trained against -- CTAlign's job.

One more data set has two checks: series ranked by a flaw only native resolution shows
in one region of sixteen (``native``: what DiffToken's fine regions are for), every pair
annotated with how surely the annotators preferred it (``p_a``), which RankReg's list of
pair probabilities is ordered by and direct ListMLE on the scores never reads:
``gap_order``, how often the larger predicted score gap of two pairs belongs to the pair
with the larger ``p_a`` (the paper's "calibration of probability estimates between
pairs").

The ``mutation`` tests break one component at a time in the worker (EMD zeroed, CTAlign
off, CTAlign sign-flipped, the rank term removed, the ranking read worst-first, RankReg
per target, DiffToken off, RankReg replaced by direct ListMLE) and check that its checks then fail.  The thresholds, and the values measured across seeds
and with each component broken, are in docs/training.md ("Learning tests").
The default run (``pytest``) runs the learning checks and leaves the ``mutation`` runs
out (``addopts`` in pyproject.toml); ``pytest -m mutation tests/test_training_learning.py``
runs them, ``pytest -m "not learning"`` skips all of this, and ``python
tests/test_training_learning.py OUT SEED... [--break COMPONENT] [--set KEY=VALUE]`` prints
the measurements.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

SEEDS = (0, 1, 2)
SPEC = {
    "series": 520,
    "ava_images": 300,
    "size": 64,
    "split": (0.65, 0.05),
    "texted_kinds": ("blur", "noise"),
}
#: The same scenes and flaws, every series two frames (most of FGAesthetics' series are
#: that short: about 2.2 images a series in Pick-a-pic, Table 6).
PAIRS_SPEC = {**SPEC, "series_length": (2, 2)}
#: The same data without comparative texts (CTAlign has nothing to align): for tuning
#: the recipe for data without texts (docs/training.md, "Learning beyond its own generator").
NO_TEXT_SPEC = {**SPEC, "texted_kinds": ()}
#: Series ranked by a flaw only native resolution shows in one region of 16 (a one-pixel
#: checker, ``training.synthetic.NATIVE_KINDS``), no texts: DiffToken's job.  Every pair
#: is annotated with ``p_a``, the annotators' preference falling by halving steps from
#: level to level (the cleanest frame stands out, the worse ones are near one another),
#: which the ranking does not say and only RankReg reads: its calibration check.
NATIVE_SPEC = {
    **SPEC,
    "series": 260,
    "ava_images": 150,
    "fine_kinds": ("pattern",),
    "texted_kinds": (),
    "preference_steps": (8.0, 4.0, 2.0, 1.0),
}
DATA = {
    "default": SPEC,
    "pairs": PAIRS_SPEC,
    "no-texts": NO_TEXT_SPEC,
    "native": NATIVE_SPEC,
}
#: Only the final checkpoint is read: none written on the way (the numbers are the same).
#: One stage-2 coarse step after every second fine step instead of after each: a sixth to
#: a fifth less CPU per run, and every check still three standard deviations of its mean
#: above its threshold and below it with its component broken (docs/training.md).
RECIPE = (
    "runtime.eval_every=1000000",
    "runtime.log_every=1000",
    "runtime.checkpoint_every=0",
    "stage2.coarse_per_fine=0.5",
)
#: scikit-image's bundled photographs (no download), dealt to the splits per seed.
PHOTOS = (
    "astronaut",
    "brick",
    "camera",
    "cell",
    "chelsea",
    "coffee",
    "coins",
    "grass",
    "gravel",
    "hubble_deep_field",
    "immunohistochemistry",
    "moon",
    "stereo_motorcycle",
    "page",
    "retina",
    "rocket",
    "text",
)
# Thresholds on the mean over SEEDS, each at least three standard deviations of that
# mean below its measured value and above the value with its component broken (far
# above, but for exposure without the rank term: 0.50 over the seeds; measurements in
# docs/training.md, "Learning tests").
PAIR_MIN = 0.70
EXPOSURE_MIN = 0.55
SRCC_MIN = 0.50
ALIGNMENT_MIN = 0.30  # seed 1 aligns at 0.41 since RankReg reads all ordered pairs
#: Pair on the held-out two-frame series (chance 0.5)
PAIRS_PAIR_MIN = 0.55
#: Pair on the held-out series ranked by a flaw in one region of 16 at native resolution
NATIVE_PAIR_MIN = 0.85
#: ``gap_order`` on the same series: pair probabilities ordered as the annotated ``p_a``
#: (0.5 for scores that know only the ranking; 0.27-0.30 for scores linear in the level)
GAP_ORDER_MIN = 0.70


def photographs():
    """scikit-image's bundled photographs as RGB PIL images."""
    import numpy as np
    import skimage.data
    from PIL import Image

    out = []
    for name in PHOTOS:
        pixels = getattr(skimage.data, name)()
        pixels = pixels[0] if isinstance(pixels, tuple) else pixels
        out.append(Image.fromarray(np.asarray(pixels)).convert("RGB"))
    return out


def _break(component: str | None) -> list[str]:
    """Break one component in this process; returns config overrides that go with it."""
    from training import losses

    if component is None:
        return []
    if component == "emd-zeroed":
        losses.emd_loss = lambda logits, target_hist, r=2.0: (logits * 0.0).sum()
    elif component == "ctalign-flipped":
        original = losses.ctalign_loss
        losses.ctalign_loss = lambda target, reference, text: original(target, reference, -text)
    elif component == "rank-term-removed":
        losses.rankreg_loss = lambda scores, ranking, order=None: scores.sum() * 0.0
    elif component == "rank-order-reversed":  # the ranking read worst-first
        original_rank = losses.rankreg_loss
        losses.rankreg_loss = lambda scores, ranking, order=None: original_rank(
            scores, list(reversed(ranking))
        )
    elif component == "rankreg-per-target":  # one list per target: empty for two frames
        losses.rankreg_loss = per_target_rankreg
    elif component == "ctalign-off":
        return ["ablation.ctalign=false"]
    elif component == "difftoken-off":  # frames tokenised alone, scored alone (EVAL_MODES)
        return ["ablation.difftoken=false"]
    elif component == "direct-listmle":  # the paper's "w/o RankReg": ListMLE on the scores
        return ["ablation.rankreg=false"]
    else:
        raise ValueError(component)
    return []


#: How a run's test series are scored: reference mode, but for the paper's "w/o
#: DiffToken", which tokenises every frame alone in training and in inference.
EVAL_MODES = {"difftoken-off": "single"}


def per_target_rankreg(scores, ranking, order=None):
    """The earlier reading of RankReg: per target, ListMLE of ``P(x > y_k)`` over the others.

    Each target's list is ordered weakest reference first; a two-image series gives
    lists of one entry, whose ListMLE is 0 with no gradient.
    """
    import torch

    from training.losses import bradley_terry, listmle

    terms = [
        listmle(bradley_terry(scores[x], scores[[y for y in reversed(ranking) if y != x]]))
        for x in ranking
    ]
    return torch.stack(terms).mean()


def gap_order(scored) -> float | None:
    """How often the larger predicted gap of two pairs is the one the annotators preferred more.

    Over the pairs ``(x, y)`` of a series with ``x`` ranked above ``y``, every two whose
    rank intervals are not nested (a nested pair's larger gap follows from the ranking
    alone) and whose annotated ``p_a`` differ: the fraction where ``s_x - s_y`` is larger
    for the pair with the larger ``p_a``, i.e. where the predicted ``P(x > y)`` is ordered
    as the annotators' (0.5 for scores that know only the ranking's order, by chance).
    None without annotated probabilities.
    """
    agree = total = 0
    for series, result in scored:
        if not series.pairs:
            continue
        position = {index: pos for pos, index in enumerate(series.ranking)}
        ordered = [
            (x, y) for x in series.ranking for y in series.ranking if position[x] < position[y]
        ]
        for n, (x1, y1) in enumerate(ordered):
            for x2, y2 in ordered[n + 1 :]:
                first, second = (position[x1], position[y1]), (position[x2], position[y2])
                nested = (first[0] <= second[0] and second[1] <= first[1]) or (
                    second[0] <= first[0] and first[1] <= second[1]
                )
                truth = series.preference(x1, y1) - series.preference(x2, y2)
                if nested or truth == 0:
                    continue
                predicted = (result.scores[x1] - result.scores[y1]) - (
                    result.scores[x2] - result.scores[y2]
                )
                total += 1
                agree += (predicted > 0) == (truth > 0) and predicted != 0
    return agree / total if total else None


def test_gap_order_reads_what_the_ranking_does_not_say():
    from training.fgaesthetics import Pair, Series
    from training.metrics import SeriesResult

    # ranking 0 > 1 > 2; annotators: 0 stands out (p 0.9 over 1), 1 and 2 are close (0.6)
    pairs = (Pair(0, 1, 0.9), Pair(1, 2, 0.6), Pair(0, 2, 0.95))
    series = Series("s", "natural", "test", ("a", "b", "c"), (0, 1, 2), pairs)
    # only (0, 1) against (1, 2) is not nested: its order is what p_a adds to the ranking
    assert gap_order([(series, SeriesResult([3.0, 1.0, 0.5], (0, 1, 2)))]) == 1.0
    assert gap_order([(series, SeriesResult([3.0, 2.5, 0.5], (0, 1, 2)))]) == 0.0
    plain = Series("s", "natural", "test", ("a", "b", "c"), (0, 1, 2))
    assert gap_order([(plain, SeriesResult([3.0, 1.0, 0.5], (0, 1, 2)))]) is None


#: set by the measuring script's --reuse: a finished run is measured, not trained again
REUSE_RUNS = "LEARNING_TESTS_REUSE_RUNS"


def _finished(out: Path) -> bool:
    """Whether a run folder holds a whole run: its last log line is the final evaluation."""
    log = out / "metrics.jsonl"
    lines = log.read_text().splitlines() if log.is_file() else []
    return bool(lines) and json.loads(lines[-1]).get("type") == "eval"


def train_and_measure(
    root: str,
    seed: int,
    component: str | None = None,
    extra: tuple[str, ...] = (),
    data_name: str = "default",
) -> dict:
    """Write the data of ``seed``, train the tiny config on it, measure the three checks.

    Runs in a worker process; ``extra`` overrides go after the recipe's.  Returns the
    checks, the CPU seconds of training and of evaluation, and the arguments.
    """
    import logging

    import torch

    torch.set_num_threads(1)
    logging.disable(logging.WARNING)
    from fgaesq_core import load_model
    from training.cli import train_main
    from training.config import resolve_model_config
    from training.evaluate import (
        evaluate_alignment,
        evaluate_coarse,
        fine_report_of,
        score_series,
    )
    from training.fgaesthetics import read_fgaesthetics
    from training.synthetic import SyntheticSpec, write_synthetic
    from training.text import encode_texts

    started = time.process_time()
    data = Path(root) / f"data-{data_name}-{seed}"
    if not (data / "fgaesthetics" / "annotations.jsonl").is_file():
        write_synthetic(data, SyntheticSpec(seed=seed, **DATA[data_name]), photographs())
    overrides = [*RECIPE, *extra, f"runtime.seed={seed}", *_break(component)]
    out = Path(root) / f"run-{data_name}-{seed}-{component or 'full'}"
    args = ["--config", "tiny-cpu", "--ava", str(data / "ava")]
    args += ["--fgaesthetics", str(data / "fgaesthetics"), "--out", str(out)]
    for item in overrides:
        args += ["--set", item]
    if not (os.environ.get(REUSE_RUNS) and _finished(out)):
        assert train_main(args) == 0
    trained = time.process_time()

    scorer = load_model(out / "checkpoints" / "last" / "model.safetensors", device="cpu", draws=1)
    fg = data / "fgaesthetics"
    test = read_fgaesthetics(fg, splits=["test"])
    scored = score_series(scorer, fg, test, mode=EVAL_MODES.get(component, "reference"))
    flaws = json.loads((fg / "flaws.json").read_text())
    fine = fine_report_of(scored)
    by_flaw = {
        flaw: fine_report_of([(s, r) for s, r in scored if flaws[s.series_id] == flaw])["pair"]
        for flaw in sorted(set(flaws.values()))
    }
    if component in EVAL_MODES:  # for the record: the same model scored as the others are
        fine["pair_reference"] = fine_report_of(score_series(scorer, fg, test, mode="reference"))[
            "pair"
        ]
    coarse = evaluate_coarse(scorer, data / "ava")
    texts = [t.text for s in test for t in s.texts]
    features = (
        encode_texts(
            texts, resolve_model_config("tiny-cpu-model"), None, torch.device("cpu"), seed=seed
        )
        if texts
        else {}
    )
    alignment = evaluate_alignment(scorer, fg, [s for s in test if s.texts], features)
    return {
        "seed": seed,
        "data": data_name,
        "component": component,
        "pair": fine["pair"],
        "series": fine["series"],
        "pair_reference": fine.get("pair_reference"),
        "pair_exposure": by_flaw.get("exposure"),
        "pair_by_flaw": by_flaw,
        "gap_order": gap_order(scored),
        "srcc": coarse["srcc"],
        "alignment": alignment["cosine"],
        "test_series": len(test),
        "cpu_train_s": trained - started,
        "cpu_eval_s": time.process_time() - trained,
    }


def run_all(
    root: Path,
    jobs: list[tuple],
    workers: int = 2,
    extra: tuple[str, ...] = (),
) -> list[dict]:
    """``train_and_measure`` for every ``(seed, component[, data name])``, ``workers`` at a time.

    A run that breaks a component gets a fresh process, so the break stays in that run
    only; runs of the full recipe share their worker processes (each run seeds
    everything it draws from, so its numbers are those of a fresh process), which saves
    importing torch and the training code once per run.
    """
    context = multiprocessing.get_context("spawn")
    fresh = 1 if any(job[1] is not None for job in jobs) else None
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, max_tasks_per_child=fresh
    ) as pool:
        futures = [
            pool.submit(train_and_measure, str(root), job[0], job[1], extra, *job[2:])
            for job in jobs
        ]
        return [f.result() for f in futures]


def _report(results: list[dict]) -> str:
    return "\n".join(
        json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in r.items()})
        for r in results
    )


@pytest.fixture(scope="module")
def learning_root(tmp_path_factory) -> Path:
    pytest.importorskip("skimage")
    return tmp_path_factory.mktemp("learning")


@pytest.fixture(scope="module")
def full_runs(learning_root) -> dict[str, list[dict]]:
    """The full recipe on every seed, on each data set that has checks, by data set."""
    jobs = [(seed, None, data) for data in CHECKS for seed in SEEDS]
    results = run_all(learning_root, jobs)
    print("\nlearning runs:\n" + _report(results))
    return {data: [r for r in results if r["data"] == data] for data in DATA}


def _mean(results: list[dict], key: str) -> float:
    return statistics.fmean(r[key] for r in results)


#: check -> (threshold on the mean over SEEDS, what learning it shows), by data set
CHECKS = {
    "default": {
        "pair": (PAIR_MIN, "ranks unseen scenes by their flaws"),
        "pair_exposure": (EXPOSURE_MIN, "ranks the flaw only the ranking objective names"),
        "srcc": (SRCC_MIN, "scores unseen AVA images in order"),
        "alignment": (ALIGNMENT_MIN, "feature differences point along their texts"),
    },
    "pairs": {"pair": (PAIRS_PAIR_MIN, "two-frame series teach their ranking")},
    "native": {
        "pair": (NATIVE_PAIR_MIN, "ranks a flaw only native resolution shows"),
        "gap_order": (GAP_ORDER_MIN, "orders pair probabilities as the annotators' p_a"),
    },
}
ALL_CHECKS = [(data, check) for data in CHECKS for check in CHECKS[data]]


@pytest.mark.learning
@pytest.mark.parametrize(("data", "check"), ALL_CHECKS)
def test_the_tiny_model_learns_each_objectives_job(full_runs, data, check):
    runs = full_runs[data]
    assert _mean(runs, check) >= CHECKS[data][check][0], _report(runs)


#: component broken -> (data set, the checks that must then fail on the mean over SEEDS).
#: Without the rank term, or with it reversed, both ranking checks fail (with the
#: earlier tiny config the seed-0 exposure series still ranked at 0.68 without it; with
#: the current one 0.48, 0.47, 0.30 on seeds 0, 1, 2).  RankReg read per target (one list
#: per image) has no term for a two-image series.  Without DiffToken a frame alone keeps 8
#: of its 16 regions fine at random, so the native flaw is seen about half the time.
#: Direct ListMLE on the scores (the paper's "w/o RankReg") reads the ranking alone,
#: never the annotated ``p_a``, so nothing tells it which of two pairs is the surer one.
BREAKS = {
    "emd-zeroed": ("default", ("srcc",)),
    "ctalign-off": ("default", ("alignment",)),
    "ctalign-flipped": ("default", ("alignment",)),
    "rank-term-removed": ("default", ("pair", "pair_exposure")),
    "rank-order-reversed": ("default", ("pair", "pair_exposure")),
    "rankreg-per-target": ("pairs", ("pair",)),
    "difftoken-off": ("native", ("pair",)),
    "direct-listmle": ("native", ("gap_order",)),
}


@pytest.fixture(scope="module")
def broken_runs(learning_root) -> dict[str, list[dict]]:
    jobs = [(seed, c, data) for c, (data, _) in BREAKS.items() for seed in SEEDS]
    results = run_all(learning_root, jobs)
    print("\nruns with one component broken:\n" + _report(results))
    return {c: [r for r in results if r["component"] == c] for c in BREAKS}


@pytest.mark.learning
@pytest.mark.mutation
@pytest.mark.parametrize("component", list(BREAKS))
def test_each_check_fails_when_its_component_is_broken(broken_runs, component):
    data, checks = BREAKS[component]
    runs = broken_runs[component]
    for check in checks:
        assert _mean(runs, check) < CHECKS[data][check][0], _report(runs)


if __name__ == "__main__":
    # measure: python tests/test_training_learning.py OUT SEED... [--break C] [--set K=V]
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("seeds", type=int, nargs="+")
    parser.add_argument("--break", dest="component")
    parser.add_argument("--data", default="default", choices=sorted(DATA))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--set", dest="extra", action="append", default=[], help="key=value")
    parser.add_argument("--reuse", action="store_true", help="measure finished runs in OUT again")
    options = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if options.reuse:
        os.environ[REUSE_RUNS] = "1"
    options.out.mkdir(parents=True, exist_ok=True)
    for result in run_all(
        options.out,
        [(s, options.component, options.data) for s in options.seeds],
        options.workers,
        tuple(options.extra),
    ):
        print(json.dumps(result), flush=True)
