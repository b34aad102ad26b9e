"""A smooth subject smeared over a fine texture: the frames tie on every other measure (the
texture holds the energy of the very tiles the subject's outline crosses), and the frame
whose outlines stayed steep across the burst's motion wins the tie, without the tie broken
reading as a sure pick or outweighing a defect the other measures see."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PIL import Image, ImageFilter
from test_photos_fixtures import scene
from test_scoring_burst import camera, motion

import app.scoring.motion as motion_rules
from app.scoring.burst import judge_burst
from app.scoring.confidence import SURE, score_confidence
from app.scoring.frame_measures import FrameMeasures, outline_steepness
from app.scoring.technical import TechnicalMeasures, TechnicalScorer, measure
from app.scoring.why import OUTLINE_TIE, explain_series

SIZE = (1024, 680)  # the analysis size
STILL = (0.0, 0.0, 0.0, 0.0)  # outline steepness per direction (0, 90, 45, 135 degrees)
SMEARED_ALONG_ROWS = (-0.6, 0.0, -0.3, -0.3)  # a smear takes steepness along its motion


def ground(shift: int, sigma: float = 0.0) -> TechnicalMeasures:
    """The measures of a hand-held frame of grass, softened by ``sigma`` (a focus a hair
    off): fine texture everywhere, whose detail ties such frames on every other measure."""
    image = scene("grass", size=SIZE, shift=shift)
    if sigma:
        image = image.filter(ImageFilter.GaussianBlur(sigma))
    return measure(camera(image, seed=shift + 10), input_size=SIZE[0])


def measured_burst(
    outlines: list[tuple[float, ...]], still_sigma: float = 0.25
) -> list[TechnicalMeasures]:
    """Frames of grass with the given outline steepness; the first frame's grass a hair
    softer, so on detail alone the others lead it by a hair."""
    measured = [
        ground(shift=3 * k, sigma=still_sigma if k == 0 else 0.0) for k in range(len(outlines))
    ]
    return [
        replace(m, frame=replace(m.frame, outlines=np.asarray(steepness, dtype=np.float32)))
        for m, steepness in zip(measured, outlines, strict=True)
    ]


def burst(outlines: list[tuple[float, ...]], still_sigma: float = 0.25) -> list[FrameMeasures]:
    return [m.frame for m in measured_burst(outlines, still_sigma)]


def costs(frames: list[FrameMeasures]) -> list[float]:
    return [verdict.cost for verdict in judge_burst(frames)]


def test_the_frame_with_steep_outlines_wins_the_tie(monkeypatch):
    frames = burst([STILL, SMEARED_ALONG_ROWS, SMEARED_ALONG_ROWS])
    assert int(np.argmin(costs(frames))) == 0
    # The tie it breaks: without the outlines, a frame with the smeared subject wins.
    monkeypatch.setattr(motion_rules, "OUTLINE_COST", 0.0)
    assert int(np.argmin(costs(frames))) != 0


@pytest.mark.parametrize(
    "smeared",
    [
        (-0.6, -0.6, -0.6, -0.6),  # every direction alike: a defocus or a darker frame
        (-0.15, 0.0, -0.08, -0.08),  # less than OUTLINE_MIN_LEAD: chance, grain, JPEG
    ],
)
def test_no_tie_is_broken_on_what_is_no_motion(smeared):
    frames = burst([STILL, smeared, smeared])
    assert all(verdict.outline == 0.0 for verdict in judge_burst(frames))


def test_a_frame_too_small_for_outlines_breaks_no_tie():
    """A frame a few pixels wide has no outlines on the quartered frame: it has no number
    to compare, and the burst's tie is left as the other measures leave it."""
    tiny = measure(Image.new("RGB", (20, 14), (128, 128, 128)))
    assert tiny.frame.outlines is None
    frames = burst([STILL, SMEARED_ALONG_ROWS, SMEARED_ALONG_ROWS])
    frames[0] = replace(frames[0], outlines=None)
    assert all(verdict.outline == 0.0 for verdict in judge_burst(frames))


def test_the_motion_may_go_any_way():
    """A subject moving up the frame smears along the columns."""
    down = (0.0, -0.6, -0.3, -0.3)
    frames = burst([STILL, down, down])
    assert int(np.argmin(costs(frames))) == 0


def test_a_tie_broken_is_no_sure_pick(monkeypatch):
    """However much the outlines charge (a hundred times the rule's weight here), the lead
    they give is not one the judgement is sure of."""
    monkeypatch.setattr(motion_rules, "OUTLINE_COST", 100 * motion_rules.OUTLINE_COST)
    measures = measured_burst([STILL, SMEARED_ALONG_ROWS, SMEARED_ALONG_ROWS])
    scores = TechnicalScorer().rank_prepared(measures)
    assert int(np.argmax(scores)) == 0
    assert score_confidence("technical", scores) < SURE


def test_the_explanation_says_a_near_tie_was_won_on_the_outline(monkeypatch):
    measures = measured_burst([STILL, SMEARED_ALONG_ROWS])
    scores = TechnicalScorer().rank_prepared(measures)
    why = explain_series(measures, [0, 1], scores, ["still.jpg", "smeared.jpg"])
    assert why.regions == ()
    assert why.sentence == OUTLINE_TIE
    monkeypatch.setattr(motion_rules, "OUTLINE_COST", 0.0)
    why = explain_series(measures, [0, 1], scores, ["still.jpg", "smeared.jpg"])
    assert why.sentence != OUTLINE_TIE


def test_steep_outlines_do_not_outweigh_a_defocus_the_burst_sees():
    """The frame with steep outlines is defocused, not a hair off: it is no longer tied,
    so they neither win it the pick nor charge the others against it."""
    frames = burst([STILL, SMEARED_ALONG_ROWS, SMEARED_ALONG_ROWS], still_sigma=2.0)
    verdicts = judge_burst(frames)
    frame_costs = [verdict.cost for verdict in verdicts]
    assert int(np.argmin(frame_costs)) != 0
    assert frame_costs[0] - min(frame_costs) > motion_rules.OUTLINE_TIE
    assert all(verdict.outline == 0.0 for verdict in verdicts)


def test_a_smear_along_the_rows_takes_steepness_along_them_only():
    """On pixels: a pale disc on grey, still and smeared 5 px along the rows (20 px at the
    analysis size, on the quartered frame)."""
    y, x = np.mgrid[0:160, 0:256]
    disc = ((x - 128) ** 2 + (y - 80) ** 2 <= 40**2).astype(np.float32)
    still = np.float32(0.3) + np.float32(0.5) * disc
    smeared = np.asarray(motion(_grey(still), 5), dtype=np.float32)[..., 0] / 255
    still_steepness = outline_steepness(still)
    smeared_steepness = outline_steepness(smeared)
    along, across = 0, 1  # DIRECTIONS: 0 and 90 degrees
    assert still_steepness[along] - smeared_steepness[along] > 1.0
    assert abs(still_steepness[across] - smeared_steepness[across]) < 0.5


def _grey(values: np.ndarray) -> Image.Image:
    rgb = np.repeat((np.clip(values, 0, 1) * 255).round().astype(np.uint8)[..., None], 3, axis=2)
    return Image.fromarray(rgb)
