"""The Tokens container passed from DiffToken to the model, and batching."""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch

#: pos_ids value of padding tokens: they get a zero positional embedding.
PAD_POS = -1


@dataclass(frozen=True)
class Tokens:
    """A tokenised image (or a batch of them), padded to the token budget.

    Slot 0 is the class-token slot (its patch is zero and ignored).  ``pos_ids`` index
    the table ``[class position, grid 0 cells (row-major), grid 1 cells, ...]`` built
    from ``grids``; ``PAD_POS`` marks padding.  Unbatched tensors have shape (L, ...);
    batched ones (B, L, ...), and then the tuple fields hold one entry per sample.

    Attributes:
        patches: normalised 16x16 RGB patches, (L, 3, P, P) or (B, L, 3, P, P).
        scale_ids: 0 = coarse (or native), 1 = fine, per token.
        pos_ids: index into the positional table, ``PAD_POS`` for padding.
        padding: True where the token is padding (replaced by the mask token).
        grids: the (rows, cols) grids whose interpolated positions the tokens use.
        fine_regions: indices (row-major) of the 32x32 regions kept at fine scale.
        region_grid: (rows, cols) of 32x32 regions, or None on the native path.
        image_size: (width, height) of the image that was tokenised.
    """

    patches: torch.Tensor
    scale_ids: torch.Tensor
    pos_ids: torch.Tensor
    padding: torch.Tensor
    grids: tuple
    fine_regions: tuple
    region_grid: tuple | None
    image_size: tuple

    @property
    def batched(self) -> bool:
        return self.patches.dim() == 5

    def __len__(self) -> int:
        return self.patches.shape[0] if self.batched else 1

    @property
    def num_tokens(self) -> int:
        """Non-padding tokens including the class slot (per sample when unbatched)."""
        return int((~self.padding).sum())

    def to(self, device: torch.device | str, non_blocking: bool = False) -> Tokens:
        """Copy the tensors to ``device`` (metadata is shared); ``non_blocking`` from pinned
        memory to a GPU returns before the copy is done (the stream orders what follows)."""
        return replace(
            self,
            patches=self.patches.to(device, non_blocking=non_blocking),
            scale_ids=self.scale_ids.to(device, non_blocking=non_blocking),
            pos_ids=self.pos_ids.to(device, non_blocking=non_blocking),
            padding=self.padding.to(device, non_blocking=non_blocking),
        )


def collate(items: list[Tokens], pin_memory: bool = False) -> Tokens:
    """Stack unbatched Tokens of equal length into one batch.

    Args:
        items: tokens from ``DiffToken.tokenize``/``tokenize_pair`` (same budget).
        pin_memory: stack into page-locked memory (for asynchronous copies to a GPU;
            needs CUDA).

    Returns:
        Batched Tokens; tuple fields become tuples with one entry per sample.

    Raises:
        ValueError: ``items`` is empty, already batched, or of unequal length.
    """
    if not items:
        raise ValueError("collate needs at least one Tokens")
    if any(t.batched for t in items):
        raise ValueError("collate takes unbatched Tokens")
    lengths = {t.patches.shape[0] for t in items}
    if len(lengths) != 1:
        raise ValueError(f"Tokens of different lengths cannot be batched: {sorted(lengths)}")

    def stack(tensors: list[torch.Tensor]) -> torch.Tensor:
        if not pin_memory:
            return torch.stack(tensors)
        out = torch.empty(
            (len(tensors), *tensors[0].shape), dtype=tensors[0].dtype, pin_memory=True
        )
        return torch.stack(tensors, out=out)

    return Tokens(
        patches=stack([t.patches for t in items]),
        scale_ids=stack([t.scale_ids for t in items]),
        pos_ids=stack([t.pos_ids for t in items]),
        padding=stack([t.padding for t in items]),
        grids=tuple(t.grids for t in items),
        fine_regions=tuple(t.fine_regions for t in items),
        region_grid=tuple(t.region_grid for t in items),
        image_size=tuple(t.image_size for t in items),
    )
