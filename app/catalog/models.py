"""SQLAlchemy 2 table mappings of the catalog (schema version given in ``schema.py``).

The tables are created and upgraded by the ordered steps in ``schema.py``, not by
``create_all``; a test checks that both describe the same columns.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


def utc_now() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps stored as ISO 8601 text with offset, read back as aware UTC datetimes."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat()

    def process_result_value(self, value: str | None, dialect: Any) -> datetime | None:
        return None if value is None else datetime.fromisoformat(value)


class Base(DeclarativeBase):
    pass


class Meta(Base):
    """Key/value facts about the catalog itself, among them ``schema_version``."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(primary_key=True)
    value: Mapped[str]


class Photo(Base):
    __tablename__ = "photos"
    __table_args__ = (
        UniqueConstraint("root", "relpath"),
        Index("ix_photos_content_hash", "content_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    root: Mapped[str]
    relpath: Mapped[str]
    size: Mapped[int]
    mtime_ns: Mapped[int]
    content_hash: Mapped[str | None]
    companion_hash: Mapped[str | None]  # of the first companion (a RAW+JPEG pair's JPEG)
    companion_size: Mapped[int | None]  # and its size and time when it was hashed
    companion_mtime_ns: Mapped[int | None]
    capture_time: Mapped[str | None]
    capture_time_source: Mapped[str | None]
    camera_make: Mapped[str | None]
    camera_model: Mapped[str | None]
    camera_serial: Mapped[str | None]
    width: Mapped[int | None]
    height: Mapped[int | None]
    orientation: Mapped[int | None]
    thumbnail: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    thumb_width: Mapped[int | None]
    thumb_height: Mapped[int | None]
    decode_error: Mapped[str | None]
    read_warning: Mapped[str | None]
    faces_checked: Mapped[int | None]
    exposure_seconds: Mapped[float | None]
    exposure_bias: Mapped[float | None]
    f_number: Mapped[float | None]
    iso: Mapped[int | None]
    subject_distance: Mapped[float | None]
    auto_bracket: Mapped[bool | None]
    focus_map: Mapped[bytes | None] = mapped_column(LargeBinary)
    first_seen: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen: Mapped[datetime] = mapped_column(UtcDateTime)

    files: Mapped[list[PhotoFile]] = relationship(
        back_populates="photo", cascade="all, delete-orphan", order_by="PhotoFile.id"
    )


class PhotoFile(Base):
    """The other files of one photo, e.g. the JPEG of a RAW+JPEG pair (same root)."""

    __tablename__ = "photo_files"
    __table_args__ = (UniqueConstraint("photo_id", "relpath"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id", ondelete="CASCADE"))
    relpath: Mapped[str]
    photo: Mapped[Photo] = relationship(back_populates="files")


class Series(Base):
    __tablename__ = "series"
    __table_args__ = (Index("ix_series_root", "root"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    root: Mapped[str]
    ordinal: Mapped[int]
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    pick_reason: Mapped[str | None]
    kind: Mapped[str | None]
    kind_reason: Mapped[str | None]
    kind_source: Mapped[str | None]


class SeriesMembership(Base):
    __tablename__ = "series_members"
    __table_args__ = (Index("ix_series_members_photo", "photo_id"),)

    series_id: Mapped[int] = mapped_column(
        ForeignKey("series.id", ondelete="CASCADE"), primary_key=True
    )
    photo_id: Mapped[int] = mapped_column(
        ForeignKey("photos.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int]


class Score(Base):
    __tablename__ = "scores"
    __table_args__ = (UniqueConstraint("photo_id", "model", "weights_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id", ondelete="CASCADE"))
    model: Mapped[str]
    weights_id: Mapped[str]
    score: Mapped[float]
    rank: Mapped[int | None]
    series_mode: Mapped[str | None]
    scored_at: Mapped[datetime] = mapped_column(UtcDateTime)
    why: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # on the pick's row (app.scoring.why)


class Decision(Base):
    """One row per change: the newest row of a photo is its current state, older rows its history."""

    __tablename__ = "decisions"
    __table_args__ = (Index("ix_decisions_photo", "photo_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id", ondelete="CASCADE"))
    flag: Mapped[str]
    rating: Mapped[int]
    label: Mapped[str | None]
    source: Mapped[str]
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Run(Base):
    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    folder: Mapped[str]
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    status: Mapped[str]
    options: Mapped[dict[str, Any]] = mapped_column(JSON)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON)
    error: Mapped[str | None]
    pid: Mapped[int | None]
    host: Mapped[str | None]


class Sidecar(Base):
    """The last version of a photo's sidecar this app saw or wrote, and the marks in it."""

    __tablename__ = "sidecars"
    __table_args__ = (UniqueConstraint("photo_id", "relpath"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id", ondelete="CASCADE"))
    relpath: Mapped[str]
    size: Mapped[int]
    mtime_ns: Mapped[int]
    rating: Mapped[int | None]
    label: Mapped[str | None]
    written: Mapped[bool]
    claimed: Mapped[str]
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    digest: Mapped[str | None]
    created: Mapped[bool] = mapped_column(default=False)


class SidecarIntent(Base):
    """A sidecar version this app is about to write, recorded (and committed) before it is
    written: a version found on disk with this digest is this app's, whatever happened to
    the process that wrote it."""

    __tablename__ = "sidecar_intents"
    __table_args__ = (Index("ix_sidecar_intents_photo", "photo_id", "relpath"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id", ondelete="CASCADE"))
    relpath: Mapped[str]
    digest: Mapped[str]
    rating: Mapped[int | None]
    label: Mapped[str | None]
    claimed: Mapped[str]
    created: Mapped[bool]
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Move(Base):
    """One file moved by a journaled move of rejects (see app/moves.py)."""

    __tablename__ = "moves"
    __table_args__ = (Index("ix_moves_batch", "batch"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch: Mapped[str]
    dest: Mapped[str]
    root: Mapped[str]
    photo_id: Mapped[int | None]
    source: Mapped[str]
    target: Mapped[str]
    state: Mapped[str]
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    content_hash: Mapped[str | None]  # of the file when the move was planned


class FaceRow(Base):
    """One face found in a photo: box in the original's pixels, eye state, eye sharpness."""

    __tablename__ = "faces"
    __table_args__ = (Index("ix_faces_photo", "photo_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id", ondelete="CASCADE"))
    position: Mapped[int]
    x: Mapped[float]
    y: Mapped[float]
    w: Mapped[float]
    h: Mapped[float]
    eyes: Mapped[str]
    confidence: Mapped[float]
    sharpness: Mapped[float]
    yaw: Mapped[float | None]  # degrees, > 0 turned towards the image's right
    pitch: Mapped[float | None]  # degrees from looking straight in, > 0 looking down


class KindOverride(Base):
    """A kind the photographer gave a series, kept for that exact set of photos."""

    __tablename__ = "kind_overrides"
    __table_args__ = (UniqueConstraint("root", "members"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    root: Mapped[str]
    members: Mapped[str]  # the photo ids, sorted, comma separated
    kind: Mapped[str]
    set_at: Mapped[datetime] = mapped_column(UtcDateTime)


class TasteProfile(Base):
    """A personal ranking learnt from a person's decisions (app/taste), with its held-out
    evaluation; ``model`` holds the weights and feature scaling, ``evaluation`` the figures
    and whether the profile is used."""

    __tablename__ = "taste_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(unique=True)
    trained_at: Mapped[datetime] = mapped_column(UtcDateTime)
    model: Mapped[dict[str, Any]] = mapped_column(JSON)
    evaluation: Mapped[dict[str, Any]] = mapped_column(JSON)


class TasteExample(Base):
    """One frame a profile was learnt from: its features and the person's preference level
    in its series.  Kept so a profile can be retrained and exported; removed with it."""

    __tablename__ = "taste_examples"
    __table_args__ = (Index("ix_taste_examples_profile", "profile_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("taste_profiles.id", ondelete="CASCADE"))
    shoot: Mapped[str]
    series: Mapped[str]
    frame: Mapped[str]
    level: Mapped[float]
    decided: Mapped[bool]  # the frame carries a person's mark (else: one of "the rest")
    features: Mapped[list[float]] = mapped_column(JSON)
