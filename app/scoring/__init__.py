"""Ranking models for the pipeline: the Scorer protocol, FGAesQ adapter, technical baseline."""

from app.scoring.base import Scorer, ScorerUnavailable
from app.scoring.factory import MODEL_CHOICES, ScorerChoice, create_scorer, fgaesq_weights_available
from app.scoring.technical import TechnicalMeasures, TechnicalScorer, measure

__all__ = [
    "MODEL_CHOICES",
    "Scorer",
    "ScorerChoice",
    "ScorerUnavailable",
    "TechnicalMeasures",
    "TechnicalScorer",
    "create_scorer",
    "fgaesq_weights_available",
    "measure",
]
