"""The cull job behind the command line and the desktop app.

- ``run``: ``run_cull`` and the order of the stages.
- ``inventory``: stage 1, photos from the catalog when unchanged, else read (moved files adopted).
- ``ranking``: stage 3, series scored by the chosen scorer, stored series by series.
- ``decisions``: stage 4, automatic flags that never touch a person's marks.
- ``results``: what a run returns and reports on the way (``Stage``, ``ProgressEvent``).
- ``context``: what the stages of one run share.
Grouping lives in ``app.grouping``, sidecars in ``app.sidecars``, moves in ``app.moves``.
"""

from app.errors import Problem
from app.options import CullOptions
from app.pipeline.results import (
    CullError,
    CullResult,
    CullStats,
    MemberResult,
    MoveOutcome,
    ProgressCallback,
    ProgressEvent,
    SeriesResult,
    Stage,
)
from app.pipeline.run import run_cull

__all__ = [
    "CullError",
    "CullOptions",
    "CullResult",
    "CullStats",
    "MemberResult",
    "MoveOutcome",
    "Problem",
    "ProgressCallback",
    "ProgressEvent",
    "SeriesResult",
    "Stage",
    "run_cull",
]
