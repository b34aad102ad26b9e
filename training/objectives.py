"""The two objectives of Eq. 6, assembled from model outputs and batches.

``coarse_objective``: EMD between the predicted distribution and the vote histogram.
``fine_objective``: ``lambda * CTAlign + RankReg`` over the series of a fine batch
(RankReg replaced by direct ListMLE for the "w/o RankReg" ablation; CTAlign only where a
pair has a comparative text with known features).  Each returns the loss and its parts
as floats for the log.
"""

from __future__ import annotations

import torch

from fgaesq_core import ModelOutput, expected_score
from training import losses
from training.config import TrainConfig
from training.datasets import CoarseBatch, FineBatch


def coarse_objective(out: ModelOutput, batch: CoarseBatch) -> tuple[torch.Tensor, dict[str, float]]:
    """Mean EMD of a coarse batch."""
    loss = losses.emd_loss(out.logits, batch.histograms.to(out.logits.device))
    return loss, {"emd": loss.item()}


def fine_objective(
    out: ModelOutput,
    batch: FineBatch,
    text_features: dict[str, torch.Tensor],
    config: TrainConfig,
) -> tuple[torch.Tensor, dict[str, float]]:
    """``lambda * CTAlign + RankReg`` of a fine batch, the rank term averaged over series.

    Args:
        out: the model's output for ``batch.tokens``.
        batch: whole series with their rankings, references and texts.
        text_features: frozen text features by sentence (empty: no CTAlign).
        config: ``stage2.lambda_align`` and ``ablation.rankreg``.
    """
    scores = expected_score(out.logits)
    rank_terms = []
    targets, references, texts = [], [], []
    for group in batch.groups:
        n = len(group.ranking)
        series_scores = scores[group.start : group.start + n]
        if config.ablation.rankreg:
            rank_terms.append(losses.rankreg_loss(series_scores, group.ranking, group.rank_order))
        else:
            rank_terms.append(losses.direct_rank_loss(series_scores, group.ranking))
        for pair in group.texts:
            if pair.text in text_features:
                targets.append(group.start + pair.target)
                references.append(group.start + pair.reference)
                texts.append(text_features[pair.text] * pair.sign)
    rank = torch.stack(rank_terms).mean()
    loss = rank
    parts = {"rank": rank.item()}
    if texts:
        features = out.features.float()
        align = losses.ctalign_loss(features[targets], features[references], torch.stack(texts))
        loss = loss + config.stage2.lambda_align * align
        parts["align"] = align.item()
    else:
        # keep every parameter in the graph for DDP even without a CTAlign term
        loss = loss + 0.0 * out.features.sum()
    return loss, parts
