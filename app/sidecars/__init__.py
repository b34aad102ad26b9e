"""XMP sidecars: naming, safe merging of marks, the marks policy, and folder sync.

- ``naming``: which sidecar file belongs to which photo (and photos that share a stem).
- ``xmp``: reading and merging ``xmp:Rating`` / ``xmp:Label`` into untrusted documents.
- ``policy``: a decision's marks, the automatic scheme, and a sidecar's marks as a decision.
- ``sync``: ``FolderSidecars``, the one reader and writer of a folder's sidecars.
"""

from app.sidecars.naming import SidecarNames, existing_sidecars, sidecar_paths
from app.sidecars.policy import decision_marks, series_marks, wanted_marks
from app.sidecars.sync import FolderSidecars, PlannedChange, SidecarReport
from app.sidecars.xmp import (
    MAX_SIDECAR_BYTES,
    SidecarError,
    XmpMarks,
    merge_marks,
    read_marks,
    read_sidecar,
    update_sidecar,
    write_marks,
)

__all__ = [
    "MAX_SIDECAR_BYTES",
    "FolderSidecars",
    "PlannedChange",
    "SidecarError",
    "SidecarNames",
    "SidecarReport",
    "XmpMarks",
    "decision_marks",
    "existing_sidecars",
    "merge_marks",
    "read_marks",
    "read_sidecar",
    "series_marks",
    "sidecar_paths",
    "update_sidecar",
    "wanted_marks",
    "write_marks",
]
