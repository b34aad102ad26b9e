"""The explanation of each pick in the cull's JSON, CSV and summary, and on an unchanged rerun."""

from __future__ import annotations

import csv
import json

import numpy as np
from cull_helpers import cull_json
from PIL import Image
from test_photos_fixtures import jpeg

from app.cli import EXIT_OK, main
from app.scoring.why import intersection_over_union

BOX = (320, 192, 256, 256)  # the changed region of one frame, in the original's pixels


def _burst(folder):
    """Two frames of one textured scene, 1024 px wide, that differ only in BOX (grain)."""
    rng = np.random.default_rng(3)
    small = rng.uniform(20, 235, (96, 128, 3)).astype(np.uint8)
    base = np.asarray(Image.fromarray(small).resize((1024, 768), Image.Resampling.BICUBIC))
    other = base.astype(np.float32)
    x, y, w, h = BOX
    other[y : y + h, x : x + w] += rng.normal(0, 30, (h, w, 3))
    for name, array, when in (("a.jpg", base, 0.0), ("b.jpg", other, 0.3)):
        jpeg(folder / name, Image.fromarray(np.clip(array, 0, 255).astype(np.uint8)), when=when)


def test_each_pick_says_where_and_how_it_beat_the_runner_up(tmp_path, capsys):
    folder = tmp_path / "shoot"
    _burst(folder)
    data = cull_json(tmp_path, folder, "--csv", str(tmp_path / "cull.csv"))
    (series,) = data["series"]
    why = series["why"]
    runner_up = next(m["path"] for m in series["members"] if m["rank"] == 2)
    assert (why["pick"], why["runner_up"]) == (series["best"], runner_up)
    top = why["regions"][0]
    assert intersection_over_union(top["box"], BOX) > 0.3  # original pixels
    assert top["score_difference"] > 0
    rows = {
        row["path"]: row for row in csv.DictReader((tmp_path / "cull.csv").read_text().splitlines())
    }
    assert rows[series["best"]]["why"] == why["sentence"] != ""
    assert rows[runner_up]["why"] == ""
    assert f"why: {why['sentence']}" in capsys.readouterr().out

    # An unchanged rerun decodes nothing and still explains the pick.
    out = tmp_path / "again.json"
    argv = [str(folder), "--db", str(tmp_path / "c.sqlite3"), "--model", "technical"]
    assert main([*argv, "--json", str(out)]) == EXIT_OK
    again = json.loads(out.read_text())
    assert again["stats"]["decoded"] == 0
    assert again["series"][0]["why"] == why


def test_a_series_kept_whole_gives_no_reason_for_a_pick_it_does_not_have(tmp_path, capsys):
    from cull_helpers import SAMPLES

    cull_json(tmp_path, SAMPLES)
    lines = [line for line in capsys.readouterr().out.splitlines() if "kept whole:" in line]
    assert lines, "the samples hold a bracket"
    assert not any("why:" in line for line in lines)
