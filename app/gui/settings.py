"""Typed preferences stored as JSON under platformdirs, with a ``changed`` signal.

Environment overrides (used by tests and portable installs):
``FGAESQ_CULL_CONFIG_DIR`` replaces the settings folder and ``FGAESQ_CULL_CACHE_DIR``
the thumbnail cache folder.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs
from PySide6.QtCore import QObject, Signal

from app.fileio import atomic_write
from app.options import Choice, Device, ScorerName, SidecarStyle, XmpScheme, default_of

APP_NAME = "fgaesq-cull"
MAX_RECENT = 10


def _choices(enum: type[Choice]) -> tuple[tuple[str, str], ...]:
    return tuple((member.value, member.label) for member in enum)


#: choices offered by the preferences dialog (value, label), from the one options module
SCORER_CHOICES = _choices(ScorerName)
DEVICE_CHOICES = _choices(Device)
SIDECAR_CHOICES = _choices(SidecarStyle)
XMP_SCHEME_CHOICES = _choices(XmpScheme)


def config_dir() -> Path:
    """Folder holding ``settings.json``."""
    override = os.environ.get("FGAESQ_CULL_CONFIG_DIR")
    return Path(override) if override else Path(platformdirs.user_config_dir(APP_NAME))


def cache_dir() -> Path:
    """Folder holding the on-disk thumbnail cache."""
    override = os.environ.get("FGAESQ_CULL_CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir(APP_NAME))


@dataclass
class Preferences:
    """Every preference with its type and default; unknown JSON keys are ignored."""

    scorer: str = str(default_of("scorer"))
    weights: str = ""
    device: str = str(default_of("device"))
    time_gap_s: float = default_of("time_gap_s")
    similarity: float = default_of("similarity")
    sidecar_style: str = str(default_of("sidecar_style"))
    xmp_scheme: str = str(default_of("xmp_scheme"))
    xmp_on_decision: bool = False
    auto_advance: bool = True
    accept_rejects_others: bool = True
    rejects_folder: str = "_rejects"
    thumbnail_size: int = 256
    decode_workers: int = 0  # decoding processes for the cull; 0 means one per core
    recent_folders: list[str] = field(default_factory=list)


#: preferences that change what the pipeline computes (a change re-runs the cull)
PIPELINE_KEYS = frozenset({"scorer", "weights", "device", "time_gap_s", "similarity", "xmp_scheme"})


def _coerce(name: str, value: Any) -> Any:
    """Convert ``value`` to the declared type of preference ``name`` or raise ValueError."""
    default = getattr(Preferences(), name)
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        raise ValueError(f"{name} must be true or false, not {value!r}")
    if isinstance(default, int):
        return int(value)
    if isinstance(default, float):
        return float(value)
    if isinstance(default, str):
        return str(value)
    if isinstance(default, list):
        return [str(v) for v in value]
    return value


class Settings(QObject):
    """The live preferences; ``set`` validates, saves atomically and emits ``changed``."""

    changed = Signal(str, object)

    def __init__(self, path: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = path or config_dir() / "settings.json"
        self.values = Preferences()
        self.load_errors: list[str] = []
        self._load()

    def __getattr__(self, name: str) -> Any:
        # Only reached for names QObject does not define: read-through to the preferences.
        values = self.__dict__.get("values")
        if values is not None and name in {f.name for f in dataclasses.fields(Preferences)}:
            return getattr(values, name)
        raise AttributeError(name)

    def _load(self) -> None:
        if not self.path.exists():
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            self.load_errors.append(f"{self.path}: unreadable settings ({exc}); using defaults")
            return
        for f in dataclasses.fields(Preferences):
            if f.name in data:
                try:
                    setattr(self.values, f.name, _coerce(f.name, data[f.name]))
                except (TypeError, ValueError) as exc:
                    self.load_errors.append(f"{self.path}: {f.name}: {exc}")

    def set(self, name: str, value: Any) -> None:
        """Change one preference, persist it and tell listeners (no signal if unchanged)."""
        if name not in {f.name for f in dataclasses.fields(Preferences)}:
            raise KeyError(f"unknown preference {name!r}")
        value = _coerce(name, value)
        if getattr(self.values, name) == value:
            return
        setattr(self.values, name, value)
        self.save()
        self.changed.emit(name, value)

    def add_recent_folder(self, folder: str | os.PathLike[str]) -> None:
        """Put ``folder`` first in the recent list (deduplicated, at most MAX_RECENT)."""
        folder = str(Path(folder).resolve())
        recent = [folder] + [f for f in self.values.recent_folders if f != folder]
        self.set("recent_folders", recent[:MAX_RECENT])

    def save(self) -> None:
        """Write the JSON atomically so a crash never leaves half a file."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self.path, json.dumps(dataclasses.asdict(self.values), indent=2))
