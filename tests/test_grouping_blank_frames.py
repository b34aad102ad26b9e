"""Grouping past a frame blown to no picture at all: its SSIM is no evidence of its scene."""

from __future__ import annotations

from dataclasses import replace

import pytest
from grouping_shoots import burst_items, load_shoot, series_keys

from app.exposed_likeness import clipped_share
from app.grouping import GroupingParams, group_series, neighbour_similarity

# Grouping thumbnails of four pairs of bursts of ``pick_eval.py``'s ``field`` generator (a
# tuning set for grouping: streams 201, 210, 213 and 216 of ``grouping_eval.py
# --held-out``'s kind), each burst of scikit-image photographs ending in, or holding, a
# frame 1.3-2 stops over that blew every pixel to white; the next burst, another
# photograph, follows 0.5-1.2 s later.  ``timesN`` are seconds from the pair's first frame.
SHOOT = load_shoot("blown_white_end")
PAIRS = ((0, 1), (2, 3), (4, 5), (6, 7))


def test_a_frame_blown_to_white_reads_alike_to_another_scene_by_ssim():
    """What the rule is for: standardised, the last grey levels a blown frame keeps read as
    alike to the next photograph as a burst's own frames need (these pairs were merged, or
    the blown frame went with the next scene)."""
    first, then = burst_items(SHOOT, 0), burst_items(SHOOT, 1)
    blown = first[-1]
    assert clipped_share(blown.thumbnail) == 1.0
    value = neighbour_similarity(blown.thumbnail[None], then[0].thumbnail[None])[0]
    gap = then[0].seconds - blown.seconds
    assert value >= GroupingParams().required_similarity(gap)
    alike_own = max(
        neighbour_similarity(frame.thumbnail[None], blown.thumbnail[None])[0]
        for frame in first[:-1]
    )
    assert alike_own < value


@pytest.mark.parametrize("first, second", PAIRS)
def test_a_burst_with_a_frame_blown_to_white_stays_apart_from_the_next_scene(first, second):
    items = burst_items(SHOOT, first) + burst_items(SHOOT, second)
    assert series_keys(items, group_series(items)) == [
        [f"{first}_{k}" for k in range(len(SHOOT[f"times{first}"]))],
        [f"{second}_{k}" for k in range(len(SHOOT[f"times{second}"]))],
    ]


def test_frames_blown_to_white_open_the_next_scene_when_shot_closer_to_it():
    """With no picture to compare, a blown frame between two scenes goes with the frames it
    was shot closer to: here moved to 0.15 s before the next burst."""
    first, then = burst_items(SHOOT, 0), burst_items(SHOOT, 1)
    blown = first[-1]
    moved = replace(blown, seconds=then[0].seconds - 0.15)
    items = [*first[:-1], moved, *then]
    assert series_keys(items, group_series(items)) == [
        [item.key for item in first[:-1]],
        [moved.key, *(item.key for item in then)],
    ]
