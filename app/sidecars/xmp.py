"""XMP documents: read and merge ``xmp:Rating`` and ``xmp:Label``, keep everything else.

Only ``xmp:Rating`` (-1 rejected, 0 unrated, 1..5 stars) and ``xmp:Label`` (colour label
text such as "Green") are ever set.  Everything else in an existing sidecar (keywords,
develop settings such as ``crs:*``, darktable's history, ``xmpMM:History``, other namespaces
and their prefixes) is kept: the file is parsed, the two properties are changed in whichever
form the file uses (attribute or element), and the rest is written back.

A sidecar is input from other applications, so it is treated as untrusted: only regular
files are opened (a FIFO never blocks a run), files over ``MAX_SIDECAR_BYTES`` are left
alone, documents with a DTD or entities are refused in any encoding (the parser itself
forbids them, no byte matching), and a read-only sidecar is never replaced.  Writes are
atomic (``app.fileio.atomic_write``).  This module knows nothing of the catalog.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from app.errors import AppError, Problem
from app.fileio import NotARegularFile, atomic_write, is_read_only, read_regular
from app.options import SidecarStyle
from app.sidecars.clients import ImpossibleValue, field_marks
from app.sidecars.keywords import set_suggestion, suggestions_in
from app.sidecars.marks import Pick, combine
from app.sidecars.naming import sidecar_paths

NS_X = "adobe:ns:meta/"
NS_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
NS_XMP = "http://ns.adobe.com/xap/1.0/"
_RATING = f"{{{NS_XMP}}}Rating"
_LABEL = f"{{{NS_XMP}}}Label"
_DESCRIPTION = f"{{{NS_RDF}}}Description"
_ABOUT = f"{{{NS_RDF}}}about"

# Real sidecars, darktable's edit history included, stay far below this.
MAX_SIDECAR_BYTES = 8 * 1024 * 1024
# Real XMP nests a few levels (darktable's history about eight); a deeper document is
# refused before anything walks it recursively (writing it back would overflow the stack).
MAX_XML_DEPTH = 100

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


class SidecarError(AppError):
    """A sidecar could not be read or written; carries the file and the cause."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")

    def problem(self, root: Path | None = None, action: str = "write") -> Problem:
        """The problem to report, named relative to ``root``; ``action`` is read or write."""
        where = self.path
        if root is not None and where.is_relative_to(root):
            where = where.relative_to(root)
        return Problem(where.as_posix(), f"cannot {action} sidecar: {self.reason}")


@dataclass(frozen=True)
class XmpMarks:
    """Marks in a sidecar.  ``None`` leaves a property as it is; label "" removes it.

    ``pick`` is read only (digiKam's PickLabel, Photo Mechanic's tag): it is never written.
    """

    rating: int | None = None
    label: str | None = None
    pick: Pick | None = None

    def __post_init__(self) -> None:
        if self.rating is not None and not -1 <= self.rating <= 5:
            raise ValueError(f"xmp:Rating must be -1..5, got {self.rating}")

    @property
    def empty(self) -> bool:
        return self.rating is None and self.label is None

    @property
    def says_something(self) -> bool:
        """True when a person would see a mark: stars, a reject, a label or a pick."""
        return bool(self.rating) or bool(self.label) or self.pick is not None


NO_MARKS = XmpMarks()


@dataclass(frozen=True)
class SidecarState:
    """A sidecar as found on disk: its marks, its stat, and the digest of its bytes, which
    identifies this version whatever its modification time says."""

    marks: XmpMarks
    size: int
    mtime_ns: int
    digest: str | None = None
    conflict: str | None = None  # fields of this file that disagree (a reject and stars)


def sidecar_digest(data: bytes) -> str:
    """What identifies a sidecar version: a hash of its bytes."""
    return "b2:" + hashlib.blake2b(data, digest_size=16).hexdigest()


# -- reading ------------------------------------------------------------------------------


def read_sidecar(sidecar: str | os.PathLike[str]) -> SidecarState | None:
    """The marks and stat of a sidecar, or None when it does not exist.

    Raises:
        SidecarError: not a regular file, too large, unreadable, or not a safe XMP document.
    """
    loaded = load_sidecar(sidecar)
    return None if loaded is None else loaded[0]


def load_sidecar(sidecar: str | os.PathLike[str]) -> tuple[SidecarState, bytes] | None:
    """``read_sidecar``'s state and the bytes it was read from (to merge into), or None."""
    sidecar = Path(sidecar)
    data = _read_bytes(sidecar)
    if data is None:
        return None
    info = os.stat(sidecar)
    marks, conflict = packet_marks(data, sidecar)
    state = SidecarState(marks, len(data), info.st_mtime_ns, sidecar_digest(data), conflict)
    return state, data


def read_marks(sidecar: str | os.PathLike[str]) -> XmpMarks:
    """The ``xmp:Rating`` and ``xmp:Label`` in a sidecar (attribute or element form)."""
    state = read_sidecar(sidecar)
    if state is None:
        raise SidecarError(sidecar, "cannot read (no such file)")
    return state.marks


def _read_bytes(path: Path) -> bytes | None:
    try:
        return read_regular(path, MAX_SIDECAR_BYTES)
    except FileNotFoundError:
        return None
    except NotARegularFile as error:
        raise SidecarError(path, f"{error.strerror}, not a sidecar file: left alone") from error
    except OSError as error:
        if error.errno == 27:  # EFBIG
            raise SidecarError(path, f"too large to merge safely ({error.strerror})") from error
        raise SidecarError(path, f"cannot read ({error.strerror or error})") from error


def packet_marks(data: bytes, path: Path) -> tuple[XmpMarks, str | None]:
    """The marks of an XMP document (a sidecar or a photo's own packet), every application's
    fields combined (``app.sidecars.marks``), and the conflict among them, if any.

    Raises:
        SidecarError: not a safe, well-formed XMP document, or a field holds a value no
            application writes (``Rating="6"``, ``"inf"``): a person may have marked it.
    """
    with _PREFIX_LOCK:
        descriptions = _descriptions(_parse_bytes(data, path).root)
        try:
            found = field_marks(descriptions)
        except ImpossibleValue as error:
            raise SidecarError(path, str(error)) from error
    combined = combine(found)
    marks = XmpMarks(rating=combined.rating, label=combined.label, pick=combined.pick)
    return marks, combined.conflict


def _marks_of(data: bytes, path: Path) -> XmpMarks:
    return packet_marks(data, path)[0]


def read_suggestions(data: bytes, source: Path) -> frozenset[str]:
    """This app's suggestion keywords in a sidecar's bytes."""
    with _PREFIX_LOCK:
        return suggestions_in(_parse_bytes(data, source).root)


# -- merging ------------------------------------------------------------------------------


def merge_marks(
    existing: bytes | None,
    marks: XmpMarks,
    *,
    source: Path,
    remove_rating: bool = False,
    suggestion: str | None = None,
) -> bytes:
    """The new sidecar text: ``existing`` (or a minimal new document) with ``marks`` set.

    ``remove_rating`` takes ``xmp:Rating`` out when ``marks.rating`` is None (undoing a
    rating this app wrote).  ``suggestion`` makes that keyword this app's one suggestion
    keyword ("" removes it; None leaves the keywords as they are), see ``keywords``.
    """
    with _PREFIX_LOCK:
        document = _new_document() if existing is None else _parse_bytes(existing, source)
        description = _target_description(document.root)
        if suggestion is not None:
            for prefix in ("dc", "lr", "digiKam"):
                if KNOWN_PREFIXES[prefix] not in ET._namespace_map:  # the file's own prefix wins
                    _register(prefix, KNOWN_PREFIXES[prefix])
            set_suggestion(document.root, description, suggestion)
        if marks.rating is not None:
            _set_property(description, _RATING, str(marks.rating))
        elif remove_rating:
            for node in _descriptions(document.root):
                _remove_property(node, _RATING)
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
    around: tuple[bytes, bytes] | None = None  # the original bytes around the root element

    def serialise(self) -> bytes:
        body = ET.tostring(self.root, encoding="unicode")
        if self.around is not None:
            before, after = self.around
            return before + body.encode("utf-8") + after
        parts = ['<?xml version="1.0" encoding="UTF-8"?>\n']
        if self.xpacket:
            parts.append('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n')
        parts.append(body)
        parts.append("\n")
        if self.xpacket:
            parts.append('<?xpacket end="w"?>\n')
        return "".join(parts).encode("utf-8")


class _TooDeep(Exception):
    pass


class _Target:
    """Builds the tree and notes what ElementTree's builder would drop: prefixes, xpacket,
    and where the root element starts and ends (so what lies around it can be kept)."""

    def __init__(self) -> None:
        self.builder = ET.TreeBuilder(insert_comments=True, insert_pis=True)
        self.namespaces: list[tuple[str, str]] = []
        self.xpacket = False
        self.depth = 0
        self.expat = None  # the parser, for byte positions
        self.root_span: list[int] = []  # byte offsets of the root's start tag and end tag

    def start(self, tag: str, attrs: dict[str, str]) -> ET.Element:
        self.depth += 1
        if self.depth > MAX_XML_DEPTH:
            raise _TooDeep
        if self.depth == 1 and self.expat is not None:
            self.root_span.append(self.expat.CurrentByteIndex)
        return self.builder.start(tag, attrs)

    def end(self, tag: str) -> ET.Element:
        self.depth -= 1
        if self.depth == 0 and self.expat is not None:
            self.root_span.append(self.expat.CurrentByteIndex)
        return self.builder.end(tag)

    def data(self, text: str) -> None:
        self.builder.data(text)

    def comment(self, text: str) -> ET.Element:
        return self.builder.comment(text)

    def pi(self, target: str, text: str | None = None) -> ET.Element:
        self.xpacket = self.xpacket or target == "xpacket"
        return self.builder.pi(target, text)

    def start_ns(self, prefix: str, uri: str) -> None:
        self.namespaces.append((prefix, uri))

    def close(self) -> ET.Element:
        return self.builder.close()


def _parse_bytes(data: bytes, path: Path) -> _Document:
    """Parse with DTDs, entities and external references forbidden by the parser itself,
    whatever the document's encoding."""
    target = _Target()
    try:
        parser = DefusedXMLParser(target=target, forbid_dtd=True)
        target.expat = getattr(parser, "parser", None)
        parser.feed(data)
        root = parser.close()
    except DefusedXmlException as error:
        raise SidecarError(
            path, "refusing an XMP file with a DTD or entity declarations"
        ) from error
    except ET.ParseError as error:
        raise SidecarError(path, f"not a well-formed XMP file ({error})") from error
    except _TooDeep as error:
        raise SidecarError(
            path, f"elements nested more than {MAX_XML_DEPTH} deep: not an XMP file"
        ) from error
    if root.tag not in (f"{{{NS_X}}}xmpmeta", f"{{{NS_RDF}}}RDF"):
        raise SidecarError(path, f"not an XMP file (root element {root.tag})")
    for prefix, uri in target.namespaces:
        _register(prefix, uri)
    return _Document(root=root, xpacket=target.xpacket, around=_around_root(data, target.root_span))


def _around_root(data: bytes, span: list[int]) -> tuple[bytes, bytes] | None:
    """The bytes before the root element and after it (the XML declaration, the xpacket
    wrapper and its padding, comments), when they can be kept as they are: a UTF-8
    document whose root element's position is known."""
    if len(span) != 2 or data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    start, end_tag = span
    close = data.find(b">", end_tag)
    if close < 0 or not 0 <= start <= end_tag:
        return None
    before, after = data[:start], data[close + 1 :]
    declared = re.search(rb"encoding\s*=\s*[\"']([A-Za-z0-9._-]+)", before)
    if declared and declared.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return before, after


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


def update_sidecar(
    sidecar: str | os.PathLike[str], marks: XmpMarks, *, remove_rating: bool = False
) -> bool:
    """Merge ``marks`` into one sidecar (created when missing), atomically.

    Returns False when the file already held these marks and was left untouched.

    Raises:
        SidecarError: the file is read-only, not a regular file, too large, cannot be
            parsed, or cannot be written.
    """
    sidecar = Path(sidecar)
    existing = _read_bytes(sidecar)
    if existing is not None:
        if is_read_only(sidecar):
            raise SidecarError(sidecar, "read-only: left as it is")
        current = _marks_of(existing, sidecar)
        if marks_after(current, marks, remove_rating=remove_rating) == (
            current.rating,
            current.label or None,
        ):
            return False
    data = merge_marks(existing, marks, source=sidecar, remove_rating=remove_rating)
    replace_sidecar(sidecar, data)
    return True


def marks_after(
    current: XmpMarks, marks: XmpMarks, *, remove_rating: bool = False
) -> tuple[int | None, str | None]:
    """(rating, label) a sidecar holding ``current`` holds once ``marks`` are merged in."""
    rating = current.rating if marks.rating is None and not remove_rating else marks.rating
    label = (current.label or None) if marks.label is None else (marks.label or None)
    return rating, label


class SidecarChanged(SidecarError):
    """The sidecar changed on disk while a new version was being prepared: not replaced."""


def replace_sidecar(
    sidecar: str | os.PathLike[str], data: bytes, expected: str | None | bool = False
) -> None:
    """Write ``data`` as the sidecar, atomically.

    ``expected`` is the digest of the version ``data`` was made from (None: there was no
    file); the file is read again right before the rename and, if it is another version
    now, left as it is (``SidecarChanged``).  False: no check.
    """
    sidecar = Path(sidecar)

    def still_expected() -> None:
        try:
            now = _read_bytes(sidecar)
        except SidecarError:
            now = b""
        found = None if now is None else sidecar_digest(now)
        if found != expected:
            raise SidecarChanged(sidecar, "changed by another program while being written")

    if expected is not False and expected is not None and is_read_only(sidecar):
        raise SidecarError(sidecar, "read-only: left as it is")
    try:
        atomic_write(sidecar, data, None if expected is False else still_expected)
    except OSError as error:
        reason = error.strerror or str(error)
        if isinstance(error, PermissionError) or "Read-only" in reason:
            reason += f"; is the folder {sidecar.parent} read-only?"
        raise SidecarError(sidecar, f"cannot write ({reason})") from error


def remove_sidecar(sidecar: str | os.PathLike[str], expected: str) -> None:
    """Remove a sidecar this app created and that holds nothing any more, only while it is
    still the version with digest ``expected`` (nobody else's writes are ever removed)."""
    sidecar = Path(sidecar)
    now = _read_bytes(sidecar)
    if now is None:
        return
    if sidecar_digest(now) != expected:
        raise SidecarChanged(sidecar, "changed by another program: left as it is")
    try:
        sidecar.unlink()
    except OSError as error:
        raise SidecarError(sidecar, f"cannot remove ({error.strerror or error})") from error


def write_marks(
    photo: str | os.PathLike[str], marks: XmpMarks, style: SidecarStyle | str = SidecarStyle.REPLACE
) -> list[SidecarError]:
    """Merge ``marks`` into the sidecar(s) of one image file; returns the errors (none: done).

    A plain writer with no catalog: ``FolderSidecars`` is what the app uses for a folder.
    """
    if marks.empty:
        return []
    errors: list[SidecarError] = []
    for sidecar in sidecar_paths(photo, style):
        try:
            update_sidecar(existing_spelling(sidecar), marks)
        except SidecarError as error:
            errors.append(error)
    return errors


def existing_spelling(sidecar: Path) -> Path:
    """``IMG_0001.XMP`` when that exists instead of ``IMG_0001.xmp``: update, do not add a twin."""
    if sidecar.exists():
        return sidecar
    upper = sidecar.with_suffix(".XMP")
    return upper if upper.is_file() else sidecar
