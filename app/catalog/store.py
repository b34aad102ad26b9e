"""The Catalog: the one way anything reads or writes the SQLite database.

Threads: one ``Catalog`` may be shared by all threads, and any number of ``Catalog`` objects
may be open on one file: they share the process's one set of connections to it
(``connection.py`` says why that matters for SQLite's locks).  Every public method opens its
own short session and transaction, so a GUI thread can read while a worker thread writes.
Methods return frozen dataclasses from ``records.py``, never live ORM objects.

Crash safety: each method is one transaction (one unit of work).  A run that was left
``running`` by a process that no longer exists is marked ``interrupted`` at the next open.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path, PurePath
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload, undefer

from app.exact_copies import same_photo_keys
from app.fileio import storable_name

from . import connection, convert
from .connection import DEFAULT_BUSY_TIMEOUT_S
from .errors import CatalogError
from .models import (
    Decision,
    FaceRow,
    KindOverride,
    Move,
    Photo,
    PhotoFile,
    Run,
    Score,
    Series,
    SeriesMembership,
    Sidecar,
    SidecarIntent,
    TasteExample,
    TasteProfile,
    utc_now,
)
from .paths import default_catalog_path, normalize_relpath, normalize_root
from .process import process_alive
from .records import (
    MAX_RATING,
    MIN_RATING,
    UNDECIDED,
    DecisionSource,
    DecisionState,
    FaceRecord,
    Flag,
    MoveRecord,
    MoveState,
    PhotoInfo,
    PhotoRecord,
    RunRecord,
    RunStatus,
    ScoreRecord,
    SeriesMember,
    SeriesView,
    SidecarRecord,
    StoredGrouping,
    TasteExampleRecord,
    TasteRecord,
)
from .schema import upgrade

_IN_CHUNK = 500


# Versions announced per sidecar that are remembered: far more than writes that can overlap.
SIDECAR_INTENTS_KEPT = 16


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()
"""Marks a ``set_decision`` argument that keeps its current value."""


class Catalog:
    """An open catalog file.  Use as a context manager or call ``close()``.

    Args:
        path: the SQLite file; created (with its folder) when missing.
        busy_timeout_s: how long a write waits for another process's lock before
            CatalogError is raised.
        check_integrity: run ``PRAGMA integrity_check`` on an existing file at open.

    Raises:
        CatalogError: the file is locked, damaged, not a catalog, or from a newer version.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S,
        check_integrity: bool = True,
    ) -> None:
        self.path = Path(path).expanduser().absolute()
        self._connections: connection.CatalogConnections | None = None
        try:
            existed = self.path.stat().st_size > 0
        except FileNotFoundError:
            existed = False
        except OSError as error:
            raise CatalogError(self.path, f"cannot read the file ({error})") from error
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise CatalogError(self.path, f"cannot create its folder ({error})") from error
        self._connections = connection.acquire(self.path, busy_timeout_s)
        try:
            if existed and check_integrity:
                self._connections.check_integrity()
            with self._write() as session:
                upgrade(session.connection(), self.path)
                self._mark_dead_runs_interrupted(session)
        except BaseException:
            self.close()
            raise

    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None, **options: Any) -> Catalog:
        """Open ``path``, or the per-user default catalog when ``path`` is None."""
        return cls(default_catalog_path() if path is None else path, **options)

    def close(self) -> None:
        """Give back this object's share of the file's connections (idempotent)."""
        shared, self._connections = self._connections, None
        if shared is not None:
            connection.release(shared)

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Catalog({str(self.path)!r})"

    # -- connections -----------------------------------------------------------------

    def _open_connections(self) -> connection.CatalogConnections:
        if self._connections is None:
            raise CatalogError(self.path, "the catalog was closed")
        return self._connections

    @contextmanager
    def _write(self) -> Iterator[Session]:
        with self._open_connections().write() as session:
            yield session

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with self._open_connections().read() as session:
            yield session

    def _mark_dead_runs_interrupted(self, session: Session) -> None:
        host = socket.gethostname()
        for run in session.scalars(select(Run).where(Run.status == RunStatus.RUNNING.value)):
            same_host = run.host in (None, host)
            if same_host and not (run.pid is not None and process_alive(run.pid)):
                run.status = RunStatus.INTERRUPTED.value
                run.finished_at = run.finished_at or utc_now()

    # -- photos ----------------------------------------------------------------------

    def upsert_photo(self, info: PhotoInfo) -> int:
        """Insert or update the photo at ``(info.root, info.relpath)``; returns its id.

        Every field is written as given (``decode_error=None`` clears an old error) and
        ``last_seen`` is set to now.  Scores and decisions of an existing row are kept.
        """
        return self.upsert_photos([info])[0]

    def upsert_photos(self, infos: Sequence[PhotoInfo]) -> list[int]:
        """``upsert_photo`` for many photos in one transaction: one query and one flush."""
        keys = [(normalize_root(i.root), normalize_relpath(i.relpath)) for i in infos]
        with self._write() as session:
            existing = _photos_at(session, keys)
            now = utc_now()
            photos = []
            for key, info in zip(keys, infos, strict=True):
                photo = existing.get(key)
                if photo is None:
                    photo = Photo(root=key[0], relpath=key[1], first_seen=now, files=[])
                    session.add(photo)
                    existing[key] = photo
                convert.fill_photo(photo, info, now)
                _set_companions(photo, info.companions)
                photos.append(photo)
            session.flush()
            return [photo.id for photo in photos]

    def record_error(
        self,
        root: str | PurePath,
        relpath: str | PurePath,
        error: str,
        *,
        size: int | None = None,
        mtime_ns: int | None = None,
    ) -> int:
        """Remember that a file could not be read, so an unchanged rerun skips it; returns its id.

        Size and mtime default to the file's current ``stat`` (or -1 when it cannot be
        read, so the file is retried next time).
        """
        root, relpath = normalize_root(root), normalize_relpath(relpath)
        if size is None or mtime_ns is None:
            try:
                stat = (Path(root) / relpath).stat()
                size, mtime_ns = stat.st_size, stat.st_mtime_ns
            except OSError:
                size, mtime_ns = -1, -1
        with self._write() as session:
            photo = session.scalar(
                select(Photo).where(Photo.root == root, Photo.relpath == relpath)
            )
            now = utc_now()
            if photo is None:
                photo = Photo(root=root, relpath=relpath, first_seen=now)
                session.add(photo)
            photo.size, photo.mtime_ns, photo.decode_error, photo.last_seen = (
                size,
                mtime_ns,
                error,
                now,
            )
            session.flush()
            return photo.id

    def photo(self, photo_id: int, *, with_thumbnail: bool = False) -> PhotoRecord | None:
        with self._read() as session:
            photo = session.scalar(_photo_query(with_thumbnail).where(Photo.id == photo_id))
            return None if photo is None else convert.photo_record(photo, with_thumbnail)

    def photo_by_path(
        self, root: str | PurePath, relpath: str | PurePath, *, with_thumbnail: bool = False
    ) -> PhotoRecord | None:
        root, relpath = normalize_root(root), normalize_relpath(relpath)
        with self._read() as session:
            photo = session.scalar(
                _photo_query(with_thumbnail).where(Photo.root == root, Photo.relpath == relpath)
            )
            return None if photo is None else convert.photo_record(photo, with_thumbnail)

    def find_by_hash(
        self, content_hash: str, *, root: str | PurePath | None = None
    ) -> list[PhotoRecord]:
        """Every photo with this content hash (a moved, renamed or copied file), newest first."""
        query = _photo_query(False).where(Photo.content_hash == content_hash)
        if root is not None:
            query = query.where(Photo.root == normalize_root(root))
        with self._read() as session:
            photos = session.scalars(query.order_by(Photo.last_seen.desc(), Photo.id.desc()))
            return [convert.photo_record(p, False) for p in photos]

    def known_hashes(self, content_hashes: Iterable[str]) -> set[str]:
        """Which of these content hashes the catalog holds: one query per 500, so a new
        folder needs no per-file look-up to rule out moved photos."""
        return self._held(Photo.content_hash, content_hashes)

    def same_photo_keys(self, photo_ids: Iterable[int]) -> dict[int, frozenset[str]]:
        """``{photo_id: app.exact_copies.same_photo_keys}`` (unknown ids are absent)."""
        columns = [
            Photo.id,
            Photo.content_hash,
            Photo.companion_hash,
            Photo.capture_time,
            Photo.capture_time_source,
            Photo.camera_make,
            Photo.camera_model,
            Photo.camera_serial,
        ]
        found: dict[int, frozenset[str]] = {}
        with self._read() as session:
            for chunk in _chunks(list(photo_ids)):
                rows = session.execute(select(*columns).where(Photo.id.in_(chunk)))
                found.update((row.id, same_photo_keys(row)) for row in rows)
        return found

    def set_companion_hashes(
        self, hashes: Mapping[int, tuple[str | None, tuple[int, int] | None]]
    ) -> None:
        """Store the content hash of these photos' first companion with its size and time
        (``{photo_id: (hash, (size, mtime_ns))}``: photos catalogued before they were kept,
        whose files are unchanged, so nothing else is written again)."""
        if not hashes:
            return
        with self._write() as session:
            for photo_id, (digest, stat) in hashes.items():
                size, mtime_ns = stat or (None, None)
                session.execute(
                    update(Photo)
                    .where(Photo.id == photo_id)
                    .values(companion_hash=digest, companion_size=size, companion_mtime_ns=mtime_ns)
                )

    def known_sizes(self, sizes: Iterable[int]) -> set[int]:
        """Which of these file sizes some catalogued photo has: a file of any other size
        cannot be one that moved (its content hash covers its size), so it needs no hash
        before it is read."""
        return self._held(Photo.size, sizes)

    def _held(self, column, values: Iterable) -> set:
        """Which of ``values`` some photo has in ``column``, one query per ``_IN_CHUNK``."""
        found: set = set()
        with self._read() as session:
            for chunk in _chunks(sorted(set(values))):
                found.update(session.scalars(select(column).where(column.in_(chunk))))
        return found

    def photos(self, root: str | PurePath, *, with_thumbnails: bool = False) -> list[PhotoRecord]:
        """All photos of a folder, in path order."""
        with self._read() as session:
            return _photo_records(session, Photo.root == normalize_root(root), with_thumbnails)

    def thumbnails(self, photo_ids: Iterable[int]) -> dict[int, bytes]:
        """The stored grouping thumbnails of these photos (photos without one are absent)."""
        found: dict[int, bytes] = {}
        with self._read() as session:
            for chunk in _chunks(list(photo_ids)):
                query = select(Photo.id, Photo.thumbnail).where(
                    Photo.id.in_(chunk), Photo.thumbnail.is_not(None)
                )
                for photo_id, data in session.execute(query):
                    found[photo_id] = data
        return found

    def roots(self) -> list[str]:
        """Every folder the catalog knows, sorted."""
        with self._read() as session:
            return list(session.scalars(select(Photo.root).distinct().order_by(Photo.root)))

    def unchanged(
        self, root: str | PurePath, relpath: str | PurePath, size: int, mtime_ns: int
    ) -> PhotoRecord | None:
        """The cached photo (thumbnail included) when size and mtime still match, else None."""
        record = self.photo_by_path(root, relpath, with_thumbnail=True)
        if record is None or record.size != size or record.mtime_ns != mtime_ns:
            return None
        return record

    def move_photo(
        self,
        photo_id: int,
        new_relpath: str | PurePath,
        *,
        new_root: str | PurePath | None = None,
        companions: Sequence[str | PurePath] | None = None,
        sidecars: Mapping[str, str] | None = None,
    ) -> PhotoRecord:
        """Point a photo at its new place, keeping its scores, decisions and series.

        ``companions`` replaces the other files' paths (relative to the new root); None keeps
        them.  ``sidecars`` maps the old relative paths of its sidecars to the new ones, so
        the record of what this app wrote (and of what it was about to write) moves with the
        files.
        Raises CatalogError when another photo is already recorded at the new path.
        """
        with self._write() as session:
            photo = session.scalar(_photo_query(False).where(Photo.id == photo_id))
            if photo is None:
                raise KeyError(f"no photo with id {photo_id} in {self.path}")
            root = photo.root if new_root is None else normalize_root(new_root)
            relpath = normalize_relpath(new_relpath)
            taken = session.scalar(
                select(Photo.id).where(
                    Photo.root == root, Photo.relpath == relpath, Photo.id != photo_id
                )
            )
            if taken is not None:
                raise CatalogError(
                    self.path,
                    f"cannot move photo {photo_id} to {root}/{relpath}: photo {taken} is "
                    "already recorded there",
                )
            photo.root, photo.relpath = root, relpath
            if companions is not None:
                _set_companions(photo, companions)
            for old, new in (sidecars or {}).items():
                row = session.scalar(
                    select(Sidecar).where(
                        Sidecar.photo_id == photo_id, Sidecar.relpath == normalize_relpath(old)
                    )
                )
                if row is not None:
                    row.relpath = normalize_relpath(new)
                session.execute(  # a version known only by its intent stays this app's
                    update(SidecarIntent)
                    .where(
                        SidecarIntent.photo_id == photo_id,
                        SidecarIntent.relpath == normalize_relpath(old),
                    )
                    .values(relpath=normalize_relpath(new))
                )
            session.flush()
            return convert.photo_record(photo, False)

    # -- series and scores -------------------------------------------------------------

    def replace_series(
        self,
        root: str | PurePath,
        groups: Sequence[Sequence[int]],
        params: Mapping[str, Any],
        kinds: Sequence[tuple[str, str]] | None = None,
        first_ordinal: int = 0,
        previous: Iterable[Sequence[int]] | None = None,
    ) -> list[int]:
        """Replace the folder's series with ``groups`` (photo ids in capture order).

        ``params`` records the grouping parameters; ``kinds`` gives each series' kind and
        the reason for it.  A kind the photographer set for exactly the same photos wins.
        With ``first_ordinal``, the series before it stay (a run grouped part by part).
        The scores of a series whose photos changed are dropped, every model's: a series is
        scored within its own frames (the technical scorer's burst judgement, FGAesQ's
        series modes), so another series' scores would rank it, and tell its confidence,
        from frames it no longer has.  Changed against ``previous`` (photo ids per series:
        the folder's series before a run that stores its series part by part began), else
        against the series this call replaces.  Returns the new series ids in order.
        """
        root = normalize_root(root)
        now = utc_now()
        with self._write() as session:
            overrides = {
                members: kind
                for members, kind in session.execute(
                    select(KindOverride.members, KindOverride.kind).where(KindOverride.root == root)
                )
            }
            if previous is None:
                previous = _series_members(session, root, first_ordinal)
            unchanged = {_members_key(members) for members in previous}
            regrouped = [
                pid for group in groups if _members_key(group) not in unchanged for pid in group
            ]
            for chunk in _chunks(regrouped):
                session.execute(delete(Score).where(Score.photo_id.in_(chunk)))
            session.execute(
                delete(Series).where(Series.root == root, Series.ordinal >= first_ordinal)
            )
            ids = []
            for number, group in enumerate(groups):
                ordinal = first_ordinal + number
                kind, reason = kinds[number] if kinds is not None else ("burst", "")
                chosen = overrides.get(_members_key(group))
                series = Series(
                    root=root,
                    ordinal=ordinal,
                    params=dict(params),
                    created_at=now,
                    kind=chosen or kind,
                    kind_reason="set by you" if chosen else reason,
                    kind_source="user" if chosen else "auto",
                )
                session.add(series)
                session.flush()
                session.add_all(
                    SeriesMembership(series_id=series.id, photo_id=pid, position=pos)
                    for pos, pid in enumerate(group)
                )
                ids.append(series.id)
            session.flush()
            return ids

    def set_series_kind(self, series_id: int, kind: str) -> None:
        """The photographer's kind for a series; kept for this set of photos across regroupings."""
        self.restore_series_kind(series_id, kind, "user", "set by you")

    def restore_series_kind(self, series_id: int, kind: str, source: str, reason: str) -> None:
        """A series' kind with who set it and why.  The photographer's (``user``) holds for
        this set of photos across regroupings; a kind the cull told (``auto``, put back by
        undo) goes back to the cull, with its reason, and no longer holds."""
        with self._write() as session:
            series = session.get(Series, series_id)
            if series is None:
                raise KeyError(f"no series with id {series_id} in {self.path}")
            members = session.scalars(
                select(SeriesMembership.photo_id).where(SeriesMembership.series_id == series_id)
            ).all()
            key = _members_key(members)
            series.kind, series.kind_reason, series.kind_source = kind, reason, source
            session.execute(
                delete(KindOverride).where(
                    KindOverride.root == series.root, KindOverride.members == key
                )
            )
            if source == "user":
                session.add(
                    KindOverride(root=series.root, members=key, kind=kind, set_at=utc_now())
                )

    def grouping(self, root: str | PurePath) -> StoredGrouping:
        """The folder's current grouping (parameters, series ids, kinds, photo ids per series
        in order), without loading photos, scores or decisions; empty when never grouped."""
        with self._read() as session:
            rows = session.execute(
                select(
                    Series.id,
                    Series.params,
                    Series.kind,
                    Series.kind_reason,
                    SeriesMembership.photo_id,
                )
                .join(SeriesMembership, SeriesMembership.series_id == Series.id)
                .where(Series.root == normalize_root(root))
                .order_by(Series.ordinal, SeriesMembership.position)
            ).all()
        found = StoredGrouping()
        for series_id, series_params, kind, reason, photo_id in rows:
            if not found.ids or found.ids[-1] != series_id:
                found.ids.append(series_id)
                found.groups.append([])
                found.kinds.append((kind or "burst", reason or ""))
                found.params = dict(series_params or {})
            found.groups[-1].append(photo_id)
        return found

    def series(
        self,
        root: str | PurePath,
        *,
        model: str | None = None,
        weights_id: str | None = None,
        with_thumbnails: bool = False,
    ) -> list[SeriesView]:
        """The folder's series with members, scores and current decisions.

        Scores come from ``model``/``weights_id`` when given, else each photo's newest score.
        """
        with self._read() as session:
            rows = session.execute(
                select(Series, SeriesMembership.photo_id, SeriesMembership.position)
                .join(SeriesMembership, SeriesMembership.series_id == Series.id)
                .where(Series.root == normalize_root(root))
                .order_by(Series.ordinal, SeriesMembership.position)
            ).all()
            photo_ids = [photo_id for _s, photo_id, _p in rows]
            photos = {
                p.id: p
                for chunk in _chunks(photo_ids)
                for p in _photo_records(session, Photo.id.in_(chunk), with_thumbnails)
            }
            scores = _newest_scores(session, photo_ids, model, weights_id)
            decisions = _current_decisions(session, photo_ids)
            faces = _faces(session, [p for p in photo_ids if photos[p].faces_checked])
        grouped: dict[int, tuple[Series, list[SeriesMember]]] = {}
        for series, photo_id, position in rows:
            score = scores.get(photo_id)
            member = SeriesMember(
                photo=photos[photo_id],
                position=position,
                score=None if score is None else score.score,
                rank=None if score is None else score.rank,
                decision=decisions.get(photo_id, UNDECIDED),
                faces=faces.get(photo_id),
            )
            grouped.setdefault(series.id, (series, []))[1].append(member)
        return [
            SeriesView(
                id=s.id,
                root=s.root,
                ordinal=s.ordinal,
                params=dict(s.params),
                created_at=s.created_at,
                members=tuple(members),
                pick_reason=s.pick_reason,
                kind=s.kind or "burst",
                kind_reason=s.kind_reason or "",
                kind_source=s.kind_source or "auto",
                scorer=_one_model([scores.get(m.photo.id) for m in members]),
            )
            for s, members in grouped.values()
        ]

    def set_scores(
        self,
        model: str,
        weights_id: str,
        scores: Mapping[int, tuple[float, int | None]],
        *,
        series_mode: str | None = None,
    ) -> None:
        """Store ``{photo_id: (score, rank within series)}`` for one model and weights."""
        if not scores:
            return
        now = utc_now()
        rows = [
            {
                "photo_id": photo_id,
                "model": model,
                "weights_id": weights_id,
                "score": float(score),
                "rank": rank,
                "series_mode": series_mode,
                "scored_at": now,
            }
            for photo_id, (score, rank) in scores.items()
        ]
        statement = sqlite_insert(Score)
        statement = statement.on_conflict_do_update(
            index_elements=[Score.photo_id, Score.model, Score.weights_id],
            set_={
                name: statement.excluded[name]
                for name in ("score", "rank", "series_mode", "scored_at")
            },
        )
        with self._write() as session:
            session.execute(statement, rows)

    def scores(
        self, photo_ids: Iterable[int], model: str | None, weights_id: str | None
    ) -> dict[int, ScoreRecord]:
        """Stored scores of these photos for one model and weights, or (None) each photo's
        newest score of any model; photos without one are absent."""
        with self._read() as session:
            return _newest_scores(session, list(photo_ids), model, weights_id)

    def set_whys(self, model: str, weights_id: str, whys: Mapping[int, dict | None]) -> None:
        """Store why each pick beat its runner-up (``{pick photo_id: Why JSON or None}``) on
        the pick's score of this model and weights (see ``app.scoring.why``)."""
        if not whys:
            return
        with self._write() as session:
            table = Score.__table__
            session.execute(
                update(table)
                .where(
                    (table.c.photo_id == bindparam("pid"))
                    & (table.c.model == model)
                    & (table.c.weights_id == weights_id)
                )
                .values(why=bindparam("why")),
                [{"pid": k, "why": v} for k, v in whys.items()],
            )

    def whys(
        self, photo_ids: Iterable[int], model: str | None = None, weights_id: str | None = None
    ) -> dict[int, dict]:
        """The stored explanations on these photos' newest scores (of this model and weights);
        photos without one are absent."""
        found: dict[int, dict] = {}
        with self._read() as session:
            for chunk in _chunks(list(photo_ids)):
                query = select(Score.photo_id, Score.why).where(Score.photo_id.in_(chunk))
                if model is not None:
                    query = query.where(Score.model == model)
                if weights_id is not None:
                    query = query.where(Score.weights_id == weights_id)
                for photo_id, why in session.execute(query.order_by(Score.scored_at, Score.id)):
                    if why is None:
                        found.pop(photo_id, None)
                    else:
                        found[photo_id] = why
        return found

    def set_pick_reasons(self, reasons: Mapping[int, str]) -> None:
        """Record why each series' pick is its pick (``{series_id: reason}``), in one go."""
        if not reasons:
            return
        with self._write() as session:
            table = Series.__table__
            session.execute(
                update(table)
                .where(table.c.id == bindparam("sid"))
                .values(pick_reason=bindparam("reason")),
                [{"sid": k, "reason": v} for k, v in reasons.items()],
            )

    # -- faces ---------------------------------------------------------------------------

    def set_faces(self, found: Mapping[int, Sequence[FaceRecord]], version: int) -> None:
        """Replace the faces of these photos and mark them analysed by ``version``."""
        if not found:
            return
        with self._write() as session:
            ids = list(found)
            for chunk in _chunks(ids):
                session.execute(delete(FaceRow).where(FaceRow.photo_id.in_(chunk)))
            for photo_id, faces in found.items():
                photo = session.get(Photo, photo_id)
                if photo is None:
                    continue
                photo.faces_checked = version
                session.add_all(
                    FaceRow(
                        photo_id=photo_id,
                        position=position,
                        x=face.box[0],
                        y=face.box[1],
                        w=face.box[2],
                        h=face.box[3],
                        eyes=face.eyes,
                        confidence=face.confidence,
                        sharpness=face.sharpness,
                        yaw=face.yaw,
                        pitch=face.pitch,
                    )
                    for position, face in enumerate(faces)
                )

    def faces(
        self, photo_ids: Iterable[int], min_version: int = 1
    ) -> dict[int, tuple[FaceRecord, ...]]:
        """The faces of the photos that were analysed, by ``min_version`` of the analysis or a
        later one (others are absent: an older analysis is done again), in found order."""
        with self._read() as session:
            ids = list(photo_ids)
            checked = [
                pid
                for chunk in _chunks(ids)
                for pid in session.scalars(
                    select(Photo.id).where(Photo.id.in_(chunk), Photo.faces_checked >= min_version)
                )
            ]
            return _faces(session, checked)

    # -- decisions -----------------------------------------------------------------------

    def decision(self, photo_id: int) -> DecisionState:
        """The photo's current decision (``UNDECIDED`` when none was made)."""
        with self._read() as session:
            return _current_decisions(session, [photo_id]).get(photo_id, UNDECIDED)

    def decisions(self, photo_ids: Iterable[int]) -> dict[int, DecisionState]:
        with self._read() as session:
            ids = list(photo_ids)
            found = _current_decisions(session, ids)
        return {pid: found.get(pid, UNDECIDED) for pid in ids}

    def set_decision(
        self,
        photo_id: int,
        *,
        flag: Flag | str = UNSET,
        rating: int = UNSET,
        label: str | None = UNSET,
        source: DecisionSource | str = DecisionSource.AUTO,
    ) -> DecisionState:
        """Change some marks of a photo and return the state before (for undo).

        Arguments left out keep their value.  An automatic decision never replaces a user
        decision: it is ignored until the user clears theirs (``clear_user_decision``).
        """
        source = DecisionSource(source)
        with self._write() as session:
            previous = _current_decisions(session, [photo_id]).get(photo_id, UNDECIDED)
            if source is DecisionSource.AUTO and previous.is_user:
                return previous
            wanted = DecisionState(
                flag=previous.flag if flag is UNSET else Flag(flag),
                rating=previous.rating if rating is UNSET else _valid_rating(rating),
                label=previous.label if label is UNSET else (label or None),
                source=source,
            )
            _append_decision(session, photo_id, wanted, previous)
            return previous

    def restore_decision(self, photo_id: int, state: DecisionState) -> DecisionState:
        """Put back an earlier state exactly, source included (undo/redo); returns the one replaced."""
        with self._write() as session:
            previous = _current_decisions(session, [photo_id]).get(photo_id, UNDECIDED)
            _append_decision(session, photo_id, state, previous)
            return previous

    def clear_user_decision(self, photo_id: int) -> DecisionState:
        """Drop the user's decision: the newest automatic one (or none) applies again.

        Returns the state before.  Does nothing when the current decision is automatic.
        """
        with self._write() as session:
            previous = _current_decisions(session, [photo_id]).get(photo_id, UNDECIDED)
            if not previous.is_user:
                return previous
            last_auto = session.scalar(
                select(Decision)
                .where(Decision.photo_id == photo_id, Decision.source == DecisionSource.AUTO.value)
                .order_by(Decision.id.desc())
                .limit(1)
            )
            state = UNDECIDED if last_auto is None else convert.decision_state(last_auto)
            _append_decision(session, photo_id, state, previous, force=True)
            return previous

    # -- sidecars ------------------------------------------------------------------------

    def sidecar_records(self, photo_ids: Iterable[int]) -> dict[int, dict[str, SidecarRecord]]:
        """``{photo_id: {sidecar relpath: record}}``: the versions this app last saw or wrote."""
        found: dict[int, dict[str, SidecarRecord]] = {}
        with self._read() as session:
            for chunk in _chunks(list(photo_ids)):
                for row in session.scalars(select(Sidecar).where(Sidecar.photo_id.in_(chunk))):
                    found.setdefault(row.photo_id, {})[row.relpath] = convert.sidecar_record(row)
        return found

    def record_sidecars(self, records: Iterable[SidecarRecord]) -> None:
        """Remember sidecar versions (one row per photo and sidecar path), in one transaction."""
        self.record_sidecar_marks(records, {})

    def record_sidecar_marks(
        self,
        records: Iterable[SidecarRecord],
        marks: Mapping[int, Mapping[str, Any]],
        read: Mapping[int, DecisionState] | None = None,
    ) -> set[int]:
        """Remember sidecar versions and make the marks a person wrote in them the photos'
        decisions (``{photo_id: {"flag": ..., "rating": ..., "label": ...}}``, the user's),
        in one transaction: a version is never remembered without the marks it brought (a
        later read would take it as seen), and a folder's worth costs a few statements.

        ``read``: the decisions the marks were combined with.  A photo of ``marks`` whose
        decision changed since (a person decided in the window, or another command, while
        its files were read) gets neither its marks nor its versions stored, so the next
        read combines them with the newer decision instead of replacing it.

        Returns:
            The photos left out because their decision changed since it was read.

        Raises:
            KeyError: a photo of ``marks`` is not in the catalog (nothing is stored).
        """
        now = utc_now()
        rows = [
            {
                "photo_id": r.photo_id,
                "relpath": normalize_relpath(r.relpath),
                "size": r.size,
                "mtime_ns": r.mtime_ns,
                "rating": r.rating,
                "label": r.label,
                "written": r.written,
                "claimed": ",".join(sorted(r.claimed)),
                "seen_at": now,
                "digest": r.digest,
                "created": r.created,
            }
            for r in records
        ]
        if not rows and not marks:
            return set()
        statement = sqlite_insert(Sidecar)
        statement = statement.on_conflict_do_update(
            index_elements=[Sidecar.photo_id, Sidecar.relpath],
            set_={
                name: statement.excluded[name]
                for name in (
                    "size",
                    "mtime_ns",
                    "rating",
                    "label",
                    "written",
                    "claimed",
                    "seen_at",
                    "digest",
                    "created",
                )
            },
        )
        with self._write() as session:
            changed = _take_user_marks(session, marks, read or {}) if marks else set()
            rows = [row for row in rows if row["photo_id"] not in changed]
            if rows:
                session.connection().execute(statement, rows)  # one executemany
        return changed

    def record_sidecar_intents(self, intents: Iterable[SidecarRecord]) -> None:
        """Announce sidecar versions this app is about to write (committed before any is).

        A version found on disk whose digest an intent announced is this app's own, even
        when the process that wrote it was killed before it could record the write, or when
        two runs recorded their versions of one sidecar in the other order than they wrote
        them.  The newest ``SIDECAR_INTENTS_KEPT`` of each sidecar are kept.
        """
        now = utc_now()
        rows = [
            {
                "photo_id": r.photo_id,
                "relpath": normalize_relpath(r.relpath),
                "digest": r.digest,
                "rating": r.rating,
                "label": r.label,
                "claimed": ",".join(sorted(r.claimed)),
                "created": r.created,
                "recorded_at": now,
            }
            for r in intents
            if r.digest is not None
        ]
        if not rows:
            return
        with self._write() as session:
            session.execute(sqlite_insert(SidecarIntent), rows)
            full = set()
            for chunk in _chunks(sorted({row["photo_id"] for row in rows})):
                counted = (
                    select(SidecarIntent.photo_id, SidecarIntent.relpath)
                    .where(SidecarIntent.photo_id.in_(chunk))
                    .group_by(SidecarIntent.photo_id, SidecarIntent.relpath)
                    .having(func.count() > SIDECAR_INTENTS_KEPT)
                )
                full.update(tuple(key) for key in session.execute(counted))
            for key in full:
                same = (SidecarIntent.photo_id == key[0], SidecarIntent.relpath == key[1])
                newest = (
                    select(SidecarIntent.id)
                    .where(*same)
                    .order_by(SidecarIntent.id.desc())
                    .limit(SIDECAR_INTENTS_KEPT)
                )
                session.execute(delete(SidecarIntent).where(*same, SidecarIntent.id.not_in(newest)))

    def sidecar_intents(
        self, photo_ids: Iterable[int]
    ) -> dict[int, dict[str, dict[str, SidecarRecord]]]:
        """``{photo_id: {sidecar relpath: {digest: record}}}``: versions announced, not settled."""
        found: dict[int, dict[str, dict[str, SidecarRecord]]] = {}
        with self._read() as session:
            for chunk in _chunks(list(photo_ids)):
                query = select(SidecarIntent).where(SidecarIntent.photo_id.in_(chunk))
                for row in session.scalars(query.order_by(SidecarIntent.id)):
                    by_path = found.setdefault(row.photo_id, {}).setdefault(row.relpath, {})
                    by_path[row.digest] = convert.intent_record(row)
        return found

    # -- moves ---------------------------------------------------------------------------

    def record_moves(
        self,
        batch: str,
        dest: str | PurePath,
        moves: Sequence[tuple[int | None, str | PurePath, str | PurePath, str | PurePath]]
        | Sequence[tuple[int | None, str | PurePath, str | PurePath, str | PurePath, str | None]],
    ) -> None:
        """Record planned moves ``(photo_id, root, source, target[, content_hash])`` before
        any file moves; the hash lets undo prove a file in the destination is the one moved."""
        now = utc_now()
        with self._write() as session:
            session.add_all(
                Move(
                    batch=batch,
                    dest=normalize_root(dest),
                    root=normalize_root(root),
                    photo_id=photo_id,
                    source=storable_name(str(source)),
                    target=storable_name(str(target)),
                    state=MoveState.PLANNED.value,
                    recorded_at=now,
                    content_hash=digest,
                )
                for photo_id, root, source, target, digest in ((*move, None)[:5] for move in moves)
            )

    def set_move_state(
        self, batch: str, source: str | PurePath, target: str | PurePath, state: MoveState
    ) -> None:
        with self._write() as session:
            for row in session.scalars(
                select(Move).where(
                    Move.batch == batch,
                    Move.source == storable_name(str(source)),
                    Move.target == storable_name(str(target)),
                )
            ):
                row.state = MoveState(state).value
                row.recorded_at = utc_now()

    def moves(self, batch: str) -> list[MoveRecord]:
        """Every file of one batch, in the order the moves were planned."""
        with self._read() as session:
            rows = session.scalars(select(Move).where(Move.batch == batch).order_by(Move.id))
            return [convert.move_record(row) for row in rows]

    def move_batches(self, dest: str | PurePath) -> list[str]:
        """The batches moved into ``dest``, oldest first."""
        with self._read() as session:
            rows = session.execute(
                select(Move.batch, func.min(Move.id))
                .where(Move.dest == normalize_root(dest))
                .group_by(Move.batch)
                .order_by(func.min(Move.id))
            )
            return [batch for batch, _first in rows]

    def move_destinations(self) -> list[str]:
        """Every folder this catalog moved rejects into (its scans pass over them)."""
        with self._read() as session:
            return list(session.scalars(select(Move.dest).distinct().order_by(Move.dest)))

    # -- runs ----------------------------------------------------------------------------

    def begin_run(self, folder: str | PurePath, options: Mapping[str, Any] | None = None) -> int:
        """Record the start of a cull of ``folder``; returns the run id."""
        with self._write() as session:
            run = Run(
                folder=normalize_root(folder),
                started_at=utc_now(),
                status=RunStatus.RUNNING.value,
                options=dict(options or {}),
                counts={},
                pid=os.getpid(),
                host=socket.gethostname(),
            )
            session.add(run)
            session.flush()
            return run.id

    def finish_run(
        self,
        run_id: int,
        status: RunStatus | str = RunStatus.COMPLETED,
        counts: Mapping[str, int] | None = None,
        error: str | None = None,
    ) -> RunRecord:
        """Record how a run ended (completed, interrupted or failed) and its counts."""
        with self._write() as session:
            run = session.get(Run, run_id)
            if run is None:
                raise KeyError(f"no run with id {run_id} in {self.path}")
            run.status = RunStatus(status).value
            run.finished_at = utc_now()
            run.counts = dict(counts or {})
            run.error = error
            session.flush()
            return convert.run_record(run)

    def runs(self, folder: str | PurePath | None = None, *, limit: int = 50) -> list[RunRecord]:
        """Recent runs, newest first, optionally of one folder."""
        query = select(Run).order_by(Run.id.desc()).limit(limit)
        if folder is not None:
            query = query.where(Run.folder == normalize_root(folder))
        with self._read() as session:
            return [convert.run_record(run) for run in session.scalars(query)]

    # -- taste profiles --------------------------------------------------------------

    def save_taste(
        self,
        name: str,
        model: Mapping[str, Any],
        evaluation: Mapping[str, Any],
        examples: Iterable[TasteExampleRecord],
    ) -> None:
        """Store the profile ``name`` with the frames it was learnt from, replacing any
        earlier version of it (and its examples) in one transaction."""
        with self._write() as session:
            old = session.scalar(select(TasteProfile).where(TasteProfile.name == name))
            if old is not None:
                session.execute(delete(TasteExample).where(TasteExample.profile_id == old.id))
                session.delete(old)
                session.flush()
            profile = TasteProfile(
                name=name, trained_at=utc_now(), model=dict(model), evaluation=dict(evaluation)
            )
            session.add(profile)
            session.flush()
            session.add_all(
                TasteExample(
                    profile_id=profile.id,
                    shoot=e.shoot,
                    series=e.series,
                    frame=e.frame,
                    level=e.level,
                    decided=e.decided,
                    features=list(e.features),
                )
                for e in examples
            )

    def tastes(self) -> list[TasteRecord]:
        """Every taste profile, by name."""
        with self._read() as session:
            counts = dict(
                session.execute(
                    select(TasteExample.profile_id, func.count()).group_by(TasteExample.profile_id)
                ).all()
            )
            return [
                TasteRecord(p.name, p.trained_at, p.model, p.evaluation, counts.get(p.id, 0))
                for p in session.scalars(select(TasteProfile).order_by(TasteProfile.name))
            ]

    def taste(self, name: str) -> TasteRecord | None:
        return next((t for t in self.tastes() if t.name == name), None)

    def taste_examples(self, name: str) -> list[TasteExampleRecord]:
        """The frames the profile ``name`` was learnt from (none when there is no such profile)."""
        with self._read() as session:
            rows = session.scalars(
                select(TasteExample)
                .join(TasteProfile, TasteProfile.id == TasteExample.profile_id)
                .where(TasteProfile.name == name)
                .order_by(TasteExample.id)
            )
            return [
                TasteExampleRecord(
                    r.shoot, r.series, r.frame, r.level, r.decided, tuple(r.features)
                )
                for r in rows
            ]

    def remove_taste(self, name: str) -> bool:
        """Forget the profile ``name`` and every example it was learnt from; False if absent."""
        with self._write() as session:
            profile = session.scalar(select(TasteProfile).where(TasteProfile.name == name))
            if profile is None:
                return False
            session.execute(delete(TasteExample).where(TasteExample.profile_id == profile.id))
            session.delete(profile)
            return True


_PHOTO_COLUMNS = [c for c in Photo.__table__.columns if c.name != "thumbnail"]


def _photo_records(session: Session, condition: Any, with_thumbnails: bool) -> list[PhotoRecord]:
    """Photos matching ``condition`` in path order, read as plain rows (no ORM objects: a
    rerun of a large folder reads thousands of them), with their companion files."""
    columns = _PHOTO_COLUMNS + ([Photo.thumbnail] if with_thumbnails else [])
    rows = session.execute(select(*columns).where(condition).order_by(Photo.relpath)).all()
    companions: dict[int, list[str]] = {}
    ids = [row.id for row in rows]
    for chunk in _chunks(ids):
        query = (
            select(PhotoFile.photo_id, PhotoFile.relpath)
            .where(PhotoFile.photo_id.in_(chunk))
            .order_by(PhotoFile.id)
        )
        for photo_id, relpath in session.execute(query):
            companions.setdefault(photo_id, []).append(relpath)
    return [
        convert.photo_record_from_row(row._mapping, companions.get(row.id, ()), with_thumbnails)
        for row in rows
    ]


def _photo_query(with_thumbnail: bool):  # noqa: ANN202 - a Select of Photo
    query = select(Photo).options(selectinload(Photo.files))
    return query.options(undefer(Photo.thumbnail)) if with_thumbnail else query


def _photos_at(session: Session, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Photo]:
    """The stored photos at these (root, relpath) keys, loaded with their companion files."""
    by_root: dict[str, list[str]] = {}
    for root, relpath in keys:
        by_root.setdefault(root, []).append(relpath)
    found: dict[tuple[str, str], Photo] = {}
    for root, relpaths in by_root.items():
        for chunk in _chunks(relpaths):
            query = _photo_query(False).where(Photo.root == root, Photo.relpath.in_(chunk))
            for photo in session.scalars(query):
                found[(photo.root, photo.relpath)] = photo
    return found


def _set_companions(photo: Photo, companions: Iterable[str | PurePath]) -> None:
    wanted = list(dict.fromkeys(normalize_relpath(c) for c in companions))
    if [f.relpath for f in photo.files] != wanted:
        photo.files.clear()
        photo.files.extend(PhotoFile(relpath=relpath) for relpath in wanted)


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), _IN_CHUNK):
        yield ids[start : start + _IN_CHUNK]


def _newest_scores(
    session: Session, photo_ids: Sequence[int], model: str | None, weights_id: str | None
) -> dict[int, ScoreRecord]:
    """Plain rows, not ORM objects: a rerun reads the scores of every photo of a folder."""
    found: dict[int, ScoreRecord] = {}
    columns = [c for c in Score.__table__.columns if c.name not in ("id", "why")]
    for chunk in _chunks(photo_ids):
        query = select(*columns).where(Score.photo_id.in_(chunk))
        if model is not None:
            query = query.where(Score.model == model)
        if weights_id is not None:
            query = query.where(Score.weights_id == weights_id)
        for row in session.execute(query.order_by(Score.scored_at, Score.id)):
            found[row.photo_id] = ScoreRecord(**row._mapping)  # newest wins
    return found


def _one_model(scores: Sequence[ScoreRecord | None]) -> str:
    """The model that gave every one of these scores ("" when one is missing, or several)."""
    models = {score.model if score is not None else "" for score in scores}
    return models.pop() if len(models) == 1 else ""


def _members_key(photo_ids: Iterable[int]) -> str:
    return ",".join(str(pid) for pid in sorted(photo_ids))


def _series_members(session: Session, root: str, first_ordinal: int) -> list[list[int]]:
    """The photo ids of each of the folder's series from ``first_ordinal`` on."""
    members: dict[int, list[int]] = {}
    query = (
        select(SeriesMembership.series_id, SeriesMembership.photo_id)
        .join(Series, Series.id == SeriesMembership.series_id)
        .where(Series.root == root, Series.ordinal >= first_ordinal)
    )
    for series_id, photo_id in session.execute(query):
        members.setdefault(series_id, []).append(photo_id)
    return list(members.values())


def _faces(session: Session, photo_ids: Sequence[int]) -> dict[int, tuple[FaceRecord, ...]]:
    """Faces of photos known to be analysed: each listed photo gets a tuple, maybe empty."""
    found: dict[int, list[FaceRecord]] = {pid: [] for pid in photo_ids}
    for chunk in _chunks(list(photo_ids)):
        query = select(FaceRow).where(FaceRow.photo_id.in_(chunk)).order_by(FaceRow.position)
        for row in session.scalars(query):
            found[row.photo_id].append(
                FaceRecord(
                    (row.x, row.y, row.w, row.h),
                    row.eyes,
                    row.confidence,
                    row.sharpness,
                    row.yaw,
                    row.pitch,
                )
            )
    return {pid: tuple(faces) for pid, faces in found.items()}


def _current_decisions(session: Session, photo_ids: Sequence[int]) -> dict[int, DecisionState]:
    found: dict[int, DecisionState] = {}
    table = Decision.__table__
    for chunk in _chunks(photo_ids):
        newest = (
            select(func.max(Decision.id))
            .where(Decision.photo_id.in_(chunk))
            .group_by(Decision.photo_id)
        )
        query = select(
            table.c.photo_id,
            table.c.flag,
            table.c.rating,
            table.c.label,
            table.c.source,
            Decision.decided_at,
        ).where(Decision.id.in_(newest))
        for photo_id, flag, rating, label, source, decided_at in session.execute(query):
            found[photo_id] = DecisionState(
                Flag(flag), rating, label, DecisionSource(source), decided_at
            )
    return found


def _take_user_marks(
    session: Session,
    marks: Mapping[int, Mapping[str, Any]],
    read: Mapping[int, DecisionState],
) -> set[int]:
    """A person's marks as the photos' decisions: one look-up and one insert for all.

    Returns the photos left out because their decision is no longer the one in ``read``
    that their marks were combined with."""
    ids = sorted(marks)
    present: set[int] = set()
    for chunk in _chunks(ids):
        present.update(session.scalars(select(Photo.id).where(Photo.id.in_(chunk))))
    missing = [photo_id for photo_id in ids if photo_id not in present]
    if missing:
        raise KeyError(f"no photo with id {missing[0]}")
    previous = _current_decisions(session, ids)
    changed = {
        photo_id
        for photo_id in ids
        if photo_id in read and previous.get(photo_id, UNDECIDED) != read[photo_id]
    }
    rows = []
    for photo_id in ids:
        if photo_id in changed:
            continue
        wanted = marks[photo_id]
        state = DecisionState(
            flag=Flag(wanted["flag"]),
            rating=wanted["rating"],
            label=wanted["label"] or None,
            source=DecisionSource.USER,
        )
        row = _decision_row(photo_id, state, previous.get(photo_id, UNDECIDED))
        if row is not None:
            rows.append(row)
    if rows:
        session.execute(insert(Decision), rows)
    return changed


def _append_decision(
    session: Session,
    photo_id: int,
    state: DecisionState,
    previous: DecisionState,
    *,
    force: bool = False,
) -> None:
    row = _decision_row(photo_id, state, previous, force=force)
    if row is None:
        return
    if session.get(Photo, photo_id) is None:
        raise KeyError(f"no photo with id {photo_id}")
    session.add(Decision(**row))


def _decision_row(
    photo_id: int, state: DecisionState, previous: DecisionState, *, force: bool = False
) -> dict[str, Any] | None:
    """The decisions row that makes ``state`` the photo's (None: it already is)."""
    same = (state.flag, state.rating, state.label, state.source) == (
        previous.flag,
        previous.rating,
        previous.label,
        previous.source,
    )
    if same and previous.decided_at is not None and not force:
        return None
    return {
        "photo_id": photo_id,
        "flag": Flag(state.flag).value,
        "rating": _valid_rating(state.rating),
        "label": state.label,
        "source": DecisionSource(state.source).value,
        "decided_at": utc_now(),
    }


def _valid_rating(rating: int) -> int:
    if not isinstance(rating, int) or not MIN_RATING <= rating <= MAX_RATING:
        raise ValueError(
            f"rating must be an integer from {MIN_RATING} to {MAX_RATING}, got {rating!r}"
        )
    return rating
