"""The application's own files (icons), shipped inside the ``app.gui`` package.

They are package data: an editable checkout, a wheel install and a PyInstaller build all
find them next to this module.
"""

from __future__ import annotations

from pathlib import Path

ICON_NAME = "io.github.fgaesq.Cull"


def icons_dir() -> Path:
    return Path(__file__).resolve().parent / "icons"


def icon_path() -> Path:
    return icons_dir() / f"{ICON_NAME}.svg"
