"""Scores equal the released FGAesQ inference code's on a seeded released-layout checkpoint.

The reference values in data/core/release_scores.json were produced by running the
released code itself (see docs/model.md, "How parity was established").
"""

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import ImageDraw
from torchvision.transforms.functional import to_tensor

import fgaesq_core
from fgaesq_core.checkpoint import load_into, released_to_project
from fgaesq_core.testing import released_state_dict, synthetic_image

REFERENCE = json.loads((Path(__file__).parent / "data/core/release_scores.json").read_text())
ATOL = 1e-4


@pytest.fixture(scope="module")
def scorer():
    ckpt = REFERENCE["checkpoint"]
    state = released_state_dict(ckpt["seed"], ckpt["config"])
    model = fgaesq_core.create_model(ckpt["config"], pretrained=None)
    load_into(model, released_to_project(state, "seeded"), "seeded")
    return fgaesq_core.Scorer(model, torch.device("cpu"), "seeded")


def _image(entry):
    img = synthetic_image(entry["seed"], tuple(entry["size"]))
    if "pixel_sum" in entry:  # guards against the image generator drifting
        assert int(np.asarray(img, dtype=np.int64).sum()) == entry["pixel_sum"]
    return img


def test_single_image_scores_match_release(scorer):
    # Three of the stored images keep the test short; all take the native path (<= 511 patches).
    entries = REFERENCE["single"][1:4]
    images = [_image(e) for e in entries]
    tokens = [scorer.tokenizer.tokenize(im) for im in images]
    assert [t.num_tokens for t in tokens] == [e["tokens"] for e in entries]
    scores = scorer.score_tokens(tokens, batch_size=len(tokens))
    np.testing.assert_allclose(scores, [e["score"] for e in entries], rtol=0, atol=ATOL)


@pytest.mark.slow
def test_other_single_and_forced_multiscale_pair_scores_match_release(scorer):
    single = [REFERENCE["single"][0], REFERENCE["single"][4]]
    scores = scorer.score([_image(e) for e in single], batch_size=8)
    np.testing.assert_allclose(scores, [e["score"] for e in single], rtol=0, atol=ATOL)

    multi, pair = REFERENCE["forced"]
    tok = scorer.tokenizer
    img = _image(multi)
    normed = tok.normalise(to_tensor(img))
    tokens = tok.build_multiscale(normed, torch.tensor(multi["fine_regions"]), None, img.size)
    assert tokens.num_tokens == multi["tokens"]
    a = _image(pair)
    b = a.copy()
    ImageDraw.Draw(b).rectangle(pair["square"], fill=(10, 200, 40))
    a2, b2 = tok.align_pair(a, b, "width")
    fine = torch.tensor(pair["fine_regions"])
    ta, tb = (
        tok.build_multiscale(tok.normalise(to_tensor(x)), fine, None, x.size) for x in (a2, b2)
    )
    got = scorer.score_tokens([tokens, ta, tb])
    np.testing.assert_allclose(got, [multi["score"], *pair["score"]], rtol=0, atol=ATOL)
