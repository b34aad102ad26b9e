"""FGAesQ model library: model, DiffToken tokenizer, weights and inference API.

Typical use::

    import fgaesq_core
    scorer = fgaesq_core.load_model(weights="fgaesq", device="auto")
    scores = scorer.score(["a.jpg", "b.jpg"])
    ranking = scorer.rank_series(["burst-1.jpg", "burst-2.jpg", "burst-3.jpg"])

Names are imported on first use (PEP 562): ``import fgaesq_core`` costs milliseconds, and
``fgaesq_core.weights_available`` does not pull in torch and open_clip, which take seconds.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Public name -> the submodule that defines it.
_SOURCES = {
    "project_to_released": "checkpoint",
    "read_checkpoint": "checkpoint",
    "released_to_project": "checkpoint",
    "save_checkpoint": "checkpoint",
    "save_released": "checkpoint",
    "CascadeRule": "cascade",
    "Prefilter": "cascade",
    "ModelConfig": "config",
    "TokenizerConfig": "config",
    "list_models": "config",
    "load_config": "config",
    "PRECISIONS": "device",
    "attention_kernel": "device",
    "autocast_dtype": "device",
    "default_batch_size": "device",
    "resolve_device": "device",
    "CheckpointError": "errors",
    "ConfigError": "errors",
    "DeviceUnavailable": "errors",
    "FGAesQError": "errors",
    "EngineUnavailable": "errors",
    "ImageInputError": "errors",
    "WeightsUnavailable": "errors",
    "create_model": "factory",
    "load_image": "images",
    "SERIES_MODES": "inference",
    "Scorer": "inference",
    "SeriesRanking": "inference",
    "load_model": "inference",
    "FGAesQModel": "model",
    "ModelOutput": "model",
    "expected_score": "model",
    "list_pretrained": "pretrained",
    "weights_available": "pretrained",
    "DiffToken": "tokenizer",
    "Tokens": "tokens",
    "collate": "tokens",
}

if TYPE_CHECKING:
    from .cascade import CascadeRule, Prefilter
    from .checkpoint import (
        project_to_released,
        read_checkpoint,
        released_to_project,
        save_checkpoint,
        save_released,
    )
    from .config import ModelConfig, TokenizerConfig, list_models, load_config
    from .device import (
        PRECISIONS,
        attention_kernel,
        autocast_dtype,
        default_batch_size,
        resolve_device,
    )
    from .errors import (
        CheckpointError,
        ConfigError,
        DeviceUnavailable,
        EngineUnavailable,
        FGAesQError,
        ImageInputError,
        WeightsUnavailable,
    )
    from .factory import create_model
    from .images import load_image
    from .inference import SERIES_MODES, Scorer, SeriesRanking, load_model
    from .model import FGAesQModel, ModelOutput, expected_score
    from .pretrained import list_pretrained, weights_available
    from .tokenizer import DiffToken
    from .tokens import Tokens, collate


def __getattr__(name: str) -> Any:
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{source}", __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "PRECISIONS",
    "SERIES_MODES",
    "CascadeRule",
    "CheckpointError",
    "ConfigError",
    "DeviceUnavailable",
    "EngineUnavailable",
    "DiffToken",
    "FGAesQError",
    "FGAesQModel",
    "ImageInputError",
    "ModelConfig",
    "ModelOutput",
    "Prefilter",
    "Scorer",
    "SeriesRanking",
    "TokenizerConfig",
    "Tokens",
    "WeightsUnavailable",
    "attention_kernel",
    "autocast_dtype",
    "collate",
    "create_model",
    "default_batch_size",
    "expected_score",
    "list_models",
    "list_pretrained",
    "load_config",
    "load_image",
    "load_model",
    "project_to_released",
    "read_checkpoint",
    "released_to_project",
    "resolve_device",
    "save_checkpoint",
    "save_released",
    "weights_available",
]
