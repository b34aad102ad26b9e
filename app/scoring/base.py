"""The scorer interface every ranking model of the pipeline implements."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

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
