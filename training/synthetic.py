"""A synthetic data set in both formats whose true quality order is known.

Every image starts from a random scene of shapes on a gradient; its quality is set by
one degradation of known strength (Gaussian noise, or a contrast fade towards grey;
``degrade`` also offers blur, which a tiny model learns far more slowly), so a series' ground-truth
ranking is "weakest degradation first" and an AVA-style vote histogram centres on a
score that falls with the strength.  It serves smoke runs and the learning tests:
``python -m training.synthetic OUT_DIR`` writes ``OUT_DIR/ava`` and ``OUT_DIR/fgaesthetics``.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from training.fgaesthetics import CATEGORIES

KINDS = ("noise", "fade")


@dataclass(frozen=True)
class SyntheticSpec:
    """Sizes of the synthetic set."""

    series: int = 40
    series_length: tuple[int, int] = (3, 5)
    ava_images: int = 60
    size: int = 64
    levels: int = 5
    seed: int = 0
    split: tuple[float, float] = (0.6, 0.2)  # train, val; the rest is test


def random_scene(rng: np.random.Generator, size: int) -> Image.Image:
    """Shapes with sharp edges on a colour gradient: blur and noise both show."""
    y, x = np.mgrid[0:size, 0:size] / size
    a, b = rng.uniform(0, 255, size=(2, 3))
    base = (a[None, None] * x[..., None] + b[None, None] * (1 - y[..., None])) / 2 + 40
    image = Image.fromarray(base.clip(0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(4, 9))):
        x0, y0 = rng.integers(0, size - 8, size=2)
        w, h = rng.integers(6, size // 2, size=2)
        colour = tuple(int(c) for c in rng.integers(0, 256, size=3))
        box = [int(x0), int(y0), int(x0 + w), int(y0 + h)]
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour)
    return image


def degrade(image: Image.Image, kind: str, level: int, rng: np.random.Generator) -> Image.Image:
    """Blur (radius 0.7 per level), fade (18% towards grey per level) or noise (sigma 12)."""
    if level == 0:
        return image.copy()
    if kind == "blur":
        return image.filter(ImageFilter.GaussianBlur(radius=0.7 * level))
    if kind == "fade":  # washed out: contrast pulled towards grey
        grey = Image.new("RGB", image.size, (128, 128, 128))
        return Image.blend(image, grey, 0.18 * level)
    pixels = np.asarray(image, dtype=np.float32)
    pixels = pixels + rng.normal(scale=12.0 * level, size=pixels.shape)
    return Image.fromarray(pixels.clip(0, 255).astype(np.uint8))


def votes_for_level(level: int, levels: int, rng: np.random.Generator) -> list[int]:
    """A 10-bin vote histogram centred on a score that falls with the level."""
    centre = 8.0 - 5.0 * level / max(levels - 1, 1)
    scores = np.clip(np.rint(rng.normal(centre, 1.0, size=60)), 1, 10).astype(int)
    return [int((scores == k).sum()) for k in range(1, 11)]


def write_synthetic(root: str | Path, spec: SyntheticSpec = SyntheticSpec()) -> tuple[Path, Path]:
    """Write ``root/ava`` and ``root/fgaesthetics``; returns both folders."""
    root = Path(root)
    rng = np.random.default_rng(spec.seed)
    ava, fg = root / "ava", root / "fgaesthetics"
    (ava / "images").mkdir(parents=True, exist_ok=True)
    lines = []
    for n in range(spec.ava_images):
        level = int(rng.integers(0, spec.levels))
        kind = KINDS[int(rng.integers(0, len(KINDS)))]
        image = degrade(random_scene(rng, spec.size), kind, level, rng)
        image_id = f"{100000 + n}"
        image.save(ava / "images" / f"{image_id}.jpg", quality=95)
        votes = votes_for_level(level, spec.levels, rng)
        lines.append(" ".join([str(n + 1), image_id, *map(str, votes), "0", "0", "0"]))
    (ava / "AVA.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")

    records = []
    n_train = round(spec.series * spec.split[0])
    n_val = round(spec.series * spec.split[1])
    for s in range(spec.series):
        series_id = f"{s:06d}"
        length = int(rng.integers(spec.series_length[0], spec.series_length[1] + 1))
        levels = sorted(rng.choice(spec.levels, size=min(length, spec.levels), replace=False))
        kind = KINDS[s % len(KINDS)]
        scene = random_scene(rng, spec.size)
        folder = fg / "images" / series_id
        folder.mkdir(parents=True, exist_ok=True)
        shuffled = rng.permutation(len(levels))
        names = [f"{series_id}-{i + 1:02d}.jpg" for i in range(len(levels))]
        for name, position in zip(names, shuffled, strict=True):
            degrade(scene, kind, int(levels[position]), rng).save(folder / name, quality=95)
        ranking = [names[i] for i in np.argsort(shuffled)]  # lowest level first = best first
        split = "train" if s < n_train else "val" if s < n_train + n_val else "test"
        texts = [
            {
                "target": ranking[0],
                "reference": ranking[-1],
                "text": f"cleaner and crisper, less {kind}",
            }
        ]
        records.append(
            {
                "series_id": series_id,
                "category": CATEGORIES[s % len(CATEGORIES)],
                "split": split,
                "images": names,
                "ranking": ranking,
                "texts": texts,
            }
        )
    with (fg / "annotations.jsonl").open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record) + "\n")
    return ava, fg


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a synthetic AVA + FGAesthetics set.")
    parser.add_argument("out", type=Path)
    parser.add_argument("--series", type=int, default=SyntheticSpec.series)
    parser.add_argument("--ava-images", type=int, default=SyntheticSpec.ava_images)
    parser.add_argument("--size", type=int, default=SyntheticSpec.size)
    parser.add_argument("--seed", type=int, default=SyntheticSpec.seed)
    args = parser.parse_args(argv)
    spec = SyntheticSpec(
        series=args.series, ava_images=args.ava_images, size=args.size, seed=args.seed
    )
    ava, fg = write_synthetic(args.out, spec)
    print(f"wrote {ava} and {fg}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
