"""Training objectives of FGAesQ (paper sections 4.2-4.4).

* ``emd_loss``: coarse objective, Earth Mover's Distance between the predicted 10-bin
  distribution and the normalised AVA vote histogram (NIMA, r = 2).
* ``ctalign_loss``: CTAlign, ``1 - cos(E_v(x) - E_v(y), E_t(T))``.  The paper writes the
  loss as the cosine itself; minimising that would push the image difference *away*
  from the text describing it, so the aligning reading ``1 - cos`` is used.
* ``rankreg_loss``: RankReg, Bradley-Terry probabilities ``P(x > y)`` for every ordered
  pair of a series, then one ListMLE of that whole list in its ground-truth order (so a
  two-image series, with the list ``P(x > y), P(y > x)``, teaches its order too).
* ``direct_rank_loss``: the "w/o RankReg" ablation, ListMLE straight on the scores.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import torch
import torch.nn.functional as F

from training.fgaesthetics import rank_pair_order


def emd_loss(logits: torch.Tensor, target_hist: torch.Tensor, r: float = 2.0) -> torch.Tensor:
    """Mean EMD between ``softmax(logits)`` (B, K) and histograms (B, K) summing to 1."""
    pred_cdf = torch.cumsum(F.softmax(logits.float(), dim=-1), dim=-1)
    target_cdf = torch.cumsum(target_hist.float(), dim=-1)
    per_sample = (pred_cdf - target_cdf).abs().pow(r).mean(dim=-1).pow(1.0 / r)
    return per_sample.mean()


def ctalign_loss(
    target_features: torch.Tensor, reference_features: torch.Tensor, text_features: torch.Tensor
) -> torch.Tensor:
    """Mean ``1 - cos(target - reference, text)`` over (N, D) rows."""
    difference = target_features.float() - reference_features.float()
    return (1.0 - F.cosine_similarity(difference, text_features.float(), dim=-1)).mean()


def listmle(values_in_true_order: torch.Tensor) -> torch.Tensor:
    """ListMLE of one list whose entries are already sorted best first.

    ``L = -sum_i [v_i - logsumexp(v_i .. v_n)]``.
    """
    return listmle_groups(values_in_true_order, [1] * len(values_in_true_order))


def listmle_groups(values_in_true_order: torch.Tensor, group_sizes: Sequence[int]) -> torch.Tensor:
    """ListMLE of a list sorted best first whose consecutive groups are ties.

    Every entry of a tie group is scored against the suffix from its group's start
    (Breslow's treatment of ties in the Cox partial likelihood), so the loss does not
    depend on how a group happens to be ordered; with groups of one it is ListMLE.
    """
    v = values_in_true_order.float()
    # logsumexp over suffixes: flip, cumulative logsumexp, flip back
    suffix_lse = torch.logcumsumexp(v.flip(0), dim=0).flip(0)
    starts = torch.repeat_interleave(
        torch.tensor([0, *list(itertools.accumulate(group_sizes))[:-1]], device=v.device),
        torch.tensor(list(group_sizes), device=v.device),
    )
    return (suffix_lse[starts] - v).sum()


def bradley_terry(score_x: torch.Tensor, score_y: torch.Tensor) -> torch.Tensor:
    """``P(x > y) = exp(s_x) / (exp(s_x) + exp(s_y))``, computed stably as a sigmoid."""
    return torch.sigmoid(score_x - score_y)


def rankreg_loss(
    scores: torch.Tensor,
    ranking: Sequence[int],
    order: Sequence[Sequence[tuple[int, int]]] | None = None,
) -> torch.Tensor:
    """RankReg for one series: ``scores`` (n,), ``ranking`` best-first indices.

    The predicted ``P(x > y)`` of every ordered pair form one list (``n (n - 1)``
    entries), and the loss is its ListMLE in the ground-truth order ``order`` (tie
    groups of pairs, best first: ``Series.rankreg_order``, from the annotated
    probabilities; by default ``rank_pair_order(ranking)``), divided by ``n`` so a
    series weighs per image.
    """
    n = len(ranking)
    if n < 2:
        return scores.sum() * 0.0
    groups = order if order is not None else rank_pair_order(ranking)
    pairs = [pair for group in groups for pair in group]
    targets = torch.tensor([x for x, _ in pairs], device=scores.device)
    references = torch.tensor([y for _, y in pairs], device=scores.device)
    probabilities = bradley_terry(scores[targets], scores[references])
    return listmle_groups(probabilities, [len(group) for group in groups]) / n


def direct_rank_loss(scores: torch.Tensor, ranking: Sequence[int]) -> torch.Tensor:
    """ListMLE directly on a series' scores in ground-truth order (the ablation)."""
    if len(ranking) < 2:
        return scores.sum() * 0.0
    return listmle(scores[list(ranking)])
