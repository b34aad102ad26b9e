"""Frame filters from the keyboard and the Filter menu.

The filters themselves live in the controller (both proxies read them); this component
declares the keys that switch them (through the narrow ``Filtering`` interface) and shows
in the menu which are on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from app.gui.commands import CommandSpec, command
from app.gui.filters import FRAME_CRITERIA, FlagFilter, FrameFilter
from app.gui.items import LABELS

if TYPE_CHECKING:
    from app.gui.bus import SignalBus
    from app.gui.commands import CommandRegistry
    from app.gui.parts import Filtering

FLAG = FlagFilter


class FilterKeys(QObject):
    def __init__(
        self,
        filtering: Filtering,
        commands: CommandRegistry,
        bus: SignalBus,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.filtering = filtering
        self.commands = commands
        commands.register(self)
        for criterion in FRAME_CRITERIA.values():  # a family built from the criteria table
            spec = CommandSpec(
                f"filter_{criterion.name}", criterion.text, args=(criterion.name,), checkable=True
            )
            commands.add(spec, self.filter_criterion)
        bus.filters_changed.connect(lambda _text: self._show_checked())

    def _frames(self) -> FrameFilter:
        return self.filtering.filters.frames

    def _show_checked(self) -> None:
        frames, commands = self._frames(), self.commands
        for flag in FlagFilter:
            if flag is not FlagFilter.ANY:
                commands.set_checked(f"filter_{flag.value}", frames.flag is flag)
        for stars in range(1, 6):
            commands.set_checked(f"filter_stars_{stars}", frames.min_rating == stars)
        for colour in LABELS:
            commands.set_checked(f"filter_{colour.lower()}", frames.label == colour)
        for name in FRAME_CRITERIA:
            commands.set_checked(f"filter_{name}", name in frames.criteria)

    @command(
        "Your picks", name="filter_picked", keys=("Alt+P",), args=(FLAG.PICKED,), checkable=True
    )
    @command(
        "Your rejects",
        name="filter_rejected",
        keys=("Alt+X",),
        args=(FLAG.REJECTED,),
        checkable=True,
    )
    @command(
        "Not flagged by you",
        name="filter_unflagged",
        keys=("Alt+U",),
        args=(FLAG.UNFLAGGED,),
        checkable=True,
    )
    @command(
        "The model's undecided picks",
        name="filter_suggested",
        keys=("Alt+S",),
        args=(FLAG.SUGGESTED,),
        checkable=True,
    )
    def filter_flag(self, flag: FlagFilter) -> None:
        self.filtering.set_frame_filter(self._frames().toggled_flag(flag))

    @command("1 star or more", name="filter_stars_1", keys=("Alt+1",), args=(1,), checkable=True)
    @command("2 stars or more", name="filter_stars_2", keys=("Alt+2",), args=(2,), checkable=True)
    @command("3 stars or more", name="filter_stars_3", keys=("Alt+3",), args=(3,), checkable=True)
    @command("4 stars or more", name="filter_stars_4", keys=("Alt+4",), args=(4,), checkable=True)
    @command("5 stars", name="filter_stars_5", keys=("Alt+5",), args=(5,), checkable=True)
    def filter_stars(self, stars: int) -> None:
        self.filtering.set_frame_filter(self._frames().toggled_rating(stars))

    @command("Red label", name="filter_red", keys=("Alt+6",), args=("Red",), checkable=True)
    @command(
        "Yellow label", name="filter_yellow", keys=("Alt+7",), args=("Yellow",), checkable=True
    )
    @command("Green label", name="filter_green", keys=("Alt+8",), args=("Green",), checkable=True)
    @command("Blue label", name="filter_blue", keys=("Alt+9",), args=("Blue",), checkable=True)
    @command(
        "Purple label",
        name="filter_purple",
        keys=("Alt+Shift+V",),
        args=("Purple",),
        checkable=True,
    )
    def filter_label(self, colour: str) -> None:
        self.filtering.set_frame_filter(self._frames().toggled_label(colour))

    def filter_criterion(self, name: str) -> None:
        """Narrow the strip to frames that meet a criterion of ``FRAME_CRITERIA`` (or stop)."""
        self.filtering.set_frame_filter(self._frames().toggled_criterion(name))

    @command("Show every frame", keys=("Alt+0",))
    def clear_frame_filters(self) -> None:
        self.filtering.set_frame_filter(FrameFilter())
