"""Why the tiny recipe does not learn the held-out set's defocus: three checks on its data.

Run on a folder that ``benchmarks/heldout_training.py OUT SEED --write-only`` wrote
(``OUT/heldout-SEED/fgaesthetics``), training series only:

* ``oracle``: the Pair of one hand-made measure, the mean absolute Laplacian of the grey
  frame (more is better), per flaw, at native and at half resolution: what the pixels
  carry, and in which direction;
* ``init``: the Pair per flaw of untrained ``tiny-cpu`` models (several weight seeds),
  scored on the tokens the training loader yields: what a model ranks before learning;
* ``fit FLAWS``: ``tiny-cpu``'s fine objective alone (RankReg, AdamW, constant learning
  rate) on the training series of the named flaws, with the Pair per flaw of the same
  series every so often, on a fresh token draw in eval mode: how many passes over a
  flaw's series it takes to rank them (``--series 3``: whether a few series can be fit
  at all, the check that the gradient path works).

``python benchmarks/heldout_diagnosis.py DATA oracle|init|fit [defocus,noise,...]``.
Numbers: docs/training.md, "Why defocus is not learnt".
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from scipy.ndimage import laplace

FLAWS = ("defocus", "noise", "darkening")


def pair_of(scores, ranking) -> tuple[int, int]:
    """Correctly ordered pairs and all pairs of one series."""
    right = total = 0
    for i, better in enumerate(ranking):
        for worse in ranking[i + 1 :]:
            total += 1
            right += int(scores[better] > scores[worse])
    return right, total


def detail(path: Path, half: bool) -> float:
    """Mean absolute Laplacian of the grey frame (at half size when ``half``)."""
    image = Image.open(path).convert("L")
    if half:
        image = image.resize((image.width // 2, image.height // 2), Image.Resampling.BICUBIC)
    return float(np.abs(laplace(np.asarray(image, dtype=np.float32))[1:-1, 1:-1]).mean())


def oracle(root: Path, series, flaws: dict) -> None:
    for half in (False, True):
        counts = {kind: [0, 0] for kind in FLAWS}
        for item in series:
            measures = [detail(item.image_path(root, i), half) for i in range(len(item))]
            right, total = pair_of(measures, item.ranking)
            counts[flaws[item.series_id]][0] += right
            counts[flaws[item.series_id]][1] += total
        pairs = {kind: round(r / t, 3) for kind, (r, t) in counts.items()}
        print(json.dumps({"check": "oracle", "resolution": "half" if half else "native", **pairs}))


class Probe:
    """The training loader's tokens for a list of series, and Pair per flaw on them."""

    def __init__(self, root: Path, series, flaws: dict):
        from fgaesq_core.tokenizer import DiffToken
        from training.config import resolve_model_config
        from training.datasets import FineDataset

        self.model_config = resolve_model_config("tiny-cpu-model")
        self.series, self.flaws = series, flaws
        tokenizer = DiffToken(self.model_config.tokenizer)
        self.dataset = FineDataset(series, root, tokenizer, 256, seed=0, in_memory=True)

    def pairs(self, model) -> dict[str, float]:
        from fgaesq_core.model import expected_score
        from training.datasets import collate_fine

        was_training = model.training
        model.eval()
        counts = {kind: [0, 0] for kind in FLAWS}
        for start in range(0, len(self.series), 32):
            indices = range(start, min(start + 32, len(self.series)))
            batch = collate_fine([self.dataset[(10**6, i)] for i in indices])
            with torch.no_grad():
                scores = expected_score(model(batch.tokens).logits)
            for index, group in zip(indices, batch.groups, strict=True):
                kind = self.flaws[self.series[index].series_id]
                right, total = pair_of(scores[group.start :], group.ranking)
                counts[kind][0] += right
                counts[kind][1] += total
        model.train(was_training)
        return {kind: round(r / t, 3) for kind, (r, t) in counts.items() if t}


def init(probe: Probe, seeds: int = 6) -> None:
    from fgaesq_core import create_model

    for seed in range(seeds):
        torch.manual_seed(seed)
        model = create_model(probe.model_config, pretrained=None)
        print(json.dumps({"check": "init", "weight_seed": seed, **probe.pairs(model)}))


def fit(probe: Probe, steps: int, per_batch: int, lr: float, every: int) -> None:
    from fgaesq_core import create_model
    from training.config import load_config, resolve_config_path
    from training.datasets import collate_fine
    from training.objectives import fine_objective

    torch.manual_seed(0)
    config = load_config(resolve_config_path("tiny-cpu"))
    model = create_model(probe.model_config, pretrained=None)
    model.train()
    optimiser = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    rng = np.random.default_rng(0)
    started = time.process_time()
    for step in range(steps + 1):
        if step % every == 0:
            passes = step * per_batch / len(probe.series)
            print(
                json.dumps(
                    {"check": "fit", "step": step, "passes": round(passes, 1), **probe.pairs(model)}
                ),
                flush=True,
            )
        if step == steps:
            break
        chosen = rng.choice(len(probe.series), min(per_batch, len(probe.series)), replace=False)
        batch = collate_fine([probe.dataset[(step, int(i))] for i in chosen])
        loss, _ = fine_objective(model(batch.tokens), batch, {}, config)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    print(json.dumps({"check": "fit", "cpu_s": round(time.process_time() - started, 1)}))


def main(argv: list[str] | None = None) -> int:
    from training.fgaesthetics import read_fgaesthetics

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="a held-out seed's folder (heldout-SEED)")
    parser.add_argument("check", choices=("oracle", "init", "fit"))
    parser.add_argument("flaws", nargs="?", default=",".join(FLAWS), help="fit: comma-separated")
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--series-per-step", type=int, default=4)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--every", type=int, default=100)
    parser.add_argument("--series", type=int, default=None, help="fit: only the first N series")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    root = args.data / "fgaesthetics"
    flaws = json.loads((root / "flaws.json").read_text())
    series = read_fgaesthetics(root, splits=["train"])
    if args.check == "oracle":
        oracle(root, series, flaws)
        return 0
    if args.check == "fit":
        chosen = set(args.flaws.split(","))
        series = [item for item in series if flaws[item.series_id] in chosen][: args.series]
    probe = Probe(root, series, flaws)
    if args.check == "init":
        init(probe)
    else:
        fit(probe, args.steps, args.series_per_step, args.lr, args.every)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
