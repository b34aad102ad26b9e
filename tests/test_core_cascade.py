"""The cascade series mode: which frames the model sees, when it stops adding draws, and that
the library spends exactly what the rules say (fgaesq_core.cascade)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from fgaesq_core import Prefilter
from fgaesq_core.cascade import CascadeRule, run_cascade
from fgaesq_core.testing import seeded_scorer, single_thread, synthetic_burst


class Oracle:
    """Scores from tables, recording what was asked: a frame's single score, and its score
    against an opponent (``quality[i] - quality[j] / 4`` plus a per-match ``noise``)."""

    def __init__(self, quality: list[float], noise: dict | None = None):
        self.quality = quality
        self.noise = noise or {}
        self.singles: list[int] = []
        self.matches: list[tuple[int, int]] = []

    def single(self, indices: list[int]) -> list[float]:
        self.singles += indices
        return [self.quality[i] for i in indices]

    def against(self, matches: list[tuple[int, int]]) -> list[float]:
        self.matches += matches
        return [
            self.quality[i] - self.quality[j] / 4 + self.noise.get((i, j), 0.0) for i, j in matches
        ]


def test_frames_ruled_out_get_no_pass_and_rank_below_every_scored_frame():
    oracle = Oracle([9.0, 5.0, 8.0, 7.0, 6.0])
    verdict = Prefilter([True, False, False, True, False], cheap_scores=[1.0, 0, 0, 2.0, 0])
    outcome = run_cascade(5, oracle.single, oracle.against, verdict)
    assert sorted(oracle.singles) == [1, 2, 4]
    assert all(0 not in m and 3 not in m for m in oracle.matches)
    order = sorted(range(5), key=lambda i: -outcome.scores[i])
    # the scored frames first (the best by the model first), then the ruled-out ones by
    # their cheap scores, though frame 0 would have been the model's best
    assert order == [2, 4, 1, 3, 0]
    assert outcome.singles == 3


def test_only_the_best_single_scores_are_compared_and_a_clear_lead_stops_at_once():
    oracle = Oracle([9.0, 5.0, 2.0, 3.0, 2.5])
    outcome = run_cascade(5, oracle.single, oracle.against, rule=CascadeRule(candidates=2))
    assert oracle.matches == [(0, 1), (1, 0)]  # head to head, nothing more
    assert outcome.rounds == 1 and outcome.comparisons == 2
    assert outcome.settled >= 0.9
    assert max(range(5), key=lambda i: outcome.scores[i]) == 0


def test_a_close_contest_draws_common_opponents_until_settled_or_all_are_used():
    # 0 and 1 are level head to head; against common opponents 1 is ahead each time
    noise = {(1, 0): 0.0, (0, 1): 0.0, (1, 2): 0.3, (1, 3): 0.3, (1, 4): 0.3}
    oracle = Oracle([6.0, 6.0, 5.0, 4.0, 3.0], noise)
    rule = CascadeRule(candidates=2, confidence=0.99, max_rounds=99)
    outcome = run_cascade(5, oracle.single, oracle.against, rule=rule)
    # every round pits both candidates against the same opponent, strongest first
    assert oracle.matches == [(0, 1), (1, 0), (0, 2), (1, 2), (0, 3), (1, 3), (0, 4), (1, 4)]
    assert outcome.rounds == 4
    assert max(range(5), key=lambda i: outcome.scores[i]) == 1
    # with every opponent drawn, a candidate's score is its pairwise score: the mean of its
    # scores against every other frame
    assert outcome.scores[1] == pytest.approx(
        sum(oracle.against([(1, j) for j in (0, 2, 3, 4)])) / 4
    )
    assert 0.5 < outcome.settled < 0.99


def test_the_reference_screen_meets_every_frame_with_the_medoid_and_draws_no_match_twice():
    oracle = Oracle([6.0, 7.0, 5.0, 6.5, 3.0])
    rule = CascadeRule(candidates=2, confidence=0.999999, max_rounds=99)
    outcome = run_cascade(5, oracle.single, oracle.against, rule=rule, reference=(2, 4))
    assert oracle.singles == []  # no frame is scored on its own
    # every frame against the medoid (2), the medoid against the frame most like it (4)
    assert sorted(oracle.matches[:5]) == [(0, 2), (1, 2), (2, 4), (3, 2), (4, 2)]
    # the screen's best two, head to head; their round against the medoid was screened
    assert oracle.matches[5:7] == [(1, 3), (3, 1)]
    assert len(set(oracle.matches)) == len(oracle.matches) == outcome.comparisons
    assert (outcome.singles, outcome.comparisons) == (0, 5 + 2 + 2 * 2)
    # every opponent drawn: the candidates' scores are their pairwise scores
    assert outcome.scores[1] == pytest.approx(sum(7.0 - q / 4 for q in (6.0, 5.0, 6.5, 3.0)) / 4)


def test_a_candidate_the_leader_is_surely_ahead_of_plays_no_more_rounds():
    noise = {(0, 3): 0.1, (1, 3): -0.1, (0, 4): -0.1, (1, 4): 0.1}
    quality = [6.0, 6.0, 2.0, 3.0, 1.0]
    kept = Oracle(quality, noise)
    rule = CascadeRule(
        candidates=3, confidence=0.99, max_rounds=99, screen="single", prior_share=0.05
    )
    dropped = Oracle([6.0, 6.0, 2.0, 3.0, 1.0], noise)
    # the screen puts 0, 1 and 3 through; 3 is far behind after the first round
    run_cascade(5, dropped.single, dropped.against, rule=replace(rule, eliminate=True))
    assert dropped.matches[6:] == [(0, 2), (1, 2), (0, 4), (1, 4)]
    still = replace(rule, eliminate=False)
    run_cascade(5, kept.single, kept.against, rule=still)
    assert (3, 2) in kept.matches


def test_settledness_grows_with_the_lead():
    rule = CascadeRule(candidates=2, max_rounds=1)
    close = run_cascade(
        3, Oracle([6.0, 5.99, 1.0]).single, Oracle([6.0, 5.99, 1.0]).against, rule=rule
    )
    clear = run_cascade(
        3, Oracle([6.0, 3.0, 1.0]).single, Oracle([6.0, 3.0, 1.0]).against, rule=rule
    )
    assert close.settled < 0.6 < 0.9 < clear.settled


def test_one_survivor_is_not_compared_and_all_ruled_out_counts_as_none():
    oracle = Oracle([5.0, 6.0, 7.0])
    alone = run_cascade(3, oracle.single, oracle.against, Prefilter([True, False, True]))
    assert oracle.singles == [1] and oracle.matches == [] and alone.settled == 1.0
    everyone = Oracle([5.0, 6.0, 7.0])
    run_cascade(3, everyone.single, everyone.against, Prefilter([True, True, True]))
    assert sorted(everyone.singles) == [0, 1, 2]


def test_the_library_spends_what_the_rules_say_and_ranks_the_same_in_batches():
    scorer = seeded_scorer(0, "tiny", draws=2)
    scorer.cascade_rule = CascadeRule(
        candidates=3, confidence=0.999999, max_rounds=99, screen="single", eliminate=False
    )
    frames = synthetic_burst(4, (96, 64), 5)
    verdict = Prefilter([False, False, True, False, False])
    with single_thread():
        ranking = scorer.rank_series(frames, "cascade", prefilter=verdict)
        again = list(scorer.rank_many([frames, frames[:1]], "cascade", 16, [verdict, None]))
    # four frames scored on their own (one draw each), three candidates head to head (6),
    # then against the one other survivor (3): the ruled-out frame is never tokenised
    assert ranking.token_sets == 4 + 6 + 3
    assert ranking.order[-1] == 2
    assert 0.0 <= ranking.settled <= 1.0
    assert again[0] == ranking
    assert again[1].order == [0] and again[1].settled == 1.0


def test_the_library_screens_against_the_medoid_and_ends_at_the_pairwise_scores():
    scorer = seeded_scorer(0, "tiny", draws=1)
    scorer.cascade_rule = CascadeRule(
        candidates=3, confidence=0.999999, max_rounds=99, eliminate=False
    )
    frames = synthetic_burst(3, (96, 64), 4)
    with single_thread():
        ranking = scorer.rank_series(frames, "cascade")

        def against(i: int, j: int) -> float:
            tokens = scorer.tokenizer.pair_samples(frames[i], frames[j], 1, both=False)[0][0]
            return scorer.score_groups([[tokens]])[0]

        # each candidate met every other frame once (9 token sets), the frame left out
        # met the medoid (1): 10 of pairwise's 12, and no frame was scored on its own
        assert ranking.token_sets == 10
        for c in ranking.order[:3]:
            pairwise = sum(against(c, j) for j in range(4) if j != c) / 3
            assert ranking.scores[c] == pytest.approx(pairwise, abs=1e-5)
