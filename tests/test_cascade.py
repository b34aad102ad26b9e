"""The app's side of FGAesQ's cascade: which frames the cheap signals rule out, and how
settled the model says a pick is reaching the series confidence."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pytest
from PIL import ImageFilter, ImageStat
from test_photos_fixtures import burst, scene

from app.catalog import Catalog  # noqa: F401  (the catalog the cull below writes)
from app.options import CullOptions, SeriesMode
from app.pipeline import run as pipeline_run
from app.pipeline import run_cull
from app.scoring import ScorerChoice
from app.scoring.base import SeriesScores
from app.scoring.confidence import pick_confidence
from app.scoring.prefilter import PrefilterRule, rule_out
from app.scoring.technical import measure


def frames_of(*blur_radii: float):
    base = scene("astronaut", (320, 240))
    return [base.filter(ImageFilter.GaussianBlur(r)) if r else base.copy() for r in blur_radii]


def test_a_severely_blurred_frame_is_ruled_out_and_the_sharp_ones_stay():
    measures = [measure(f) for f in frames_of(0, 0, 6, 0.3)]
    out, costs = rule_out(measures)
    assert out == [False, False, True, False]
    assert costs[2] == max(costs)


def test_closed_eyes_rule_a_frame_out_only_while_another_has_them_open():
    measures = [measure(f) for f in frames_of(0, 0, 0)]
    eyes = [["open"], ["closed", "open"], ["open", "unknown"]]
    assert rule_out(measures, eyes)[0] == [False, True, False]
    nobody_open = [["closed"], ["closed"], []]
    assert rule_out(measures, nobody_open)[0] == [False, False, False]


def test_the_frames_with_the_smallest_costs_always_stay():
    measures = [measure(f) for f in frames_of(0, 3, 6)]
    harsh = PrefilterRule(far_stops=0.0, severe_blur=0.0, severe_highlights=0.0, keep=2)
    out, costs = rule_out(measures, rule=harsh)
    assert out.count(False) == 2 and out[costs.index(max(costs))]


def test_how_settled_the_model_is_stands_for_a_confidence_it_lacks():
    assert pick_confidence("fgaesq", [6.1, 5.0]) is None
    assert pick_confidence("fgaesq", [6.1, 5.0], settled=0.7) == pytest.approx(0.7)
    assert pick_confidence("fgaesq", [6.1], settled=0.7) == 1.0

    class Face:
        eyes, confidence = "unknown", 0.9

    assert pick_confidence("fgaesq", [6.1, 5.0], pick_faces=[Face()], settled=0.9) == 0.5


class SettledScorer:
    """A series-aware scorer that measured how settled each pick is: brightest first."""

    name = "settled"
    weights_id = "settled:1"
    device = "cpu"
    input_size = 256
    prepare = None
    series_mode = SeriesMode.CASCADE

    def score(self, images) -> list[float]:
        return [float(ImageStat.Stat(image.convert("L")).mean[0]) for image in images]

    def rank_series(self, images) -> list[float]:
        return self.score(images)

    def rank_many(self, series: Iterable[tuple]) -> Iterator[tuple]:
        for key, images in series:
            yield key, SeriesScores(self.score(images), settled=0.625)


def test_the_series_confidence_is_the_scorers_settledness(tmp_path, monkeypatch):
    folder = tmp_path / "card"
    burst(folder, "astronaut", 0.0, frames=3, sharp_at=1)
    monkeypatch.setattr(pipeline_run, "create_scorer", lambda *args: ScorerChoice(SettledScorer()))
    options = CullOptions(catalog_path=tmp_path / "c.sqlite3", faces=False, workers=1)
    result = run_cull(folder, options)
    assert [s.confidence for s in result.series] == [0.625]


def test_the_fgaesq_adapter_ranks_a_cascade_with_the_technical_prefilter(tmp_path):
    from app.scoring.fgaesq import FGAesQScorer
    from fgaesq_core import save_checkpoint
    from fgaesq_core.testing import seeded_scorer, single_thread

    weights = tmp_path / "tiny.safetensors"
    save_checkpoint(seeded_scorer(0, "tiny", draws=1).model, weights)
    scorer = FGAesQScorer(weights=str(weights), device="cpu", series_mode="cascade")
    assert scorer.engine.endswith("fp32")  # reduced precision changed too many cascade picks
    frames = frames_of(0, 8, 0.3, 8)
    with single_thread():
        ((key, scores),) = list(scorer.rank_many([("k", frames)]))
    assert key == "k" and 0.0 <= scores.settled <= 1.0
    # the two severely blurred frames never reach the model and rank last
    assert sorted(range(4), key=lambda i: -scores[i])[2:] in ([1, 3], [3, 1])
