"""Every option of a cull, its type, default and choices: written here and nowhere else.

``fgaesq-cull``'s flags (``app/cli.py``), the desktop app's typed settings and its
Preferences dialog (``app/gui/settings.py``, ``app/gui/preferences.py``), the scorer factory
and the pipeline all read :class:`CullOptions`: each field's real type (``float``,
``int | None``, ``Path | None``...) and its metadata (flag, help, label, choices, bounds,
group, whether a change means culling again) are all they need, so a new option is one
field here.  A default or a choice list is never restated elsewhere.  Choice lists are
``StrEnum``s whose members carry the label a person reads.

This module has no ``from __future__ import annotations``: the fields' types must be type
objects, not strings, for the flags and the settings to be built from them.
"""

import dataclasses
import math
import os
import types
import typing
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from app.errors import AppError


class OptionError(AppError, ValueError):
    """An option has a value the cull cannot use; the message names the option."""


class Choice(StrEnum):
    """A choice list: each member is its value (as typed on the command line) and a label."""

    def __new__(cls, value: str, label: str = "") -> "Choice":
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label or value
        return member


class ScorerName(Choice):
    AUTO = "auto", "Automatic (FGAesQ when its weights are here)"
    FGAESQ = "fgaesq", "FGAesQ (aesthetic model)"
    TECHNICAL = "technical", "Technical (sharpness, noise, clipping)"


class Device(Choice):
    """Where FGAesQ runs; the command line also takes an index such as ``cuda:1``."""

    AUTO = "auto", "Automatic"
    CPU = "cpu", "CPU"
    CUDA = "cuda", "CUDA"
    MPS = "mps", "Apple MPS"


class SeriesMode(Choice):
    """How FGAesQ compares a series' frames; pairwise is the default because it agreed more
    often with the release's expected pick at equal cost (docs/model.md, "Series ranking")."""

    PAIRWISE = "pairwise", "Every pair of frames (n(n-1) passes, as released)"
    REFERENCE = (
        "reference",
        "Against the series' reference frame (n x draws passes; long bursts on a CPU)",
    )
    CASCADE = (
        "cascade",
        "Each frame against the medoid, then pairwise among the best until the pick is settled",
    )


class SidecarStyle(Choice):
    """How a sidecar is named: ``IMG_0001.xmp`` (replace), ``IMG_0001.CR3.xmp`` (append), or both."""

    REPLACE = "replace", "IMG_0001.xmp (Lightroom, Photo Mechanic)"
    APPEND = "append", "IMG_0001.CR3.xmp (darktable, digiKam)"
    BOTH = "both", "Both names"


class XmpScheme(Choice):
    """What the automatic decisions become (in the catalog and in sidecars).

    The ``suggest`` schemes (the default) write the model's suggestions as keywords only, so
    every application tells them from a photographer's ratings and labels; the others
    write them as ratings and labels, which look like a person's (docs/sidecars.md).
    """

    SUGGEST = "suggest", "Suggestions as keywords (FGAesQ pick, FGAesQ other)"
    SUGGEST_REJECT = (
        "suggest_reject",
        "Suggestions as keywords, others rejected (FGAesQ pick, FGAesQ reject)",
    )
    MARK_BEST = "mark_best", "Best frame 3★ Green, others Yellow"
    REJECT_OTHERS = "reject_others", "Best frame 3★ Green, others rejected (-1)"
    DECISIONS = "decisions", "Only my decisions"

    @property
    def rejects_others(self) -> bool:
        """The other frames of a burst are rejected (and so moved by --move-rejects)."""
        return self in (XmpScheme.REJECT_OTHERS, XmpScheme.SUGGEST_REJECT)

    @property
    def as_keywords(self) -> bool:
        """Suggestions go to sidecars as keywords, never as ratings or labels."""
        return self in (XmpScheme.SUGGEST, XmpScheme.SUGGEST_REJECT)


# Grouping defaults, measured on generated streams (docs/pipeline.md, grouping_eval.py).
DEFAULT_MAX_GAP_S = 4.0
DEFAULT_MIN_SIMILARITY = 0.25


def option(
    default: Any,
    *,
    flag: str | None = None,
    help: str = "",
    label: str = "",
    choices: type[Choice] | None = None,
    low: float | None = None,
    high: float | None = None,
    metavar: str | None = None,
    group: str = "ranking",
    recull: bool = True,
) -> Any:
    """A dataclass field that carries how the option is offered: its flag, the group of the
    command's help and of the Preferences dialog, the label the window shows, its bounds,
    and ``recull``: whether a change alters what a cull computes (grouping, scores,
    automatic marks), so the window culls the open folder again."""
    spec = {
        "group": group,
        "recull": recull,
        "flag": flag,
        "help": help,
        "label": label,
        "choices": choices,
        "low": low,
        "high": high,
        "metavar": metavar,
    }
    return field(default=default, metadata=spec)


@dataclass
class CullOptions:
    """Everything a cull can be told.  Strings are accepted for choices and paths."""

    scorer: ScorerName = option(
        ScorerName.AUTO,
        flag="--model",
        label="Model",
        choices=ScorerName,
        help="auto: FGAesQ when its weights are at hand, else the technical scorer",
    )
    weights: str | None = option(
        None,
        flag="--weights",
        metavar="NAME_OR_FILE",
        label="Weights (name or file)",
        help="FGAesQ weights: a registry name or a checkpoint file",
    )
    device: str = option(
        Device.AUTO,
        flag="--device",
        label="Device",
        choices=Device,
        help="where FGAesQ runs: auto, cpu, cuda, cuda:1, mps",
    )
    taste: str | None = option(
        None,
        flag="--taste",
        label="Your taste (profile)",
        metavar="NAME",
        help="order series and suggest picks by the taste profile NAME (see 'fgaesq-cull learn'), "
        "where it agreed measurably better with your held-out picks than the base ranking",
    )
    series_mode: SeriesMode = option(
        SeriesMode.PAIRWISE,
        flag="--series-mode",
        label="Series ranking",
        choices=SeriesMode,
        help="how FGAesQ compares the frames of a series",
    )
    time_gap_s: float = option(
        DEFAULT_MAX_GAP_S,
        group="grouping",
        flag="--max-gap",
        label="Burst gap (s)",
        low=0.0,
        high=3600.0,
        metavar="SECONDS",
        help="longest capture-time gap inside a series",
    )
    similarity: float = option(
        DEFAULT_MIN_SIMILARITY,
        group="grouping",
        flag="--min-similarity",
        label="Burst similarity",
        low=-1.0,
        high=1.0,
        metavar="SSIM",
        help="lowest thumbnail similarity between neighbouring frames of a series",
    )
    recursive: bool = option(
        True,
        flag="--no-recursive",
        group="grouping",
        label="Look into subfolders",
        help="do not look into subfolders",
    )
    faces: bool = option(
        True,
        flag="--no-faces",
        label="Look for faces and closed eyes",
        help="do not look for faces and closed eyes",
    )
    closed_eye_rule: bool = option(
        True,
        flag="--no-closed-eye-rule",
        label="Never pick a frame where someone blinked",
        help="let a frame where someone's eyes are closed be the pick when it scores best",
    )
    why: bool = option(
        False,
        flag="--why",
        label="Explain FGAesQ picks (slower)",
        help="say where FGAesQ's pick beat the runner-up: its decisive regions, each swapped "
        "between the two frames (30 token sets per series, more than ranking a short burst); "
        "the technical scorer's picks are always explained",
    )
    write_xmp: bool = option(
        False,
        group="decisions",
        flag="--write-xmp",
        label="Write XMP sidecars when a cull ends",
        recull=False,
        help="write ratings and labels to XMP sidecars",
    )
    sidecar_style: SidecarStyle = option(
        SidecarStyle.REPLACE,
        group="decisions",
        flag="--sidecar-style",
        label="Sidecar names",
        recull=False,
        choices=SidecarStyle,
        help="IMG_0001.xmp (replace), IMG_0001.CR3.xmp (append) or both",
    )
    xmp_scheme: XmpScheme = option(
        XmpScheme.SUGGEST,
        group="decisions",
        flag="--marks",
        label="Automatic marks",
        choices=XmpScheme,
        help="suggest: best frame picked, written as the keyword 'FGAesQ pick' (others "
        "'FGAesQ other'), ratings and labels only for your decisions; suggest_reject: the "
        "others rejected ('FGAesQ reject'); mark_best: best 3 stars Green, others Yellow; "
        "reject_others: the same, others -1; decisions: no automatic marks, only yours",
    )
    move_rejects: Path | None = option(
        None,
        group="decisions",
        flag="--move-rejects",
        label="Move rejects when a cull ends into",
        recull=False,
        metavar="DIR",
        help="move rejected photos (with companions and sidecars) into DIR, journaled",
    )
    workers: int | None = option(
        None,
        group="output",
        flag="--workers",
        label="Decoding processes",
        recull=False,
        low=1,
        metavar="N",
        help="decoding processes (default: one per CPU core, at most one per photo)",
    )
    catalog_path: Path | None = option(
        None,
        group="output",
        flag="--db",
        label="Catalog file (from the next start)",
        recull=False,
        metavar="FILE",
        help="catalog file (default: per-user catalog)",
    )

    def __post_init__(self) -> None:
        for spec in dataclasses.fields(self):
            setattr(self, spec.name, _checked(spec, getattr(self, spec.name)))

    @property
    def reject_others(self) -> bool:
        return self.xmp_scheme.rejects_others

    def as_record(self) -> dict[str, Any]:
        """Plain JSON values, for the catalog's record of a run."""
        return {
            name: (str(value) if isinstance(value, Path) else value)
            for name, value in dataclasses.asdict(self).items()
        }


def option_fields() -> tuple[dataclasses.Field, ...]:
    return dataclasses.fields(CullOptions)


def option_field(name: str) -> dataclasses.Field:
    for spec in option_fields():
        if spec.name == name:
            return spec
    raise KeyError(name)


def value_type(spec: dataclasses.Field) -> type:
    """The type of an option's values, ``None`` taken out: ``int | None`` is ``int``."""
    if typing.get_origin(spec.type) in (types.UnionType, typing.Union):
        (kind,) = (arg for arg in typing.get_args(spec.type) if arg is not type(None))
        return kind
    return spec.type


def is_optional(spec: dataclasses.Field) -> bool:
    """Whether ``None`` is a value of the option (its default: "automatic" or "none")."""
    return type(None) in typing.get_args(spec.type)


def default_of(name: str) -> Any:
    """The default of one option (what the CLI and the preferences start from)."""
    return option_field(name).default


def _checked(spec: dataclasses.Field, value: Any) -> Any:
    meta = spec.metadata
    name = (meta.get("flag") or spec.name).lstrip("-")
    if value is None:
        if spec.default is not None:
            raise OptionError(f"{name}: a value is required")
        return None
    choices = meta.get("choices")
    if choices is Device:
        return _device(name, value)
    if choices is not None:
        try:
            return choices(str(value))
        except ValueError:
            allowed = ", ".join(member.value for member in choices)
            raise OptionError(f"{name}: {value!r} is not one of {allowed}") from None
    kind = value_type(spec)
    if kind is bool:
        if not isinstance(value, bool):
            raise OptionError(f"{name}: expected true or false, not {value!r}")
        return value
    if kind in (float, int):
        return _number(name, value, kind, meta)
    if kind is Path:
        return Path(os.fspath(value))
    if kind is str:
        return str(value) or None
    raise TypeError(f"option {spec.name}: no check for values of type {kind!r}")


def _number(name: str, value: Any, kind: type, meta: dict) -> float | int:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise OptionError(f"{name}: {value!r} is not a number") from None
    if not math.isfinite(number):
        raise OptionError(f"{name}: {value!r} is not a finite number")
    if kind is int:
        if number != int(number):
            raise OptionError(f"{name}: {value!r} is not a whole number")
        number = int(number)
    low, high = meta.get("low"), meta.get("high")
    if low is not None and number < low:
        raise OptionError(f"{name}: {number:g} is below {low:g}")
    if high is not None and number > high:
        raise OptionError(f"{name}: {number:g} is above {high:g}")
    return number


def _device(name: str, value: Any) -> str:
    text = str(value).strip().lower()
    base, _, index = text.partition(":")
    if base not in {member.value for member in Device} or (index and not index.isdigit()):
        raise OptionError(f"{name}: {value!r} is not auto, cpu, cuda, cuda:N or mps")
    return Device(text) if not index else text
