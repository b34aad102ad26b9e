"""Typed preferences, each a :class:`Setting` with its own ``changed`` signal, kept as JSON.

A listener connects to the one setting it cares about (``settings.thumbnail_size.changed``)
instead of filtering a stream of every change.  Settings that are cull options take their
type, default, choices, label and validation from :class:`app.options.CullOptions`; nothing
here restates a default or a choice list.  The others are the desktop app's own
(auto-advance, thumbnail size, the rejects folder...).

Environment overrides (used by tests and portable installs):
``FGAESQ_CULL_CONFIG_DIR`` replaces the settings folder and ``FGAESQ_CULL_CACHE_DIR``
the thumbnail cache folder.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Any

import platformdirs
from PySide6.QtCore import QObject, Signal

from app.fileio import atomic_write, read_regular
from app.options import CullOptions, OptionError, default_of, option_fields

APP_NAME = "fgaesq-cull"
MAX_RECENT = 10
MAX_SETTINGS_BYTES = 1024 * 1024
THUMBNAIL_MIN, THUMBNAIL_MAX = 96, 640


def config_dir() -> Path:
    """Folder holding ``settings.json``."""
    override = os.environ.get("FGAESQ_CULL_CONFIG_DIR")
    return Path(override) if override else Path(platformdirs.user_config_dir(APP_NAME))


def cache_dir() -> Path:
    """Folder holding the on-disk thumbnail cache."""
    override = os.environ.get("FGAESQ_CULL_CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir(APP_NAME))


class Setting(QObject):
    """One preference: a name, a default, a label, and ``changed`` when the value changes."""

    changed = Signal(object)

    def __init__(self, name: str, default: Any, label: str = "") -> None:
        super().__init__()
        self.name = name
        self.label = label or name
        self.default = self.convert(default)
        self._value = self.default

    @property
    def value(self) -> Any:
        return self._value

    @value.setter
    def value(self, value: Any) -> None:
        converted = self.convert(value)
        if converted != self._value:
            self._value = converted
            self.changed.emit(converted)

    def set_value(self, value: Any) -> None:
        """The setter as a slot, for widgets that edit the setting."""
        self.value = value

    def convert(self, value: Any) -> Any:
        """``value`` as this setting's type; ValueError names the setting and the problem."""
        raise NotImplementedError

    def to_json(self) -> Any:
        return self._value

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name}={self._value!r})"


class BoolSetting(Setting):
    def convert(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        raise ValueError(f"{self.name} must be true or false, not {value!r}")

    def toggle(self) -> None:
        self.value = not self._value


class IntSetting(Setting):
    """A whole number within ``low``-``high``."""

    def __init__(self, name: str, default: int, label: str = "", *, low: int, high: int):
        self.low, self.high = low, high
        super().__init__(name, default, label)

    def convert(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueError(f"{self.name} must be a whole number, not {value!r}")
        number = int(value)
        if not self.low <= number <= self.high:
            raise ValueError(f"{self.name} must be between {self.low} and {self.high}")
        return number


class TextSetting(Setting):
    def convert(self, value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"{self.name} must be text, not {value!r}")
        return value.strip()


class FolderListSetting(Setting):
    def convert(self, value: Any) -> tuple[str, ...]:
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"{self.name} must be a list of folders")
        return tuple(value)

    def to_json(self) -> list[str]:
        return list(self._value)


class OptionSetting(Setting):
    """A cull option: its default, choices, label and checks are those of ``CullOptions``.

    ``recull`` says whether a change alters what the cull computes (grouping, scores,
    automatic marks), so the open folder must be culled again.
    """

    def __init__(self, name: str, *, recull: bool) -> None:
        spec = next(f for f in option_fields() if f.name == name)
        self.choices: type[StrEnum] | None = spec.metadata.get("choices")
        self.low, self.high = spec.metadata.get("low"), spec.metadata.get("high")
        self.recull = recull
        super().__init__(name, default_of(name), spec.metadata.get("label") or name)

    def convert(self, value: Any) -> Any:
        if value == "" and self.default is None:
            value = None  # an empty text field means "the default"
        try:
            return getattr(CullOptions(**{self.name: value}), self.name)
        except OptionError as exc:
            raise ValueError(str(exc)) from None

    def to_json(self) -> Any:
        value = self._value
        return str(value) if isinstance(value, StrEnum | Path) else value


class Settings(QObject):
    """Every preference of the desktop app; a change is saved at once, atomically."""

    def __init__(self, path: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = path or config_dir() / "settings.json"
        self.load_errors: list[str] = []
        # the cull: CullOptions says what each is and what it defaults to
        self.scorer = OptionSetting("scorer", recull=True)
        self.weights = OptionSetting("weights", recull=True)
        self.device = OptionSetting("device", recull=True)
        self.series_mode = OptionSetting("series_mode", recull=True)
        self.taste = OptionSetting("taste", recull=True)
        self.time_gap_s = OptionSetting("time_gap_s", recull=True)
        self.similarity = OptionSetting("similarity", recull=True)
        self.xmp_scheme = OptionSetting("xmp_scheme", recull=True)
        self.sidecar_style = OptionSetting("sidecar_style", recull=False)
        self.workers = OptionSetting("workers", recull=False)
        # the desktop app's own
        self.xmp_on_decision = BoolSetting(
            "xmp_on_decision", False, "Write XMP sidecars on every decision"
        )
        self.ask_before_xmp_write = BoolSetting(
            "ask_before_xmp_write", True, "Show which marks a write of XMP sidecars changes first"
        )
        self.auto_advance = BoolSetting("auto_advance", True, "Advance after a decision")
        self.accept_rejects_others = BoolSetting(
            "accept_rejects_others", True, "Accepting the model's pick rejects the other frames"
        )
        self.rejects_folder = TextSetting("rejects_folder", "_rejects", "Rejects folder")
        self.thumbnail_size = IntSetting(
            "thumbnail_size", 256, "Thumbnail size", low=THUMBNAIL_MIN, high=THUMBNAIL_MAX
        )
        self.info_overlay = BoolSetting("info_overlay", False, "Photo information over the image")
        self.histogram = BoolSetting("histogram", True, "Histogram with clipping warnings")
        self.face_strip = BoolSetting("face_strip", False, "Face close-ups of the series")
        self.face_boxes = BoolSetting("face_boxes", False, "Face boxes over the photo")
        self.why_regions = BoolSetting(
            "why_regions", False, "Where the pick beat the runner-up, outlined over both"
        )
        self.recent_folders = FolderListSetting("recent_folders", (), "Recent folders")
        self.window_geometry = TextSetting("window_geometry", "", "Window position and size")
        self.strip_capture_order = BoolSetting(
            "strip_capture_order", False, "Filmstrip in capture order"
        )
        self.last_frame = TextSetting("last_frame", "", "The frame shown last")
        self._all = {v.name: v for v in list(vars(self).values()) if isinstance(v, Setting)}
        self._load()
        for setting in self:
            setting.changed.connect(self.save)

    def __iter__(self) -> Iterator[Setting]:
        return iter(self._all.values())

    def get(self, name: str) -> Setting:
        try:
            return self._all[name]
        except KeyError:
            raise KeyError(f"unknown preference {name!r}") from None

    def set(self, name: str, value: Any) -> None:
        """Change one preference (ValueError when the value does not fit it)."""
        self.get(name).value = value

    def options(self) -> list[OptionSetting]:
        return [s for s in self if isinstance(s, OptionSetting)]

    def cull_options(self, **overrides: Any) -> CullOptions:
        """The pipeline's options from the preferences (the CLI builds the same object)."""
        values = {s.name: s.value for s in self.options()}
        values.update(overrides)
        return CullOptions(**values)

    def add_recent_folder(self, folder: str | os.PathLike[str]) -> None:
        """Put ``folder`` first in the recent list (deduplicated, at most MAX_RECENT)."""
        folder = str(Path(folder).resolve())
        recent = [folder] + [f for f in self.recent_folders.value if f != folder]
        self.recent_folders.value = recent[:MAX_RECENT]

    def _load(self) -> None:
        if not self.path.exists():
            return
        try:
            # a FIFO or a huge file in the settings folder must not hang or flood the start
            data = json.loads(
                read_regular(self.path, MAX_SETTINGS_BYTES, follow_link=True).decode("utf-8")
            )
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as exc:  # UnicodeDecodeError is a ValueError
            self.load_errors.append(f"{self.path}: unreadable settings ({exc}); using defaults")
            return
        if "decode_workers" in data and "workers" not in data:  # the name before 0.2
            data["workers"] = data["decode_workers"] or None
        for setting in self:
            if setting.name in data:
                try:
                    setting.value = data[setting.name]
                except (TypeError, ValueError) as exc:
                    self.load_errors.append(f"{self.path}: {exc}")

    def save(self) -> None:
        """Write the JSON atomically so a crash never leaves half a file."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(
            self.path,
            json.dumps({s.name: s.to_json() for s in self}, indent=2),
            follow_link=True,
        )
