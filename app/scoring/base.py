"""The scorer interface every ranking model of the pipeline implements."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import tee
from typing import Any, Protocol, TypeVar, runtime_checkable

from PIL import Image

from app.errors import AppError
from app.options import SeriesMode

K = TypeVar("K")


@runtime_checkable
class Scorer(Protocol):
    """Scores photos; higher is better.

    ``input_size`` is the longest image side the scorer wants; the pipeline decodes to that
    size so no pixels are decoded for nothing.  ``rank_series`` sees a whole burst at once, so
    a series-aware model can compare frames with each other.

    What the pipeline needs to know it asks the scorer, never its type:

    * ``series_mode``: how a burst is judged (stored with its scores, so a rerun in another
      mode scores again); None for a scorer with a single way.
    * ``prepare``: per-image work to run in the decoding processes (picklable: a module-level
      function or a ``functools.partial`` of one), whose results, not the images, come back;
      None sends the images themselves.
    * ``rank_many``: the scores of many series, each given with a key and taken lazily as
      they are decoded, so a scorer may fill one forward pass from several of them.
    """

    name: str
    weights_id: str
    device: str
    input_size: int
    series_mode: SeriesMode | None
    prepare: Callable[[Image.Image], Any] | None

    def score(self, images: list[Image.Image]) -> list[float]:
        """One score per image, each judged on its own."""
        ...

    def rank_series(self, images: list[Image.Image]) -> list[float]:
        """One score per frame of a series, judged together; the best frame scores highest."""
        ...

    def rank_many(self, series: Iterable[tuple[K, list[Any]]]) -> Iterator[tuple[K, list[float]]]:
        """``(key, scores)`` for each ``(key, prepared frames)`` in order: what ``rank_series``
        (``score`` for a single frame) gives on the frames."""
        ...


class SeriesScores(list):
    """The scores of one series (a list of floats), and how settled its pick is where the
    scorer measured it (the chance that more draws would not change it), else None."""

    def __init__(self, scores, settled: float | None = None) -> None:
        super().__init__(scores)
        self.settled = settled


class ScorerUnavailable(AppError):
    """The requested scorer cannot be built here (no weights, no library); says why."""


def with_keys(
    series: Iterable[tuple[K, list[Any]]],
    rank_all: Callable[[Iterable[list[Any]]], Iterable[list[float]]],
) -> Iterator[tuple[K, list[float]]]:
    """Each series' key with its scores from ``rank_all``, which takes the frames lazily and
    yields one result per series, in order (it may read a few series ahead)."""
    for_frames, for_keys = tee(series)
    for scores, (key, _) in zip(
        rank_all(frames for _, frames in for_frames), for_keys, strict=True
    ):
        yield key, scores
