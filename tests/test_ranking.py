"""The ranking stage asks the scorer, never its type: series mode, batching, per-image work."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
import pytest
from test_photos_fixtures import burst, jpeg, scene

from app.catalog import Catalog
from app.options import CullOptions, SeriesMode
from app.pipeline import run as pipeline_run
from app.pipeline import run_cull
from app.scoring import ScorerChoice


class BrightnessScorer:
    """A scorer written against the protocol alone: brighter is better, every series of a
    run in one batch, and a series mode of its own."""

    name = "brightness"
    weights_id = "brightness:1"
    device = "cpu"
    input_size = 256
    prepare = None

    def __init__(self, series_mode: SeriesMode) -> None:
        self.series_mode = series_mode
        self.batches: list[list[int]] = []  # the keys' series numbers handed over per call

    def score(self, images) -> list[float]:
        return [float(np.asarray(image.convert("L")).mean()) for image in images]

    def rank_series(self, images) -> list[float]:
        return self.score(images)

    def rank_many(self, series: Iterable[tuple]) -> Iterator[tuple]:
        batch = list(series)  # all at once, as a scorer filling one pass from many would
        self.batches.append([key[0] for key, _ in batch])
        for key, images in batch:
            yield key, self.rank_series(images)


@pytest.fixture
def folder(tmp_path):
    folder = tmp_path / "card"
    burst(folder, "astronaut", 0.0, frames=3, sharp_at=1)
    burst(folder, "coffee", 300.0, frames=2)
    jpeg(folder / "single.jpg", scene("rocket"), when=900.0)
    return folder


def cull(folder, db, scorer, monkeypatch):
    monkeypatch.setattr(pipeline_run, "create_scorer", lambda *args: ScorerChoice(scorer))
    return run_cull(folder, CullOptions(catalog_path=db, faces=False, workers=1))


def stored_modes(db, result) -> list[str | None]:
    ids = [m.photo_id for s in result.series for m in s.members]
    with Catalog.open(db) as catalog:
        records = catalog.scores(ids, "brightness", "brightness:1")
    return sorted((records[i].series_mode for i in ids), key=str)


def test_the_scorer_declares_its_series_mode_and_batching(folder, tmp_path, monkeypatch):
    db = tmp_path / "c.sqlite3"
    reference = BrightnessScorer(SeriesMode.REFERENCE)
    result = cull(folder, db, reference, monkeypatch)
    assert reference.batches == [[0, 1, 2]]  # every series in one call, in order
    sizes = sorted(len(s.members) for s in result.series)
    assert sizes == [1, 2, 3] and result.stats.scored == 6
    for series in result.series:
        assert [m.rank for m in sorted(series.members, key=lambda m: -m.score)] == list(
            range(1, len(series.members) + 1)
        )
    assert stored_modes(db, result) == [None] + [SeriesMode.REFERENCE] * 5

    again = BrightnessScorer(SeriesMode.REFERENCE)
    assert cull(folder, db, again, monkeypatch).stats.cached == 6
    assert again.batches == [[]]  # nothing to score: the stored scores hold in that mode

    pairwise = BrightnessScorer(SeriesMode.PAIRWISE)
    rerun = cull(folder, db, pairwise, monkeypatch)
    assert rerun.stats.scored == 5  # the bursts again, in the other mode; not the single
    assert len(pairwise.batches) == 1 and len(pairwise.batches[0]) == 2
