"""DiffToken: difference-preserved mixed-resolution tokenisation, as the model was trained.

Single images up to the token budget are tokenised at native resolution.  Larger images
and pairs are cut into 32x32 regions: a few regions keep four 16x16 fine tokens, the
rest are bicubic-downscaled to one coarse token.

Which regions stay fine, and which tokens go when there are too many, is drawn at
random from the released code's distribution (see ``fgaesq_core.sampling``):

- single image: fine regions uniformly at random;
- pair: fine regions uniformly from the top half of the regions by 1 - SSIM against the
  other image; regions without a counterpart get a uniformly random importance;
- over budget: uniformly random non-class tokens are dropped;
- pair alignment: both images brought to the larger width or the larger height, by a
  coin flip.

Every draw comes from a ``torch.Generator``.  Without one, the generator is seeded from
the image content, so a photo always gets the same tokens (``samples`` gives K
independent content-seeded draws); training passes its own, for example one per step.
A ranked choice (most detailed or most changed regions) was measured and dropped: it
put scores up to 6.5 release standard deviations off and ranked held-out bursts worse
(docs/model.md, "Sampling").
"""

from __future__ import annotations

import contextlib
import hashlib
import math
from collections.abc import MutableMapping
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from PIL import Image
from torchvision.transforms.functional import to_tensor

from .config import TokenizerConfig
from .device import single_thread
from .regions import (
    fitted_size,
    pad_or_crop,
    pad_to_multiple,
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

    ``difference`` holds the first ``len(difference)`` entries of both images' region
    importance; the rest of each image's regions have no counterpart.
    """

    normed: tuple[torch.Tensor, torch.Tensor]
    sizes: tuple[tuple[int, int], tuple[int, int]]
    regions: tuple[int, int]
    difference: torch.Tensor


class DiffToken:
    """Turns PIL images (or pairs of them) into model-ready Tokens.

    Args:
        config: tokenizer settings; the model's ``model.tokenizer`` carries its own.
        device: where pair SSIM runs (the model's device); tokens are built on the CPU.
    """

    def __init__(
        self,
        config: TokenizerConfig | None = None,
        device: torch.device | str = "cpu",
        difference_cache: MutableMapping[str, torch.Tensor] | None = None,
    ):
        self.config = config or TokenizerConfig()
        self.device = torch.device(device)
        #: region differences (the pair SSIM, the costly part of a pair) by pair content
        #: and alignment: training keeps them across epochs; None computes every time
        self.difference_cache = difference_cache
        self._mean = torch.tensor(self.config.mean).view(3, 1, 1)
        self._std = torch.tensor(self.config.std).view(3, 1, 1)
        self._stream: torch.cuda.Stream | None = None  # the pair SSIM's own, on CUDA

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

        Images whose tokens involve no draw (at most ``max_tokens - 1`` patches) give a
        list of one.

        Args:
            image: a PIL image.
            draws: how many draws at most.
            generator: one explicit random source for all draws instead of content seeds.
        """
        with single_thread():
            image = _rgb(image)
            normed = self.normalise(to_tensor(image))
            if not self.is_sampled(image.size):
                return [self._single(normed, image.size, None)]
            if generator is not None:
                generators = [generator] * draws
            else:
                digest = content_digest(image)
                generators = [seeded_generator(digest, draw=k) for k in range(draws)]
            return [self._single(normed, image.size, g) for g in generators]

    def is_sampled(self, size: tuple[int, int]) -> bool:
        """Whether a single image of ``size`` (w, h) is tokenised with random draws."""
        p = self.config.patch_size
        patches = math.ceil(size[0] / p) * math.ceil(size[1] / p)
        return patches >= self.config.max_tokens

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
        """``draws`` independent tokenisations of a pair.

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
        with single_thread():
            return self._pair_samples(_rgb(first), _rgb(second), draws, generator, both)

    def _pair_samples(self, first, second, draws, generator, both) -> list[tuple[Tokens, ...]]:
        views: dict[str, _PairView] = {}

        def view(axis: str) -> _PairView:
            if axis not in views:
                views[axis] = self._pair_view(first, second, axis)
            return views[axis]

        if generator is not None:
            generators = [(generator, generator, generator)] * draws
        else:
            da, db = content_digest(first), content_digest(second)
            generators = [
                (
                    seeded_generator(min(da, db), max(da, db), "align", draw=k),
                    seeded_generator(da, db, draw=k),
                    seeded_generator(db, da, draw=k),
                )
                for k in range(draws)
            ]
        results = []
        for align, for_first, for_second in generators:
            v = view("width" if coin(align) else "height")
            out = [self._pair_tokens(v, 0, for_first)]
            if both:
                out.append(self._pair_tokens(v, 1, for_second))
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
        self, a: Image.Image, b: Image.Image, axis: str
    ) -> tuple[Image.Image, Image.Image]:
        """Bring both images to a common width or height, then make them large.

        ``axis`` is ``"width"`` or ``"height"``: the larger of the two images' (the
        released code flips a coin between them).  "Large" means more than the token
        budget in 16x16 patches (by ``pair_upscale``) and a short side of at least
        ``min_pair_short_side``; if the two need different upsampling, both take the
        larger factor so their regions stay comparable.
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
        key = None
        if self.difference_cache is not None:
            parts = (content_digest(first), content_digest(second), repr(self.config), axis)
            key = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
        diff = self.difference_cache.get(key) if key is not None else None
        if diff is None:
            with self.own_stream():
                diff = region_difference(
                    a_fit.to(self.device), b_fit.to(self.device), size, self.config.ssim_win_size
                ).cpu()
            if key is not None:
                self.difference_cache[key] = diff
        return _PairView(
            normed=(self.normalise(a), self.normalise(b)),
            sizes=(a_img.size, b_img.size),
            regions=tuple(rows * cols for rows, cols in grids),
            difference=diff,
        )

    def own_stream(self) -> contextlib.AbstractContextManager:
        """On CUDA, a stream of the tokenizer's own for its device work (SSIM): reading a result
        back then waits for that work alone, not for a forward pass queued before it on the
        model's stream, so the next batch is tokenised while the GPU computes the last (the
        same kernels, the same values).  Elsewhere nothing."""
        if self.device.type != "cuda":
            return contextlib.nullcontext()
        if self._stream is None:
            self._stream = torch.cuda.Stream(self.device)
        return torch.cuda.stream(self._stream)

    def _pair_tokens(self, view: _PairView, side: int, generator: torch.Generator) -> Tokens:
        # Regions without a counterpart get a random importance, as released.
        missing = view.regions[side] - len(view.difference)
        importance = torch.cat([view.difference, uniform(missing, generator)])
        return self._multiscale(view.normed[side], importance, view.sizes[side], generator)

    # ------------------------------------------------------------ tokenisation
    def _single(
        self, normed: torch.Tensor, image_size: tuple[int, int], generator: torch.Generator | None
    ) -> Tokens:
        p = self.config.patch_size
        rows, cols = math.ceil(normed.shape[1] / p), math.ceil(normed.shape[2] / p)
        if rows * cols > self.config.max_tokens:
            return self._multiscale(normed, None, image_size, generator)
        kept = None
        if generator is not None:  # exactly max_tokens patches: one more than fits
            kept = drop_to_budget(rows * cols, self.config.max_tokens - 1, generator)
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
        generator: torch.Generator,
    ) -> Tokens:
        """Draw the fine regions (by ``importance`` for pairs) and the kept tokens."""
        cfg = self.config
        size = cfg.region_size
        h, w = fitted_size(normed.shape[1], normed.shape[2], size)
        n_regions = (h // size) * (w // size)
        if importance is None:
            fine_idx = choose_uniform(n_regions, cfg.num_fine_regions, generator)
        else:
            fine_idx = choose_from_top(
                importance, cfg.num_fine_regions, cfg.importance_threshold, generator
            )
        n_tokens = n_regions + 3 * len(fine_idx)
        spared = fine_idx if importance is not None else None
        kept = drop_to_budget(n_tokens, cfg.max_tokens - 1, generator, spared)
        return self.build_multiscale(normed, fine_idx, kept, image_size)

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


def _fit_axis(a: Image.Image, b: Image.Image, axis: str) -> tuple[Image.Image, Image.Image]:
    """Resize (aspect kept) so both share the larger width or height of the two."""
    if axis not in ("width", "height"):
        raise ValueError(f"axis must be 'width' or 'height', not {axis!r}")
    width = axis == "width"
    target = max(a.width, b.width) if width else max(a.height, b.height)
    return _resize_side(a, target, width), _resize_side(b, target, width)


def _resize_side(image: Image.Image, target: int, width: bool) -> Image.Image:
    """Scale so the width (or the height) becomes ``target``; unchanged if it already is."""
    w, h = image.size
    if (w if width else h) == target:
        return image
    size = (target, max(1, int(h * target / w))) if width else (max(1, int(w * target / h)), target)
    return image.resize(size, Image.Resampling.LANCZOS)
