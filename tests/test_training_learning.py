"""The tiny config learns what each objective is for, on scenes it never saw, across seeds.

Data (``training.synthetic``): bursts cropped from scikit-image's bundled photographs,
each series ranked by one flaw: blur or noise (each with a comparative text per ranked
pair) or under- or over-exposure (no texts); AVA images graded by the hue of a tint (warm
best, cool worst), which no series is ranked by and no fine flaw resembles.  The
photographs are dealt to the splits, so test scenes never occur in training.

Each seed (data deal and training) trains the bundled ``tiny-cpu`` recipe once (6
stage-2 epochs, 12 fine regions per pair); the seeds run in two worker processes (one
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

The ``mutation`` tests break one component at a time in the worker (EMD zeroed, CTAlign
off, CTAlign sign-flipped, the rank term removed, the ranking read worst-first) and
check that its checks then fail.  The thresholds, and the values measured across seeds
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
RECIPE = ("runtime.eval_every=1000000", "runtime.log_every=1000")
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
ALIGNMENT_MIN = 0.50


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
        losses.rankreg_loss = lambda scores, ranking, orders=None: scores.sum() * 0.0
    elif component == "rank-order-reversed":  # the ranking read worst-first
        original_rank = losses.rankreg_loss
        losses.rankreg_loss = lambda scores, ranking, orders=None: original_rank(
            scores, list(reversed(ranking))
        )
    elif component == "ctalign-off":
        return ["ablation.ctalign=false"]
    elif component == "direct-listmle":  # the paper's "w/o RankReg", reported, not a break
        return ["ablation.rankreg=false"]
    else:
        raise ValueError(component)
    return []


def train_and_measure(
    root: str, seed: int, component: str | None = None, extra: tuple[str, ...] = ()
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
    data = Path(root) / f"data-{seed}"
    if not (data / "fgaesthetics" / "annotations.jsonl").is_file():
        write_synthetic(data, SyntheticSpec(seed=seed, **SPEC), photographs())
    overrides = [*RECIPE, *extra, f"runtime.seed={seed}", *_break(component)]
    out = Path(root) / f"run-{seed}-{component or 'full'}"
    args = ["--config", "tiny-cpu", "--ava", str(data / "ava")]
    args += ["--fgaesthetics", str(data / "fgaesthetics"), "--out", str(out)]
    for item in overrides:
        args += ["--set", item]
    assert train_main(args) == 0
    trained = time.process_time()

    scorer = load_model(out / "checkpoints" / "last" / "model.safetensors", device="cpu", draws=1)
    fg = data / "fgaesthetics"
    test = read_fgaesthetics(fg, splits=["test"])
    scored = score_series(scorer, fg, test, mode="reference")
    flaws = json.loads((fg / "flaws.json").read_text())
    fine = fine_report_of(scored)
    by_flaw = {
        flaw: fine_report_of([(s, r) for s, r in scored if flaws[s.series_id] == flaw])["pair"]
        for flaw in sorted(set(flaws.values()))
    }
    coarse = evaluate_coarse(scorer, data / "ava")
    texts = [t.text for s in test for t in s.texts]
    features = encode_texts(
        texts, resolve_model_config("tiny-cpu-model"), None, torch.device("cpu"), seed=seed
    )
    alignment = evaluate_alignment(scorer, fg, [s for s in test if s.texts], features)
    return {
        "seed": seed,
        "component": component,
        "pair": fine["pair"],
        "series": fine["series"],
        "pair_exposure": by_flaw["exposure"],
        "pair_by_flaw": by_flaw,
        "srcc": coarse["srcc"],
        "alignment": alignment["cosine"],
        "test_series": len(test),
        "cpu_train_s": trained - started,
        "cpu_eval_s": time.process_time() - trained,
    }


def run_all(
    root: Path,
    jobs: list[tuple[int, str | None]],
    workers: int = 2,
    extra: tuple[str, ...] = (),
) -> list[dict]:
    """``train_and_measure`` for every ``(seed, component)``, ``workers`` at a time.

    Each run gets a fresh process, so a component broken for one run stays broken in
    that run only.
    """
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, max_tasks_per_child=1
    ) as pool:
        futures = [pool.submit(train_and_measure, str(root), s, c, extra) for s, c in jobs]
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
def full_runs(learning_root) -> list[dict]:
    results = run_all(learning_root, [(seed, None) for seed in SEEDS])
    print("\nlearning runs:\n" + _report(results))
    return results


def _mean(results: list[dict], key: str) -> float:
    return statistics.fmean(r[key] for r in results)


#: check -> (threshold on the mean over SEEDS, what learning it shows)
CHECKS = {
    "pair": (PAIR_MIN, "ranks unseen scenes by their flaws"),
    "pair_exposure": (EXPOSURE_MIN, "ranks the flaw only the ranking objective names"),
    "srcc": (SRCC_MIN, "scores unseen AVA images in order"),
    "alignment": (ALIGNMENT_MIN, "feature differences point along their texts"),
}


@pytest.mark.learning
@pytest.mark.parametrize("check", list(CHECKS))
def test_the_tiny_model_learns_each_objectives_job(full_runs, check):
    assert _mean(full_runs, check) >= CHECKS[check][0], _report(full_runs)


#: component broken -> the checks that must then fail.  Without the rank term the seed-0
#: exposure series still rank at 0.68 (a cue of that deal; chance on seeds 1 and 2), so
#: its removal is caught by the all-flaw check; reversing it fails both ranking checks.
BREAKS = {
    "emd-zeroed": ("srcc",),
    "ctalign-off": ("alignment",),
    "ctalign-flipped": ("alignment",),
    "rank-term-removed": ("pair",),
    "rank-order-reversed": ("pair", "pair_exposure"),
}


@pytest.fixture(scope="module")
def broken_runs(learning_root) -> dict[str, dict]:
    results = run_all(learning_root, [(SEEDS[0], component) for component in BREAKS])
    print("\nruns with one component broken:\n" + _report(results))
    return {r["component"]: r for r in results}


@pytest.mark.learning
@pytest.mark.mutation
@pytest.mark.parametrize("component", list(BREAKS))
def test_each_check_fails_when_its_component_is_broken(broken_runs, component):
    for check in BREAKS[component]:
        assert broken_runs[component][check] < CHECKS[check][0], _report([broken_runs[component]])


if __name__ == "__main__":
    # measure: python tests/test_training_learning.py OUT SEED... [--break C] [--set K=V]
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("seeds", type=int, nargs="+")
    parser.add_argument("--break", dest="component")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--set", dest="extra", action="append", default=[], help="key=value")
    options = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    options.out.mkdir(parents=True, exist_ok=True)
    for result in run_all(
        options.out,
        [(s, options.component) for s in options.seeds],
        options.workers,
        tuple(options.extra),
    ):
        print(json.dumps(result), flush=True)
