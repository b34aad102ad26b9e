"""The sidecars of a photo renamed on disk follow it (the catalog's records, and the file
itself when only the photo was renamed); the old sidecar is never touched."""

from __future__ import annotations

import os
import signal
from dataclasses import replace

from app.options import XmpScheme
from app.pipeline import CullOptions, run_cull
from app.sidecars import read_marks
from app.sidecars.renames import renamed_sidecar
from app.sidecars.xmp import read_suggestions


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


def test_a_sidecar_known_only_by_its_intent_stays_the_apps_under_a_new_name(tmp_path):
    """A run killed after writing sidecars, before recording them: only the intents say the
    versions are this app's, and they follow a photo renamed with its sidecar."""
    from test_photos_fixtures import burst
    from test_sidecar_writes import BURSTS, cull, user_marked, writer

    shoot = tmp_path / "shoot"
    for k, name in enumerate(BURSTS):
        burst(shoot, name, 120.0 * k, frames=3, sharp_at=1)
    assert cull(tmp_path, shoot, "--reject-others") == 0
    child = writer(tmp_path, shoot, after=3, mode="kill")
    assert child.wait(timeout=120) == -signal.SIGKILL
    (rejected, *_) = [p for p in sorted(shoot.glob("*.xmp")) if read_marks(p).rating == -1]
    photo = rejected.with_suffix(".jpg")
    os.rename(photo, shoot / "renamed.jpg")
    os.rename(rejected, shoot / "renamed.xmp")
    assert cull(tmp_path, shoot, "--write-xmp", "--reject-others") == 0
    assert user_marked(tmp_path, shoot) == [], "the app's -1 is not a person's reject"
    # the app's own -1 gives way to this write's scheme (a person's would have stayed)
    renamed = shoot / "renamed.xmp"
    assert read_marks(renamed).rating is None
    assert read_suggestions(renamed.read_bytes(), renamed) == {"FGAesQ reject"}
