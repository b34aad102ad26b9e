"""What the controller's parts may ask of the window's state: one narrow interface each.

The parts (``decide``, ``kind_keys``, ``filter_keys``, ``folder_files``, ``ranking``) get
the :class:`~app.gui.session.FolderSession` for the folder's data and writes, and one of the
protocols below for the selection, the filters or the cull, instead of the whole
controller; none of them reaches into another part, so the order they are built in does
not matter.  The controller implements every protocol.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from app.gui.filters import Filters, FrameFilter
    from app.gui.items import FrameItem, SeriesItem
    from app.gui.sidecar_plan import SidecarPlan
    from app.options import CullOptions
    from app.pipeline import CullResult

#: asks the photographer a yes/no question: (title, text) -> yes
Confirm = Callable[[str, str], bool]
#: shows which marks a sidecar write changes, and writes when the photographer says so
ReviewWrite = Callable[["SidecarPlan", Callable[[], object]], None]


def _refuse(_title: str, _text: str) -> bool:
    return False


def _write_at_once(_plan: SidecarPlan, write: Callable[[], object]) -> None:
    write()


@dataclass
class Questions:
    """The questions the parts put to the photographer; the window puts up dialogs,
    without a window moves and downloads are refused and sidecar writes go ahead."""

    confirm: Confirm = field(default=_refuse)
    review_write: ReviewWrite = field(default=_write_at_once)


class Selection(Protocol):
    """The current series and frame, and moving between them."""

    series_id: int
    photo_id: int

    def current_series(self) -> SeriesItem | None: ...

    def current_frame(self) -> FrameItem | None: ...

    def advance(self, step: int) -> None: ...

    def move_series(self, step: int) -> bool: ...

    def show_frame(self, series_id: int, photo_id: int) -> None: ...

    def series_row(self, series_id: int) -> int:
        """The series' row in the grid as filtered (-1: the filter hides it)."""
        ...


class Filtering(Protocol):
    """The filters of the grid and the strip."""

    filters: Filters

    def set_frame_filter(self, frames: FrameFilter) -> None: ...


class Culling(Protocol):
    """The background cull of the open folder."""

    last_result: CullResult | None
    last_options: CullOptions | None

    def running_options(self) -> CullOptions | None:
        """The options of the cull running now (None: none runs)."""
        ...

    def cull_again(self) -> None:
        """Cull the open folder again (when the window culls at all)."""
        ...
