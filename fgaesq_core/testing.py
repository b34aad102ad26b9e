"""Deterministic stand-ins for tests and benchmarks: released-layout checkpoints and images.

Nothing here draws from global random state, so a seed always gives the same tensors and
pixels; the values are formulas or a seeded ``torch.Generator`` walked in sorted key order.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
from open_clip.model import CLIP, CLIPTextCfg, CLIPVisionCfg
from PIL import Image, ImageDraw

from .config import ModelConfig, load_config
from .device import single_thread  # noqa: F401  (tests run tokenisation on one thread)


def released_state_dict(
    seed: int = 0, config: str | ModelConfig = "vit-b-16"
) -> dict[str, torch.Tensor]:
    """A random checkpoint with exactly the released key names and shapes.

    The whole CLIP (image and text towers) under ``clip_model.``, the image-tower aliases,
    ``scale_embedding`` (1, S, D), ``mask_token`` (1, 1, D) and ``iqa_head.{0,3,6}``.
    Scales are chosen so that different images get visibly different scores.

    Args:
        seed: generator seed.
        config: architecture of the towers and head.

    Returns:
        The state dict (CPU float32).
    """
    cfg = load_config(config)
    with torch.device("meta"):
        clip = CLIP(
            cfg.embed_dim,
            CLIPVisionCfg(**cfg.vision_cfg),
            CLIPTextCfg(**cfg.text_cfg),
            quick_gelu=cfg.quick_gelu,
        )
    shapes = {f"clip_model.{k}": tuple(v.shape) for k, v in clip.state_dict().items()}
    width = cfg.width
    shapes["scale_embedding"] = (1, cfg.num_scales, width)
    shapes["mask_token"] = (1, 1, width)
    dims = cfg.head_dims
    for i, (d_in, d_out) in enumerate(zip(dims[:-1], dims[1:], strict=True)):
        shapes[f"iqa_head.{3 * i}.weight"] = (d_out, d_in)
        shapes[f"iqa_head.{3 * i}.bias"] = (d_out,)
    gen = torch.Generator().manual_seed(seed)
    state = {key: _fill(key, shape, gen) for key, shape in sorted(shapes.items())}
    for key in list(state):
        name = key[len("clip_model.visual.") :]
        if key.startswith("clip_model.visual.") and (
            name == "proj" or name.split(".")[0] in ("ln_pre", "transformer", "ln_post")
        ):
            state[name] = state[key]  # the released file shares these tensors too
    return state


def seeded_scorer(
    seed: int = 0,
    config: str | Path | ModelConfig = "vit-b-16",
    draws: int | None = None,
    device: str = "cpu",
):
    """A Scorer holding ``released_state_dict(seed, config)``, loaded as a released file is.

    Args:
        seed: checkpoint seed.
        config: architecture name, JSON path or ModelConfig.
        draws: the Scorer's draws (None: its default).
        device: where it runs.
    """
    from .checkpoint import load_into, released_to_project
    from .factory import create_model
    from .inference import Scorer

    cfg = load_config(config)
    model = create_model(cfg, pretrained=None)
    load_into(model, released_to_project(released_state_dict(seed, cfg), "seeded"), "seeded")
    model.weights_id = f"seeded:{seed}"
    extra = {} if draws is None else {"draws": draws}
    return Scorer(model, torch.device(device), model.weights_id, **extra)


def _fill(key: str, shape: tuple[int, ...], gen: torch.Generator) -> torch.Tensor:
    noise = torch.randn(shape, generator=gen)
    leaf = key.rsplit(".", 1)[-1]
    if key.endswith("logit_scale"):
        return torch.full(shape, math.log(1 / 0.07))
    if key in ("scale_embedding", "mask_token"):
        return noise * 0.2
    is_norm = ".ln" in key or key.split(".")[-2].startswith("ln")
    if is_norm and leaf == "weight":
        return 1.0 + 0.1 * noise
    if leaf.endswith("bias"):
        return noise * (0.1 if key.startswith("iqa_head") else 0.02)
    if leaf in ("class_embedding", "positional_embedding", "proj", "text_projection"):
        return noise * shape[-1] ** -0.5 if leaf != "proj" else noise * shape[0] ** -0.5
    fan_in = math.prod(shape[1:]) if len(shape) > 1 else shape[0]
    gain = 1.5 if key.startswith("iqa_head") else 1.0
    return noise * gain / math.sqrt(fan_in)


def synthetic_image(seed: int, size: tuple[int, int]) -> Image.Image:
    """A deterministic RGB test picture (gradients, stripes and a bright box) of ``size`` (w, h)."""
    w, h = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    a, b = 0.05 + 0.013 * (seed % 7), 0.03 + 0.011 * (seed % 5)
    r = 127.5 + 127.5 * np.sin(a * x + b * y + seed)
    g = 255.0 * (x + 2 * y) / (w + 2 * h)
    bl = 127.5 + 127.5 * np.cos(0.2 * np.hypot(x - w / 3, y - h / 2) + seed)
    img = np.stack([r, g, bl], axis=-1)
    box = (slice(h // 4, h // 4 + max(1, h // 5)), slice(w // 2, w // 2 + max(1, w // 6)))
    img[box] = (250.0, 240.0, 30.0 * (seed % 8))
    return Image.fromarray(np.clip(np.round(img), 0, 255).astype(np.uint8), "RGB")


def synthetic_burst(seed: int, size: tuple[int, int], frames: int) -> list[Image.Image]:
    """Frames of one synthetic burst: the same picture with a red disc moving across it."""
    base = synthetic_image(seed, size)
    w, h = size
    out = []
    for k in range(frames):
        frame = base.copy()
        x = w // 8 + k * w // (2 * frames)
        ImageDraw.Draw(frame).ellipse([x, h // 4, x + w // 5, h // 4 + h // 4], fill=(230, 40, 30))
        out.append(frame)
    return out
