"""ONNX Runtime as the engine (the ``onnx`` extra): fp32, or int8 dynamic quantisation.

The execution provider is the best one installed: CoreML on macOS (onnxruntime's macOS
wheels include it), DirectML on Windows (the ``onnxruntime-directml`` package), otherwise
the CPU.  The CoreML and DirectML paths are written from ONNX Runtime's documentation and
have not been run: no such machine was available.
"""

from __future__ import annotations

import os

import torch

from ..model import FGAesQModel
from ..tokens import Tokens
from .export import cached_int8, cached_onnx
from .network import OUTPUT_NAME, network_inputs

PRECISIONS = ("fp32", "int8")
#: Accelerated providers by preference, with the short name the engine is reported under.
_PROVIDERS = {
    "CoreMLExecutionProvider": "coreml",
    "DmlExecutionProvider": "directml",
}


def provider() -> tuple[str, str]:
    """(ONNX Runtime provider, short name) this machine will use."""
    import onnxruntime

    available = onnxruntime.get_available_providers()
    for name, short in _PROVIDERS.items():
        if name in available:
            return name, short
    return "CPUExecutionProvider", "cpu"


class OnnxRuntimeEngine:
    """Runs the exported token-set network in an ONNX Runtime session (inputs on the CPU)."""

    kind = "onnxruntime"

    def __init__(self, model: FGAesQModel, precision: str = "fp32", threads: int | None = None):
        import onnxruntime

        if precision not in PRECISIONS:
            raise ValueError(f"onnxruntime runs {PRECISIONS}, not {precision!r}")
        self.model = model
        self.device = torch.device("cpu")
        self.precision = precision
        path = cached_int8(model) if precision == "int8" else cached_onnx(model)
        chosen, short = provider()
        options = onnxruntime.SessionOptions()
        # torch's thread count is what the rest of the scorer was told to use
        options.intra_op_num_threads = threads or torch.get_num_threads()
        options.inter_op_num_threads = 1
        # no busy-waiting between passes: the same cores tokenise the next batch meanwhile
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        providers = (
            [chosen, "CPUExecutionProvider"] if chosen != "CPUExecutionProvider" else [chosen]
        )
        if short == "directml":  # DirectML needs sequential execution without memory patterns
            options.enable_mem_pattern = False
            options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        self.session = onnxruntime.InferenceSession(os.fspath(path), options, providers=providers)
        self.name = f"onnxruntime-{short} {precision}"

    def logits(self, tokens: Tokens) -> torch.Tensor:
        feeds = {k: v.numpy() for k, v in network_inputs(self.model, tokens).items()}
        return torch.from_numpy(self.session.run([OUTPUT_NAME], feeds)[0])
