"""Typed model and tokenizer configuration; architectures are JSON files in model_configs/."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError

CONFIG_DIR = Path(__file__).parent / "model_configs"

#: CLIP image normalisation (OpenAI), used by the released model.
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


@dataclass(frozen=True)
class TokenizerConfig:
    """DiffToken settings; defaults are the released model's.

    ``max_tokens`` includes the class-token slot.  ``initial_hidden_size *
    importance_threshold / 4`` regions (14) are kept at fine scale.  ``fine_pos_order``
    is ``"release"`` (fine positional embeddings taken in fine-grid row-major order, as
    the released weights were trained) or ``"token"`` (each fine token gets the
    embedding of its own cell).
    """

    patch_size: int = 16
    region_size: int = 32
    max_tokens: int = 512
    initial_hidden_size: int = 112
    importance_threshold: float = 0.5
    min_pair_short_side: int = 384
    pair_upscale: float = 1.2
    interpolate_offset: float = 0.1
    series_max_side: int = 2048
    ssim_win_size: int = 7
    fine_pos_order: str = "release"
    mean: tuple[float, float, float] = CLIP_MEAN
    std: tuple[float, float, float] = CLIP_STD

    def __post_init__(self) -> None:
        if self.region_size != 2 * self.patch_size:
            raise ConfigError("region_size must be twice patch_size (a fine region is 2x2 tokens)")
        if self.fine_pos_order not in ("release", "token"):
            raise ConfigError(
                f"fine_pos_order must be 'release' or 'token', got {self.fine_pos_order!r}"
            )
        if self.ssim_win_size % 2 == 0 or self.ssim_win_size > self.region_size:
            raise ConfigError("ssim_win_size must be odd and at most region_size")
        object.__setattr__(self, "mean", tuple(self.mean))
        object.__setattr__(self, "std", tuple(self.std))

    @property
    def num_fine_regions(self) -> int:
        """How many regions keep four fine tokens (14 for the released settings)."""
        return int(self.initial_hidden_size * self.importance_threshold / 4)


@dataclass(frozen=True)
class ModelConfig:
    """Architecture of an FGAesQ model: open_clip towers, head and tokenizer."""

    name: str
    embed_dim: int
    vision_cfg: dict[str, Any]
    text_cfg: dict[str, Any]
    quick_gelu: bool = True
    head_dims: tuple[int, ...] = (512, 256, 64, 10)
    head_dropouts: tuple[float, ...] = (0.2, 0.1)
    num_scales: int = 2
    tokenizer: TokenizerConfig = field(default_factory=TokenizerConfig)

    def __post_init__(self) -> None:
        object.__setattr__(self, "head_dims", tuple(self.head_dims))
        object.__setattr__(self, "head_dropouts", tuple(self.head_dropouts))
        if self.head_dims[0] != self.embed_dim:
            raise ConfigError(f"head_dims must start with embed_dim {self.embed_dim}")
        if len(self.head_dropouts) != len(self.head_dims) - 2:
            raise ConfigError("head_dropouts needs one value per hidden head layer")
        if self.vision_cfg.get("patch_size", 16) != self.tokenizer.patch_size:
            raise ConfigError("vision patch_size and tokenizer patch_size differ")

    @property
    def width(self) -> int:
        return int(self.vision_cfg.get("width", 768))

    @property
    def num_bins(self) -> int:
        return self.head_dims[-1]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any], name: str | None = None) -> ModelConfig:
        """Build a config from a parsed JSON object (unknown keys are an error)."""
        data = dict(data)
        data.setdefault("name", name or "custom")
        if name is not None:
            data["name"] = name
        try:
            tok = TokenizerConfig(**data.pop("tokenizer", {}))
            return cls(tokenizer=tok, **data)
        except TypeError as exc:
            raise ConfigError(f"malformed model config {data.get('name')!r}: {exc}") from exc


def list_models() -> list[str]:
    """Names of the built-in architectures."""
    return sorted(p.stem for p in CONFIG_DIR.glob("*.json"))


def load_config(name_or_path: str | Path | ModelConfig) -> ModelConfig:
    """Load a built-in architecture by name or a JSON file by path.

    Args:
        name_or_path: ``"vit-b-16"``, ``"tiny"``, a path to a JSON file, or a ModelConfig.

    Returns:
        The parsed ModelConfig.

    Raises:
        ConfigError: the name is unknown or the file is not a valid config.
    """
    if isinstance(name_or_path, ModelConfig):
        return name_or_path
    path = Path(name_or_path)
    name = path.stem
    if not path.suffix:
        path = CONFIG_DIR / f"{name_or_path}.json"
        name = str(name_or_path)
    if not path.is_file():
        raise ConfigError(f"unknown model config {str(name_or_path)!r}; built-in: {list_models()}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"cannot read model config {path}: {exc}") from exc
    return ModelConfig.from_dict(data, name=name)
