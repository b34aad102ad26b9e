"""Training objectives of FGAesQ (paper sections 4.2-4.4).

* ``emd_loss``: coarse objective, Earth Mover's Distance between the predicted 10-bin
  distribution and the normalised AVA vote histogram (NIMA, r = 2).
* ``ctalign_loss``: CTAlign, ``1 - cos(E_v(x) - E_v(y), E_t(T))``.  The paper writes the
  loss as the cosine itself; minimising that would push the image difference *away*
  from the text describing it, so the aligning reading ``1 - cos`` is used.
* ``rankreg_loss``: RankReg, Bradley-Terry probabilities ``P(x > y_k)`` for every target
  ``x`` of a series against the other images, then ListMLE between those probabilities
  and the ground-truth order.
* ``direct_rank_loss``: the "w/o RankReg" ablation, ListMLE straight on the scores.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F


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
    v = values_in_true_order.float()
    # logsumexp over suffixes: flip, cumulative logsumexp, flip back
    suffix_lse = torch.logcumsumexp(v.flip(0), dim=0).flip(0)
    return (suffix_lse - v).sum()


def bradley_terry(score_x: torch.Tensor, score_y: torch.Tensor) -> torch.Tensor:
    """``P(x > y) = exp(s_x) / (exp(s_x) + exp(s_y))``, computed stably as a sigmoid."""
    return torch.sigmoid(score_x - score_y)


def rankreg_loss(
    scores: torch.Tensor,
    ranking: Sequence[int],
    orders: Sequence[Sequence[int]] | None = None,
) -> torch.Tensor:
    """RankReg for one series: ``scores`` (n,), ``ranking`` best-first indices.

    For each target ``x`` the predicted probabilities ``P(x > y_k)`` over the other images
    ``y_k`` form a list, and the loss is the ListMLE of that list in its ground-truth
    order, averaged over targets.  ``orders[x]`` gives that order (the references sorted
    by the ground-truth ``P(x > y_k)``, highest first; ``Series.rankreg_orders`` takes it
    from the annotated preferences); without it, the order is "weakest reference first"
    from the ranking (the ground-truth probability of beating ``y_k`` is highest for the
    worst ``y_k``).
    """
    n = len(ranking)
    if n < 2:
        return scores.sum() * 0.0
    losses = []
    for target in ranking:
        if orders is not None:
            references = list(orders[target])
        else:
            references = [k for k in reversed(ranking) if k != target]  # worst reference first
        probabilities = bradley_terry(scores[target], scores[references])
        losses.append(listmle(probabilities))
    return torch.stack(losses).mean()


def direct_rank_loss(scores: torch.Tensor, ranking: Sequence[int]) -> torch.Tensor:
    """ListMLE directly on a series' scores in ground-truth order (the ablation)."""
    if len(ranking) < 2:
        return scores.sum() * 0.0
    return listmle(scores[list(ranking)])
