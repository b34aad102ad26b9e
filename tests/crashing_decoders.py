"""Work given to the decoding processes in place of the pipeline's own, for tests: a decoder
that takes its whole process down on one hostile file, and a reading slow enough to be
under way while the model's stage decodes.  A module of its own, so the worker processes
import it by name without the tests' fixtures."""

from __future__ import annotations

import os
import time
from pathlib import Path

from app.photos.tasks import DecodeResult, ReadResult, ScoringTask, decode_for_scoring
from app.photos.tasks import read_for_grouping as read

HOSTILE = "hostile"  # a file whose name holds this crashes the process decoding it
READ_DELAY_S = 0.1


def decode_or_crash(task: ScoringTask) -> DecodeResult:
    """``decode_for_scoring``, or the process's death on a hostile file (as a decoder's
    crash on damaged data would be)."""
    if HOSTILE in Path(task.path).name:
        os._exit(3)
    return decode_for_scoring(task)


def read_slowly(task) -> ReadResult:
    """``read_for_grouping``, slowed: the reading still runs when the model decodes."""
    time.sleep(READ_DELAY_S)
    return read(task)
