"""Bursts of the raycast tuning shoots (``benchmarks/raycast_bursts.py``), kept as their
measures (:mod:`measured_bursts`), where the burst judgement once picked a degraded frame
and was sure of it: the frames the scorer measured, not a picture drawn to fit the rule."""

from __future__ import annotations

import numpy as np
from measured_bursts import load_burst

import app.scoring.burst as burst_rules
import app.scoring.motion as motion_rules
from app.scoring.burst import _relative_exposures, judge_burst
from app.scoring.confidence import SURE, score_confidence
from app.scoring.motion import outline_leads, smear_losses
from app.scoring.technical import _DECADES_PER_STOP, _shown_costs, _to_score

# Seed 53: a smooth bright ball rolling over a fine weave, still in frame 1 and smeared by
# 30 and 22 px in frames 0 and 2.  Where the frames differ the weave holds the energy, and
# the frame whose ball covers least of it led there.
BALL_STILL = 1
BALL_MOST_SMEARED = 0


def costs(name: str) -> list[float]:
    frames, isos = load_burst(name)
    return [verdict.cost for verdict in judge_burst(frames, isos)]


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
