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


@pytest.fixture
def plugin_missing_a_library(tmp_path):
    """A shared object that needs a library the loader cannot find (built against a stub
    that is then removed; the name is one no system has, whatever is installed here)."""
    import shutil
    import subprocess

    if shutil.which("gcc") is None or shutil.which("ldd") is None:
        pytest.skip("needs gcc and ldd to build a plugin with a missing library")
    (tmp_path / "stub.c").write_text("int icccm_stub(void) { return 0; }\n")
    (tmp_path / "plugin.c").write_text(
        "int icccm_stub(void);\nint plugin(void) { return icccm_stub(); }\n"
    )
    stub = tmp_path / "libxcb-gone-for-test.so"
    subprocess.run(
        [
            "gcc",
            "-shared",
            "-fPIC",
            "-Wl,-soname,libxcb-gone-for-test.so.4",
            "-o",
            str(stub),
            str(tmp_path / "stub.c"),
        ],
        check=True,
    )
    plugin = tmp_path / "libqxcb.so"
    subprocess.run(
        [
            "gcc",
            "-shared",
            "-fPIC",
            "-o",
            str(plugin),
            str(tmp_path / "plugin.c"),
            f"-L{tmp_path}",
            "-lxcb-gone-for-test",
        ],
        check=True,
    )
    stub.unlink()  # built against it, now gone: what a plain Debian looks like to Qt
    return plugin


def test_the_entry_point_prints_the_fix_instead_of_aborting(
    monkeypatch, capsys, plugin_missing_a_library
):
    from app.gui.main import main

    plugin = plugin_missing_a_library
    assert platform_check.missing_libraries(plugin) == ["libxcb-gone-for-test.so.4"]
    monkeypatch.setattr(platform_check, "xcb_plugin", lambda: plugin)
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setenv("DISPLAY", ":99")
    assert main([]) == 1
    err = capsys.readouterr().err
    assert "Qt cannot load its X11 platform plugin" in err
    assert "libxcb-gone-for-test.so.4" in err


def test_the_installed_plugin_is_checked_where_it_is(monkeypatch):
    if not platform_check.xcb_plugin().exists():
        pytest.skip("this PySide6 has no xcb plugin")
    missing = platform_check.missing_libraries()
    assert all(lib.endswith(tuple(f".so.{n}" for n in range(10))) for lib in missing), missing
