"""Two bodies of one make and model that record no serial number, shooting the same moments:
told apart by their file names and counters, each burst whole and apart; one body's burst
across a counter wrap or a folder roll stays one series."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from test_photos_fixtures import T0, jpeg, scene

from app.camera_bodies import camera_bodies
from app.grouping import GroupingParams, GroupItem, group_series, make_thumbnail
from app.options import CullOptions
from app.photos.exif import read_metadata
from app.pipeline import run_cull

MODEL = {"make": "Fictive", "model": "Burst A1"}  # no serial number


def shoot(
    folder: Path, names_a: list[str], names_b: list[str], whole_seconds: bool = False
) -> list[Path]:
    """Body A's frames of a moment and body B's of the same moment, 0.1 s after each (or
    all within one second, where the EXIF records no sub-seconds)."""
    paths = []
    for k, (a, b) in enumerate(zip(names_a, names_b, strict=True)):
        when_a, when_b = (T0, T0) if whole_seconds else (0.2 * k, 0.2 * k + 0.1)
        paths.append(jpeg(folder / a, scene("astronaut", shift=2 * k), when=when_a, **MODEL))
        view = scene("astronaut", shift=2 * k + 5)
        paths.append(jpeg(folder / b, view, when=when_b, **MODEL))
    return paths


def grouped(folder: Path, paths: list[Path]) -> list[list[str]]:
    """Series of the JPEGs as grouping makes them from their EXIF and pixels."""
    items = []
    for path in paths:
        meta = read_metadata(path)
        with Image.open(path) as image:
            thumb = make_thumbnail(image)
        rel = path.relative_to(folder).as_posix()
        items.append(GroupItem(rel, meta.camera_key, meta.wall_seconds, thumb))
    return [[items[i].key for i in members] for members in group_series(items, GroupingParams())]


def test_bodies_renamed_with_a_prefix_per_card_in_one_folder_stay_apart(tmp_path):
    names_a = [f"A_{k:04d}.jpg" for k in range(1, 5)]
    names_b = [f"B_{k:04d}.jpg" for k in range(1, 5)]
    series = grouped(tmp_path, shoot(tmp_path, names_a, names_b))
    assert sorted(series) == [names_a, names_b]


def test_bodies_numbering_their_files_apart_in_one_folder_stay_apart(tmp_path):
    names_a = [f"DSC_{k}.JPG" for k in range(1234, 1238)]
    names_b = [f"DSC_{k}.JPG" for k in range(5678, 5682)]
    series = grouped(tmp_path, shoot(tmp_path, names_a, names_b))
    assert sorted(series) == [names_a, names_b]


@pytest.mark.parametrize(
    "names_a",
    [
        # the counter wraps from 9999 to 0001 and the camera opens its next folder
        ["100CANON/IMG_9998.JPG", "100CANON/IMG_9999.JPG"]
        + ["101CANON/IMG_0001.JPG", "101CANON/IMG_0002.JPG"],
        # a full folder rolls over while the counter goes on
        ["100ND750/DSC_0998.JPG", "100ND750/DSC_0999.JPG"]
        + ["101ND750/DSC_1000.JPG", "101ND750/DSC_1001.JPG"],
    ],
)
def test_a_burst_across_a_counter_wrap_or_folder_roll_stays_one_series(tmp_path, names_a):
    prefix = names_a[0].split("/")[1][:4]
    names_a = [f"cardA/DCIM/{name}" for name in names_a]
    names_b = [f"cardB/DCIM/100CANON/{prefix}{k}.JPG" for k in range(4001, 4005)]
    paths = shoot(tmp_path, names_a, names_b)
    assert sorted(grouped(tmp_path, paths)) == [names_a, names_b]
    assert grouped(tmp_path, paths[::2]) == [names_a]  # body A alone: as always, one series


def test_two_cards_in_subfolders_are_culled_as_two_bodies(tmp_path):
    """Two fresh cards number their files alike: copied into two subfolders, the same
    names at different instants are two bodies; each shooter's burst is its own series."""
    folder = tmp_path / "wedding"
    names = [f"DSC_{k:04d}.JPG" for k in range(1, 4)]
    shoot(folder, [f"first/{n}" for n in names], [f"second/{n}" for n in names])
    options = CullOptions(scorer="technical", catalog_path=tmp_path / "catalog.sqlite3")
    result = run_cull(folder, options)
    series = sorted([m.path for m in s.members] for s in result.series)
    assert series == [[f"first/{n}" for n in names], [f"second/{n}" for n in names]]
    assert result.errors == []


def test_two_fresh_cards_numbered_alike_without_sub_seconds_stay_apart(tmp_path):
    """The same names in the same whole second are two bodies where the pictures differ."""
    names = [f"DSC_{k:04d}.JPG" for k in range(1, 4)]
    names_a, names_b = [f"first/{n}" for n in names], [f"second/{n}" for n in names]
    paths = shoot(tmp_path, names_a, names_b, whole_seconds=True)
    assert sorted(grouped(tmp_path, paths)) == [names_a, names_b]


def test_an_olympus_burst_across_new_year_midnight_stays_one_series(tmp_path):
    """Olympus names carry the month as 1-9, A-C: PC310123 is followed by P1010124."""
    names = ["PC310122.JPG", "PC310123.JPG", "P1010124.JPG", "P1010125.JPG"]
    paths = []
    for k, name in enumerate(names):
        when = datetime(2024, 12, 31, 23, 59, 59) + timedelta(seconds=0.7 + 0.15 * k)
        image = scene("astronaut", shift=2 * k)
        subsec = f"{when.microsecond // 10_000:02d}"
        paths.append(jpeg(tmp_path / name, image, when=when, subsec=subsec, **MODEL))
    assert grouped(tmp_path, paths) == [names]


def test_a_burst_with_and_without_sub_seconds_stays_one_series(tmp_path):
    """Frames of one second without sub-seconds may have been shot after those with them."""
    names = [f"DSC_{k:04d}.JPG" for k in range(1, 7)]
    paths = []
    for k, name in enumerate(names):
        when = T0 + timedelta(seconds=0.3 + 0.15 * k)
        subsec = None if k in (2, 4) else f"{when.microsecond // 1000:03d}"
        image = scene("astronaut", shift=2 * k)
        paths.append(jpeg(tmp_path / name, image, when=when, subsec=subsec, **MODEL))
    assert [sorted(series) for series in grouped(tmp_path, paths)] == [names]


def test_a_burst_exported_with_its_width_in_the_names_stays_one_series(tmp_path):
    """DSC_1230-2048.jpg, DSC_1231-2048.jpg: the four digits the names end with count nothing."""
    names = [f"DSC_{k}-2048.jpg" for k in range(1230, 1235)]
    paths = []
    for k, name in enumerate(names):
        image = scene("astronaut", shift=2 * k)
        paths.append(jpeg(tmp_path / name, image, when=0.3 + 0.15 * k, **MODEL))
    assert [sorted(series) for series in grouped(tmp_path, paths)] == [names]


class Frame:
    def __init__(self, key: str, seconds: float, camera: str = "Fictive|Burst A1|") -> None:
        self.key, self.seconds, self.camera = key, seconds, camera
        self.thumbnail = np.zeros((64, 64), dtype=np.uint8)


def test_only_demonstrated_differences_make_a_second_body():
    gap = GroupingParams().max_gap
    one_body = [
        Frame("IMG_0001.JPG", 0.0),
        Frame("IMG_0002.JPG", 0.0),  # the same whole second
        Frame("IMG_0003.JPG", 0.4),
        Frame("picks/IMG_0004.JPG", 0.6),  # moved into a folder of its own: counters agree
        Frame("IMG_0005.JPG", 0.8),
        Frame("notes.jpg", 30.0),  # a name without counter
        Frame("IMG_0001.JPG", 60.0),  # counter reset after a pause
        Frame("slot2/IMG_0001.JPG", 60.0),  # the same frame written to the second card
        Frame("IMG_0002.JPG", 60.2),
    ]
    assert set(camera_bodies(one_body, gap)) == {"Fictive|Burst A1|"}
    with_serials = [Frame("A_0001.jpg", 0.0, "F|A1|S1"), Frame("B_0001.jpg", 0.1, "F|A1|S1")]
    assert camera_bodies(with_serials, gap) == ["F|A1|S1", "F|A1|S1"]  # the serial decides
    uncounted = [Frame("a/x.jpg", 0.0), Frame("b/y.jpg", 0.2), Frame("a/z.jpg", 0.4)]
    assert len(set(camera_bodies(uncounted, gap))) == 2
    jump = [Frame("DSC_1240.JPG", 0.0), Frame("DSC_5678.JPG", 0.2)]  # 4438 frames in 0.2 s
    assert len(set(camera_bodies(jump, gap))) == 2
    # a second card numbered 30 frames on, 67 ms later: sub-seconds leave no time for that
    near = [Frame(f"A/DSC_{k:04d}.JPG", 13.55 + 0.14 * (k - 114)) for k in range(114, 121)]
    near += [Frame(f"B/DSC_{k:04d}.JPG", 14.449 + 0.16 * (k - 150)) for k in range(150, 154)]
    assert len(set(camera_bodies(near, gap))) == 2
    whole = [Frame("A/DSC_0120.JPG", 14.0), Frame("B/DSC_0150.JPG", 14.0)]  # no sub-seconds
    assert len(set(camera_bodies(whole, gap))) == 1  # 30 frames may fit in a second


def test_two_fresh_cards_copied_into_one_folder_keeping_both_names_stay_apart(tmp_path):
    """Both bodies number from 0001; the file manager named the second card's files
    ``IMG_0001 (2).JPG``: one series mixed both shooters' bursts."""
    names_a = [f"IMG_{k:04d}.JPG" for k in range(1, 5)]
    names_b = [f"IMG_{k:04d} (2).JPG" for k in range(1, 5)]
    series = grouped(tmp_path, shoot(tmp_path, names_a, names_b))
    assert sorted(series) == [names_b, names_a]


def test_one_bodys_burst_across_the_first_free_name_stays_one_series(tmp_path):
    """One body whose counter was reset: its frames took ``(2)`` names up to the first
    name still free, and its burst runs across it."""
    names = ["IMG_0050 (2).JPG", "IMG_0051 (2).JPG", "IMG_0052.JPG", "IMG_0053.JPG"]
    paths = [
        jpeg(tmp_path / name, scene("astronaut", shift=2 * k), when=0.2 * k, **MODEL)
        for k, name in enumerate(names)
    ]
    assert grouped(tmp_path, paths) == [names]
