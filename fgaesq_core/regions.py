"""Image geometry on (3, H, W) tensors: padding, patch grids, region SSIM and difference."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def pad_to_multiple(x: torch.Tensor, size: int) -> torch.Tensor:
    """Zero-pad right and bottom so height and width are multiples of ``size``."""
    h, w = x.shape[-2:]
    return F.pad(x, (0, (-w) % size, 0, (-h) % size))


def fitted_size(h: int, w: int, size: int) -> tuple[int, int]:
    """Height and width after ``pad_or_crop``: multiples of ``size``.

    Cropping is chosen when it loses fewer pixels than padding adds, counted by the
    released rule: the product of the per-axis remainders (a zero remainder counts as 1)
    for cropping, and of the per-axis paddings (zero counts as 1) for padding.
    """
    crop = max(h % size, 1) * max(w % size, 1)
    pad = (((-h) % size) or 1) * (((-w) % size) or 1)
    if pad > crop:
        return h - h % size, w - w % size
    return h + (-h) % size, w + (-w) % size


def pad_or_crop(x: torch.Tensor, size: int) -> torch.Tensor:
    """Fit ``x`` to a multiple of ``size``, cropping or zero-padding right and bottom
    (``fitted_size`` decides which)."""
    h, w = x.shape[-2:]
    fh, fw = fitted_size(h, w, size)
    if fh <= h and fw <= w:
        return x[..., :fh, :fw]
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


def ssim_uniform(a: torch.Tensor, b: torch.Tensor, win_size: int = 7) -> torch.Tensor:
    """SSIM of each image pair in two (N, C, H, W) batches in [0, 1], averaged over channels.

    The released tokenizer's SSIM, scikit-image's ``structural_similarity`` with its
    defaults and ``data_range=1``: a uniform ``win_size`` window, sample covariance
    (N / (N - 1)), K1 = 0.01, K2 = 0.03, the mean over the window positions that lie
    inside the image, per channel.  pytorch-msssim uses a Gaussian window and population
    variances, which moves 3 % of the regions across the top-half boundary that the pair
    tokenizer draws from (see docs/model.md), hence this small batched version.

    Returns:
        (N,) similarities, float32, on the inputs' device.
    """
    if a.shape[0] == 0:
        return torch.zeros(0, device=a.device)
    # float32 on values centred per image and channel: E[x^2] - E[x]^2 then subtracts
    # numbers of the size of the variance, not of the mean, and nothing cancels (the
    # uncentred float32 form was up to 2e-4 off).  Within 1e-6 of float64 on photos, at a
    # third of its cost (docs/model.md, "Performance notes").
    x, y = a.float(), b.float()
    cx, cy = x.mean((2, 3), keepdim=True), y.mean((2, 3), keepdim=True)
    x, y = x - cx, y - cy
    n = win_size * win_size
    moments = window_sums(torch.stack([x, y, x * x, y * y, x * y]), win_size) / n
    mx, my, xx, yy, xy = moments
    cov_norm = n / (n - 1)
    vx = cov_norm * (xx - mx * mx)
    vy = cov_norm * (yy - my * my)
    vxy = cov_norm * (xy - mx * my)
    mx, my = mx + cx, my + cy
    c1, c2 = 0.01**2, 0.03**2
    s = ((2 * mx * my + c1) * (2 * vxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    return s.flatten(2).mean(2).mean(1)


def window_sums(x: torch.Tensor, win_size: int) -> torch.Tensor:
    """Sums over every ``win_size`` square window inside the last two dimensions (a valid
    box filter), from running sums: two passes of one subtraction each, whatever the window."""
    for dim in (-1, -2):
        total = x.cumsum(dim)
        first = total.narrow(dim, win_size - 1, 1)
        rest = total.narrow(dim, win_size, total.shape[dim] - win_size) - total.narrow(
            dim, 0, total.shape[dim] - win_size
        )
        x = torch.cat([first, rest], dim)
    return x


def region_difference(
    a: torch.Tensor, b: torch.Tensor, size: int, win_size: int = 7
) -> torch.Tensor:
    """1 - SSIM of regions paired by their row-major index, the released pairing.

    Both images are cut to their common height; the regions of each are listed
    row-major over its own width, and the k-th region of one is compared with the k-th
    of the other, for as many as both have.  With equal widths that is the overlap
    grid; with unequal widths the pairs are shifted, as in the release.

    Returns:
        (m,) differences in [0, 1], m = the smaller region count of the two crops.
    """
    h = min(a.shape[1], b.shape[1]) // size * size
    ra = to_patches(a[:, :h], size)
    rb = to_patches(b[:, :h], size)
    m = min(len(ra), len(rb))
    return (1.0 - ssim_uniform(ra[:m], rb[:m], win_size)).clamp(0.0, 1.0)


def descending_order(values: torch.Tensor) -> torch.Tensor:
    """Indices sorted by ``values``, descending; ties keep index order (a stable sort)."""
    return torch.sort(values.cpu(), descending=True, stable=True).indices
