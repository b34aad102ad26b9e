"""fgaesq-cull: exact JSON shape, CSV, summary, exit codes, sidecars, moves and undo."""

from __future__ import annotations

import csv
import json
import os
import re
import stat
import subprocess
import sys
import time

import pytest
from privileges import run_unprivileged
from test_photos_fixtures import burst, checksums, jpeg, scene

from app.catalog import Catalog
from app.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main
from app.faces import PICK_REASONS
from app.sidecars import read_marks

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d)?$")


@pytest.fixture
def card(tmp_path):
    folder = tmp_path / "card"
    burst(folder, "astronaut", 0.0, frames=3, sharp_at=1)
    jpeg(folder / "sub" / "single.jpg", scene("rocket"), when=600.0)
    (folder / "broken.jpg").write_bytes(b"nope")
    return folder


def cull(tmp_path, *args: str) -> int:
    return main([*args, "--db", str(tmp_path / "catalog.sqlite3"), "--model", "technical"])


def test_json_has_exactly_the_documented_shape(tmp_path, card, capsys):
    out = tmp_path / "cull.json"
    assert cull(tmp_path, str(card), "--json", str(out), "--quiet") == EXIT_OK
    assert capsys.readouterr().out == ""  # --quiet: nothing on stdout
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert set(doc) == {
        "version",
        "root",
        "model",
        "series",
        "errors",
        "held",
        "ranking",
        "stats",
    }
    assert doc["held"] == []  # no photo whose marks cannot be read
    assert doc["ranking"] == {  # no --taste: the base ranking, no figures
        "in_use": "base",
        "profile": None,
        "taste_agreement": None,
        "base_agreement": None,
        "decisions": None,
        "shoots": None,
        "held_out": None,
        "reordered": 0,
        "reason": "no taste profile chosen",
    }
    assert doc["version"] == 2
    assert doc["root"] == str(card) and os.path.isabs(doc["root"])
    assert doc["model"] == {"name": "technical", "weights": "technical:v18", "device": "cpu"}
    assert set(doc["stats"]) == {"photos", "series", "decoded", "scored", "cached", "seconds"}
    assert all(
        isinstance(doc["stats"][k], int)
        for k in ("photos", "series", "decoded", "scored", "cached")
    )
    assert isinstance(doc["stats"]["seconds"], float)
    assert doc["stats"]["photos"] == 4 and doc["stats"]["series"] == 2
    for series in doc["series"]:
        assert set(series) == {
            "id",
            "best",
            "kind",
            "possible_kind",
            "pick_reason",
            "confidence",
            "may_reject_others",
            "why",
            "members",
        }
        assert 0.0 <= series["confidence"] <= 1.0
        assert isinstance(series["may_reject_others"], bool)
        assert series["why"] is None or set(series["why"]) == {
            "pick",
            "runner_up",
            "regions",
            "sentence",
            "elsewhere",
        }
        assert series["kind"] in ("burst", "bracket", "panorama", "focus_stack", "single")
        assert series["possible_kind"] in (None, "bracket", "panorama", "focus_stack")
        assert isinstance(series["id"], int)
        assert series["pick_reason"] in PICK_REASONS
        for member in series["members"]:
            assert set(member) == {
                "path",
                "score",
                "rank",
                "captured",
                "faces",
                "closed_eyes",
                "copy_of",
            }
            assert isinstance(member["score"], float) and isinstance(member["rank"], int)
            assert member["captured"] is None or ISO.match(member["captured"])
            assert member["closed_eyes"] == sum(f["eyes"] == "closed" for f in member["faces"])
            for face in member["faces"]:
                assert set(face) == {"box", "eyes", "confidence", "sharpness"}
                assert len(face["box"]) == 4 and all(isinstance(v, int) for v in face["box"])
                assert face["eyes"] in ("open", "closed", "unknown")
        ranks = sorted(m["rank"] for m in series["members"])
        assert ranks == list(range(1, len(series["members"]) + 1))
        assert series["best"] == next(m["path"] for m in series["members"] if m["rank"] == 1)
    assert [s["best"] for s in doc["series"]] == [
        "astronaut_02.jpg",
        "sub/single.jpg",
    ]  # POSIX, relative
    assert doc["series"][0]["members"][0]["captured"] == "2024-06-01T12:00:00"
    assert doc["errors"] == [
        {"path": "broken.jpg", "error": "not an image, or a format that cannot be read (.jpg)"}
    ]


def test_csv_has_one_row_per_photo_and_the_summary_names_best_frames(tmp_path, card, capsys):
    out = tmp_path / "cull.csv"
    assert cull(tmp_path, str(card), "--csv", str(out)) == EXIT_OK
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["path"] for r in rows] == [
        "astronaut_01.jpg",
        "astronaut_02.jpg",
        "astronaut_03.jpg",
        "sub/single.jpg",
        "broken.jpg",
    ]
    assert [r["best"] for r in rows[:4]] == ["0", "1", "0", "1"]
    assert rows[4]["error"].startswith("not an image")
    captured = capsys.readouterr()
    assert "Series 1 (3 frames" in captured.out and "*  1" in captured.out
    assert "astronaut_02.jpg" in captured.out and "broken.jpg: not an image" in captured.out


def test_rerun_reports_everything_cached(tmp_path, card):
    out = tmp_path / "again.json"
    assert cull(tmp_path, str(card), "-q") == EXIT_OK
    assert cull(tmp_path, str(card), "-q", "--json", str(out)) == EXIT_OK
    stats = json.loads(out.read_text())["stats"]
    assert (stats["decoded"], stats["scored"], stats["cached"]) == (0, 0, stats["photos"])


def test_user_decisions_from_the_catalog_show_in_the_next_summary_and_csv(tmp_path, card, capsys):
    assert cull(tmp_path, str(card), "-q") == EXIT_OK
    with Catalog.open(tmp_path / "catalog.sqlite3") as catalog:
        ids = {record.relpath: record.id for record in catalog.photos(card)}
        catalog.set_decision(
            ids["astronaut_01.jpg"], flag="pick", rating=4, label="Red", source="user"
        )
        catalog.set_decision(ids["astronaut_02.jpg"], flag="reject", source="user")
    out = tmp_path / "decided.csv"
    assert cull(tmp_path, str(card), "--csv", str(out), "--reject-others") == EXIT_OK
    lines = {
        line.split()[-1]: line
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("  ")
    }
    assert "pick **** Red [user]" in lines["astronaut_01.jpg"]
    assert "reject [user]" in lines["astronaut_02.jpg"]  # the best frame, but the user rejected it
    assert "reject" in lines["astronaut_03.jpg"] and "[user]" not in lines["astronaut_03.jpg"]
    rows = {row["path"]: row for row in csv.DictReader(out.open(encoding="utf-8"))}
    decided = {
        k: [rows[k][c] for c in ("flag", "rating", "label", "decision_source")] for k in rows
    }
    assert decided["astronaut_01.jpg"] == ["pick", "4", "Red", "user"]
    assert decided["astronaut_02.jpg"] == ["reject", "0", "", "user"]
    assert decided["astronaut_03.jpg"] == ["reject", "0", "", "auto"]
    assert decided["sub/single.jpg"] == ["", "0", "", ""]
    assert decided["broken.jpg"] == ["", "", "", ""]


def test_auto_offline_says_in_one_line_why_it_uses_technical(tmp_path, card, capsys, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    code = main(
        [str(card), "--db", str(tmp_path / "c.sqlite3"), "--json", str(tmp_path / "o.json")]
    )
    assert code == EXIT_OK
    lines = [line for line in capsys.readouterr().err.splitlines() if "technical scorer" in line]
    assert len(lines) == 1 and lines[0].startswith("Using the technical scorer: ")
    assert json.loads((tmp_path / "o.json").read_text())["model"]["name"] == "technical"


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["/no/such/folder"],
        ["--model", "magic", "."],
        ["--max-gap", "-3", "."],
        ["--min-similarity", "7", "."],
    ],
)
def test_usage_errors_exit_2(argv, capsys):
    assert main(argv) == EXIT_USAGE
    assert "error" in capsys.readouterr().err


def test_unavailable_model_exits_1_with_a_message(tmp_path, card, capsys, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    code = main(
        [
            str(card),
            "--db",
            str(tmp_path / "c.sqlite3"),
            "--model",
            "fgaesq",
            "--weights",
            str(tmp_path / "missing.safetensors"),
            "--device",
            "cpu",
        ]
    )
    assert code == EXIT_FAILED
    assert "missing.safetensors" in capsys.readouterr().err


def test_fgaesq_without_weights_says_why_in_one_line_without_a_traceback(tmp_path, card):
    """The model's expected failures are the app's errors: one line, exit 1, no traceback."""
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "HF_HUB_CACHE": str(tmp_path / "empty-hub"),
        "PYTHONPATH": os.pathsep.join(sys.path),
    }
    child = subprocess.run(
        [sys.executable, "-m", "app.cli", str(card), "--db", str(tmp_path / "c.sqlite3")]
        + ["--model", "fgaesq", "--device", "cpu", "-q"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert child.returncode == EXIT_FAILED
    lines = child.stderr.strip().splitlines()
    assert "Traceback" not in child.stderr
    assert len(lines) == 1, child.stderr
    assert lines[0].startswith("fgaesq-cull: error: cannot load FGAesQ weights fgaesq: ")
    assert "HF_HUB_OFFLINE" in lines[0] and "--weights PATH" in lines[0]


def test_unwritable_output_exits_1(tmp_path, card, capsys):
    assert (
        cull(tmp_path, str(card), "-q", "--json", str(tmp_path / "no" / "such" / "dir" / "x.json"))
        == EXIT_FAILED
    )
    assert "cannot write" in capsys.readouterr().err


def test_xmp_sidecars_reject_others_move_and_undo(tmp_path, card):
    originals = checksums(card)
    rejects = tmp_path / "rejects"
    code = cull(
        tmp_path,
        str(card),
        "-q",
        "--write-xmp",
        "--reject-others",
        "--sidecar-style",
        "append",
        "--move-rejects",
        str(rejects),
    )
    assert code == EXIT_OK
    best = card / "astronaut_02.jpg.xmp"  # the suggestion is a keyword, not a rating
    assert read_marks(best).rating is None and "<rdf:li>FGAesQ pick</rdf:li>" in best.read_text()
    moved = sorted(p.name for p in rejects.iterdir() if not p.name.startswith("."))
    assert moved == [
        "astronaut_01.jpg",
        "astronaut_01.jpg.xmp",
        "astronaut_03.jpg",
        "astronaut_03.jpg.xmp",
    ]
    assert "<rdf:li>FGAesQ reject</rdf:li>" in (rejects / "astronaut_01.jpg.xmp").read_text()
    assert (
        checksums(rejects)["astronaut_01.jpg"] == originals["astronaut_01.jpg"]
    )  # moved, not rewritten

    assert (
        main(["--undo", str(rejects), "--db", str(tmp_path / "catalog.sqlite3"), "-q"]) == EXIT_OK
    )
    after = checksums(card)
    assert {k: v for k, v in after.items() if not k.endswith(".xmp")} == originals


IMPORTED_BY_A_TECHNICAL_CULL = """
import json, sys
import fgaesq_core
light = "torch" not in sys.modules and fgaesq_core.weights_available is not None and "open_clip" not in sys.modules
from app.cli import main
code = main(sys.argv[1:])
print(json.dumps([light, code, "open_clip" in sys.modules, "fgaesq_core.model" in sys.modules]))
"""


def test_the_model_library_loads_only_what_a_run_uses(tmp_path, card):
    """``import fgaesq_core`` and its weights check stay light; a technical cull never loads open_clip."""
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            IMPORTED_BY_A_TECHNICAL_CULL,
            str(card),
            "-q",
            "--model",
            "technical",
            "--db",
            str(tmp_path / "c.sqlite3"),
        ],
        capture_output=True,
        text=True,
    )
    assert child.returncode == 0, child.stderr
    light, code, open_clip, model = json.loads(child.stdout)
    assert light and code == EXIT_OK and not open_clip and not model
    import fgaesq_core
    from fgaesq_core import load_model

    assert load_model is fgaesq_core.load_model and all(
        hasattr(fgaesq_core, name) for name in fgaesq_core.__all__
    )


CULL = "import sys; from app.cli import main; sys.exit(main(sys.argv[1:]))"


def test_read_only_folder_reports_each_sidecar_and_completes(tmp_path, card):
    """Also an unreadable file and an unreadable folder: each named with its cause, the run goes on."""
    out = tmp_path / "ro.json"
    jpeg(card / "secret.jpg", scene("coffee"), when=1200.0).chmod(0)
    jpeg(card / "locked" / "hidden.jpg", scene("coffee"), when=1800.0)
    (card / "locked").chmod(0)
    mode = card.stat().st_mode
    card.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        child = run_unprivileged(
            CULL,
            str(card),
            "-q",
            "--write-xmp",
            "--json",
            str(out),
            "--db",
            str(tmp_path / "catalog.sqlite3"),
            "--model",
            "technical",
        )
    finally:
        card.chmod(mode)
        (card / "locked").chmod(0o755)
        (card / "secret.jpg").chmod(0o644)
    assert child.returncode == EXIT_OK, child.stderr
    doc = json.loads(out.read_text())
    errors = {(e["path"], e["error"]) for e in doc["errors"]}
    assert ("secret.jpg", "permission denied: cannot read this file") in errors
    assert ("locked", "permission denied: cannot read this folder") in errors
    sidecars = {path for path, error in errors if error.startswith("cannot write sidecar: ")}
    assert sidecars == {"astronaut_01.xmp", "astronaut_02.xmp", "astronaut_03.xmp"}
    assert all("read-only" in error for path, error in errors if path in sidecars), errors
    assert doc["stats"]["photos"] == 4  # the run went on: every readable photo was culled
    assert not any(card.glob("*.xmp"))


def test_ranking_progress_counts_frames_with_their_rate_and_time_left(tmp_path, card, capsys):
    """The rank bar counts the frames the scorer ranks (tqdm's rate and time left)."""
    from app.options import CullOptions
    from app.pipeline import run_cull

    events = []
    db = tmp_path / "c.sqlite3"
    run_cull(card, CullOptions(catalog_path=db, scorer="technical"), progress=events.append)
    frames = [e.frames for e in events if e.stage == "rank"]
    # 3 burst frames and the single; ranked run by run as the card is read, the frames to
    # rank grow run by run
    assert frames[0][0] == 0 and frames[-1] == (4, 4)
    assert all(a[0] <= b[0] and a[1] <= b[1] for a, b in zip(frames, frames[1:], strict=False))

    from app.cli import _ProgressBars
    from app.pipeline.results import ProgressEvent

    bars = _ProgressBars(quiet=False)
    for done in (0, 2, 4):
        bars(ProgressEvent("rank", done // 2, 2, frames=(done, 8)))
        time.sleep(0.05)
    err = capsys.readouterr().err
    bars.close()
    assert "4/8" in err and "frame/s" in err and "<00:0" in err  # elapsed<left, a rate


def test_rank_rate_leaves_out_frames_ranked_while_the_card_was_read(capsys):
    """Frames ranked while the read bar stood are not counted as ranked in the instant the
    rank bar appears (a rate of millions a second): the bar's rate counts what it saw."""
    from app.cli import _ProgressBars
    from app.pipeline.results import ProgressEvent

    bars = _ProgressBars(quiet=False)
    bars(ProgressEvent("read", 0, 10))
    bars(ProgressEvent("rank", 0, 2, frames=(0, 8)))
    time.sleep(0.5)
    bars(ProgressEvent("rank", 1, 2, frames=(4, 8)))  # ranked while reading: no rank bar yet
    bars(ProgressEvent("read", 10, 10))
    bars(ProgressEvent("rank", 2, 2, frames=(5, 8)))
    err = capsys.readouterr().err
    bars.close()
    rates = [float(r) for r in re.findall(r"([\d.]+)frame/s", err)]
    assert all(r < 50 for r in rates), err  # no rate yet, or one counted over what it saw


def test_a_ranking_all_from_the_catalog_shows_no_rate(capsys):
    """Every series' scores taken from the catalog: the rank bar says so, with no rate (a
    millisecond for a dozen series would read as thousands of items a second)."""
    from app.cli import _ProgressBars
    from app.pipeline.results import ProgressEvent

    bars = _ProgressBars(quiet=False)
    bars(ProgressEvent("read", 12, 12))
    for done in range(13):
        bars(ProgressEvent("rank", done, 12, frames=(0, 0)))
    err = capsys.readouterr().err
    bars.close()
    ranking = err[err.index("rank") :]
    assert "12/12" in ranking and "from the catalog" in ranking, err
    assert "/s" not in ranking, err


def test_the_read_bar_says_the_models_pace_and_time_left_while_it_ranks_behind(capsys, monkeypatch):
    """A model ranking in a stage of its own while the card is read: the read bar says its
    frames ranked, frames per second and time left (counted from its first report)."""
    from app.cli import _ProgressBars
    from app.pipeline.results import ProgressEvent, SeriesResult

    clock = iter([100.0, 100.0, 104.0, 104.0])
    one = SeriesResult(id=1, members=())
    bars = _ProgressBars(quiet=False)
    bars.now = lambda: next(clock)
    bars(ProgressEvent("read", 5, 40))
    bars(ProgressEvent("rank", 1, 2, series=one, frames=(5, 40), behind=True))
    bars(ProgressEvent("rank", 2, 3, series=one, frames=(15, 40), behind=True))
    bars(ProgressEvent("rank", 3, 3, series=one, frames=(20, 20), provisional=True))
    err = capsys.readouterr().err
    bars.close()
    assert "ranked 15/40 frames, 2.5 frames/s, 00:10 left" in err, err
    assert "20/20" not in err, "the technical ranking shown meanwhile is not the model's"


def test_progress_bars_while_runs_are_ranked_as_the_card_is_read(capsys):
    """One reading bar while the card is read (runs grouped and ranked meanwhile), no
    grouping bar after it, and a ranking bar whose rate counts only what it saw ranked."""
    from app.cli import _ProgressBars
    from app.pipeline.results import ProgressEvent

    bars = _ProgressBars(quiet=False)
    for read in (0, 2, 4):
        bars(ProgressEvent("read", read, 4))
        bars(ProgressEvent("group", read, 4, "1 series"))
        bars(ProgressEvent("rank", 0, 1, frames=(read * 100, read * 100 + 200)))
    bars(ProgressEvent("group", 4, 4, "2 series"))
    bars(ProgressEvent("rank", 1, 2, frames=(400, 600)))
    time.sleep(0.05)
    bars(ProgressEvent("rank", 1, 2, frames=(401, 600)))
    err = capsys.readouterr().err
    bars.close()
    assert "group" not in err, err
    assert "401/600" in err
    rates = [float(r) for r in re.findall(r"([0-9.]+)frame/s", err)]
    assert rates and max(rates) < 1000, err  # 1 frame in 0.05 s, not 401
