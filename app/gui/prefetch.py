"""What the loupe decodes ahead: the frames it is heading for, in the order it needs them.

A frame rested on gets its preview, then its full decode (for 100 %), then the previews
of the next frames in the direction of travel and of one frame behind (a photographer
who overshoots steps back), then the full decodes of the next frame or two (as many as
the memory bound holds), so Z on the frame a step reaches is instant.  Each plan
replaces the last, so a held arrow key or a turn never leaves stale decodes queued ahead
of where it stops.
"""

from __future__ import annotations

from app.gui.thumbnails import FULL, PREVIEW

AHEAD = 3  # previews decoded ahead in the direction of travel
BEHIND = 1  # and behind it


def loupe_plan(
    paths: list[str],
    index: int,
    direction: int,
    ahead: int = AHEAD,
    behind: int = BEHIND,
    full_ahead: int = 0,
) -> list[tuple[str, int]]:
    """The (path, size) decodes to queue for the frame at ``index`` of ``paths`` (the strip
    order), most wanted first; ``direction`` is +1 or -1, the way the loupe last moved;
    ``full_ahead`` frames in that direction are decoded in full too."""
    if not 0 <= index < len(paths):
        return []
    step = -1 if direction < 0 else 1

    def at(offset: int) -> str | None:
        i = index + offset * step
        return paths[i] if 0 <= i < len(paths) and offset else None

    plan = [(paths[index], PREVIEW), (paths[index], FULL)]
    plan += [(p, PREVIEW) for p in (at(1), at(2)) if p]
    plan += [(p, PREVIEW) for p in (at(-k) for k in range(1, behind + 1)) if p]
    plan += [(p, FULL) for p in (at(k) for k in range(1, full_ahead + 1)) if p]
    plan += [(p, PREVIEW) for p in (at(k) for k in range(3, ahead + 1)) if p]
    return list(dict.fromkeys(plan))


class LoupePrefetcher:
    """Remembers the frame the loupe showed last, to know which way it travels."""

    def __init__(self) -> None:
        self._last: str | None = None
        self.direction = 1

    def plan(self, paths: list[str], index: int, full_ahead: int = 0) -> list[tuple[str, int]]:
        """The plan for ``paths[index]``; ``paths`` need only cover the frames around it."""
        if not 0 <= index < len(paths):
            return []
        if self._last in paths and self._last != paths[index]:
            self.direction = 1 if index > paths.index(self._last) else -1
        self._last = paths[index]
        return loupe_plan(paths, index, self.direction, full_ahead=full_ahead)
