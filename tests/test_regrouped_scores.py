"""A series' scores are judged within it (the technical scorer's burst judgement, FGAesQ's
series modes): when a folder is grouped anew, a series whose frames changed is scored again
rather than read back with scores another series gave its frames."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from cull_helpers import cull_json
from test_photos_fixtures import T0, blurred, exif, scene

from app.catalog import Catalog


def two_bursts(folder: Path) -> None:
    """Two bursts of one scene, three frames each (the middle one sharp), the second 2 s
    after the first: one series by default, two where the longest gap is shorter."""
    folder.mkdir()
    for number, name in enumerate(("first", "second")):
        base = scene("coffee", shift=4 * number)
        for k in range(3):
            when = T0 + timedelta(seconds=2 * number + 0.2 * k)
            image = base if k == 1 else blurred(base, 1.0 + k)
            image.save(
                folder / f"{name}_{k + 1}.jpg",
                "JPEG",
                quality=90,
                exif=exif(when, subsec=f"{200 * k:03d}"),
            )


def picks(doc: dict) -> list[tuple[list[str], str, float, list[float]]]:
    return [
        (
            sorted(m["path"] for m in s["members"]),
            s["best"],
            s["confidence"],
            [m["score"] for m in sorted(s["members"], key=lambda m: m["path"])],
        )
        for s in doc["series"]
    ]


def test_a_series_grouped_anew_is_scored_within_its_new_frames(tmp_path: Path):
    folder = tmp_path / "shoot"
    two_bursts(folder)
    merged = cull_json(tmp_path, folder)
    assert [len(s["members"]) for s in merged["series"]] == [6]
    regrouped = cull_json(tmp_path, folder, "--max-gap", "1.5")  # the same catalog
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    expected = cull_json(fresh, folder, "--max-gap", "1.5")  # one that never saw the six
    assert [len(s["members"]) for s in regrouped["series"]] == [3, 3]
    assert picks(regrouped) == picks(expected)
    assert regrouped["stats"]["scored"] == 6
    with Catalog(tmp_path / "c.sqlite3") as catalog:
        ranks = sorted(m.rank for view in catalog.series(folder) for m in view.members)
    assert ranks == [1, 1, 2, 2, 3, 3]


def test_series_that_stay_the_same_keep_their_scores(tmp_path: Path):
    folder = tmp_path / "shoot"
    two_bursts(folder)
    first = cull_json(tmp_path, folder)
    again = cull_json(tmp_path, folder, "--max-gap", "3.5")  # grouped anew, the same series
    assert picks(again) == picks(first)
    assert again["stats"]["scored"] == 0
