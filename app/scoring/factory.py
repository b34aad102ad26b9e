"""Choosing the scorer: ``fgaesq``, ``technical``, or ``auto`` (FGAesQ when its weights are here).

``auto`` must decide quickly offline: the weights check runs in a background thread with a
deadline, and any failure or delay falls back to the technical scorer with a one-line reason.
Importing the model library (torch, open_clip) is local work and is not part of the deadline.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from app.options import CullOptions, ScorerName
from app.scoring.base import Scorer, ScorerUnavailable
from app.scoring.technical import TechnicalScorer

MODEL_CHOICES = tuple(member.value for member in ScorerName)
WEIGHTS_CHECK_DEADLINE_S = 0.8
IMPORT_LIMIT_S = 60.0


@dataclass(frozen=True)
class ScorerChoice:
    scorer: Scorer
    note: str | None = None  # one line saying why auto fell back, else None


#: how the note of a cull that had to do without FGAesQ begins (the window reads it)
FALLBACK_NOTE = "Using the technical scorer"


def create_scorer(options: CullOptions) -> ScorerChoice:
    """Build the scorer the options name (their ``scorer``, ``weights``, ``device`` and
    ``series_mode``: the options are the one place these are checked and defaulted).

    Raises:
        ScorerUnavailable: ``scorer="fgaesq"`` and the model cannot be loaded.
    """
    model, weights = options.scorer, options.weights
    device, series_mode = str(options.device), options.series_mode
    if model == "technical":
        return ScorerChoice(TechnicalScorer())
    if model == "fgaesq":
        return ScorerChoice(_fgaesq(weights or "fgaesq", device, series_mode))
    if weights is None:
        available, reason = fgaesq_weights_available()
        if not available:
            return ScorerChoice(TechnicalScorer(), f"{FALLBACK_NOTE}: {reason}.")
    try:
        return ScorerChoice(_fgaesq(weights or "fgaesq", device, series_mode))
    except ScorerUnavailable as exc:
        return ScorerChoice(TechnicalScorer(), f"{FALLBACK_NOTE}: {exc}.")


def preload_model_library() -> None:
    """Import torch in a background thread.

    Loading its native library holds the interpreter lock for a few hundred ms; the window
    does it while it is fresh, not in the middle of the first cull with the model.
    """

    def load() -> None:
        import torch  # noqa: F401

    threading.Thread(target=load, name="model-library-preload", daemon=True).start()


def fgaesq_weights_available(
    name: str = "fgaesq", deadline_s: float = WEIGHTS_CHECK_DEADLINE_S
) -> tuple[bool, str]:
    """(available, reason) for the FGAesQ weights, decided within ``deadline_s`` seconds."""
    outcome: dict[str, object] = {}
    imported = threading.Event()

    def check() -> None:
        try:
            try:
                import fgaesq_core
            finally:
                imported.set()
            outcome["available"] = bool(fgaesq_core.weights_available(name))
        except ImportError as exc:
            outcome["error"] = f"the FGAesQ model library cannot be imported ({exc})"
        except AttributeError:
            outcome["error"] = "this installation's FGAesQ model library has no weights check"
        except Exception as exc:
            outcome["error"] = f"the FGAesQ weights check failed ({exc})"

    worker = threading.Thread(target=check, name="fgaesq-weights-check", daemon=True)
    worker.start()
    imported.wait(IMPORT_LIMIT_S)
    worker.join(deadline_s)
    if worker.is_alive():
        return False, f"the FGAesQ weights could not be found within {deadline_s:g} s (offline?)"
    if "error" in outcome:
        return False, str(outcome["error"])
    if not outcome.get("available"):
        return False, "the FGAesQ weights are not downloaded and cannot be fetched (offline?)"
    return True, "FGAesQ weights available"


def _fgaesq(weights: str | Path, device: str, series_mode: str) -> Scorer:
    from app.scoring.fgaesq import FGAesQScorer

    return FGAesQScorer(weights=weights, device=device, series_mode=series_mode)
