"""Grouping across frames blown by an exposure change: the part both frames kept decides."""

from __future__ import annotations

from grouping_shoots import burst_items, load_shoot, series_keys
from test_photos_fixtures import exposed, scene

from app.exposed_likeness import (
    AGREEMENT,
    alike_where_exposed,
    clipped_share,
    exposed_detail_agreement,
)
from app.grouping import group_series, make_thumbnail, neighbour_similarity

# Grouping thumbnails of three over-exposed bursts of ray-cast tabletop scenes (pale balls on
# white linen, plain balls; frames 0.9-2 stops over beside the clean one) and of the first
# frames of the two scenes shot after two of them.
SHOOT = load_shoot("over_exposed_bursts")
BURSTS = (5, 14, 23)


def test_the_burst_frames_blown_by_over_exposure_look_like_no_neighbour_by_ssim():
    """What the rule is for: standardised, a frame 1.5-2 stops over keeps too little of the
    scene for SSIM to tell it belongs (these bursts were cut 4 + 1, 2 + 4 + 1 and 1 + 7)."""
    items = burst_items(SHOOT, 5)
    value = neighbour_similarity(items[3].thumbnail[None], items[4].thumbnail[None])[0]
    assert value < 0.1 and clipped_share(items[3].thumbnail) > 0.9


def test_bursts_whose_frames_are_blown_by_over_exposure_stay_one_series():
    for number in BURSTS:
        items = burst_items(SHOOT, number)
        assert len(group_series(items)) == 1, number


def test_a_blown_burst_end_and_a_blown_start_of_the_next_scene_stay_apart():
    """A burst ending 2 stops over, then 0.4 s later another scene's burst whose first frame
    is blown to next to no picture (joined to the burst before by its time alone): the next
    frame, like that one and unlike the burst before, takes it into its own series."""
    first = burst_items(SHOOT, 14)
    end = first[-1].seconds
    assert clipped_share(first[-1].thumbnail) > 0.6
    then_blown = first + burst_items(SHOOT, 23, start=end + 0.4)
    assert series_keys(then_blown, group_series(then_blown)) == [
        [i.key for i in first],
        [i.key for i in then_blown[len(first) :]],
    ]


def test_detail_where_both_frames_are_exposed_agrees_for_one_scene_only():
    for name, other in (("chelsea", "coffee"), ("astronaut", "rocket"), ("coins", "camera")):
        clean = make_thumbnail(scene(name))
        blown = make_thumbnail(exposed(scene(name, shift=2), 3.0))
        elsewhere = make_thumbnail(scene(other))
        assert clipped_share(blown) > 0.3
        assert exposed_detail_agreement(clean, blown) >= AGREEMENT + 0.2, name
        assert exposed_detail_agreement(elsewhere, blown) < AGREEMENT, name
        assert alike_where_exposed(clean, blown) and not alike_where_exposed(elsewhere, blown)


def test_frames_that_lost_nothing_to_clipping_are_left_to_ssim():
    """Two frames with little clipped are no exposure change this rule may excuse, however
    their detail agrees (SSIM judges them)."""
    clean = make_thumbnail(scene("rocket"))
    brighter = make_thumbnail(exposed(scene("rocket"), 1.0))
    assert max(clipped_share(clean), clipped_share(brighter)) < 0.15
    assert exposed_detail_agreement(clean, brighter) > AGREEMENT
    assert not alike_where_exposed(clean, brighter)
