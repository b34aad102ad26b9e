"""A second file system for tests of moves across file systems (copy, verify, remove)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

OTHER_DEVICE = Path("/dev/shm")
needs_other_device = pytest.mark.skipif(
    not OTHER_DEVICE.is_dir()
    or OTHER_DEVICE.stat().st_dev == Path(tempfile.gettempdir()).stat().st_dev,
    reason="needs a second file system (/dev/shm)",
)
