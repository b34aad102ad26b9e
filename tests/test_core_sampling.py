"""DiffToken draws from the released code's distribution, reproducibly.

A small tokenizer (48-token budget, 4 fine regions) keeps the many draws these
frequency checks need fast.
"""

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw
from torchvision.transforms.functional import to_tensor

from fgaesq_core import DiffToken, TokenizerConfig
from fgaesq_core.regions import pad_or_crop, region_difference, ssim_uniform, to_patches
from fgaesq_core.sampling import choose_from_top, content_digest, drop_to_budget, seeded_generator
from fgaesq_core.testing import single_thread, synthetic_image

SMALL = TokenizerConfig(max_tokens=48, initial_hidden_size=32, min_pair_short_side=96)
DRAWS = 300


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    with single_thread():
        yield


def same(a, b) -> bool:
    return all(torch.equal(getattr(a, n), getattr(b, n)) for n in ("patches", "pos_ids"))


def textured_corner(size=(256, 192)) -> Image.Image:
    """Flat grey with fine stripes in the top-left 64x64: a detail ranking picks those."""
    img = Image.new("RGB", size, (120, 120, 120))
    draw = ImageDraw.Draw(img)
    for x in range(0, 64, 2):
        draw.line([(x, 0), (x, 63)], fill=(255, 255, 255) if x % 4 else (0, 0, 0))
    return img


def test_single_image_fine_regions_are_uniform_and_tokens_dropped_uniformly():
    tok = DiffToken(SMALL)
    img = textured_corner()  # 16 x 12 patches > 48: 8 x 6 regions, 4 fine, 61 tokens > 48
    gen = torch.Generator().manual_seed(1)
    counts = np.zeros(48)
    fine_tokens_kept = []
    for _ in range(DRAWS):
        t = tok.tokenize(img, generator=gen)
        assert t.region_grid == (8, 6)[::-1] and t.num_tokens == 48
        counts[list(t.fine_regions)] += 1
        fine_tokens_kept.append(int((t.scale_ids == 1).sum()))
    expected = DRAWS * 4 / 48  # 25 per region; binomial sd 4.8
    assert counts.min() > expected - 20 and counts.max() < expected + 20
    # 13 of 60 tokens are dropped uniformly: each of the 16 fine tokens stays with p = 47/60
    assert np.mean(fine_tokens_kept) == pytest.approx(16 * 47 / 60, abs=0.3)
    assert min(fine_tokens_kept) < 16


def test_pair_fine_regions_are_uniform_over_the_top_half_by_difference():
    tok = DiffToken(SMALL)
    a = synthetic_image(3, (256, 192))
    b = a.copy()
    ImageDraw.Draw(b).rectangle([100, 40, 200, 150], fill=(30, 200, 90))
    fa, fb = (pad_or_crop(to_tensor(x), 32) for x in (a, b))
    diff = region_difference(fa, fb, 32)
    top_half = set(torch.argsort(diff, descending=True, stable=True)[:24].tolist())
    gen = torch.Generator().manual_seed(2)
    counts = np.zeros(48)
    for ta, tb in tok.pair_samples(a, b, DRAWS // 2, generator=gen):
        assert ta.image_size == (256, 192)  # large enough: no resizing
        for t in (ta, tb):
            counts[list(t.fine_regions)] += 1
    assert set(np.nonzero(counts)[0]) == top_half
    expected = DRAWS * 4 / 24  # 50 per candidate; binomial sd 6.5
    picked = counts[sorted(top_half)]
    assert picked.min() > expected - 27 and picked.max() < expected + 27


def test_regions_without_counterpart_get_random_importance():
    """The taller image's extra rows have no counterpart: the release gives them a random
    importance, so they outrank the identical overlap and are drawn fine."""
    tok = DiffToken(SMALL)
    a = synthetic_image(4, (256, 192))
    b = Image.new("RGB", (256, 256))
    b.paste(a, (0, 0))
    b.paste(synthetic_image(5, (256, 64)), (0, 192))
    extra_rows = set(range(48, 64))  # rows 6 and 7 of b's 8 x 8 regions
    first_of_overlap = set(range(16))  # zero difference: the top 32 ties go to low indices
    fine = set()
    for tb, ta in tok.pair_samples(b, a, 16):
        if ta.image_size == (256, 192):  # the coin chose the common width: a unchanged
            fine |= set(tb.fine_regions)
    assert fine & extra_rows and fine <= extra_rows | first_of_overlap


def test_content_seeding_is_reproducible_and_order_free():
    tok = DiffToken(SMALL)
    img = synthetic_image(6, (300, 220))
    draws = tok.samples(img, 4)
    assert same(draws[0], tok.tokenize(img.copy()))
    assert not same(draws[0], draws[1])
    assert all(same(x, y) for x, y in zip(draws, tok.samples(img.copy(), 4), strict=True))
    assert len(tok.samples(synthetic_image(6, (96, 64)), 4)) == 1  # nothing drawn: one
    assert content_digest(img) != content_digest(synthetic_image(7, (300, 220)))

    a, b = synthetic_image(8, (200, 150)), synthetic_image(9, (200, 150))
    ab = tok.pair_samples(a, b, 3)
    ba = tok.pair_samples(b, a, 3)
    for (x, y), (y2, x2) in zip(ab, ba, strict=True):  # argument order does not matter
        assert same(x, x2) and same(y, y2)
    c = synthetic_image(13, (150, 200))  # the alignment coin matters for unlike shapes
    ac, ca = tok.pair_samples(a, c, 6), tok.pair_samples(c, a, 6)
    assert len({x.image_size for x, _ in ac}) == 2  # both coin sides occur
    for (x, y), (y2, x2) in zip(ac, ca, strict=True):
        assert same(x, x2) and same(y, y2)
    assert same(tok.tokenize_pair(a, b), ab[0][0])
    assert same(tok.tokenize_pair_both(a, b)[1], ab[0][1])


def test_explicit_generator_drives_the_draw():
    tok = DiffToken(SMALL)
    img = synthetic_image(10, (300, 220))
    one = tok.tokenize(img, generator=torch.Generator().manual_seed(5))
    again = tok.tokenize(img, generator=torch.Generator().manual_seed(5))
    other = tok.tokenize(img, generator=torch.Generator().manual_seed(6))
    assert same(one, again) and not same(one, other)
    small = synthetic_image(10, (96, 64))  # native path: nothing is drawn
    assert same(tok.tokenize(small, torch.Generator().manual_seed(5)), tok.tokenize(small))
    a, b = synthetic_image(11, (200, 150)), synthetic_image(12, (200, 150))
    p1 = tok.tokenize_pair_both(a, b, generator=torch.Generator().manual_seed(7))
    p2 = tok.tokenize_pair_both(a, b, generator=torch.Generator().manual_seed(7))
    assert same(p1[0], p2[0]) and same(p1[1], p2[1])
    assert seeded_generator(b"x", draw=1).initial_seed() != seeded_generator(b"x").initial_seed()


def test_drop_spares_the_release_pair_slots_while_others_suffice():
    gen = torch.Generator().manual_seed(0)
    spared = torch.tensor([0, 3, 7])
    for _ in range(50):
        kept = drop_to_budget(10, 6, gen, spared)
        assert len(kept) == 6 and set(spared.tolist()) <= set(kept.tolist())
    kept = drop_to_budget(10, 2, gen, spared)  # 8 to drop, 7 droppable: one spared goes
    assert len(kept) == 2 and set(kept.tolist()) < set(spared.tolist())
    assert torch.equal(drop_to_budget(5, 9, gen), torch.arange(5))


def test_choose_from_top_breaks_ties_by_index_and_takes_all_when_few():
    gen = torch.Generator().manual_seed(0)
    importance = torch.tensor([0.0, 0.5, 0.5, 0.5, 0.1, 0.0])
    assert choose_from_top(importance, 4, 0.5, gen).tolist() == [1, 2, 3]
    assert choose_from_top(torch.zeros(6), 4, 0.5, gen).tolist() == [0, 1, 2]
    drawn = {tuple(choose_from_top(importance, 2, 0.5, gen).tolist()) for _ in range(40)}
    assert drawn == {(1, 2), (1, 3), (2, 3)}


def test_ssim_matches_scikit_image():
    metrics = pytest.importorskip("skimage.metrics")
    gen = torch.Generator().manual_seed(0)
    a = torch.rand(6, 3, 32, 32, generator=gen)
    b = (a + 0.2 * torch.rand(6, 3, 32, 32, generator=gen)).clamp(0, 1)
    b[0] = a[0]
    b[1] = 0.5  # flat against texture
    ours = ssim_uniform(a, b).double()
    theirs = [
        np.mean(
            [
                metrics.structural_similarity(x[c].numpy(), y[c].numpy(), data_range=1.0)
                for c in range(3)
            ]
        )
        for x, y in zip(a, b, strict=True)
    ]
    np.testing.assert_allclose(ours.numpy(), theirs, atol=2e-6)
    assert float(ours[0]) == 1.0


def float64_ssim(a: torch.Tensor, b: torch.Tensor, win: int = 7) -> torch.Tensor:
    """The same SSIM spelled out in float64 with a pooled 7x7 mean (the earlier code)."""
    x, y = a.double(), b.double()
    n = win * win

    def mean(t):
        return torch.nn.functional.avg_pool2d(t, win, stride=1)

    mx, my = mean(x), mean(y)
    vx, vy = n / (n - 1) * (mean(x * x) - mx * mx), n / (n - 1) * (mean(y * y) - my * my)
    vxy = n / (n - 1) * (mean(x * y) - mx * my)
    c1, c2 = 0.01**2, 0.03**2
    s = ((2 * mx * my + c1) * (2 * vxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    return s.flatten(2).mean(2).mean(1)


def test_float32_ssim_matches_float64_on_flat_bright_and_textured_regions():
    """The float32 SSIM stays within 1e-6 of float64 where float32 moments cancel most: flat,
    bright regions with faint noise (uncentred float32 moments were up to 2e-4 off there)."""
    gen = torch.Generator().manual_seed(1)
    noise = torch.rand(8, 3, 32, 32, generator=gen)
    a = torch.cat([noise[:2], 0.95 + 2e-3 * noise[2:4], 0.7 + 1e-3 * noise[4:6], 0.02 * noise[6:]])
    b = (a + 1e-3 * torch.rand(a.shape, generator=gen)).clamp(0, 1)
    b[0] = torch.rand(3, 32, 32, generator=gen)  # unrelated texture
    ours = ssim_uniform(a, b)
    assert ours.dtype == torch.float32
    torch.testing.assert_close(ours.double(), float64_ssim(a, b), rtol=0, atol=1e-6)
    thumbs = torch.rand(3, 3, 48, 64, generator=gen)  # whole images, not regions, too
    torch.testing.assert_close(
        ssim_uniform(thumbs, thumbs.flip(0)).double(),
        float64_ssim(thumbs, thumbs.flip(0)),
        rtol=0,
        atol=1e-6,
    )


def test_unequal_widths_pair_regions_by_row_major_index():
    gen = torch.Generator().manual_seed(0)
    a = torch.rand(3, 64, 96, generator=gen)  # 2 x 3 regions
    b = torch.rand(3, 96, 64, generator=gen)  # 3 x 2 regions; common height 64
    diff = region_difference(a, b, 32)
    ra, rb = to_patches(a, 32), to_patches(b[:, :64], 32)
    assert diff.shape == (4,)
    expected = 1 - ssim_uniform(ra[:4], rb[:4])
    torch.testing.assert_close(diff, expected.clamp(0, 1))
    # region 2 of a is (row 0, col 2); of b (row 1, col 0): the release's shifted pairing
    region_2 = (1 - ssim_uniform(ra[2:3], rb[2:3])).clamp(0, 1)
    assert float(diff[2]) == pytest.approx(float(region_2[0]))
