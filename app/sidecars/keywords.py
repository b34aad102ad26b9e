"""The model's suggestions as keywords, which every photo application shows and filters on
and none confuses with a photographer's rating or colour label.

A suggestion is one keyword of this app's own (``FGAesQ pick``, ``FGAesQ other``,
``FGAesQ reject``), written as Lightroom writes a top-level keyword: in ``dc:subject`` (the
keywords every application reads) and in ``lr:hierarchicalSubject`` (Lightroom's keyword
tree, which darktable, digiKam, Capture One and Photo Mechanic read too).  A sidecar that
keeps digiKam's own ``digiKam:TagsList`` (which digiKam reads before the others) gets it
there as well.  Only these keywords are ever added or removed; every other keyword stays.

This module works on parsed documents (``app.sidecars.xmp`` parses and writes them).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

NS_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
NS_DC = "http://purl.org/dc/elements/1.1/"
NS_LR = "http://ns.adobe.com/lightroom/1.0/"
NS_DIGIKAM = "http://www.digikam.org/ns/1.0/"

PICK = "FGAesQ pick"
OTHER = "FGAesQ other"
REJECT = "FGAesQ reject"
SUGGESTIONS = frozenset({PICK, OTHER, REJECT})

_DESCRIPTION = f"{{{NS_RDF}}}Description"
_LI = f"{{{NS_RDF}}}li"
# (property, container) written whether present or not, then those only kept up to date
_ALWAYS = ((f"{{{NS_DC}}}subject", "Bag"), (f"{{{NS_LR}}}hierarchicalSubject", "Bag"))
_WHEN_PRESENT = ((f"{{{NS_DIGIKAM}}}TagsList", "Seq"),)


def _descriptions(root: ET.Element) -> list[ET.Element]:
    rdf = root if root.tag == f"{{{NS_RDF}}}RDF" else root.find(f"{{{NS_RDF}}}RDF")
    return [] if rdf is None else rdf.findall(_DESCRIPTION)


def _containers(root: ET.Element, name: str) -> list[ET.Element]:
    """The rdf:Bag / rdf:Seq / rdf:Alt holding the values of ``name`` in any description."""
    found = []
    for description in _descriptions(root):
        for prop in description.findall(name):
            found.extend(child for child in prop if child.tag.startswith(f"{{{NS_RDF}}}"))
    return found


def suggestions_in(root: ET.Element) -> frozenset[str]:
    """This app's suggestion keywords in a document."""
    return frozenset(
        (li.text or "").strip()
        for name, _ in (*_ALWAYS, *_WHEN_PRESENT)
        for container in _containers(root, name)
        for li in container.findall(_LI)
        if (li.text or "").strip() in SUGGESTIONS
    )


def set_suggestion(root: ET.Element, target: ET.Element, keyword: str) -> None:
    """Make ``keyword`` the document's one suggestion ("" for none), touching no other
    keyword; new keyword properties go into the description ``target``."""
    for name, kind in (*_ALWAYS, *_WHEN_PRESENT):
        removed = False
        for container in _containers(root, name):
            for li in container.findall(_LI):
                if (li.text or "").strip() in SUGGESTIONS and (li.text or "").strip() != keyword:
                    container.remove(li)
                    removed = True
        for description in _descriptions(root) if removed else ():
            for prop in description.findall(name):
                if all(len(child) == 0 for child in prop):
                    description.remove(prop)  # a list only this app's keyword was in
        if not keyword:
            continue
        containers = _containers(root, name)
        if any((li.text or "").strip() == keyword for c in containers for li in c.findall(_LI)):
            continue
        if not containers:
            if (name, kind) in _WHEN_PRESENT:
                continue
            prop = ET.SubElement(target, name)
            containers = [ET.SubElement(prop, f"{{{NS_RDF}}}{kind}")]
        ET.SubElement(containers[0], _LI).text = keyword
