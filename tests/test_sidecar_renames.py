"""The sidecars of a photo renamed on disk follow it (the catalog's records, and the file
itself when only the photo was renamed); the old sidecar is never touched."""

from __future__ import annotations

import os
from dataclasses import replace

from app.options import XmpScheme
from app.pipeline import CullOptions, run_cull
from app.sidecars import read_marks
from app.sidecars.renames import renamed_sidecar


def test_sidecar_names_follow_the_photo_name():
    assert renamed_sidecar("a/IMG_1.xmp", ["a/IMG_1.jpg"], ["a/beach.jpg"]) == "a/beach.xmp"
    assert renamed_sidecar("a/IMG_1.XMP", ["a/IMG_1.jpg"], ["a/beach.jpg"]) == "a/beach.XMP"
    assert renamed_sidecar("IMG_1.jpg.xmp", ["IMG_1.jpg"], ["b.jpg"]) == "b.jpg.xmp"
    assert renamed_sidecar("IMG_1.CR3.xmp", ["IMG_1.JPG", "IMG_1.CR3"], ["b.JPG", "b.CR3"]) == (
        "b.CR3.xmp"
    )
    assert renamed_sidecar("IMG_10.xmp", ["IMG_1.jpg"], ["b.jpg"]) is None, "another photo's"
    assert renamed_sidecar("other/IMG_1.xmp", ["IMG_1.jpg"], ["b.jpg"]) is None


def test_a_renamed_photo_keeps_its_sidecar_and_the_apps_marks_stay_the_apps(tmp_path):
    from gui_fixtures import make_bursts

    (frames,) = make_bursts(tmp_path / "p", bursts=1, frames=3, size=(96, 72))
    # suggestions as labels: a label misread as a person's would become a decision
    options = CullOptions(
        scorer="technical",
        catalog_path=tmp_path / "c.db",
        workers=1,
        xmp_scheme=XmpScheme.MARK_BEST,
    )
    run_cull(tmp_path / "p", replace(options, write_xmp=True))
    old_sidecar = frames[1].with_suffix(".xmp")
    old_bytes = old_sidecar.read_bytes()
    os.rename(frames[1], tmp_path / "p" / "only.jpg")  # the photo alone
    os.rename(frames[2], tmp_path / "p" / "both.jpg")  # photo and sidecar together
    os.rename(frames[2].with_suffix(".xmp"), tmp_path / "p" / "both.xmp")
    result = run_cull(tmp_path / "p", replace(options, write_xmp=True))
    assert result.stats.decoded == 0, "both were adopted, not read again"
    assert not any(d.is_user for d in result.decisions.values()), "no mark became a person's"
    assert read_marks(tmp_path / "p" / "only.xmp").label == "Yellow"
    assert read_marks(tmp_path / "p" / "both.xmp").label == "Yellow"
    assert old_sidecar.read_bytes() == old_bytes, "the old sidecar is left as it was"
