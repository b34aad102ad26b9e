"""A brighter frame that shows the burst's shared exposure left light unused: its highlights
need not reach white (a tone curve that rolls them off keeps them short of it), but a flat
scene and a scene with a black surround keep the exposure most of the burst shares."""

from __future__ import annotations

import numpy as np
import pytest
from test_burst_exposure import bright_to
from test_burst_generalising import costs, linear_scene, shoot


def highlights_below_white(light: np.ndarray, stops: float) -> np.ndarray:
    """The scene scaled so that its highlights lie ``stops`` (of light) below white."""
    return bright_to(light, 2.0**-stops)


@pytest.mark.parametrize("name", ["chelsea", "coffee"])
def test_frames_sharing_an_under_exposure_lose_to_a_frame_whose_highlights_stay_short_of_white(
    name,
):
    """Four frames 1.2-1.5 stops under, one at the meter's exposure whose highlights stay
    0.9 stops below white, as a camera that rolls them off keeps them: it blows out nothing
    and left no light unused, so the shared exposure is no reference."""
    light = highlights_below_white(linear_scene(name), 0.9)
    frames = [shoot(light, seed=k, stops=-1.2 - 0.1 * k, shift=1 + k) for k in range(4)]
    frames.insert(1, shoot(light, seed=9, shift=2))
    assert int(np.argmin(costs(frames))) == 1


@pytest.mark.parametrize("name", ["chelsea", "coffee"])
def test_frames_sharing_an_exposure_under_by_less_than_a_stop_lose_to_the_brighter_frame(name):
    """Four frames 0.7 stops under, their highlights 1.6 stops below white; the frame at the
    meter's exposure blows out nothing more.  So far from white, even a step under a stop
    is light the shared frames left unused, not a wobble of the exposure chosen."""
    light = highlights_below_white(linear_scene(name), 0.9)
    frames = [shoot(light, seed=k, stops=-0.7, shift=1 + k) for k in range(4)]
    frames.insert(2, shoot(light, seed=9, shift=2))
    assert int(np.argmin(costs(frames))) == 2


def test_a_low_key_scene_with_a_black_surround_keeps_its_shared_exposure():
    """A lit subject on black (a fifth of the frame without light): four frames as meant,
    one 1.5 stops brighter whose highlights come within a stop of white without clipping.
    Its black stays black: the scene is low-key, and its shared exposure stands."""
    light = highlights_below_white(linear_scene("chelsea"), 2.4)
    light[:, : light.shape[1] // 5] = 0.0
    frames = [shoot(light, seed=k, shift=k) for k in range(4)]
    frames.append(shoot(light, seed=9, stops=1.5, shift=2))
    assert int(np.argmin(costs(frames))) != 4


def test_a_flat_scene_keeps_its_shared_exposure():
    """A flat scene (its tones within a stop, as fog or a lawn) metered to mid grey four
    times, once 1.4 stops brighter with its highlights a stop below white: a flat scene
    has no highlights to place, so the brighter frame shows no light left unused."""
    texture = linear_scene("chelsea")
    light = 0.1 * (1.0 + texture / float(texture.max()))
    frames = [shoot(light, seed=k, shift=k) for k in range(4)]
    frames.append(shoot(light, seed=9, stops=1.4, shift=2))
    assert int(np.argmin(costs(frames))) != 4
