"""torch itself as the engine: always present, every device, fp32 or bf16 / fp16 autocast."""

from __future__ import annotations

import torch

from ..device import autocast, autocast_dtype
from ..model import FGAesQModel
from ..tokens import Tokens


class TorchEngine:
    """Runs the model's own forward (the reference every other engine is tested against)."""

    kind = "torch"

    def __init__(self, model: FGAesQModel, device: torch.device, precision: str = "fp32"):
        autocast_dtype(device, precision)  # validates
        self.model = model
        self.device = device
        self.precision = precision
        self.name = f"torch-{device.type} {precision}"

    @torch.inference_mode()
    def logits(self, tokens: Tokens) -> torch.Tensor:
        """Head logits (B, num_bins) of batched ``tokens`` already on ``device``."""
        was_training = self.model.training  # a model in training is scored in eval mode
        self.model.eval()
        try:
            with autocast(self.device, self.precision):
                return self.model(tokens).logits
        finally:
            self.model.train(was_training)
