"""Grouping past a frame blown to one flat tone that still keeps a few hundred exposed
pixels: standardised, it reads alike to any smooth scene by SSIM, so its likeness counts
only where it is strong (FLAT_LIKENESS); and a burst is not cut where a shaken frame is
unlike the next one but the burst's earlier frame is like both."""

from __future__ import annotations

import numpy as np
import pytest
from grouping_shoots import burst_items, load_shoot, series_keys

from app.grouping import FLAT_LIKENESS, GroupingParams, _flat, group_series, neighbour_similarity

# Grouping thumbnails of three pairs of bursts of ``pick_eval.py``'s ``field`` generator (a
# tuning set for grouping: streams 221, 228 and 234 of ``grouping_eval.py --held-out``'s
# kind): a white subject lifted towards white, its burst ending in a frame 1.3-2 stops over
# that left one flat tone (with some pixels unclipped), the next burst another photograph
# 0.6-0.7 s later.  ``timesN`` are seconds from the pair's first frame.
FLAT_END = load_shoot("flat_white_end")
PAIRS = ((0, 1), (2, 3), (4, 5))
# Two shallow-depth-of-field bursts of microaneurysms (streams 211 and 238): a shaken frame
# next to a defocused or under-exposed one reads 0.35-0.4 alike, each 0.77-0.9 alike to its
# other neighbour, as at a scene change.
SHAKEN = load_shoot("shaken_within")


def _pair(first: int, second: int) -> list:
    return burst_items(FLAT_END, first) + burst_items(FLAT_END, second)


@pytest.mark.parametrize("first, second", PAIRS)
def test_a_flat_frame_reads_alike_to_the_next_scene_only_below_flat_likeness(first, second):
    """What the rule is for: the flat last frame reads as alike to the next photograph as a
    short gap needs, yet nowhere near as alike as frames of one scene."""
    last, then = burst_items(FLAT_END, first)[-1], burst_items(FLAT_END, second)[0]
    assert _flat(last.thumbnail[None])[0]
    value = neighbour_similarity(last.thumbnail[None], then.thumbnail[None])[0]
    assert GroupingParams().required_similarity(then.seconds - last.seconds) <= value
    assert value < FLAT_LIKENESS


@pytest.mark.parametrize("first, second", PAIRS)
def test_a_burst_ending_in_a_flat_frame_stays_apart_from_the_next_scene(first, second):
    items = _pair(first, second)
    assert series_keys(items, group_series(items)) == [
        [f"{first}_{k}" for k in range(len(FLAT_END[f"times{first}"]))],
        [f"{second}_{k}" for k in range(len(FLAT_END[f"times{second}"]))],
    ]


@pytest.mark.parametrize("number", [0, 1])
def test_a_shaken_frame_unlike_its_neighbour_does_not_cut_its_burst(number):
    items = burst_items(SHAKEN, number)
    values = [
        neighbour_similarity(a.thumbnail[None], b.thumbnail[None])[0]
        for a, b in zip(items, items[1:], strict=False)
    ]
    # The premise: one pair much less alike than the pairs on either side of it.
    low = int(np.argmin(values))
    assert 0 < low < len(values) - 1 and values[low] <= 0.4
    assert min(values[low - 1], values[low + 1]) >= values[low] + 0.35
    assert series_keys(items, group_series(items)) == [[item.key for item in items]]
