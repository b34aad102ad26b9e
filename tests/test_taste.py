"""The photographer's taste: from marks to preferences, the held-out rule, profiles, and
learning from culled folders without writing to them."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from test_hostile import sidecar_text
from test_photos_fixtures import checksums, dng

from app.catalog import Catalog, DecisionSource, Flag, PhotoInfo
from app.cli import EXIT_OK, main
from app.options import CullOptions
from app.pipeline.results import MemberResult, SeriesResult
from app.taste.dataset import TasteSeries, taste_series
from app.taste.evaluate import evaluate, held_out_folds, sign_test
from app.taste.features import FEATURE_NAMES
from app.taste.learn import learn_folders
from app.taste.learner import base_model
from app.taste.profiles import TasteError, export_profile, learn_profile, remove_profile
from app.taste.rerank import apply_taste

SAMPLES = Path(__file__).resolve().parent.parent / "resources" / "samples" / "bursts"
USER = DecisionSource.USER


def flat_thumbnail(level: int) -> bytes:
    return bytes([level]) * (8 * 6)


def folder_in_catalog(catalog: Catalog, root: str, brightness: list[list[int]]) -> list[list[int]]:
    """One series per list, a frame per brightness, each scored by its position."""
    groups = []
    for s, levels in enumerate(brightness):
        infos = [
            PhotoInfo(
                root,
                f"s{s}_{i}.jpg",
                100,
                1,
                thumbnail=flat_thumbnail(level),
                thumb_width=8,
                thumb_height=6,
                width=80,
                height=60,
            )
            for i, level in enumerate(levels)
        ]
        groups.append(catalog.upsert_photos(infos))
    catalog.replace_series(root, groups, {"gap_s": 2.0})
    catalog.set_scores(
        "technical",
        "technical:test",
        {pid: (float(10 - i), i + 1) for ids in groups for i, pid in enumerate(ids)},
    )
    return groups


def test_a_persons_marks_become_levels_rejects_under_the_rest_ties_left_as_ties(tmp_path):
    with Catalog(tmp_path / "c.sqlite3") as catalog:
        (a, b, c, d, e), (f, g), (h, i) = folder_in_catalog(
            catalog, "/shoot", [[10, 20, 30, 40, 50], [10, 20], [30, 40]]
        )
        catalog.set_decision(a, flag=Flag.PICK, source=USER)
        catalog.set_decision(b, rating=3, source=USER)
        catalog.set_decision(c, flag=Flag.REJECT, source=USER)
        catalog.set_decision(d, flag=Flag.PICK, source=DecisionSource.AUTO)  # not a person's
        catalog.set_decision(f, flag=Flag.PICK, source=DecisionSource.AUTO)  # nobody decided
        catalog.set_decision(h, rating=2, source=USER)
        bracket = catalog.series("/shoot")[2].id
        catalog.set_series_kind(bracket, "bracket")  # kept whole: not a choice
        views = catalog.series("/shoot")
        found = taste_series(views, catalog.thumbnails([a, b, c, d, e, f, g, h, i]))
    assert len(found) == 1
    series = found[0]
    assert series.frames == ("s0_0.jpg", "s0_1.jpg", "s0_2.jpg", "s0_3.jpg", "s0_4.jpg")
    levels = list(series.levels)
    assert levels[0] > levels[1] > levels[3] == levels[4] > levels[2]
    assert series.decided == 3 and series.top == {0}
    pairs = set(series.pairs())
    assert (3, 4) not in pairs and (4, 3) not in pairs  # the unmarked rest: a tie
    assert {(0, 1), (1, 3), (1, 4), (3, 2), (4, 2), (0, 2)} <= pairs
    assert len(pairs) == 4 + 3 + 2  # pick over 4, 3 stars over 3, both unmarked over reject
    brightness = series.features[:, FEATURE_NAMES.index("brightness")]
    assert brightness[4] > brightness[0]


def synthetic(preference: str, series_count: int, seed: int) -> list[TasteSeries]:
    """Series whose person prefers the brighter frame, or picks at random; the base score
    knows nothing of brightness."""
    rng = np.random.default_rng(seed)
    found = []
    for k in range(series_count):
        n = int(rng.integers(4, 9))
        features = np.zeros((n, len(FEATURE_NAMES)))
        features[:, 0] = rng.normal(5, 1, n)
        features[:, 1] = rng.uniform(0.2, 0.8, n)
        features[:, 5] = rng.uniform(0.0, 0.1, n)
        liking = features[:, 1] if preference == "brighter" else rng.random(n)
        order = np.argsort(-(liking + rng.normal(0, 0.03, n)))
        levels = np.ones(n)
        levels[order[0]] = 11.0
        levels[order[-2:]] = 0.0
        marked = tuple(bool(level != 1.0) for level in levels)
        found.append(
            TasteSeries(
                f"shoot{k % 6}",
                f"shoot{k % 6}|{k}",
                tuple(map(str, range(n))),
                levels,
                features,
                marked,
            )
        )
    return found


def test_held_out_folds_never_split_a_series_nor_a_shoot():
    series = synthetic("brighter", 30, 0)
    folds, split = held_out_folds(series)
    assert split == "shoot"
    by_shoot: dict[str, set[int]] = {}
    for s, fold in zip(series, folds, strict=True):
        by_shoot.setdefault(s.shoot, set()).add(fold)
    assert all(len(f) == 1 for f in by_shoot.values()) and len(set(folds)) > 1
    two_shoots = [s for s in series if s.shoot in ("shoot0", "shoot1")]
    folds, split = held_out_folds(two_shoots)
    assert split == "series" and len(folds) == len(two_shoots) and len(set(folds)) > 1


def test_a_consistent_taste_is_used_and_random_picks_never_are():
    evaluation, model = evaluate(synthetic("brighter", 60, 1))
    assert evaluation.used and evaluation.shoots == 6 and evaluation.split == "shoot"
    assert evaluation.personal >= evaluation.base + 0.15
    assert evaluation.gain_low > 0.02
    assert model.weights[FEATURE_NAMES.index("brightness")] > 0
    for seed in range(5):
        evaluation, _ = evaluate(synthetic("random", 60, seed))
        assert not evaluation.used, (seed, evaluation)
        assert "not used" in evaluation.describe("mine")


def test_the_sign_test_is_exact_and_takes_thousands_of_series():
    assert sign_test(10, 0) == pytest.approx(1 / 1024)
    assert sign_test(0, 0) == 1.0 and sign_test(5, 5) > 0.5
    assert 0.0 < sign_test(3100, 2900) < 0.01 < sign_test(3000, 2990)


def test_too_few_held_out_series_are_not_enough_to_claim_anything():
    evaluation, _ = evaluate(synthetic("brighter", 8, 2))
    assert evaluation.held_out == 8 and not evaluation.used


def test_removing_a_profile_forgets_the_data_it_was_learnt_from(tmp_path):
    path = tmp_path / "c.sqlite3"
    with Catalog(path) as catalog:
        groups = folder_in_catalog(catalog, "/shoot", [[10, 60, 30]] * 12)
        for ids in groups:
            catalog.set_decision(ids[1], flag=Flag.PICK, source=USER)
        folder_in_catalog(catalog, "/unmarked", [[10, 20]])
        with pytest.raises(TasteError, match="no series with your marks in /unmarked"):
            learn_profile(catalog, "weddings", ["/unmarked"])
        learnt = learn_profile(catalog, "weddings", ["/shoot"])
        learn_profile(catalog, "portraits", ["/shoot"])
        assert learnt.evaluation.decisions == 12 and learnt.evaluation.series == 12
        assert [t.name for t in catalog.tastes()] == ["portraits", "weddings"]
        assert export_profile(catalog, "weddings", tmp_path / "w.json") == 36
        exported = json.loads((tmp_path / "w.json").read_text())
        assert exported["evaluation"]["decisions"] == 12 and len(exported["examples"]) == 36
        remove_profile(catalog, "weddings")
        assert catalog.taste("weddings") is None and catalog.taste_examples("weddings") == []
        with pytest.raises(TasteError):
            remove_profile(catalog, "weddings")
        assert len(catalog.taste_examples("portraits")) == 36
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM taste_examples").fetchone() == (36,)
        assert db.execute("SELECT name FROM taste_profiles").fetchall() == [("portraits",)]


def members(ids: list[int]) -> tuple[MemberResult, ...]:
    return tuple(
        MemberResult(pid, f"s0_{i}.jpg", Path(f"/shoot/s0_{i}.jpg"), float(10 - i), i + 1, None)
        for i, pid in enumerate(ids)
    )


IN_USE = {
    "learner": "linear", "personal": 0.8, "base": 0.3, "gain_low": 0.3, "held_out": 40,
    "split": "shoot", "decisions": 300, "series": 40, "shoots": 5, "used": True,
    "seconds": 0.1, "sign_p": 0.001,
}  # fmt: skip


def test_a_taste_in_use_orders_the_series_and_one_not_in_use_leaves_the_base(tmp_path):
    with Catalog(tmp_path / "c.sqlite3") as catalog:
        (ids,) = folder_in_catalog(catalog, "/shoot", [[10, 90, 50]])
        series = [SeriesResult(1, members(ids))]
        model = base_model()
        model.weights[FEATURE_NAMES.index("brightness")] = 100.0
        evaluation = IN_USE
        catalog.save_taste("bright", model.as_json(), evaluation, [])
        catalog.save_taste("unsure", model.as_json(), {**evaluation, "used": False}, [])
        ordered, ranking = apply_taste(catalog, "/shoot", series, "bright", True)
        assert [m.rank for m in ordered[0].members] == [3, 1, 2]
        assert ranking.text.startswith("Ranking: your taste 'bright': 80 % of your held-out picks")
        assert (ranking.in_use, ranking.profile, ranking.reordered) == ("taste", "bright", 1)
        kept, ranking = apply_taste(catalog, "/shoot", series, "unsure", True)
        assert kept == series and ranking.text.startswith("Ranking: base (your taste 'unsure'")
        assert (ranking.in_use, ranking.taste_agreement, ranking.base_agreement) == (
            "base",
            0.8,
            0.3,
        )
        assert ranking.reason.startswith("not measurably better")
        kept, ranking = apply_taste(catalog, "/shoot", series, "nobody", True)
        assert kept == series and "no taste profile 'nobody'" in ranking.text
        assert ranking.in_use == "base" and ranking.taste_agreement is None


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    sums = checksums(folder)
    return {rel: (digest, os.stat(folder / rel).st_mtime_ns) for rel, digest in sums.items()}


def test_learn_reads_sidecars_counts_a_raw_jpeg_pair_once_and_writes_nothing(tmp_path, capsys):
    shoot = tmp_path / "shoot"
    shoot.mkdir()
    for name in ("astronaut_01", "astronaut_02", "astronaut_03", "astronaut_04", "coffee_01",
                 "coffee_02", "coffee_03"):  # fmt: skip
        (shoot / f"{name}.jpg").write_bytes((SAMPLES / f"{name}.jpg").read_bytes())
    dng(shoot / "astronaut_03.dng", preview=Image.open(SAMPLES / "astronaut_03.jpg"))
    (shoot / "astronaut_03.xmp").write_text(sidecar_text('xmp:Rating="5"'), encoding="utf-8")
    (shoot / "astronaut_03.jpg.xmp").write_text(
        sidecar_text('xmp:Rating="4"'), encoding="utf-8"
    )  # the pair's other sidecar: the same photo, one frame
    (shoot / "astronaut_01.xmp").write_text(sidecar_text('xmp:Rating="-1"'), encoding="utf-8")
    (shoot / "coffee_02.xmp").write_text(sidecar_text('xmp:Rating="3"'), encoding="utf-8")
    before = snapshot(shoot)
    db = tmp_path / "c.sqlite3"
    argv = ["learn", str(shoot), "--profile", "mine", "--db", str(db), "--model", "technical"]
    assert main([*argv, "--no-faces", "--quiet"]) == EXIT_OK
    assert "Ranking: base (your taste 'mine' is not used" in capsys.readouterr().out
    assert snapshot(shoot) == before
    # even options that would write sidecars and move rejects in a cull write nothing here
    eager = CullOptions(
        scorer="technical",
        faces=False,
        catalog_path=db,
        workers=1,
        write_xmp=True,
        xmp_scheme="reject_others",
        move_rejects=tmp_path / "rejects",
    )
    assert learn_folders([shoot], "mine", eager).taste is not None
    assert snapshot(shoot) == before
    assert sorted(os.listdir(shoot)) == sorted(before) and not (tmp_path / "rejects").exists()
    with Catalog(db) as catalog:
        examples = catalog.taste_examples("mine")
    frames = {e.frame: e for e in examples}
    assert len(examples) == len(frames) == 7  # 4 astronauts (one a RAW+JPEG pair), 3 coffees
    assert "astronaut_03.jpg" not in frames
    pair, rejected = frames["astronaut_03.dng"], frames["astronaut_01.jpg"]
    assert pair.decided and pair.level == 6.0  # the stronger of its marks: 5 stars
    assert rejected.decided and rejected.level == 0.0
    assert frames["coffee_02.jpg"].level == 4.0 and not frames["coffee_01.jpg"].decided
    assert main(["learn", "--list", "--db", str(db)]) == EXIT_OK
    assert "mine (not used): " in capsys.readouterr().out
    # a taste in use (here: one that likes bright frames) orders the bursts of a cull and
    # suggests their picks; the person's marks stay as they were
    model = base_model()
    model.weights[FEATURE_NAMES.index("brightness")] = 100.0
    with Catalog(db) as catalog:
        catalog.save_taste("bright", model.as_json(), {**IN_USE}, [])
        marks_before = {p.relpath: catalog.decision(p.id) for p in catalog.photos(shoot)}
        brightness = {
            p.relpath: np.frombuffer(p.thumbnail, np.uint8).mean()
            for p in catalog.photos(shoot, with_thumbnails=True)
        }
    out = tmp_path / "cull.json"
    culled = [str(shoot), "--db", str(db), "--model", "technical", "--no-faces", "--json", str(out)]
    assert main([*culled, "--taste", "bright"]) == EXIT_OK
    assert "Ranking: your taste 'bright': 80 % of your held-out picks" in capsys.readouterr().out
    document = json.loads(out.read_text())
    ranking = document["ranking"]
    assert {k: ranking[k] for k in ("in_use", "profile", "decisions", "shoots")} == {
        "in_use": "taste",
        "profile": "bright",
        "decisions": 300,
        "shoots": 5,
    }
    assert (ranking["taste_agreement"], ranking["base_agreement"]) == (0.8, 0.3)
    assert ranking["reason"].startswith("agreed measurably more often")
    for series in document["series"]:
        if len(series["members"]) > 1:
            best = min(series["members"], key=lambda m: m["rank"])["path"]
            assert brightness[best] == max(brightness[m["path"]] for m in series["members"])
    table = tmp_path / "cull.csv"
    assert main([*culled, "--taste", "bright", "--csv", str(table), "--quiet"]) == EXIT_OK
    assert {row["ranking"] for row in csv.DictReader(table.open())} == {"taste:bright"}
    with Catalog(db) as catalog:
        for photo in catalog.photos(shoot):
            if marks_before[photo.relpath].is_user:
                assert catalog.decision(photo.id) == marks_before[photo.relpath]
    assert main(["learn", "--remove", "--profile", "mine", "--db", str(db)]) == EXIT_OK
    assert main(["learn", "--export", str(tmp_path / "x.json"), "--db", str(db)]) != EXIT_OK


def test_the_window_learns_a_taste_in_a_worker_and_says_how_it_agreed(qtbot, tmp_path, monkeypatch):
    from gui_fixtures import gui_env, new_window  # noqa: F401 - the fixture's environment
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setenv("FGAESQ_CULL_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("FGAESQ_CULL_CACHE_DIR", str(tmp_path / "cache"))
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: shown.append(text))
    shoot = tmp_path / "shoot"
    shoot.mkdir()
    for name in ("coffee_01", "coffee_02", "coffee_03"):
        (shoot / f"{name}.jpg").write_bytes((SAMPLES / f"{name}.jpg").read_bytes())
    (shoot / "coffee_03.xmp").write_text(sidecar_text('xmp:Rating="2"'), encoding="utf-8")
    before = snapshot(shoot)
    window = new_window(qtbot, tmp_path / "c.sqlite3", run_pipeline=False)
    action = window.commands.action("learn_taste")
    assert action in window.menuBar().actions()[0].menu().actions()
    from app.gui.taste import LearnTaste

    learning = LearnTaste(window, window.settings, str(tmp_path / "c.sqlite3"))
    job = learning.start(str(shoot), "family")
    assert job is not None and job.isRunning()  # the window's thread is not the learner's
    qtbot.waitUntil(lambda: bool(shown), timeout=120_000)
    assert shown[0].startswith("Ranking: base (your taste 'family' is not used: ")
    assert snapshot(shoot) == before
    with Catalog(tmp_path / "c.sqlite3") as catalog:
        assert catalog.taste("family").examples == 3
    from app.gui.preferences import PreferencesDialog

    field = PreferencesDialog(window.settings, window).fields["taste"]
    field.setText("family")
    field.editingFinished.emit()
    assert window.settings.cull_options().taste == "family"  # the window's next culls
    window.shutdown()
