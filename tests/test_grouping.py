"""Burst grouping: time gaps, thumbnail similarity, camera bodies, exposure brackets."""

from __future__ import annotations

import numpy as np
from test_photos_fixtures import blurred, exposed, noisy, scene

from app.grouping import (
    GroupingParams,
    GroupItem,
    group_series,
    make_thumbnail,
    neighbour_similarity,
)


def item(key: str, seconds: float, image, camera: str = "A") -> GroupItem:
    return GroupItem(key, camera, seconds, make_thumbnail(image))


def keys(items, series) -> list[list[str]]:
    return [[items[i].key for i in members] for members in series]


def test_synthetic_burst_sequence_splits_on_time_gaps_and_scene_changes():
    items = [
        item("a1", 0.0, scene("astronaut", shift=0)),
        item("a2", 0.3, blurred(scene("astronaut", shift=3))),
        item("a3", 0.6, noisy(scene("astronaut", shift=6))),
        # a different scene half a second later: only similarity can split it off
        item("c1", 1.1, scene("coffee")),
        item("c2", 1.4, scene("coffee", shift=4)),
        # the same scene again after a long pause: time splits it off
        item("c3", 60.0, scene("coffee", shift=2)),
        item("r1", 200.0, scene("rocket")),
    ]
    series = group_series(items, GroupingParams())
    assert keys(items, series) == [["a1", "a2", "a3"], ["c1", "c2"], ["c3"], ["r1"]]


def test_input_order_does_not_matter_series_come_in_capture_order():
    items = [
        item("late", 100.0, scene("chelsea")),
        item("b", 0.5, scene("astronaut", shift=3)),
        item("a", 0.0, scene("astronaut")),
    ]
    assert keys(items, group_series(items)) == [["a", "b"], ["late"]]


def test_two_cameras_with_interleaved_times_never_merge():
    items = []
    for k in range(3):
        items.append(item(f"A{k}", 0.2 * k, scene("astronaut", shift=k), camera="Fictive|A1|1"))
        items.append(
            item(f"B{k}", 0.2 * k + 0.1, scene("astronaut", shift=k + 1), camera="Fictive|A1|2")
        )
    series = keys(items, group_series(items))
    assert sorted(series) == [["A0", "A1", "A2"], ["B0", "B1", "B2"]]


def test_exposure_bracket_stays_one_series():
    base = scene("coffee")
    items = [
        item(f"ev{stops:+}", 0.2 * k, exposed(base, stops)) for k, stops in enumerate((0, -2, 2))
    ]
    assert len(group_series(items)) == 1


def test_thresholds_are_overridable():
    items = [item("a", 0.0, scene("astronaut")), item("b", 3.0, scene("astronaut", shift=24))]
    assert len(group_series(items, GroupingParams(max_gap=10.0))) == 1
    assert len(group_series(items, GroupingParams(max_gap=1.0))) == 2
    assert len(group_series(items, GroupingParams(max_gap=10.0, min_similarity=0.999))) == 2


def test_similarity_is_batched_over_pairs_and_high_only_for_the_same_scene():
    same = [make_thumbnail(scene("chelsea")), make_thumbnail(scene("chelsea", shift=3))]
    other = [make_thumbnail(scene("chelsea")), make_thumbnail(scene("rocket"))]
    values = neighbour_similarity(np.stack([same[0], other[0]]), np.stack([same[1], other[1]]))
    assert values.shape == (2,)
    assert values[0] > 0.6 > 0.2 > values[1]


def test_single_photo_and_empty_input():
    assert group_series([]) == []
    assert group_series([item("only", 0.0, scene())]) == [[0]]
