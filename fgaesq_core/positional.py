"""Bicubic interpolation of the CLIP positional embedding to arbitrary token grids.

The released model resizes the 14x14 grid with ``F.interpolate(scale_factor=(rows +
offset) / 14, ...)``.  Passing a scale factor (rather than an output size) makes PyTorch
map output to source coordinates with that factor, so the factor itself must be
reproduced to get the released embeddings.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def interpolate_grid(
    patch_pos: torch.Tensor, size: tuple[int, int], offset: float = 0.1
) -> torch.Tensor:
    """Resize a square grid of positional embeddings to ``size``.

    Args:
        patch_pos: (N, D) embeddings of a square g x g grid (class row excluded).
        size: (rows, cols) of the target grid.
        offset: added to rows/cols before computing the scale factors.

    Returns:
        (rows * cols, D) embeddings in row-major order, float32.

    Raises:
        ValueError: ``patch_pos`` is not a square grid.
    """
    n, dim = patch_pos.shape
    side = math.isqrt(n)
    if side * side != n:
        raise ValueError(f"positional embedding has {n} cells, not a square grid")
    rows, cols = size
    grid = patch_pos.float().reshape(1, side, side, dim).permute(0, 3, 1, 2)
    out = F.interpolate(
        grid,
        scale_factor=((rows + offset) / side, (cols + offset) / side),
        mode="bicubic",
        align_corners=False,
    )
    if out.shape[-2:] != (rows, cols):
        raise ValueError(f"interpolation to {size} gave {tuple(out.shape[-2:])}")
    return out.permute(0, 2, 3, 1).reshape(rows * cols, dim)


class PositionalTable:
    """Builds per-sample positional tables from a model's own embedding, cached per grid.

    The cache is keyed by grid size and is dropped whenever the source embedding changes
    (its version counter or storage), and bypassed while gradients flow into it.
    """

    def __init__(self, offset: float = 0.1) -> None:
        self.offset = offset
        self._cache: dict[tuple[int, int], torch.Tensor] = {}
        self._source_key: tuple | None = None

    def grid(self, pos_embed: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
        """Interpolated (rows * cols, D) embeddings for ``size``."""
        if pos_embed.requires_grad and torch.is_grad_enabled():
            return interpolate_grid(pos_embed[1:], size, self.offset)
        key = (pos_embed.data_ptr(), pos_embed._version, pos_embed.device, pos_embed.dtype)
        if key != self._source_key:
            self._cache.clear()
            self._source_key = key
        size = (int(size[0]), int(size[1]))
        if size not in self._cache:
            with torch.no_grad():
                self._cache[size] = interpolate_grid(pos_embed[1:].detach(), size, self.offset)
        return self._cache[size]

    def table(self, pos_embed: torch.Tensor, grids: tuple) -> torch.Tensor:
        """``[class position, grid cells..., zero row]``; the zero row serves ``PAD_POS``."""
        parts = [pos_embed[:1].float()]
        parts.extend(self.grid(pos_embed, g) for g in grids)
        parts.append(torch.zeros_like(parts[0]))
        return torch.cat(parts, dim=0)

    def gather(self, pos_embed: torch.Tensor, grids: tuple, pos_ids: torch.Tensor) -> torch.Tensor:
        """Positional embeddings (B, L, D) for batched ``pos_ids`` (B, L)."""
        out = []
        for sample_grids, ids in zip(grids, pos_ids, strict=True):
            table = self.table(pos_embed, sample_grids)
            out.append(table[ids])  # PAD_POS (-1) picks the trailing zero row
        return torch.stack(out)
