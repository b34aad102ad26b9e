"""Capture metadata: when, with which camera, and with what exposure a photo was taken.

EXIF wall-clock time plus sub-seconds orders burst frames; make, model and serial keep two
shooters' bursts apart; exposure settings feed the details panel and tell an exposure
bracket from a burst (exposure bias or time stepping; the auto-bracketing flag of EXIF
ExposureMode or of the maker note).  Broken EXIF never stops a photo from being
culled: it falls back to the file's modification time and says why.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path
from typing import Any

from PIL import Image

from app.photos.formats import is_raw

_EXIF_IFD = 0x8769
_TAG_MAKE, _TAG_MODEL, _TAG_DATETIME = 0x010F, 0x0110, 0x0132
_TAG_ORIGINAL, _TAG_SUBSEC_ORIGINAL, _TAG_OFFSET_ORIGINAL = 0x9003, 0x9291, 0x9011
_TAG_OFFSET = 0x9010  # OffsetTime, of DateTime; used when OffsetTimeOriginal is missing
_TAG_BODY_SERIAL = 0xA431
_TAG_EXPOSURE, _TAG_FNUMBER, _TAG_ISO, _TAG_FOCAL = 0x829A, 0x829D, 0x8827, 0x920A
_TAG_LENS_MODEL = 0xA434
_TAG_EXPOSURE_BIAS, _TAG_SUBJECT_DISTANCE = 0x9204, 0x9206
_TAG_EXPOSURE_MODE = 0xA402  # 0 auto, 1 manual, 2 auto bracket (the standard EXIF field)
_AUTO_BRACKET_MODE = 2
# Maker notes that say a frame belongs to an automatic exposure bracket, as exifread names them:
# (tag, values that mean "bracketing").  Only read for these makes; other makes rely on the
# standard exposure bias and time.
_BRACKET_NOTES = {
    "canon": (
        ("MakerNote BracketMode", ("AEB",)),
        ("MakerNote AutoExposureBracketing", ("On",)),
    ),
    "nikon": (("MakerNote BracketingMode", ("exposure bracketing",)),),
    "sony": (("MakerNote ReleaseMode", ("Exposure Bracketing",)),),
}

_DATETIME_RE = re.compile(r"^\s*(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_OFFSET_RE = re.compile(r"^\s*([+-])(\d{2}):(\d{2})\s*$")


@dataclass(frozen=True)
class PhotoMetadata:
    """What the pipeline and the details panel need to know about a photo's capture."""

    captured: datetime | None = None
    time_source: str = "none"  # "exif", "file" or "none"
    make: str | None = None
    model: str | None = None
    serial: str | None = None
    exposure_time: str | None = None  # "1/250"
    f_number: float | None = None
    iso: int | None = None
    focal_length: float | None = None
    lens: str | None = None
    exposure_seconds: float | None = None  # ExposureTime as a number
    exposure_bias: float | None = None  # ExposureBiasValue in EV (0.0 is a value, not "none")
    subject_distance: float | None = None  # SubjectDistance in metres, where the camera records it
    auto_bracket: bool | None = None  # EXIF or the maker note: part of an automatic bracket
    warning: str | None = None

    @property
    def camera_key(self) -> str:
        """Identity of the camera body; frames from different bodies never share a series."""
        return "|".join(part or "" for part in (self.make, self.model, self.serial))

    @property
    def wall_seconds(self) -> float:
        """Capture time as seconds on the camera's own clock (for gaps within one camera)."""
        if self.captured is None:
            return 0.0
        return self.captured.replace(tzinfo=UTC).timestamp()

    def captured_iso(self) -> str | None:
        return self.captured.isoformat() if self.captured is not None else None


def read_metadata(path: Path | str, fallback_mtime: float | None = None) -> PhotoMetadata:
    """Read capture metadata from ``path``; never raises for a bad file.

    RAW files are read with exifread (TIFF-based RAWs); everything else through Pillow, which
    only parses the header here.  Without a usable EXIF capture time the file's modification
    time (local time with its UTC offset) stands in.
    """
    path = Path(path)
    warning = None
    fields: dict[str, Any] = {}
    try:
        fields = _read_exifread(path) if is_raw(path) else _read_pillow(path)
    except Exception as exc:  # any parser failure means "no EXIF", never a failed photo
        warning = f"unreadable EXIF ({_short(exc)}); capture time taken from the file"
    captured = None
    raw_time = fields.pop("datetime", None)
    subsec = fields.pop("subsec", None)
    offset = fields.pop("offset", None)
    if fields.pop("exposure_mode", None) == _AUTO_BRACKET_MODE:
        fields["auto_bracket"] = True
    elif fields.get("make"):
        fields["auto_bracket"] = read_auto_bracket(path, fields["make"])
    if raw_time:
        captured = parse_exif_datetime(raw_time, subsec, offset)
        if captured is None and warning is None:
            warning = f"invalid EXIF capture time {raw_time!r}; capture time taken from the file"
    if captured is not None:
        return PhotoMetadata(captured=captured, time_source="exif", warning=warning, **fields)
    mtime = fallback_mtime
    if mtime is None:
        try:
            mtime = os.stat(path).st_mtime
        except OSError:
            mtime = None
    file_time = datetime.fromtimestamp(mtime).astimezone() if mtime is not None else None
    source = "file" if file_time is not None else "none"
    return PhotoMetadata(captured=file_time, time_source=source, warning=warning, **fields)


def parse_exif_datetime(
    value: str, subsec: str | None = None, offset: str | None = None
) -> datetime | None:
    """Parse EXIF "YYYY:MM:DD HH:MM:SS" with optional sub-seconds and "+HH:MM" offset."""
    match = _DATETIME_RE.match(str(value))
    if not match:
        return None
    try:
        stamp = datetime(*(int(part) for part in match.groups()))
    except ValueError:  # "0000:00:00 00:00:00" and friends
        return None
    digits = re.sub(r"\D", "", str(subsec or ""))
    if digits:
        stamp += timedelta(microseconds=int(digits[:6].ljust(6, "0")))
    off = _OFFSET_RE.match(str(offset or ""))
    if off:
        sign = -1 if off.group(1) == "-" else 1
        delta = timedelta(hours=int(off.group(2)), minutes=int(off.group(3)))
        if delta < timedelta(hours=24):
            stamp = stamp.replace(tzinfo=timezone(sign * delta))
    return stamp


def _read_pillow(path: Path) -> dict[str, Any]:
    with Image.open(path) as image:
        exif = image.getexif()
        if not exif:
            if image.info.get("exif"):  # a block is there, Pillow could not parse it
                raise ValueError("the EXIF block is damaged")
            return {}
        sub = exif.get_ifd(_EXIF_IFD)
    return _fields(
        lambda tag: sub.get(tag, exif.get(tag)),
        date_fallback=exif.get(_TAG_DATETIME),
    )


def _read_exifread(path: Path) -> dict[str, Any]:
    get, tags = _exifread_getter(path)
    image_date = tags.get("Image DateTime")
    return _fields(get, date_fallback=image_date.values if image_date is not None else None)


# The tags _fields reads, as exifread names them in the Exif IFD; TIFF/EP RAWs (and DNGs
# after them) may place them in IFD0 instead, where exifread calls them "Image ...".
_EXIFREAD_NAMES = {
    _TAG_MAKE: "Image Make",
    _TAG_MODEL: "Image Model",
    _TAG_ORIGINAL: "EXIF DateTimeOriginal",
    _TAG_SUBSEC_ORIGINAL: "EXIF SubSecTimeOriginal",
    _TAG_OFFSET_ORIGINAL: "EXIF OffsetTimeOriginal",
    _TAG_OFFSET: "EXIF OffsetTime",
    _TAG_BODY_SERIAL: "EXIF BodySerialNumber",
    _TAG_EXPOSURE: "EXIF ExposureTime",
    _TAG_FNUMBER: "EXIF FNumber",
    _TAG_ISO: "EXIF ISOSpeedRatings",
    _TAG_FOCAL: "EXIF FocalLength",
    _TAG_LENS_MODEL: "EXIF LensModel",
    _TAG_EXPOSURE_BIAS: "EXIF ExposureBiasValue",
    _TAG_SUBJECT_DISTANCE: "EXIF SubjectDistance",
    _TAG_EXPOSURE_MODE: "EXIF ExposureMode",
}


def _exifread_getter(path: Path | str):
    """A tag reader over ``path``'s tags as exifread parses them (the Exif IFD first, then
    IFD0, as :func:`_read_pillow` reads Pillow's), and the tags themselves."""
    import exifread

    with open(path, "rb") as handle:
        tags = exifread.process_file(handle, details=False)

    def get(tag: int) -> Any:
        name = _EXIFREAD_NAMES[tag]
        entry = tags.get(name)
        if entry is None and name.startswith("EXIF "):
            entry = tags.get("Image " + name.removeprefix("EXIF "))
        if entry is None:
            return None
        values = entry.values
        if isinstance(values, list):
            if not values:
                return None
            value = values[0]
            if hasattr(value, "num"):
                return Fraction(value.num, value.den or 1)
            return value
        return values

    return get, tags


def _fields(get, date_fallback: Any = None) -> dict[str, Any]:
    exposure = _number(get(_TAG_EXPOSURE))
    return {
        "datetime": _text(get(_TAG_ORIGINAL)) or _text(date_fallback),
        "subsec": _text(get(_TAG_SUBSEC_ORIGINAL)),
        "offset": _text(get(_TAG_OFFSET_ORIGINAL)) or _text(get(_TAG_OFFSET)),
        "make": _text(get(_TAG_MAKE)),
        "model": _text(get(_TAG_MODEL)),
        "serial": _text(get(_TAG_BODY_SERIAL)),
        "exposure_time": _shutter(exposure),
        "f_number": _rounded(_number(get(_TAG_FNUMBER)), 1),
        "iso": _integer(get(_TAG_ISO)),
        "focal_length": _rounded(_number(get(_TAG_FOCAL)), 1),
        "lens": _text(get(_TAG_LENS_MODEL)),
        "exposure_seconds": exposure,
        "exposure_bias": _signed(get(_TAG_EXPOSURE_BIAS), limit=20.0),
        "subject_distance": _distance(get(_TAG_SUBJECT_DISTANCE)),
        "exposure_mode": _integer(get(_TAG_EXPOSURE_MODE)),
    }


def camera_iso(exif: Image.Exif) -> int | None:
    """The ISO a camera recorded in a Pillow-read EXIF block (its Exif sub-IFD, else IFD0),
    or None where it recorded none."""
    try:
        value = exif.get_ifd(_EXIF_IFD).get(_TAG_ISO, exif.get(_TAG_ISO))
    except Exception:  # a damaged sub-IFD: Pillow raises its own errors
        return None
    return _sensor_iso(value)


def read_iso(path: Path | str) -> int | None:
    """The ISO in a RAW file's tags, from its Exif IFD or from IFD0 (where TIFF/EP, and DNG
    after it, place ISOSpeedRatings); None where it has none or they cannot be read."""
    try:
        get, _ = _exifread_getter(path)
        return _sensor_iso(get(_TAG_ISO))
    except Exception:  # damaged tags: the photo is still decoded, without its ISO
        return None


def _sensor_iso(value: Any) -> int | None:
    """An ISOSpeedRatings value as an ISO, None where it names none: 65535 is EXIF 2.3's
    "above 65534, see the other sensitivity tags", the same for every such ISO."""
    iso = _integer(value)
    return iso if iso is not None and iso < 65535 else None


def read_auto_bracket(path: Path | str, make: str | None) -> bool | None:
    """Whether the maker note marks this frame as part of an automatic exposure bracket.

    None when the make's notes are not known here or cannot be read: maker notes are
    proprietary, often damaged by editors, and only a hint, never a reason to fail a photo.
    """
    notes = _BRACKET_NOTES.get((make or "").strip().split(" ")[0].lower())
    if notes is None:
        return None
    try:
        import exifread

        with open(path, "rb") as handle:
            tags = exifread.process_file(handle, details=True, extract_thumbnail=False)
    except Exception:
        return None
    found = None
    for name, values in notes:
        entry = tags.get(name)
        if entry is None:
            continue
        text = str(entry.printable).strip().lower()
        found = bool(found) or any(value.lower() in text for value in values)
    return found


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value).replace("\x00", "").strip()
    return text or None


def _float(value: Any) -> float | None:
    """The first value of an EXIF entry as a finite float, or None."""
    if isinstance(value, tuple | list):
        value = value[0] if value else None
    try:
        number = float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return number if math.isfinite(number) else None


def _number(value: Any) -> float | None:
    number = _float(value)
    return number if number is not None and number > 0 else None


def _signed(value: Any, limit: float) -> float | None:
    """A signed number within +-``limit`` (exposure bias may be negative or zero)."""
    number = _float(value)
    return round(number, 3) if number is not None and abs(number) <= limit else None


def _distance(value: Any) -> float | None:
    """SubjectDistance in metres; 0 means unknown and 0xFFFFFFFF (or huge) means infinity."""
    number = _number(value)
    if number is None:
        return None
    return math.inf if number >= 4e9 else round(number, 3)


def _integer(value: Any) -> int | None:
    number = _number(value)
    return int(round(number)) if number is not None else None


def _rounded(value: float | None, digits: int) -> float | None:
    return round(value, digits) if value is not None else None


def _shutter(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    if seconds >= 0.3:
        return f"{seconds:g}"
    return f"1/{round(1 / seconds)}"


def _short(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."
