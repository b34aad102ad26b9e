"""A synthetic data set in both formats whose true quality order is known.

A *series* is a burst of slightly shifted crops of one scene, each frame degraded by one
kind of flaw (blur, noise, or under- or over-exposure, fixed per series) at a known
strength, so the ground-truth ranking is "weakest degradation first".  Series of the
``texted_kinds`` flaws get a comparative text per ranked pair, written for the better
frame against the worse (the other direction is its negation), so CTAlign has something
true to align with.  ``fgaesthetics/flaws.json`` records each series' flaw.

AVA-style images are graded by something no series is ranked by and no fine flaw
resembles: the hue of a tint of fixed strength, warm graded best and cool worst, at
about constant brightness and contrast, with a vote histogram centred on a score that
falls from warm to cool.  (A colour cast of growing strength, tried first, also fades
contrast, so the fine objectives taught most of its order on their own.)  So the fine
ranking is taught by the fine objectives and the AVA order by the coarse one alone,
which lets a learning test notice either breaking (tests/test_training_learning.py).

Scenes are procedural (shapes on a gradient) or crops of photographs.  With photographs,
each photograph serves one split only, so validation and test scenes are never seen in
training (half of the training scenes are procedural, for variety); ``test_ids.txt``
lists the AVA images made from test photographs.

With ``preference_steps`` every pair is annotated with ``p_a``, Bradley-Terry on a
preference that falls by unequal steps from level to level, so the annotations say how
much better a frame is, which the ranking does not (what RankReg reads and direct
ListMLE cannot).

``python -m training synthetic OUT_DIR [--photos DIR]`` writes ``OUT_DIR/ava`` and
``OUT_DIR/fgaesthetics``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from training.fgaesthetics import CATEGORIES, SPLITS

FINE_KINDS = ("blur", "noise", "exposure")
#: A flaw only native resolution shows: a one-pixel checker in one 16 px region of a
#: frame that is otherwise the same in every frame of its series (a tripod burst).  A
#: DiffToken coarse token halves a region bicubically, which averages the checker to
#: nothing (but for a trace at the pattern's edges), so the flaw is seen only where the
#: region keeps its fine tokens: where a pair differs most, or at random in a frame
#: tokenised alone.  Not among the default kinds.
NATIVE_KINDS = ("pattern",)
PATTERN_REGION = 16
COARSE_KINDS = ("tint",)
#: The tint's ends, warm (level 0) and cool (the last level), of nearly equal luma
#: (BT.601: 139 and 137), so the tint's level shows in hue, not brightness or contrast.
WARM, COOL = np.array([225.0, 115.0, 40.0]), np.array([60.0, 155.0, 245.0])
TINT_STRENGTH = 0.35
#: Comparative text per flaw: the better frame described relative to the worse one.
TEXTS = {
    "blur": "sharper, with crisp edges and fine detail",
    "noise": "cleaner, with smooth tones and no grain",
    "exposure": "well exposed, with balanced brightness",
    "pattern": "clean, with no fine pattern",
}
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp")


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
    procedural_share: float = 0.5  # of training scenes, when there are photographs
    fine_kinds: tuple[str, ...] = FINE_KINDS
    texted_kinds: tuple[str, ...] = FINE_KINDS  # flaws whose series get comparative texts
    coarse_kinds: tuple[str, ...] = COARSE_KINDS
    #: how much each step of flaw level lowers the annotators' preference (level 0 to 1
    #: first); with it every pair of a series is annotated with ``p_a`` (see
    #: ``annotated_pairs``), without it (None) no pair is
    preference_steps: tuple[float, ...] | None = None


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


class SceneSource:
    """Draws burst frames: procedural scenes, or crops of photographs kept per split.

    Args:
        photos: photographs to crop; None draws procedural scenes.  Photographs are
            dealt to the splits in ``split`` proportions (at least one each), so a
            scene of the validation or test split never occurs in training.
        split: fractions of photographs for train and val (the rest is test).
        rng: decides the deal.
        procedural_share: the fraction of training scenes drawn procedurally anyway.
    """

    def __init__(
        self,
        photos: Sequence[Image.Image] | None,
        split: tuple[float, float],
        rng: np.random.Generator,
        procedural_share: float = 0.0,
    ):
        self.procedural_share = procedural_share
        self.pools: dict[str, list[Image.Image]] = {}
        if photos:
            if len(photos) < len(SPLITS):
                raise ValueError(f"need at least {len(SPLITS)} photographs, got {len(photos)}")
            order = [photos[i].convert("RGB") for i in rng.permutation(len(photos))]
            n_val = max(1, round(len(order) * split[1]))
            n_test = max(1, len(order) - round(len(order) * split[0]) - n_val)
            n_train = len(order) - n_val - n_test
            self.pools = {
                "train": order[:n_train],
                "val": order[n_train : n_train + n_val],
                "test": order[n_train + n_val :],
            }

    def burst(
        self, split: str, frames: int, size: int, rng: np.random.Generator, steady: bool = False
    ) -> list[Image.Image]:
        """``frames`` crops of one scene, each shifted by a few per cent (none when
        ``steady``), ``size`` square."""
        if not self.pools or (split == "train" and rng.random() < self.procedural_share):
            scene = random_scene(rng, size + size // 8)
            box = (0, 0, scene.width, scene.height)
        else:
            pool = self.pools[split]
            scene = pool[int(rng.integers(len(pool)))]
            short = min(scene.size)
            side = int(short * rng.uniform(0.35, 0.8))
            left = int(rng.integers(0, scene.width - side + 1))
            top = int(rng.integers(0, scene.height - side + 1))
            box = (left, top, left + side, top + side)
        side = box[2] - box[0]
        shift = 0 if steady else max(1, side // 25)
        flip = int(rng.integers(-1, 7))  # one of PIL's seven transpositions, or none
        channels = rng.permutation(3)
        out = []
        for _ in range(frames):
            dx, dy = (int(v) for v in rng.integers(-shift, shift + 1, size=2))
            dx = min(max(dx, -box[0]), scene.width - box[2])
            dy = min(max(dy, -box[1]), scene.height - box[3])
            crop = scene.crop((box[0] + dx, box[1] + dy, box[2] + dx, box[3] + dy))
            crop = crop.resize((size, size), Image.Resampling.LANCZOS)
            if flip >= 0:
                crop = crop.transpose(Image.Transpose(flip))
            out.append(Image.fromarray(np.asarray(crop)[..., channels]))
        return out


def degrade(
    image: Image.Image,
    kind: str,
    level: int,
    rng: np.random.Generator,
    direction: int = -1,
    spot: tuple[int, int] = (0, 0),
) -> Image.Image:
    """One flaw at strength ``level`` (0 leaves the image as it is).

    blur: Gaussian radius 1.2 px per level; noise: sigma 12 (of 255) per level and
    channel; exposure: half a stop per level, darker (``direction`` -1) or brighter with
    clipped highlights (+1); pattern: a grey one-pixel checker of up to +-12 (of 255) per
    level (tapered to the edges) in the ``PATTERN_REGION`` square at ``spot`` (x, y);
    tint: a 35% blend with a colour a quarter of the way from warm to cool per level
    (level 0 is tinted warm, not left as it is).  Adjacent levels differ visibly at 64 px.
    """
    if kind == "tint":
        colour = WARM + (COOL - WARM) * min(level / 4, 1.0)
        tinted = Image.new("RGB", image.size, tuple(int(c) for c in colour.round()))
        return Image.blend(image, tinted, TINT_STRENGTH)
    if level == 0:
        return image.copy()
    if kind == "blur":
        return image.filter(ImageFilter.GaussianBlur(radius=1.2 * level))
    pixels = np.asarray(image, dtype=np.float32)
    if kind == "exposure":
        pixels = pixels * 2.0 ** (0.5 * level * direction)
    elif kind == "noise":
        pixels = pixels + rng.normal(scale=12.0 * level, size=pixels.shape)
    elif kind == "pattern":
        x, y = spot
        side = PATTERN_REGION
        checker = (np.indices((side, side)).sum(axis=0) % 2) * 2.0 - 1.0
        # tapered to the square's edges, where a sudden start would survive the halving
        taper = np.sin(np.pi * (np.arange(side) + 0.5) / side)
        checker *= np.outer(taper, taper)
        pixels[y : y + side, x : x + side] += 12.0 * level * checker[..., None]
    else:
        raise ValueError(f"unknown degradation {kind!r}")
    return Image.fromarray(pixels.clip(0, 255).astype(np.uint8))


def votes_for_level(level: int, levels: int, rng: np.random.Generator) -> list[int]:
    """A 10-bin vote histogram centred on a score that falls with the level."""
    centre = 8.0 - 5.0 * level / max(levels - 1, 1)
    scores = np.clip(np.rint(rng.normal(centre, 1.0, size=60)), 1, 10).astype(int)
    return [int((scores == k).sum()) for k in range(1, 11)]


#: Preference difference per unit of Bradley-Terry logit: a step of 1 is ``p_a`` 0.56,
#: the whole range of the default steps below 0.98.
PREFERENCE_SCALE = 4.0


def annotated_pairs(
    names: Sequence[str], levels: Sequence[int], steps: Sequence[float]
) -> list[dict]:
    """Every pair of a series with the annotators' probability that ``a`` is better.

    ``p_a`` is Bradley-Terry on a preference that falls by ``steps[k]`` from level ``k``
    to ``k + 1``: unequal steps make ``p_a`` say how much better one frame is, which
    the ranking (the same for any falling preference) does not.
    """
    preference = [-sum(steps[:level]) for level in levels]
    return [
        {
            "a": names[i],
            "b": names[j],
            "p_a": round(
                1.0 / (1.0 + np.exp(-(preference[i] - preference[j]) / PREFERENCE_SCALE)), 4
            ),
        }
        for i in range(len(names))
        for j in range(i + 1, len(names))
    ]


def _split_of(index: int, total: int, split: tuple[float, float]) -> str:
    n_train = round(total * split[0])
    n_val = round(total * split[1])
    return "train" if index < n_train else "val" if index < n_train + n_val else "test"


def write_synthetic(
    root: str | Path,
    spec: SyntheticSpec = SyntheticSpec(),
    photos: Sequence[Image.Image] | None = None,
) -> tuple[Path, Path]:
    """Write ``root/ava`` and ``root/fgaesthetics``; returns both folders.

    Args:
        root: output folder.
        spec: sizes and seed.
        photos: photographs to crop scenes from (see ``SceneSource``); None draws
            procedural scenes.
    """
    root = Path(root)
    # one stream per part, so changing the AVA size leaves the series as they were
    scenes = SceneSource(
        photos, spec.split, np.random.default_rng([spec.seed, 0]), spec.procedural_share
    )
    rng = np.random.default_rng([spec.seed, 1])
    ava, fg = root / "ava", root / "fgaesthetics"
    (ava / "images").mkdir(parents=True, exist_ok=True)
    lines, test_ids = [], []
    # AVA has no validation split of its own (training holds out a share of its train
    # ids), so its images come from the training and test photographs only
    ava_split = (spec.split[0] + spec.split[1], 0.0)
    for n in range(spec.ava_images):
        split = _split_of(n, spec.ava_images, ava_split)
        level = int(rng.integers(0, spec.levels))
        kind = spec.coarse_kinds[int(rng.integers(0, len(spec.coarse_kinds)))]
        frame = scenes.burst(split, 1, spec.size, rng)[0]
        image = degrade(frame, kind, level, rng)
        image_id = f"{100000 + n}"
        image.save(ava / "images" / f"{image_id}.jpg", quality=95)
        votes = votes_for_level(level, spec.levels, rng)
        lines.append(" ".join([str(n + 1), image_id, *map(str, votes), "0", "0", "0"]))
        if split == "test":
            test_ids.append(image_id)
    (ava / "AVA.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (ava / "test_ids.txt").write_text("\n".join(test_ids) + "\n", encoding="utf-8")

    records = []
    flaws: dict[str, str] = {}
    rng = np.random.default_rng([spec.seed, 2])
    for s in range(spec.series):
        series_id = f"{s:06d}"
        split = _split_of(s, spec.series, spec.split)
        length = int(rng.integers(spec.series_length[0], spec.series_length[1] + 1))
        levels = sorted(rng.choice(spec.levels, size=min(length, spec.levels), replace=False))
        kind = spec.fine_kinds[s % len(spec.fine_kinds)]
        direction = 1 if rng.random() < 0.5 else -1  # exposure: over or under
        steady = kind in NATIVE_KINDS  # drawn only there: the other kinds' draws stay
        cells = spec.size // PATTERN_REGION
        spot = (
            tuple(int(v) * PATTERN_REGION for v in rng.integers(0, cells, size=2))
            if steady
            else (0, 0)
        )
        frames = scenes.burst(split, len(levels), spec.size, rng, steady)
        folder = fg / "images" / series_id
        folder.mkdir(parents=True, exist_ok=True)
        shuffled = rng.permutation(len(levels))
        names = [f"{series_id}-{i + 1:02d}.jpg" for i in range(len(levels))]
        frame_levels = [int(levels[position]) for position in shuffled]
        for name, frame, position in zip(names, frames, shuffled, strict=True):
            # without chroma subsampling a one-pixel pattern survives the JPEG
            image = degrade(frame, kind, int(levels[position]), rng, direction, spot)
            image.save(folder / name, quality=95, **({"subsampling": 0} if steady else {}))
        ranking = [names[i] for i in np.argsort(shuffled)]  # lowest level first = best first
        texts = [
            {"target": ranking[i], "reference": ranking[j], "text": TEXTS[kind]}
            for i in range(len(ranking))
            for j in range(i + 1, len(ranking))
            if kind in spec.texted_kinds
        ]
        flaws[series_id] = kind
        record = {
            "series_id": series_id,
            "category": CATEGORIES[s % len(CATEGORIES)],
            "split": split,
            "images": names,
            "ranking": ranking,
            "texts": texts,
        }
        if spec.preference_steps is not None:
            record["pairs"] = annotated_pairs(names, frame_levels, spec.preference_steps)
        records.append(record)
    with (fg / "annotations.jsonl").open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record) + "\n")
    # the ground truth behind the annotations, for tests that look at one flaw at a time
    (fg / "flaws.json").write_text(json.dumps(flaws, indent=0), encoding="utf-8")
    return ava, fg


def read_photos(folder: Path) -> list[Image.Image]:
    """Every readable photograph directly in ``folder``, sorted by name."""
    photos = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() in PHOTO_SUFFIXES:
            with Image.open(path) as image:
                photos.append(image.convert("RGB"))
    return photos


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a synthetic AVA + FGAesthetics set.")
    parser.add_argument("out", type=Path)
    parser.add_argument("--series", type=int, default=SyntheticSpec.series)
    parser.add_argument("--ava-images", type=int, default=SyntheticSpec.ava_images)
    parser.add_argument("--size", type=int, default=SyntheticSpec.size)
    parser.add_argument("--seed", type=int, default=SyntheticSpec.seed)
    parser.add_argument(
        "--photos", type=Path, help="crop scenes from the photographs in this folder"
    )
    args = parser.parse_args(argv)
    spec = SyntheticSpec(
        series=args.series, ava_images=args.ava_images, size=args.size, seed=args.seed
    )
    photos = read_photos(args.photos) if args.photos else None
    ava, fg = write_synthetic(args.out, spec, photos)
    print(f"wrote {ava} and {fg}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
