"""The second blind check's generator writes sequences the app reads as a camera's files."""

import sys
from pathlib import Path

from app.photos.exif import read_metadata

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import street_bursts  # noqa: E402
import street_eval  # noqa: E402


def test_a_burst_a_bracket_and_a_stripped_bracket_carry_what_a_camera_records(tmp_path):
    body = street_bursts.BODIES[0]
    burst = street_bursts.Plan("burst", "portrait", "under", (64, 96), 3)
    bracket = street_bursts.Plan("bracket", "night", None, (96, 64), 4, {"evs": [-2, 0, 2]})
    stripped = street_bursts.Plan(
        "stripped_bracket", "facade", None, (96, 64), 5, {"evs": [0, -1, 1], "strip": "all"}
    )
    records = [
        street_bursts.render_sequence((plan, 1, str(tmp_path), 100 * k, street_bursts.BEGIN, body))
        for k, plan in enumerate((burst, bracket, stripped))
    ]

    first = records[0]
    assert 3 <= len(first["frames"]) <= 8 and first["clean"] in first["frames"]
    metas = [read_metadata(tmp_path / name) for name in first["frames"]]
    times = [m.captured for m in metas]
    assert (
        times == sorted(set(times)) and 1 / 10.5 < (times[1] - times[0]).total_seconds() < 1 / 2.9
    )
    clean = first["frames"].index(first["clean"])
    seconds = [m.exposure_seconds for m in metas]
    assert all(s < seconds[clean] for k, s in enumerate(seconds) if k != clean)
    assert all(m.exposure_bias is None for m in metas)
    biases = [read_metadata(tmp_path / name).exposure_bias for name in records[1]["frames"]]
    assert biases == [-2.0, 0.0, 2.0]
    bare = [read_metadata(tmp_path / name) for name in records[2]["frames"]]
    assert all(m.exposure_seconds is None and m.exposure_bias is None for m in bare)

    # the evaluation reads a command's series: one series holding the burst, its clean pick
    document = {
        "series": [
            {
                "id": 1,
                "best": first["clean"],
                "kind": "burst",
                "confidence": 0.9,
                "members": [{"path": f} for f in first["frames"]],
            },
            {
                "id": 2,
                "best": records[1]["frames"][1],
                "kind": "bracket",
                "confidence": None,
                "members": [{"path": f} for f in records[1]["frames"]],
            },
            {
                "id": 3,
                "best": records[2]["frames"][0],
                "kind": "burst",
                "possible_kind": "bracket",
                "confidence": 0.5,
                "members": [{"path": f} for f in records[2]["frames"]],
            },
        ]
    }
    measured = street_eval.measure({"sequences": records}, document)
    assert measured["best_frame"] == [1, 1] and measured["grouping_f1"] == 1.0
    assert measured["kinds"]["brackets_kept_whole"] == [1, 1]
    assert measured["kinds"]["stripped_kept_or_flagged"] == [1, 1]
    assert measured["calibration"]["at_least_0.8"] == [1, 1]
