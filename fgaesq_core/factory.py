"""create_model: architecture from a config, weights from the registry or a file."""

from __future__ import annotations

from pathlib import Path

import torch

from .checkpoint import is_released_layout, load_into, read_checkpoint, released_to_project
from .config import ModelConfig, load_config
from .errors import CheckpointError, WeightsUnavailable
from .model import FGAesQModel
from .pretrained import (
    REGISTRY,
    PretrainedSpec,
    cached_file,
    download,
    hub_endpoint,
    hub_reachable,
    offline_hint,
    sha256_of,
)


def file_sha256(path: Path) -> str:
    """SHA-256 of a file; hub blobs are named by it, other files are hashed once per process."""
    path = Path(path)
    blob = path.resolve().name
    if len(blob) == 64 and all(c in "0123456789abcdef" for c in blob):
        return blob
    return sha256_of(path)


def create_model(
    config: str | Path | ModelConfig | None = "vit-b-16",
    pretrained: str | Path | None = None,
    with_text: bool = False,
) -> FGAesQModel:
    """Build an FGAesQModel and load weights into it.

    Args:
        config: architecture name (``"vit-b-16"``, ``"tiny"``), JSON path or ModelConfig;
            None takes the config stored in a project checkpoint, else the weights' own.
        pretrained: None (random init), ``"fgaesq"`` (released weights from the hub),
            ``"openai"`` (OpenAI CLIP backbone, untrained head), or a checkpoint path
            (released ``.pt`` or project ``.safetensors``).
        with_text: keep the CLIP text tower (training).

    Returns:
        The model in eval mode on the CPU; ``model.weights_id`` names the weights.

    Raises:
        ConfigError: unknown or malformed config.
        CheckpointError: the checkpoint is missing, broken or does not fit.
        WeightsUnavailable: named weights cannot be found or downloaded.
    """
    spec = REGISTRY.get(str(pretrained)) if pretrained is not None else None
    if pretrained is None:
        model = FGAesQModel(load_config(config or "vit-b-16"), with_text=with_text)
        model.weights_id = "untrained"
    elif spec is not None and spec.kind == "openai":
        model = FGAesQModel(_config_for(spec, config), with_text=with_text)
        _load_openai(model, spec)
    else:
        if spec is not None:
            path, hint = download(spec), offline_hint(spec)
            name = spec.name
        else:
            path, hint, name = (
                Path(pretrained),
                "Pass a valid checkpoint with --weights PATH.",
                "file",
            )
        state, stored = read_checkpoint(path, hint)
        if stored is not None and config is None:
            cfg = ModelConfig.from_dict(stored, name=stored.get("name"))
        else:
            cfg = _config_for(spec, config) if spec else load_config(config or "vit-b-16")
        model = FGAesQModel(cfg, with_text=with_text)
        if is_released_layout(state):
            state = released_to_project(state, str(path), with_text=with_text)
        load_into(model, state, str(path), hint)
        model.weights_id = f"{name}:{file_sha256(path)[:12]}"
    return model.eval()


def _config_for(spec: PretrainedSpec, config: str | Path | ModelConfig | None) -> ModelConfig:
    """The explicit config if given (shape checks catch a wrong one), else the weights' own."""
    return load_config(config or spec.config)


def _load_openai(model: FGAesQModel, spec: PretrainedSpec) -> None:
    """Copy open_clip's OpenAI CLIP ViT-B/16 weights into the towers; the head stays random."""
    import open_clip

    if cached_file(spec) is None and not hub_reachable(spec):
        raise WeightsUnavailable(
            f"OpenAI CLIP weights are not cached and {hub_endpoint()} cannot be reached. "
            + offline_hint(spec)
        )
    try:
        clip = open_clip.create_model("ViT-B-16-quickgelu", pretrained="openai")
    except Exception as exc:  # download and cache errors surface in several types
        raise WeightsUnavailable(
            f"cannot load OpenAI CLIP weights: {type(exc).__name__}: {str(exc)[:200]}. "
            + offline_hint(spec)
        ) from exc
    clip_state = clip.state_dict()
    visual = {k[len("visual.") :]: v for k, v in clip_state.items() if k.startswith("visual.")}
    try:
        model.visual.load_state_dict(visual, strict=True)
        if model.text is not None:
            text = {
                k: v
                for k, v in clip_state.items()
                if not k.startswith("visual.") and k != "logit_scale"
            }
            model.text.load_state_dict(text, strict=True)
            with torch.no_grad():
                model.logit_scale.copy_(clip_state["logit_scale"])
    except RuntimeError as exc:
        raise CheckpointError(
            f"OpenAI CLIP weights do not fit config {model.config.name!r}: {exc}"
        ) from exc
    found = cached_file(spec)
    model.weights_id = f"openai:{file_sha256(found)[:12]}" if found else "openai"
