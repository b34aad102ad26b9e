"""Evaluation on FGAesthetics and AVA through fgaesq_core's inference API.

Series are ranked with ``Scorer.rank_series`` (the path the culling app uses) and AVA
images scored with ``Scorer.score``; ``training.metrics`` turns the scores into the
paper's numbers.  ``mode="single"`` scores every frame on its own (the paper's
"w/o DiffToken" inference).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from fgaesq_core import Scorer
from fgaesq_core.tokens import collate
from training.ava import AvaItem, read_ava, report_split, split_ava
from training.ava import image_path as ava_image_path
from training.config import EVAL_MODES, SELECTION_RULES
from training.datasets import open_model_input
from training.fgaesthetics import CATEGORIES, Series, read_fgaesthetics
from training.metrics import SeriesResult, coarse_report, fine_report

log = logging.getLogger(__name__)


def series_scores(scorer: Scorer, frames: list, mode: str, batch_size: int) -> list[float]:
    if mode == "single":
        return scorer.score(frames, batch_size=batch_size)
    return scorer.rank_series(frames, mode=mode, batch_size=batch_size).scores


def score_series(
    scorer: Scorer,
    root: str | Path,
    series: list[Series],
    mode: str = "pairwise",
    batch_size: int = 16,
) -> list[tuple[Series, SeriesResult]]:
    """Every readable series with its scores (unreadable frames dropped, as in training)."""
    if mode not in EVAL_MODES:
        raise ValueError(f"unknown evaluation mode {mode!r}; use one of {EVAL_MODES}")
    tokenizer = scorer.config.tokenizer
    results = []
    for item in series:
        frames = [
            open_model_input(item.image_path(root, i), tokenizer, tokenizer.series_max_side)
            for i in range(len(item))
        ]
        unreadable = {i for i, frame in enumerate(frames) if frame is None}
        if unreadable:
            item = item.without(unreadable)
            if item is None:
                continue
            frames = [frame for frame in frames if frame is not None]
        scores = series_scores(scorer, frames, mode, batch_size)
        results.append((item, SeriesResult(scores, item.ranking, item.evaluated_pairs())))
    return results


def fine_report_of(
    scored: list[tuple[Series, SeriesResult]], categories: Iterable[str] = CATEGORIES
) -> dict[str, Any]:
    """The ``"fine"`` report of scored series, by category."""
    by_category: dict[str, list[SeriesResult]] = {c: [] for c in categories}
    for item, result in scored:
        by_category.setdefault(item.category, []).append(result)
    return fine_report(by_category)


def evaluate_fine(
    scorer: Scorer,
    root: str | Path,
    split: str = "test",
    categories: Iterable[str] = CATEGORIES,
    mode: str = "pairwise",
    batch_size: int = 16,
    series: list[Series] | None = None,
) -> dict[str, Any]:
    """The ``"fine"`` report (per category Acc, F1, s-Acc, s-SRCC; Pair; Series)."""
    if series is None:
        series = read_fgaesthetics(root, splits=[split], categories=categories)
    return fine_report_of(score_series(scorer, root, series, mode, batch_size), categories)


def evaluate_coarse(
    scorer: Scorer,
    root: str | Path,
    items: list[AvaItem] | None = None,
    batch_size: int = 32,
    test_fraction: float = 0.08,
) -> dict[str, float]:
    """SRCC and PLCC of predicted scores against AVA mean scores.

    Args:
        scorer: the model.
        root: the AVA folder.
        items: the images to score; None scores the test split (``training.ava.split_ava``
            with ``test_fraction`` as the fallback when the folder has no standard list).
        batch_size: tokens per forward pass.
        test_fraction: see ``items``.
    """
    if items is None:
        split = split_ava(read_ava(root), root, test_fraction)
        report_split(split, root)
        items = split.test
    predictions, truth = score_coarse(scorer, root, items, batch_size)
    return {**coarse_report(predictions, truth), "images": len(predictions)}


def score_coarse(
    scorer: Scorer, root: str | Path, items: list[AvaItem], batch_size: int = 32
) -> tuple[list[float], list[float]]:
    """Predicted scores and AVA mean scores of the readable ``items``, in order."""
    tokenizer = scorer.config.tokenizer
    predictions: list[float] = []
    truth: list[float] = []
    for start in range(0, len(items), batch_size):
        chunk = items[start : start + batch_size]
        images = [
            open_model_input(ava_image_path(root, item.image_id), tokenizer, 2048) for item in chunk
        ]
        kept = [
            (item, image) for item, image in zip(chunk, images, strict=True) if image is not None
        ]
        if not kept:
            continue
        predictions += scorer.score([image for _, image in kept], batch_size=batch_size)
        truth += [item.mean_score for item, _ in kept]
    return predictions, truth


def selection_score(report: dict[str, Any], rule: str) -> float:
    """The number that picks the best checkpoint.

    ``balance`` is the mean of the fine-grained summary ``(Pair + Series) / 2`` and AVA
    SRCC, equal weight to the two granularities whose balance is the paper's Table 3
    claim; when one of them was not evaluated, the other alone.  ``series``, ``pair`` and
    ``srcc`` select on that number only (0 when it was not evaluated).
    """
    fine, coarse = report.get("fine"), report.get("coarse")
    values = {
        "series": fine["series"] if fine else None,
        "pair": fine["pair"] if fine else None,
        "srcc": coarse["srcc"] if coarse else None,
    }
    if rule in values:
        return values[rule] if values[rule] is not None else 0.0
    if rule != "balance":
        raise ValueError(f"unknown selection rule {rule!r}; use one of {SELECTION_RULES}")
    parts = []
    if fine:
        parts.append((fine["pair"] + fine["series"]) / 2)
    if coarse:
        parts.append(coarse["srcc"])
    return sum(parts) / len(parts) if parts else 0.0


@torch.no_grad()
def evaluate_alignment(
    scorer: Scorer,
    root: str | Path,
    series: list[Series],
    text_features: dict[str, torch.Tensor],
) -> dict[str, float]:
    """How far feature differences point along their comparative texts (CTAlign's aim).

    Every comparative text ``T`` of ``target`` relative to ``reference`` gives
    ``cos(E_v(target) - E_v(reference), E_t(T))``, both frames tokenised as a pair the
    way training tokenises them.  ``cosine`` is the mean over texts (0 for unrelated
    directions, negative when the differences point against their descriptions);
    ``pairs`` counts the texts scored.
    """
    model = scorer.model
    tokenizer = scorer.config.tokenizer
    was_training = model.training
    model.eval()
    cosines: list[float] = []
    try:
        for item in series:
            frames = {}
            for text in item.texts:
                if text.text not in text_features:
                    continue
                for index in (text.target, text.reference):
                    if index not in frames:
                        frames[index] = open_model_input(
                            item.image_path(root, index), tokenizer, tokenizer.series_max_side
                        )
                target, reference = frames[text.target], frames[text.reference]
                if target is None or reference is None:
                    continue
                tokens = collate(list(scorer.tokenizer.tokenize_pair_both(target, reference)))
                features = model(tokens.to(scorer.device)).features.float()
                direction = text_features[text.text].to(features.device).float()
                cosines.append(
                    F.cosine_similarity(features[0] - features[1], direction, dim=0).item()
                )
    finally:
        model.train(was_training)
    mean = sum(cosines) / len(cosines) if cosines else 0.0
    return {"cosine": mean, "pairs": float(len(cosines))}


def format_table(report: dict[str, Any]) -> str:
    """A text table laid out like the paper's Table 7."""
    fine = report.get("fine", {})
    categories = [c for c in CATEGORIES if c in fine]
    header = [
        " " * 8,
        *[f"{c[:8]:>8}" for c in categories for _ in range(4)],
        "    Pair",
        "  Series",
    ]
    sub = [
        " " * 8,
        *[f"{m:>8}" for _ in categories for m in ("Acc", "F1", "s-Acc", "s-SRCC")],
        "",
        "",
    ]
    row = [f"{'FGAesQ':<8}"]
    for c in categories:
        row += [f"{fine[c][k]:8.3f}" for k in ("acc", "f1", "s_acc", "s_srcc")]
    row += [f"{fine.get('pair', 0.0):8.3f}", f"{fine.get('series', 0.0):8.3f}"]
    if "coarse" in report:
        header += ["    SRCC", "    PLCC"]
        sub += ["", ""]
        row += [f"{report['coarse']['srcc']:8.3f}", f"{report['coarse']['plcc']:8.3f}"]
    return "\n".join(" ".join(line) for line in (header, sub, row))
