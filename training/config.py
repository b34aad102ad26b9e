"""Typed training configuration, loaded from YAML with ``key=value`` overrides.

A config file has one mapping per section (``model``, ``data``, ``stage1``, ``stage2``,
``ablation``, ``runtime``); unknown keys are errors so a typo never silently falls back
to a default.  ``--set stage2.lr=1e-5`` overrides one field, parsed as YAML scalars.
"""

from __future__ import annotations

import contextlib
import dataclasses
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints

import yaml


class ConfigError(ValueError):
    """A config file or override that cannot be applied; names the key and the cause."""


@dataclass
class ModelSection:
    """Which fgaesq_core architecture to build and where its initial weights come from."""

    config: str = "vit-b-16"  # fgaesq_core model config name or JSON path
    pretrained: str | None = "openai"  # "openai", "fgaesq", a checkpoint path, or null (random)
    # where the frozen CLIP text tower for CTAlign comes from (same choices as pretrained)
    text_pretrained: str | None = "openai"


@dataclass
class DataSection:
    # AVA's test split is its standard list when the AVA folder has one (see training.ava);
    # this hash fraction is only the fallback, and is reported loudly when used
    ava_test_fraction: float = 0.08
    ava_val_fraction: float = 0.02  # AVA training images held out for model selection
    categories: list[str] = field(default_factory=lambda: ["natural", "aigc", "cropping"])
    num_workers: int = 4
    max_side: int = 2048  # decoding cap; then fitted to the token budget (open_model_input)
    # DiffToken's draws (fine regions, dropped tokens) while training: "per_step" seeds a
    # generator per item and epoch (the paper's random tokenisation); "fixed" passes none,
    # so every image gets its content-seeded draw 0, the tokens inference's first draw uses
    token_draws: str = "per_step"
    # keep decoded images in memory, and tokens too when token_draws is fixed
    # (small data sets only)
    in_memory: bool = False
    # folder of DiffToken's pair region differences (the pair SSIM), computed once per
    # pair and shared by workers and ranks; relative to the run folder; null: none
    ssim_cache: str | None = None
    # geometric variation that leaves every flaw's order intact, drawn per item and epoch
    # and the same for every frame of a series: "none", "flip" (mirror left-right) or
    # "flip_crop" (and a crop of up to augment_crop of each side, no resampling)
    augment: str = "none"
    augment_crop: float = 0.125


@dataclass
class Stage1Section:
    """Coarse pre-training on AVA with the EMD loss."""

    enabled: bool = True
    epochs: float = 3.0
    batch_size: int = 128
    lr: float = 2e-5
    weight_decay: float = 0.0
    beta1: float = 0.9
    lr_schedule: str = "constant"  # constant | cosine (decay to zero over the stage)
    max_steps: int | None = None  # stop early (smoke runs)


@dataclass
class Stage2Section:
    """Joint learning: alternating fine (ranked series) and coarse (AVA) batches."""

    enabled: bool = True
    epochs: float = 7.0
    # what an epoch counts: "fine" (one pass over the FGAesthetics training series) or
    # "coarse" (one pass over AVA's training images, about 4.6x more cycles)
    epoch_unit: str = "fine"
    fine_batch_images: int = 64  # whole series are packed up to about this many images
    coarse_batch_size: int = 128
    # coarse batches after each fine batch (delta alternates); a fraction spreads them
    # out (0.5: one after every second fine batch), for small fine sets beside a large AVA
    coarse_per_fine: float = 1.0
    lr: float = 2e-5
    weight_decay: float = 5e-5
    lambda_align: float = 10.0
    # the paper's "momentum update coefficients" (fine, coarse); see docs/training.md:
    # per_objective: AdamW beta1 of two optimisers over the same parameters, one per objective;
    # weight_ema: after each step the weights move only (1 - m) of the way, m per objective;
    # shared: one AdamW with beta1 for both objectives (the coefficients are unused)
    momentum_mode: str = "per_objective"
    fine_momentum: float = 0.615
    coarse_momentum: float = 0.8
    beta1: float = 0.9  # AdamW beta1 in the weight_ema and shared modes
    warmup_steps: int = 0
    lr_schedule: str = "constant"  # constant | cosine (decay to zero over the stage)
    max_steps: int | None = None


@dataclass
class AblationSection:
    """Switches for Table 5.  Stage switches live in ``stage1.enabled`` / ``stage2.*``."""

    difftoken: bool = True  # False: fine images tokenised alone, no reference
    ctalign: bool = True
    rankreg: bool = True  # False: ListMLE directly on the scores ("direct ranking")
    fine: bool = True  # False: stage 2 uses coarse batches only ("w/o Fine")
    coarse: bool = True  # False: stage 2 uses fine batches only ("w/o Coarse", "Coarse|Fine")


@dataclass
class RuntimeSection:
    seed: int = 0
    device: str = "auto"  # auto | cuda | mps | cpu | cuda:N
    precision: str = "bf16"  # bf16 | fp32  (autocast dtype where the device supports it)
    grad_accum: int = 1
    grad_clip: float | None = 1.0
    log_every: int = 20
    eval_every: int | None = None  # steps; None: at the end of every stage-2 epoch
    checkpoint_every: int = 500
    eval_split: str = "val"
    eval_mode: str = "pairwise"  # pairwise | reference | single (see training.evaluate)
    eval_draws: int = 4  # tokenisations averaged per scored input (fgaesq_core.Scorer)
    # what picks the "best" checkpoint: balance (mean of the fine (Pair + Series) / 2 and
    # AVA SRCC, the paper's Table 3 trade-off), series, pair or srcc
    select_on: str = "balance"
    deterministic: bool = False
    # how long a rank waits in a collective before the job fails (torch's NCCL default
    # is 10 minutes); covers the main process writing a checkpoint and the slowest
    # rank's share of an evaluation (docs/training.md, "Several GPUs")
    dist_timeout_min: float = 60.0


#: Series scoring of evaluations (training.evaluate) and model-selection rules.
EVAL_MODES = ("pairwise", "reference", "single")
SELECTION_RULES = ("balance", "series", "pair", "srcc")
#: DiffToken's draws in training (training.datasets): per item and epoch, or content-seeded.
TOKEN_DRAWS = ("per_step", "fixed")
#: Series-consistent augmentations (training.datasets.augment_frames).
AUGMENTATIONS = ("none", "flip", "flip_crop")
#: Every field with a fixed set of values, checked by TrainConfig.validate.
CHOICES = {
    ("data", "token_draws"): TOKEN_DRAWS,
    ("data", "augment"): AUGMENTATIONS,
    ("stage1", "lr_schedule"): ("constant", "cosine"),
    ("stage2", "lr_schedule"): ("constant", "cosine"),
    ("stage2", "epoch_unit"): ("fine", "coarse"),
    ("stage2", "momentum_mode"): ("per_objective", "weight_ema", "shared"),
    ("runtime", "precision"): ("bf16", "fp32"),
    ("runtime", "eval_mode"): EVAL_MODES,
    ("runtime", "select_on"): SELECTION_RULES,
}


@dataclass
class TrainConfig:
    model: ModelSection = field(default_factory=ModelSection)
    data: DataSection = field(default_factory=DataSection)
    stage1: Stage1Section = field(default_factory=Stage1Section)
    stage2: Stage2Section = field(default_factory=Stage2Section)
    ablation: AblationSection = field(default_factory=AblationSection)
    runtime: RuntimeSection = field(default_factory=RuntimeSection)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def validate(self) -> None:
        """Reject values outside their choices and combinations that cannot train."""
        problems = []
        for (section, key), allowed in CHOICES.items():
            value = getattr(getattr(self, section), key)
            if value not in allowed:
                problems.append(
                    f"{section}.{key} must be one of {', '.join(allowed)}, not {value!r}"
                )
        if not (self.stage1.enabled or self.stage2.enabled):
            problems.append("both stages are disabled")
        if self.stage2.enabled and not (self.ablation.fine or self.ablation.coarse):
            problems.append("stage 2 needs ablation.fine or ablation.coarse")
        if self.runtime.grad_accum < 1:
            problems.append("runtime.grad_accum must be at least 1")
        if self.stage2.coarse_per_fine < 0:
            problems.append("stage2.coarse_per_fine must not be negative")
        if not 0 <= self.data.augment_crop < 0.5:
            problems.append("data.augment_crop must be at least 0 and below 0.5")
        if self.runtime.eval_draws < 1:
            problems.append("runtime.eval_draws must be at least 1")
        if problems:
            raise ConfigError("; ".join(problems))


def _coerce(value: Any, hint: Any, key: str) -> Any:
    """Check a YAML value against a field's type hint (an int is accepted for a float)."""
    text = str(hint)
    if value is None:
        if "None" in text:
            return None
        raise ConfigError(f"{key}: null is not allowed")
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if "bool" in text and isinstance(value, bool):
        return value
    if "float" in text and is_number:
        return float(value)
    if "float" in text and isinstance(value, str):
        # YAML 1.1 reads "3e-4" (no dot) as a string
        with contextlib.suppress(ValueError):
            return float(value)
    accepted = (
        ("int" in text and isinstance(value, int) and not isinstance(value, bool))
        or ("str" in text and isinstance(value, str))
        or ("list" in text and isinstance(value, list))
    )
    if accepted:
        return value
    raise ConfigError(f"{key}: expected {text.replace('typing.', '')}, got {value!r}")


def _apply(section: Any, values: dict[str, Any], prefix: str) -> None:
    hints = get_type_hints(type(section))
    names = {f.name for f in fields(section)}
    for key, value in values.items():
        if key not in names:
            raise ConfigError(f"{prefix}{key}: unknown key (known: {', '.join(sorted(names))})")
        setattr(section, key, _coerce(value, hints[key], prefix + key))


def config_from_dict(data: dict[str, Any]) -> TrainConfig:
    config = TrainConfig()
    for name, values in (data or {}).items():
        if name not in {f.name for f in fields(config)}:
            raise ConfigError(f"{name}: unknown section")
        if not isinstance(values, dict):
            raise ConfigError(f"{name}: expected a mapping")
        _apply(getattr(config, name), values, f"{name}.")
    return config


def apply_override(config: TrainConfig, assignment: str) -> None:
    """Apply one ``section.key=value`` override, the value parsed as YAML."""
    if "=" not in assignment or "." not in assignment.split("=", 1)[0]:
        raise ConfigError(f"{assignment!r}: overrides look like section.key=value")
    dotted, raw = assignment.split("=", 1)
    section_name, key = dotted.strip().split(".", 1)
    section = getattr(config, section_name, None)
    if section is None or not dataclasses.is_dataclass(section):
        raise ConfigError(f"{dotted}: unknown section {section_name!r}")
    _apply(section, {key: yaml.safe_load(raw)}, f"{section_name}.")


def load_config(path: str | Path, overrides: list[str] | None = None) -> TrainConfig:
    """Read a YAML config file (or a bundled name like ``tiny-cpu``) and apply overrides."""
    path = resolve_config_path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    try:
        config = config_from_dict(data)
        for assignment in overrides or []:
            apply_override(config, assignment)
        config.validate()
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    return config


def bundled_configs_dir() -> Path:
    return Path(__file__).parent / "configs"


def resolve_config_path(path: str | Path) -> Path:
    """A file path as given, else a bundled config by name (with or without ``.yaml``)."""
    candidate = Path(path)
    if candidate.is_file():
        return candidate
    bundled = bundled_configs_dir() / (candidate.name if candidate.suffix else f"{candidate}.yaml")
    if bundled.is_file():
        return bundled
    raise ConfigError(f"{path}: config file not found")


def resolve_model_config(name_or_path: str):
    """The fgaesq_core ModelConfig for ``model.config``.

    Accepts a built-in architecture name (``vit-b-16``, ``tiny``), a JSON path, or the
    name of a JSON file bundled next to the training configs.
    """
    from fgaesq_core import load_config as load_model_config

    bundled = bundled_configs_dir() / f"{name_or_path}.json"
    if not Path(name_or_path).is_file() and bundled.is_file():
        return load_model_config(bundled)
    return load_model_config(name_or_path)


def save_config(config: TrainConfig, path: str | Path) -> None:
    Path(path).write_text(yaml.safe_dump(config.to_dict(), sort_keys=False), encoding="utf-8")


def load_saved_config(path: str | Path) -> dict[str, Any]:
    """A run's saved ``config.yaml`` as a plain mapping ({} when there is none)."""
    path = Path(path)
    if not path.is_file():
        return {}
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc


def config_changes(saved: dict[str, Any], config: TrainConfig) -> list[str]:
    """``section.key: saved -> now`` for every field where ``config`` differs from ``saved``.

    A field the saved file lacks (written before the field existed) counts as its
    default, so an old run resumes under newer code without a spurious difference.
    """
    defaults, current = TrainConfig().to_dict(), config.to_dict()
    changes = []
    for section, values in current.items():
        for key, value in values.items():
            before = (saved.get(section) or {}).get(key, defaults[section][key])
            if isinstance(value, float) and isinstance(before, int | float):
                before = float(before)
            if before != value:
                changes.append(f"{section}.{key}: {before!r} -> {value!r}")
    return changes
