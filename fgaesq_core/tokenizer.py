"""DiffToken: difference-preserved mixed-resolution tokenisation, made deterministic.

Single images up to the token budget are tokenised at native resolution.  Larger images
and pairs are cut into 32x32 regions: a few regions keep four 16x16 fine tokens, the
rest are bicubic-downscaled to one coarse token.  Where the released code draws at
random, this module decides by a fixed criterion (see docs/model.md):

- fine regions of a single image: highest gradient energy;
- fine regions of a pair: highest 1 - SSIM against the reference, from the decisive
  set (the regions above the ``importance_threshold`` percentile);
- tokens over budget: the least important coarse tokens (native path: least detailed
  patches) are dropped, never the class slot;
- pair alignment: both images resized to the larger long side.
Ties are broken by detail, then by region index.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from PIL import Image
from torchvision.transforms.functional import to_tensor

from .config import TokenizerConfig
from .regions import (
    descending_order,
    detail_energy,
    pad_or_crop,
    pad_to_multiple,
    region_difference,
    split_fine,
    to_patches,
)
from .tokens import PAD_POS, Tokens


class DiffToken:
    """Turns PIL images (or pairs of them) into model-ready Tokens.

    Args:
        config: tokenizer settings; the model's ``model.tokenizer`` carries its own.
        device: where pair SSIM runs (the model's device); tokens are built on the CPU.
    """

    def __init__(self, config: TokenizerConfig | None = None, device: torch.device | str = "cpu"):
        self.config = config or TokenizerConfig()
        self.device = torch.device(device)
        self._mean = torch.tensor(self.config.mean).view(3, 1, 1)
        self._std = torch.tensor(self.config.std).view(3, 1, 1)

    # ----------------------------------------------------------------- public API
    def tokenize(self, image: Image.Image) -> Tokens:
        """Tokenise one image on its own (the released single-image path, no upscaling).

        Args:
            image: an RGB PIL image.

        Returns:
            Unbatched Tokens padded to ``max_tokens``.
        """
        pixels = to_tensor(_rgb(image))
        normed = self.normalise(pixels)
        p = self.config.patch_size
        rows, cols = math.ceil(normed.shape[1] / p), math.ceil(normed.shape[2] / p)
        if rows * cols <= self.config.max_tokens:
            return self._native(normed, image.size)
        return self._multiscale(normed, importance=None, image_size=image.size)

    def tokenize_pair(self, target: Image.Image, reference: Image.Image) -> Tokens:
        """Tokenise ``target`` with its fine regions where it differs from ``reference``."""
        return self.tokenize_pair_both(target, reference)[0]

    def tokenize_pair_both(self, first: Image.Image, second: Image.Image) -> tuple[Tokens, Tokens]:
        """Tokenise a pair both ways (first against second, second against first).

        The region difference is symmetric, so one SSIM pass serves both directions.

        Returns:
            (tokens of ``first``, tokens of ``second``).
        """
        a_img, b_img = self.align_pair(_rgb(first), _rgb(second))
        a, b = to_tensor(a_img), to_tensor(b_img)
        size = self.config.region_size
        a_fit, b_fit = pad_or_crop(a, size), pad_or_crop(b, size)
        diff = region_difference(
            a_fit.to(self.device), b_fit.to(self.device), size, self.config.ssim_win_size
        ).cpu()
        out = []
        for pixels, img in ((a, a_img), (b, b_img)):
            fitted = pad_or_crop(pixels, size)
            rows, cols = fitted.shape[1] // size, fitted.shape[2] // size
            importance = torch.zeros(rows, cols)
            r, c = min(rows, diff.shape[0]), min(cols, diff.shape[1])
            importance[:r, :c] = diff[:r, :c]
            out.append(self._multiscale(self.normalise(pixels), importance.flatten(), img.size))
        return out[0], out[1]

    def normalise(self, pixels: torch.Tensor) -> torch.Tensor:
        """CLIP normalisation of a (3, H, W) tensor in [0, 1]."""
        return (pixels - self._mean) / self._std

    # ----------------------------------------------------------- pair alignment
    def align_pair(self, a: Image.Image, b: Image.Image) -> tuple[Image.Image, Image.Image]:
        """Resize both images to the larger long side, then upsample until both are large.

        "Large" means more than the token budget in 16x16 patches (by ``pair_upscale``)
        and a short side of at least ``min_pair_short_side``; if the two need different
        upsampling, both take the larger factor so their regions stay comparable.
        """
        long_side = max(max(a.size), max(b.size))
        a, b = _fit_long_side(a, long_side), _fit_long_side(b, long_side)
        a_big, b_big = self._ensure_large(a), self._ensure_large(b)
        scale_a = max(a_big.width / a.width, a_big.height / a.height)
        scale_b = max(b_big.width / b.width, b_big.height / b.height)
        if abs(scale_a - scale_b) > 0.01:
            s = max(scale_a, scale_b)
            a_big = a.resize((int(a.width * s), int(a.height * s)), Image.Resampling.LANCZOS)
            b_big = b.resize((int(b.width * s), int(b.height * s)), Image.Resampling.LANCZOS)
        return a_big, b_big

    def _ensure_large(self, image: Image.Image) -> Image.Image:
        p = self.config.patch_size
        w, h = image.size
        patches = math.ceil(w / p) * math.ceil(h / p)
        if patches > self.config.max_tokens:
            return image
        scale = math.sqrt(self.config.max_tokens * self.config.pair_upscale / patches)
        if min(w, h) < self.config.min_pair_short_side:
            scale = max(scale, self.config.min_pair_short_side / min(w, h))
        return image.resize((int(w * scale), int(h * scale)), Image.Resampling.LANCZOS)

    # ------------------------------------------------------------ tokenisation
    def _native(self, normed: torch.Tensor, image_size: tuple[int, int]) -> Tokens:
        p = self.config.patch_size
        padded = pad_to_multiple(normed, p)
        rows, cols = padded.shape[1] // p, padded.shape[2] // p
        patches = to_patches(padded, p)
        pos = torch.arange(1, rows * cols + 1)
        keep = self._keep_most(detail_energy(padded, p), self.config.max_tokens - 1)
        return self._assemble(
            patches[keep],
            torch.zeros(len(keep), dtype=torch.long),
            pos[keep],
            grids=((rows, cols),),
            fine=(),
            region_grid=None,
            image_size=image_size,
        )

    def _multiscale(
        self, normed: torch.Tensor, importance: torch.Tensor | None, image_size: tuple[int, int]
    ) -> Tokens:
        cfg = self.config
        size, p = cfg.region_size, cfg.patch_size
        fitted = pad_or_crop(normed, size)
        rows, cols = fitted.shape[1] // size, fitted.shape[2] // size
        n_regions = rows * cols
        regions = to_patches(fitted, size)
        detail = detail_energy(fitted, size)
        if importance is None:
            ranked = descending_order(detail)
            n_fine = min(cfg.num_fine_regions, n_regions)
        else:
            ranked = descending_order(importance, detail)
            decisive = max(1, int(n_regions * cfg.importance_threshold))
            n_fine = min(cfg.num_fine_regions, decisive)
        is_fine = torch.zeros(n_regions, dtype=torch.bool)
        is_fine[ranked[:n_fine]] = True
        fine_idx = torch.nonzero(is_fine).flatten()
        coarse_idx = torch.nonzero(~is_fine).flatten()

        coarse = F.interpolate(
            regions[coarse_idx], size=(p, p), mode="bicubic", align_corners=False
        )
        fine = split_fine(regions[fine_idx], p)
        fine_pos = self._fine_positions(fine_idx, cols) + 1 + n_regions
        patches = torch.cat([coarse, fine])
        scale_ids = torch.cat([torch.zeros(len(coarse_idx)), torch.ones(len(fine))]).long()
        pos_ids = torch.cat([coarse_idx + 1, fine_pos])

        # Over budget: drop the least important coarse tokens; fine tokens always stay.
        priority = importance if importance is not None else detail
        order_key = torch.cat([priority[coarse_idx], torch.full((len(fine),), math.inf)])
        detail_key = torch.cat([detail[coarse_idx], torch.full((len(fine),), math.inf)])
        keep = self._keep_most(order_key, cfg.max_tokens - 1, detail_key)
        return self._assemble(
            patches[keep],
            scale_ids[keep],
            pos_ids[keep],
            grids=((rows, cols), (2 * rows, 2 * cols)),
            fine=tuple(int(i) for i in fine_idx),
            region_grid=(rows, cols),
            image_size=image_size,
        )

    def _fine_positions(self, fine_idx: torch.Tensor, cols: int) -> torch.Tensor:
        """Fine-grid cell of each fine token (TL, TR, BL, BR per region).

        With ``fine_pos_order="release"`` the cells are handed out in fine-grid
        row-major order instead, as the released weights were trained.
        """
        r, c = fine_idx // cols, fine_idx % cols
        dr = torch.tensor([0, 0, 1, 1])
        dc = torch.tensor([0, 1, 0, 1])
        cells = ((2 * r[:, None] + dr) * (2 * cols) + 2 * c[:, None] + dc).flatten()
        if self.config.fine_pos_order == "release":
            cells = torch.sort(cells).values
        return cells

    @staticmethod
    def _keep_most(
        key: torch.Tensor, budget: int, secondary: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Indices (in original order) of the ``budget`` entries ranked highest by key."""
        if key.numel() <= budget:
            return torch.arange(key.numel())
        return torch.sort(descending_order(key, secondary)[:budget]).values

    def _assemble(
        self, patches, scale_ids, pos_ids, *, grids, fine, region_grid, image_size
    ) -> Tokens:
        """Prepend the class slot and pad to ``max_tokens``."""
        total = self.config.max_tokens
        n = patches.shape[0] + 1
        p = self.config.patch_size
        all_patches = torch.zeros(total, 3, p, p)
        all_patches[1:n] = patches
        scale = torch.zeros(total, dtype=torch.long)
        scale[1:n] = scale_ids
        pos = torch.full((total,), PAD_POS, dtype=torch.long)
        pos[0] = 0
        pos[1:n] = pos_ids
        padding = torch.ones(total, dtype=torch.bool)
        padding[:n] = False
        return Tokens(
            all_patches,
            scale,
            pos,
            padding,
            tuple(grids),
            tuple(fine),
            region_grid,
            tuple(image_size),
        )


def _rgb(image: Image.Image) -> Image.Image:
    return image if image.mode == "RGB" else image.convert("RGB")


def _fit_long_side(image: Image.Image, long_side: int) -> Image.Image:
    w, h = image.size
    if max(w, h) == long_side:
        return image
    if w >= h:
        size = (long_side, max(1, int(h * long_side / w)))
    else:
        size = (max(1, int(w * long_side / h)), long_side)
    return image.resize(size, Image.Resampling.LANCZOS)
