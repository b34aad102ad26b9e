"""Run the released FGAesQ inference code on seeded checkpoints and record what it does.

The release (GitHub ``yzc-ippl/FG-IAA``, folder ``FGAesQ_Inference``) is read from a
path you give; its code never enters this repository and runs unmodified.  Two
stand-ins let it run without OpenAI's ``clip`` package and without matplotlib:

- ``clip.load("ViT-B/16")`` returns open_clip's CLIP built from an fgaesq_core config
  (OpenAI key names; the visual transformer set to take (L, N, D) as OpenAI's does),
  random-initialised and then overwritten by the seeded checkpoint;
- ``matplotlib.pyplot`` is an empty module when matplotlib is absent (inference never
  uses it).

Checkpoints come from ``fgaesq_core.testing.released_state_dict`` and pictures from
``fgaesq_core.testing.synthetic_image``/``synthetic_burst``, so the tests rebuild both
from seeds.  The release draws with Python's ``random``; the harness records what it
drew (fine regions, dropped tokens, the pair alignment coin) by wrapping DiffToken's
methods, so the tests can replay exactly those draws through fgaesq_core, and it scores
many seeded draws so the tests can compare distributions.

    python scripts/release_parity.py data --release PATH/FGAesQ_Inference
    python scripts/release_parity.py zscores --release PATH/FGAesQ_Inference --seeds 20

``data`` writes tests/data/core/release_scores.json; ``zscores`` prints, for photos
over the token budget and the full ViT-B/16, how far fgaesq_core's scores lie from the
release's mean over seeds.  Needs scikit-image and tqdm (the release imports them).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import types
from pathlib import Path

import numpy as np
import torch
from open_clip.model import CLIP, CLIPTextCfg, CLIPVisionCfg
from PIL import Image, ImageDraw

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from fgaesq_core.config import load_config  # noqa: E402
from fgaesq_core.testing import (  # noqa: E402
    released_state_dict,
    seeded_scorer,
    synthetic_burst,
    synthetic_image,
)

DATA = REPO / "tests" / "data" / "core"
PARITY_CONFIG = DATA / "parity-model.json"


# --------------------------------------------------------------------------- stand-ins
class Recorder:
    """What the release drew while tokenising: one record per image, grouped per pair."""

    def __init__(self) -> None:
        self.images: list[dict] = []
        self.pairs: list[dict] = []
        self._pair: dict | None = None
        self._image: dict | None = None
        self.coins: list[str] = []

    def install(self, difftoken_module: types.ModuleType) -> None:
        cls = difftoken_module.DiffToken
        recorder = self

        def wrap(name, around):
            original = getattr(cls, name)

            @functools.wraps(original)
            def method(self, *args, **kwargs):
                return around(original, self, *args, **kwargs)

            setattr(cls, name, method)

        def prepare_patches(original, tok, image):
            recorder._image = {"fine": None, "dropped": []}
            out = original(tok, image)
            (recorder._pair["images"] if recorder._pair else recorder.images).append(
                recorder._image
            )
            recorder._image = None
            return out

        def select_patches(original, tok, *args, **kwargs):
            chosen = original(tok, *args, **kwargs)
            recorder._image["fine"] = sorted(int(i) for i in chosen)
            return chosen

        def drop_tokens(original, tok, tokens, pos_embed, *rest):
            # A row-index column rides along with the positions; what survives is kept.
            index = torch.arange(tokens.shape[0], dtype=pos_embed.dtype)[:, None]
            out = original(tok, tokens, torch.cat([pos_embed, index], dim=1), *rest)
            kept = set(out[1][:, -1].long().tolist())
            recorder._image["dropped"] = [k - 1 for k in range(1, tokens.shape[0]) if k not in kept]
            return (out[0], out[1][:, :-1], *out[2:])

        def process_similarity_pair(original, tok, *args, **kwargs):
            recorder._pair = {"images": [], "coin": None}
            recorder.coins.clear()
            out = original(tok, *args, **kwargs)
            pair = recorder._pair
            recorder._pair = None
            if len(pair["images"]) != 2 or "importance" not in pair:
                raise RuntimeError("the release fell back to single-image processing")
            pair["axis"] = recorder.coins[0] if recorder.coins else None
            recorder.pairs.append(pair)
            return out

        def align_image_pair(original, tok, a, b):
            out = original(tok, a, b)
            recorder._pair["sizes"] = [list(out[0].size), list(out[1].size)]
            return out

        def calculate_pair_importance(original, tok, a, b):
            out = original(tok, a, b)
            recorder._pair["importance"] = [float(x) for x in out["overlap_importance"]]
            return out

        wrap("prepare_patches", prepare_patches)
        wrap("select_patches", select_patches)
        wrap("drop_tokens", drop_tokens)
        wrap("process_similarity_pair", process_similarity_pair)
        wrap("align_image_pair", align_image_pair)
        wrap("calculate_pair_importance", calculate_pair_importance)

        real = difftoken_module.random

        class CoinRecorder(types.ModuleType):
            """The release's ``random`` module, with its alignment coin written down."""

            def __getattr__(self, name):
                return getattr(real, name)

            def choice(self, seq):
                out = real.choice(seq)
                recorder.coins.append(out)
                return out

        difftoken_module.random = CoinRecorder("random")


class Release:
    """The released modules imported from ``path`` behind the clip and matplotlib stand-ins."""

    def __init__(self, path: Path, workdir: Path):
        self.path = Path(path).resolve()
        if not (self.path / "utils" / "DiffToken.py").is_file():
            raise SystemExit(f"{self.path} is not the release's FGAesQ_Inference folder")
        self._config = None
        clip = types.ModuleType("clip")
        clip.load = self._load_clip
        sys.modules["clip"] = clip
        try:
            importlib.import_module("matplotlib.pyplot")
        except ImportError:
            sys.modules["matplotlib"] = types.ModuleType("matplotlib")
            sys.modules["matplotlib.pyplot"] = types.ModuleType("matplotlib.pyplot")
        sys.path.insert(0, str(self.path))
        os.chdir(workdir)  # the release saves utils/clip_vit_base_16_224.pt under the cwd
        self.fgaesq = importlib.import_module("utils.FGAesQ")
        self.difftoken = importlib.import_module("utils.DiffToken")
        self.series = importlib.import_module("inference_series")
        self.recorder = Recorder()
        self.recorder.install(self.difftoken)

    def commit(self) -> str:
        try:
            out = subprocess.run(
                ["git", "-C", str(self.path), "rev-parse", "--short", "HEAD"],
                capture_output=True,
                text=True,
                check=True,
            )
            return out.stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return "unknown"

    def _load_clip(self, name, device="cpu", **_):
        cfg = self._config
        model = CLIP(
            cfg.embed_dim,
            CLIPVisionCfg(**cfg.vision_cfg),
            CLIPTextCfg(**cfg.text_cfg),
            quick_gelu=cfg.quick_gelu,
        )
        model.visual.transformer.batch_first = False  # OpenAI's transformer takes (L, N, D)
        return model, None

    def model(self, config: str | Path, seed: int) -> torch.nn.Module:
        """The release's FGAesQ holding ``released_state_dict(seed, config)``."""
        self._config = load_config(config)
        with contextlib.redirect_stdout(sys.stderr):
            model = self.fgaesq.FGAesQ(pretrained_path=None)
        result = model.load_state_dict(released_state_dict(seed, self._config), strict=False)
        if result.missing_keys or result.unexpected_keys:
            raise RuntimeError(f"checkpoint does not fit the release: {result}")
        return model.eval()

    def tokenizer(self, model, selection: str):
        return self.difftoken.DiffToken(clip_model=model.clip_model, patch_selection=selection)


@torch.no_grad()
def release_scores(model, *tokenised) -> list[float]:
    """The release's forward over (patches, pos_embed, mask) triples, one batch."""
    patches, pos, masks = (torch.stack(x) for x in zip(*tokenised, strict=True))
    return [float(s) for s in model(patches, pos, masks.clone()).flatten()]


# ------------------------------------------------------------------------- pictures
SINGLES = [  # (seed, (w, h)): all over the budget; 1010x710 takes the crop branch
    (20, (1024, 768)),
    (21, (800, 800)),
    (22, (1010, 710)),
    (23, (768, 576)),
    (24, (512, 256)),  # exactly 512 patches: one token dropped on the native path
]
NATIVE = [(0, (224, 224)), (1, (330, 200)), (2, (256, 352)), (3, (161, 97)), (4, (400, 300))]
PAIRS = [  # kind, (seed, size of a), (seed, size of b), painted square on b or None
    ("changed", (30, (400, 300)), None, [260, 60, 330, 130]),
    ("unequal-size", (31, (640, 480)), (31, (800, 600)), None),
    ("unequal-aspect", (32, (640, 480)), (33, (480, 640)), None),
    ("over-budget", (34, (1100, 800)), None, [100, 100, 400, 300]),
]
SERIES = [(40, (320, 240), 3), (41, (256, 192), 4)]


def pixel_sum(image: Image.Image) -> int:
    return int(np.asarray(image, dtype=np.int64).sum())


def pair_images(spec) -> tuple[Image.Image, Image.Image]:
    _, (seed_a, size_a), b_spec, square = spec
    a = synthetic_image(seed_a, size_a)
    b = synthetic_image(*b_spec) if b_spec else a.copy()
    if square:
        ImageDraw.Draw(b).rectangle(square, fill=(10, 200, 40))
    return a, b


def image_record(record: dict, score: float) -> dict:
    return {"fine": record["fine"], "dropped": record["dropped"], "score": score}


# -------------------------------------------------------------------------- sections
def native_section(release: Release) -> dict:
    model = release.model("vit-b-16", 0)
    tok = release.tokenizer(model, "random")
    entries = []
    for seed, size in NATIVE:
        img = synthetic_image(seed, size)
        out = tok.process_image(img, is_train=False)
        entries.append(
            {
                "seed": seed,
                "size": list(size),
                "pixel_sum": pixel_sum(img),
                "tokens": int((out[2] != 9).sum()),
                "score": release_scores(model, out)[0],
            }
        )
    release.recorder.images.clear()
    return {"checkpoint": {"seed": 0, "config": "vit-b-16"}, "images": entries}


def single_section(release: Release, model, draws: int) -> list[dict]:
    tok = release.tokenizer(model, "random")
    rec = release.recorder
    entries = []
    for seed, size in SINGLES:
        img = synthetic_image(seed, size)
        scores = []
        for k in range(draws):
            random.seed(1000 * seed + k)  # unseeded in the release: the harness seeds
            rec.images.clear()
            scores.append(release_scores(model, tok.process_image(img, is_train=False))[0])
            if k == 0:
                first = image_record(rec.images[0], scores[0])
        entries.append(
            {
                "seed": seed,
                "size": list(size),
                "pixel_sum": pixel_sum(img),
                **first,
                "draws": scores,
            }
        )
        print(f"single {size}: {np.mean(scores):.4f} +- {np.std(scores, ddof=1):.4f}", flush=True)
    return entries


def pair_section(release: Release, model, draws: int) -> list[dict]:
    tok = release.tokenizer(model, "similarity")
    rec = release.recorder
    entries = []
    for spec in PAIRS:
        a, b = pair_images(spec)
        first_scores, second_scores = [], []
        replays = {}  # the first draw of each alignment axis, for exact replay
        for k in range(draws):
            rec.pairs.clear()
            out = tok.process_similarity_pair(a, b, is_train=False, pair_id=f"parity_{k}")
            s1, s2 = release_scores(model, out[:3], out[3:])
            first_scores.append(s1)
            second_scores.append(s2)
            pair = rec.pairs[0]
            replays.setdefault(
                pair["axis"],
                {
                    "axis": pair["axis"],
                    "sizes": pair["sizes"],
                    "importance": pair["importance"],
                    "first": image_record(pair["images"][0], s1),
                    "second": image_record(pair["images"][1], s2),
                },
            )
        kind, (seed_a, size_a), b_spec, square = spec
        entries.append(
            {
                "kind": kind,
                "a": [seed_a, list(size_a)],
                "b": [b_spec[0], list(b_spec[1])] if b_spec else None,
                "square": square,
                "replays": [replays[axis] for axis in sorted(replays)],
                "draws": {"first": first_scores, "second": second_scores},
            }
        )
        print(
            f"pair {kind}: {np.mean(first_scores):.4f} / {np.mean(second_scores):.4f}", flush=True
        )
    return entries


def series_section(release: Release, model, draws: int, root: Path) -> list[dict]:
    """The release's inference_series steps (collect, pair, evaluate, adjust) on folders of
    PNG frames; ``draws`` copies of each series under different ids give independent draws
    (the release seeds each pair from its series id and frame numbers)."""
    isr = release.series
    original_loader = isr.DataLoader

    def one_process_loader(*args, **kwargs):
        kwargs["num_workers"] = 0  # the release asks for 16 worker processes
        return original_loader(*args, **kwargs)

    isr.DataLoader = one_process_loader
    entries = []
    try:
        for s, (seed, size, frames) in enumerate(SERIES):
            images = synthetic_burst(seed, size, frames)
            folder = root / f"series-{s}"
            for k in range(draws):
                sub = folder / str(1000 * (s + 1) + k)
                sub.mkdir(parents=True)
                for i, frame in enumerate(images):
                    frame.save(sub / f"{sub.name}-{i + 1:02d}.png")
            data = isr.collect_series_info(str(folder), None)
            release.recorder.pairs.clear()
            pairs = isr.create_pairs_and_symlinks(data, str(root / f"links-{s}"))
            raw = isr.evaluate_pairs(model, pairs, data, "cpu", batch_size=16)
            adjusted = isr.apply_confidence_adjustment(raw, data)
            first_id = str(1000 * (s + 1))
            taken = dict.fromkeys(range(1, frames + 1), 0)  # raw lists follow pair order
            replay = []
            for p, rec in zip(pairs, release.recorder.pairs, strict=True):
                if p["series_id"] != first_id:
                    continue
                scores = []
                for idx in (p["img1_idx"], p["img2_idx"]):
                    scores.append(raw[(first_id, idx)][taken[idx]])
                    taken[idx] += 1
                replay.append(
                    {
                        "i": p["img1_idx"] - 1,
                        "j": p["img2_idx"] - 1,
                        "axis": rec["axis"],
                        "sizes": rec["sizes"],
                        "first": image_record(rec["images"][0], scores[0]),
                        "second": image_record(rec["images"][1], scores[1]),
                    }
                )
            entries.append(
                {
                    "seed": seed,
                    "size": list(size),
                    "frames": frames,
                    "pairs": replay,
                    "scores": [float(adjusted[(first_id, i + 1)]) for i in range(frames)],
                    "draws": [
                        [float(adjusted[(str(1000 * (s + 1) + k), i + 1)]) for k in range(draws)]
                        for i in range(frames)
                    ],
                }
            )
            print(f"series {s}: {entries[-1]['scores']}", flush=True)
    finally:
        isr.DataLoader = original_loader
    return entries


# ----------------------------------------------------------------------------- main
def compact_json(data) -> str:
    """Indented JSON with every list of numbers on one line."""
    text = json.dumps(data, indent=1)
    return (
        re.sub(r"\[\s*([-0-9.e+,\s]*?)\s*\]", lambda m: "[" + " ".join(m[1].split()) + "]", text)
        + "\n"
    )


def write_data(release: Release, out: Path, draws: int, config: Path) -> None:
    result = {
        "description": (
            "What the released FGAesQ inference code (yzc-ippl/FG-IAA, FGAesQ_Inference) "
            "computes on seeded released-layout checkpoints, recorded by "
            "scripts/release_parity.py; see docs/model.md, 'How parity is established'."
        ),
        "release": {"repo": "yzc-ippl/FG-IAA", "folder": "FGAesQ_Inference"},
        "harness": {
            "checkpoints": "fgaesq_core.testing.released_state_dict(seed, config)",
            "images": "fgaesq_core.testing.synthetic_image / synthetic_burst",
            "indices": (
                "fine: region indices (row-major); dropped: indices into the token list "
                "without the class slot (coarse tokens in region order, then fine)"
            ),
            "draws": f"{draws} seeded draws per input (Python random seeded with "
            "1000 * image seed + draw for single images, pair ids parity_<draw> for pairs, "
            "series ids 1000 * (series + 1) + draw for series)",
        },
    }
    result["release"]["commit"] = release.commit()
    result["native"] = native_section(release)
    model = release.model(config, 0)
    result["checkpoint"] = {"seed": 0, "config": config.name}
    result["single"] = single_section(release, model, draws)
    result["pairs"] = pair_section(release, model, draws)
    with tempfile.TemporaryDirectory() as tmp:
        result["series"] = series_section(release, model, draws, Path(tmp))
    out.write_text(compact_json(result), encoding="utf-8")
    print(f"wrote {out}")


def zscores(release: Release, draws: int, seeds: int, config: str) -> None:
    """z = (fgaesq_core's K-draw mean - release mean) / release sd, photos over the budget."""
    import skimage.data

    sources = ["astronaut", "coffee", "chelsea", "rocket", "hubble_deep_field", "coins"]
    sizes = [(1024, 768), (800, 800), (1600, 1200), (2048, 1365), (768, 576), (1200, 900)]
    model = release.model(config, 0)
    tok = release.tokenizer(model, "random")
    ours = seeded_scorer(0, config, draws=1)
    ks = sorted({1, 4, draws})
    print(
        f"{'photo':<28} {'release mean':>12} {'sd':>7} " + " ".join(f"{f'K={k} z':>8}" for k in ks)
    )
    for name, size in zip(sources, sizes, strict=True):
        img = Image.fromarray(getattr(skimage.data, name)()).convert("RGB")
        img = img.resize(size, Image.Resampling.LANCZOS)
        rel = []
        for k in range(seeds):
            random.seed(k)
            rel.append(release_scores(model, tok.process_image(img, is_train=False))[0])
        mean, sd = float(np.mean(rel)), float(np.std(rel, ddof=1))
        each = ours.score_tokens(ours.tokenizer.samples(img, draws))
        zs = [(np.mean(each[:k]) - mean) / sd for k in ks]
        print(
            f"{name + ' ' + 'x'.join(map(str, size)):<28} {mean:12.4f} {sd:7.4f} "
            + " ".join(f"{z:8.2f}" for z in zs),
            flush=True,
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    data = sub.add_parser("data", help="write the parity test data")
    data.add_argument("--release", type=Path, required=True, help="the FGAesQ_Inference folder")
    data.add_argument("--out", type=Path, default=DATA / "release_scores.json")
    data.add_argument("--draws", type=int, default=24, help="seeded draws per input")
    data.add_argument("--config", type=Path, default=PARITY_CONFIG)
    z = sub.add_parser("zscores", help="print z-scores against the release for large photos")
    z.add_argument("--release", type=Path, required=True)
    z.add_argument("--seeds", type=int, default=20)
    z.add_argument("--draws", type=int, default=16, help="fgaesq_core draws averaged")
    z.add_argument("--config", default="vit-b-16")
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    if args.command == "data":  # resolved before the release's folder becomes the cwd
        args.out, args.config = args.out.resolve(), args.config.resolve()
    with tempfile.TemporaryDirectory() as work:
        release = Release(args.release, Path(work))
        if args.command == "data":
            write_data(release, args.out, args.draws, args.config)
        else:
            zscores(release, args.draws, args.seeds, args.config)


if __name__ == "__main__":
    main()
