"""FGAesQ model library: model, DiffToken tokenizer, weights and inference API.

Typical use::

    import fgaesq_core
    scorer = fgaesq_core.load_model(weights="fgaesq", device="auto")
    scores = scorer.score(["a.jpg", "b.jpg"])
    ranking = scorer.rank_series(["burst-1.jpg", "burst-2.jpg", "burst-3.jpg"])
"""

from .checkpoint import (
    project_to_released,
    read_checkpoint,
    released_to_project,
    save_checkpoint,
    save_released,
)
from .config import ModelConfig, TokenizerConfig, list_models, load_config
from .device import autocast_dtype, resolve_device
from .errors import (
    CheckpointError,
    ConfigError,
    DeviceUnavailable,
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

__all__ = [
    "SERIES_MODES",
    "CheckpointError",
    "ConfigError",
    "DeviceUnavailable",
    "DiffToken",
    "FGAesQError",
    "FGAesQModel",
    "ImageInputError",
    "ModelConfig",
    "ModelOutput",
    "Scorer",
    "SeriesRanking",
    "TokenizerConfig",
    "Tokens",
    "WeightsUnavailable",
    "autocast_dtype",
    "collate",
    "create_model",
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
