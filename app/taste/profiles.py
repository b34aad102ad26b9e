"""Named tastes in the catalog: learn one, describe it, export it, forget it.

A profile keeps the frames it was learnt from (features and the person's preference
level, not the photos), so learning from another shoot later adds to what it knew, and
forgetting the profile deletes all of it.  Learning a shoot again replaces what the profile
held from that shoot.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from app.catalog import Catalog, TasteExampleRecord, normalize_root
from app.errors import AppError
from app.fileio import atomic_write
from app.photos.formats import is_photo_or_sidecar
from app.taste.dataset import TasteSeries, taste_series
from app.taste.evaluate import RULE, Evaluation, evaluate
from app.taste.learner import TasteModel

DEFAULT_PROFILE = "mine"
EXPORT_FORMAT = "fgaesq-cull-taste/1"


class TasteError(AppError):
    """A taste profile cannot be learnt, read or used; the message says which and why."""


@dataclass(frozen=True)
class LearntTaste:
    name: str
    evaluation: Evaluation
    model: TasteModel

    def describe(self) -> str:
        return self.evaluation.describe(self.name)


def learn_profile(
    catalog: Catalog, name: str, roots: Sequence[str | os.PathLike[str]], learner: str = "linear"
) -> LearntTaste:
    """Learn (or extend) the profile ``name`` from the person's decisions in ``roots``,
    as the catalog holds them (a cull of each folder reads their marks and features)."""
    name = checked_name(name)
    wanted = {normalize_root(root) for root in roots}
    kept = [s for s in stored_series(catalog, name) if s.shoot not in wanted]
    fresh = []
    for root in sorted(wanted):
        views = catalog.series(root)
        ids = [m.photo.id for view in views for m in view.members]
        fresh.extend(taste_series(views, catalog.thumbnails(ids)))
    series = kept + fresh
    if not series:
        raise TasteError(
            f"taste '{name}': no series with your marks in "
            + ", ".join(sorted(wanted))
            + " (a pick, a rating or a reject on a frame of a burst)"
        )
    evaluation, model = evaluate(series, learner)
    catalog.save_taste(name, model.as_json(), evaluation.as_json(), _examples(series))
    return LearntTaste(name, evaluation, model)


def stored_series(catalog: Catalog, name: str) -> list[TasteSeries]:
    """The series a profile was learnt from, rebuilt from its stored examples."""
    grouped: dict[tuple[str, str], list[TasteExampleRecord]] = {}
    for example in catalog.taste_examples(name):
        grouped.setdefault((example.shoot, example.series), []).append(example)
    return [
        TasteSeries(
            shoot=shoot,
            key=key,
            frames=tuple(e.frame for e in rows),
            levels=np.array([e.level for e in rows]),
            features=np.array([e.features for e in rows]),
            marked=tuple(e.decided for e in rows),
        )
        for (shoot, key), rows in grouped.items()
    ]


def _examples(series: Iterable[TasteSeries]) -> list[TasteExampleRecord]:
    return [
        TasteExampleRecord(s.shoot, s.key, frame, float(level), marked, tuple(map(float, x)))
        for s in series
        for frame, level, x, marked in zip(s.frames, s.levels, s.features, s.marked, strict=True)
    ]


def checked_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 100 or any(ord(c) < 32 for c in name):
        raise TasteError(f"{name!r} is not a usable taste profile name")
    return name


def load_taste(catalog: Catalog, name: str) -> LearntTaste:
    """The stored profile ``name``; TasteError when there is none or it cannot be read."""
    record = catalog.taste(name)
    if record is None:
        known = ", ".join(t.name for t in catalog.tastes()) or "none yet"
        raise TasteError(f"there is no taste profile '{name}' (profiles: {known})")
    try:
        return LearntTaste(
            name, Evaluation.from_json(dict(record.evaluation)), TasteModel.from_json(record.model)
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise TasteError(f"taste profile '{name}' cannot be read ({exc})") from None


def export_profile(catalog: Catalog, name: str, target: str | os.PathLike[str]) -> int:
    """Write the profile, its evaluation and the examples it was learnt from as JSON;
    returns how many examples were written."""
    if is_photo_or_sidecar(target):
        raise TasteError(
            f"{target}: a photo or sidecar's name; the profile is never written over one"
        )
    record = catalog.taste(name)
    if record is None:
        raise TasteError(f"there is no taste profile '{name}'")
    examples = catalog.taste_examples(name)
    document = {
        "format": EXPORT_FORMAT,
        "name": record.name,
        "trained_at": record.trained_at.astimezone(UTC).isoformat(),
        "exported_at": datetime.now(UTC).isoformat(),
        "rule": RULE,
        "model": dict(record.model),
        "evaluation": dict(record.evaluation),
        "examples": [
            {
                "shoot": e.shoot,
                "series": e.series,
                "frame": e.frame,
                "level": e.level,
                "decided": e.decided,
                "features": list(e.features),
            }
            for e in examples
        ],
    }
    try:
        atomic_write(Path(target), json.dumps(document, indent=1))
    except OSError as exc:
        raise TasteError(f"cannot write {target}: {exc.strerror or exc}") from None
    return len(examples)


def remove_profile(catalog: Catalog, name: str) -> None:
    """Forget the profile and every example it was learnt from."""
    if not catalog.remove_taste(name):
        raise TasteError(f"there is no taste profile '{name}'")
