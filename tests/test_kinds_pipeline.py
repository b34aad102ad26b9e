"""Series kinds in the cull: brackets, panoramas and focus stacks are kept whole, shown with
their kind, and a kind the photographer sets stays."""

from __future__ import annotations

import csv
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from cull_helpers import SAMPLES, cull_json
from PIL.TiffImagePlugin import IFDRational
from test_photos_fixtures import T0, blurred, exif, exposed, scene

from app.catalog import Catalog, Flag
from app.sidecars import keywords, read_marks


def bracket_then_burst(folder: Path) -> None:
    """A -1/0/+1 EV bracket, then right after it a burst of the same scene (frame 2 sharp)."""
    folder.mkdir()
    base = scene("coffee")
    for k, bias in enumerate((-1, 0, 1)):
        data = exif(T0 + timedelta(seconds=0.2 * k), subsec=f"{200 * k:03d}")
        data.get_ifd(0x8769)[0x9204] = IFDRational(bias, 1)
        exposed(base, bias).save(folder / f"HDR_{k + 1}.jpg", "JPEG", quality=90, exif=data)
    for k in range(3):
        data = exif(T0 + timedelta(seconds=1 + 0.2 * k), subsec=f"{200 * k:03d}")
        data.get_ifd(0x8769)[0x9204] = IFDRational(0, 1)
        image = base if k == 1 else blurred(base, 2.0 + k)
        image.save(folder / f"BURST_{k + 1}.jpg", "JPEG", quality=90, exif=data)


def cull(tmp_path: Path, folder: Path, *args: str) -> dict:
    return cull_json(tmp_path, folder, *args)


def test_a_bracket_then_a_burst_are_two_series_and_only_the_burst_is_culled(tmp_path: Path):
    folder = tmp_path / "shoot"
    bracket_then_burst(folder)
    rejects = tmp_path / "rejects"
    doc = cull(
        tmp_path,
        folder,
        "--write-xmp",
        "--reject-others",
        "--move-rejects",
        str(rejects),
        "--csv",
        str(tmp_path / "cull.csv"),
    )
    kinds = {s["kind"]: sorted(m["path"] for m in s["members"]) for s in doc["series"]}
    assert kinds == {
        "bracket": ["HDR_1.jpg", "HDR_2.jpg", "HDR_3.jpg"],
        "burst": ["BURST_1.jpg", "BURST_2.jpg", "BURST_3.jpg"],
    }
    assert all((folder / f"HDR_{k}.jpg").exists() for k in (1, 2, 3))  # nothing of it moved
    assert not any((folder / f"HDR_{k}.xmp").exists() for k in (1, 2, 3))  # no automatic marks
    assert sorted(p.name for p in rejects.glob("*.jpg")) == ["BURST_1.jpg", "BURST_3.jpg"]
    with (tmp_path / "cull.csv").open(newline="") as handle:
        rows = {row["path"]: row["kind"] for row in csv.DictReader(handle)}
    assert rows["HDR_2.jpg"] == "bracket" and rows["BURST_2.jpg"] == "burst"
    with Catalog(tmp_path / "c.sqlite3") as catalog:
        decisions = {p.relpath: catalog.decision(p.id) for p in catalog.photos(folder)}
    assert all(decisions[f"HDR_{k}.jpg"].flag is Flag.NONE for k in (1, 2, 3))


def test_the_sample_bracket_is_kept_whole_and_says_so(tmp_path: Path, capsys):
    folder = tmp_path / "samples"
    folder.mkdir()
    for path in SAMPLES.glob("coffee_bracket_*.jpg"):
        shutil.copy2(path, folder / path.name)
    (series,) = cull(tmp_path, folder, "--reject-others")["series"]
    assert series["kind"] == "bracket" and len(series["members"]) == 3
    out = capsys.readouterr().out
    assert "bracket, 3 frames, kept whole" in out and "exposure bias" in out


def test_a_kind_the_photographer_sets_survives_reruns_and_regrouping(tmp_path: Path):
    folder = tmp_path / "shoot"
    bracket_then_burst(folder)
    cull(tmp_path, folder)
    with Catalog(tmp_path / "c.sqlite3") as catalog:
        burst = next(v for v in catalog.series(folder) if v.kind == "burst")
        catalog.set_series_kind(burst.id, "focus_stack")
    for args in ((), ("--max-gap", "3.5")):  # the same series again; then grouped anew
        doc = cull(tmp_path, folder, "--reject-others", *args)
        kinds = sorted(s["kind"] for s in doc["series"])
        assert kinds == ["bracket", "focus_stack"]
    with Catalog(tmp_path / "c.sqlite3") as catalog:
        view = next(v for v in catalog.series(folder) if v.kind == "focus_stack")
        assert view.kind_source == "user"
        assert all(m.decision.flag is Flag.NONE for m in view.members)  # now kept whole


@pytest.mark.parametrize("kind", ["bracket"])
def test_sidecars_of_a_kept_whole_series_keep_a_persons_marks(tmp_path: Path, kind: str):
    folder = tmp_path / "shoot"
    bracket_then_burst(folder)
    cull(tmp_path, folder)
    with Catalog(tmp_path / "c.sqlite3") as catalog:
        photo = next(p for p in catalog.photos(folder) if p.relpath == "HDR_2.jpg")
        catalog.set_decision(photo.id, rating=4, source="user")
    cull(tmp_path, folder, "--write-xmp", "--reject-others")
    assert read_marks(folder / "HDR_2.xmp").rating == 4
    assert not (folder / "HDR_1.xmp").exists()


def test_a_bracket_with_its_exposure_tags_stripped_is_picked_flagged_and_nothing_moved(
    tmp_path: Path, capsys
):
    """Brightness steps of -2/0/+2 EV at fixed framing and no exposure tags: a burst with
    its pick, flagged "possible bracket" in JSON, CSV and summary; no frame rejected or
    moved."""
    folder = tmp_path / "shoot"
    folder.mkdir()
    base = scene("coffee")
    for k, ev in enumerate((0, -2, 2)):
        data = exif(T0 + timedelta(seconds=0.2 * k), subsec=f"{200 * k:03d}")
        exposed(base, ev).save(folder / f"HDR_{k + 1}.jpg", "JPEG", quality=90, exif=data)
    rejects = tmp_path / "rejects"
    doc = cull(
        tmp_path,
        folder,
        "--reject-others",
        "--move-rejects",
        str(rejects),
        "--csv",
        str(tmp_path / "cull.csv"),
    )
    assert sorted(p.name for p in folder.glob("*.jpg")) == ["HDR_1.jpg", "HDR_2.jpg", "HDR_3.jpg"]
    assert not rejects.exists() or not list(rejects.glob("*.jpg"))
    (series,) = doc["series"]
    assert series["kind"] == "burst" and series["possible_kind"] == "bracket"
    with (tmp_path / "cull.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["possible_kind"] for row in rows} == {"bracket"}
    assert sorted(row["flag"] for row in rows) == ["", "", "pick"]
    assert "possible bracket" in capsys.readouterr().out
    with Catalog(tmp_path / "c.sqlite3") as catalog:
        flags = sorted(catalog.decision(p.id).flag.value for p in catalog.photos(folder))
    assert Flag.REJECT.value not in flags


@pytest.mark.parametrize("scheme", ["reject_others", "suggest_reject"])
def test_sidecars_of_a_possible_bracket_suggest_no_reject(tmp_path: Path, scheme: str):
    """A burst that may be a bracket keeps every frame: its sidecars carry no automatic
    reject, neither a ``Rating -1`` nor the reject keyword, whatever the scheme."""
    folder = tmp_path / "shoot"
    folder.mkdir()
    base = scene("coffee")
    for k, ev in enumerate((0, -2, 2)):
        data = exif(T0 + timedelta(seconds=0.2 * k), subsec=f"{200 * k:03d}")
        exposed(base, ev).save(folder / f"HDR_{k + 1}.jpg", "JPEG", quality=90, exif=data)
    doc = cull(tmp_path, folder, "--write-xmp", "--marks", scheme)
    (series,) = doc["series"]
    assert series["possible_kind"] == "bracket"
    texts = [p.read_text("utf-8") for p in sorted(folder.glob("*.xmp"))]
    assert texts, "the pick's suggestion is written"
    for text in texts:
        assert "Rating>-1<" not in text and 'Rating="-1"' not in text
        assert keywords.REJECT not in text
