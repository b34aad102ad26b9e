"""DiffToken: token budget, native and multiscale paths, reproducible draws, pair geometry.

The release-distribution properties of the draws are tested in test_core_sampling.py.
"""

import pytest
import torch
from PIL import ImageDraw
from torchvision.transforms.functional import to_tensor

from fgaesq_core import DiffToken, TokenizerConfig, collate
from fgaesq_core.testing import single_thread, synthetic_image
from fgaesq_core.tokens import PAD_POS

CFG = TokenizerConfig()


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    with single_thread():
        yield


@pytest.fixture(scope="module")
def tok():
    return DiffToken(CFG)


def assert_same(a, b):
    for name in ("patches", "scale_ids", "pos_ids", "padding"):
        assert torch.equal(getattr(a, name), getattr(b, name)), name
    assert (a.grids, a.fine_regions, a.region_grid) == (b.grids, b.fine_regions, b.region_grid)


def test_native_path_shapes_and_padding(tok):
    t = tok.tokenize(synthetic_image(1, (200, 97)))  # 13 x 7 patches after padding
    assert t.patches.shape == (512, 3, 16, 16)
    assert t.grids == ((7, 13),) and t.region_grid is None and t.fine_regions == ()
    assert t.num_tokens == 1 + 91
    assert t.pos_ids[0] == 0 and torch.equal(t.pos_ids[1:92], torch.arange(1, 92))
    assert bool(t.padding[92:].all()) and bool((t.pos_ids[92:] == PAD_POS).all())
    assert int(t.scale_ids.max()) == 0
    # the right/bottom padding of the normalised image is zero
    assert torch.count_nonzero(t.patches[13, :, :, 8:]) == 0  # last column: 200 = 12*16 + 8


def test_native_patches_are_row_major(tok):
    img = synthetic_image(2, (48, 32))
    t = tok.tokenize(img)
    normed = tok.normalise(to_tensor(img))
    torch.testing.assert_close(t.patches[1 + 4], normed[:, 16:32, 16:32])  # row 1, col 1 of 3 cols


def test_exactly_512_patches_drops_one_random_token_reproducibly(tok):
    img = synthetic_image(3, (512, 256))  # 32 x 16 = 512 patches + CLS = 513
    assert tok.is_sampled(img.size) and not tok.is_sampled((511 * 16, 16))
    draws = tok.samples(img, 6)
    dropped = set()
    for t in draws:
        assert t.num_tokens == 512 and not bool(t.padding.any())
        assert t.grids == ((16, 32),)
        kept = set(t.pos_ids[1:].tolist())
        assert len(kept) == 511 and kept <= set(range(1, 513))
        dropped |= set(range(1, 513)) - kept
    assert len(dropped) > 1  # the dropped patch is drawn, not ranked
    assert_same(draws[0], DiffToken(CFG).tokenize(img.copy()))


def test_large_image_is_multiscale_within_budget(tok):
    img = synthetic_image(4, (1000, 700))
    t = tok.tokenize(img)
    rows, cols = t.region_grid
    # pad (4 x 24 = 96 px) beats crop (28 x 8 = 224 px): 704 x 1024 -> 22 x 32 regions
    assert (rows, cols) == (22, 32)
    assert t.grids == ((rows, cols), (2 * rows, 2 * cols))
    assert t.num_tokens == 512  # over budget: tokens were dropped
    assert len(t.fine_regions) == CFG.num_fine_regions == 14
    fine_pos = t.pos_ids[t.scale_ids == 1]
    assert 0 < len(fine_pos) <= 56  # random dropping may take fine tokens too
    assert bool((fine_pos > rows * cols).all())
    assert torch.equal(fine_pos, torch.sort(fine_pos).values)  # release order: fine-grid row-major


def test_same_content_same_tokens_across_calls_and_new_tokenizers(tok):
    for size in ((330, 200), (640, 480)):
        img = synthetic_image(7, size)
        assert_same(tok.tokenize(img), tok.tokenize(img))
        assert_same(tok.tokenize(img), DiffToken(TokenizerConfig()).tokenize(img.copy()))
    a, b = synthetic_image(8, (300, 200)), synthetic_image(9, (300, 200))
    first, second = tok.tokenize_pair(a, b), DiffToken(CFG).tokenize_pair(a.copy(), b.copy())
    assert_same(first, second)


def test_token_position_order_option():
    img = synthetic_image(10, (640, 400))  # multiscale without dropping
    release = DiffToken(CFG).tokenize(img)
    own = DiffToken(TokenizerConfig(fine_pos_order="token")).tokenize(img)
    assert release.fine_regions == own.fine_regions
    fine = own.scale_ids == 1
    assert sorted(own.pos_ids[fine].tolist()) == release.pos_ids[fine].tolist()
    # token order: TL, TR, BL, BR of the first fine region
    rows, cols = own.region_grid
    r, c = divmod(own.fine_regions[0], cols)
    base = 1 + rows * cols
    expected = [base + (2 * r + dr) * 2 * cols + 2 * c + dc for dr in (0, 1) for dc in (0, 1)]
    assert own.pos_ids[fine][:4].tolist() == expected


def _changed_pair():
    a = synthetic_image(11, (320, 240))
    b = a.copy()
    ImageDraw.Draw(b).rectangle([200, 50, 260, 110], fill=(20, 220, 60))
    return a, b


def _square_regions(t):
    scale = t.image_size[0] / 320
    rows, cols = t.region_grid
    x0, y0, x1, y1 = (int(v * scale) // 32 for v in (200, 50, 260, 110))
    return {r * cols + c for r in range(y0 + 1, y1) for c in range(x0 + 1, x1)}  # inner regions


def test_pair_fine_regions_are_drawn_from_the_changed_half(tok):
    a, b = _changed_pair()
    draws = tok.pair_samples(a, b, 8)
    ta, tb = draws[0]
    rows, cols = ta.region_grid
    square = _square_regions(ta)
    assert square and ta.num_tokens <= 512 and ta.image_size == tb.image_size
    # small pairs are upsampled: short side at least 384
    assert min(ta.image_size) >= CFG.min_pair_short_side
    seen = set()
    for first, second in draws:
        assert len(first.fine_regions) == len(second.fine_regions) == 14
        seen |= set(first.fine_regions) | set(second.fine_regions)
    assert square & seen  # the changed square is among the candidates ...
    assert len(seen) > 14  # ... and the 14 are drawn, so draws and directions differ
    assert ta.fine_regions != tb.fine_regions


def test_pair_alignment_to_the_larger_width_or_height(tok):
    a = synthetic_image(12, (1200, 800))
    b = synthetic_image(13, (600, 400))
    for axis in ("width", "height"):
        a2, b2 = tok.align_pair(a, b, axis)
        assert a2.size == b2.size == (1200, 800)
    portrait = synthetic_image(14, (400, 600))
    assert [im.size for im in tok.align_pair(a, portrait, "width")] == [(1200, 800), (1200, 1800)]
    assert [im.size for im in tok.align_pair(a, portrait, "height")] == [(1200, 800), (533, 800)]
    with pytest.raises(ValueError, match="axis"):
        tok.align_pair(a, portrait, "long")


def test_collate_batches_and_rejects_mixed(tok):
    items = [tok.tokenize(synthetic_image(i, (64, 48))) for i in range(3)]
    batch = collate(items)
    assert batch.batched and batch.patches.shape == (3, 512, 3, 16, 16) and len(batch.grids) == 3
    with pytest.raises(ValueError):
        collate([])
    with pytest.raises(ValueError):
        collate([batch])


def test_non_rgb_inputs_are_converted(tok):
    gray = synthetic_image(15, (64, 48)).convert("L")
    t = tok.tokenize(gray)
    assert t.patches.shape[1] == 3 and t.num_tokens == 1 + 12
