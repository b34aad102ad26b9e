"""Device choice and inference precision (fp32, or bf16 / fp16 autocast)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch

from .errors import DeviceUnavailable


@contextlib.contextmanager
def single_thread() -> Iterator[None]:
    """Run torch on one CPU thread inside the block.

    Tokenisation is many small tensor operations; the intra-op thread pool spends more time
    waiting than working on them (measured on shared, loaded cores: 40x slower for a
    256x192 image; the pair SSIM took twice the CPU time on two threads as on one).
    """
    threads = torch.get_num_threads()
    if threads == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend and backend.is_available())


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """Turn ``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"`` into a usable device.

    ``"auto"`` prefers CUDA, then Apple MPS, then the CPU.

    Args:
        device: a name or a torch.device.

    Returns:
        The torch.device.

    Raises:
        DeviceUnavailable: the named device is not present or the name is unknown.
    """
    if isinstance(device, str) and device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise DeviceUnavailable(
            f"unknown device {device!r}; use 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'"
        ) from exc
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise DeviceUnavailable(
                f"device {device!r} requested but CUDA is not available here "
                "(no NVIDIA GPU or a CPU-only PyTorch build); use --device cpu or auto"
            )
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise DeviceUnavailable(
                f"device {device!r} requested but only {torch.cuda.device_count()} CUDA device(s) exist"
            )
    elif dev.type == "mps" and not _mps_available():
        raise DeviceUnavailable(
            f"device {device!r} requested but Apple MPS is not available; use --device cpu or auto"
        )
    elif dev.type not in ("cpu", "cuda", "mps"):
        raise DeviceUnavailable(
            f"unsupported device {device!r}; use 'auto', 'cpu', 'cuda' or 'mps'"
        )
    return dev


#: Values of ``Scorer(precision=...)``: full float32, or bf16 / fp16 autocast.
PRECISIONS = ("fp32", "bf16", "fp16")
_DTYPES = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}


def autocast_dtype(device: torch.device, precision: str = "fp32") -> torch.dtype | None:
    """The autocast dtype of ``precision`` on ``device``; None for full float32.

    Raises:
        ValueError: unknown precision, or bf16 on a CUDA device without bf16 support.
    """
    if precision not in _DTYPES:
        raise ValueError(f"unknown precision {precision!r}; use one of {PRECISIONS}")
    dtype = _DTYPES[precision]
    if dtype is torch.bfloat16 and device.type == "cuda" and not torch.cuda.is_bf16_supported():
        raise ValueError(f"{device} has no bf16 support; use precision 'fp16' or 'fp32'")
    return dtype


def autocast(device: torch.device, precision: str = "fp32") -> contextlib.AbstractContextManager:
    """The autocast context for inference at ``precision`` on ``device`` (fp32: none)."""
    dtype = autocast_dtype(device, precision)
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=dtype)


#: Token sets per forward pass by device type (docs/pipeline.md, "FGAesQ throughput").  On
#: the CPU a ViT-B/16 pass over 512-token sets ran fastest at 2-4 sets and slowest at 8-16,
#: where a layer's activations (6 MB per set in the MLP) stop fitting in the caches; a GPU
#: needs large batches to be kept busy.
BATCH_SIZES = {"cpu": 4, "cuda": 64, "mps": 16}


#: Forward passes left running while the next batch is tokenised, by device type: on CUDA
#: the scores of a pass are read after the next pass is queued (``Scorer._stream_groups``);
#: elsewhere a pass is read at once (the CPU computes both, MPS is not measured).
PASSES_IN_FLIGHT = {"cuda": 1}


def default_batch_size(device: torch.device | str) -> int:
    """The batch size the app scores with on ``device``."""
    return BATCH_SIZES.get(torch.device(device).type, BATCH_SIZES["cpu"])


def attention_kernel(
    device: torch.device | str,
    dtype: torch.dtype,
    batch: int,
    heads: int,
    tokens: int,
    head_dim: int,
) -> str:
    """The scaled_dot_product_attention kernel torch picks for these shapes on ``device``.

    The model's attention (``nn.MultiheadAttention`` without weights, in inference) runs
    through SDPA; torch's own choice function is asked with tensors of the same shapes, so the
    answer is torch's, not a guess.  Returns e.g. ``"FLASH_ATTENTION"``, ``"EFFICIENT_ATTENTION"``
    or ``"MATH"``; ``"unknown"`` where this torch cannot say.
    """
    try:
        from torch.nn.attention import SDPBackend

        q = torch.zeros(batch, heads, tokens, head_dim, device=device, dtype=dtype)
        return SDPBackend(torch._fused_sdp_choice(q, q, q)).name
    except (AttributeError, ImportError, RuntimeError, TypeError, ValueError):
        return "unknown"
