"""Checkpoint layouts: the released FGAesQ ``.pt`` and the project's safetensors file.

Released layout (a plain ``torch.save(state_dict)``): ``clip_model.*`` is the whole OpenAI
CLIP; ``ln_pre.*``, ``transformer.*``, ``ln_post.*`` and ``proj`` repeat the image tower;
``scale_embedding`` (1, S, D), ``mask_token`` (1, 1, D), ``iqa_head.{0,3,6}.*``.

Project layout: ``visual.*`` (open_clip names), ``scale_embedding`` (S, D),
``mask_token`` (D,), ``head.*``, and when kept ``text.*`` and ``logit_scale``.  It is saved
as one ``.safetensors`` file whose metadata holds the format tag and the model config.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from .config import ModelConfig
from .errors import CheckpointError

FORMAT_TAG = "fgaesq-cull"
FORMAT_VERSION = "1"
VISUAL_ALIASES = ("ln_pre.", "transformer.", "ln_post.", "proj")
DEFAULT_HINT = "Pass a valid checkpoint with --weights PATH."
_LIST_LIMIT = 8


def _short(keys: list[str]) -> str:
    keys = sorted(keys)
    more = f" ... (+{len(keys) - _LIST_LIMIT} more)" if len(keys) > _LIST_LIMIT else ""
    return ", ".join(keys[:_LIST_LIMIT]) + more


def _is_alias(key: str) -> bool:
    return key == "proj" or any(key.startswith(a) for a in VISUAL_ALIASES if a != "proj")


def is_released_layout(state: dict[str, torch.Tensor]) -> bool:
    """True for the released key layout (``clip_model.*`` plus ``iqa_head.*``)."""
    return any(k.startswith("clip_model.visual.") for k in state)


def released_to_project(
    state: dict[str, torch.Tensor], source: str = "<state dict>", with_text: bool = False
) -> dict[str, torch.Tensor]:
    """Map released keys to project keys, checking the duplicated image-tower aliases.

    Args:
        state: a released-layout state dict.
        source: file name used in error messages.
        with_text: keep the CLIP text tower (``text.*``, ``logit_scale``).

    Returns:
        A project-layout state dict (tensors shared, not copied).

    Raises:
        CheckpointError: an alias key holds different values than its ``clip_model.visual``
            original, or an alias has no original.
    """
    out: dict[str, torch.Tensor] = {}
    differing, orphans = [], []
    for key, value in state.items():
        if _is_alias(key):
            original = state.get(f"clip_model.visual.{key}")
            if original is None:
                orphans.append(key)
            elif original.shape != value.shape or not torch.equal(original, value):
                differing.append(key)
        elif key.startswith("clip_model.visual."):
            out["visual." + key[len("clip_model.visual.") :]] = value
        elif key == "clip_model.logit_scale":
            if with_text:
                out["logit_scale"] = value
        elif key.startswith("clip_model."):
            if with_text:
                out["text." + key[len("clip_model.") :]] = value
        elif key == "scale_embedding":
            out[key] = value.reshape(value.shape[-2], value.shape[-1])
        elif key == "mask_token":
            out[key] = value.reshape(value.shape[-1])
        elif key.startswith("iqa_head."):
            out["head." + key[len("iqa_head.") :]] = value
        else:
            out[key] = value  # left for the strict key check to report
    if differing or orphans:
        raise CheckpointError(
            f"{source}: the image-tower alias keys disagree with clip_model.visual.*: "
            f"differing values: [{_short(differing)}]; no original: [{_short(orphans)}]. "
            "The file was edited or saved inconsistently; re-download it or re-export it "
            "from one consistent model."
        )
    return out


def project_to_released(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Map project keys to the released layout, writing the image-tower aliases as copies.

    Text-tower keys are written only if present in ``state``; without them the file
    still loads in the released code (which loads non-strictly over OpenAI's CLIP).
    """
    out: dict[str, torch.Tensor] = {}
    for key, value in state.items():
        if key.startswith("visual."):
            name = key[len("visual.") :]
            out["clip_model.visual." + name] = value
            if _is_alias(name):
                out[name] = value.clone()
        elif key.startswith("text."):
            out["clip_model." + key[len("text.") :]] = value
        elif key == "logit_scale":
            out["clip_model.logit_scale"] = value
        elif key == "scale_embedding":
            out[key] = value.reshape(1, *value.shape)
        elif key == "mask_token":
            out[key] = value.reshape(1, 1, -1)
        elif key.startswith("head."):
            out["iqa_head." + key[len("head.") :]] = value
        else:
            out[key] = value
    return out


def read_checkpoint(
    path: str | Path, hint: str = DEFAULT_HINT
) -> tuple[dict[str, torch.Tensor], dict[str, Any] | None]:
    """Read a released ``.pt`` or a project ``.safetensors`` file (safely, no pickled code).

    Args:
        path: the file.
        hint: what to tell the user when the file is missing or broken.

    Returns:
        (state dict, embedded config dict or None).

    Raises:
        CheckpointError: missing, truncated, unreadable, or not a state dict.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}. {hint}")
    if path.stat().st_size == 0:
        raise CheckpointError(f"{path}: the file is empty (an interrupted download?). {hint}")
    if path.suffix == ".safetensors":
        return _read_safetensors(path, hint)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (RuntimeError, EOFError, zipfile.BadZipFile) as exc:
        raise CheckpointError(
            f"{path}: truncated or corrupt checkpoint ({_first_line(exc)}); "
            f"download it again. {hint}"
        ) from exc
    except Exception as exc:  # pickle errors come in many types
        raise CheckpointError(
            f"{path}: not a PyTorch checkpoint ({_first_line(exc)}). {hint}"
        ) from exc
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"{path}: not a model state dict (a dict of tensors). {hint}")
    return state, None


def _read_safetensors(path: Path, hint: str) -> tuple[dict[str, torch.Tensor], dict | None]:
    try:
        state = load_file(str(path))
        from safetensors import safe_open

        with safe_open(str(path), framework="pt") as handle:
            meta = handle.metadata() or {}
    except (SafetensorError, OSError, ValueError) as exc:
        raise CheckpointError(
            f"{path}: truncated or not a safetensors checkpoint ({_first_line(exc)}). {hint}"
        ) from exc
    config = json.loads(meta["config"]) if "config" in meta else None
    return state, config


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def load_into(
    model: torch.nn.Module, state: dict[str, torch.Tensor], source: str, hint: str = DEFAULT_HINT
) -> None:
    """Load a project-layout state dict strictly, with a readable error on any mismatch.

    Text-tower keys are ignored when the model has no text tower.

    Raises:
        CheckpointError: missing or unexpected keys, or shapes that do not fit.
    """
    expected = model.state_dict()
    if getattr(model, "text", None) is None:
        state = {
            k: v for k, v in state.items() if not (k.startswith("text.") or k == "logit_scale")
        }
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    shapes = [
        f"{k} {tuple(state[k].shape)} vs model {tuple(v.shape)}"
        for k, v in expected.items()
        if k in state and state[k].shape != v.shape
    ]
    if missing or unexpected or shapes:
        parts = []
        if missing:
            parts.append(f"missing keys ({len(missing)}): {_short(missing)}")
        if unexpected:
            parts.append(f"unexpected keys ({len(unexpected)}): {_short(unexpected)}")
        if shapes:
            parts.append(f"mismatched shapes ({len(shapes)}): {_short(shapes)}")
        name = getattr(getattr(model, "config", None), "name", "?")
        raise CheckpointError(
            f"{source} does not fit model config {name!r}: "
            + "; ".join(parts)
            + f". Check that the checkpoint matches the config (--config), or {hint[0].lower()}{hint[1:]}"
        )
    model.load_state_dict(state, strict=True)


def save_checkpoint(model: torch.nn.Module, path: str | Path) -> Path:
    """Save ``model`` as one ``.safetensors`` file with its config in the metadata.

    Args:
        model: an FGAesQModel.
        path: target file; ``.safetensors`` is appended when missing.

    Returns:
        The written path.
    """
    path = Path(path)
    if path.suffix != ".safetensors":
        path = path.with_name(path.name + ".safetensors")
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    config: ModelConfig = model.config
    meta = {"format": FORMAT_TAG, "format_version": FORMAT_VERSION, "config": config.to_json()}
    tmp = path.with_name(path.name + ".part")
    save_file(state, str(tmp), metadata=meta)
    tmp.replace(path)
    return path


def save_released(model: torch.nn.Module, path: str | Path) -> Path:
    """Save ``model`` in the released ``.pt`` layout (for the authors' inference code)."""
    path = Path(path)
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    torch.save(project_to_released(state), path)
    return path
