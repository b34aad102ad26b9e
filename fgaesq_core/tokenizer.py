"""DiffToken: difference-preserved mixed-resolution tokenisation, as the model was trained.

Single images up to the token budget are tokenised at native resolution.  Larger images
and pairs are cut into 32x32 regions: a few regions keep four 16x16 fine tokens, the
rest are bicubic-downscaled to one coarse token.

Which regions stay fine, and which tokens go when there are too many, is drawn at
random from the released code's distribution (``sampling="release"``, the default; see
``fgaesq_core.sampling``):

- single image: fine regions uniformly at random;
- pair: fine regions uniformly from the top half of the regions by 1 - SSIM against the
  other image; regions without a counterpart get a uniformly random importance;
- over budget: uniformly random non-class tokens are dropped;
- pair alignment: both images brought to the larger width or the larger height, by a
  coin flip.

Every draw comes from a ``torch.Generator``.  Without one, the generator is seeded from
the image content, so a photo always gets the same tokens (``samples`` gives K
independent content-seeded draws); training passes its own per step.  The opt-in
``sampling="deterministic"`` keeps the most detailed (single) or most changed (pair)
regions and drops the least important coarse tokens instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from PIL import Image
from torchvision.transforms.functional import to_tensor

from .config import TokenizerConfig
from .regions import (
    descending_order,
    detail_energy,
    fitted_size,
    pad_or_crop,
    pad_to_multiple,
    paired_region_difference,
    region_difference,
    split_fine,
    to_patches,
)
from .sampling import (
    choose_from_top,
    choose_uniform,
    coin,
    content_digest,
    drop_to_budget,
    seeded_generator,
    uniform,
)
from .tokens import PAD_POS, Tokens


@dataclass(frozen=True)
class _PairView:
    """One alignment of a pair: both images normalised, and their region differences.

    ``difference`` holds the first ``len(difference)`` entries of each image's region
    importance; the rest of each image's regions have no counterpart.
    """

    normed: tuple[torch.Tensor, torch.Tensor]
    sizes: tuple[tuple[int, int], tuple[int, int]]
    regions: tuple[int, int]
    difference: tuple[torch.Tensor, torch.Tensor]


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

    @property
    def release(self) -> bool:
        """True when choices are drawn at random as in the released code."""
        return self.config.sampling == "release"

    # ----------------------------------------------------------------- public API
    def tokenize(self, image: Image.Image, generator: torch.Generator | None = None) -> Tokens:
        """Tokenise one image on its own (the released single-image path, no upscaling).

        Args:
            image: a PIL image (converted to RGB).
            generator: the random source of the draw; None seeds one from the image
                content (draw 0 of ``samples``).  Unused when nothing is drawn.

        Returns:
            Unbatched Tokens padded to ``max_tokens``.
        """
        return self.samples(image, 1, generator)[0]

    def samples(
        self, image: Image.Image, draws: int, generator: torch.Generator | None = None
    ) -> list[Tokens]:
        """``draws`` independent tokenisations of one image, content-seeded.

        Images whose tokens involve no draw (at most ``max_tokens - 1`` patches, or
        ``sampling="deterministic"``) give a list of one.

        Args:
            image: a PIL image.
            draws: how many draws at most.
            generator: one explicit random source for all draws instead of content seeds.
        """
        image = _rgb(image)
        normed = self.normalise(to_tensor(image))
        if not self.is_sampled(image.size):
            return [self._single(normed, image.size, None)]
        if generator is not None:
            return [self._single(normed, image.size, generator) for _ in range(draws)]
        digest = content_digest(image)
        return [
            self._single(normed, image.size, seeded_generator(digest, draw=k)) for k in range(draws)
        ]

    def is_sampled(self, size: tuple[int, int]) -> bool:
        """Whether a single image of ``size`` (w, h) is tokenised with random draws."""
        p = self.config.patch_size
        patches = math.ceil(size[0] / p) * math.ceil(size[1] / p)
        return self.release and patches >= self.config.max_tokens

    def tokenize_pair(
        self,
        target: Image.Image,
        reference: Image.Image,
        generator: torch.Generator | None = None,
    ) -> Tokens:
        """Tokenise ``target`` with its fine regions where it differs from ``reference``."""
        return self.pair_samples(target, reference, 1, generator, both=False)[0][0]

    def tokenize_pair_both(
        self,
        first: Image.Image,
        second: Image.Image,
        generator: torch.Generator | None = None,
    ) -> tuple[Tokens, Tokens]:
        """Tokenise a pair both ways (first against second, second against first).

        The region difference is symmetric, so one SSIM pass serves both directions.
        ``generator`` None seeds from both images' content (draw 0 of ``pair_samples``).

        Returns:
            (tokens of ``first``, tokens of ``second``).
        """
        first_tokens, second_tokens = self.pair_samples(first, second, 1, generator)[0]
        return first_tokens, second_tokens

    def pair_samples(
        self,
        first: Image.Image,
        second: Image.Image,
        draws: int,
        generator: torch.Generator | None = None,
        both: bool = True,
    ) -> list[tuple[Tokens, ...]]:
        """``draws`` independent tokenisations of a pair (one when nothing is drawn).

        Content seeds are per direction: the tokens of ``first`` against ``second`` do
        not depend on the argument order or on whether the other direction is built.
        An explicit ``generator`` serves the alignment coin, then ``first``, then
        ``second``, as the released code draws them.

        Args:
            first, second: the pair.
            draws: how many draws.
            generator: one explicit random source instead of content seeds.
            both: also tokenise ``second`` against ``first``.

        Returns:
            One tuple per draw: (tokens of ``first``,) or (``first``, ``second``).
        """
        first, second = _rgb(first), _rgb(second)
        views: dict[str, _PairView] = {}

        def view(axis: str) -> _PairView:
            if axis not in views:
                views[axis] = self._pair_view(first, second, axis)
            return views[axis]

        if not self.release:
            v = view("long")
            out = [self._pair_tokens(v, 0, None)]
            if both:
                out.append(self._pair_tokens(v, 1, None))
            return [tuple(out)]
        if generator is not None:
            results = []
            for _ in range(draws):
                v = view("width" if coin(generator) else "height")
                out = [self._pair_tokens(v, 0, generator)]
                if both:
                    out.append(self._pair_tokens(v, 1, generator))
                results.append(tuple(out))
            return results
        da, db = content_digest(first), content_digest(second)
        results = []
        for k in range(draws):
            align = seeded_generator(min(da, db), max(da, db), "align", draw=k)
            v = view("width" if coin(align) else "height")
            out = [self._pair_tokens(v, 0, seeded_generator(da, db, draw=k))]
            if both:
                out.append(self._pair_tokens(v, 1, seeded_generator(db, da, draw=k)))
            results.append(tuple(out))
        return results

    def normalise(self, pixels: torch.Tensor) -> torch.Tensor:
        """CLIP normalisation of a (3, H, W) tensor in [0, 1]."""
        return (pixels - self._mean) / self._std

    def build_multiscale(
        self,
        normed: torch.Tensor,
        fine_regions: torch.Tensor,
        kept: torch.Tensor | None,
        image_size: tuple[int, int],
    ) -> Tokens:
        """Multiscale tokens for given choices (replaying recorded draws).

        Args:
            normed: the normalised (3, H, W) image, before fitting to the region grid.
            fine_regions: region indices (row-major) kept at fine scale.
            kept: indices into the coarse-then-fine token list that stay (ascending),
                or None to keep all; the class slot is not counted.
            image_size: (width, height) recorded in the Tokens.
        """
        cfg = self.config
        size, p = cfg.region_size, cfg.patch_size
        fitted = pad_or_crop(normed, size)
        rows, cols = fitted.shape[1] // size, fitted.shape[2] // size
        n_regions = rows * cols
        regions = to_patches(fitted, size)
        is_fine = torch.zeros(n_regions, dtype=torch.bool)
        is_fine[fine_regions] = True
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
        if kept is None:
            kept = torch.arange(len(patches))
        return self._assemble(
            patches[kept],
            scale_ids[kept],
            pos_ids[kept],
            grids=((rows, cols), (2 * rows, 2 * cols)),
            fine=tuple(int(i) for i in fine_idx),
            region_grid=(rows, cols),
            image_size=image_size,
        )

    # ----------------------------------------------------------- pair alignment
    def align_pair(
        self, a: Image.Image, b: Image.Image, axis: str = "long"
    ) -> tuple[Image.Image, Image.Image]:
        """Bring both images to a common width, height or long side, then make them large.

        ``axis`` is ``"width"`` or ``"height"`` (the larger of the two; the released
        code flips a coin between them) or ``"long"`` (the larger long side).  "Large"
        means more than the token budget in 16x16 patches (by ``pair_upscale``) and a
        short side of at least ``min_pair_short_side``; if the two need different
        upsampling, both take the larger factor so their regions stay comparable.
        """
        a, b = _fit_axis(a, b, axis)
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

    def _pair_view(self, first: Image.Image, second: Image.Image, axis: str) -> _PairView:
        a_img, b_img = self.align_pair(first, second, axis)
        a, b = to_tensor(a_img), to_tensor(b_img)
        size = self.config.region_size
        a_fit, b_fit = pad_or_crop(a, size), pad_or_crop(b, size)
        grids = [(t.shape[1] // size, t.shape[2] // size) for t in (a_fit, b_fit)]
        a_dev, b_dev = a_fit.to(self.device), b_fit.to(self.device)
        win = self.config.ssim_win_size
        if self.release:
            diff = paired_region_difference(a_dev, b_dev, size, win).cpu()
            difference = (diff, diff)
        else:  # the overlap grid, aligned in two dimensions
            grid = region_difference(a_dev, b_dev, size, win).cpu()
            difference = tuple(_on_grid(grid, rows, cols) for rows, cols in grids)
        return _PairView(
            normed=(self.normalise(a), self.normalise(b)),
            sizes=(a_img.size, b_img.size),
            regions=tuple(rows * cols for rows, cols in grids),
            difference=difference,
        )

    def _pair_tokens(self, view: _PairView, side: int, generator: torch.Generator | None):
        known = view.difference[side]
        missing = view.regions[side] - len(known)
        # Regions without a counterpart: a random importance, as released.
        filler = uniform(missing, generator) if generator is not None else torch.zeros(missing)
        importance = torch.cat([known, filler])
        return self._multiscale(view.normed[side], importance, view.sizes[side], generator)

    # ------------------------------------------------------------ tokenisation
    def _single(
        self,
        normed: torch.Tensor,
        image_size: tuple[int, int],
        generator: torch.Generator | None,
    ) -> Tokens:
        p = self.config.patch_size
        rows, cols = math.ceil(normed.shape[1] / p), math.ceil(normed.shape[2] / p)
        if rows * cols <= self.config.max_tokens:
            return self._native(normed, image_size, generator)
        return self._multiscale(normed, None, image_size, generator)

    def _native(
        self,
        normed: torch.Tensor,
        image_size: tuple[int, int],
        generator: torch.Generator | None,
    ) -> Tokens:
        p = self.config.patch_size
        padded = pad_to_multiple(normed, p)
        n_patches = (padded.shape[1] // p) * (padded.shape[2] // p)
        budget = self.config.max_tokens - 1
        if generator is not None:
            kept = drop_to_budget(n_patches, budget, generator)
        else:
            kept = self._keep_most(detail_energy(padded, p), budget)
        return self.build_native(normed, kept, image_size)

    def build_native(
        self, normed: torch.Tensor, kept: torch.Tensor | None, image_size: tuple[int, int]
    ) -> Tokens:
        """Native-resolution tokens keeping the given patches (replaying recorded draws).

        Args:
            normed: the normalised (3, H, W) image.
            kept: row-major patch indices that stay (ascending), or None for all.
            image_size: (width, height) recorded in the Tokens.
        """
        p = self.config.patch_size
        padded = pad_to_multiple(normed, p)
        rows, cols = padded.shape[1] // p, padded.shape[2] // p
        patches = to_patches(padded, p)
        pos = torch.arange(1, rows * cols + 1)
        if kept is None:
            kept = torch.arange(rows * cols)
        return self._assemble(
            patches[kept],
            torch.zeros(len(kept), dtype=torch.long),
            pos[kept],
            grids=((rows, cols),),
            fine=(),
            region_grid=None,
            image_size=image_size,
        )

    def _multiscale(
        self,
        normed: torch.Tensor,
        importance: torch.Tensor | None,
        image_size: tuple[int, int],
        generator: torch.Generator | None,
    ) -> Tokens:
        """Choose fine regions and kept tokens (drawn, or ranked without a generator)."""
        cfg = self.config
        size = cfg.region_size
        h, w = fitted_size(normed.shape[1], normed.shape[2], size)
        n_regions = (h // size) * (w // size)
        budget = cfg.max_tokens - 1
        if generator is not None:
            if importance is None:
                fine_idx = choose_uniform(n_regions, cfg.num_fine_regions, generator)
            else:
                fine_idx = choose_from_top(
                    importance, cfg.num_fine_regions, cfg.importance_threshold, generator
                )
            n_tokens = n_regions + 3 * len(fine_idx)
            spared = fine_idx if importance is not None else None
            kept = drop_to_budget(n_tokens, budget, generator, spared)
        else:
            fine_idx, kept = self._ranked_choice(normed, importance, n_regions)
        return self.build_multiscale(normed, fine_idx, kept, image_size)

    def _ranked_choice(
        self, normed: torch.Tensor, importance: torch.Tensor | None, n_regions: int
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The deterministic mode: most detailed or most changed regions fine, least
        important coarse tokens dropped (ties: more detail, then lower index)."""
        cfg = self.config
        detail = detail_energy(pad_or_crop(normed, cfg.region_size), cfg.region_size)
        if importance is None:
            ranked = descending_order(detail)
            n_fine = min(cfg.num_fine_regions, n_regions)
        else:
            ranked = descending_order(importance, detail)
            decisive = max(1, int(n_regions * cfg.importance_threshold))
            n_fine = min(cfg.num_fine_regions, decisive)
        fine_idx = torch.sort(ranked[:n_fine]).values
        is_fine = torch.zeros(n_regions, dtype=torch.bool)
        is_fine[fine_idx] = True
        coarse_idx = torch.nonzero(~is_fine).flatten()
        n_fine_tokens = 4 * len(fine_idx)
        priority = importance if importance is not None else detail
        order_key = torch.cat([priority[coarse_idx], torch.full((n_fine_tokens,), math.inf)])
        detail_key = torch.cat([detail[coarse_idx], torch.full((n_fine_tokens,), math.inf)])
        kept = self._keep_most(order_key, cfg.max_tokens - 1, detail_key)
        return fine_idx, kept

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


def _on_grid(grid: torch.Tensor, rows: int, cols: int) -> torch.Tensor:
    """An overlap-grid difference laid on a (rows, cols) region grid, flattened row-major;
    regions outside the overlap get 0 (never decisive)."""
    out = torch.zeros(rows, cols)
    r, c = min(rows, grid.shape[0]), min(cols, grid.shape[1])
    out[:r, :c] = grid[:r, :c]
    return out.flatten()


def _fit_axis(a: Image.Image, b: Image.Image, axis: str) -> tuple[Image.Image, Image.Image]:
    """Resize (aspect kept) so both share the larger width, height or long side of the two."""
    if axis == "width":
        target = max(a.width, b.width)
        return _resize_side(a, target, True), _resize_side(b, target, True)
    if axis == "height":
        target = max(a.height, b.height)
        return _resize_side(a, target, False), _resize_side(b, target, False)
    target = max(max(a.size), max(b.size))
    return (
        _resize_side(a, target, a.width >= a.height),
        _resize_side(b, target, b.width >= b.height),
    )


def _resize_side(image: Image.Image, target: int, width: bool) -> Image.Image:
    """Scale so the width (or the height) becomes ``target``; unchanged if it already is."""
    w, h = image.size
    if (w if width else h) == target:
        return image
    size = (target, max(1, int(h * target / w))) if width else (max(1, int(w * target / h)), target)
    return image.resize(size, Image.Resampling.LANCZOS)
