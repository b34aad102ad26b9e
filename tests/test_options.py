"""One set of options: the command line, the desktop app and the pipeline read the same defaults."""

from __future__ import annotations

import math
import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from gui_fixtures import gui_env, new_window, scene, settle, write_jpeg  # noqa: F401

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
    value_type,
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


def test_a_number_out_of_range_is_named_as_typed(tmp_path, capsys):
    """``--workers 0`` says "0 is below 1", not "0.0": the message shows what was typed."""
    assert main([str(tmp_path), "--workers", "0", "--db", str(tmp_path / "c.sqlite3")]) == 2
    assert "workers: 0 is below 1" in capsys.readouterr().err


def test_a_huge_worker_count_is_capped_at_the_cores():
    assert WorkerPool(100_000).workers == default_workers() <= (os.cpu_count() or 1)


def other_value(spec, tmp_path):
    """A value of the option that is not its default, from its type alone."""
    kind, meta = value_type(spec), spec.metadata
    if kind is bool:
        return not spec.default
    if meta["choices"] is not None:
        return next(m for m in meta["choices"] if m != spec.default)
    if kind is float:
        return (meta["low"] + meta["high"]) / 3
    if kind is int:
        return 3
    if kind is Path:
        return tmp_path / spec.name
    if kind is str:
        return f"{spec.name}-value"
    raise AssertionError(f"{spec.name}: no value for {kind!r}")


def command_line_of(spec, value) -> list[str]:
    flag = spec.metadata["flag"]
    if isinstance(value, bool):
        return [flag] if value != spec.default else []
    return [flag, str(value)]


def test_every_option_is_a_flag_a_setting_and_a_preferences_control_of_one_name(
    qtbot,
    gui_env,  # noqa: F811
    tmp_path,
):
    """A new CullOptions field is offered everywhere: the command's flag and the window's
    setting under the field's name give the same CullOptions, and Preferences shows it."""
    from app.gui.preferences import PreferencesDialog
    from app.gui.settings import Settings

    settings = Settings()
    dialog = PreferencesDialog(settings)
    qtbot.addWidget(dialog)
    parser = build_parser()
    for spec in option_fields():
        value = other_value(spec, tmp_path)
        from_flag = options_from(parser.parse_args(["x", *command_line_of(spec, value)]))
        assert getattr(from_flag, spec.name) == value, spec.metadata["flag"]
        setting = settings.get(spec.name)
        assert setting.default == spec.default and setting.label == spec.metadata["label"]
        setting.value = value
        assert getattr(settings.cull_options(), spec.name) == value, spec.name
        assert spec.name in dialog.fields, f"Preferences has no control for {spec.name}"
    assert settings.cull_options() == CullOptions(
        **{spec.name: other_value(spec, tmp_path) for spec in option_fields()}
    )


def test_every_setting_comes_back_from_the_settings_file(qtbot, gui_env, tmp_path):  # noqa: F811
    from app.gui.settings import Settings

    first = Settings()
    for spec in option_fields():
        first.set(spec.name, other_value(spec, tmp_path))
    first.thumbnail_size.value = 320
    first.auto_advance.value = False
    again = Settings()
    assert not again.load_errors
    assert again.cull_options() == first.cull_options() != CullOptions()
    assert {s.name: s.value for s in again} == {s.name: s.value for s in first}
    for spec in option_fields():  # None ("automatic") comes back as None
        again.set(spec.name, spec.default)
    assert Settings().cull_options() == CullOptions()


def test_preferences_controls_change_the_options_they_show(qtbot, gui_env, tmp_path):  # noqa: F811
    from app.gui.preferences import AUTOMATIC, PreferencesDialog
    from app.gui.settings import Settings

    settings = Settings()
    dialog = PreferencesDialog(settings)
    qtbot.addWidget(dialog)
    dialog.fields["faces"].setChecked(False)
    dialog.fields["recursive"].setChecked(False)
    workers = dialog.fields["workers"]
    assert workers.text() == AUTOMATIC
    workers.setValue(2)
    options = settings.cull_options()
    assert (options.faces, options.recursive, options.workers) == (False, False, 2)
    workers.setValue(workers.minimum())
    assert settings.cull_options().workers is None


def test_the_window_takes_the_catalog_as_the_command_does(tmp_path):
    from app.gui.main import parse_args

    db = str(tmp_path / "c.sqlite3")
    assert parse_args(["--db", db, "shoot"]).catalog_path == db
    assert parse_args(["--catalog", db]).catalog_path == db  # the earlier name


def test_the_window_culls_with_its_preferences_and_its_own_catalog(qtbot, gui_env, tmp_path):  # noqa: F811
    """Options only the window used to lack reach the cull: faces, subfolders, a rejects
    folder (a relative one is inside the shoot), and the catalog the window opened."""
    folder = tmp_path / "shoot"
    slow_bursts(folder)
    window = new_window(
        qtbot, gui_env, faces=False, recursive=False, move_rejects="culled", closed_eye_rule=False
    )
    window.controller.open_folder(folder)
    options = window.controller.last_options
    assert (options.faces, options.recursive, options.closed_eye_rule) == (False, False, False)
    assert options.move_rejects == folder / "culled"
    assert options.catalog_path == gui_env
    settle(qtbot, window)
    window.shutdown()
