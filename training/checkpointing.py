"""Run checkpoints: the model in fgaesq_core's project format plus the training state.

A checkpoint is a folder::

    model.safetensors   fgaesq_core.save_checkpoint (loads in load_model / fgaesq-cull --weights)
    state.pt            optimisers, schedulers, counters, data positions, RNG of every rank
    config.yaml         the resolved training config
    run.json            seed, code version, step, world size, metrics when evaluated

``state.pt`` holds only tensors, numbers, strings, lists and dicts, so it loads with
``torch.load(weights_only=True)``.  Folders are written under a temporary name and
swapped in, so an interrupted write never replaces the previous checkpoint.
"""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import torch

from fgaesq_core.checkpoint import save_checkpoint
from training.config import TrainConfig, save_config

MODEL_FILE = "model.safetensors"
STATE_FILE = "state.pt"


def capture_rng() -> dict[str, Any]:
    """This process's RNG states in a ``weights_only``-loadable form."""
    np_state = np.random.get_state()
    state: dict[str, Any] = {
        "python": json.dumps(random.getstate()),
        "numpy": {
            "keys": torch.from_numpy(np_state[1].astype(np.int64)),
            "pos": int(np_state[2]),
            "has_gauss": int(np_state[3]),
            "cached": float(np_state[4]),
        },
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state()
    return state


def restore_rng(state: dict[str, Any]) -> None:
    python = json.loads(state["python"])
    random.setstate((python[0], tuple(python[1]), python[2]))
    numpy = state["numpy"]
    np.random.set_state(
        (
            "MT19937",
            numpy["keys"].numpy().astype(np.uint32),
            numpy["pos"],
            numpy["has_gauss"],
            numpy["cached"],
        )
    )
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state(state["cuda"])


def write_checkpoint(
    folder: Path,
    model: torch.nn.Module,
    state: dict[str, Any] | None,
    config: TrainConfig,
    run_info: dict[str, Any],
) -> Path:
    """Write a checkpoint folder atomically; ``state`` None writes a model-only folder."""
    folder = Path(folder)
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    save_checkpoint(model, partial / MODEL_FILE)
    if state is not None:
        torch.save(state, partial / STATE_FILE)
    save_config(config, partial / "config.yaml")
    (partial / "run.json").write_text(json.dumps(run_info, indent=2), encoding="utf-8")
    for path in partial.iterdir():
        path.chmod(file_mode())  # safetensors writes 0600; a run's files are shared as usual
    old = folder.with_name(folder.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        folder.rename(old)
    partial.rename(folder)
    shutil.rmtree(old, ignore_errors=True)
    return folder


def file_mode() -> int:
    """The mode a new file gets from the process's umask (0644 under the usual 022)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def find_resumable(folder: Path) -> Path | None:
    """The newest complete checkpoint folder (``last``, or ``last.old`` after a cut swap)."""
    for candidate in (folder, folder.with_name(folder.name + ".old")):
        if (candidate / STATE_FILE).is_file() and (candidate / MODEL_FILE).is_file():
            return candidate
    return None


def read_state(folder: Path) -> dict[str, Any]:
    return torch.load(Path(folder) / STATE_FILE, map_location="cpu", weights_only=True)
