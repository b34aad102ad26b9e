"""Hostile cases for the marks other applications left and for what happens to a card between
its reading and the move of its rejects.  Each test names the harm it rules out.

1. Sidecars spelled differently from the photo's name, packets too large to read.
2. Files that change between the reading and the move.
3. A photo's EXIF thumbnail that claims to be huge, files that are PostScript inside.
"""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest
import test_hostile
from PIL import Image
from test_marks_read import PACKET, REJECT_AND_MOVE, cull, decisions, with_xmp_segment, xmp
from test_photos_fixtures import blurred, burst, checksums, exif, jpeg, scene

from app.catalog import Catalog, DecisionSource, Flag
from app.moves import move_rejects, rejected_photos
from app.photos.embedded import exif_thumbnail, exif_with_thumbnail
from app.pipeline import run as run_module
from app.sidecars import MAX_SIDECAR_BYTES, read_marks
from app.sidecars.embedded import read_embedded

shoot = test_hostile.shoot  # two bursts of three frames, frame 2 sharp: 1 and 3 get rejected

# -- 1. sidecars spelled differently ---------------------------------------------------------


def test_a_sidecar_whose_name_differs_only_in_case_keeps_its_stars_and_moves_with_its_photo(
    tmp_path: Path, shoot: Path
):
    """ASTRONAUT_01.xmp, written on a case-insensitive disk, was not read beside
    astronaut_01.jpg: its five stars were lost, the photo rejected and moved, and a twin
    astronaut_01.xmp written; a reject's COFFEE_01.JPG.xmp stayed behind."""
    (shoot / "ASTRONAUT_01.xmp").write_text(xmp('xmp:Rating="5"'), encoding="utf-8")
    (shoot / "COFFEE_01.JPG.xmp").write_text(xmp(), encoding="utf-8")  # keywords only
    before = checksums(shoot)
    cull(tmp_path, shoot, *REJECT_AND_MOVE, str(tmp_path / "rejects"))

    assert decisions(tmp_path, shoot)["astronaut_01.jpg"].rating == 5
    assert (shoot / "astronaut_01.jpg").exists()
    assert not (shoot / "astronaut_01.xmp").exists()  # no twin beside the person's file
    assert checksums(shoot)["ASTRONAUT_01.xmp"] == before["ASTRONAUT_01.xmp"]
    assert read_marks(shoot / "ASTRONAUT_01.xmp").rating == 5
    moved = checksums(tmp_path / "rejects")
    assert moved["coffee_01.jpg"] == before["coffee_01.jpg"]
    assert moved["COFFEE_01.JPG.xmp"] == before["COFFEE_01.JPG.xmp"]
    assert not (shoot / "COFFEE_01.JPG.xmp").exists()


def test_a_rating_given_twice_in_one_sidecar_never_loses_its_five_stars(
    tmp_path: Path, shoot: Path
):
    """``xmp:Rating="-1"`` and ``<xmp:Rating>5</xmp:Rating>`` in one file (and a second
    description with 5 stars in another): only the first value was read, so the five stars
    became a person's reject and the photo moved."""
    twice = xmp('xmp:Rating="-1"', "<xmp:Rating>5</xmp:Rating>")
    (shoot / "astronaut_01.xmp").write_text(twice, encoding="utf-8")
    second = xmp('xmp:Rating="1"').replace(
        "</rdf:RDF>",
        '<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
        'xmp:Rating="5"/></rdf:RDF>',
    )
    (shoot / "coffee_01.xmp").write_text(second, encoding="utf-8")
    report = cull(tmp_path, shoot, "--reject-others", "--move-rejects", str(tmp_path / "r"))

    assert [h["path"] for h in report["held"]] == ["astronaut_01.jpg"]
    assert "xmp:Rating says reject but xmp:Rating says 5 stars" in report["held"][0]["reason"]
    assert (shoot / "astronaut_01.jpg").exists() and (shoot / "coffee_01.jpg").exists()
    marks = decisions(tmp_path, shoot)
    assert (marks["astronaut_01.jpg"].flag, marks["astronaut_01.jpg"].rating) == (Flag.NONE, 5)
    assert marks["coffee_01.jpg"].rating == 5


def test_a_megabyte_colour_label_holds_its_photo_and_never_floods_the_summary(
    tmp_path: Path, shoot: Path, capsys
):
    """``xmp:Label`` of 7 MB (any length was taken): stored as the photo's label, and the
    summary padded every row to it (44 MB printed for six photos)."""
    huge = xmp(f'xmp:Label="{"R" * 1_000_000}"')
    (shoot / "astronaut_01.xmp").write_text(huge, encoding="utf-8")
    report = cull(tmp_path, shoot, "--reject-others")

    assert [h["path"] for h in report["held"]] == ["astronaut_01.jpg"]
    assert "not a label of at most 100 characters" in report["held"][0]["reason"]
    assert decisions(tmp_path, shoot)["astronaut_01.jpg"].label is None
    assert len(capsys.readouterr().out) < 20_000


def test_five_stars_in_a_jpegs_second_xmp_segment_are_a_mark(tmp_path: Path, shoot: Path):
    """A tool that added an XMP segment instead of replacing the first: the five stars of
    the second (exiftool reads both) were never read, and the photo was rejected and moved."""
    photo = shoot / "astronaut_01.jpg"
    stars = with_xmp_segment(photo.read_bytes(), xmp('xmp:Rating="5"').encode())
    photo.write_bytes(with_xmp_segment(stars, xmp('xmp:Rating="0"').encode()))
    cull(tmp_path, shoot, "--reject-others", "--move-rejects", str(tmp_path / "r"))

    assert photo.exists()
    assert decisions(tmp_path, shoot)["astronaut_01.jpg"].rating == 5


def test_five_stars_in_a_photo_whose_xmp_is_too_large_to_read_are_never_rejected(
    tmp_path: Path,
):
    """A TIFF whose packet Photoshop's DocumentAncestors had grown past the 8 MB read cap
    counted as unmarked: its five stars were rejected and moved, with no word."""
    folder = tmp_path / "shoot"
    folder.mkdir()
    ancestors = "<rdf:li>xmp.did:0123456789abcdef0123456789abcdef</rdf:li>" * (
        MAX_SIDECAR_BYTES // 50
    )
    packet = xmp(
        'xmp:Rating="5"',
        f"<photoshop:DocumentAncestors><rdf:Bag>{ancestors}</rdf:Bag></photoshop:DocumentAncestors>",
    ).replace(
        "<rdf:Description ",
        '<rdf:Description xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" ',
    )
    for k in range(3):  # a burst of three TIFFs, the middle one sharp
        image = scene("astronaut", shift=2 * k)
        path = folder / f"frame_{k + 1}.tif"
        (image if k == 1 else blurred(image, 2.0 + k)).save(
            path, tiffinfo={700: packet.encode()} if k == 0 else {}
        )
        os.utime(path, (1717243200 + 0.3 * k,) * 2)
    report = cull(tmp_path, folder, "--reject-others", "--move-rejects", str(tmp_path / "r"))

    assert [h["path"] for h in report["held"]] == ["frame_1.tif"]
    assert "its XMP packet is" in report["held"][0]["reason"]
    assert (folder / "frame_1.tif").exists() and not (tmp_path / "r" / "frame_1.tif").exists()
    assert decisions(tmp_path, folder)["frame_1.tif"].flag is not Flag.REJECT


@pytest.mark.parametrize("marked_in, culled", [("shoot", "shoot/day1"), ("shoot/day1", "shoot")])
def test_stars_given_in_a_cull_of_a_folder_around_or_inside_keep_the_photo_from_moving(
    tmp_path: Path, marked_in: str, culled: str
):
    """Five stars given in the window on the card, then a cull of one day's folder (or the
    other way round): the catalog holds the photo once per folder, the other row had no
    mark, so the photo was rejected and moved."""
    burst(tmp_path / "shoot" / "day1", "astronaut", 0.0, frames=3, sharp_at=1)
    cull(tmp_path, tmp_path / marked_in)
    with Catalog(tmp_path / "catalog.sqlite3") as catalog:
        (photo,) = [p for p in catalog.photos(tmp_path / marked_in) if "astronaut_01" in p.relpath]
        catalog.set_decision(photo.id, rating=5, source=DecisionSource.USER)
    cull(tmp_path, tmp_path / culled, "--reject-others", "--move-rejects", str(tmp_path / "r"))

    assert (tmp_path / "shoot" / "day1" / "astronaut_01.jpg").exists()
    assert [p.name for p in (tmp_path / "r").glob("*.jpg")] == ["astronaut_03.jpg"]
    with Catalog(tmp_path / "catalog.sqlite3") as catalog:
        (row,) = [p for p in catalog.photos(tmp_path / culled) if "astronaut_01" in p.relpath]
        assert catalog.decision(row.id).rating == 5


def test_a_heif_whose_xmp_item_points_past_its_end_is_damaged_not_held(tmp_path: Path):
    """A HEIF whose XMP item claimed 9 MB past the end of the file was reported as a packet
    too large to read (and held), where it is damage: no packet, as in every other format."""
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    photo = tmp_path / "a.heic"
    Image.new("RGB", (64, 48), (10, 90, 10)).save(photo, xmp=PACKET)
    assert read_embedded(photo).packet is not None
    data = bytearray(photo.read_bytes())
    at = data.index(len(PACKET).to_bytes(4, "big"), data.index(b"iloc"))  # the item's length
    data[at : at + 4] = (9 * 2**20).to_bytes(4, "big")
    photo.write_bytes(bytes(data))
    assert read_embedded(photo).packet is None


# -- 2. files that change between the reading and the move -----------------------------------


def test_a_photo_replaced_after_its_cull_is_not_moved_as_a_reject(tmp_path: Path, shoot: Path):
    """astronaut_01.jpg, rejected, then overwritten by another picture before the move: the
    new picture, never judged, was moved as the reject."""
    cull(tmp_path, shoot, "--reject-others")
    jpeg(shoot / "astronaut_01.jpg", scene("coffee"))
    replaced = checksums(shoot)["astronaut_01.jpg"]
    with Catalog(tmp_path / "catalog.sqlite3") as catalog:
        rejects = rejected_photos(catalog, shoot)
        report = move_rejects(rejects, tmp_path / "rejects", catalog=catalog)
        flags = {p.relpath: catalog.decision(p.id).flag for p in catalog.photos(shoot)}

    assert sorted(p.relpath for p in rejects) == [
        f"{n}_0{i}.jpg" for n in ("astronaut", "coffee") for i in (1, 3)
    ]
    assert [p.path for p in report.problems] == ["astronaut_01.jpg"]
    assert "astronaut_01.jpg changed since it was read" in report.problems[0].error
    assert checksums(shoot)["astronaut_01.jpg"] == replaced
    assert len(report.photo_ids) == 3 and not report.complete
    assert flags["astronaut_01.jpg"] is Flag.REJECT  # nothing decided for it meanwhile


def test_stars_another_application_gives_a_reject_while_the_run_ranks_keep_it_from_moving(
    tmp_path: Path, shoot: Path, monkeypatch
):
    """Photo Mechanic rated astronaut_01.jpg five stars after the run had taken the card's
    marks and before it moved its rejects: the photo moved as a reject and its new
    sidecar stayed behind in the shoot."""
    decide = run_module.apply_automatic_decisions

    def then_another_application_rates(*args, **kwargs):
        kept = decide(*args, **kwargs)
        (shoot / "astronaut_01.xmp").write_text(xmp('xmp:Rating="5"'), encoding="utf-8")
        return kept

    monkeypatch.setattr(run_module, "apply_automatic_decisions", then_another_application_rates)
    cull(tmp_path, shoot, "--reject-others", "--move-rejects", str(tmp_path / "r"))

    assert (shoot / "astronaut_01.jpg").exists() and (shoot / "astronaut_01.xmp").exists()
    assert decisions(tmp_path, shoot)["astronaut_01.jpg"].rating == 5
    moved = sorted(p.name for p in (tmp_path / "r").glob("*.jpg"))
    assert moved == ["astronaut_03.jpg", "coffee_01.jpg", "coffee_03.jpg"]


def test_a_reject_deleted_by_hand_does_not_fail_every_later_move(tmp_path: Path, shoot: Path):
    """astronaut_01.jpg, rejected, then deleted in a file manager: every later
    --move-rejects run tried it again, said "file missing" and exited 1."""
    cull(tmp_path, shoot, "--reject-others")
    (shoot / "astronaut_01.jpg").unlink()
    for _run in range(2):
        report = cull(tmp_path, shoot, "--reject-others", "--move-rejects", str(tmp_path / "r"))
        assert report["errors"] == []
    moved = sorted(p.name for p in (tmp_path / "r").glob("*.jpg"))
    assert moved == ["astronaut_03.jpg", "coffee_01.jpg", "coffee_03.jpg"]


# -- 3. EXIF thumbnails that claim to be huge --------------------------------------------------


def _with_thumbnail(path: Path, width: int, height: int) -> Path:
    """A photo whose EXIF thumbnail is a small JPEG whose header claims ``width`` x ``height``."""
    small = io.BytesIO()
    Image.new("RGB", (160, 120), (90, 90, 90)).save(small, "JPEG", quality=50)
    data = bytearray(small.getvalue())
    frame = data.index(b"\xff\xc0")  # start of frame: its height and width follow
    data[frame + 5 : frame + 9] = struct.pack(">HH", height, width)
    scene().save(path, "JPEG", exif=exif_with_thumbnail(exif().tobytes(), bytes(data)))
    return path


def test_an_exif_thumbnail_claiming_millions_of_pixels_is_not_decoded(tmp_path: Path):
    """A 2 KB thumbnail whose header said 20000 x 19000 filled 4.4 GB and took 17 s on the
    loupe's lane of "a few milliseconds" (3000 x 3000 here: 9 MP from 2 KB)."""
    assert exif_thumbnail(_with_thumbnail(tmp_path / "real.jpg", 160, 120)).size == (160, 120)
    assert exif_thumbnail(_with_thumbnail(tmp_path / "bomb.jpg", 3000, 3000)) is None


# A "gs" that only leaves a trace: Pillow runs Ghostscript to render any file it recognises
# as PostScript, whatever the file is named.
FAKE_GHOSTSCRIPT = '#!/bin/sh\necho "$@" >> "$(dirname "$0")/ran"\necho 10.0\n'
POSTSCRIPT = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 64 64\nshowpage\n"
DECODE_BOTH = """
import sys
from app.photos import decode_image
from app.photos.embedded import exif_thumbnail
for path in sys.argv[1:]:
    try:
        print(path, exif_thumbnail(path), decode_image(path))
    except Exception as error:
        print(path, type(error).__name__)
"""


def test_a_jpeg_holding_postscript_is_never_handed_to_ghostscript(tmp_path: Path):
    """evil.jpg holding PostScript, and a JPEG whose EXIF thumbnail is PostScript: decoding
    either ran "gs" on it (a renderer with a history of sandbox escapes)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "gs").write_text(FAKE_GHOSTSCRIPT)
    (bin_dir / "gs").chmod(0o755)
    (tmp_path / "evil.jpg").write_bytes(POSTSCRIPT)
    scene().save(
        tmp_path / "thumb.jpg", "JPEG", exif=exif_with_thumbnail(exif().tobytes(), POSTSCRIPT)
    )
    env = os.environ | {"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    argv = [
        sys.executable,
        "-c",
        DECODE_BOTH,
        str(tmp_path / "evil.jpg"),
        str(tmp_path / "thumb.jpg"),
    ]
    child = subprocess.run(
        argv, capture_output=True, text=True, env=env, cwd=Path(__file__).parent.parent, timeout=120
    )
    assert "thumb.jpg None <PIL.Image.Image" in child.stdout, child.stderr
    assert "evil.jpg PhotoReadError" in child.stdout
    assert not (bin_dir / "ran").exists()
