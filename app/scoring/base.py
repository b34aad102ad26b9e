"""The scorer interface every ranking model of the pipeline implements."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol, runtime_checkable

from PIL import Image


@runtime_checkable
class Scorer(Protocol):
    """Scores photos; higher is better.

    ``input_size`` is the longest image side the scorer wants; the pipeline decodes to that
    size so no pixels are decoded for nothing.  ``rank_series`` sees a whole burst at once, so
    a series-aware model can compare frames with each other.
    """

    name: str
    weights_id: str
    device: str
    input_size: int

    def score(self, images: list[Image.Image]) -> list[float]:
        """One score per image, each judged on its own."""
        ...

    def rank_series(self, images: list[Image.Image]) -> list[float]:
        """One score per frame of a series, judged together; the best frame scores highest."""
        ...


class ScorerUnavailable(Exception):
    """The requested scorer cannot be built here (no weights, no library); says why."""


@runtime_checkable
class PreparingScorer(Scorer, Protocol):
    """A scorer whose per-image work can run in the pipeline's decoding processes.

    ``prepare`` must be picklable (a module-level function or a ``functools.partial`` of one);
    its results, not the images, come back and are scored by ``score_prepared`` and
    ``rank_prepared``, which behave as ``score`` and ``rank_series`` on the images.
    """

    prepare: Callable[[Image.Image], Any]

    def score_prepared(self, prepared: list[Any]) -> list[float]: ...

    def rank_prepared(self, prepared: list[Any]) -> list[float]: ...


@runtime_checkable
class BatchingScorer(Scorer, Protocol):
    """A scorer that fills its forward passes from several series at once (a GPU runs
    half-empty on one burst's work).

    ``rank_many`` yields, in order, what ``rank_series`` (``score`` for a single frame) gives
    for each series; it takes the series lazily, so they can arrive as they are decoded.
    """

    def rank_many(self, series: Iterable[list[Image.Image]]) -> Iterator[list[float]]: ...
