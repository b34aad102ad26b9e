"""One set of options: the command line, the desktop app and the pipeline read the same defaults."""

from __future__ import annotations

import math
import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from gui_fixtures import gui_env, scene, write_jpeg  # noqa: F401

from app.cli import build_parser, main, options_from
from app.options import (
    CullOptions,
    Device,
    OptionError,
    ScorerName,
    SeriesMode,
    SidecarStyle,
    XmpScheme,
    default_of,
    option_fields,
)
from app.photos.workers import WorkerPool, default_workers


def slow_bursts(folder: Path) -> None:
    """Two bursts whose frames are 3 s apart: inside the measured 4 s gap, outside 2 s."""
    folder.mkdir()
    start = datetime(2024, 5, 1, 10, 0, 0)
    for b in range(2):
        picture = scene(b + 1, (256, 192))
        for f in range(3):
            write_jpeg(
                folder / f"B{b}_F{f}.jpg", picture, start + timedelta(minutes=b, seconds=3 * f)
            )


def series_of(result) -> list[list[str]]:
    return [sorted(m.path for m in s.members) for s in result.series]


def test_gui_and_command_line_defaults_group_a_folder_into_the_same_series(
    qtbot,
    gui_env,  # noqa: F811
    tmp_path,
):
    from app.gui.settings import Settings
    from app.gui.worker import cull_options
    from app.pipeline import run_cull

    folder = tmp_path / "shoot"
    slow_bursts(folder)
    gui = cull_options(Settings(), catalog_path=tmp_path / "gui.sqlite3", workers=1)
    cli = options_from(
        build_parser().parse_args([str(folder), "--db", str(tmp_path / "cli.sqlite3")])
    )
    cli.workers = 1
    assert {k: v for k, v in vars(gui).items() if k != "catalog_path"} == {
        k: v for k, v in vars(cli).items() if k != "catalog_path"
    }
    from_gui = run_cull(folder, gui)
    from_cli = run_cull(folder, cli)
    assert series_of(from_gui) == series_of(from_cli)
    assert [len(s) for s in series_of(from_cli)] == [3, 3]


def test_every_option_has_one_default_that_the_command_line_shows(capsys):
    parser = build_parser()
    assert options_from(parser.parse_args(["x"])) == CullOptions()
    help_text = " ".join(parser.format_help().split())
    for spec in option_fields():
        assert spec.metadata["flag"] in help_text
    assert f"(default: {default_of('time_gap_s')})" in help_text
    for choice in (ScorerName, SeriesMode, SidecarStyle, XmpScheme):
        for member in choice:
            assert member.value in help_text


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--max-gap", "nan"),
        ("--max-gap", "inf"),
        ("--min-similarity", "nan"),
        ("--min-similarity", "1.5"),
        ("--max-gap", "-1"),
        ("--workers", "0"),
        ("--workers", "2.5"),
        ("--device", "tpu"),
        ("--model", "best"),
    ],
)
def test_unusable_numbers_and_choices_are_usage_errors(tmp_path, capsys, flag, value):
    assert main([str(tmp_path), flag, value, "--db", str(tmp_path / "c.sqlite3")]) == 2
    assert flag.lstrip("-") in capsys.readouterr().err or value in capsys.readouterr().err


def test_options_refuse_non_finite_numbers_and_coerce_choices():
    with pytest.raises(OptionError, match="finite"):
        CullOptions(time_gap_s=math.nan)
    options = CullOptions(scorer="technical", device="cuda:1", sidecar_style="both")
    assert options.scorer is ScorerName.TECHNICAL and options.sidecar_style is SidecarStyle.BOTH
    assert options.device == "cuda:1" and CullOptions(device="MPS").device is Device.MPS


def test_a_huge_worker_count_is_capped_at_the_cores():
    assert WorkerPool(100_000).workers == default_workers() <= (os.cpu_count() or 1)
