"""Losses against hand-computed values and their intended gradients."""

import math

import pytest
import torch

from training.fgaesthetics import rank_pair_order
from training.losses import (
    bradley_terry,
    ctalign_loss,
    direct_rank_loss,
    emd_loss,
    listmle,
    listmle_groups,
    rankreg_loss,
)


def test_emd_is_zero_for_matching_distribution_and_hand_computed_otherwise():
    hist = torch.tensor([[0.0, 0.5, 0.5, 0, 0, 0, 0, 0, 0, 0]])
    logits = torch.log(hist.clamp_min(1e-12))
    assert emd_loss(logits, hist).item() == pytest.approx(0.0, abs=1e-6)
    # all mass on bin 1 vs all on bin 2: CDFs differ by 1 in the first bin only
    one = torch.full((1, 10), -1e4)
    one[0, 0] = 0.0
    target = torch.zeros(1, 10)
    target[0, 1] = 1.0
    assert emd_loss(one, target).item() == pytest.approx(math.sqrt(1 / 10), rel=1e-5)


def test_ctalign_is_zero_when_difference_points_along_text_and_two_when_opposite():
    x = torch.tensor([[2.0, 1.0]])
    y = torch.tensor([[1.0, 1.0]])
    assert ctalign_loss(x, y, torch.tensor([[3.0, 0.0]])).item() == pytest.approx(0.0, abs=1e-6)
    assert ctalign_loss(x, y, torch.tensor([[-1.0, 0.0]])).item() == pytest.approx(2.0)


def test_listmle_hand_computed():
    v = torch.tensor([2.0, 1.0, 0.0])
    expected = -(
        (2 - math.log(math.exp(2) + math.exp(1) + 1)) + (1 - math.log(math.exp(1) + 1)) + 0.0
    )
    assert listmle(v).item() == pytest.approx(expected, rel=1e-6)


def test_bradley_terry_matches_formula():
    p = bradley_terry(torch.tensor(3.0), torch.tensor(1.0)).item()
    assert p == pytest.approx(math.exp(3) / (math.exp(3) + math.exp(1)))


@pytest.mark.parametrize("loss_fn", [rankreg_loss, direct_rank_loss])
def test_rank_losses_prefer_the_true_order_and_push_scores_towards_it(loss_fn):
    ranking = [2, 0, 1]  # image 2 best, image 1 worst
    good = torch.tensor([5.0, 1.0, 9.0])
    bad = torch.tensor([5.0, 9.0, 1.0])
    assert loss_fn(good, ranking) < loss_fn(bad, ranking)
    scores = torch.zeros(3, requires_grad=True)
    loss_fn(scores, ranking).backward()
    # descending the gradient raises the best image and lowers the worst
    assert scores.grad[2] < 0 < scores.grad[1]


def test_rank_losses_of_single_image_series_are_zero_with_gradient():
    scores = torch.ones(1, requires_grad=True)
    loss = rankreg_loss(scores, [0])
    loss.backward()
    assert loss.item() == 0.0 and scores.grad is not None


def test_rankreg_follows_the_annotated_pair_order():
    scores = torch.tensor([3.0, 1.0, 2.0], requires_grad=True)
    ranking = [0, 2, 1]
    default = rankreg_loss(scores, ranking)
    assert default.item() == pytest.approx(
        rankreg_loss(scores, ranking, rank_pair_order(ranking)).item()
    )
    # annotators find 2 likelier to beat 0 (p 0.6) than the ranking says: P(2 > 0) moves
    # up the list, so raising image 0's score costs more than under the plain ranking
    preferences = {(0, 2): 0.4, (2, 0): 0.6}
    order = rank_pair_order(
        ranking,
        lambda x, y: preferences.get((x, y), 1.0 if ranking.index(x) < ranking.index(y) else 0.0),
    )
    loss = rankreg_loss(scores, ranking, order)
    assert loss.item() != pytest.approx(default.item())
    loss.backward()
    annotated = scores.grad.clone()
    scores.grad = None
    default.backward()
    assert annotated[0] > scores.grad[0]


def test_rankreg_of_a_two_image_series_has_a_loss_and_a_gradient_towards_the_order():
    # the per-target reading gave each target a one-entry list: loss and gradient 0
    scores = torch.zeros(2, requires_grad=True)
    loss = rankreg_loss(scores, [1, 0])  # image 1 is the better one
    loss.backward()
    # the list P(1 > 0), P(0 > 1) = 1/2, 1/2: ListMLE log 2, halved per image
    assert loss.item() == pytest.approx(math.log(2) / 2)
    assert scores.grad[1] < 0 < scores.grad[0]
    right = rankreg_loss(torch.tensor([0.0, 2.0]), [1, 0])
    wrong = rankreg_loss(torch.tensor([2.0, 0.0]), [1, 0])
    assert right < loss.detach() < wrong


def test_listmle_ties_do_not_depend_on_their_order():
    values = torch.tensor([0.9, 0.2, 0.7, 0.1])
    ab = listmle_groups(values, [2, 2])
    ba = listmle_groups(values[[1, 0, 3, 2]], [2, 2])
    assert ab.item() == pytest.approx(ba.item())
    # groups of one are plain ListMLE
    assert listmle_groups(values, [1, 1, 1, 1]).item() == pytest.approx(listmle(values).item())
