"""The Scorer: batched single-image scores and series ranking on any device."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
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
from .regions import image_similarity
from .tokenizer import DiffToken
from .tokens import Tokens, collate

#: Series modes of ``Scorer.rank_series``.
SERIES_MODES = ("pairwise", "reference")
_THUMB = 64


@dataclass(frozen=True)
class SeriesRanking:
    """Per-frame scores (input order) and the frame indices best first."""

    scores: list[float]
    order: list[int]


class Scorer:
    """Scores images and ranks burst series with one FGAesQ model.

    Args:
        model: the model (moved to ``device``; scored in eval mode, its mode restored after).
        device: where the model runs.
        weights_id: identifies the weights (``"fgaesq:<sha256[:12]>"``).
    """

    def __init__(self, model: FGAesQModel, device: torch.device, weights_id: str):
        self.model = model.to(device)
        self.device = device
        self.weights_id = weights_id
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
        tokens = (self.tokenizer.tokenize(load_image(img)) for img in images)
        return self.score_tokens(tokens, batch_size)

    def score_tokens(self, tokens, batch_size: int = 16) -> list[float]:
        """Scores for an iterable of unbatched Tokens, ``batch_size`` per forward pass."""
        out: list[float] = []
        batch: list[Tokens] = []
        for item in tokens:
            batch.append(item)
            if len(batch) == batch_size:
                out.extend(self._forward(batch))
                batch = []
        if batch:
            out.extend(self._forward(batch))
        return out

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

        def tokens():
            for i, j in pairs:
                yield from self.tokenizer.tokenize_pair_both(frames[i], frames[j])

        flat = self.score_tokens(tokens(), batch_size)
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
        tokens = (
            self.tokenizer.tokenize_pair(frame, frames[nearest if i == ref else ref])
            for i, frame in enumerate(frames)
        )
        return self.score_tokens(tokens, batch_size)

    def similarity_matrix(self, frames: list[Image.Image]) -> torch.Tensor:
        """SSIM between every two frames on small thumbnails (n, n), one batched call."""
        thumbs = torch.stack(
            [to_tensor(f.resize((_THUMB, _THUMB), Image.Resampling.BILINEAR)) for f in frames]
        ).to(self.device)
        n = len(frames)
        ii, jj = torch.triu_indices(n, n, offset=1)
        sims = image_similarity(thumbs[ii], thumbs[jj], self.config.tokenizer.ssim_win_size)
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
) -> Scorer:
    """Load weights and return a ready Scorer.

    Args:
        weights: ``"fgaesq"`` (released, from the hub cache or downloaded),
            ``"openai"`` (CLIP backbone, untrained head), a checkpoint path, or None
            (random weights, for tests and benchmarks).
        config: architecture; None takes the weights' own (``vit-b-16`` for the
            released weights, the stored config of a project checkpoint).
        device: ``"auto"`` (cuda, then mps, then cpu), ``"cpu"``, ``"cuda"``, ``"mps"``.

    Returns:
        A Scorer with ``.score``, ``.rank_series``, ``.device`` and ``.weights_id``.

    Raises:
        DeviceUnavailable: the requested device is absent.
        CheckpointError: the checkpoint is missing, broken or does not fit the config.
        WeightsUnavailable: named weights are not cached and cannot be downloaded.
    """
    dev = resolve_device(device)
    model = create_model(config, pretrained=weights)
    return Scorer(model, dev, model.weights_id)
