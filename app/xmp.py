"""XMP sidecars: which file each photo app reads, and merge-preserving atomic writes.

Only ``xmp:Rating`` (-1 rejected, 0 unrated, 1..5 stars) and ``xmp:Label`` (colour label
text such as "Green") are ever set.  Everything else in an existing sidecar (keywords,
develop settings such as ``crs:*``, darktable's history, ``xmpMM:History``, other
namespaces and their prefixes) is kept: the file is parsed, the two properties are changed
in whichever form the file uses (attribute or element), and the rest is written back.
DTDs and entities are refused, so a hostile sidecar cannot expand or read other files.

Writes go to a temporary file in the same folder, are fsynced and then renamed over the
old sidecar with the old permissions, so a crash leaves the old or the new file, never half
of one.  File problems come back as ``SidecarError`` values naming the file, so a run can
report them and go on.  See docs/sidecars.md for the naming table and the default scheme.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import tempfile
import threading
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from app.catalog import DecisionState, Flag, SeriesView

NS_X = "adobe:ns:meta/"
NS_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
NS_XMP = "http://ns.adobe.com/xap/1.0/"
_RATING = f"{{{NS_XMP}}}Rating"
_LABEL = f"{{{NS_XMP}}}Label"
_DESCRIPTION = f"{{{NS_RDF}}}Description"
_ABOUT = f"{{{NS_RDF}}}about"

# Conventional prefixes, so a new or reorganised file reads as the apps write it.
KNOWN_PREFIXES = {
    "x": NS_X,
    "rdf": NS_RDF,
    "xmp": NS_XMP,
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmpMM": "http://ns.adobe.com/xap/1.0/mm/",
    "stEvt": "http://ns.adobe.com/xap/1.0/sType/ResourceEvent#",
    "crs": "http://ns.adobe.com/camera-raw-settings/1.0/",
    "lr": "http://ns.adobe.com/lightroom/1.0/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "tiff": "http://ns.adobe.com/tiff/1.0/",
    "exif": "http://ns.adobe.com/exif/1.0/",
    "aux": "http://ns.adobe.com/exif/1.0/aux/",
    "darktable": "http://darktable.sf.net/",
    "digiKam": "http://www.digikam.org/ns/1.0/",
}

# ElementTree keeps prefixes in one module-wide table: parse and serialise under a lock.
_PREFIX_LOCK = threading.Lock()


class SidecarStyle(StrEnum):
    """How a sidecar is named: ``IMG_0001.xmp`` (replace), ``IMG_0001.CR3.xmp`` (append), or both."""

    REPLACE = "replace"
    APPEND = "append"
    BOTH = "both"


DEFAULT_STYLE = SidecarStyle.REPLACE


class SidecarError(Exception):
    """A sidecar could not be read or written; carries the file and the cause."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


@dataclass(frozen=True)
class XmpMarks:
    """What to set in a sidecar.  None leaves a property as it is; label "" removes it."""

    rating: int | None = None
    label: str | None = None

    def __post_init__(self) -> None:
        if self.rating is not None and not -1 <= self.rating <= 5:
            raise ValueError(f"xmp:Rating must be -1..5, got {self.rating}")

    @property
    def empty(self) -> bool:
        return self.rating is None and self.label is None


@dataclass(frozen=True)
class XmpScheme:
    """How automatic and user decisions become XMP marks (see docs/sidecars.md).

    The best frame of a multi-frame series gets ``best_rating`` and ``best_label``; the
    other frames get ``other_label`` (their rating is left alone), or with
    ``reject_others`` the rejected rating instead.  User decisions always win: reject ->
    ``reject_rating``; pick -> ``pick_rating`` when the photo has no stars yet, and
    ``pick_label`` when it has no label.
    """

    best_rating: int = 3
    best_label: str = "Green"
    other_label: str = "Yellow"
    reject_others: bool = False
    reject_rating: int = -1
    pick_rating: int | None = 3
    pick_label: str | None = "Green"


DEFAULT_SCHEME = XmpScheme()


# -- naming ---------------------------------------------------------------------------


def sidecar_paths(
    photo: str | os.PathLike[str], style: SidecarStyle | str = DEFAULT_STYLE
) -> list[Path]:
    """The sidecar file names of one image file for a naming style."""
    photo = Path(photo)
    style = SidecarStyle(style)
    replaced = photo.with_suffix(".xmp")
    appended = photo.with_name(photo.name + ".xmp")
    if style is SidecarStyle.REPLACE:
        return [replaced]
    if style is SidecarStyle.APPEND:
        return [appended]
    return [replaced, appended]


def existing_sidecars(photo: str | os.PathLike[str]) -> list[Path]:
    """Sidecars of either style that exist next to an image (``.xmp`` or ``.XMP``)."""
    photo = Path(photo)
    candidates = [
        photo.with_suffix(".xmp"),
        photo.with_suffix(".XMP"),
        photo.with_name(photo.name + ".xmp"),
        photo.with_name(photo.name + ".XMP"),
    ]
    found: list[Path] = []
    for candidate in candidates:
        if candidate.is_file() and not any(_same_file(candidate, f) for f in found):
            found.append(candidate)
    return found


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)  # case-insensitive file systems
    except OSError:
        return False


# -- decisions to marks -------------------------------------------------------------------


def decision_marks(state: DecisionState, scheme: XmpScheme = DEFAULT_SCHEME) -> XmpMarks | None:
    """The marks of a photo's decision, or None when nothing was decided."""
    if state.decided_at is None:
        return None
    if state.flag is Flag.REJECT:
        return XmpMarks(rating=scheme.reject_rating, label=state.label or "")
    if state.flag is Flag.PICK:
        rating = (
            state.rating if state.rating > 0 or scheme.pick_rating is None else scheme.pick_rating
        )
        return XmpMarks(rating=rating, label=state.label or scheme.pick_label or "")
    return XmpMarks(rating=state.rating, label=state.label or "")


def series_marks(series: SeriesView, scheme: XmpScheme = DEFAULT_SCHEME) -> dict[int, XmpMarks]:
    """``{photo_id: marks}`` for one series: user decisions as decided, else the scheme by rank.

    Frames of a single-frame series get marks only from a user decision.
    """
    best = series.best if len(series.members) > 1 else None
    marks: dict[int, XmpMarks] = {}
    for member in series.members:
        if member.decision.is_user:
            found = decision_marks(member.decision, scheme)
            if found is not None:
                marks[member.photo.id] = found
        elif best is not None and member.photo.id == best.photo.id:
            marks[member.photo.id] = XmpMarks(scheme.best_rating, scheme.best_label)
        elif best is not None and scheme.reject_others:
            marks[member.photo.id] = XmpMarks(rating=scheme.reject_rating)
        elif best is not None:
            marks[member.photo.id] = XmpMarks(label=scheme.other_label)
    return marks


# -- reading and merging ------------------------------------------------------------------


def read_marks(sidecar: str | os.PathLike[str]) -> XmpMarks:
    """The ``xmp:Rating`` and ``xmp:Label`` in a sidecar (attribute or element form).

    Raises:
        SidecarError: the file cannot be read or is not a safe XMP document.
    """
    rating, label = _raw_marks(_parse(Path(sidecar)).root)
    try:
        return XmpMarks(rating=None if rating is None else int(float(rating)), label=label)
    except ValueError as error:
        raise SidecarError(sidecar, f"xmp:Rating {rating!r} is not -1..5") from error


def _raw_marks(root: ET.Element) -> tuple[str | None, str | None]:
    """The first xmp:Rating and xmp:Label text among the top-level descriptions."""
    rating = label = None
    for description in _descriptions(root):
        rating = rating if rating is not None else _property(description, _RATING)
        label = label if label is not None else _property(description, _LABEL)
    return rating, label


def merge_marks(existing: bytes | None, marks: XmpMarks, *, source: Path) -> bytes:
    """The new sidecar text: ``existing`` (or a minimal new document) with ``marks`` set."""
    with _PREFIX_LOCK:
        document = _new_document() if existing is None else _parse_bytes(existing, source)
        description = _target_description(document.root)
        if marks.rating is not None:
            _set_property(description, _RATING, str(marks.rating))
        if marks.label == "":
            for node in _descriptions(document.root):
                _remove_property(node, _LABEL)
        elif marks.label is not None:
            _set_property(description, _LABEL, marks.label)
        return document.serialise()


@dataclass
class _Document:
    root: ET.Element
    xpacket: bool

    def serialise(self) -> bytes:
        body = ET.tostring(self.root, encoding="unicode")
        parts = ['<?xml version="1.0" encoding="UTF-8"?>\n']
        if self.xpacket:
            parts.append('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n')
        parts.append(body)
        parts.append("\n")
        if self.xpacket:
            parts.append('<?xpacket end="w"?>\n')
        return "".join(parts).encode("utf-8")


def _parse(path: Path) -> _Document:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SidecarError(path, f"cannot read ({error.strerror or error})") from error
    with _PREFIX_LOCK:
        return _parse_bytes(data, path)


def _parse_bytes(data: bytes, path: Path) -> _Document:
    upper = data.upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        raise SidecarError(path, "refusing an XMP file with a DTD or entity declarations")
    try:
        for _event, (prefix, uri) in ET.iterparse(io.BytesIO(data), events=("start-ns",)):
            _register(prefix, uri)
        builder = ET.TreeBuilder(insert_comments=True, insert_pis=True)
        parser = ET.XMLParser(target=builder)
        parser.feed(data)
        root = parser.close()
    except ET.ParseError as error:
        raise SidecarError(path, f"not a well-formed XMP file ({error})") from error
    if root.tag not in (f"{{{NS_X}}}xmpmeta", f"{{{NS_RDF}}}RDF"):
        raise SidecarError(path, f"not an XMP file (root element {root.tag})")
    return _Document(root=root, xpacket=b"<?xpacket" in data)


def _register(prefix: str, uri: str) -> None:
    if not prefix:
        return
    with contextlib.suppress(ValueError):  # ElementTree reserves ns0, ns1, ...
        ET.register_namespace(prefix, uri)


def _new_document() -> _Document:
    for prefix, uri in KNOWN_PREFIXES.items():
        _register(prefix, uri)
    root = ET.Element(f"{{{NS_X}}}xmpmeta", {f"{{{NS_X}}}xmptk": "FGAesQ Cull"})
    root.text = "\n "
    rdf = ET.SubElement(root, f"{{{NS_RDF}}}RDF")
    rdf.text, rdf.tail = "\n  ", "\n"
    description = ET.SubElement(rdf, _DESCRIPTION, {_ABOUT: ""})
    description.tail = "\n "
    return _Document(root=root, xpacket=False)


def _rdf(root: ET.Element) -> ET.Element | None:
    return root if root.tag == f"{{{NS_RDF}}}RDF" else root.find(f"{{{NS_RDF}}}RDF")


def _descriptions(root: ET.Element) -> list[ET.Element]:
    """The top-level rdf:Description elements (nested ones are struct values, e.g. crs:Look)."""
    rdf = _rdf(root)
    return [] if rdf is None else rdf.findall(_DESCRIPTION)


def _target_description(root: ET.Element) -> ET.Element:
    """The rdf:Description that already holds a mark, else the first one (made if missing)."""
    descriptions = _descriptions(root)
    for description in descriptions:
        if (
            _property(description, _RATING) is not None
            or _property(description, _LABEL) is not None
        ):
            return description
    if descriptions:
        return descriptions[0]
    rdf = _rdf(root)
    if rdf is None:
        rdf = ET.SubElement(root, f"{{{NS_RDF}}}RDF")
    return ET.SubElement(rdf, _DESCRIPTION, {_ABOUT: ""})


def _property(description: ET.Element, name: str) -> str | None:
    if name in description.attrib:
        return description.attrib[name]
    child = description.find(name)
    return None if child is None else (child.text or "").strip()


def _set_property(description: ET.Element, name: str, value: str) -> None:
    child = description.find(name)
    if child is not None:
        child.text = value
        description.attrib.pop(name, None)
    else:
        description.set(name, value)


def _remove_property(description: ET.Element, name: str) -> None:
    description.attrib.pop(name, None)
    for child in description.findall(name):
        description.remove(child)


# -- writing --------------------------------------------------------------------------


def update_sidecar(sidecar: str | os.PathLike[str], marks: XmpMarks) -> bool:
    """Merge ``marks`` into one sidecar (created when missing), atomically.

    Returns False when the file already held these marks and was left untouched.

    Raises:
        SidecarError: the file cannot be read, parsed or written.
    """
    sidecar = Path(sidecar)
    try:
        existing = sidecar.read_bytes()
    except FileNotFoundError:
        existing = None
    except OSError as error:
        raise SidecarError(sidecar, f"cannot read ({error.strerror or error})") from error
    if existing is not None and _already_holds(existing, marks, sidecar):
        return False
    atomic_write(sidecar, merge_marks(existing, marks, source=sidecar))
    return True


def _already_holds(existing: bytes, marks: XmpMarks, path: Path) -> bool:
    with _PREFIX_LOCK:
        root = _parse_bytes(existing, path).root
    rating, label = _raw_marks(root)
    rating_ok = marks.rating is None or rating == str(marks.rating)
    label_ok = marks.label is None or (label or "") == marks.label
    return rating_ok and label_ok


def write_marks(
    photo: str | os.PathLike[str],
    marks: XmpMarks,
    style: SidecarStyle | str = DEFAULT_STYLE,
) -> list[SidecarError]:
    """Write ``marks`` to the sidecar(s) of one image; returns the errors (empty on success)."""
    if marks.empty:
        return []
    errors: list[SidecarError] = []
    for sidecar in sidecar_paths(photo, style):
        try:
            update_sidecar(_existing_spelling(sidecar), marks)
        except SidecarError as error:
            errors.append(error)
    return errors


def _existing_spelling(sidecar: Path) -> Path:
    """``IMG_0001.XMP`` when that exists instead of ``IMG_0001.xmp``: update, do not add a twin."""
    if sidecar.exists():
        return sidecar
    upper = sidecar.with_suffix(".XMP")
    return upper if upper.is_file() else sidecar


def write_series_sidecars(
    series: SeriesView,
    scheme: XmpScheme = DEFAULT_SCHEME,
    style: SidecarStyle | str = DEFAULT_STYLE,
) -> list[SidecarError]:
    """Write the marks of every frame of a series (see ``series_marks``); returns the errors."""
    by_id = {member.photo.id: member.photo for member in series.members}
    errors: list[SidecarError] = []
    for photo_id, marks in series_marks(series, scheme).items():
        errors.extend(write_marks(by_id[photo_id].path, marks, style))
    return errors


def write_all(
    marks_by_path: Mapping[Path, XmpMarks], style: SidecarStyle | str = DEFAULT_STYLE
) -> list[SidecarError]:
    """Write many photos' marks; returns every error, having tried every file."""
    errors: list[SidecarError] = []
    for photo, marks in marks_by_path.items():
        errors.extend(write_marks(photo, marks, style))
    return errors


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` via a fsynced temporary file; keeps the old permissions."""
    folder = path.parent
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = _default_file_mode()
    except OSError as error:
        raise SidecarError(path, f"cannot inspect ({error.strerror or error})") from error
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as error:
        raise SidecarError(
            path, f"cannot write in {folder} ({error.strerror or error}); is the folder read-only?"
        ) from error
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp_name, mode)
        os.replace(temp_name, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)  # our own temporary file, never the sidecar
        raise SidecarError(path, f"cannot write ({error.strerror or error})") from error
    _fsync_folder(folder)


def _read_umask() -> int:
    # Read once at import: os.umask can only be read by setting it, which races with threads.
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


_UMASK = _read_umask()


def _default_file_mode() -> int:
    return 0o666 & ~_UMASK


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable where the platform allows opening a folder (POSIX)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
