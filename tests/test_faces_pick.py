"""The closed-eye pick rule and face tracks across a burst (pure functions, no models)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from app.faces import PICK_REASONS, choose_pick, closed_eye_count, face_tracks


@dataclass(frozen=True)
class F:
    """A face as the rule sees it: its eye state and, for tracks, its box."""

    eyes: str = "open"
    box: tuple[float, float, float, float] = (0.0, 0.0, 50.0, 50.0)


OPEN, CLOSED, UNKNOWN = F("open"), F("closed"), F("unknown")


def test_without_faces_the_best_score_is_the_pick():
    decision = choose_pick([5.0, 7.0, 6.0], [[], None, []])
    assert decision.pick == 1 and decision.reason == "score" and not decision.changed
    assert decision.order == (1, 2, 0)
    assert decision.closed_eyes == (0, 0, 0)


def test_a_blink_in_the_best_frame_moves_the_pick_to_the_best_frame_with_eyes_open():
    decision = choose_pick([6.0, 8.0, 7.0, 5.0], [[OPEN], [CLOSED], [OPEN], [OPEN]])
    assert decision.pick == 2 and decision.by_score == 1 and decision.changed
    assert decision.reason == "eyes_open"
    assert decision.order == (2, 1, 0, 3)  # the pick, then the others by score
    assert decision.describe() == PICK_REASONS["eyes_open"]


def test_in_a_group_the_worst_face_counts():
    """Three open and one closed is a blink frame, whatever the best face looks like."""
    group_blink = [OPEN, OPEN, CLOSED, OPEN]
    everyone_open = [OPEN, OPEN, OPEN, OPEN]
    decision = choose_pick([9.0, 6.0], [group_blink, everyone_open])
    assert decision.pick == 1 and decision.closed_eyes == (1, 0)


def test_unknown_eyes_are_not_a_blink():
    """A face turned away or too small is no reason to lose the best frame; a group frame
    picked with one says so."""
    decision = choose_pick([9.0, 6.0], [[UNKNOWN, OPEN], [OPEN, OPEN]])
    assert decision.pick == 0 and decision.reason == "eyes_unknown"
    assert "could not be judged" in decision.describe()


def test_a_single_face_with_unknown_eyes_is_no_group_frame():
    decision = choose_pick([9.0, 6.0], [[UNKNOWN], [OPEN]])
    assert decision.pick == 0 and decision.reason == "score"


def test_a_group_frame_with_fewer_faces_than_another_frame_says_faces_were_missed():
    """Someone found in the second frame was not found in the best one: a blink may hide
    there, and the pick says its eyes were not checked."""
    decision = choose_pick([9.0, 6.0], [[OPEN, OPEN], [OPEN, OPEN, OPEN]])
    assert decision.pick == 0 and decision.reason == "faces_missed"
    assert "not found in this one" in decision.describe()
    # unjudged eyes in the pick are said first; a portrait burst losing its one face is no group
    assert choose_pick([9.0, 6.0], [[OPEN, UNKNOWN], [OPEN] * 3]).reason == "eyes_unknown"
    assert choose_pick([9.0, 6.0], [[], [OPEN]]).reason == "score"
    assert choose_pick([9.0, 6.0], [None, [OPEN, OPEN]]).reason == "score"
    assert choose_pick([9.0, 6.0], [[OPEN] * 3, [OPEN, OPEN]]).reason == "score"


def test_a_blink_elsewhere_in_the_series_does_not_change_a_clean_best_frame():
    decision = choose_pick([9.0, 6.0], [[OPEN], [CLOSED]])
    assert decision.pick == 0 and decision.reason == "score"


def test_when_everyone_blinks_somewhere_the_frame_with_fewest_closed_eyes_wins():
    frames = [[CLOSED, CLOSED, OPEN], [CLOSED, OPEN, OPEN], [CLOSED, CLOSED, CLOSED]]
    decision = choose_pick([9.0, 5.0, 8.0], frames)
    assert decision.pick == 1 and decision.reason == "fewest_closed_eyes"
    assert decision.closed_eyes == (2, 1, 3)


def test_when_the_best_frame_already_has_the_fewest_blinks_it_stays():
    decision = choose_pick([9.0, 5.0], [[CLOSED, OPEN], [CLOSED, CLOSED]])
    assert decision.pick == 0 and decision.reason == "score"


def test_the_option_turns_the_rule_off():
    decision = choose_pick([6.0, 8.0], [[OPEN], [CLOSED]], avoid_closed_eyes=False)
    assert decision.pick == 1 and decision.reason == "score"
    assert decision.closed_eyes == (0, 1)  # still counted, for the badge


def test_equal_scores_keep_frame_order():
    assert choose_pick([5.0, 5.0, 5.0], [[], [], []]).order == (0, 1, 2)
    assert choose_pick([5.0, 5.0, 5.0], [[CLOSED], [CLOSED], [OPEN]]).pick == 2


def test_a_single_frame_is_its_own_pick_even_with_closed_eyes():
    decision = choose_pick([4.0], [[CLOSED]])
    assert decision.pick == 0 and decision.reason == "score" and decision.closed_eyes == (1,)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="at least one frame"):
        choose_pick([], [])
    with pytest.raises(ValueError, match="2 scores but faces for 1 frames"):
        choose_pick([1.0, 2.0], [[]])


def test_closed_eye_count():
    assert closed_eye_count([OPEN, CLOSED, UNKNOWN, CLOSED]) == 2
    assert closed_eye_count([]) == 0


def box(x: float, y: float, w: float = 50.0) -> F:
    return F(box=(x, y, w, w))


def test_tracks_follow_each_person_through_a_shaking_burst():
    frames = [
        [box(100, 100), box(400, 120, 80)],
        [box(408, 118, 80), box(96, 104)],  # listed in another order, shifted a little
        [box(104, 98)],  # the second person turned away
        [box(102, 101), box(405, 125, 78)],
    ]
    tracks = face_tracks(frames)
    assert tracks == [[1, 0, None, 1], [0, 1, 0, 0]]  # the larger face first


def test_a_face_far_from_every_other_starts_its_own_track():
    tracks = face_tracks([[box(100, 100)], [box(600, 100)]])
    assert sorted(tracks, key=lambda t: t[0] is None) == [[0, None], [None, 0]]


def test_tracks_of_no_frames_and_no_faces_are_empty():
    assert face_tracks([]) == []
    assert face_tracks([[], []]) == []
