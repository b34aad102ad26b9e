"""Metrics against hand-computed values and against scipy / scikit-learn."""

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import accuracy_score, f1_score

from training.metrics import (
    CategoryMetrics,
    SeriesResult,
    coarse_report,
    fine_report,
    pair_accuracy_f1,
    pair_decisions,
    pair_summary,
    plcc,
    rankdata,
    series_accuracy,
    series_spearman,
    series_summary,
    srcc,
)


def test_rankdata_matches_scipy_with_ties():
    values = [3.0, 1.0, 3.0, 2.0, 5.0, 1.0]
    assert rankdata(values).tolist() == stats.rankdata(values).tolist()


def test_srcc_and_plcc_match_scipy():
    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    y = x + rng.normal(scale=0.7, size=200)
    x[:20] = np.round(x[:20])  # some ties
    assert srcc(x, y) == pytest.approx(stats.spearmanr(x, y).statistic, abs=1e-12)
    assert plcc(x, y) == pytest.approx(stats.pearsonr(x, y).statistic, abs=1e-12)


def test_correlations_of_constant_input_are_zero():
    assert srcc([1, 1, 1], [1, 2, 3]) == 0.0
    assert plcc([2, 2], [1, 2]) == 0.0


def test_pair_accuracy_hand_computed():
    # ranking best first: 2, 0, 1.  Pairs in image order: (0,1) truth 1 (0 beats 1),
    # (0,2) truth 0, (1,2) truth 0; predictions 0, 0, 0 -> only (0,1) is wrong
    series = SeriesResult(scores=[0.2, 0.5, 0.9], ranking=[2, 0, 1])
    acc, f1 = pair_accuracy_f1([series])
    assert acc == pytest.approx(2 / 3)
    # class 1: tp 0, fn 1 -> F1 0; class 0: tp 2, fp 1 -> F1 0.8; macro 0.4
    assert f1 == pytest.approx(0.4)


def test_pair_metrics_match_sklearn_on_annotated_pairs():
    rng = np.random.default_rng(1)
    series_list = []
    for _ in range(30):
        n = int(rng.integers(2, 7))
        ranking = rng.permutation(n).tolist()
        pairs = [(int(a), int(b)) for a, b in (rng.permutation(n)[:2] for _ in range(3))]
        series_list.append(SeriesResult(rng.normal(size=n).tolist(), ranking, pairs))
    truth, pred = [], []
    for s in series_list:
        t, p = pair_decisions(s)
        truth += t
        pred += p
    acc, f1 = pair_accuracy_f1(series_list)
    assert acc == pytest.approx(accuracy_score(truth, pred))
    assert f1 == pytest.approx(f1_score(truth, pred, average="macro"))


def test_tied_scores_never_count_as_correct_pair():
    acc, _ = pair_accuracy_f1([SeriesResult([1.0, 1.0], [0, 1])])
    assert acc == 0.0


def test_length_weighted_series_metrics_hand_computed():
    long_right = SeriesResult(scores=[4, 3, 2, 1], ranking=[0, 1, 2, 3])  # top1 1, srcc 1
    short_wrong = SeriesResult(scores=[0.1, 0.9], ranking=[0, 1])  # top1 0, srcc -1
    assert series_accuracy([long_right, short_wrong]) == pytest.approx(4 / 6)
    assert series_spearman([long_right, short_wrong]) == pytest.approx((4 * 1 + 2 * -1) / 6)


def test_series_spearman_matches_scipy_per_series():
    scores, ranking = [0.3, 0.1, 0.7, 0.5, 0.2], [2, 0, 3, 4, 1]
    truth = np.zeros(5)
    for position, index in enumerate(ranking):
        truth[index] = 5 - position
    expected = stats.spearmanr(scores, truth).statistic
    assert series_spearman([SeriesResult(scores, ranking)]) == pytest.approx(expected)


def test_top_prediction_tie_is_a_miss():
    assert series_accuracy([SeriesResult([2.0, 2.0, 1.0], [0, 1, 2])]) == 0.0


def test_summaries_average_over_categories():
    per_category = {
        "natural": CategoryMetrics(acc=0.8, f1=0.6, s_acc=0.5, s_srcc=0.3),
        "aigc": CategoryMetrics(acc=0.6, f1=0.6, s_acc=0.4, s_srcc=0.2),
    }
    assert pair_summary(per_category) == pytest.approx((0.7 + 0.6) / 2)
    assert series_summary(per_category) == pytest.approx((0.4 + 0.3) / 2)


def test_fine_and_coarse_report_shapes():
    report = fine_report(
        {
            "natural": [SeriesResult([2, 1], [0, 1])],
            "aigc": [],
            "cropping": [SeriesResult([1, 2], [0, 1])],
        }
    )
    assert set(report) == {"natural", "cropping", "pair", "series"}
    assert set(report["natural"]) == {"acc", "f1", "s_acc", "s_srcc"}
    assert report["natural"]["acc"] == 1.0 and report["cropping"]["acc"] == 0.0
    coarse = coarse_report([1, 2, 3], [1, 2, 4])
    assert coarse["srcc"] == pytest.approx(1.0)
    assert coarse["plcc"] == pytest.approx(stats.pearsonr([1, 2, 3], [1, 2, 4]).statistic)


def test_pair_metrics_do_not_depend_on_which_image_a_pair_lists_first():
    rng = np.random.default_rng(3)
    listed_by_winner, listed_in_image_order = [], []
    for _ in range(40):
        n = int(rng.integers(2, 6))
        ranking = rng.permutation(n).tolist()
        scores = rng.normal(size=n).tolist()
        position = {index: pos for pos, index in enumerate(ranking)}
        pairs = [(int(a), int(b)) for a, b in (rng.permutation(n)[:2] for _ in range(3))]
        winners_first = [(a, b) if position[a] < position[b] else (b, a) for a, b in pairs]
        listed_by_winner.append(SeriesResult(scores, ranking, winners_first))
        listed_in_image_order.append(
            SeriesResult(scores, ranking, [tuple(sorted(p)) for p in pairs])
        )
    acc_a, f1_a = pair_accuracy_f1(listed_by_winner)
    acc_b, f1_b = pair_accuracy_f1(listed_in_image_order)
    assert (acc_a, f1_a) == (acc_b, f1_b)
    truth, _ = pair_decisions(listed_by_winner[0])
    # both classes occur once pairs are in image order, so macro F1 averages two classes
    assert set(sum((pair_decisions(s)[0] for s in listed_by_winner), [])) == {0, 1}
    assert len(truth) == 3
