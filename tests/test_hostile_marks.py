"""Hostile cases for the marks other applications left and for what happens to a card between
its reading and the move of its rejects.  Each test names the harm it rules out.

1. Files that change between the reading and the move.
"""

from __future__ import annotations

from pathlib import Path

import test_hostile
from test_marks_read import cull
from test_photos_fixtures import checksums, jpeg, scene

from app.catalog import Catalog, Flag
from app.moves import move_rejects, rejected_photos

shoot = test_hostile.shoot  # two bursts of three frames, frame 2 sharp: 1 and 3 get rejected

# -- 1. files that change between the reading and the move -----------------------------------


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
