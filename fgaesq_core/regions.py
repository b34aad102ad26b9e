"""Image geometry on (3, H, W) tensors: padding, patch grids, region detail and difference."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from pytorch_msssim import ssim


def pad_to_multiple(x: torch.Tensor, size: int) -> torch.Tensor:
    """Zero-pad right and bottom so height and width are multiples of ``size``."""
    h, w = x.shape[-2:]
    return F.pad(x, (0, (-w) % size, 0, (-h) % size))


def pad_or_crop(x: torch.Tensor, size: int) -> torch.Tensor:
    """Fit ``x`` to a multiple of ``size``: crop when that loses fewer pixels than padding adds.

    The pixel counts are the released rule's: the product of the per-axis remainders
    (a zero remainder counts as 1) for cropping and of the per-axis paddings (zero
    counts as 1) for padding.
    """
    h, w = x.shape[-2:]
    crop = max(h % size, 1) * max(w % size, 1)
    pad = (((-h) % size) or 1) * (((-w) % size) or 1)
    if pad > crop:
        return x[..., : h - h % size, : w - w % size]
    return pad_to_multiple(x, size)


def to_patches(x: torch.Tensor, size: int) -> torch.Tensor:
    """Split (C, H, W) with H, W multiples of ``size`` into (rows * cols, C, size, size), row-major."""
    c = x.shape[0]
    grid = x.unfold(1, size, size).unfold(2, size, size)  # C, rows, cols, size, size
    return grid.permute(1, 2, 0, 3, 4).reshape(-1, c, size, size)


def split_fine(regions: torch.Tensor, patch: int) -> torch.Tensor:
    """Split (N, C, 2p, 2p) regions into (4N, C, p, p) sub-patches: TL, TR, BL, BR per region."""
    n, c = regions.shape[:2]
    sub = regions.reshape(n, c, 2, patch, 2, patch).permute(0, 2, 4, 1, 3, 5)
    return sub.reshape(n * 4, c, patch, patch)


def detail_energy(x: torch.Tensor, size: int) -> torch.Tensor:
    """Gradient energy of each ``size`` x ``size`` cell of (C, H, W), row-major (rows * cols,).

    Mean of squared horizontal and vertical differences of the channel mean: flat cells
    score 0, textured and sharp cells high.  Deterministic on a given device.
    """
    g = x.float().mean(dim=0)
    dx = F.pad((g[:, 1:] - g[:, :-1]) ** 2, (0, 1))
    dy = F.pad((g[1:, :] - g[:-1, :]) ** 2, (0, 0, 0, 1))
    energy = (dx + dy)[None, None]
    return F.avg_pool2d(energy, size, stride=size).flatten()


def region_difference(
    a: torch.Tensor, b: torch.Tensor, size: int, win_size: int = 7
) -> torch.Tensor:
    """Per-region dissimilarity 1 - SSIM of two [0, 1] images over their overlapping grid.

    Both images must already be multiples of ``size``.  All regions go through one
    batched pytorch-msssim call on the tensors' device.

    Args:
        a: (3, Ha, Wa) image in [0, 1].
        b: (3, Hb, Wb) image in [0, 1], on the same device.
        size: region side in pixels.
        win_size: odd SSIM window, at most ``size``.

    Returns:
        (rows, cols) differences in [0, 1] for the overlap grid
        (min of both heights and widths).
    """
    rows = min(a.shape[1], b.shape[1]) // size
    cols = min(a.shape[2], b.shape[2]) // size
    if rows == 0 or cols == 0:
        return torch.zeros(rows, cols, device=a.device)
    h, w = rows * size, cols * size
    ra = to_patches(a[:, :h, :w].float(), size)
    rb = to_patches(b[:, :h, :w].float(), size)
    sim = ssim(ra, rb, data_range=1.0, size_average=False, win_size=win_size)
    return (1.0 - sim).clamp(0.0, 1.0).reshape(rows, cols)


def image_similarity(a: torch.Tensor, b: torch.Tensor, win_size: int = 7) -> torch.Tensor:
    """SSIM of each image pair in two (N, 3, H, W) batches in [0, 1]; one batched call."""
    if a.shape[0] == 0:
        return torch.zeros(0, device=a.device)
    return ssim(a.float(), b.float(), data_range=1.0, size_average=False, win_size=win_size)


def descending_order(primary: torch.Tensor, secondary: torch.Tensor | None = None) -> torch.Tensor:
    """Indices sorted by ``primary`` then ``secondary`` (both descending), ties by index."""
    order = torch.arange(primary.numel())
    if secondary is not None:
        order = torch.sort(secondary.cpu(), descending=True, stable=True).indices
    keys = primary.cpu()[order]
    return order[torch.sort(keys, descending=True, stable=True).indices]
