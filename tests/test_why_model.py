"""FGAesQ's explanation of its picks through the app: the cull with ``--why`` on a tiny
model, its JSON, CSV and summary, and the catalog's copy on a rerun without ``--why``."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import torch
from PIL import Image
from test_photos_fixtures import jpeg

import fgaesq_core
from app.cli import EXIT_OK, main
from app.scoring.why import MODEL_OVERALL, MODEL_REGION, intersection_over_union
from fgaesq_core.testing import released_state_dict

CHANGED = (640, 384, 128, 128)  # x, y, w, h of the one place where the frames differ


def tiny_checkpoint(folder):
    """A tiny model whose scores visibly differ between images, as a checkpoint the app
    can be given (its config in the file)."""
    torch.save(released_state_dict(4, "tiny"), folder / "tiny.pt")
    model = fgaesq_core.load_model(weights=folder / "tiny.pt", config="tiny", device="cpu")
    return fgaesq_core.save_checkpoint(model.model, folder / "tiny.safetensors")


@pytest.fixture(scope="module")
def tiny_weights(tmp_path_factory):
    return tiny_checkpoint(tmp_path_factory.mktemp("w"))


def _burst(folder, changed=CHANGED):
    """Two 1024 x 768 frames of one scene that differ only inside ``changed`` (None: no
    difference at all)."""
    rng = np.random.default_rng(0)
    small = rng.uniform(0, 255, (48, 64, 3)).astype(np.uint8)
    base = np.asarray(Image.fromarray(small).resize((1024, 768), Image.Resampling.BICUBIC))
    other = base.copy()
    if changed is not None:
        x, y, w, h = changed
        other[y : y + h, x : x + w] = 10  # a dark patch: the tiny model clearly minds it
    for name, array, when in (("a.jpg", base, 0.0), ("b.jpg", other, 0.3)):
        jpeg(folder / name, Image.fromarray(array), when=when)


def _cull(tmp_path, folder, weights, *args):
    out = tmp_path / "cull.json"
    argv = [str(folder), "--db", str(tmp_path / "c.sqlite3"), "--model", "fgaesq"]
    argv += ["--weights", str(weights), "--device", "cpu", "--no-faces", "--json", str(out)]
    assert main([*argv, *args]) == EXIT_OK
    return json.loads(out.read_text())


def test_the_models_pick_is_explained_where_the_frames_differ(tmp_path, tiny_weights, capsys):
    folder = tmp_path / "shoot"
    _burst(folder)
    csv_path = tmp_path / "cull.csv"
    data = _cull(tmp_path, folder, tiny_weights, "--why", "--csv", str(csv_path))
    (series,) = data["series"]
    why = series["why"]
    runner_up = next(m["path"] for m in series["members"] if m["rank"] == 2)
    assert (why["pick"], why["runner_up"]) == (series["best"], runner_up)
    assert why["regions"], why
    for region in why["regions"]:  # the model's regions, in the original's pixels
        assert intersection_over_union(region["box"], CHANGED) > 0
        assert region["score_difference"] > 0
    lead = series["members"][0]["score"] - series["members"][1]["score"]
    assert sum(r["score_difference"] for r in why["regions"]) <= 2 * abs(lead) + 0.1
    assert why["sentence"] in (MODEL_REGION, "sharper on the subject", "less noise")
    rows = {row["path"]: row for row in csv.DictReader(csv_path.read_text().splitlines())}
    assert rows[series["best"]]["why"] == why["sentence"]
    assert f"why: {why['sentence']}" in capsys.readouterr().out

    # Asked for once, kept: an unchanged rerun without --why scores nothing and still says it.
    again = _cull(tmp_path, folder, tiny_weights)
    assert again["stats"]["scored"] == 0
    assert again["series"][0]["why"] == why


def test_without_why_the_cull_spends_nothing_on_it_and_identical_frames_point_nowhere(
    tmp_path, tiny_weights
):
    folder = tmp_path / "shoot"
    _burst(folder, changed=None)
    assert _cull(tmp_path, folder, tiny_weights)["series"][0]["why"] is None
    # Asked for on a rerun: the series is scored again to be explained.
    why = _cull(tmp_path, folder, tiny_weights, "--why")["series"][0]["why"]
    assert why["regions"] == [] and why["sentence"] == MODEL_OVERALL
