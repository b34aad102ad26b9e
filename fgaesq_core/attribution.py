"""Which regions decided a pair: DiffToken's decisive regions, weighed by swapping them.

DiffToken keeps at full resolution the 32 px regions where two frames differ most (1 - SSIM,
:func:`fgaesq_core.regions.region_difference`), so the model's comparison of a pick with its
runner-up is already localised.  To say which of those regions moved the score, each one is
swapped between the two frames (its fine tokens and pixels: the pick gets the runner-up's
region and the other way round) and the pair scored again: what the pick's lead loses is the
region's effect.  Everything else stays fixed (the same fine regions, the same tokens kept),
so the only change between the passes is the swapped region.

The fine regions are the top of the difference ranking rather than a random draw from it,
so the explanation is the same every time; it is computed on demand, never in a cull.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from PIL import Image
from torchvision.transforms.functional import to_tensor

from .regions import descending_order, pad_or_crop, region_difference
from .sampling import drop_to_budget, seeded_generator

MIN_SHARE = 0.1  # of the pick's lead a region must account for to be reported
MIN_EFFECT = 1e-3  # score points, below which nothing is said to have decided anything


@dataclass(frozen=True)
class RegionEffect:
    """One DiffToken region of the pair and what it did to the pick's lead."""

    index: int  # row-major region index on the aligned pair
    box: tuple[float, float, float, float]  # x, y, w, h in the pick image's pixels
    difference: float  # 1 - SSIM between the two frames there
    effect: float  # score points of the lead the region accounts for (half what a swap costs)


@dataclass(frozen=True)
class PairAttribution:
    """The pair's scores with every fine region in place, and the decisive regions."""

    pick_score: float
    runner_up_score: float
    regions: tuple[RegionEffect, ...]  # the reported ones, largest effect first
    candidates: tuple[RegionEffect, ...]  # every fine region tried, in region order

    @property
    def lead(self) -> float:
        return self.pick_score - self.runner_up_score


def decisive_regions(scorer, pick: Image.Image, runner_up: Image.Image) -> PairAttribution:
    """The DiffToken regions where ``pick`` beat ``runner_up``, by their effect on the lead.

    Args:
        scorer: a :class:`fgaesq_core.inference.Scorer` (its model and tokenizer are used).
        pick, runner_up: two frames of one series, as decoded (boxes come back in the pick's
            pixels).
    """
    tokenizer = scorer.tokenizer
    cfg = tokenizer.config
    size = cfg.region_size
    first, second = pick.convert("RGB"), runner_up.convert("RGB")
    a_img, b_img = tokenizer.align_pair(first, second, "width")
    a, b = pad_or_crop(to_tensor(a_img), size), pad_or_crop(to_tensor(b_img), size)
    rows, cols = a.shape[1] // size, a.shape[2] // size
    if b.shape != a.shape:  # frames of different shapes: compare what both cover
        height, width = min(a.shape[1], b.shape[1]), min(a.shape[2], b.shape[2])
        a, b = a[:, :height, :width], b[:, :height, :width]
        rows, cols = height // size, width // size
    difference = region_difference(a, b, size, cfg.ssim_win_size)[: rows * cols]
    fine = torch.sort(descending_order(difference)[: cfg.num_fine_regions]).values
    n_tokens = rows * cols + 3 * len(fine)
    kept = drop_to_budget(n_tokens, cfg.max_tokens - 1, seeded_generator("attribution"), fine)

    def tokens(image: torch.Tensor, source: Image.Image):
        return tokenizer.build_multiscale(tokenizer.normalise(image), fine, kept, source.size)

    batch = [tokens(a, a_img), tokens(b, b_img)]
    for region in fine.tolist():
        batch += [tokens(_swap(a, b, region, cols, size), a_img)]
        batch += [tokens(_swap(b, a, region, cols, size), b_img)]
    scores = scorer.score_tokens(batch)
    lead = scores[0] - scores[1]
    scale_x, scale_y = first.width / a_img.width, first.height / a_img.height
    candidates = []
    for k, region in enumerate(fine.tolist()):
        # Swapping a region that holds the whole difference turns the lead round: half the
        # change is the region's share of the lead.
        swapped_lead = scores[2 + 2 * k] - scores[3 + 2 * k]
        row, col = divmod(region, cols)
        box = (col * size * scale_x, row * size * scale_y, size * scale_x, size * scale_y)
        candidates.append(
            RegionEffect(region, box, float(difference[region]), (lead - swapped_lead) / 2)
        )
    floor = max(MIN_EFFECT, MIN_SHARE * abs(lead))
    decisive = sorted(
        (c for c in candidates if c.effect * _sign(lead) > floor), key=lambda c: -abs(c.effect)
    )
    return PairAttribution(scores[0], scores[1], tuple(decisive), tuple(candidates))


def _swap(target: torch.Tensor, source: torch.Tensor, region: int, cols: int, size: int):
    """``target`` with one region's pixels taken from ``source``."""
    row, col = divmod(region, cols)
    out = target.clone()
    window = (slice(None), slice(row * size, (row + 1) * size), slice(col * size, (col + 1) * size))
    out[window] = source[window]
    return out


def _sign(value: float) -> float:
    return 1.0 if value >= 0 else -1.0


__all__ = ["PairAttribution", "RegionEffect", "decisive_regions"]
