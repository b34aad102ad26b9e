"""Exceptions raised by fgaesq_core; every message names the file or input and the cause."""

from __future__ import annotations


class FGAesQError(Exception):
    """Base class for all fgaesq_core errors."""


class CheckpointError(FGAesQError):
    """A checkpoint file is missing, unreadable, or does not fit the model."""


class WeightsUnavailable(FGAesQError):
    """Named weights cannot be found locally and cannot be downloaded."""


class DeviceUnavailable(FGAesQError):
    """The requested compute device does not exist on this machine."""


class ImageInputError(FGAesQError):
    """An input image cannot be opened or is too large to decode safely."""


class ConfigError(FGAesQError):
    """A model configuration name or file is unknown or malformed."""


class EngineUnavailable(FGAesQError):
    """The requested inference engine or precision is not installed or not supported here."""
