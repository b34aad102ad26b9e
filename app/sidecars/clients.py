"""Every mark a photo application writes into XMP, read as ``Mark`` values.

Each application keeps its marks in its own fields (the table is in docs/sidecars.md):

- ``xmp:Rating`` (-1 rejected, 0 unrated, 1..5 stars) and ``xmp:Label`` (colour label
  text): Lightroom, Bridge, Capture One, Photo Mechanic, darktable, digiKam, cameras;
- ``digiKam:PickLabel`` (0 none, 1 rejected, 2 pending, 3 accepted) and
  ``digiKam:ColorLabel`` (0 none, 1..9 red to white);
- ``darktable:colorlabels``: an ``rdf:Seq`` of 0..4 (red, yellow, green, blue, purple);
- ``photomechanic:Tagged`` (True/False), ``photomechanic:ColorClass`` (0 none, 1..8) and
  ``photomechanic:Prefs`` ("tagged:colour class:rating:frame");
- ``MicrosoftPhoto:Rating`` (0 unrated, 1..99 percent): Windows Explorer and Windows Photo
  Gallery, beside ``xmp:Rating`` as a rule, but alone where another tool copied only it.

A value no application writes (``Rating="6"``, ``"inf"``, ``PickLabel="7"``) is not
guessed at: ``ImpossibleValue`` is raised, and the caller treats the whole file as one a
person may have marked but that cannot be read.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

from app.sidecars.marks import Mark, Pick

NS_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
NS_XMP = "http://ns.adobe.com/xap/1.0/"
NS_DIGIKAM = "http://www.digikam.org/ns/1.0/"
NS_DARKTABLE = "http://darktable.sf.net/"
NS_PHOTO_MECHANIC = "http://ns.camerabits.com/photomechanic/1.0/"
NS_MICROSOFT_PHOTO = "http://ns.microsoft.com/photo/1.0/"
NS_MICROSOFT_PHOTO_EXIFTOOL = NS_MICROSOFT_PHOTO.rstrip("/")  # exiftool drops the slash

DIGIKAM_PICKS = {0: None, 1: Pick.REJECTED, 2: Pick.PENDING, 3: Pick.ACCEPTED}
DIGIKAM_COLOURS = (
    None,
    "Red",
    "Orange",
    "Yellow",
    "Green",
    "Blue",
    "Magenta",
    "Gray",
    "Black",
    "White",
)
DARKTABLE_COLOURS = ("Red", "Yellow", "Green", "Blue", "Purple")
# Photo Mechanic's default names for its colour classes (each can be renamed there).
PHOTO_MECHANIC_CLASSES = (
    None,
    "Winner",
    "Winner alt",
    "Superior",
    "Superior alt",
    "Typical",
    "Typical alt",
    "Extras",
    "Trash",
)

# The lowest percent Windows shows as 1..5 stars (its property system's RATING_*_MIN:
# 1, 13, 38, 63, 88; it writes 1, 25, 50, 75, 99).
WINDOWS_STAR_FLOORS = (1, 13, 38, 63, 88)

_INTEGER = re.compile(r"[+-]?\d{1,3}(\.0*)?")
# Colour label names are a word or two ("Red", "Winner alt", a label set's own names); a
# longer text is no label an application wrote, and would be stored, shown and padded into
# every row of the summary.
MAX_LABEL_CHARS = 100


class ImpossibleValue(ValueError):
    """A mark's field holds a value no application writes."""

    def __init__(self, field: str, value: str, allowed: str) -> None:
        self.field = field
        super().__init__(f"{field} {value[:40]!r} is not {allowed}")


def field_marks(descriptions: list[ET.Element]) -> list[Mark]:
    """What each known field of the top-level ``rdf:Description`` elements says.

    Raises:
        ImpossibleValue: a field holds a value outside what its application writes.
    """
    marks = []
    for name, reader in _READERS:
        for text in _values(descriptions, name):
            if text.strip() != "":
                mark = reader(_short(name), text.strip())
                if mark is not None:
                    marks.append(mark)
    colours = _darktable_colours(descriptions)
    if colours:
        marks.append(Mark("darktable:colorlabels", label=", ".join(colours)))
    return marks


def _integer(field: str, text: str, low: int, high: int) -> int:
    """An integer in ``low..high`` written as ``3`` or ``3.0``; anything else is impossible."""
    if _INTEGER.fullmatch(text):
        value = int(float(text))
        if low <= value <= high:
            return value
    raise ImpossibleValue(field, text, f"{low}..{high}")


def _rating(field: str, text: str) -> Mark:
    return Mark(field, rating=_integer(field, text, -1, 5))


def stars_of_percent(percent: int) -> int:
    """The stars Windows shows for a rating in percent (0: unrated)."""
    return sum(percent >= floor for floor in WINDOWS_STAR_FLOORS)


def _rating_percent(field: str, text: str) -> Mark | None:
    stars = stars_of_percent(_integer(field, text, 0, 100))
    return Mark(field, rating=stars) if stars else None


def _label(field: str, text: str) -> Mark:
    if len(text) > MAX_LABEL_CHARS:
        raise ImpossibleValue(field, text, f"a label of at most {MAX_LABEL_CHARS} characters")
    return Mark(field, label=text)


def _pick_label(field: str, text: str) -> Mark | None:
    pick = DIGIKAM_PICKS[_integer(field, text, 0, 3)]
    return None if pick is None else Mark(field, pick=pick)


def _colour_label(field: str, text: str) -> Mark | None:
    colour = DIGIKAM_COLOURS[_integer(field, text, 0, len(DIGIKAM_COLOURS) - 1)]
    return None if colour is None else Mark(field, label=colour)


def _colour_class(field: str, text: str) -> Mark | None:
    name = PHOTO_MECHANIC_CLASSES[_integer(field, text, 0, len(PHOTO_MECHANIC_CLASSES) - 1)]
    return None if name is None else Mark(field, label=name)


def _tagged(field: str, text: str) -> Mark | None:
    value = text.lower()
    if value not in ("true", "false", "1", "0"):
        raise ImpossibleValue(field, text, "True or False")
    return Mark(field, pick=Pick.ACCEPTED) if value in ("true", "1") else None


def _prefs(field: str, text: str) -> Mark | None:
    """``tagged:colour class:rating:frame``, Photo Mechanic's own copy of its marks."""
    parts = [part.strip() for part in text.split(":")]
    if len(parts) < 3:
        raise ImpossibleValue(field, text, "tagged:class:rating:frame")
    tagged = _integer(field, parts[0], 0, 1)
    name = PHOTO_MECHANIC_CLASSES[_integer(field, parts[1], 0, len(PHOTO_MECHANIC_CLASSES) - 1)]
    rating = _integer(field, parts[2], -1, 5)
    mark = Mark(field, rating=rating or None, label=name, pick=Pick.ACCEPTED if tagged else None)
    return mark if (mark.rating, mark.label, mark.pick) != (None, None, None) else None


_READERS: tuple[tuple[str, Callable[[str, str], Mark | None]], ...] = (
    (f"{{{NS_XMP}}}Label", _label),
    (f"{{{NS_XMP}}}Rating", _rating),
    (f"{{{NS_DIGIKAM}}}PickLabel", _pick_label),
    (f"{{{NS_DIGIKAM}}}ColorLabel", _colour_label),
    (f"{{{NS_PHOTO_MECHANIC}}}Tagged", _tagged),
    (f"{{{NS_PHOTO_MECHANIC}}}ColorClass", _colour_class),
    (f"{{{NS_PHOTO_MECHANIC}}}Prefs", _prefs),
    (f"{{{NS_MICROSOFT_PHOTO}}}Rating", _rating_percent),
    (f"{{{NS_MICROSOFT_PHOTO_EXIFTOOL}}}Rating", _rating_percent),
)

_PREFIXES = {
    NS_XMP: "xmp",
    NS_DIGIKAM: "digiKam",
    NS_DARKTABLE: "darktable",
    NS_PHOTO_MECHANIC: "photomechanic",
    NS_MICROSOFT_PHOTO: "MicrosoftPhoto",
    NS_MICROSOFT_PHOTO_EXIFTOOL: "MicrosoftPhoto",
}


def _short(name: str) -> str:
    uri, local = name[1:].split("}", 1)
    return f"{_PREFIXES[uri]}:{local}"


def _values(descriptions: list[ET.Element], name: str) -> list[str]:
    """Every value of a simple property (attribute or element form), in document order.  A
    document holds one; one that holds it twice (``Rating="-1"`` and ``<xmp:Rating>5``, or
    in two descriptions) gives both, so the rule that combines marks keeps the stronger.

    Raises:
        ImpossibleValue: the element holds elements instead of a value.
    """
    values = []
    for description in descriptions:
        if name in description.attrib:
            values.append(description.attrib[name])
        for child in description.findall(name):
            if len(child):  # a structure where the application writes one value
                raise ImpossibleValue(_short(name), "<" + child[0].tag.rsplit("}")[-1], "a value")
            values.append(child.text or "")
    return values


def _darktable_colours(descriptions: list[ET.Element]) -> list[str]:
    """darktable's colour labels: an ``rdf:Seq`` (or a single value) of 0..4."""
    field = "darktable:colorlabels"
    name = f"{{{NS_DARKTABLE}}}colorlabels"
    values: list[str] = []
    for description in descriptions:
        if name in description.attrib:
            values.append(description.attrib[name])
        for child in description.findall(name):
            items = child.findall(f"{{{NS_RDF}}}Seq/{{{NS_RDF}}}li") + child.findall(
                f"{{{NS_RDF}}}Bag/{{{NS_RDF}}}li"
            )
            values.extend(item.text or "" for item in items)
            if not items and (child.text or "").strip():
                values.append(child.text or "")
    colours = []
    for value in values:
        if value.strip():
            colour = DARKTABLE_COLOURS[_integer(field, value.strip(), 0, 4)]
            if colour not in colours:
                colours.append(colour)
    return colours
