"""The token-set network as a plain tensor program: what an inference engine exports."""

from __future__ import annotations

import torch
from torch import nn

from ..model import FGAesQModel
from ..tokens import Tokens

#: Names of the exported graph's inputs and output, in ``TokenSetNetwork.forward`` order.
INPUT_NAMES = ("patches", "scale_ids", "padding", "positions")
OUTPUT_NAME = "logits"


class TokenSetNetwork(nn.Module):
    """``FGAesQModel``'s forward from ``network_inputs`` to the head's logits.

    Tokenisation and the per-grid positional interpolation stay in torch (one code path,
    ``FGAesQModel.network_inputs``); only this part runs in an engine.  The batch is the
    only dynamic dimension: every token set is padded to the budget.
    """

    def __init__(self, model: FGAesQModel) -> None:
        super().__init__()
        self.model = model

    def forward(
        self,
        patches: torch.Tensor,
        scale_ids: torch.Tensor,
        padding: torch.Tensor,
        positions: torch.Tensor,
    ) -> torch.Tensor:
        model = self.model
        embedded = model.embed_tensors(patches, scale_ids, padding, positions)
        return model.head(model.encode_embedded(embedded))


@torch.no_grad()
def network_inputs(model: FGAesQModel, tokens: Tokens) -> dict[str, torch.Tensor]:
    """The named float32 / int64 / bool inputs of the exported graph for batched ``tokens``."""
    patches, scale_ids, padding, positions = model.network_inputs(tokens)
    return {
        "patches": patches.float().contiguous(),
        "scale_ids": scale_ids.long().contiguous(),
        "padding": padding.bool().contiguous(),
        "positions": positions.float().contiguous(),
    }
