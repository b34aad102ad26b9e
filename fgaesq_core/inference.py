"""The Scorer: batched single-image scores and series ranking on any device."""

from __future__ import annotations

import itertools
import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from PIL import Image
from torchvision.transforms.functional import to_tensor

from .cascade import CascadeRule, Prefilter, run_cascade
from .config import ModelConfig
from .device import PASSES_IN_FLIGHT, resolve_device
from .engines import Engine, TorchEngine, select_engine
from .factory import create_model
from .images import ImageInput, cap_long_side, load_image
from .model import FGAesQModel, expected_score
from .regions import ssim_uniform
from .sampling import content_digest
from .tokenizer import DiffToken
from .tokens import Tokens, collate

_log = logging.getLogger("fgaesq_core")
#: Series modes of ``Scorer.rank_series``.
SERIES_MODES = ("pairwise", "reference", "cascade")
#: Draws averaged per scored input whose tokens are sampled (see docs/model.md, "Draws").
DEFAULT_DRAWS = 4
_THUMB = 64


@dataclass(frozen=True)
class SeriesRanking:
    """Per-frame scores (input order) and the frame indices best first.

    ``token_sets`` is what the ranking cost in forward-pass inputs (cascade mode);
    ``settled`` (cascade mode) the chance, from the same draws, that more draws would not
    change the pick.
    """

    scores: list[float]
    order: list[int]
    token_sets: int | None = None
    settled: float | None = None


class PassScores:
    """The scores of one forward pass, read when they are needed.

    On CUDA they are copied back asynchronously, into page-locked memory, as soon as the pass
    is queued, and an event marks the copy's end: reading them waits for that pass alone, not
    for passes queued after it.  Elsewhere they are read at once.
    """

    def __init__(self, scores: torch.Tensor) -> None:
        self._ready: torch.cuda.Event | None = None
        if scores.device.type == "cuda":
            self._host = torch.empty(scores.shape, dtype=scores.dtype, pin_memory=True)
            self._host.copy_(scores, non_blocking=True)
            self._ready = torch.cuda.Event()
            self._ready.record()
        else:
            self._host = scores.cpu()

    def values(self) -> list[float]:
        if self._ready is not None:
            self._ready.synchronize()
        return self._host.tolist()


class PendingScores:
    """The scores of a forward pass an engine runs on its own threads (OpenVINO), read when
    they are needed: the pass computes while the next batch is tokenised."""

    def __init__(self, logits: Callable[[], torch.Tensor]) -> None:
        self._logits = logits

    def values(self) -> list[float]:
        return expected_score(self._logits()).tolist()


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
        precision: ``"fp32"`` or ``"bf16"`` / ``"fp16"`` autocast of the torch engine
            (ignored when ``engine`` is given).
        engine: what runs the forward pass (``fgaesq_core.engines``); None: torch at
            ``precision``.  ``load_model`` chooses one per machine.
    """

    def __init__(
        self,
        model: FGAesQModel,
        device: torch.device,
        weights_id: str,
        draws: int = DEFAULT_DRAWS,
        precision: str = "fp32",
        engine: Engine | None = None,
    ):
        if draws < 1:
            raise ValueError(f"draws must be at least 1, got {draws}")
        self.runtime = engine or TorchEngine(model.to(device), device, precision)
        self.model = model.to(device)
        self.device = device
        self.weights_id = weights_id
        self.draws = draws
        self.precision = self.runtime.precision
        self.tokenizer = DiffToken(model.config.tokenizer, device=device)
        #: forward passes left running while the next batch is tokenised (see _stream_groups)
        self.passes_in_flight = getattr(
            self.runtime, "passes_in_flight", PASSES_IN_FLIGHT.get(device.type, 0)
        )
        #: when the cascade mode stops adding draws (fgaesq_core.cascade)
        self.cascade_rule = CascadeRule()

    @property
    def engine(self) -> str:
        """The engine and precision that score, e.g. ``"torch-cpu fp32"``."""
        return self.runtime.name

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
        *_, scores = self._stream_groups(groups, batch_size)
        return scores

    def _stream_groups(
        self, groups: Iterable[list[Tokens]], batch_size: int
    ) -> Iterator[list[float]]:
        """After each forward pass, the mean scores of the groups complete so far, in order.

        A group's draws are summed in the order they were drawn, whatever the batch borders,
        so every mean is the same however the token sets were batched.  On CUDA (and with
        OpenVINO, which computes on its own threads) one pass stays in flight: its scores are
        read only after the next pass is queued, so the network computes while Python
        tokenises the next batch, and neither waits for the other.
        """
        sums: list[float] = []
        counts: list[int] = []
        sizes: list[int] = []
        batch: list[Tokens] = []
        owners: list[int] = []
        done: list[float] = []
        in_flight: deque[tuple[list[int], PassScores | PendingScores]] = deque()

        def launch() -> None:
            if batch:
                in_flight.append((list(owners), self._forward(batch)))
                batch.clear()
                owners.clear()

        def settle(keep: int) -> list[float]:
            """Add the scores of every pass but the newest ``keep`` to their groups."""
            while len(in_flight) > keep:
                passed, scores = in_flight.popleft()
                for owner, value in zip(passed, scores.values(), strict=True):
                    sums[owner] += value
                    counts[owner] += 1
            while len(done) < len(sums) and counts[len(done)] == sizes[len(done)]:
                done.append(sums[len(done)] / counts[len(done)])
            return done

        for group in groups:
            sums.append(0.0)
            counts.append(0)
            sizes.append(len(group))
            for tokens in group:
                batch.append(tokens)
                owners.append(len(sums) - 1)
                if len(batch) == batch_size:
                    launch()
                    yield settle(keep=self.passes_in_flight)
        launch()
        yield settle(keep=0)

    def score_tokens(self, tokens: Iterable[Tokens], batch_size: int = 16) -> list[float]:
        """Scores for an iterable of unbatched Tokens, ``batch_size`` per forward pass."""
        return self.score_groups(([item] for item in tokens), batch_size)

    def _forward(self, batch: list[Tokens]) -> PassScores | PendingScores:
        # On CUDA the batch is stacked straight into page-locked memory, so the copy to the
        # GPU is one asynchronous DMA; the model's kernels queue behind it on the stream.
        where = self.runtime.device
        cuda = where.type == "cuda"
        tokens = collate(batch, pin_memory=cuda).to(where, non_blocking=cuda)
        with torch.inference_mode():
            start = getattr(self.runtime, "start", None)
            if start is not None:  # the engine computes on its own threads
                return PendingScores(start(tokens))
            return PassScores(expected_score(self.runtime.logits(tokens)))

    def rank_series(
        self,
        images: Sequence[ImageInput],
        mode: str = "pairwise",
        batch_size: int = 16,
        prefilter: Prefilter | None = None,
    ) -> SeriesRanking:
        """Rank the frames of one burst series.

        ``"pairwise"`` is the released scheme: every pair tokenised both ways,
        ``ceil(draws / (n - 1))`` draws each, each frame's score the mean of its pair
        scores, blended with the series mean for series of 4 or more: n(n-1) token sets
        from 5 frames on (with 4 draws).  ``"reference"`` tokenises each frame ``draws``
        times against one reference, the series medoid by thumbnail SSIM; the medoid's
        draws go to the other frames in turn, most similar first: n x draws token sets.
        ``"cascade"`` (``fgaesq_core.cascade``): frames ``prefilter`` rules out get no pass,
        the others one score against the medoid (``cascade_rule.screen``), and the best
        ``cascade_rule.candidates`` of those are compared pairwise, draws added until the
        pick is settled.

        Args:
            images: the frames (paths or PIL images), capped to ``series_max_side``
                (the culling app brings them to the size at which they fit the token
                budget first, ``images.fit_to_budget``; training and evaluation rank the
                frames at the size they were trained at).
            mode: ``"pairwise"``, ``"reference"`` or ``"cascade"``.
            batch_size: tokens scored per forward pass.
            prefilter: the caller's cheap verdicts on the frames (cascade mode only).

        Returns:
            SeriesRanking(scores in input order, order best first; ties keep input order).

        Raises:
            ValueError: unknown mode or an empty series.
            ImageInputError: a frame cannot be read.
        """
        return next(self.rank_many([images], mode, batch_size, [prefilter]))

    def rank_many(
        self,
        series: Iterable[Sequence[ImageInput]],
        mode: str = "pairwise",
        batch_size: int = 16,
        prefilters: Iterable[Prefilter | None] | None = None,
    ) -> Iterator[SeriesRanking]:
        """``rank_series`` of each series, with token sets batched across series borders.

        A burst of six frames makes 24-30 token sets; scored series by series, a GPU would
        run small, half-empty batches.  Here the forward passes are filled from consecutive
        series, and each ranking is yielded (in input order) as soon as its last token set
        is scored.  Series are read and tokenised lazily, at most one batch ahead.  The
        scores are those of ``rank_series`` one series at a time: the same content-seeded
        draws, averaged in the same order.  The cascade decides each series' next draws from
        the last ones, so it ranks one series at a time (``prefilters``: one per series,
        taken after it).
        """
        if mode not in SERIES_MODES:
            raise ValueError(f"unknown series mode {mode!r}; use one of {SERIES_MODES}")
        if mode == "cascade":
            yield from self._cascade_many(series, prefilters, batch_size)
            return
        plans: deque[_SeriesPlan] = deque()

        def groups() -> Iterator[list[Tokens]]:
            start = 0
            for images in series:
                plan = self._plan(images, mode, start)
                plans.append(plan)
                start = plan.end
                yield from plan.groups

        for means in self._stream_groups(groups(), batch_size):
            while plans and len(means) >= plans[0].end:
                yield plans.popleft().finish(means)

    def _frames(self, images: Sequence[ImageInput]) -> list[Image.Image]:
        if not images:
            raise ValueError("rank_series needs at least one image")
        cap = self.config.tokenizer.series_max_side
        return [cap_long_side(load_image(img), cap) for img in images]

    def _cascade_many(
        self,
        series: Iterable[Sequence[ImageInput]],
        prefilters: Iterable[Prefilter | None] | None,
        batch_size: int,
    ) -> Iterator[SeriesRanking]:
        verdicts = iter(prefilters) if prefilters is not None else None
        for images in series:
            verdict = next(verdicts, None) if verdicts is not None else None
            frames = self._frames(images)
            if len(frames) == 1:  # scored as in every mode, so its stored score is shared
                scores = self.score_groups(
                    [self.tokenizer.samples(frames[0], self.draws)], batch_size
                )
                yield SeriesRanking(scores, [0], settled=1.0)
            else:
                yield self._cascade(frames, verdict, batch_size)

    def _cascade(
        self, frames: list[Image.Image], prefilter: Prefilter | None, batch_size: int
    ) -> SeriesRanking:
        """One series in cascade mode; a pair's SSIM is kept across its rounds."""
        spent = [0]

        def scored(groups: list[list[Tokens]]) -> list[float]:
            spent[0] += sum(len(g) for g in groups)
            return self.score_groups(groups, batch_size)

        def singles(indices: list[int]) -> list[float]:
            draws = self.cascade_rule.single_draws
            return scored([self.tokenizer.samples(frames[i], draws) for i in indices])

        def against(matches: list[tuple[int, int]]) -> list[float]:
            groups = [
                [self.tokenizer.pair_samples(frames[i], frames[j], 1, both=False)[0][0]]
                for i, j in matches
            ]
            return scored(groups)

        reference = None
        if self.cascade_rule.screen == "reference":
            ref, partners = self._medoid_and_partners(frames)
            reference = (ref, partners[0])
        kept = self.tokenizer.difference_cache
        if kept is None:
            self.tokenizer.difference_cache = {}
        try:
            outcome = run_cascade(
                len(frames), singles, against, prefilter, self.cascade_rule, reference
            )
        finally:
            self.tokenizer.difference_cache = kept
        scores = outcome.scores
        order = sorted(range(len(scores)), key=lambda i: -scores[i])
        return SeriesRanking(scores, order, token_sets=spent[0], settled=outcome.settled)

    def _plan(self, images: Sequence[ImageInput], mode: str, start: int) -> _SeriesPlan:
        """The token-set groups of one series (from group ``start`` on among all groups
        scored) and how their mean scores make its ranking."""
        frames = self._frames(images)
        if len(frames) == 1:
            groups, combine, size = [self.tokenizer.samples(frames[0], self.draws)], list, 1
        elif mode == "pairwise":
            groups, combine, size = self._pairwise(frames)
        else:
            groups, combine, size = self._reference(frames)
        return _SeriesPlan(groups, combine, start, start + size)

    def _pairwise(self, frames: list[Image.Image]) -> _Groups:
        pairs = list(itertools.combinations(range(len(frames)), 2))
        # A frame's score averages its n - 1 pairs, so ceil(draws / (n - 1)) draws per
        # pair give it at least `draws` draws (one per pair from 5 frames on, as released).
        per_pair = -(-self.draws // (len(frames) - 1))

        def groups():
            for i, j in pairs:
                draws = self.tokenizer.pair_samples(frames[i], frames[j], per_pair)
                yield [first for first, _ in draws]
                yield [second for _, second in draws]

        def combine(flat: list[float]) -> list[float]:
            per_frame: list[list[float]] = [[] for _ in frames]
            for k, (i, j) in enumerate(pairs):
                per_frame[i].append(flat[2 * k])
                per_frame[j].append(flat[2 * k + 1])
            return blend_with_series_mean(per_frame)

        return groups(), combine, 2 * len(pairs)

    def _medoid_and_partners(self, frames: list[Image.Image]) -> tuple[int, list[int]]:
        """The series medoid by thumbnail SSIM and the other frames, most like it first."""
        keys = [content_digest(f) for f in frames]
        similarity = self.similarity_matrix(frames)
        ref = medoid(similarity, keys)
        partners = sorted(
            (i for i in range(len(frames)) if i != ref),
            key=lambda i: (-float(similarity[ref, i]), keys[i]),
        )
        return ref, partners

    def _reference(self, frames: list[Image.Image]) -> _Groups:
        ref, partners = self._medoid_and_partners(frames)
        # The medoid's draws go to the other frames in turn, most similar first, so a
        # flaw it shares with its nearest neighbour still shows against the others.
        shares = {p: len(range(m, self.draws, len(partners))) for m, p in enumerate(partners)}

        def against(i: int, other: int, draws: int) -> list[Tokens]:
            samples = self.tokenizer.pair_samples(frames[i], frames[other], draws, both=False)
            return [tokens for (tokens,) in samples]

        def groups():
            for i in range(len(frames)):
                if i != ref:
                    yield against(i, ref, self.draws)
                else:
                    yield [t for p in partners if shares[p] for t in against(ref, p, shares[p])]

        return groups(), list, len(frames)

    def similarity_matrix(self, frames: list[Image.Image]) -> torch.Tensor:
        """SSIM between every two frames on small thumbnails (n, n), one batched call.

        Thumbnails keep the frames' aspect ratio (the median one when they differ), long
        side 64 px.
        """
        aspects = sorted(f.width / f.height for f in frames)
        aspect = aspects[len(aspects) // 2]
        size = (
            (_THUMB, max(8, round(_THUMB / aspect)))
            if aspect >= 1
            else (
                max(8, round(_THUMB * aspect)),
                _THUMB,
            )
        )
        thumbs = torch.stack([to_tensor(f.resize(size, Image.Resampling.BILINEAR)) for f in frames])
        n = len(frames)
        ii, jj = torch.triu_indices(n, n, offset=1)
        with self.tokenizer.own_stream():  # not queued behind a forward pass in flight
            thumbs = thumbs.to(self.device)
            sims = ssim_uniform(thumbs[ii], thumbs[jj], self.config.tokenizer.ssim_win_size)
            out = torch.eye(n, device=self.device)
            out[ii, jj] = sims.to(out.dtype)
            out[jj, ii] = sims.to(out.dtype)
            return out.cpu()


#: A series' token-set groups (drawn lazily), their count, and how the groups' mean scores
#: become its frames' scores.
_Groups = tuple[Iterable[list[Tokens]], Callable[[list[float]], list[float]], int]


@dataclass
class _SeriesPlan:
    """One series among several scored together: its groups are ``start:end`` of all."""

    groups: Iterable[list[Tokens]]
    combine: Callable[[list[float]], list[float]]
    start: int
    end: int

    def finish(self, means: list[float]) -> SeriesRanking:
        scores = self.combine(means[self.start : self.end])
        order = sorted(range(len(scores)), key=lambda i: -scores[i])
        return SeriesRanking(scores=scores, order=order)


def medoid(similarity: torch.Tensor, keys: Sequence[bytes]) -> int:
    """The frame with the highest mean similarity to the others.

    Near-ties (within 1e-6) go to the smallest content key, so the choice does not
    depend on the order of the frames.
    """
    mean = similarity.mean(dim=1)
    best = float(mean.max())
    tied = [i for i in range(len(keys)) if float(mean[i]) >= best - 1e-6]
    return min(tied, key=lambda i: keys[i])


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
    precision: str = "auto",
    engine: str = "auto",
    series_mode: str = "pairwise",
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
        precision: ``"auto"``, ``"fp32"``, ``"bf16"``, ``"fp16"`` or ``"int8"``.
        engine: ``"auto"``, ``"torch"``, ``"onnxruntime"`` or ``"openvino"``.  ``"auto"``
            takes the fastest installed engine and precision whose measured pick flips
            against fp32 are at most 1 % (docs/model.md, "Engines"); ``scorer.engine``
            says what was chosen, and the ``fgaesq_core`` logger says it at INFO level.
        series_mode: the series mode the scorer will rank in: a reduced precision is taken
            by ``"auto"`` only where it keeps that mode's picks (the cascade's flips more).

    Returns:
        A Scorer with ``.score``, ``.rank_series``, ``.device`` and ``.weights_id``.

    Raises:
        DeviceUnavailable: the requested device is absent.
        EngineUnavailable: the requested engine is not installed or cannot run that.
        CheckpointError: the checkpoint is missing, broken or does not fit the config.
        WeightsUnavailable: named weights are not cached and cannot be downloaded.
    """
    dev = resolve_device(device)
    model = create_model(config, pretrained=weights)
    runtime = select_engine(model.to(dev), dev, engine, precision, series_mode)
    _log.info("FGAesQ runs on %s (%s series ranking)", runtime.name, series_mode)
    return Scorer(model, dev, model.weights_id, draws=draws, engine=runtime)
