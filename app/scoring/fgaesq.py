"""Adapter from the FGAesQ model library (``fgaesq_core``) to the pipeline's Scorer protocol."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image

from app.options import SeriesMode
from app.scoring.base import K, ScorerUnavailable, SeriesScores, with_keys

if TYPE_CHECKING:
    from app.scoring.why import Why

# Frames are decoded this large, then brought by the model library to the size at which
# the whole frame fits the token budget (fgaesq_core.images.fit_to_budget: 786 px for 4:3,
# 844 for 3:2, 921 for 16:9); larger decodes would only be downscaled again.
DEFAULT_INPUT_SIZE = 960
# Scores made under an earlier input size rule are not reused.
INPUT_RULE = "fit-to-budget"


class FGAesQScorer:
    """FGAesQ scores: single images through ``score``, bursts through ``rank_series``.

    The frames travel to it as decoded images (tokenising needs the pixels of a pair
    together); ``rank_many`` fills each forward pass from several series.  In cascade mode
    the technical measures of each frame decide which frames the model need not see
    (``app.scoring.prefilter``), and each series' scores say how settled its pick is.
    """

    name = "fgaesq"
    prepare = None

    def __init__(
        self,
        weights: str | Path = "fgaesq",
        device: str = "auto",
        series_mode: str = SeriesMode.PAIRWISE,
        batch_size: int | None = None,
    ) -> None:
        if series_mode not in set(SeriesMode):
            raise ValueError(
                f"series mode must be one of {', '.join(SeriesMode)}, not {series_mode!r}"
            )
        try:
            import fgaesq_core

            self._model = fgaesq_core.load_model(
                weights=str(weights), device=device, series_mode=str(series_mode)
            )
        except ImportError as exc:
            raise ScorerUnavailable(f"the FGAesQ model library cannot be imported ({exc})") from exc
        except FileNotFoundError as exc:
            raise ScorerUnavailable(f"weights file not found: {exc.filename or weights}") from exc
        except Exception as exc:  # WeightsUnavailable, CheckpointError, device errors
            raise ScorerUnavailable(f"cannot load FGAesQ weights {weights!s}: {exc}") from exc
        self.series_mode = SeriesMode(series_mode)
        # None: the measured size for the device (small on a CPU, large on a GPU)
        self.batch_size = batch_size or fgaesq_core.default_batch_size(self._model.device)
        self.weights_id = f"{self._model.weights_id}+{INPUT_RULE}"
        self.device = str(self._model.device)
        # what runs the model there, e.g. "openvino-cpu bf16" (docs/model.md, "Engines")
        self.engine = self._model.engine
        self.input_size = DEFAULT_INPUT_SIZE

    def _fitted(self, images: list[Image.Image]) -> list[Image.Image]:
        """The frames at the size where the whole frame fits the token budget."""
        from fgaesq_core.images import fit_to_budget

        return [fit_to_budget(image, self._model.config.tokenizer) for image in images]

    def explain(
        self,
        pick: Image.Image,
        runner_up: Image.Image,
        names: tuple[str, str],
        pick_faces: Sequence = (),
    ) -> Why:
        """Why the model preferred ``pick`` over ``runner_up`` (two decoded frames of a
        series), from its decisive regions on the frames as it sees them; boxes in the
        original's pixels."""
        from app.photos.decode import source_size
        from app.scoring.why import explain_with_model

        fitted = self._fitted([pick, runner_up])
        return explain_with_model(self._model, *fitted, names, source_size(pick), pick_faces)

    def score(self, images: list[Image.Image]) -> list[float]:
        fitted = self._fitted(images)
        return [float(s) for s in self._model.score(fitted, batch_size=self.batch_size)]

    def rank_series(self, images: list[Image.Image]) -> list[float]:
        if len(images) < 2:
            return self.score(images)
        return next(self._rank_all([images]))

    def rank_many(
        self, series: Iterable[tuple[K, list[Image.Image]]]
    ) -> Iterator[tuple[K, list[float]]]:
        """``rank_series`` (``score`` for a single frame) of each series, in order, with the
        forward passes filled from consecutive series; series are taken as they come."""
        return with_keys(series, self._rank_all)

    def _rank_all(self, series: Iterable[list[Image.Image]]) -> Iterator[list[float]]:
        verdicts: deque = deque()  # each series' prefilter, made as its frames are taken

        def fitted() -> Iterator[list[Image.Image]]:
            for images in series:
                if self.series_mode is SeriesMode.CASCADE:
                    verdicts.append(_prefilter(images))
                yield self._fitted(images)

        def prefilters() -> Iterator:
            while verdicts:
                yield verdicts.popleft()

        for ranking in self._model.rank_many(
            fitted(), self.series_mode, self.batch_size, prefilters()
        ):
            yield SeriesScores([float(s) for s in ranking.scores], ranking.settled)


def _prefilter(images: list[Image.Image]):
    """The cascade's verdicts on a series' frames from their technical measures."""
    from app.scoring.prefilter import rule_out
    from app.scoring.technical import measure
    from fgaesq_core import Prefilter

    out, costs = rule_out([measure(image) for image in images])
    return Prefilter(out, [-c for c in costs])
