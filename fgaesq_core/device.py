"""Device choice and the autocast precision that goes with it."""

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


def autocast_dtype(device: torch.device) -> torch.dtype | None:
    """Mixed precision per device: bf16 on CUDA (fp16 without bf16), fp16 on MPS, none on CPU."""
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device.type == "mps":
        return torch.float16
    return None


def autocast(device: torch.device) -> contextlib.AbstractContextManager:
    """The autocast context for inference on ``device`` (a no-op on the CPU)."""
    dtype = autocast_dtype(device)
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=dtype)
