"""How sure a pick is: the mapping from the scores, the eye rules, and where it is reported."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from test_photos_fixtures import burst, jpeg, scene

from app.cli import EXIT_OK, main
from app.scoring.confidence import SURE, UNKNOWN_EYES, pick_confidence, score_confidence
from app.scoring.technical import _DECADES_PER_STOP, _to_score, quality_of_score


def burst_scores(*costs: float) -> list[float]:
    """Technical scores of a burst whose frames cost ``costs`` stops against the best."""
    return [_to_score(-1.0 - cost * _DECADES_PER_STOP) for cost in costs]


@dataclass(frozen=True)
class Face:
    eyes: str
    confidence: float


def test_scores_read_back_as_the_costs_they_came_from():
    for quality in (-4.0, -2.2, 0.5):
        assert quality_of_score(_to_score(quality)) == pytest.approx(quality, abs=1e-6)


def test_a_clear_margin_is_sure_and_a_near_tie_is_not():
    clear = score_confidence("technical", burst_scores(0.0, 3.0, 4.0))
    close = score_confidence("technical", burst_scores(0.0, 0.4, 3.0))
    tie = score_confidence("technical", burst_scores(0.0, 0.02, 0.03))
    assert clear >= 0.97
    assert tie < 0.5
    assert tie < close < clear


def test_a_runner_up_close_against_a_wide_spread_is_less_sure_than_a_lone_gap():
    """The margin is read against the burst's spread: one frame close to the pick among
    clearly worse ones is the doubtful case."""
    alone = score_confidence("technical", burst_scores(0.0, 0.5, 0.5))
    among_worse = score_confidence("technical", burst_scores(0.0, 0.5, 4.0, 4.0))
    assert among_worse < alone


def test_single_frames_are_sure_and_other_scorers_give_none():
    assert score_confidence("technical", [7.0]) == 1.0
    assert score_confidence("fgaesq", [7.0, 6.0]) is None
    assert pick_confidence("fgaesq", [7.0, 6.0]) is None


def test_unknown_eyes_in_the_pick_are_never_sure():
    scores = burst_scores(0.0, 3.0, 4.0)
    sure = pick_confidence("technical", scores, "score", [Face("open", 0.95)])
    unknown = pick_confidence(
        "technical", scores, "score", [Face("open", 0.95), Face("unknown", 0)]
    )
    assert sure >= SURE
    assert unknown == UNKNOWN_EYES


def test_a_pick_the_eyes_decided_is_as_sure_as_its_eye_states():
    scores = burst_scores(0.0, 0.1, 3.0)  # the eyes moved the pick to the runner-up
    assert pick_confidence("technical", scores, "eyes_open", [Face("open", 0.7)]) == 0.7


@pytest.fixture
def card(tmp_path):
    """A clear burst (one sharp frame, two defocused), a burst of three equally good frames
    (a coin toss) and a single."""
    folder = tmp_path / "card"
    burst(folder, "astronaut", 0.0, frames=3, sharp_at=1)
    for k in range(3):
        jpeg(folder / f"coffee_{k + 1:02d}.jpg", scene("coffee", shift=k), when=300.0 + 0.3 * k)
    jpeg(folder / "single.jpg", scene("rocket"), when=900.0)
    return folder


def cull(tmp_path, *args: str) -> int:
    return main([*args, "--db", str(tmp_path / "c.sqlite3"), "--model", "technical"])


def test_json_csv_and_summary_carry_the_confidence(tmp_path, card, capsys):
    out_json, out_csv = tmp_path / "cull.json", tmp_path / "cull.csv"
    assert cull(tmp_path, str(card), "--json", str(out_json), "--csv", str(out_csv)) == EXIT_OK
    series = {s["best"].split("_")[0]: s for s in json.loads(out_json.read_text())["series"]}
    assert series["astronaut"]["confidence"] >= SURE
    assert series["coffee"]["confidence"] < SURE
    assert series["single.jpg"]["confidence"] == 1.0
    rows = list(csv.DictReader(out_csv.open(encoding="utf-8")))
    by_series = {}
    for row in rows:
        by_series.setdefault(row["series"], set()).add(row["confidence"])
    assert all(len(values) == 1 for values in by_series.values())  # one per series
    coffee = next(r for r in rows if r["path"].startswith("coffee"))
    assert float(coffee["confidence"]) == pytest.approx(series["coffee"]["confidence"], abs=1e-3)
    printed = capsys.readouterr().out
    assert "1 series worth a second look" in printed
    assert "worth a second look (confidence" in printed


def test_the_window_reads_the_same_confidence_from_the_catalog(tmp_path, card):
    """The window has no run result: it reads the stored scores and gets the same number."""
    from app.catalog import Catalog
    from app.gui.library import FolderLibrary

    out = tmp_path / "cull.json"
    assert cull(tmp_path, str(card), "-q", "--json", str(out)) == EXIT_OK
    reported = {s["best"]: s["confidence"] for s in json.loads(out.read_text())["series"]}
    with Catalog.open(tmp_path / "c.sqlite3") as catalog:
        shown = {
            Path(s.frames[0].path).relative_to(card).as_posix(): s
            for s in FolderLibrary(catalog, card).load()
        }
    for best, confidence in reported.items():
        assert shown[best].confidence == pytest.approx(confidence, abs=1e-3)
    assert [s.worth_a_second_look for s in shown.values()].count(True) == 1


def test_a_group_frame_with_unjudged_eyes_is_worth_a_second_look():
    from app.faces.pick import choose_pick

    scores = burst_scores(0.0, 3.0, 4.0)
    group = [Face("open", 0.9), Face("unknown", 0.0)]
    decision = choose_pick(scores, [group, [Face("open", 0.9)] * 2, [Face("open", 0.9)] * 2])
    assert decision.reason == "eyes_unknown"
    assert pick_confidence("technical", scores, decision.reason, group) == UNKNOWN_EYES


def test_a_group_frame_with_faces_missed_is_worth_a_second_look():
    scores = burst_scores(0.0, 3.0, 4.0)
    sure = pick_confidence("technical", scores, "score", [Face("open", 0.95)])
    missed = pick_confidence("technical", scores, "faces_missed", [Face("open", 0.95)])
    assert sure >= SURE
    assert missed == UNKNOWN_EYES


def test_a_pick_whose_detail_lead_may_be_grain_is_not_sure():
    """Where the pick's detail lead over a cleaner frame was not seen above the grain, its
    scores keep the order but show it at most DOUBTED_MARGIN ahead."""
    from app.scoring.burst import FrameVerdict
    from app.scoring.technical import DOUBTED_MARGIN, _shown_costs

    def verdict(cost: float, doubt: bool) -> FrameVerdict:
        return FrameVerdict(0.0, cost, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, cost, doubt)

    sure = _shown_costs([verdict(0.0, False), verdict(2.0, False), verdict(3.0, False)])
    doubted = _shown_costs([verdict(0.0, True), verdict(2.0, False), verdict(3.0, False)])
    assert sure == [0.0, 2.0, 3.0]
    assert doubted[1] - doubted[0] == pytest.approx(DOUBTED_MARGIN)
    assert doubted[0] < doubted[1] < doubted[2]
    scores = [_to_score(-1.0 - c * _DECADES_PER_STOP) for c in doubted]
    assert score_confidence("technical", scores) < SURE


def _verdict(blur: float, other: float = 0.0, grain: float = 0.0):
    """A frame's verdict: ``blur`` stops of detail lost, ``other`` stops of exposure or
    blocking costs and ``grain`` of costs resting on the noise judgement."""
    from app.scoring.burst import FrameVerdict

    cost = blur + other + grain
    return FrameVerdict(0.0, blur, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, cost, grain_cost=grain)


def _confidence_of(verdicts) -> float:
    from app.scoring.technical import _shown_costs

    shown = _shown_costs(verdicts)
    assert sorted(range(len(shown)), key=shown.__getitem__) == sorted(
        range(len(verdicts)), key=lambda k: verdicts[k].cost
    )  # the order stays
    return score_confidence("technical", [_to_score(-1.0 - c * _DECADES_PER_STOP) for c in shown])


def test_a_lead_that_rests_on_grain_is_not_sure_where_the_same_lead_in_detail_is():
    """Grain and fine texture are the scorer's most confused call: a pick ahead of the
    runner-up only by the runner-up's grain is worth a second look."""
    in_detail = _confidence_of([_verdict(0.0), _verdict(0.6), _verdict(3.0), _verdict(3.0)])
    on_grain = _confidence_of(
        [_verdict(0.0), _verdict(0.0, grain=0.6), _verdict(3.0), _verdict(3.0)]
    )
    assert in_detail >= SURE
    assert on_grain < SURE


def test_a_pick_that_traded_detail_for_other_costs_is_less_sure():
    """The pick is not the sharpest frame: it won on exposure or blocking, against a
    frame with more detail, a trade the scorer is less sure of than a lead in detail."""
    sharpest = _confidence_of([_verdict(0.0), _verdict(0.0, other=0.5), _verdict(2.0)])
    traded = _confidence_of([_verdict(0.3), _verdict(0.0, other=0.8), _verdict(2.3)])
    assert sharpest >= SURE
    assert traded < SURE


def test_a_pick_the_frames_judged_alone_contradict_is_not_sure():
    """The burst comparison puts the pick 0.8 stops ahead; each frame judged as a single
    photo puts the runner-up a stop ahead of it: two judgements of the same frames
    disagree, so the scores keep the order but the pick is worth a second look.  Where the
    frames judged alone agree with the pick, or differ by less than its lead, it stays sure."""
    from app.scoring.technical import _shown_costs

    verdicts = [_verdict(0.0), _verdict(0.8), _verdict(3.0), _verdict(3.0)]
    stop = _DECADES_PER_STOP

    def confidence(qualities: list[float]) -> float:
        shown = _shown_costs(verdicts, qualities)
        assert sorted(range(4), key=shown.__getitem__) == [0, 1, 2, 3]  # the order stays
        return score_confidence("technical", [_to_score(-1.0 - c * stop) for c in shown])

    agreeing = confidence([-1.0, -1.0 - 0.8 * stop, -2.0, -2.0])
    slightly_behind = confidence([-1.0, -1.0 + 0.3 * stop, -2.0, -2.0])
    contradicted = confidence([-1.0, -1.0 + 1.0 * stop, -2.0, -2.0])
    assert agreeing >= SURE
    assert slightly_behind >= SURE
    assert contradicted < SURE
