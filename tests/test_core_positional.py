"""Positional-embedding interpolation: scale-factor semantics, identity at 14x14, caching."""

import torch
import torch.nn.functional as F

from fgaesq_core.positional import PositionalTable, interpolate_grid


def _grid(side=14, dim=8, seed=0):
    return torch.randn(side * side, dim, generator=torch.Generator().manual_seed(seed))


def test_matches_interpolate_with_scale_factor_not_size():
    pos = _grid()
    rows, cols = 23, 9
    ref = (
        F.interpolate(
            pos.reshape(1, 14, 14, 8).permute(0, 3, 1, 2),
            scale_factor=((rows + 0.1) / 14, (cols + 0.1) / 14),
            mode="bicubic",
            align_corners=False,
        )
        .permute(0, 2, 3, 1)
        .reshape(-1, 8)
    )
    got = interpolate_grid(pos, (rows, cols), 0.1)
    assert got.shape == (rows * cols, 8)
    torch.testing.assert_close(got, ref, rtol=0, atol=0)
    by_size = (
        F.interpolate(
            pos.reshape(1, 14, 14, 8).permute(0, 3, 1, 2),
            size=(rows, cols),
            mode="bicubic",
            align_corners=False,
        )
        .permute(0, 2, 3, 1)
        .reshape(-1, 8)
    )
    assert not torch.allclose(got, by_size, atol=1e-4)  # the two semantics really differ


def test_native_grid_with_offset_is_close_to_identity():
    pos = _grid()
    got = interpolate_grid(pos, (14, 14), 0.1)
    assert got.shape == pos.shape
    assert (got - pos).abs().max() < 0.1 * pos.abs().max()
    torch.testing.assert_close(interpolate_grid(pos, (14, 14), 0.0), pos, rtol=1e-5, atol=1e-5)


def test_table_layout_cache_and_invalidation():
    pos = torch.nn.Parameter(torch.randn(1 + 16, 4))
    table = PositionalTable(0.1)
    with torch.no_grad():
        t = table.table(pos, ((2, 3), (4, 6)))
        assert t.shape == (1 + 6 + 24 + 1, 4)
        torch.testing.assert_close(t[0], pos[0].detach())
        assert torch.count_nonzero(t[-1]) == 0
        first = table.grid(pos, (2, 3))
        assert table.grid(pos, (2, 3)) is first  # cached
        pos.add_(1.0)  # weights changed: cache dropped
        assert not torch.equal(table.grid(pos, (2, 3)), first)
    # with gradients flowing, the embedding stays trainable
    out = table.gather(pos, (((2, 3),),), torch.tensor([[0, 1, 6, -1]]))
    out.sum().backward()
    assert pos.grad is not None and pos.grad.abs().sum() > 0
