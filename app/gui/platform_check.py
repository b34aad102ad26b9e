"""Before Qt loads its X11 (xcb) platform plugin: name the system packages it lacks.

When a library of the xcb plugin is missing, Qt aborts the process with "Could not load
the Qt platform plugin xcb" and no word about which package to install.  PySide6 wheels
bring Qt but not these X11 helper libraries, so a plain Debian lacks ``libxcb-icccm4`` and
``libxcb-keysyms1``.  The check asks the dynamic loader (``ldd``) which libraries of the
plugin are not found, before Qt starts, and says what to install.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

#: library -> (Debian and Ubuntu package, Fedora package)
PACKAGES = {
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-xinerama.so.0": ("libxcb-xinerama0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
}
_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)


def xcb_plugin() -> Path:
    import PySide6

    return Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"


def uses_xcb(environ: dict[str, str] | None = None, platform: str = sys.platform) -> bool:
    """Whether Qt will load the xcb plugin: Linux, and X11 asked for or the only display."""
    env = os.environ if environ is None else environ
    if not platform.startswith("linux"):
        return False
    chosen = env.get("QT_QPA_PLATFORM", "")
    if chosen:
        return chosen.split(";")[0].split(":")[0] == "xcb"
    return bool(env.get("DISPLAY")) and not env.get("WAYLAND_DISPLAY")


def not_found(ldd_output: str) -> list[str]:
    """The libraries ``ldd`` reports as not found, each once, in its order."""
    return list(dict.fromkeys(_NOT_FOUND.findall(ldd_output)))


def missing_libraries(plugin: Path | None = None) -> list[str]:
    """Libraries of the xcb plugin the dynamic loader cannot find ([] when unknown)."""
    plugin = plugin or xcb_plugin()
    ldd = shutil.which("ldd")
    if ldd is None or not plugin.exists():
        return []
    try:
        result = subprocess.run(
            [ldd, str(plugin)], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return []
    return not_found(result.stdout)


def advice(missing: list[str]) -> str:
    """What to tell the photographer: the libraries, and the packages that bring them."""
    debian = [PACKAGES[lib][0] for lib in missing if lib in PACKAGES]
    fedora = list(dict.fromkeys(PACKAGES[lib][1] for lib in missing if lib in PACKAGES))
    lines = [
        "fgaesq-cull-gui: Qt cannot load its X11 platform plugin (xcb): these system "
        f"libraries are missing: {', '.join(missing)}.",
    ]
    if debian:
        lines.append(f"  Debian, Ubuntu:  sudo apt-get install {' '.join(debian)}")
        lines.append(f"  Fedora:          sudo dnf install {' '.join(fedora)}")
    unknown = [lib for lib in missing if lib not in PACKAGES]
    if unknown:
        lines.append(f"  Install the packages that provide {', '.join(unknown)}.")
    lines.append("  Or run under Wayland (QT_QPA_PLATFORM=wayland) where it is available.")
    return "\n".join(lines)


def check_display() -> str | None:
    """The advice to print when the xcb plugin would fail to load, else None."""
    if not uses_xcb():
        return None
    missing = missing_libraries()
    return advice(missing) if missing else None
