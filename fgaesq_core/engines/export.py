"""Export of the token-set network to ONNX, once per weights, into the user cache."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from pathlib import Path

import torch
from PIL import Image

from ..model import FGAesQModel
from ..tokens import Tokens, collate
from .network import INPUT_NAMES, OUTPUT_NAME, TokenSetNetwork, network_inputs

#: The ONNX opset exported.
OPSET = 18
#: Bumped whenever the exported graph or its inputs change, so old cache files are not used.
EXPORT_VERSION = 1
#: Weights ids that name their file's content; any other id (``untrained``, ``seeded:0``,
#: a model changed in memory) is keyed by a digest of the parameters themselves.
_CONTENT_IDS = ("fgaesq:", "openai:", "file:")


def cache_dir() -> Path:
    """Where exported graphs live (``FGAESQ_ENGINE_CACHE`` overrides the user cache dir)."""
    override = os.environ.get("FGAESQ_ENGINE_CACHE")
    if override:
        return Path(override)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("fgaesq-cull")) / "engines"


def weights_key(model: FGAesQModel) -> str:
    """The weights part of the cache key: the content-addressed weights id, or a digest."""
    weights_id = str(getattr(model, "weights_id", "untrained"))
    if weights_id.startswith(_CONTENT_IDS):
        return weights_id.replace(":", "-")
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return f"params-{digest.hexdigest()[:16]}"


def export_key(model: FGAesQModel, variant: str = "fp32") -> str:
    """File name of the exported graph: weights, config, opset, export and torch versions."""
    config = json.dumps(model.config.to_dict(), sort_keys=True, default=str).encode()
    parts = f"{OPSET}-{EXPORT_VERSION}-{torch.__version__}-{hashlib.sha256(config).hexdigest()}"
    tail = hashlib.sha256(parts.encode()).hexdigest()[:12]
    return f"{weights_key(model)}-{tail}-{variant}.onnx"


def sample_tokens(model: FGAesQModel, batch: int = 2) -> Tokens:
    """A batch of padded token sets to trace the export with (its values do not matter)."""
    size = 4 * model.config.tokenizer.region_size
    image = Image.new("RGB", (size, size), (128, 96, 64))
    return collate([model.tokenizer.tokenize(image)] * batch)


def export_onnx(model: FGAesQModel, path: Path) -> Path:
    """Write the token-set network of ``model`` (on the CPU, eval mode) to ``path``.

    The batch dimension is dynamic.  TorchScript's exporter is tried first (several times
    faster here than the dynamo exporter, same graph); the dynamo exporter is the fallback
    where the TorchScript exporter is missing or fails.
    """
    network = TokenSetNetwork(model).eval()
    inputs = tuple(network_inputs(model, sample_tokens(model)).values())
    names = {"input_names": list(INPUT_NAMES), "output_names": [OUTPUT_NAME]}

    def write(tmp: str) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                torch.onnx.export(
                    network,
                    inputs,
                    tmp,
                    opset_version=OPSET,
                    dynamo=False,
                    dynamic_axes={n: {0: "batch"} for n in (*INPUT_NAMES, OUTPUT_NAME)},
                    **names,
                )
            except Exception:  # noqa: BLE001 - any TorchScript failure: try the other exporter
                batch = torch.export.Dim("batch", min=1, max=4096)
                torch.onnx.export(
                    network,
                    inputs,
                    tmp,
                    opset_version=OPSET,
                    dynamo=True,
                    dynamic_shapes={n: {0: batch} for n in INPUT_NAMES},
                    **names,
                )

    return _write_atomically(path, write)


def _write_atomically(path: Path, write) -> Path:
    """``write(temporary name)`` then rename to ``path``: a half-written graph is never found
    in the cache, and a failed write leaves nothing behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".onnx", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def cached_onnx(model: FGAesQModel) -> Path:
    """The fp32 ONNX graph of ``model``, exported on first use."""
    path = cache_dir() / export_key(model)
    if not path.is_file():
        export_onnx(model, path)
    return path


def cached_int8(model: FGAesQModel) -> Path:
    """The graph with ONNX Runtime's dynamic int8 quantisation of its weights (MatMul and
    Gemm: the transformer's linear layers), made once from the fp32 graph."""
    source = cached_onnx(model)
    path = source.with_name(source.name.replace("-fp32.onnx", "-int8.onnx"))
    if not path.is_file():
        from onnxruntime.quantization import QuantType, quantize_dynamic

        def write(tmp: str) -> None:
            quantize_dynamic(
                source, tmp, weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul", "Gemm"]
            )

        _write_atomically(path, write)
    return path
