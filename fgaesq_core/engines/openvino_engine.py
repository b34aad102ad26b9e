"""OpenVINO as the engine (the ``openvino`` extra): fp32, or bf16 where the CPU has bf16 units.

OpenVINO compiles the exported ONNX graph for the CPU; ``INFERENCE_PRECISION_HINT`` selects
its precision (bf16 runs on AVX-512 BF16 / AMX units; OpenVINO refuses it elsewhere).  The
compiled network is cached in the engine cache, so only the first load compiles.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import torch

from ..model import FGAesQModel
from ..tokens import Tokens
from .export import cache_dir, cached_onnx
from .network import network_inputs

PRECISIONS = ("fp32", "bf16")
_HINTS = {"fp32": "f32", "bf16": "bf16"}


class OpenVinoEngine:
    """Runs the exported token-set network compiled by OpenVINO for the CPU."""

    kind = "openvino"

    def __init__(self, model: FGAesQModel, precision: str = "fp32", threads: int | None = None):
        import openvino

        if precision not in PRECISIONS:
            raise ValueError(f"openvino runs {PRECISIONS}, not {precision!r}")
        self.model = model
        self.device = torch.device("cpu")
        self.precision = precision
        core = openvino.Core()
        # The compiled network is kept beside the exported graph: a later load reads it
        # back instead of compiling again (1.4 CPU-s against 0.26 for the ViT-B/16 in bf16).
        core.set_property({"CACHE_DIR": os.fspath(cache_dir() / "openvino")})
        config = {
            "INFERENCE_PRECISION_HINT": _HINTS[precision],
            "INFERENCE_NUM_THREADS": threads or torch.get_num_threads(),
        }
        self.compiled = core.compile_model(os.fspath(cached_onnx(model)), "CPU", config)
        # Two requests take turns: one pass computes on OpenVINO's threads while the next
        # batch is tokenised in Python (``passes_in_flight``), the other is being filled.
        self._requests = [self.compiled.create_infer_request() for _ in range(2)]
        self._turn = 0
        self.name = f"openvino-cpu {precision}"

    #: Forward passes the Scorer leaves running while it tokenises the next batch.
    passes_in_flight = 1

    def logits(self, tokens: Tokens) -> torch.Tensor:
        return self.start(tokens)()

    def start(self, tokens: Tokens) -> Callable[[], torch.Tensor]:
        """Start a forward pass and return at once; calling the result waits for its logits.

        At most one pass may wait unread when the next one starts (the requests alternate).
        """
        feeds = {k: v.numpy() for k, v in network_inputs(self.model, tokens).items()}
        request = self._requests[self._turn]
        self._turn = 1 - self._turn
        request.wait()  # a pass of an abandoned ranking may still run on it
        request.start_async(feeds)
        output = self.compiled.output(0)

        def logits() -> torch.Tensor:
            request.wait()
            return torch.from_numpy(request.get_tensor(output).data.copy())

        return logits
