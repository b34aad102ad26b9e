"""Burst grouping: time gaps, thumbnail similarity, camera bodies, exposure brackets."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from test_photos_fixtures import blurred, exposed, noisy, scene

from app.grouping import (
    BLANK_RANGE,
    GroupingParams,
    GroupItem,
    group_series,
    make_thumbnail,
    neighbour_similarity,
    pause_runs,
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


def test_a_strongly_over_exposed_frame_stays_in_its_burst():
    """Five frames 0.15-0.6 s apart, one blown out by 2.5 stops: still one series, and a new
    scene 0.4 s after the burst still starts another."""
    base = "chelsea"
    frames = [
        scene(base, shift=0),
        scene(base, shift=2),
        exposed(scene(base, shift=4), 2.5),
        blurred(scene(base, shift=6), 2.0),
        exposed(scene(base, shift=3), -1.5),
    ]
    times = [0.0, 0.15, 0.75, 1.0, 1.5]
    items = [item(f"c{k}", t, f) for k, (t, f) in enumerate(zip(times, frames, strict=True))]
    items.append(item("next", 1.9, scene("coins")))
    assert keys(items, group_series(items)) == [["c0", "c1", "c2", "c3", "c4"], ["next"]]


def test_similarity_ignores_exposure_and_tone_curves():
    base = scene("coffee")
    values = neighbour_similarity(
        np.stack([make_thumbnail(base)] * 3),
        np.stack([make_thumbnail(exposed(base, s)) for s in (-2.0, 1.0, 2.0)]),
    )
    assert np.all(values > 0.6)


def test_very_short_gaps_need_less_similarity():
    params = GroupingParams(min_similarity=0.3, short_gap=1.0, short_gap_relief=0.1)
    assert params.required_similarity(0.0) == pytest.approx(0.2)
    assert params.required_similarity(0.5) == pytest.approx(0.25)
    assert params.required_similarity(1.0) == params.required_similarity(3.0) == 0.3
    # a pair whose similarity lies between the two joins when shot in quick succession
    first, second = scene("astronaut"), blurred(scene("astronaut", shift=10), 4.0)
    value = float(
        neighbour_similarity(make_thumbnail(first)[None], make_thumbnail(second)[None])[0]
    )
    between = GroupingParams(min_similarity=value + 0.05, short_gap=1.0, short_gap_relief=0.1)
    quick = [item("a", 0.0, first), item("b", 0.1, second)]
    slow = [item("a", 0.0, first), item("b", 2.0, second)]
    assert len(group_series(quick, between)) == 1
    assert len(group_series(slow, between)) == 2


def test_different_scenes_stay_far_below_the_threshold_and_bad_frames_of_one_above():
    """Structure alone separates scenes with a wide margin, which is what lets the threshold be
    low enough for blown, blurred and noisy frames of a burst."""
    names = ("astronaut", "coffee", "chelsea", "rocket", "camera", "coins")
    thumbs = {name: make_thumbnail(scene(name)) for name in names}
    pairs = [(a, b) for a in names for b in names if a < b]
    other = neighbour_similarity(
        np.stack([thumbs[a] for a, _ in pairs]), np.stack([thumbs[b] for _, b in pairs])
    )
    worst = [noisy(blurred(exposed(scene(name, shift=4), 2.5), 3.0), 0.08) for name in names]
    same = neighbour_similarity(
        np.stack([thumbs[name] for name in names]), np.stack([make_thumbnail(w) for w in worst])
    )
    params = GroupingParams()
    assert other.max() < 0.1 < params.required_similarity(0.0)
    assert same.min() > 0.35 > params.min_similarity


def test_a_hand_held_burst_ending_over_exposed_and_noisy_stays_one_series():
    """Hand-held frames drift 8 % of the frame apart, the last two blown out and noisy: they
    still belong to the burst, and another scene half a second later still does not."""
    wide = scene("chelsea", size=(300, 200))
    frames = [wide.crop((20 * k, 10, 20 * k + 240, 170)) for k in range(4)]
    frames[2] = exposed(frames[2], 2.0)
    frames[3] = noisy(frames[3], 0.08)
    items = [item(f"b{k}", 0.5 * k, frame) for k, frame in enumerate(frames)]
    items.append(item("other", 2.0, scene("rocket")))
    series = group_series(items, GroupingParams())
    assert keys(items, series) == [["b0", "b1", "b2", "b3"], ["other"]]


def _nearly_blown(size: tuple[int, int], seed: int = 3) -> Image.Image:
    """A frame blown almost white: a few grey levels of blotches, no trace of the scene."""
    rng = np.random.default_rng(seed)
    blotches = Image.fromarray((rng.random((6, 6)) * 255).astype(np.uint8)).resize(
        size, Image.Resampling.BICUBIC
    )
    levels = 243 + 12 * (np.asarray(blotches, dtype=np.float32) / 255)
    return Image.fromarray(levels.astype(np.uint8)).convert("RGB")


def test_a_burst_stays_one_series_across_a_frame_blown_nearly_white():
    """A frame blown nearly white looks like neither neighbour (its thumbnail keeps a few
    grey levels, so it is no blank frame either); the frames after it still belong to the
    burst, and the blown frame with them."""
    frames = [scene("chelsea", shift=2 * k) for k in range(5)]
    frames[2] = _nearly_blown(frames[0].size)
    items = [item(f"b{k}", 0.15 * k, frame) for k, frame in enumerate(frames)]
    blown = items[2].thumbnail
    low, high = np.percentile(blown, [5, 95])
    assert high - low > BLANK_RANGE  # not excused as a frame with no picture
    for k in (1, 3):
        assert neighbour_similarity(items[k].thumbnail[None], blown[None])[0] < 0.1
    assert keys(items, group_series(items)) == [["b0", "b1", "b2", "b3", "b4"]]


def test_a_stray_frame_joins_nothing_when_the_next_frame_shows_another_scene_or_comes_late():
    """The frame after a stray one takes the burst up again only at the burst's pace and with
    the burst's look: a third scene, or the burst's scene after a pause, stays apart."""
    size = scene("astronaut").size
    items = [
        item("a1", 0.0, scene("astronaut")),
        item("a2", 0.15, scene("astronaut", shift=2)),
        item("c1", 0.3, scene("coffee")),
        item("r1", 0.45, scene("rocket")),
    ]
    assert keys(items, group_series(items)) == [["a1", "a2"], ["c1"], ["r1"]]
    late = [
        item("a1", 0.0, scene("astronaut")),
        item("a2", 0.15, scene("astronaut", shift=2)),
        item("blown", 0.3, _nearly_blown(size)),
        item("a3", 1.6, scene("astronaut", shift=4)),  # past the short gap after the stray
    ]
    series = keys(late, group_series(late))
    assert ["blown"] in series and ["a1", "a2"] in series


def test_grouping_each_run_between_pauses_gives_the_series_of_the_whole_card():
    """Runs cut where the shoot pauses for longer than the time gap (any camera) hold whole
    series: grouping run by run, as a card is read, gives the whole card's series."""
    params = GroupingParams()
    gap = params.max_gap
    items = [
        item("a1", 0.0, scene("astronaut", shift=0)),
        item("b1", 0.2, scene("coffee"), camera="B"),  # a second body, interleaved
        item("a2", 0.3, scene("astronaut", shift=3)),
        item("b2", 0.5, scene("coffee", shift=2), camera="B"),
        item("c1", 1.1, scene("chelsea")),  # a new scene within the gap: same run
        item("c2", 1.1 + gap, scene("chelsea", shift=2)),  # exactly the gap: same series
        item("r1", 2.1 + 2 * gap, scene("rocket")),  # a pause: a new run
        item("r2", 2.4 + 2 * gap, scene("rocket", shift=4)),
        item("h1", 100.0, scene("camera")),
        item("h2", 100.3, scene("camera", shift=3)),
        item("late", 101.0, scene("astronaut"), camera="B"),
    ]
    runs = pause_runs([(it.seconds, it.key) for it in items], gap)
    assert [[items[i].key for i in run] for run in runs] == [
        ["a1", "b1", "a2", "b2", "c1", "c2"],
        ["r1", "r2"],
        ["h1", "h2", "late"],
    ]
    by_runs = []
    for run in runs:
        part = [items[i] for i in reversed(run)]  # in any order within the run
        by_runs += keys(part, group_series(part, params))
    whole = keys(items, group_series(items, params))
    assert by_runs == whole
    assert whole == [["a1", "a2"], ["b1", "b2"], ["c1", "c2"], ["r1", "r2"], ["h1", "h2"], ["late"]]
