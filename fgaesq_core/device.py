"""Device choice and inference precision (fp32, or bf16 / fp16 autocast)."""

from __future__ import annotations

import contextlib

import torch

from .errors import DeviceUnavailable


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
