"""FGAesQModel: the open_clip ViT image tower driven by DiffToken tokens, plus the score head."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from open_clip.model import CLIPTextCfg, CLIPVisionCfg, _build_text_tower, _build_vision_tower
from torch import nn

from .config import ModelConfig
from .positional import PositionalTable
from .tokenizer import DiffToken
from .tokens import Tokens


@dataclass
class ModelOutput:
    """Raw head logits (B, num_bins) and the projected CLS features (B, embed_dim)."""

    logits: torch.Tensor
    features: torch.Tensor


def expected_score(logits: torch.Tensor) -> torch.Tensor:
    """Expected bin under the softmax: sum_k p_k * k for k = 1..num_bins (float32).

    Args:
        logits: (B, num_bins) head output.

    Returns:
        (B,) scores in [1, num_bins].
    """
    probs = F.softmax(logits.float(), dim=-1)
    bins = torch.arange(1, logits.shape[-1] + 1, device=logits.device, dtype=probs.dtype)
    return probs @ bins


def build_head(dims: tuple[int, ...], dropouts: tuple[float, ...]) -> nn.Sequential:
    """Linear-ReLU-Dropout stack ending in a Linear (indices 0, 3, 6 for the released head)."""
    layers: list[nn.Module] = []
    for i, (d_in, d_out) in enumerate(zip(dims[:-1], dims[1:], strict=True)):
        layers.append(nn.Linear(d_in, d_out))
        if i < len(dropouts):
            layers += [nn.ReLU(), nn.Dropout(dropouts[i])]
    return nn.Sequential(*layers)


class FGAesQModel(nn.Module):
    """CLIP ViT tower with scale embeddings, a mask token and a 10-bin score head.

    Submodules keep open_clip names (``visual.conv1``, ``visual.transformer`` ...), so
    OpenAI/open_clip weights load directly.  The text tower exists only when requested
    (training uses it frozen for comparative-text alignment).

    Args:
        config: the architecture.
        with_text: also build the CLIP text tower (``text``) and ``logit_scale``.
    """

    def __init__(self, config: ModelConfig, with_text: bool = False):
        super().__init__()
        self.config = config
        self.visual = _build_vision_tower(
            config.embed_dim, CLIPVisionCfg(**config.vision_cfg), quick_gelu=config.quick_gelu
        )
        width = config.width
        self.scale_embedding = nn.Parameter(torch.randn(config.num_scales, width) * 0.02)
        self.mask_token = nn.Parameter(torch.zeros(width))
        self.head = build_head(config.head_dims, config.head_dropouts)
        self.text: nn.Module | None = None
        if with_text:
            self.text = _build_text_tower(
                config.embed_dim, CLIPTextCfg(**config.text_cfg), quick_gelu=config.quick_gelu
            )
            self.logit_scale = nn.Parameter(torch.ones([]) * 4.6052)
        self.tokenizer = DiffToken(config.tokenizer)
        self._positions = PositionalTable(config.tokenizer.interpolate_offset)

    def embed(self, tokens: Tokens) -> torch.Tensor:
        """Token embeddings (B, L, width) before ``ln_pre``: patch, mask, scale, CLS, position."""
        if not tokens.batched:
            raise ValueError("the model takes batched Tokens; use fgaesq_core.collate([...])")
        return self.embed_tensors(*self.network_inputs(tokens))

    def network_inputs(
        self, tokens: Tokens
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """The tensors the network runs on: patches (B, L-1, 3, P, P), scale ids and padding
        (B, L-1), and positional embeddings (B, L, width).

        The positions depend on each sample's grids (Python metadata, interpolated and cached
        per grid), so they are gathered here; everything after is a plain tensor program,
        the part an inference engine exports (fgaesq_core.engines).
        """
        positions = self._positions.gather(
            self.visual.positional_embedding, tokens.grids, tokens.pos_ids
        )
        return tokens.patches[:, 1:], tokens.scale_ids[:, 1:], tokens.padding[:, 1:], positions

    def embed_tensors(
        self,
        patches: torch.Tensor,
        scale_ids: torch.Tensor,
        padding: torch.Tensor,
        positions: torch.Tensor,
    ) -> torch.Tensor:
        """``embed`` from ``network_inputs``: padding slots take the mask token (nothing is
        masked in attention, as released)."""
        visual = self.visual
        b, n = patches.shape[:2]
        weight = visual.conv1.weight
        x = visual.conv1(patches.reshape(b * n, *patches.shape[2:]).to(weight.dtype))
        x = x.reshape(b, n, -1)
        x = torch.where(padding[:, :, None], self.mask_token.to(x.dtype), x)
        x = x + self.scale_embedding[scale_ids].to(x.dtype)
        cls = visual.class_embedding.to(x.dtype).expand(b, 1, -1)
        x = torch.cat([cls, x], dim=1)
        return x + positions.to(x.dtype)

    def encode_embedded(self, x: torch.Tensor) -> torch.Tensor:
        """Projected CLS features (B, embed_dim) of embedded tokens (B, L, width)."""
        visual = self.visual
        x = visual.transformer(visual.ln_pre(x))  # open_clip's transformer is batch-first
        return visual.ln_post(x[:, 0]) @ visual.proj

    def encode(self, tokens: Tokens) -> torch.Tensor:
        """Projected CLS features (B, embed_dim)."""
        return self.encode_embedded(self.embed(tokens))

    def forward(self, tokens: Tokens) -> ModelOutput:
        """Score logits and features for a batch of tokens.

        Args:
            tokens: batched Tokens (``collate``), on the model's device.

        Returns:
            ModelOutput(logits (B, num_bins), features (B, embed_dim)).
        """
        features = self.encode(tokens)
        return ModelOutput(logits=self.head(features), features=features)

    def encode_text(self, text: torch.Tensor) -> torch.Tensor:
        """CLIP text features for token ids (B, context_length); needs ``with_text``."""
        if self.text is None:
            raise RuntimeError("this model was built without the text tower (with_text=False)")
        return self.text(text)
