"""Two bursts of the raycast tuning shoots (``benchmarks/raycast_bursts.py``), kept as their
measures (:mod:`measured_bursts`), where the burst judgement once picked a degraded frame
and was sure of it: the frames the scorer measured, not a picture drawn to fit the rule."""

from __future__ import annotations

import math

import numpy as np
import pytest
from measured_bursts import load_burst

import app.scoring.burst as burst_rules
import app.scoring.motion as motion_rules
import app.scoring.technical as technical_rules
from app.scoring.burst import _relative_exposures, judge_burst
from app.scoring.confidence import SURE, score_confidence
from app.scoring.motion import outline_leads, smear_losses
from app.scoring.technical import _DECADES_PER_STOP, PLACE_SHARE, _shown_costs, _to_score
from app.scoring.why import FOCUS_MOVED, Why, explain

# Seed 51: a shallow depth of field (a smooth ball before a blurred table) shot at ISO 250,
# 1168, 4092, 4991 and 11154.  The camera smoothed the grain of its highest ISO into blotches
# the halved frame keeps, so that frame's sorted energies lead the clean frame's by two stops,
# while what stands above each frame's own grain gives it a fifth of a stop.
GRAIN_CLEAN = 4  # ISO 250
GRAIN_HIGHEST_ISO = 1  # ISO 11154
# Seed 53: a smooth bright ball rolling over a fine weave, still in frame 1 and smeared by
# 30 and 22 px in frames 0 and 2.  Where the frames differ the weave holds the energy, and
# the frame whose ball covers least of it led there.
BALL_STILL = 1
BALL_MOST_SMEARED = 0


def costs(name: str) -> list[float]:
    frames, isos = load_burst(name)
    return [verdict.cost for verdict in judge_burst(frames, isos)]


def test_the_clean_frame_beats_grain_the_camera_smoothed_into_blotches():
    assert int(np.argmin(costs("noise_reduced_grain"))) == GRAIN_CLEAN


def test_the_blotched_frame_keeps_only_the_lead_seen_above_its_grain():
    frames, isos = load_burst("noise_reduced_grain")
    verdicts = judge_burst(frames, isos)
    clean, grainy = verdicts[GRAIN_CLEAN], verdicts[GRAIN_HIGHEST_ISO]
    assert grainy.blur > clean.blur - 0.5  # not the two stops its sorted energies gave it
    assert grainy.grain_cost > 1.0  # and compared with the clean frame for its grain


def test_without_the_rule_the_blotched_frame_won_and_was_sure(monkeypatch):
    """The premise: the sorted energies read the blotches as detail."""
    monkeypatch.setattr(burst_rules, "GRAIN_LIFT_MARGIN", math.inf)
    frames, isos = load_burst("noise_reduced_grain")
    verdicts = judge_burst(frames, isos)
    assert int(np.argmin([v.cost for v in verdicts])) == GRAIN_HIGHEST_ISO
    assert verdicts[GRAIN_CLEAN].blur > 1.5


def test_only_a_higher_iso_exposed_alike_keeps_no_more_than_its_lead_above_grain():
    """Without the camera's ISO a sharp fine texture reads as grain to the grain curve as
    well (``test_scoring_burst.test_texture_is_not_taken_for_noise``); a brighter frame's
    grain reads lower once its exposure is taken out."""
    above = np.array([[1.0, 1.0, 1.0, 1.0, 0.02], [0.9, 0.9, 1.0, 1.0, 0.005]])
    blur = np.array([0.0, 2.0])
    alike = np.array([0.0, 0.0])
    lifted = burst_rules._grain_lifted_leads(above, blur, alike, [3200, 200])
    assert lifted == [(0, 1, pytest.approx(math.log2(1.0 / 0.9), abs=0.01))]
    assert burst_rules._grain_lifted_leads(above, blur, alike, None) == []
    assert burst_rules._grain_lifted_leads(above, blur, alike, [200, 200]) == []
    assert burst_rules._grain_lifted_leads(above, blur, np.array([0.0, 1.0]), [3200, 200]) == []


def test_the_still_ball_beats_the_smeared_ones_over_a_weave():
    assert int(np.argmin(costs("smooth_ball_over_weave"))) == BALL_STILL


def test_the_region_names_the_most_smeared_frame_but_its_outlines_trail():
    """The premise, both ways: the changed region alone names the most smeared frame
    sharpest, and without the outlines' veto that frame wins, sure of it."""
    frames, _ = load_burst("smooth_ball_over_weave")
    gains = 2.0 ** (_relative_exposures(frames) / burst_rules.GAMMA)
    moving = motion_rules._moving_part_costs(
        smear_losses(frames, gains), np.ones((3, 3), dtype=bool)
    )
    assert moving is not None and moving[0] == BALL_MOST_SMEARED
    lead = outline_leads(frames, gains)
    assert int(np.argmax(lead)) == BALL_STILL
    assert lead.max() - lead[BALL_MOST_SMEARED] >= motion_rules.OUTLINE_MIN_LEAD


def test_without_the_outlines_veto_the_most_smeared_frame_won(monkeypatch):
    def unvetoed(frames, gains, comparable):
        losses = smear_losses(frames, gains)
        return motion_rules._subject_smear_costs(losses, comparable, len(frames))

    monkeypatch.setattr(burst_rules, "subject_smear_costs", unvetoed)
    frames, isos = load_burst("smooth_ball_over_weave")
    verdicts = judge_burst(frames, isos)
    assert int(np.argmin([v.cost for v in verdicts])) == BALL_MOST_SMEARED
    scores = [_to_score(-cost * _DECADES_PER_STOP) for cost in _shown_costs(verdicts)]
    assert score_confidence("technical", scores) >= SURE


# Seed 60: a mosaic ball on a fine cloth before a patterned wall, focused on the ball in
# frame 2, nearer in frame 0 and far behind it in frame 1, whose wall is sharp.  The
# wall holds most of the pair's detail; the ball, where frame 2 is clearly sharper, 0.22.
FOCUS_ON_BALL = 2
FOCUS_ON_WALL = 1


def _pick_confidence(frames, isos) -> tuple[int, float]:
    shown = _shown_costs(judge_burst(frames, isos))
    scores = [_to_score(-cost * _DECADES_PER_STOP) for cost in shown]
    return int(np.argmax(scores)), score_confidence("technical", scores)


def test_a_frame_focused_behind_the_subject_is_no_sure_pick():
    """Which place matters, the subject or the wall, the sorted energies cannot tell: the
    frame sharp on the wall is picked, but as worth a second look."""
    frames, isos = load_burst("focus_behind_subject")
    pick, confidence = _pick_confidence(frames, isos)
    assert pick == FOCUS_ON_WALL
    assert confidence < SURE
    outdone = judge_burst(frames, isos)[FOCUS_ON_WALL].outdone_places[FOCUS_ON_BALL]
    assert PLACE_SHARE <= outdone < 0.25  # a quarter, the share before, called it sure


def test_at_a_quarter_of_the_detail_the_focus_trade_was_sure(monkeypatch):
    monkeypatch.setattr(technical_rules, "PLACE_SHARE", 0.25)
    pick, confidence = _pick_confidence(*load_burst("focus_behind_subject"))
    assert pick == FOCUS_ON_WALL and confidence >= SURE


def test_the_explanation_does_not_call_the_wall_the_subject():
    frames, isos = load_burst("focus_behind_subject")
    why = explain(
        frames[FOCUS_ON_WALL],
        frames[FOCUS_ON_BALL],
        names=("wall.jpg", "ball.jpg"),
        score_difference=0.5,
        isos=(isos[FOCUS_ON_WALL], isos[FOCUS_ON_BALL]),
    )
    assert why.regions and why.regions[0].flaw == "blur"
    assert why.sentence == FOCUS_MOVED
    # Both places are given: where the pick is sharper (the wall) and where the runner-up is
    # (the ball), so a photographer can judge which one is the subject.
    assert why.elsewhere is not None
    assert not _overlap(why.elsewhere, why.regions[0].box)
    assert Why.from_json(why.to_json()).to_json() == why.to_json()
    # The frame focused on the ball against the one focused nearer: sharper everywhere.
    alone = explain(
        frames[FOCUS_ON_BALL], frames[0], names=("ball.jpg", "near.jpg"), score_difference=0.5
    )
    assert alone.sentence != FOCUS_MOVED
    assert alone.elsewhere is None and alone.to_json()["elsewhere"] is None


def _overlap(a, b) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


@pytest.mark.parametrize(
    "stored", [None, "wall", [1, 2, 3], [0, 0, -5, 10], [0, 0, float("nan"), 1], ["a", 0, 1, 1]]
)
def test_a_stored_explanation_with_no_usable_elsewhere_reads_back_without_one(stored):
    """A catalog is input too: an explanation stored before ``elsewhere`` existed, or with
    one that is not a box, reads back without it."""
    data = {"pick": "a.jpg", "runner_up": "b.jpg", "regions": [], "sentence": "sharper overall"}
    if stored is not None:
        data["elsewhere"] = stored
    assert Why.from_json(data).elsewhere is None
