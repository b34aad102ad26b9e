"""The Scorer: batched single-image scores and series ranking on any device."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from PIL import Image
from torchvision.transforms.functional import to_tensor

from .config import ModelConfig
from .device import autocast, resolve_device
from .factory import create_model
from .images import ImageInput, cap_long_side, load_image
from .model import FGAesQModel, expected_score
from .regions import ssim_uniform
from .tokenizer import DiffToken
from .tokens import Tokens, collate

#: Series modes of ``Scorer.rank_series``.
SERIES_MODES = ("pairwise", "reference")
#: Draws averaged per scored input whose tokens are sampled (see docs/model.md, "Draws").
DEFAULT_DRAWS = 4
_THUMB = 64


@dataclass(frozen=True)
class SeriesRanking:
    """Per-frame scores (input order) and the frame indices best first."""

    scores: list[float]
    order: list[int]


class Scorer:
    """Scores images and ranks burst series with one FGAesQ model.

    Inputs whose tokens are drawn at random (images over the token budget, and every
    pair) are tokenised ``draws`` times from content-seeded generators and their scores
    averaged: an estimate of the released model's expected score whose spread shrinks
    with the square root of ``draws``, and the same every time for the same photo.

    Args:
        model: the model (moved to ``device``; scored in eval mode, its mode restored after).
        device: where the model runs.
        weights_id: identifies the weights (``"fgaesq:<sha256[:12]>"``).
        draws: tokenisations averaged per sampled input (at least 1).
    """

    def __init__(
        self,
        model: FGAesQModel,
        device: torch.device,
        weights_id: str,
        draws: int = DEFAULT_DRAWS,
    ):
        if draws < 1:
            raise ValueError(f"draws must be at least 1, got {draws}")
        self.model = model.to(device)
        self.device = device
        self.weights_id = weights_id
        self.draws = draws
        self.tokenizer = DiffToken(model.config.tokenizer, device=device)

    @property
    def config(self) -> ModelConfig:
        return self.model.config

    def score(self, images: Sequence[ImageInput], batch_size: int = 16) -> list[float]:
        """Single-image aesthetic scores in [1, 10], in input order.

        Args:
            images: paths or PIL images.
            batch_size: tokens scored per forward pass.

        Returns:
            One float per image.

        Raises:
            ImageInputError: an image cannot be read (the message names it).
        """
        groups = (self.tokenizer.samples(load_image(img), self.draws) for img in images)
        return self.score_groups(groups, batch_size)

    def score_groups(self, groups: Iterable[list[Tokens]], batch_size: int = 16) -> list[float]:
        """The mean score of each group of token sets (the draws of one input), in order.

        Groups are consumed lazily; token sets are batched across group borders.
        """
        sums: list[float] = []
        counts: list[int] = []
        batch: list[Tokens] = []
        owners: list[int] = []

        def flush() -> None:
            for owner, value in zip(owners, self._forward(batch), strict=True):
                sums[owner] += value
                counts[owner] += 1
            batch.clear()
            owners.clear()

        for group in groups:
            sums.append(0.0)
            counts.append(0)
            for tokens in group:
                batch.append(tokens)
                owners.append(len(sums) - 1)
                if len(batch) == batch_size:
                    flush()
        if batch:
            flush()
        return [total / n for total, n in zip(sums, counts, strict=True)]

    def score_tokens(self, tokens: Iterable[Tokens], batch_size: int = 16) -> list[float]:
        """Scores for an iterable of unbatched Tokens, ``batch_size`` per forward pass."""
        return self.score_groups(([item] for item in tokens), batch_size)

    @torch.inference_mode()
    def _forward(self, batch: list[Tokens]) -> list[float]:
        tokens = collate(batch).to(self.device)
        was_training = (
            self.model.training
        )  # a model in training is scored in eval mode, then restored
        self.model.eval()
        try:
            with autocast(self.device):
                logits = self.model(tokens).logits
        finally:
            self.model.train(was_training)
        return expected_score(logits).cpu().tolist()

    def rank_series(
        self, images: Sequence[ImageInput], mode: str = "pairwise", batch_size: int = 16
    ) -> SeriesRanking:
        """Rank the frames of one burst series.

        ``"pairwise"`` is the released scheme: every pair tokenised both ways (n(n-1)
        scored token sets), each frame's score the mean of its pair scores, blended with
        the series mean for series of 4 or more.  ``"reference"`` tokenises each frame
        once against one reference (the series medoid by region similarity; the medoid
        itself against its nearest neighbour): n scored token sets.

        Args:
            images: the frames (paths or PIL images); long side capped at 2048 px.
            mode: ``"pairwise"`` or ``"reference"``.
            batch_size: tokens scored per forward pass.

        Returns:
            SeriesRanking(scores in input order, order best first; ties keep input order).

        Raises:
            ValueError: unknown mode or an empty series.
            ImageInputError: a frame cannot be read.
        """
        if mode not in SERIES_MODES:
            raise ValueError(f"unknown series mode {mode!r}; use one of {SERIES_MODES}")
        if not images:
            raise ValueError("rank_series needs at least one image")
        cap = self.config.tokenizer.series_max_side
        frames = [cap_long_side(load_image(img), cap) for img in images]
        if len(frames) == 1:
            scores = self.score(frames, batch_size)
        elif mode == "pairwise":
            scores = self._pairwise(frames, batch_size)
        else:
            scores = self._reference(frames, batch_size)
        order = sorted(range(len(scores)), key=lambda i: -scores[i])
        return SeriesRanking(scores=scores, order=order)

    def _pairwise(self, frames: list[Image.Image], batch_size: int) -> list[float]:
        pairs = list(itertools.combinations(range(len(frames)), 2))

        def groups():
            for i, j in pairs:
                draws = self.tokenizer.pair_samples(frames[i], frames[j], self.draws)
                yield [first for first, _ in draws]
                yield [second for _, second in draws]

        flat = self.score_groups(groups(), batch_size)
        per_frame: list[list[float]] = [[] for _ in frames]
        for k, (i, j) in enumerate(pairs):
            per_frame[i].append(flat[2 * k])
            per_frame[j].append(flat[2 * k + 1])
        return blend_with_series_mean(per_frame)

    def _reference(self, frames: list[Image.Image], batch_size: int) -> list[float]:
        similarity = self.similarity_matrix(frames)
        ref = int(similarity.mean(dim=1).argmax())
        others = similarity[ref].clone()
        others[ref] = -float("inf")
        nearest = int(others.argmax())
        groups = (
            [
                t
                for (t,) in self.tokenizer.pair_samples(
                    frame, frames[nearest if i == ref else ref], self.draws, both=False
                )
            ]
            for i, frame in enumerate(frames)
        )
        return self.score_groups(groups, batch_size)

    def similarity_matrix(self, frames: list[Image.Image]) -> torch.Tensor:
        """SSIM between every two frames on small thumbnails (n, n), one batched call."""
        thumbs = torch.stack(
            [to_tensor(f.resize((_THUMB, _THUMB), Image.Resampling.BILINEAR)) for f in frames]
        ).to(self.device)
        n = len(frames)
        ii, jj = torch.triu_indices(n, n, offset=1)
        sims = ssim_uniform(thumbs[ii], thumbs[jj], self.config.tokenizer.ssim_win_size)
        out = torch.eye(n, device=self.device)
        out[ii, jj] = sims.to(out.dtype)
        out[jj, ii] = sims.to(out.dtype)
        return out.cpu()


def blend_with_series_mean(per_frame: list[list[float]]) -> list[float]:
    """The released series scores: mean of each frame's pair scores, and for series of 4+
    a blend with the mean of all pair scores (0.3/0.7 when scored once, 0.7/0.3 twice,
    0.9/0.1 otherwise)."""
    means = [sum(s) / len(s) for s in per_frame]
    if len(per_frame) < 4:
        return means
    everything = [x for s in per_frame for x in s]
    series_mean = sum(everything) / len(everything)
    weights = {1: 0.3, 2: 0.7}
    return [
        weights.get(len(s), 0.9) * m + (1 - weights.get(len(s), 0.9)) * series_mean
        for s, m in zip(per_frame, means, strict=True)
    ]


def load_model(
    weights: str | Path | None = "fgaesq",
    config: str | Path | ModelConfig | None = None,
    device: str | torch.device = "auto",
    draws: int = DEFAULT_DRAWS,
) -> Scorer:
    """Load weights and return a ready Scorer.

    Args:
        weights: ``"fgaesq"`` (released, from the hub cache or downloaded),
            ``"openai"`` (CLIP backbone, untrained head), a checkpoint path, or None
            (random weights, for tests and benchmarks).
        config: architecture; None takes the weights' own (``vit-b-16`` for the
            released weights, the stored config of a project checkpoint).
        device: ``"auto"`` (cuda, then mps, then cpu), ``"cpu"``, ``"cuda"``, ``"mps"``.
        draws: tokenisations averaged per sampled input (see ``Scorer``).

    Returns:
        A Scorer with ``.score``, ``.rank_series``, ``.device`` and ``.weights_id``.

    Raises:
        DeviceUnavailable: the requested device is absent.
        CheckpointError: the checkpoint is missing, broken or does not fit the config.
        WeightsUnavailable: named weights are not cached and cannot be downloaded.
    """
    dev = resolve_device(device)
    model = create_model(config, pretrained=weights)
    return Scorer(model, dev, model.weights_id, draws=draws)
