"""Decisive regions of a pair on the tiny model: the region that holds the difference."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

import fgaesq_core
from fgaesq_core.attribution import decisive_regions
from fgaesq_core.testing import released_state_dict

SIZE = (512, 384)  # the pair is aligned at this size: 32 px regions, 16 x 12 of them
CHANGED = (5, 7)  # (row, col) of the only region where the runner-up differs


@pytest.fixture(scope="module")
def scorer(tmp_path_factory):
    path = tmp_path_factory.mktemp("w") / "tiny.pt"
    torch.save(released_state_dict(4, "tiny"), path)
    return fgaesq_core.load_model(weights=path, config="tiny", device="cpu")


def _pair(changed=CHANGED):
    rng = np.random.default_rng(0)
    small = rng.uniform(0, 255, (48, 64, 3)).astype(np.uint8)
    pick = np.asarray(Image.fromarray(small).resize(SIZE, Image.Resampling.BICUBIC)).copy()
    runner = pick.copy()
    if changed is not None:
        row, col = changed
        window = (slice(row * 32, row * 32 + 32), slice(col * 32, col * 32 + 32))
        runner[window] = rng.uniform(0, 255, (32, 32, 3)).astype(np.uint8)
    return Image.fromarray(pick), Image.fromarray(runner)


def test_the_region_that_holds_the_difference_holds_the_lead(scorer):
    pick, runner = _pair()
    found = decisive_regions(scorer, pick, runner)
    effects = {c.index: c.effect for c in found.candidates}
    changed = CHANGED[0] * 16 + CHANGED[1]
    assert changed in effects  # DiffToken kept it at full resolution
    assert effects[changed] == pytest.approx(found.lead, abs=1e-5)
    assert all(abs(e) < 1e-5 for i, e in effects.items() if i != changed)
    assert found.lead != 0
    if abs(found.lead) > 1e-3:
        assert [r.index for r in found.regions] == [changed]
    box = next(c.box for c in found.candidates if c.index == changed)
    assert box == pytest.approx((CHANGED[1] * 32, CHANGED[0] * 32, 32, 32))  # pick's pixels


def test_identical_frames_point_at_no_region_and_boxes_follow_the_picks_pixels(scorer):
    pick, runner = _pair(changed=None)
    half = [im.resize((256, 192), Image.Resampling.BILINEAR) for im in (pick, runner)]
    found = decisive_regions(scorer, *half)
    assert found.lead == pytest.approx(0, abs=1e-6)
    assert found.regions == ()
    # The pair was enlarged to be tokenised; boxes come back in the 256 px frame's pixels.
    for candidate in found.candidates:
        x, y, w, h = candidate.box
        assert 0 <= x < 256 and 0 <= y < 192 and 0 < w < 32 and w == pytest.approx(h)


def test_the_app_names_the_flaw_inside_the_models_decisive_region(scorer):
    """One code path: the model's region, the technical measures' words for what is there."""
    from PIL import ImageFilter

    from app.scoring.why import explain_with_model

    pick, _ = _pair(changed=None)
    row, col = CHANGED
    box = (col * 32, row * 32, col * 32 + 32, row * 32 + 32)
    runner = pick.copy()
    runner.paste(pick.crop(box).filter(ImageFilter.GaussianBlur(3)), box[:2])
    why = explain_with_model(scorer, pick, runner, ("a.jpg", "b.jpg"), source_size=(1024, 768))
    if not why.regions:  # the random tiny model may not care about this region
        assert why.sentence == "won on the model's overall judgement"
        return
    x, y, w, h = why.regions[0].box
    assert (x, y, w, h) == pytest.approx((2 * col * 32, 2 * row * 32, 64, 64))  # original px
    assert why.regions[0].flaw in ("blur", "model")
    assert why.sentence in ("sharper on the subject", "the model preferred it in the marked region")
