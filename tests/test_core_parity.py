"""fgaesq_core computes what the released FGAesQ inference code computes.

The reference values in data/core/release_scores.json were produced by running the
released code itself on seeded checkpoints (scripts/release_parity.py; docs/model.md,
"How parity is established").  Two kinds of check:

- replay: the release's recorded draws (fine regions, dropped tokens, alignment axis)
  rebuilt through fgaesq_core give the release's scores, pair differences and series
  scores to float precision;
- distribution: fgaesq_core's own content-seeded K-draw means lie within the standard
  error of the release's mean over its seeded draws.

The native-path images use the full ViT-B/16; the rest a 2-layer model of the same
width (data/core/parity-model.json), which the release loads unchanged.
"""

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw
from torchvision.transforms.functional import to_tensor

from fgaesq_core.inference import blend_with_series_mean
from fgaesq_core.regions import pad_or_crop, region_difference
from fgaesq_core.testing import seeded_scorer, synthetic_burst, synthetic_image

DATA = Path(__file__).parent / "data" / "core"
REFERENCE = json.loads((DATA / "release_scores.json").read_text())
ATOL = 1e-4
Z_LIMIT = 3.0


@pytest.fixture(scope="module")
def vit_b16():
    ckpt = REFERENCE["native"]["checkpoint"]
    return seeded_scorer(ckpt["seed"], ckpt["config"])


@pytest.fixture(scope="module")
def scorer():
    ckpt = REFERENCE["checkpoint"]
    return seeded_scorer(ckpt["seed"], DATA / ckpt["config"])


def _image(entry):
    img = synthetic_image(entry["seed"], tuple(entry["size"]))
    if "pixel_sum" in entry:  # guards against the image generator drifting
        assert int(np.asarray(img, dtype=np.int64).sum()) == entry["pixel_sum"]
    return img


def _replay(tok, image: Image.Image, record: dict):
    """fgaesq_core tokens for the release's recorded draw of ``image``."""
    normed = tok.normalise(to_tensor(image))
    dropped = set(record["dropped"])
    if record["fine"] is None:
        n = math.ceil(image.width / 16) * math.ceil(image.height / 16)
        kept = torch.tensor([i for i in range(n) if i not in dropped])
        return tok.build_native(normed, kept, image.size)
    fine = torch.tensor(record["fine"])
    n_regions = math.prod(pad_or_crop(normed, 32).shape[1:]) // 32**2
    n_tokens = n_regions + 3 * len(fine)
    kept = torch.tensor([i for i in range(n_tokens) if i not in dropped])
    return tok.build_multiscale(normed, fine, kept, image.size)


def _pair(entry):
    a = synthetic_image(entry["a"][0], tuple(entry["a"][1]))
    b = synthetic_image(entry["b"][0], tuple(entry["b"][1])) if entry["b"] else a.copy()
    if entry["square"]:
        ImageDraw.Draw(b).rectangle(entry["square"], fill=(10, 200, 40))
    return a, b


def _within_standard_error(ours: float, release: list[float], k: int) -> float:
    """z of fgaesq_core's k-draw mean against the release's mean over its draws."""
    sd = float(np.std(release, ddof=1))
    se = math.sqrt(sd**2 / len(release) + sd**2 / k)
    return abs(ours - float(np.mean(release))) / max(se, 1e-6)


# ------------------------------------------------------------------------- native path
def test_native_scores_match_release(vit_b16):
    # Three of the stored images keep the test short; all take the native path (<= 511 patches).
    entries = REFERENCE["native"]["images"][1:4]
    tokens = [vit_b16.tokenizer.tokenize(_image(e)) for e in entries]
    assert [t.num_tokens for t in tokens] == [e["tokens"] for e in entries]
    scores = vit_b16.score_tokens(tokens, batch_size=len(tokens))
    np.testing.assert_allclose(scores, [e["score"] for e in entries], rtol=0, atol=ATOL)


@pytest.mark.slow
def test_other_native_scores_match_release(vit_b16):
    entries = [REFERENCE["native"]["images"][i] for i in (0, 4)]
    scores = vit_b16.score([_image(e) for e in entries], batch_size=8)
    np.testing.assert_allclose(scores, [e["score"] for e in entries], rtol=0, atol=ATOL)


# ------------------------------------------------------------------------------ replay
def test_replayed_single_image_draws_match_release(scorer):
    tok = scorer.tokenizer
    entries = REFERENCE["single"]
    tokens = [_replay(tok, _image(e), e) for e in entries]
    cropped = next(t for e, t in zip(entries, tokens, strict=True) if e["size"] == [1010, 710])
    assert cropped.region_grid == (22, 31)  # pad_or_crop's crop branch: 992 x 704
    assert [t.num_tokens for t in tokens] == [512, 512, 512, 475, 512]
    got = scorer.score_tokens(tokens)
    np.testing.assert_allclose(got, [e["score"] for e in entries], rtol=0, atol=ATOL)


def test_replayed_pairs_match_release_geometry_ssim_and_scores(scorer):
    tok = scorer.tokenizer
    tokens, expected = [], []
    axes = set()
    for entry in REFERENCE["pairs"]:
        a, b = _pair(entry)
        for replay in entry["replays"]:
            axes.add((entry["kind"], replay["axis"]))
            a2, b2 = tok.align_pair(a, b, replay["axis"])
            assert [list(a2.size), list(b2.size)] == replay["sizes"], entry["kind"]
            fa, fb = (pad_or_crop(to_tensor(x), 32) for x in (a2, b2))
            diff = region_difference(fa, fb, 32)
            np.testing.assert_allclose(diff.numpy(), replay["importance"], rtol=0, atol=2e-5)
            tokens += [_replay(tok, a2, replay["first"]), _replay(tok, b2, replay["second"])]
            expected += [replay["first"]["score"], replay["second"]["score"]]
    # both coin sides of the pair whose alignments differ (one pairs regions shifted)
    assert {("unequal-aspect", "width"), ("unequal-aspect", "height")} <= axes
    got = scorer.score_tokens(tokens)
    np.testing.assert_allclose(got, expected, rtol=0, atol=ATOL)


def test_replayed_series_match_release_inference_series(scorer):
    tok = scorer.tokenizer
    for entry in REFERENCE["series"]:
        frames = synthetic_burst(entry["seed"], tuple(entry["size"]), entry["frames"])
        tokens, owners = [], []
        for pair in entry["pairs"]:
            a2, b2 = tok.align_pair(frames[pair["i"]], frames[pair["j"]], pair["axis"])
            assert [list(a2.size), list(b2.size)] == pair["sizes"]
            tokens += [_replay(tok, a2, pair["first"]), _replay(tok, b2, pair["second"])]
            owners += [pair["i"], pair["j"]]
        got = scorer.score_tokens(tokens)
        expected = [s for p in entry["pairs"] for s in (p["first"]["score"], p["second"]["score"])]
        np.testing.assert_allclose(got, expected, rtol=0, atol=ATOL)
        per_frame = [
            [s for s, o in zip(got, owners, strict=True) if o == i] for i in range(len(frames))
        ]
        series = blend_with_series_mean(per_frame)
        np.testing.assert_allclose(series, entry["scores"], rtol=0, atol=ATOL)


# ------------------------------------------------------------------------ distribution
def test_k_draw_means_lie_within_the_release_spread(scorer):
    k = scorer.draws
    single = [e for e in REFERENCE["single"] if np.std(e["draws"]) > 0]
    ours = scorer.score([_image(e) for e in single])
    z = [_within_standard_error(o, e["draws"], k) for o, e in zip(ours, single, strict=True)]
    for entry in REFERENCE["pairs"][:2]:
        a, b = _pair(entry)
        draws = scorer.tokenizer.pair_samples(a, b, k)
        means = scorer.score_groups([[t for t, _ in draws], [t for _, t in draws]])
        z += [
            _within_standard_error(m, entry["draws"][side], k)
            for m, side in zip(means, ("first", "second"), strict=True)
        ]
    assert max(z) < Z_LIMIT, z


@pytest.mark.slow
def test_pairwise_series_scores_lie_within_the_release_spread(scorer):
    entry = REFERENCE["series"][0]
    frames = synthetic_burst(entry["seed"], tuple(entry["size"]), entry["frames"])
    ranking = scorer.rank_series(frames, mode="pairwise")
    # each release draw is one series run (one draw per pair); ours draws every pair
    # ceil(draws / (n - 1)) times
    k = -(-scorer.draws // (len(frames) - 1))
    z = [
        _within_standard_error(o, d, k) for o, d in zip(ranking.scores, entry["draws"], strict=True)
    ]
    assert max(z) < Z_LIMIT, z
