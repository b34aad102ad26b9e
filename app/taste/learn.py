"""Cold start: learn a taste from folders the photographer already culled elsewhere.

Each folder is read by the ordinary cull (the same scan, the same import of marks from
sidecars and from the XMP inside the photos, the same grouping, scorer and faces), with
every write to the folder switched off: no sidecar is written, nothing is moved, and no
automatic mark is meant for any file.  Only the catalog learns: the photos, their series
and features, and then the profile.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from app.catalog import Catalog
from app.errors import Problem
from app.options import CullOptions, XmpScheme
from app.pipeline import run_cull
from app.pipeline.results import ProgressCallback
from app.taste.profiles import LearntTaste, learn_profile


@dataclass
class LearnOutcome:
    taste: LearntTaste | None = None  # None when cancelled
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    cancelled: bool = False


def read_only(options: CullOptions) -> CullOptions:
    """``options`` with everything that could write to a photo's folder switched off."""
    return dataclasses.replace(
        options,
        write_xmp=False,
        move_rejects=None,
        xmp_scheme=XmpScheme.DECISIONS,
        taste=None,
    )


def learn_folders(
    folders: Sequence[str | os.PathLike[str]],
    profile: str,
    options: CullOptions,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    learner: str = "linear",
) -> LearnOutcome:
    """Read ``folders`` into the catalog and learn the taste ``profile`` from them."""
    outcome = LearnOutcome()
    safe = read_only(options)
    roots = []
    for folder in folders:
        result = run_cull(folder, safe, progress=progress, cancel=cancel)
        outcome.problems.extend(result.errors)
        outcome.notes.extend(result.notes)
        roots.append(result.root)
        if result.cancelled:
            outcome.cancelled = True
            return outcome
    with Catalog.open(options.catalog_path) as catalog:
        outcome.taste = learn_profile(catalog, profile, roots, learner)
    return outcome
