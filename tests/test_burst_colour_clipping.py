"""Clipping counted by luma: a warm lamp's clipped red is not a blown white.

Under a tungsten lamp or a stage light shot at daylight white balance, red is the scene's
brightest channel by far, and a well-metered frame clips it in its highlights while green
and blue, which carry most of the luma, keep the tone and the detail.  Counted by pixels, that clipping made a frame one
and a half stops under, with grey highlights and murky shadows, the better exposure.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from PIL import Image
from test_scoring_burst import best, camera, verdicts, view

from app.scoring.frame_measures import measure_frame

WARM_LAMP = (1.0, 0.5, 0.22)  # linear red, green, blue of a tungsten lamp at daylight balance


def lamp_lit(shift: int, stops: float, gain: float = 1.5) -> Image.Image:
    """The coffee scene in grey under a warm lamp, exposed ``stops`` from the metered frame."""
    linear = (np.asarray(view("coffee", shift=shift), dtype=np.float32) / 255.0) ** 2.2
    lamp = np.asarray(WARM_LAMP, dtype=np.float32) * gain * 2.0**stops
    lit = linear.mean(axis=2, keepdims=True) * lamp
    return Image.fromarray((np.clip(lit, 0, 1) ** (1 / 2.2) * 255).round().astype(np.uint8))


def test_a_clipped_red_counts_its_share_of_luma_and_a_white_counts_whole():
    grey = np.full((200, 300, 3), 90, np.uint8)
    red, white = grey.copy(), grey.copy()
    red[:20] = (255, 140, 60)  # a tenth of the frame, red at its top
    white[:20] = 255  # a tenth of the frame, white
    by_red, by_white = measure_frame(Image.fromarray(red)), measure_frame(Image.fromarray(white))
    assert by_red.clipped_high == by_white.clipped_high == 0.1  # by pixels: the same
    assert abs(by_red.blown - 0.1 * 0.299) < 1e-9  # red's weight in luma
    assert abs(by_white.blown - 0.1) < 1e-9


def test_measures_kept_before_luma_was_counted_are_judged_by_pixels():
    """Measures kept by an earlier version (a cache, a pickle) have no luma counts."""
    measured = measure_frame(camera(lamp_lit(0, 0.0)))
    old = dataclasses.replace(measured, blown_luma=None, plateau_luma=None)
    assert old.blown == old.clipped_high and old.plateau == old.white_plateau
    assert measured.blown < measured.clipped_high  # its clipping is in the red only


def test_a_lamp_lit_frame_that_clips_its_red_beats_frames_a_stop_and_more_darker():
    """The metered frame clips red in 4.5 % of the frame and nothing else; the others are
    1 to 1.6 stops under.  Counted by pixels, the frame a stop under won."""
    frames = [
        camera(lamp_lit(s, stops), seed=s)
        for s, stops in ((2, -1.3), (0, 0.0), (4, -1.6), (6, -1.0))
    ]
    metered = np.asarray(frames[1])
    assert (metered[..., 0] >= 250).mean() > 0.03 and (metered[..., 1:] >= 250).mean() == 0
    assert best(frames) == 1
    judged = verdicts(frames)
    assert all(judged[k].headroom > 0.3 for k in (0, 2, 3))


def test_over_exposure_under_a_warm_lamp_still_loses():
    """Counting clipping by luma must not make over-exposure cheap where the lamp's red
    clips first: frames 0.8-1.3 stops over clip green as well, and much more red."""
    frames = [
        camera(lamp_lit(s, stops, 1.2), seed=s)
        for s, stops in ((2, 1.3), (0, 0.0), (4, 0.8), (6, 1.0))
    ]
    assert best(frames) == 1
    judged = verdicts(frames)
    assert all(judged[k].highlights > 0.01 for k in (0, 2, 3))
