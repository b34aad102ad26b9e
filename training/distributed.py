"""Process-group setup for ``torchrun`` (one process per GPU, or several on the CPU).

Without ``WORLD_SIZE`` in the environment everything runs as a single process.  CUDA
uses NCCL and pins each process to ``cuda:LOCAL_RANK``; other devices use gloo.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import torch
import torch.distributed as dist

from fgaesq_core.device import resolve_device


@dataclass(frozen=True)
class DistInfo:
    rank: int = 0
    local_rank: int = 0
    world_size: int = 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1


def setup(device_name: str, timeout_min: float = 60.0) -> tuple[DistInfo, torch.device]:
    """Join the process group started by torchrun (if any) and pick this rank's device.

    ``timeout_min`` bounds every collective (a barrier while the main process writes a
    checkpoint, the gathering of evaluation shares).
    """
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    info = DistInfo(
        int(os.environ.get("RANK", "0")), int(os.environ.get("LOCAL_RANK", "0")), world_size
    )
    device = resolve_device(device_name)
    if device.type == "cuda" and device.index is None:
        device = torch.device("cuda", info.local_rank if world_size > 1 else 0)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    if world_size > 1 and not dist.is_initialized():
        dist.init_process_group(
            backend="nccl" if device.type == "cuda" else "gloo",
            timeout=timedelta(minutes=timeout_min),
        )
    return info, device


def teardown() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def barrier() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.barrier()


def gather_objects(obj: Any, info: DistInfo) -> list[Any]:
    """Every rank's ``obj`` (a list with one entry per rank)."""
    if not info.enabled:
        return [obj]
    out: list[Any] = [None] * info.world_size
    dist.all_gather_object(out, obj)
    return out


def broadcast_object(obj: Any, info: DistInfo) -> Any:
    """Rank 0's ``obj`` on every rank."""
    if not info.enabled:
        return obj
    box = [obj]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def mean_over_ranks(value: float, device: torch.device, info: DistInfo) -> float:
    if not info.enabled:
        return value
    tensor = torch.tensor([value], dtype=torch.float64, device=device)
    dist.all_reduce(tensor)
    return float(tensor.item()) / info.world_size
