"""Grouping thumbnails of generated bursts kept in ``tests/data/grouping`` (``SHOOT.npz``:
``burstN`` thumbnails and ``timesN`` seconds from the burst's first frame), as grouping
items."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from app.grouping import GroupItem

FOLDER = Path(__file__).parent / "data" / "grouping"


def load_shoot(name: str):
    return np.load(FOLDER / f"{name}.npz")


def burst_items(shoot, number: int, start: float = 0.0) -> list[GroupItem]:
    """Burst ``number`` of ``shoot`` from camera "A", its first frame at ``start`` s."""
    times = shoot[f"times{number}"]
    return [
        GroupItem(f"{number}_{k}", "A", start + float(t), thumb)
        for k, (t, thumb) in enumerate(zip(times, shoot[f"burst{number}"], strict=True))
    ]


def series_keys(items, series) -> list[list[str]]:
    return [[items[i].key for i in members] for members in series]
