"""Grouping at a scene change a short gap's lenient need lets pass: the contrast with each
side's own run of frames tells it."""

from __future__ import annotations

import numpy as np
import pytest
from grouping_shoots import burst_items, load_shoot, series_keys
from test_photos_fixtures import blurred, scene

from app.grouping import (
    LOOK_BACK,
    SCENE_CHANGE_BELOW,
    GroupingParams,
    GroupItem,
    group_series,
    make_thumbnail,
    neighbour_similarity,
)

# Grouping thumbnails of four bursts of ray-cast tabletop scenes (a table, a wall and balls,
# framed alike) with their times from each burst's first frame: burst 10 was shot 0.6 s
# after burst 9 ended, burst 36 0.3 s after burst 35.
SHOOT = load_shoot("alike_scenes")
# Two pairs of ray-cast bursts: an over-exposed burst ending in a frame 2 EV over (67 %
# blown) before a scene framed alike (0 and 1), and a three-frame burst ending 2 EV over
# (69 % blown) before another (2 and 3).
BLOWN_THEN_ALIKE = load_shoot("blown_then_alike")


@pytest.mark.parametrize(("first", "second", "gap"), [(9, 10, 0.6), (35, 36, 0.3)])
def test_two_scenes_shot_alike_right_after_each_other_are_two_series(first, second, gap):
    one = burst_items(SHOOT, first, 0.0)
    two = burst_items(SHOOT, second, one[-1].seconds + gap)
    earlier = np.stack([i.thumbnail for i in one[-3:]])
    across = neighbour_similarity(earlier, np.repeat(two[0].thumbnail[None], 3, axis=0))
    # what the rule is for: the new scene's first frame passes the short gap's need against
    # one of the last frames before it, which shared framing gives
    needs = [GroupingParams().required_similarity(two[0].seconds - i.seconds) for i in one[-3:]]
    assert (across >= needs).any() and across.max() < SCENE_CHANGE_BELOW
    items = one + two
    assert series_keys(items, group_series(items)) == [
        [i.key for i in one],
        [i.key for i in two],
    ]


def test_a_burst_whose_last_frames_a_missed_focus_blurred_stays_one_series():
    """The blurred frames are alike among themselves and unlike the sharp ones, as a new
    scene would be; blurred towards them, the sharp frames are alike again."""
    wide = scene("gravel", size=(300, 200))
    frames = [wide.crop((8 * k, 6, 8 * k + 260, 180)) for k in range(6)]
    frames[4:] = [blurred(frame, 6.0) for frame in frames[4:]]
    items = [GroupItem(f"b{k}", "A", 0.3 * k, make_thumbnail(f)) for k, f in enumerate(frames)]
    boundary = neighbour_similarity(items[3].thumbnail[None], items[4].thumbnail[None])[0]
    assert boundary < SCENE_CHANGE_BELOW
    assert len(group_series(items)) == 1


def test_a_stray_frame_of_something_else_within_a_burst_is_no_scene_change():
    """One frame of another view (a passer-by filling the frame) between frames of the
    burst: the frames after it are alike among themselves, but the frame before the stray
    one is not alike to it as a run would be, so the burst stays one series."""
    wide = scene("chelsea", size=(300, 200))
    frames = [wide.crop((8 * k, 6, 8 * k + 260, 180)) for k in range(6)]
    frames[2] = scene("coffee", size=(260, 174))
    items = [GroupItem(f"b{k}", "A", 0.3 * k, make_thumbnail(f)) for k, f in enumerate(frames)]
    assert len(group_series(items)) == 1


@pytest.mark.parametrize(("first", "second", "gap"), [(0, 1, 0.44), (2, 3, 0.89)])
def test_a_scene_after_a_burst_ending_blown_is_not_taken_in_by_the_look_back(first, second, gap):
    """The new scene's first frame is unlike the burst's blown last frame, so no contrast
    between neighbours shows the change; looking past that frame it passes the short gap's
    need against an earlier frame, which shared framing gives.  That frame is far more
    alike to its own neighbour, and the new frame to the frame after it: a scene change."""
    one = burst_items(BLOWN_THEN_ALIKE, first, 0.0)
    two = burst_items(BLOWN_THEN_ALIKE, second, one[-1].seconds + gap)
    earlier = one[-1 - LOOK_BACK : -1]
    across = neighbour_similarity(
        np.stack([i.thumbnail for i in earlier]),
        np.repeat(two[0].thumbnail[None], len(earlier), axis=0),
    )
    needs = [GroupingParams().required_similarity(two[0].seconds - i.seconds) for i in earlier]
    assert (across >= needs).any() and across.max() < SCENE_CHANGE_BELOW
    assert len(group_series(one)) == 1 and len(group_series(two)) == 1
    items = one + two
    assert series_keys(items, group_series(items)) == [
        [i.key for i in one],
        [i.key for i in two],
    ]
