"""Exposure through a camera's tone curve: highlights rolled off into a shoulder instead of
clipped, and picks that rest on how dark a scene is meant to be."""

from __future__ import annotations

import numpy as np
import pytest
from test_burst_exposure import bright_to
from test_burst_generalising import jpeg_frame, linear_scene, shoot

from app.scoring.burst import HEADROOM_ALLOWANCE, judge_burst, separation_stops
from app.scoring.confidence import SURE, score_confidence
from app.scoring.frame_measures import measure_frame
from app.scoring.technical import TechnicalScorer, measure


def shoulder_shot(light: np.ndarray, seed: int, stops: float = 0.0, shift: int = 0):
    """A camera whose tone curve rolls highlights off (extended Reinhard reaching white a
    stop above the scene's white), photons counted, a quality-92 JPEG."""
    rng = np.random.default_rng(seed)
    photons = 20000.0
    scene = np.roll(light, shift, axis=(0, 1)) * 2**stops
    exposed = rng.poisson(np.clip(scene, 0, 8) * photons) / photons
    toned = exposed * (1 + exposed / 4) / (1 + exposed)
    encoded = np.clip(toned, 0, 1) ** (1 / 2.2)
    return jpeg_frame(encoded, 92)


@pytest.mark.parametrize("name", ["astronaut", "coffee"])
def test_the_metered_frame_left_unused_only_what_a_frame_in_the_shoulder_kept(name):
    """A light, soft scene (most tones in the upper half) and a frame a stop brighter,
    rolled off by the tone curve instead of clipped: its mid-tones moved about 0.75 stops,
    its upper tones spread only half as much wider.  The metered frame left unused only
    what the brighter frame kept, not the stops its mid-tones moved."""
    light = bright_to(linear_scene(name), 1.0) * 0.6 + 0.3
    frames = [shoulder_shot(light, seed=1, shift=1), shoulder_shot(light, 2, stops=1.0, shift=2)]
    measured = [measure_frame(f) for f in frames]
    verdicts = judge_burst(measured)
    assert verdicts[1].exposure_stops - verdicts[0].exposure_stops > 0.6
    assert 0.0 < verdicts[0].headroom <= separation_stops(*measured) - HEADROOM_ALLOWANCE + 1e-9
    assert verdicts[0].headroom < 0.3


@pytest.mark.parametrize("name", ["astronaut", "coffee"])
def test_a_linear_brighter_frame_still_shows_the_unused_light(name):
    """The same stop more on a sensor read linearly spreads the upper tones by it: the
    darker frame left that light unused."""
    light = bright_to(linear_scene(name), 0.4)
    frames = [shoot(light, seed=1, shift=1), shoot(light, seed=2, stops=1.0, shift=2)]
    verdicts = judge_burst([measure_frame(f) for f in frames])
    assert verdicts[0].headroom > 0.5


def test_a_pick_that_wins_on_the_intended_key_alone_is_not_sure():
    """A sharp frame and a frame 0.8 stops brighter but softer: the brighter one wins on the
    light the sharp one left unused, which a scene dark on purpose would not have.  The
    pick stands; its confidence says to look again."""
    light = bright_to(linear_scene("astronaut"), 0.5)
    soft = shoot(light, seed=2, stops=0.8, shift=2).resize((96, 72)).resize((192, 144))
    frames = [shoot(light, seed=1, shift=1).resize((192, 144)), soft]
    verdicts = judge_burst([measure_frame(f) for f in frames])
    assert int(np.argmin([v.cost for v in verdicts])) == 1
    assert verdicts[1].key_doubt
    scores = TechnicalScorer().rank_prepared([measure(f) for f in frames])
    assert int(np.argmax(scores)) == 1
    assert score_confidence("technical", scores) < SURE
