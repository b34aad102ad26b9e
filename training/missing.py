"""One warning for all the images a data set lacks, instead of one per file."""

from __future__ import annotations

import logging
from pathlib import Path

SHOWN = 20


def report_missing(log: logging.Logger, root: Path, missing: list[str]) -> None:
    """Log how many images are missing under ``root`` and name the first few."""
    if missing:
        shown = ", ".join(missing[:SHOWN]) + (" ..." if len(missing) > SHOWN else "")
        log.warning("%s: %d images missing, skipped: %s", root, len(missing), shown)
