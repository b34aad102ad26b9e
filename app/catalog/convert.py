"""Copy ORM rows into the frozen records the catalog hands out (and PhotoInfo into rows)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import fields
from datetime import datetime
from typing import Any

from app.fileio import disk_path, unescaped_name

from .models import Decision, Move, Photo, Run, Score, Sidecar, SidecarIntent
from .records import (
    DecisionSource,
    DecisionState,
    Flag,
    MoveRecord,
    MoveState,
    PhotoInfo,
    PhotoRecord,
    RunRecord,
    RunStatus,
    ScoreRecord,
    SidecarRecord,
)

# PhotoInfo fields stored as plain columns of the same name.
_PLAIN_FIELDS = tuple(
    f.name for f in fields(PhotoInfo) if f.name not in ("root", "relpath", "companions")
)


def fill_photo(photo: Photo, info: PhotoInfo, now: datetime) -> None:
    for name in _PLAIN_FIELDS:
        setattr(photo, name, getattr(info, name))
    photo.last_seen = now


def photo_record(photo: Photo, with_thumbnail: bool) -> PhotoRecord:
    values = {name: getattr(photo, name) for name in _PLAIN_FIELDS if name != "thumbnail"}
    return PhotoRecord(
        root=photo.root,
        relpath=photo.relpath,
        companions=tuple(f.relpath for f in photo.files),
        thumbnail=photo.thumbnail if with_thumbnail else None,
        id=photo.id,
        first_seen=photo.first_seen,
        last_seen=photo.last_seen,
        **values,
    )


def photo_record_from_row(
    row: Mapping[str, Any], companions: Iterable[str], with_thumbnail: bool
) -> PhotoRecord:
    """The record of a plain ``photos`` row (Core query) and its companion paths."""
    values = {name: row[name] for name in _PLAIN_FIELDS if name != "thumbnail"}
    return PhotoRecord(
        root=row["root"],
        relpath=row["relpath"],
        companions=tuple(companions),
        thumbnail=row["thumbnail"] if with_thumbnail else None,
        id=row["id"],
        first_seen=_utc(row["first_seen"]),
        last_seen=_utc(row["last_seen"]),
        **values,
    )


def _utc(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def decision_state(row: Decision) -> DecisionState:
    return DecisionState(
        flag=Flag(row.flag),
        rating=row.rating,
        label=row.label,
        source=DecisionSource(row.source),
        decided_at=row.decided_at,
    )


def score_record(row: Score) -> ScoreRecord:
    return ScoreRecord(
        photo_id=row.photo_id,
        model=row.model,
        weights_id=row.weights_id,
        score=row.score,
        rank=row.rank,
        series_mode=row.series_mode,
        scored_at=row.scored_at,
    )


def run_record(row: Run) -> RunRecord:
    return RunRecord(
        id=row.id,
        folder=row.folder,
        started_at=row.started_at,
        finished_at=row.finished_at,
        status=RunStatus(row.status),
        options=dict(row.options or {}),
        counts=dict(row.counts or {}),
        error=row.error,
    )


def sidecar_record(row: Sidecar) -> SidecarRecord:
    return SidecarRecord(
        photo_id=row.photo_id,
        relpath=row.relpath,
        size=row.size,
        mtime_ns=row.mtime_ns,
        rating=row.rating,
        label=row.label,
        written=bool(row.written),
        claimed=frozenset(name for name in row.claimed.split(",") if name),
        digest=row.digest,
        created=bool(row.created),
    )


def intent_record(row: SidecarIntent, size: int = 0, mtime_ns: int = 0) -> SidecarRecord:
    """The version an intent announced, as the record of a version this app wrote."""
    return SidecarRecord(
        photo_id=row.photo_id,
        relpath=row.relpath,
        size=size,
        mtime_ns=mtime_ns,
        rating=row.rating,
        label=row.label,
        written=True,
        claimed=frozenset(name for name in row.claimed.split(",") if name),
        digest=row.digest,
        created=bool(row.created),
    )


def move_record(row: Move) -> MoveRecord:
    # The target is looked for on disk, and so is the source's folder; the source's name
    # (gone while the file is moved) is spelled as the target's, which was made from it.
    target = str(disk_path(row.target))
    folder, name = os.path.split(row.source)
    if os.path.basename(target) != os.path.basename(row.target):
        name = unescaped_name(name)
    source = os.path.join(disk_path(folder), name)
    return MoveRecord(
        batch=row.batch,
        dest=row.dest,
        root=row.root,
        photo_id=row.photo_id,
        source=source,
        target=target,
        state=MoveState(row.state),
        recorded_at=row.recorded_at,
        content_hash=row.content_hash,
    )
