"""What the desktop app needs from the system and from its installed package."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

import pytest

from app.gui import platform_check
from app.gui.resources import icon_path

ROOT = Path(__file__).resolve().parents[1]
LDD_OUTPUT = """\
\tlinux-vdso.so.1 (0x00007ffc1b9f2000)
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007f29d1200000)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxcb-icccm.so.4 => not found
\tlibfancy-x11.so.7 => not found
"""


def test_the_window_icon_is_package_data_a_wheel_carries():
    icon = icon_path()
    assert icon.is_file()
    package = ROOT / "app"
    relative = icon.relative_to(package).as_posix()
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["app"]
    assert any(fnmatch.fnmatch(relative, p) for p in patterns), (relative, patterns)


def test_missing_xcb_libraries_are_named_with_the_packages_to_install():
    missing = platform_check.not_found(LDD_OUTPUT)
    assert missing == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libfancy-x11.so.7"]
    text = platform_check.advice(missing)
    assert "sudo apt-get install libxcb-icccm4 libxcb-keysyms1" in text
    assert "sudo dnf install xcb-util-wm xcb-util-keysyms" in text
    assert "libfancy-x11.so.7" in text


@pytest.mark.parametrize(
    ("environ", "platform", "expected"),
    [
        ({"DISPLAY": ":0"}, "linux", True),
        ({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}, "linux", False),
        ({"QT_QPA_PLATFORM": "xcb"}, "linux", True),
        ({"QT_QPA_PLATFORM": "offscreen", "DISPLAY": ":0"}, "linux", False),
        ({"DISPLAY": ":0"}, "darwin", False),
        ({}, "linux", False),
    ],
)
def test_the_check_runs_only_where_qt_loads_the_xcb_plugin(environ, platform, expected):
    assert platform_check.uses_xcb(environ, platform) is expected


def test_the_entry_point_prints_the_fix_instead_of_aborting(monkeypatch, capsys):
    from app.gui.main import main

    missing = platform_check.missing_libraries()
    if not missing:
        pytest.skip("this system has every library the xcb plugin needs")
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setenv("DISPLAY", ":99")
    assert main([]) == 1
    err = capsys.readouterr().err
    assert "Qt cannot load its X11 platform plugin" in err and missing[0] in err
