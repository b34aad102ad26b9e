"""Losses against hand-computed values and their intended gradients."""

import math

import pytest
import torch

from training.losses import (
    bradley_terry,
    ctalign_loss,
    direct_rank_loss,
    emd_loss,
    listmle,
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


def test_rankreg_follows_given_reference_orders():
    scores = torch.tensor([3.0, 1.0, 2.0], requires_grad=True)
    ranking = [0, 2, 1]
    default = rankreg_loss(scores, ranking)
    same = rankreg_loss(scores, ranking, orders=[(1, 2), (2, 0), (1, 0)])
    assert same.item() == pytest.approx(default.item())
    # if annotators found image 2 likelier to beat 0 than 1, target 2's list starts with 0;
    # raising image 0's score then costs more under that order than under the default
    swapped = [(1, 2), (2, 0), (0, 1)]
    loss = rankreg_loss(scores, ranking, orders=swapped)
    assert loss.item() != pytest.approx(default.item())
    loss.backward()
    plain = scores.grad.clone()
    scores.grad = None
    default.backward()
    assert plain[0] > scores.grad[0]
