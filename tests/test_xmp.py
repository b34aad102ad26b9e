"""XMP sidecars: naming, merging into darktable and Lightroom files, atomic writes, errors."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest
from privileges import json_from_child

from app.catalog import DecisionSource, DecisionState, Flag, PhotoRecord, SeriesMember, SeriesView
from app.options import SidecarStyle, XmpScheme
from app.sidecars import (
    XmpMarks,
    decision_marks,
    read_marks,
    series_marks,
    sidecar_paths,
    update_sidecar,
    write_marks,
)

EXIFTOOL = shutil.which("exiftool")
needs_exiftool = pytest.mark.skipif(EXIFTOOL is None, reason="exiftool is not installed")

DARKTABLE_SIDECAR = """<?xml version="1.0" encoding="UTF-8"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:exif="http://ns.adobe.com/exif/1.0/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:lr="http://ns.adobe.com/lightroom/1.0/"
    xmlns:darktable="http://darktable.sf.net/"
   exif:DateTimeOriginal="2024:05:01 09:59:58.120"
   xmp:Rating="1"
   xmpMM:DerivedFrom="IMG_0001.CR3"
   darktable:import_timestamp="63850000000000000"
   darktable:change_timestamp="63850000100000000"
   darktable:xmp_version="5"
   darktable:raw_params="0"
   darktable:auto_presets_applied="1"
   darktable:history_end="2"
   darktable:iop_order_version="4">
   <darktable:masks_history>
    <rdf:Seq/>
   </darktable:masks_history>
   <darktable:history>
    <rdf:Seq>
     <rdf:li
      darktable:num="0"
      darktable:operation="exposure"
      darktable:enabled="1"
      darktable:modversion="6"
      darktable:params="0000000000000000cdcc4c3e0000000000004842"
      darktable:multi_name=""
      darktable:multi_priority="0"
      darktable:blendop_version="13"
      darktable:blendop_params="gz11eJxjYGBgYAFiCQYYOOHEgAZY0QVwggZ7CB6pfNoAAE8gGU8="/>
     <rdf:li
      darktable:num="1"
      darktable:operation="filmicrgb"
      darktable:enabled="1"
      darktable:modversion="6"
      darktable:params="gz02eJxjYGBgYAFiCQYYOOHEgAZY0QVwggZ7CB6pfNoAAE8gGU8="
      darktable:multi_name=""
      darktable:multi_priority="0"
      darktable:blendop_version="13"
      darktable:blendop_params="gz11eJxjYGBgYAFiCQYYOOHEgAZY0QVwggZ7CB6pfNoAAE8gGU8="/>
    </rdf:Seq>
   </darktable:history>
   <dc:subject>
    <rdf:Bag>
     <rdf:li>birds</rdf:li>
     <rdf:li>heron</rdf:li>
    </rdf:Bag>
   </dc:subject>
   <lr:hierarchicalSubject>
    <rdf:Bag>
     <rdf:li>animals|birds|heron</rdf:li>
    </rdf:Bag>
   </lr:hierarchicalSubject>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
"""

LIGHTROOM_SIDECAR = """<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Adobe XMP Core 7.0-c000 1.000000, 0000/00/00-00:00:00        ">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:tiff="http://ns.adobe.com/tiff/1.0/"
    xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"
    xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
    xmlns:stEvt="http://ns.adobe.com/xap/1.0/sType/ResourceEvent#"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:crs="http://ns.adobe.com/camera-raw-settings/1.0/"
   xmp:ModifyDate="2024-05-02T18:21:07+02:00"
   xmp:CreatorTool="Adobe Photoshop Lightroom Classic 13.2 (Windows)"
   xmp:Rating="2"
   xmp:Label="Red"
   tiff:Make="Canon"
   tiff:Model="Canon EOS R5"
   photoshop:DateCreated="2024-05-01T09:59:58.12"
   xmpMM:DocumentID="xmp.did:1f0c4a8e-8f0a-4e4b-9a55-3c6f7a1b2c3d"
   xmpMM:OriginalDocumentID="7A4D1E0F3C2B1A09F8E7D6C5B4A39281"
   xmpMM:InstanceID="xmp.iid:1f0c4a8e-8f0a-4e4b-9a55-3c6f7a1b2c3d"
   crs:Version="16.2"
   crs:ProcessVersion="15.4"
   crs:WhiteBalance="As Shot"
   crs:Exposure2012="+0.35"
   crs:Contrast2012="+12"
   crs:Highlights2012="-48"
   crs:Shadows2012="+31"
   crs:Clarity2012="+8"
   crs:HasCrop="True"
   crs:CropTop="0.0412"
   crs:CropLeft="0.0306"
   crs:CropBottom="0.9588"
   crs:CropRight="0.9694"
   crs:CameraProfile="Adobe Standard">
   <xmpMM:History>
    <rdf:Seq>
     <rdf:li
      stEvt:action="derived"
      stEvt:parameters="saved to new location"/>
     <rdf:li
      stEvt:action="saved"
      stEvt:instanceID="xmp.iid:1f0c4a8e-8f0a-4e4b-9a55-3c6f7a1b2c3d"
      stEvt:when="2024-05-02T18:21:07+02:00"
      stEvt:softwareAgent="Adobe Photoshop Lightroom Classic 13.2 (Windows)"
      stEvt:changed="/metadata"/>
    </rdf:Seq>
   </xmpMM:History>
   <dc:subject>
    <rdf:Bag>
     <rdf:li>wedding</rdf:li>
     <rdf:li>first dance</rdf:li>
    </rdf:Bag>
   </dc:subject>
   <crs:ToneCurvePV2012>
    <rdf:Seq>
     <rdf:li>0, 0</rdf:li>
     <rdf:li>128, 140</rdf:li>
     <rdf:li>255, 255</rdf:li>
    </rdf:Seq>
   </crs:ToneCurvePV2012>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
"""

ELEMENT_FORM_SIDECAR = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:xap="http://ns.adobe.com/xap/1.0/"
    xmlns:photomechanic="http://ns.camerabits.com/photomechanic/1.0/">
   <xap:Rating>4</xap:Rating>
   <xap:Label>Blue</xap:Label>
   <photomechanic:ColorClass>5</photomechanic:ColorClass>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>
"""

MARK_TAGS = {"{http://ns.adobe.com/xap/1.0/}Rating", "{http://ns.adobe.com/xap/1.0/}Label"}


def meaning(data: bytes) -> tuple:
    """The document as a comparable tree, leaving out xmp:Rating and xmp:Label."""

    def walk(element: ET.Element) -> tuple:
        attributes = tuple(sorted((k, v) for k, v in element.attrib.items() if k not in MARK_TAGS))
        children = tuple(walk(child) for child in element if child.tag not in MARK_TAGS)
        return element.tag, attributes, (element.text or "").strip(), children

    return walk(ET.fromstring(data))


def exiftool_json(path: Path, *tags: str) -> dict:
    result = subprocess.run(
        [EXIFTOOL, "-j", "-struct", *tags, str(path)], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)[0]


def exiftool_everything_but_marks(path: Path) -> dict:
    found = exiftool_json(path, "-XMP:all")
    return {k: v for k, v in found.items() if k not in ("SourceFile", "Rating", "Label")}


def test_sidecar_names_for_each_style():
    raw = Path("/shoot/IMG_0001.CR3")
    assert sidecar_paths(raw, "replace") == [Path("/shoot/IMG_0001.xmp")]
    assert sidecar_paths(raw, SidecarStyle.APPEND) == [Path("/shoot/IMG_0001.CR3.xmp")]
    assert sidecar_paths(raw, "both") == [
        Path("/shoot/IMG_0001.xmp"),
        Path("/shoot/IMG_0001.CR3.xmp"),
    ]
    with pytest.raises(ValueError):
        sidecar_paths(raw, "sideways")


@needs_exiftool
def test_new_sidecars_are_read_by_exiftool(tmp_path: Path):
    photo = tmp_path / "IMG_0001.CR3"
    assert write_marks(photo, XmpMarks(rating=3, label="Green"), "both") == []
    for sidecar in (tmp_path / "IMG_0001.xmp", tmp_path / "IMG_0001.CR3.xmp"):
        found = exiftool_json(sidecar, "-XMP:Rating", "-XMP:Label")
        assert (found["Rating"], found["Label"]) == (3, "Green")
    write_marks(photo, XmpMarks(rating=-1), "replace")
    found = exiftool_json(tmp_path / "IMG_0001.xmp", "-XMP:Rating", "-XMP:Label")
    assert (found["Rating"], found["Label"]) == (-1, "Green")


@needs_exiftool
@pytest.mark.parametrize(
    "original", [DARKTABLE_SIDECAR, LIGHTROOM_SIDECAR], ids=["darktable", "lightroom"]
)
def test_merge_keeps_everything_else_of_an_existing_sidecar(tmp_path: Path, original: str):
    sidecar = tmp_path / "IMG_0001.xmp"
    sidecar.write_text(original, encoding="utf-8")
    before_tool = exiftool_everything_but_marks(sidecar)

    assert update_sidecar(sidecar, XmpMarks(rating=3, label="Green"))

    written = sidecar.read_bytes()
    assert meaning(written) == meaning(original.encode())
    assert exiftool_everything_but_marks(sidecar) == before_tool
    found = exiftool_json(sidecar, "-XMP:Rating", "-XMP:Label")
    assert (found["Rating"], found["Label"]) == (3, "Green")
    for prefix in (
        "darktable:history",
        "crs:Exposure2012",
        "dc:subject",
        "xmpMM:History",
        "stEvt:action",
    ):
        if prefix in original:
            assert prefix in written.decode()  # the apps' own prefixes, not ns0:, ns1:
    assert written.count(b"xmp:Rating=") == 1


def test_darktable_keywords_and_history_survive(tmp_path: Path):
    sidecar = tmp_path / "IMG_0001.CR3.xmp"
    sidecar.write_text(DARKTABLE_SIDECAR, encoding="utf-8")
    update_sidecar(sidecar, XmpMarks(rating=-1))
    root = ET.fromstring(sidecar.read_bytes())
    dt = "{http://darktable.sf.net/}"
    operations = [
        li.get(f"{dt}operation")
        for li in root.iter("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}li")
    ]
    assert operations[:2] == ["exposure", "filmicrgb"]
    assert read_marks(sidecar) == XmpMarks(rating=-1, label=None)


@needs_exiftool
def test_element_form_is_updated_in_place_and_xpacket_kept(tmp_path: Path):
    sidecar = tmp_path / "IMG_0001.xmp"
    sidecar.write_text(ELEMENT_FORM_SIDECAR, encoding="utf-8")
    assert read_marks(sidecar) == XmpMarks(rating=4, label="Blue")
    update_sidecar(sidecar, XmpMarks(rating=3, label="Green"))
    text = sidecar.read_text(encoding="utf-8")
    assert "<xap:Rating>3</xap:Rating>" in text and "<xap:Label>Green</xap:Label>" in text
    assert "xap:Rating=" not in text
    assert text.count("<?xpacket") == 2
    assert "<photomechanic:ColorClass>5</photomechanic:ColorClass>" in text
    found = exiftool_json(sidecar, "-XMP:Rating", "-XMP:Label")
    assert (found["Rating"], found["Label"]) == (3, "Green")


def test_empty_label_removes_it_and_none_keeps_it(tmp_path: Path):
    sidecar = tmp_path / "a.xmp"
    sidecar.write_text(LIGHTROOM_SIDECAR, encoding="utf-8")
    update_sidecar(sidecar, XmpMarks(rating=5))
    assert read_marks(sidecar) == XmpMarks(rating=5, label="Red")
    update_sidecar(sidecar, XmpMarks(label=""))
    assert read_marks(sidecar) == XmpMarks(rating=5, label=None)


def test_same_marks_leave_the_file_untouched(tmp_path: Path):
    sidecar = tmp_path / "a.xmp"
    sidecar.write_text(LIGHTROOM_SIDECAR, encoding="utf-8")
    assert update_sidecar(sidecar, XmpMarks(rating=2, label="Red")) is False
    assert sidecar.read_text(encoding="utf-8") == LIGHTROOM_SIDECAR


def test_write_keeps_permissions_and_leaves_no_temporary_file(tmp_path: Path):
    sidecar = tmp_path / "IMG_0001.xmp"
    sidecar.write_text(LIGHTROOM_SIDECAR, encoding="utf-8")
    os.chmod(sidecar, 0o640)
    inode_before = sidecar.stat().st_ino
    update_sidecar(sidecar, XmpMarks(rating=4))
    assert stat.S_IMODE(sidecar.stat().st_mode) == 0o640
    assert sidecar.stat().st_ino != inode_before  # replaced by rename, not rewritten in place
    assert sorted(p.name for p in tmp_path.iterdir()) == ["IMG_0001.xmp"]


def test_dtd_and_entities_are_refused_and_the_file_kept(tmp_path: Path):
    sidecar = tmp_path / "evil.xmp"
    evil = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">&b;</x:xmpmeta>'
    )
    sidecar.write_text(evil, encoding="utf-8")
    errors = write_marks(tmp_path / "evil.CR3", XmpMarks(rating=1), "replace")
    assert len(errors) == 1 and errors[0].path == sidecar and "DTD" in errors[0].reason
    assert sidecar.read_text(encoding="utf-8") == evil


def test_malformed_sidecar_is_an_error_value_naming_the_file(tmp_path: Path):
    sidecar = tmp_path / "IMG_9.xmp"
    sidecar.write_text("<x:xmpmeta xmlns:x='adobe:ns:meta/'><unclosed>", encoding="utf-8")
    (error,) = write_marks(tmp_path / "IMG_9.NEF", XmpMarks(rating=2))
    assert str(sidecar) in str(error) and "well-formed" in str(error)


_WRITE_AND_DESCRIBE = """
import json, sys
from app.sidecars import XmpMarks, write_marks
marks = XmpMarks(rating=3, label="Green")
print(json.dumps([str(error) for error in write_marks(sys.argv[1], marks, "both")]))
"""


def test_read_only_folder_gives_error_values_naming_each_file():
    folder = Path(tempfile.mkdtemp(prefix="fgaesq-readonly-"))
    try:
        os.chmod(folder, 0o555)
        errors = json_from_child(_WRITE_AND_DESCRIBE, str(folder / "IMG_0001.CR3"))
        assert len(errors) == 2
        assert str(folder / "IMG_0001.xmp") in errors[0] and "read-only" in errors[0]
        assert str(folder / "IMG_0001.CR3.xmp") in errors[1]
        assert list(folder.iterdir()) == []
    finally:
        os.chmod(folder, 0o755)
        shutil.rmtree(folder)


def _member(photo_id: int, rank: int | None, decision: DecisionState | None = None) -> SeriesMember:
    photo = PhotoRecord(
        root="/shoot", relpath=f"IMG_{photo_id}.CR3", size=1, mtime_ns=1, id=photo_id
    )
    return SeriesMember(
        photo, photo_id, None if rank is None else 10.0 - rank, rank, decision or DecisionState()
    )


def _series(*members: SeriesMember) -> SeriesView:
    return SeriesView(1, "/shoot", 0, {}, datetime.now(UTC), members)


def test_series_scheme_marks_best_green_and_others_yellow():
    user_pick = DecisionState(Flag.PICK, 0, None, DecisionSource.USER, datetime.now(UTC))
    series = _series(_member(1, 2), _member(2, 1), _member(3, 3, user_pick))
    marks = series_marks(series)
    assert marks == {
        1: XmpMarks(label="Yellow"),
        2: XmpMarks(rating=3, label="Green"),
        3: XmpMarks(rating=3, label="Green"),  # user pick: scheme pick rating and label
    }
    rejecting = series_marks(series, XmpScheme.REJECT_OTHERS)
    assert rejecting[1] == XmpMarks(rating=-1)
    assert series_marks(_series(_member(7, 1))) == {}  # a single frame is not culled


def test_decision_marks_follow_user_choices():
    now = datetime.now(UTC)
    reject = DecisionState(Flag.REJECT, 4, "Red", DecisionSource.USER, now)
    rated = DecisionState(Flag.NONE, 2, None, DecisionSource.USER, now)
    assert decision_marks(reject) == XmpMarks(rating=-1, label="Red")
    assert decision_marks(rated) == XmpMarks(rating=2, label="")
    assert decision_marks(DecisionState()) is None
    assert decision_marks(DecisionState(Flag.PICK, 5, None, DecisionSource.USER, now)) == XmpMarks(
        5, "Green"
    )


NESTED_STRUCT_SIDECAR = """<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:crs="http://ns.adobe.com/camera-raw-settings/1.0/"
    xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    crs:Version="16.2">
   <xmpMM:Pantry>
    <rdf:Bag>
     <rdf:li>
      <rdf:Description xmpMM:InstanceID="xmp.iid:embedded-logo" xmp:Rating="5" xmp:Label="Blue"/>
     </rdf:li>
    </rdf:Bag>
   </xmpMM:Pantry>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
"""


def test_marks_go_to_top_level_descriptions_never_into_structs(tmp_path: Path):
    sidecar = tmp_path / "IMG_0001.xmp"
    sidecar.write_text(NESTED_STRUCT_SIDECAR, encoding="utf-8")
    assert read_marks(sidecar) == XmpMarks(rating=None, label=None)  # the pantry's are not ours
    update_sidecar(sidecar, XmpMarks(rating=3, label="Green"))
    xmp, rdf_ns = "{http://ns.adobe.com/xap/1.0/}", "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
    (top,) = ET.fromstring(sidecar.read_bytes()).find(f"{rdf_ns}RDF")
    assert (top.get(f"{xmp}Rating"), top.get(f"{xmp}Label")) == ("3", "Green")
    embedded = top.find(
        f"{{http://ns.adobe.com/xap/1.0/mm/}}Pantry/{rdf_ns}Bag/{rdf_ns}li/{rdf_ns}Description"
    )
    assert (embedded.get(f"{xmp}Rating"), embedded.get(f"{xmp}Label")) == ("5", "Blue")
    assert meaning(sidecar.read_bytes()) == meaning(NESTED_STRUCT_SIDECAR.encode())


def test_upper_case_sidecar_is_updated_rather_than_doubled(tmp_path: Path):
    (tmp_path / "DSC_0042.XMP").write_text(LIGHTROOM_SIDECAR, encoding="utf-8")
    assert write_marks(tmp_path / "DSC_0042.NEF", XmpMarks(rating=4), "replace") == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["DSC_0042.XMP"]
    assert read_marks(tmp_path / "DSC_0042.XMP").rating == 4


def test_the_automatic_flags_of_a_series_follow_its_ranked_ids_and_its_kind():
    """One rule for the cull and the window's kind keys: ranked ids and a kind, no scores."""
    from app.pipeline.decisions import automatic_flags

    now = datetime.now(UTC)
    nobody = DecisionState()
    rejected = DecisionState(Flag.REJECT, 0, None, DecisionSource.USER, now)
    ranked = [(7, nobody), (3, nobody), (5, nobody)]
    reject = XmpScheme.SUGGEST_REJECT
    assert automatic_flags(ranked, "burst", "", reject) == {
        7: Flag.PICK,
        3: Flag.REJECT,
        5: Flag.REJECT,
    }
    assert automatic_flags(ranked, "burst", "", XmpScheme.SUGGEST) == {
        7: Flag.PICK,
        3: Flag.NONE,
        5: Flag.NONE,
    }
    for kept_whole in ("bracket", "panorama", "focus_stack"):  # earlier marks taken back
        assert set(automatic_flags(ranked, kept_whole, "", reject).values()) == {Flag.NONE}
    # a person's reject of the top frame passes the pick on, and is never touched
    assert automatic_flags([(7, rejected), *ranked[1:]], "burst", "", reject) == {
        3: Flag.PICK,
        5: Flag.REJECT,
    }
    assert automatic_flags(ranked, "burst", "", reject, held={3}) == {
        7: Flag.PICK,
        3: Flag.NONE,
        5: Flag.REJECT,
    }
    assert automatic_flags(ranked[:1], "single", "", reject) == {7: Flag.NONE}
    # copies (same_photo_keys by id): of the pick, of a held photo, of a photo a person
    # starred, never rejected; of a photo a person rejected, never picked but rejected
    starred = DecisionState(Flag.NONE, 5, None, DecisionSource.USER, now)
    copies = {7: {"a"}, 3: {"a"}, 5: {"b"}, 9: {"b"}}
    four = [*ranked, (9, nobody)]
    assert automatic_flags(four, "burst", "", reject, keys=copies) == {
        7: Flag.PICK,
        3: Flag.NONE,
        5: Flag.REJECT,
        9: Flag.REJECT,
    }
    assert automatic_flags(four, "burst", "", reject, held={9}, keys=copies)[5] is Flag.NONE
    assert automatic_flags([*ranked, (9, starred)], "burst", "", reject, keys=copies)[5] is (
        Flag.NONE
    )
    assert automatic_flags([(7, rejected), *four[1:]], "burst", "", reject, keys=copies) == {
        3: Flag.REJECT,
        5: Flag.PICK,
        9: Flag.NONE,
    }
