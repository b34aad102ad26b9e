"""A frame an exposure change set apart from the frame before it, but not from the frames
after it, is its burst's: the frame after it, like it and like the burst's frames before
it, takes the series up again with it."""

from __future__ import annotations

from dataclasses import replace

import pytest
from grouping_shoots import burst_items, load_shoot, series_keys

from app.exposed_likeness import alike_where_exposed
from app.grouping import GroupingParams, group_series, neighbour_similarity

# Grouping thumbnails of two ray-cast bursts (tuning shoots of ``raycast_bursts.py``, seeds
# 53 and 51): one frame at the meter's exposure, the others 0.75-2 stops over, 0.09 s
# apart.  In the first, frame 2 (1.7 stops over, 24 % clipped) is unlike frame 1 by SSIM
# and by the part both kept; in the second, frame 1 (1.85 stops over, 62 % clipped) is
# unlike frame 0.  Both are like the frame after them, which is like the burst's earlier
# frames where both kept a picture.
SHOOT = load_shoot("stray_in_burst")
STRAYS = ((0, 2), (1, 1))


@pytest.mark.parametrize("number, stray", STRAYS)
def test_the_stray_frame_is_unlike_the_frame_before_it(number, stray):
    items = burst_items(SHOOT, number)
    before, frame = items[stray - 1], items[stray]
    value = neighbour_similarity(before.thumbnail[None], frame.thumbnail[None])[0]
    assert value < GroupingParams().required_similarity(frame.seconds - before.seconds)
    assert not alike_where_exposed(before.thumbnail, frame.thumbnail)


@pytest.mark.parametrize("number, stray", STRAYS)
def test_a_burst_with_a_stray_over_exposed_frame_stays_one_series(number, stray):
    items = burst_items(SHOOT, number)
    assert series_keys(items, group_series(items)) == [[item.key for item in items]]


def test_a_stray_frame_joins_only_what_the_frame_after_it_is_like():
    """The same burst after another: the second burst's frames are unlike the first's, so
    the stray frame's series stays its own burst's."""
    first = burst_items(SHOOT, 0)
    second = [
        replace(item, key=f"b_{item.key}")
        for item in burst_items(SHOOT, 1, first[-1].seconds + 0.6)
    ]
    items = first + second
    assert series_keys(items, group_series(items)) == [
        [item.key for item in first],
        [item.key for item in second],
    ]
