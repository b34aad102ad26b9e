"""The blind check's generator writes sequences the app reads as a camera's files."""

import sys
from pathlib import Path

from app.photos.exif import read_metadata

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import darkroom_bursts  # noqa: E402


def test_a_burst_and_a_bracket_carry_capture_times_and_their_exposure_tags(tmp_path):
    burst = darkroom_bursts.Sequence("burst", "low_key", "under", (96, 64), 5)
    bracket = darkroom_bursts.Sequence(
        "bracket", "texture", None, (96, 64), 6, {"evs": [0, -2, 2], "bracket_mode": False}
    )
    first = darkroom_bursts.render_sequence((burst, tmp_path, 1, darkroom_bursts.START))
    second = darkroom_bursts.render_sequence((bracket, tmp_path, 20, darkroom_bursts.START))

    assert 3 <= len(first["frames"]) <= 10 and first["clean"] in first["frames"]
    assert sum(ev < -0.9 for ev in first["ev"]) == len(first["frames"]) - 1
    metas = [read_metadata(tmp_path / name) for name in first["frames"]]
    times = [m.captured for m in metas]
    assert all(m.time_source == "exif" for m in metas) and times == sorted(set(times))
    assert 1 / 12.5 < (times[1] - times[0]).total_seconds() < 1 / 4.5
    biases = [read_metadata(tmp_path / name).exposure_bias for name in second["frames"]]
    assert biases == [0.0, -2.0, 2.0]
