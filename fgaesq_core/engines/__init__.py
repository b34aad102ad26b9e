"""Inference engines for the token-set network: torch, and ONNX Runtime / OpenVINO extras.

Every engine takes batched ``Tokens`` and returns the head's logits; tokenisation stays in
``fgaesq_core.tokenizer`` and the per-grid positions in ``FGAesQModel.network_inputs``.
``select_engine`` builds the one ``choose`` names (see docs/model.md, "Engines").
"""

from __future__ import annotations

from typing import Protocol

import torch

from ..model import FGAesQModel
from ..tokens import Tokens
from .choice import ENGINES, PRECISIONS, choose, cpu_has_bf16, from_environment, installed
from .torch_engine import TorchEngine

__all__ = [
    "ENGINES",
    "PRECISIONS",
    "Engine",
    "TorchEngine",
    "choose",
    "cpu_has_bf16",
    "installed",
    "select_engine",
]


class Engine(Protocol):
    """What the Scorer runs a forward pass with."""

    kind: str  # "torch", "onnxruntime", "openvino"
    name: str  # what was chosen, e.g. "onnxruntime-cpu int8"
    precision: str
    device: torch.device  # where the batched Tokens must be

    def logits(self, tokens: Tokens) -> torch.Tensor: ...


def select_engine(
    model: FGAesQModel,
    device: torch.device,
    engine: str = "auto",
    precision: str = "auto",
    series_mode: str = "pairwise",
) -> Engine:
    """The engine ``choose(device, engine, precision)`` names, built for ``model``.

    ONNX Runtime and OpenVINO export the network once per weights into the user cache
    (``fgaesq_core.engines.export``); the first load takes seconds to a minute.
    ``FGAESQ_ENGINE`` (``engine[:precision]``) replaces ``"auto"`` arguments.
    """
    kind, chosen = choose(device, *from_environment(engine, precision), series_mode)
    if kind == "onnxruntime":
        from .onnxruntime_engine import OnnxRuntimeEngine

        return OnnxRuntimeEngine(model.cpu().eval(), chosen)
    if kind == "openvino":
        from .openvino_engine import OpenVinoEngine

        return OpenVinoEngine(model.cpu().eval(), chosen)
    return TorchEngine(model, device, chosen)
