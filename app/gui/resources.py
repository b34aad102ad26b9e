"""Where the application's own files (icons) are: the source tree or a PyInstaller bundle."""

from __future__ import annotations

import sys
from pathlib import Path

ICON_NAME = "io.github.fgaesq.Cull"


def resources_dir() -> Path:
    bundle = getattr(sys, "_MEIPASS", None)  # set inside a PyInstaller build
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def icon_path() -> Path:
    return resources_dir() / "icons" / f"{ICON_NAME}.svg"
