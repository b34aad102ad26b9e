"""Learning beyond its own generator: a held-out data set and the tiny recipe measured on it.

``training.synthetic`` is the data the training recipe was tuned on.  This script makes
a second data set in the same documented layout (``ava/AVA.txt``, ``ava/images``,
``ava/test_ids.txt``, ``fgaesthetics/annotations.jsonl``, ``fgaesthetics/images``) with
nothing in common with it but the layout:

* other photographs: scikit-learn's two sample photographs (``china``, ``flower``),
  Matplotlib's Grace Hopper portrait (``tests/data/faces``) and scikit-image images that
  ``training.synthetic``'s users leave out (``clock``, ``logo``, ``microaneurysms``,
  ``colorwheel``);
* ten training scenes (two disjoint halves of five photographs), one validation scene,
  and test scenes from a photograph no training scene comes from (the portrait's
  quarters and the whole of it);
* other flaws, at strengths drawn per series: defocus (a box blur), signal-dependent
  noise, and darkening by a gamma curve, in series of 3 or 4 frames of 80x60 pixels;
* no comparative texts (CTAlign has nothing to align with);
* AVA-style images graded by colour saturation (grey worst, vivid best).

``python benchmarks/heldout_training.py OUT 0 1 2`` writes each seed's data, trains
``tiny-cpu`` as bundled on it (``fgaesq-train``'s own code path), and prints the
held-out Pair, Series, Pair per flaw and AVA SRCC of the test split, one JSON line per
seed (``--write-only`` just writes the data).  ``--tuning`` writes the same generator on
photographs of its own (the tuning set: recipe choices are made there, so the held-out
test scenes stay unseen); ``--training-split`` also scores the training series and AVA
training images; ``--set KEY=VALUE`` overrides the recipe.  Numbers: docs/training.md,
"Learning beyond its own generator".
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter

ROOT = Path(__file__).resolve().parents[1]
FLAWS = ("defocus", "noise", "darkening")
CATEGORIES = ("natural", "aigc", "cropping")
FRAME = (80, 60)
SERIES = {"train": 300, "val": 15, "test": 90}
AVA_IMAGES = {"train": 240, "test": 80}


def photographs() -> dict[str, Image.Image]:
    """The held-out photographs as RGB images, by name."""
    import skimage.data
    from sklearn.datasets import load_sample_image

    def rgb(pixels) -> Image.Image:
        pixels = np.asarray(pixels)
        if pixels.dtype == bool:
            pixels = pixels.astype(np.uint8) * 255
        if pixels.ndim == 3 and pixels.shape[2] == 4:  # logo: flatten its alpha on white
            alpha = pixels[..., 3:] / 255.0
            pixels = (pixels[..., :3] * alpha + 255 * (1 - alpha)).astype(np.uint8)
        return Image.fromarray(pixels).convert("RGB")

    return {
        "china": rgb(load_sample_image("china.jpg")),
        "flower": rgb(load_sample_image("flower.jpg")),
        "clock": rgb(skimage.data.clock()),
        "logo": rgb(skimage.data.logo()),
        "microaneurysms": rgb(skimage.data.microaneurysms()).resize((204, 204)),
        "colorwheel": rgb(skimage.data.colorwheel()),
        "portrait": Image.open(ROOT / "tests" / "data" / "faces" / "grace_hopper.jpg").convert(
            "RGB"
        ),
    }


def halves(image: Image.Image) -> list[Image.Image]:
    """Two disjoint halves along the longer side."""
    w, h = image.size
    if w >= h:
        return [image.crop((0, 0, w // 2, h)), image.crop((w // 2, 0, w, h))]
    return [image.crop((0, 0, w, h // 2)), image.crop((0, h // 2, w, h))]


def quarters(image: Image.Image) -> list[Image.Image]:
    w, h = image.size
    return [image.crop((x, y, x + w // 2, y + h // 2)) for x in (0, w // 2) for y in (0, h // 2)]


# The tuning set: the same generator on photographs of its own (scikit-image's colour
# photographs, none of them in the held-out set), so recipe choices for small sets are
# made here and the held-out test scenes stay unseen.  Each tuning seed tests on another
# photograph of the pool and trains on the halves of the other five.
TUNING_POOL = ("astronaut", "coffee", "rocket", "chelsea", "immunohistochemistry", "hubble")


def tuning_scenes(seed: int) -> dict[str, list[Image.Image]]:
    """Scenes by split for the tuning set: ten training, one validation, five test scenes."""
    import skimage.data

    photos = {
        name: Image.fromarray(getattr(skimage.data, name)()).convert("RGB")
        for name in ("astronaut", "coffee", "rocket", "chelsea", "immunohistochemistry")
    }
    photos["hubble"] = Image.fromarray(skimage.data.hubble_deep_field()).convert("RGB")
    test = TUNING_POOL[seed % 3]
    train = [half for name in TUNING_POOL if name != test for half in halves(photos[name])]
    retina = Image.fromarray(skimage.data.retina()).convert("RGB").resize((400, 400))
    return {"train": train, "val": [retina], "test": [*quarters(photos[test]), photos[test]]}


def scenes(tuning_seed: int | None = None) -> dict[str, list[Image.Image]]:
    """Scenes by split: ten for training, one for validation, five for testing (the
    tuning set's for ``tuning_seed``, the held-out set's when None)."""
    if tuning_seed is not None:
        return tuning_scenes(tuning_seed)
    photos = photographs()
    names = ("china", "flower", "clock", "logo", "microaneurysms")
    train = [half for name in names for half in halves(photos[name])]
    return {
        "train": train,
        "val": [photos["colorwheel"]],
        "test": [*quarters(photos["portrait"]), photos["portrait"]],
    }


def frames(scene: Image.Image, count: int, rng: np.random.Generator) -> list[Image.Image]:
    """``count`` hand-held frames of a random 4:3 window of ``scene``."""
    w, h = scene.size
    width = int(min(w, h * 4 / 3) * rng.uniform(0.5, 0.9))
    height = width * 3 // 4
    left = int(rng.integers(0, w - width + 1))
    top = int(rng.integers(0, h - height + 1))
    shift = max(1, width // 30)
    out = []
    for _ in range(count):
        dx, dy = (int(v) for v in rng.integers(-shift, shift + 1, size=2))
        dx = min(max(dx, -left), w - left - width)
        dy = min(max(dy, -top), h - top - height)
        box = (left + dx, top + dy, left + dx + width, top + dy + height)
        out.append(scene.crop(box).resize(FRAME, Image.Resampling.BICUBIC))
    return out


def flaw(image: Image.Image, kind: str, strength: float, rng: np.random.Generator) -> Image.Image:
    """``kind`` at ``strength`` in [0, 1] (0 leaves the frame as it is)."""
    if strength <= 0:
        return image.copy()
    if kind == "defocus":
        return image.filter(ImageFilter.BoxBlur(2.5 * strength))
    pixels = np.asarray(image, dtype=np.float32)
    if kind == "noise":  # shot noise: stronger in the highlights, in every channel
        sigma = 45.0 * strength * np.sqrt(np.maximum(pixels, 8.0) / 255.0)
        pixels = pixels + rng.normal(size=pixels.shape) * sigma
    elif kind == "darkening":
        pixels = 255.0 * (pixels / 255.0) ** (1.0 + 1.6 * strength)
    else:
        raise ValueError(kind)
    return Image.fromarray(pixels.clip(0, 255).astype(np.uint8))


def strengths(count: int, rng: np.random.Generator) -> list[float]:
    """``count`` strengths at least 0.2 apart, weakest first (0 may occur)."""
    while True:
        values = np.sort(rng.uniform(0, 1, size=count))
        if np.all(np.diff(values) >= 0.2):
            return [float(v) if v > 0.1 else 0.0 for v in values]


def write_heldout(root: Path, seed: int, tuning: bool = False) -> tuple[Path, Path]:
    """Write ``root/ava`` and ``root/fgaesthetics`` for ``seed`` (of the tuning set when
    ``tuning``); returns both folders."""
    by_split = scenes(seed if tuning else None)
    rng = np.random.default_rng([seed, 29 if tuning else 17])
    ava, fg = root / "ava", root / "fgaesthetics"
    (ava / "images").mkdir(parents=True, exist_ok=True)
    lines, test_ids = [], []
    number = 0
    for split, count in AVA_IMAGES.items():
        # the AVA images of the test split come from the test photograph, the rest from
        # the colour training scenes (grey photographs cannot show saturation)
        pool = [s for s in by_split[split] if np.asarray(s).std(axis=2).mean() > 4]
        for _ in range(count):
            saturation = float(rng.uniform(0, 1))
            frame = frames(pool[int(rng.integers(len(pool)))], 1, rng)[0]
            image = ImageEnhance.Color(frame).enhance(0.1 + 1.4 * saturation)
            image_id = f"{500000 + number}"
            image.save(ava / "images" / f"{image_id}.jpg", quality=92)
            mean = 3.0 + 4.5 * saturation
            votes = np.clip(np.rint(rng.normal(mean, 1.3, size=80)), 1, 10).astype(int)
            histogram = [int((votes == k).sum()) for k in range(1, 11)]
            lines.append(" ".join(map(str, [number + 1, image_id, *histogram, 0, 0, 0])))
            if split == "test":
                test_ids.append(image_id)
            number += 1
    (ava / "AVA.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (ava / "test_ids.txt").write_text("\n".join(test_ids) + "\n", encoding="utf-8")

    records, flaws = [], {}
    number = 0
    for split, count in SERIES.items():
        for _ in range(count):
            series_id = f"h{number:05d}"
            kind = FLAWS[number % len(FLAWS)]
            length = int(rng.integers(3, 5))
            levels = strengths(length, rng)
            scene = by_split[split][int(rng.integers(len(by_split[split])))]
            shot = frames(scene, length, rng)
            order = rng.permutation(length)  # file order is not quality order
            names = [f"{series_id}-{i + 1:02d}.jpg" for i in range(length)]
            folder = fg / "images" / series_id
            folder.mkdir(parents=True, exist_ok=True)
            for name, frame, position in zip(names, shot, order, strict=True):
                flaw(frame, kind, levels[position], rng).save(folder / name, quality=92)
            ranking = [names[i] for i in np.argsort(order)]
            records.append(
                {
                    "series_id": series_id,
                    "category": CATEGORIES[number % len(CATEGORIES)],
                    "split": split,
                    "images": names,
                    "ranking": ranking,
                }
            )
            flaws[series_id] = kind
            number += 1
    with (fg / "annotations.jsonl").open("w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(record) + "\n" for record in records)
    (fg / "flaws.json").write_text(json.dumps(flaws), encoding="utf-8")
    return ava, fg


def train_and_measure(
    root: str,
    seed: int,
    overrides: tuple[str, ...] = (),
    tuning: bool = False,
    training_split: bool = False,
) -> dict:
    """Write ``seed``'s data, train ``tiny-cpu`` on it, score the test split (and the
    training split too when ``training_split``: a diagnosis of under- or overfitting)."""
    import logging

    import torch

    torch.set_num_threads(1)
    logging.disable(logging.WARNING)
    from fgaesq_core import load_model
    from training.ava import read_ava, split_ava
    from training.cli import train_main
    from training.evaluate import evaluate_coarse, fine_report_of, score_series
    from training.fgaesthetics import read_fgaesthetics

    started = time.process_time()
    name = f"{'tuning' if tuning else 'heldout'}-{seed}"
    data = Path(root) / name
    if not (data / "fgaesthetics" / "annotations.jsonl").is_file():
        write_heldout(data, seed, tuning)
    out = Path(root) / f"run-{name}"
    args = ["--config", "tiny-cpu", "--ava", str(data / "ava")]
    args += ["--fgaesthetics", str(data / "fgaesthetics"), "--out", str(out)]
    for item in ("runtime.eval_every=1000000", "runtime.log_every=1000", *overrides):
        args += ["--set", item]
    args += ["--set", f"runtime.seed={seed}"]
    assert train_main(args) == 0
    trained = time.process_time()
    scorer = load_model(out / "checkpoints" / "last" / "model.safetensors", device="cpu", draws=1)
    fg = data / "fgaesthetics"
    flaws = json.loads((fg / "flaws.json").read_text())

    def fine_of(split: str) -> dict:
        scored = score_series(scorer, fg, read_fgaesthetics(fg, splits=[split]), mode="reference")
        fine = fine_report_of(scored)
        by_flaw = {
            kind: fine_report_of([(s, r) for s, r in scored if flaws[s.series_id] == kind])["pair"]
            for kind in FLAWS
        }
        return {"pair": fine["pair"], "series": fine["series"], "pair_by_flaw": by_flaw}

    result = {"seed": seed, "data": "tuning" if tuning else "heldout", **fine_of("test")}
    result["srcc"] = evaluate_coarse(scorer, data / "ava")["srcc"]
    if training_split:
        result["training_split"] = fine_of("train")
        ava_split = split_ava(read_ava(data / "ava"), data / "ava", 0.08)
        result["training_split"]["srcc"] = evaluate_coarse(scorer, data / "ava", ava_split.train)[
            "srcc"
        ]
    result["notes"] = json.loads((out / "checkpoints" / "last" / "run.json").read_text())["notes"]
    result["cpu_train_s"] = trained - started
    result["cpu_eval_s"] = time.process_time() - trained
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("seeds", type=int, nargs="+")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    parser.add_argument("--write-only", action="store_true", help="write the data, no training")
    parser.add_argument(
        "--tuning", action="store_true", help="the tuning set (own photographs), not the held-out"
    )
    parser.add_argument(
        "--training-split", action="store_true", help="also score the training series and images"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    args.out.mkdir(parents=True, exist_ok=True)
    if args.write_only:
        for seed in args.seeds:
            name = f"{'tuning' if args.tuning else 'heldout'}-{seed}"
            print(*write_heldout(args.out / name, seed, args.tuning))
        return 0
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(args.workers, mp_context=context, max_tasks_per_child=1) as pool:
        jobs = [
            pool.submit(
                train_and_measure,
                str(args.out),
                seed,
                tuple(args.overrides),
                args.tuning,
                args.training_split,
            )
            for seed in args.seeds
        ]
        for job in jobs:
            print(json.dumps(job.result()), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
