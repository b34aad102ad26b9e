"""Every mark a person made, anywhere, is read and respected.

1. A sidecar that is there but cannot be read (truncated, too large, an undeclared entity,
   an impossible value) holds its photo: never rejected, moved or rewritten; named with
   its cause in the summary and the JSON.
2. digiKam's, darktable's and Photo Mechanic's own fields are marks (table in
   docs/sidecars.md); a digiKam-rejected frame never becomes the automatic pick.
3. The XMP packet inside the photo (JPEG, TIFF, DNG, HEIF, PNG, WebP) and the EXIF rating
   are a person's marks, read by the same parser and rules.
4. Sources that disagree: the stronger mark is kept, the conflict named, nothing moved.
7. No file's content stops the run (``inf``, ``1e999``, 3,000 nested elements, fuzzing).
12. A rewrite keeps a comment outside the root and the xpacket wrapper and padding.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
import test_hostile
import test_photos_fixtures as fixtures
import tifffile
from PIL import Image, PngImagePlugin
from test_photos_fixtures import checksums, dng, jpeg

from app.catalog import Catalog, Flag
from app.cli import EXIT_OK, main
from app.sidecars import MAX_SIDECAR_BYTES, SidecarError, XmpMarks, read_sidecar, update_sidecar
from app.sidecars.embedded import read_embedded
from app.sidecars.marks import Combined, Mark, Pick, combine
from app.sidecars.xmp import packet_marks

EXIFTOOL = shutil.which("exiftool")
needs_exiftool = pytest.mark.skipif(EXIFTOOL is None, reason="exiftool is not installed")

NAMESPACES = (
    'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:digiKam="http://www.digikam.org/ns/1.0/" xmlns:darktable="http://darktable.sf.net/" '
    'xmlns:photomechanic="http://ns.camerabits.com/photomechanic/1.0/" '
    'xmlns:MicrosoftPhoto="http://ns.microsoft.com/photo/1.0/"'
)


def xmp(attributes: str = "", body: str = "") -> str:
    """A sidecar as the applications write it: marks as attributes, a keyword inside."""
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f'<rdf:Description rdf:about="" {NAMESPACES} {attributes}>'
        f"<dc:subject><rdf:Bag><rdf:li>wedding</rdf:li></rdf:Bag></dc:subject>{body}"
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
    )


def with_xmp_segment(jpeg_bytes: bytes, packet: bytes) -> bytes:
    """A JPEG with an XMP APP1 segment after its start marker, as Lightroom writes it."""
    body = b"http://ns.adobe.com/xap/1.0/\x00" + packet
    segment = b"\xff\xe1" + (len(body) + 2).to_bytes(2, "big") + body
    return jpeg_bytes[:2] + segment + jpeg_bytes[2:]


def cull(tmp_path: Path, folder: Path, *args: str) -> dict:
    """Cull with the technical scorer; the JSON it wrote."""
    out = tmp_path / "cull.json"
    argv = [str(folder), "--db", str(tmp_path / "catalog.sqlite3"), "--model", "technical"]
    assert main([*argv, "--json", str(out), *args]) == EXIT_OK
    return json.loads(out.read_text())


def decisions(tmp_path: Path, folder: Path) -> dict:
    with Catalog(tmp_path / "catalog.sqlite3") as catalog:
        return {p.relpath: catalog.decision(p.id) for p in catalog.photos(folder)}


shoot = test_hostile.shoot  # two bursts of three frames, frame 2 sharp: 1 and 3 get rejected
REJECT_AND_MOVE = ("--write-xmp", "--reject-others", "--move-rejects")


# -- 1. unreadable sidecars -------------------------------------------------------------------

UNREADABLE = {
    "truncated": xmp('xmp:Rating="5"')[:150],
    "undeclared entity": xmp('xmp:Rating="5" xmp:Label="Red&nbsp;"'),
    "rating 6": xmp('xmp:Rating="6"'),
    "nan": xmp('xmp:Rating="nan"'),
    "hexadecimal": xmp('xmp:Rating="0x5"'),
    "inf": xmp('xmp:Rating="inf"'),
    "1e999": xmp('xmp:Rating="1e999"'),
    "pick label 7": xmp('digiKam:PickLabel="7"'),
    "rating percent 250": xmp('MicrosoftPhoto:Rating="250"'),
    "rating as a structure": xmp(
        "", "<xmp:Rating><rdf:Alt><rdf:li>5</rdf:li></rdf:Alt></xmp:Rating>"
    ),
    "nested 3000 deep": xmp('xmp:Rating="5"', "<dc:x>" + "<a>" * 3000 + "</a>" * 3000 + "</dc:x>"),
}


@pytest.mark.parametrize("text", UNREADABLE.values(), ids=UNREADABLE.keys())
def test_an_unreadable_or_impossible_sidecar_is_an_error_value(tmp_path: Path, text: str):
    sidecar = tmp_path / "a.xmp"
    sidecar.write_text(text, encoding="utf-8")
    before = sidecar.read_bytes()
    with pytest.raises(SidecarError) as error:
        read_sidecar(sidecar)
    assert error.value.path == sidecar
    with pytest.raises(SidecarError):
        update_sidecar(sidecar, XmpMarks(rating=-1))
    assert sidecar.read_bytes() == before


def test_unreadable_sidecars_of_five_star_photos_are_never_rejected_moved_or_rewritten(
    tmp_path: Path, shoot: Path, capsys
):
    """Four 5-star photos whose sidecars could not be parsed (and one of 9 MB) were
    auto-rejected and moved while the run said "Moved 17 of 17"."""
    bad = {
        "astronaut_01": UNREADABLE["truncated"],
        "astronaut_03": UNREADABLE["rating 6"],
        "coffee_01": UNREADABLE["undeclared entity"],
        "coffee_03": UNREADABLE["nan"],
    }
    for stem, text in bad.items():
        (shoot / f"{stem}.xmp").write_text(text, encoding="utf-8")
    bad["coffee_02"] = "over the size cap"  # the sharp frame: held, so not even picked
    with (shoot / "coffee_02.xmp").open("w") as handle:
        handle.write(xmp('xmp:Rating="5"') + " " * (MAX_SIDECAR_BYTES + 1))
    before = checksums(shoot)
    report = cull(tmp_path, shoot, *REJECT_AND_MOVE, str(tmp_path / "rejects"))
    after = checksums(shoot)
    for stem in bad:  # nothing moved, no sidecar rewritten or added
        assert after[f"{stem}.jpg"] == before[f"{stem}.jpg"]
        assert after[f"{stem}.xmp"] == before[f"{stem}.xmp"]
        assert f"{stem}.jpg.xmp" not in after
    out = capsys.readouterr().out
    for stem in bad:
        assert f"{stem}.xmp: cannot read sidecar" in out
    assert "a person may have marked this photo" in out
    assert "Moved 0 of 0 rejected photos" in out
    assert sorted(h["path"] for h in report["held"]) == sorted(f"{s}.jpg" for s in bad)
    for stem in bad:
        assert decisions(tmp_path, shoot)[f"{stem}.jpg"].flag is not Flag.REJECT


def test_an_earlier_automatic_reject_is_taken_back_when_the_sidecar_cannot_be_read(
    tmp_path: Path, shoot: Path
):
    """A photo rejected by an earlier run stays in the catalog as a reject: a later move
    (here, or from the window) would take it although its sidecar now holds marks."""
    from app.gui.fileops import rejects_to_move

    cull(tmp_path, shoot, "--reject-others")
    assert decisions(tmp_path, shoot)["coffee_03.jpg"].flag is Flag.REJECT
    (shoot / "coffee_03.xmp").write_text(UNREADABLE["truncated"], encoding="utf-8")
    with Catalog(tmp_path / "catalog.sqlite3") as catalog:
        window_moves = [p.relpath for p in rejects_to_move(catalog, str(shoot)).photos]
    assert "coffee_03.jpg" not in window_moves
    cull(tmp_path, shoot, "--reject-others", "--move-rejects", str(tmp_path / "rejects"))
    assert (shoot / "coffee_03.jpg").exists()
    assert decisions(tmp_path, shoot)["coffee_03.jpg"].flag is Flag.NONE


# -- 2. every application's fields ---------------------------------------------------------

CLIENT_FIELDS = {
    "digiKam accepted": ('digiKam:PickLabel="3"', XmpMarks(pick=Pick.ACCEPTED)),
    "digiKam pending": ('digiKam:PickLabel="2"', XmpMarks(pick=Pick.PENDING)),
    "digiKam rejected": ('digiKam:PickLabel="1"', XmpMarks(pick=Pick.REJECTED)),
    "digiKam none": ('digiKam:PickLabel="0"', XmpMarks()),
    "digiKam colour": ('digiKam:ColorLabel="4"', XmpMarks(label="Green")),
    "digiKam stars and colour": (
        'xmp:Rating="4" digiKam:ColorLabel="6"',
        XmpMarks(rating=4, label="Magenta"),
    ),
    "Photo Mechanic tagged": ('photomechanic:Tagged="True"', XmpMarks(pick=Pick.ACCEPTED)),
    "Photo Mechanic untagged": ('photomechanic:Tagged="False"', XmpMarks()),
    "Photo Mechanic colour class": ('photomechanic:ColorClass="2"', XmpMarks(label="Winner alt")),
    "Photo Mechanic prefs": (
        'photomechanic:Prefs="1:3:4:-00001"',
        XmpMarks(rating=4, label="Superior", pick=Pick.ACCEPTED),
    ),
    "Capture One": ('xmp:Rating="2" xmp:Label="Pink"', XmpMarks(rating=2, label="Pink")),
    # Windows' percent, alone: 1, 25, 50, 75, 99 are what it writes for 1..5 stars
    "Windows 1 star": ('MicrosoftPhoto:Rating="1"', XmpMarks(rating=1)),
    "Windows 2 stars": ('MicrosoftPhoto:Rating="25"', XmpMarks(rating=2)),
    "Windows 4 stars": ('MicrosoftPhoto:Rating="75"', XmpMarks(rating=4)),
    "Windows 4 stars, edge": ('MicrosoftPhoto:Rating="87"', XmpMarks(rating=4)),
    "Windows 5 stars": ('MicrosoftPhoto:Rating="99"', XmpMarks(rating=5)),
    "Windows unrated": ('MicrosoftPhoto:Rating="0"', XmpMarks()),
}


@pytest.mark.parametrize("attributes,expected", CLIENT_FIELDS.values(), ids=CLIENT_FIELDS.keys())
def test_every_applications_marks_are_read(tmp_path: Path, attributes: str, expected: XmpMarks):
    sidecar = tmp_path / "a.xmp"
    sidecar.write_text(xmp(attributes), encoding="utf-8")
    assert read_sidecar(sidecar).marks == expected


def test_darktable_colour_labels_are_read_from_their_sequence(tmp_path: Path):
    sequence = (
        "<darktable:colorlabels><rdf:Seq><rdf:li>0</rdf:li><rdf:li>3</rdf:li>"
        "</rdf:Seq></darktable:colorlabels>"
    )
    sidecar = tmp_path / "a.CR3.xmp"
    sidecar.write_text(xmp('xmp:Rating="1"', sequence), encoding="utf-8")
    assert read_sidecar(sidecar).marks == XmpMarks(rating=1, label="Red, Blue")


@needs_exiftool
def test_fields_written_by_exiftool_are_read_the_same(tmp_path: Path):
    """exiftool writes these fields the way digiKam and Photo Mechanic do."""
    sidecar = tmp_path / "IMG_0001.xmp"
    tags = ["-XMP-digiKam:PickLabel=1", "-XMP-digiKam:ColorLabel=1"]
    tags += ["-XMP-photomech:ColorClass=3", "-XMP-xmp:Rating=2"]
    subprocess.run([EXIFTOOL, "-q", "-o", str(sidecar), *tags], check=True)
    state = read_sidecar(sidecar)
    # a reject (digiKam) and 2 stars in one file: a conflict, the stars are kept
    assert state.marks == XmpMarks(rating=2, label="Red")
    assert "digiKam:PickLabel says reject" in state.conflict


def test_a_digikam_reject_is_never_the_automatic_pick_and_other_marks_are_never_moved(
    tmp_path: Path, shoot: Path
):
    """A digiKam-rejected sharp frame became the pick with Rating 3 / Green written; a
    digiKam-accepted frame and a frame with only a darktable colour label were moved."""
    (shoot / "astronaut_02.jpg.xmp").write_text(xmp('digiKam:PickLabel="1"'), encoding="utf-8")
    (shoot / "astronaut_03.jpg.xmp").write_text(xmp('digiKam:PickLabel="3"'), encoding="utf-8")
    colour = "<darktable:colorlabels><rdf:Seq><rdf:li>4</rdf:li></rdf:Seq></darktable:colorlabels>"
    (shoot / "coffee_01.jpg.xmp").write_text(xmp("", colour), encoding="utf-8")
    (shoot / "coffee_03.xmp").write_text(xmp('photomechanic:Tagged="True"'), encoding="utf-8")
    cull(tmp_path, shoot, "--write-xmp", "--reject-others")
    marks = decisions(tmp_path, shoot)
    assert marks["astronaut_02.jpg"].flag is Flag.REJECT and marks["astronaut_02.jpg"].is_user
    assert read_sidecar(shoot / "astronaut_02.xmp").marks.rating == -1  # the person's reject
    assert marks["astronaut_03.jpg"].flag is Flag.PICK
    assert marks["coffee_01.jpg"].label == "Purple" and marks["coffee_01.jpg"].is_user
    assert marks["coffee_03.jpg"].flag is Flag.PICK
    cull(tmp_path, shoot, "--reject-others", "--move-rejects", str(tmp_path / "rejects"))
    for kept in ("astronaut_03.jpg", "coffee_01.jpg", "coffee_03.jpg"):
        assert (shoot / kept).exists(), kept
    assert (tmp_path / "rejects" / "astronaut_02.jpg").exists()  # rejected in digiKam


# -- 3. the XMP inside the photo ---------------------------------------------------------------

PACKET = (
    b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    + xmp('xmp:Rating="5" xmp:Label="Red"').encode()
    + b'<?xpacket end="w"?>'
)


def _embedded(path: Path) -> XmpMarks | None:
    found = read_embedded(path)
    return None if found.packet is None else packet_marks(found.packet, path)[0]


def test_the_xmp_packet_is_found_in_every_format_without_decoding(tmp_path: Path):
    image = Image.new("RGB", (32, 24), (120, 30, 30))
    expected = XmpMarks(rating=5, label="Red")
    jpeg_bytes = io.BytesIO()
    image.save(jpeg_bytes, "JPEG")
    (tmp_path / "a.jpg").write_bytes(with_xmp_segment(jpeg_bytes.getvalue(), PACKET))
    image.save(tmp_path / "a.tif", tiffinfo={700: PACKET})
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", PACKET.decode(), zip=True)
    image.save(tmp_path / "a.png", pnginfo=info)
    image.save(tmp_path / "a.webp", xmp=PACKET)
    for name in ("a.jpg", "a.tif", "a.png", "a.webp"):
        assert _embedded(tmp_path / name) == expected, name
    assert _embedded(dng_with_xmp(tmp_path / "a.dng")) == expected


def test_the_xmp_of_a_heif_photo_is_found(tmp_path: Path):
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    Image.new("RGB", (64, 48), (10, 90, 10)).save(tmp_path / "a.heic", xmp=PACKET)
    assert _embedded(tmp_path / "a.heic") == XmpMarks(rating=5, label="Red")


def dng_with_xmp(path: Path) -> Path:
    """A DNG whose first directory holds an XMP packet (tag 700), as Lightroom writes it."""
    mosaic = np.full((64, 96), 1000, dtype=np.uint16)
    tags = [*fixtures._DNG_TAGS, *fixtures._CFA_TAGS, (700, "B", len(PACKET), PACKET, True)]
    with tifffile.TiffWriter(path) as writer:
        writer.write(mosaic, photometric=32803, subfiletype=0, extratags=tags)
    return path


def test_a_cameras_exif_rating_is_a_mark(tmp_path: Path):
    exif = Image.Exif()
    exif[0x4746] = 4  # Rating, as cameras and Windows write it
    Image.new("RGB", (32, 24)).save(tmp_path / "a.jpg", exif=exif)
    assert read_embedded(tmp_path / "a.jpg").exif_rating == 4


def test_a_rating_only_windows_wrote_keeps_the_photo(tmp_path: Path, shoot: Path):
    """Windows' percent rating, in a sidecar or in the photo's EXIF (tag 0x4749) with no
    ``Rating`` beside it, is a person's stars: the frame is never rejected or moved."""
    (shoot / "astronaut_01.xmp").write_text(xmp('MicrosoftPhoto:Rating="75"'), encoding="utf-8")
    with Image.open(shoot / "coffee_03.jpg") as image:
        exif, pixels = image.getexif(), image.copy()
    exif[0x4749] = 50  # RatingPercent: 3 stars, the capture time kept
    pixels.save(shoot / "coffee_03.jpg", exif=exif, quality=95)
    assert read_embedded(shoot / "coffee_03.jpg").exif_rating_percent == 50
    cull(tmp_path, shoot, *REJECT_AND_MOVE, str(tmp_path / "rejects"))
    marks = decisions(tmp_path, shoot)
    assert (marks["astronaut_01.jpg"].rating, marks["coffee_03.jpg"].rating) == (4, 3)
    assert marks["astronaut_01.jpg"].is_user and marks["coffee_03.jpg"].is_user
    for kept in ("astronaut_01.jpg", "coffee_03.jpg"):
        assert (shoot / kept).exists(), kept
    assert read_sidecar(shoot / "astronaut_01.xmp").marks.rating == 4


@needs_exiftool
def test_windows_ratings_written_by_exiftool_are_read(tmp_path: Path):
    photo = jpeg(tmp_path / "a.jpg")
    tags = ["-IFD0:RatingPercent=99", "-XMP-microsoft:RatingPercent=99"]
    subprocess.run([EXIFTOOL, "-q", "-overwrite_original", *tags, str(photo)], check=True)
    found = read_embedded(photo)
    assert found.exif_rating_percent == 99
    assert packet_marks(found.packet, photo)[0] == XmpMarks(rating=5)


@needs_exiftool
def test_packets_exiftool_writes_into_photos_are_read(tmp_path: Path):
    photos = [jpeg(tmp_path / "a.jpg"), dng(tmp_path / "b.dng")]
    Image.new("RGB", (32, 24)).save(tmp_path / "c.tif")
    photos.append(tmp_path / "c.tif")
    for photo in photos:
        subprocess.run(
            [
                EXIFTOOL,
                "-q",
                "-overwrite_original",
                "-XMP-xmp:Rating=4",
                "-XMP-xmp:Label=Blue",
                str(photo),
            ],
            check=True,
        )
        assert _embedded(photo) == XmpMarks(rating=4, label="Blue"), photo.name


def test_a_five_star_packet_inside_the_jpeg_keeps_it_from_being_rejected_or_moved(
    tmp_path: Path, shoot: Path, monkeypatch
):
    """A JPEG whose own XMP said Rating 5 was rejected and moved, its new sidecar saying -1."""
    photo = shoot / "coffee_03.jpg"
    stat = photo.stat()
    photo.write_bytes(with_xmp_segment(photo.read_bytes(), PACKET))
    os.utime(photo, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    before = photo.read_bytes()
    cull(tmp_path, shoot, *REJECT_AND_MOVE, str(tmp_path / "rejects"))
    assert photo.read_bytes() == before
    marks = decisions(tmp_path, shoot)["coffee_03.jpg"]
    assert (marks.flag, marks.rating, marks.label, marks.is_user) == (Flag.NONE, 5, "Red", True)
    sidecar = read_sidecar(shoot / "coffee_03.xmp")
    assert sidecar is None or sidecar.marks.rating != -1
    # an unchanged rerun opens no photo to look for its packet again
    import app.sidecars.sync as sync

    opened = []
    monkeypatch.setattr(sync, "read_embedded", lambda path: opened.append(path))
    cull(tmp_path, shoot, "--reject-others")
    assert opened == []


# -- 4. sources that disagree ------------------------------------------------------------------


def test_the_combining_rule_keeps_the_stronger_mark():
    assert combine([Mark("a", rating=-1), Mark("b", rating=5)]) == Combined(
        rating=5, conflict="a says reject but b says 5 stars"
    )
    assert combine([Mark("a", rating=2), Mark("b", rating=4, label="Red")]).rating == 4
    assert combine([Mark("a", pick=Pick.REJECTED), Mark("b", rating=0)]).pick is Pick.REJECTED
    picked = combine([Mark("a", rating=-1), Mark("b", pick=Pick.ACCEPTED)])
    assert (picked.pick, picked.rating) == (Pick.ACCEPTED, None) and picked.conflict
    assert combine([Mark("a", label="Blue"), Mark("b", label="Red")]).label == "Blue"
    assert combine([Mark("a", pick=Pick.PENDING), Mark("b", rating=-1)]).rating == -1


def test_two_sidecars_that_disagree_never_lower_the_five_stars_and_are_reported(
    tmp_path: Path, shoot: Path, capsys
):
    """coffee_03.xmp Rating -1 and the newer darktable coffee_03.jpg.xmp 5 stars: the first
    by name won, the 5 stars became -1 and the photo moved, with no warning."""
    (shoot / "coffee_03.xmp").write_text(xmp('xmp:Rating="-1"'), encoding="utf-8")
    time.sleep(0.01)
    (shoot / "coffee_03.jpg.xmp").write_text(xmp('xmp:Rating="5"'), encoding="utf-8")
    before = checksums(shoot)
    for _run in range(2):  # and again: the files still disagree
        report = cull(tmp_path, shoot, *REJECT_AND_MOVE, str(tmp_path / "rejects"))
        assert (shoot / "coffee_03.jpg").exists()
        for name in ("coffee_03.jpg", "coffee_03.xmp", "coffee_03.jpg.xmp"):
            assert checksums(shoot)[name] == before[name]
        out = capsys.readouterr().out
        assert "coffee_03.xmp says reject but coffee_03.jpg.xmp says 5 stars" in out
        assert [h["path"] for h in report["held"]] == ["coffee_03.jpg"]
    marks = decisions(tmp_path, shoot)["coffee_03.jpg"]
    assert (marks.flag, marks.rating) == (Flag.NONE, 5)


# -- 7. no file's content stops the run -----------------------------------------------------


def test_infinite_ratings_and_deep_nesting_never_stop_the_run(tmp_path: Path, shoot: Path):
    """Rating="inf" or "1e999" raised OverflowError (exit 1, nothing culled) and a sidecar
    nested 3,000 deep RecursionError in --write-xmp, on every rerun."""
    (shoot / "astronaut_01.xmp").write_text(UNREADABLE["inf"], encoding="utf-8")
    (shoot / "astronaut_03.xmp").write_text(UNREADABLE["1e999"], encoding="utf-8")
    (shoot / "coffee_01.xmp").write_text(UNREADABLE["nested 3000 deep"], encoding="utf-8")
    photo = shoot / "coffee_03.jpg"  # and inside a photo
    photo.write_bytes(with_xmp_segment(photo.read_bytes(), UNREADABLE["1e999"].encode()))
    before = checksums(shoot)
    report = cull(tmp_path, shoot, "--write-xmp", "--reject-others")
    assert report["stats"]["photos"] == 6
    held = {h["path"]: h["reason"] for h in report["held"]}
    assert sorted(held) == [
        "astronaut_01.jpg",
        "astronaut_03.jpg",
        "coffee_01.jpg",
        "coffee_03.jpg",
    ]
    assert "cannot read the marks inside the photo: xmp:Rating '1e999'" in held["coffee_03.jpg"]
    assert "coffee_03.xmp" not in checksums(shoot)  # held: no sidecar written either
    for name in ("astronaut_01.xmp", "astronaut_03.xmp", "coffee_01.xmp"):
        assert checksums(shoot)[name] == before[name]


def _mutations(rng: random.Random, data: bytes, count: int):
    pieces = [b"<", b">", b"&", b'"', b"\x00", b"\xff", b"<rdf:li>", b"]]>", b"xmp:Rating=", b"9"]
    for _ in range(count):
        kind = rng.randrange(4)
        at = rng.randrange(len(data) + 1)
        if kind == 0:
            yield data[:at]  # truncated
        elif kind == 1 and data:
            flipped = bytearray(data)
            for _ in range(rng.randint(1, 8)):
                flipped[rng.randrange(len(flipped))] = rng.randrange(256)
            yield bytes(flipped)
        elif kind == 2:
            yield data[:at] + rng.choice(pieces) + data[at:]
        else:
            yield data[:at] + data[at + rng.randint(1, 40) :]


def test_fuzzed_sidecars_and_photos_only_ever_give_error_values(tmp_path: Path):
    """Random truncations and mutations of real sidecars (fixed seed): reading and merging
    either work or raise SidecarError, never anything else; a photo's packet likewise."""
    rng = random.Random(19)
    darktable = xmp(
        'xmp:Rating="3" darktable:xmp_version="5"',
        "<darktable:colorlabels><rdf:Seq><rdf:li>1</rdf:li></rdf:Seq></darktable:colorlabels>"
        '<darktable:history><rdf:Seq><rdf:li darktable:operation="exposure" '
        'darktable:enabled="1"/></rdf:Seq></darktable:history>',
    )
    seeds = [
        PACKET,
        darktable.encode(),
        xmp('digiKam:PickLabel="3" digiKam:ColorLabel="2" photomechanic:Prefs="1:2:3:4"').encode(),
    ]
    sidecar = tmp_path / "fuzz.xmp"
    for seed in seeds:
        for mutated in _mutations(rng, seed, 150):
            sidecar.write_bytes(mutated)
            with contextlib.suppress(SidecarError):
                read_sidecar(sidecar)
                update_sidecar(sidecar, XmpMarks(rating=-1, label="Yellow"))
                read_sidecar(sidecar)
    photo = tmp_path / "fuzz.photo"
    for original in _photos_with_packets(tmp_path):
        for mutated in _mutations(rng, original, 60):
            photo.write_bytes(mutated)
            found = read_embedded(photo)
            if found.packet is not None:
                with contextlib.suppress(SidecarError):
                    packet_marks(found.packet, photo)


def _photos_with_packets(tmp_path: Path) -> list[bytes]:
    """A small JPEG, TIFF, PNG, WebP (and HEIC when pillow-heif is there) with a packet."""
    image = Image.new("RGB", (16, 16), (200, 100, 0))
    made = []
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    made.append(with_xmp_segment(buffer.getvalue(), PACKET))
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", PACKET.decode(), zip=True)
    for kind, extra in (("TIFF", {"tiffinfo": {700: PACKET}}), ("PNG", {"pnginfo": info})):
        buffer = io.BytesIO()
        image.save(buffer, kind, **extra)
        made.append(buffer.getvalue())
    buffer = io.BytesIO()
    image.save(buffer, "WEBP", xmp=PACKET)
    made.append(buffer.getvalue())
    with contextlib.suppress(ImportError):
        from pillow_heif import register_heif_opener

        register_heif_opener()
        image.save(tmp_path / "seed.heic", xmp=PACKET)
        made.append((tmp_path / "seed.heic").read_bytes())
    return made


# -- 12. what lies around the root element ---------------------------------------------------


def test_a_rewrite_keeps_comments_outside_the_root_and_the_xpacket_padding(tmp_path: Path):
    padding = " " * 2000
    text = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        "<!-- checked by hand, 2024-06-01 -->\n"
        + xmp('xmp:Label="Blue"')
        + "\n<!-- end of marks -->\n"
        + padding
        + '\n<?xpacket end="w"?>'
    )
    sidecar = tmp_path / "a.xmp"
    sidecar.write_text(text, encoding="utf-8")
    assert update_sidecar(sidecar, XmpMarks(rating=4))
    after = sidecar.read_text(encoding="utf-8")
    assert after.startswith('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n')
    assert "<!-- checked by hand, 2024-06-01 -->" in after
    assert after.endswith("\n<!-- end of marks -->\n" + padding + '\n<?xpacket end="w"?>')
    assert read_sidecar(sidecar).marks == XmpMarks(rating=4, label="Blue")
    assert "wedding" in after


def test_a_rerun_reads_only_photos_whose_own_xmp_was_not_read_in_this_version(
    tmp_path: Path, shoot: Path
):
    """No sidecar and nothing changed: the import is skipped; a photo catalogued before its
    packet was ever read (an older catalog) is read once."""
    import sqlite3

    from app.sidecars.sync import unread_embedded

    photo = shoot / "coffee_01.jpg"
    stat = photo.stat()
    photo.write_bytes(with_xmp_segment(photo.read_bytes(), PACKET))
    os.utime(photo, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    cull(tmp_path, shoot)
    with Catalog(tmp_path / "catalog.sqlite3") as catalog:
        files = [(p.id, [(p.relpath, shoot / p.relpath)]) for p in catalog.photos(shoot)]
        assert unread_embedded(catalog, files) == []
        ids = {p.relpath: p.id for p in catalog.photos(shoot)}
        catalog.clear_user_decision(ids["coffee_01.jpg"])
    with sqlite3.connect(tmp_path / "catalog.sqlite3") as db:
        db.execute("DELETE FROM sidecars")  # as a catalog from before this version
    cull(tmp_path, shoot, "--reject-others")
    marks = decisions(tmp_path, shoot)["coffee_01.jpg"]
    assert (marks.rating, marks.is_user) == (5, True)


def test_a_write_with_no_import_before_it_rewrites_no_sidecar_of_a_held_photo(
    tmp_path: Path, shoot: Path
):
    """The window writes (Ctrl+S) without a cull first: a photo with an unreadable sidecar
    gets no other sidecar either (here the Lightroom-style name, next to darktable's), and
    two sidecars that disagree are both left as they are."""
    from app.options import SidecarStyle, XmpScheme
    from app.sidecars import FolderSidecars

    cull(tmp_path, shoot, "--reject-others")
    (shoot / "coffee_03.jpg.xmp").write_text(UNREADABLE["inf"], encoding="utf-8")
    (shoot / "coffee_01.xmp").write_text(xmp('xmp:Rating="-1"'), encoding="utf-8")
    (shoot / "coffee_01.jpg.xmp").write_text(xmp('xmp:Rating="5"'), encoding="utf-8")
    before = checksums(shoot)
    with Catalog(tmp_path / "catalog.sqlite3") as catalog:
        report = FolderSidecars(catalog, shoot).write(XmpScheme.REJECT_OTHERS, SidecarStyle.BOTH)
    after = checksums(shoot)
    assert "coffee_03.xmp" not in after
    for name in ("coffee_01.xmp", "coffee_01.jpg.xmp", "coffee_03.jpg.xmp"):
        assert after[name] == before[name], name
    assert "astronaut_01.xmp" in after  # the others are written
    problems = [str(p) for p in report.problems]
    assert any(p.startswith("coffee_03.jpg.xmp: cannot read sidecar") for p in problems)
    assert any(p.startswith("coffee_01.jpg: marks disagree") for p in problems)


def test_a_person_rejecting_the_top_frame_passes_the_pick_to_the_next(tmp_path: Path, shoot: Path):
    """The frame ranked first was rejected in digiKam: the next-best frame becomes the pick
    (keyword and catalog), so the series is not left with every frame rejected and moved."""
    series = next(x for x in cull(tmp_path, shoot)["series"] if len(x["members"]) > 1)
    top = series["best"]
    second = next(m["path"] for m in series["members"] if m["rank"] == 2)
    (shoot / f"{top}.xmp").write_text(xmp('digiKam:PickLabel="1"'), encoding="utf-8")
    cull(tmp_path, shoot, "--write-xmp", "--reject-others", "--move-rejects", str(tmp_path / "R"))
    marks = decisions(tmp_path, shoot)
    assert marks[second].flag is Flag.PICK and not marks[second].is_user
    assert (shoot / second).exists()
    assert "FGAesQ pick" in (shoot / Path(second).with_suffix(".xmp")).read_text("utf-8")
    assert (tmp_path / "R" / top).exists()  # the person's own reject, moved as asked


# -- the cost of reading marks ------------------------------------------------------------------


def test_reading_many_photos_marks_costs_the_catalog_a_few_statements_not_a_few_a_photo(
    tmp_path: Path,
):
    """Marks are read in batches (a cull takes 64, then 8 at a time): four times the photos
    take the catalog a handful more statements (a round trip per photo once made 300
    photos' marks take 16 s under load).  The rules hold in the batch: a sidecar that
    rejects what the photo's own packet gives five stars never lowers them and holds it; an
    unreadable sidecar holds its photo and is named."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from app.catalog import PhotoInfo
    from app.sidecars import FolderSidecars

    tiny = io.BytesIO()
    Image.new("RGB", (16, 12), (90, 60, 30)).save(tiny, "JPEG")
    photo = with_xmp_segment(tiny.getvalue(), PACKET)  # five stars, Red

    def read_marks(count: int) -> tuple[int, dict[str, object]]:
        folder = tmp_path / f"shoot{count}"
        folder.mkdir()
        for k in range(count):
            (folder / f"IMG_{k:03d}.jpg").write_bytes(photo)
            sidecar = xmp('xmp:Rating="-1"') if k % 2 else UNREADABLE["inf"]
            (folder / f"IMG_{k:03d}.xmp").write_text(sidecar, encoding="utf-8")
        executed = []
        count_it = lambda *_args: executed.append(1)  # noqa: E731
        with Catalog(tmp_path / f"catalog{count}.sqlite3") as catalog:
            files = sorted(folder.glob("*.jpg"))
            infos = [PhotoInfo(str(folder), f.name, f.stat().st_size, 0) for f in files]
            ids = catalog.upsert_photos(infos)
            sidecars = FolderSidecars(catalog, folder)
            event.listen(Engine, "before_cursor_execute", count_it)
            try:
                report = sidecars.import_marks(ids)
            finally:
                event.remove(Engine, "before_cursor_execute", count_it)
            marks = catalog.decisions(ids)
        assert sorted(report.imported) == ids
        assert sorted(report.held) == ids
        assert all((m.rating, m.label, m.is_user) == (5, "Red", True) for m in marks.values())
        unreadable = [p for p in report.problems if "cannot read sidecar" in p.error]
        assert sorted(p.path for p in unreadable) == [
            f"IMG_{k:03d}.xmp" for k in range(0, count, 2)
        ]
        return len(executed)

    few, many = read_marks(10), read_marks(40)
    assert many - few <= 4, f"{few} statements for 10 photos, {many} for 40"
