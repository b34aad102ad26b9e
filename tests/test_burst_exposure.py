"""Exposure errors shared by several frames of a burst: the burst's shared exposure is the
intended one only while no frame off it holds what it loses."""

from __future__ import annotations

import numpy as np
import pytest
from test_burst_generalising import costs, linear_scene, shoot

from app.scoring.burst import _exposure_clipping


def bright_to(light: np.ndarray, white: float) -> np.ndarray:
    """The scene scaled so that its highlights (99.5th percentile) lie at ``white``."""
    return light * (white / float(np.quantile(light.max(axis=2), 0.995)))


@pytest.mark.parametrize("name", ["astronaut", "coffee"])
def test_frames_sharing_an_over_exposure_lose_to_the_frame_that_holds_the_highlights(name):
    """Four frames 1.2-1.5 stops over blow out what one frame at the meter's exposure
    holds: their shared exposure is no reference, the clean frame is the pick."""
    light = bright_to(linear_scene(name), 0.9)
    frames = [shoot(light, seed=k, stops=1.2 + 0.1 * k, shift=1 + k) for k in range(4)]
    frames.insert(2, shoot(light, seed=9, shift=2))
    assert int(np.argmin(costs(frames))) == 2


@pytest.mark.parametrize("name", ["astronaut", "chelsea"])
def test_frames_sharing_an_under_exposure_lose_to_the_frame_that_reaches_white(name):
    """Four frames 1.2-1.5 stops under, one frame whose highlights reach white and blow out
    nothing: the shared exposure left that light unused."""
    light = bright_to(linear_scene(name), 0.8)
    frames = [shoot(light, seed=k, stops=-1.2 - 0.1 * k, shift=1 + k) for k in range(4)]
    frames.insert(1, shoot(light, seed=9, shift=2))
    assert int(np.argmin(costs(frames))) == 1


def test_a_frame_that_blows_out_itself_is_no_witness_of_a_white_plateau():
    """A frame 2 stops over blows out 40 %; the frame 1.2 stops over shows its own 10 %
    clipped sky as a flat white, the clean frame a small white plateau.  The plateau of the
    frame that clips is its clipping, not a white the scene had: the 2-stop frame pays for
    what it blows out beyond the clean frame."""
    extra = _exposure_clipping(
        [0.0, 0.1, 0.4], np.array([0.0, 1.2, 2.0]), plateau=np.array([0.03, 0.3, 0.5])
    )
    assert extra[2] > 0.3


@pytest.mark.parametrize("name", ["astronaut", "chelsea"])
def test_a_frame_slightly_brighter_than_the_shared_exposure_does_not_disprove_it(name):
    """Four frames share an exposure whose highlights stay 0.6 stops below white; a fifth,
    0.6 stops brighter, reaches white and blows out nothing.  So small a step is a wobble
    of the exposure the photographer chose, not a better one: the shared frames win."""
    light = bright_to(linear_scene(name), 0.9 / 2**0.6)
    frames = [shoot(light, seed=k, shift=1 + k) for k in range(4)]
    frames.append(shoot(light, seed=9, stops=0.6, shift=2))
    assert int(np.argmin(costs(frames))) != 4
