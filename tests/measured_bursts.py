"""Measured bursts kept as numbers (``tests/data/scoring/NAME.npz``): each frame's
:class:`FrameMeasures` field by field, so a burst judgement can be tested on frames of a
shoot too large to keep, without keeping their pixels or anything executable."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from app.scoring.frame_measures import FrameMeasures

FOLDER = Path(__file__).parent / "data" / "scoring"


def save_burst(path: Path, frames: list[FrameMeasures], isos: list[int | None]) -> None:
    """Write ``frames`` (and the camera's ISO per frame, 0 where none) to ``path``."""
    arrays = {"isos": np.array([iso or 0 for iso in isos])}
    for k, frame in enumerate(frames):
        for field in dataclasses.fields(FrameMeasures):
            value = getattr(frame, field.name)
            if value is not None:
                arrays[f"{k}.{field.name}"] = np.asarray(value)
    np.savez_compressed(path, **arrays)


def load_burst(name: str) -> tuple[list[FrameMeasures], list[int | None]]:
    """The frames and ISOs :func:`save_burst` wrote as ``FOLDER/NAME.npz``."""
    with np.load(FOLDER / f"{name}.npz", allow_pickle=False) as data:
        isos = [int(iso) or None for iso in data["isos"]]
        frames = []
        for k in range(len(isos)):
            values = {}
            for field in dataclasses.fields(FrameMeasures):
                key = f"{k}.{field.name}"
                if key not in data:
                    continue
                value = data[key]
                if value.ndim == 0:
                    value = value.item()
                elif field.name in ("grid_steps", "shape", "patch_origin"):
                    value = tuple(value.tolist())
                values[field.name] = value
            frames.append(FrameMeasures(**values))
    return frames, isos
