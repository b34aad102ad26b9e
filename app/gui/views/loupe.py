"""Loupe: the current frame alone, fit to the window or at 100 % (Z) with panning.

It plans its own decodes, by how the photographer moves.  A step on its own decodes the
frame's screen-sized preview at once, and its full-resolution decode as soon as no other
step follows within a moment (so Z finds it ready, or nearly).  Steps that come faster than a decode (a held arrow key)
decode nothing until travel stops, then the frame it stopped on first: a decode once
started cannot be stopped, so each one started for a frame passed over would hold a
thread the final frame needs.  A frame with nothing of it at hand shows the camera's
EXIF thumbnail at once, read on a lane of its own (never "Loading…" behind busy decode
threads).  Once travel stops, the next frame or two in the direction of travel are
decoded in full behind the frame's own decodes (never the frames flown past: a step
cancels what is queued ahead; none while the cull runs), so Z on the frame a step
reaches finds its full decode held; once the loupe has rested on a frame, the previews
of the frames ahead are decoded too.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QPointF, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.gui.commands import View
from app.gui.controller import CullController
from app.gui.items import FrameItem
from app.gui.prefetch import AHEAD, LoupePrefetcher
from app.gui.thumbnails import FULL, PREVIEW
from app.gui.views.image_pane import FIT, ImagePane, ViewState

#: steps closer together than this are travel (a held key): nothing decodes on the way
TRAVEL_GAP_S = 0.15
#: travel has stopped when no step came for this long: the frame stopped on decodes (in full)
SETTLE_MS = 90
#: the loupe rests on a frame after this long: its full decode and the frames ahead
REST_MS = 200


class LoupeView(QWidget):
    """Shows the controller's current frame while the loupe is the view."""

    def __init__(self, controller: CullController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.state = ViewState(self)
        self.pane = ImagePane(controller.thumbnails, self.state, self, controller.settings)
        self.pane.requests_decodes = False
        self.prefetcher = LoupePrefetcher()
        self._last_step = float("-inf")
        self._settle = self._single_shot(SETTLE_MS, self._decode_current)
        self._rest = self._single_shot(REST_MS, self._prefetch_around)
        self.state.changed.connect(self._on_zoom)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pane)
        bus = controller.bus
        bus.selection_changed.connect(lambda *_: self._follow())
        bus.view_changed.connect(lambda _view: self._follow())
        bus.frame_updated.connect(self._on_frame_updated)
        bus.series_changed.connect(lambda _series: self.pane.update())  # its kind, overlaid

    def _follow(self) -> None:
        if self.controller.view is View.LOUPE:
            self.show_frame(self.controller.current_frame())

    def _on_frame_updated(self, frame: FrameItem) -> None:
        if self.pane.frame is not None and self.pane.frame.photo_id == frame.photo_id:
            self.show_frame(frame)

    def _single_shot(self, msec: int, slot) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.setInterval(msec)
        timer.timeout.connect(slot)
        return timer

    def show_frame(self, frame: FrameItem | None) -> None:
        """Zoom and centre carry over between frames, so the same spot is checked on each."""
        series = self.controller.series_item(frame.series_id) if frame is not None else None
        moved = frame is not None and (
            self.pane.frame is None or self.pane.frame.path != frame.path
        )
        self.pane.set_frame(frame, series)
        if frame is None:
            return
        self._fit_previews_to_screen()
        self.controller.thumbnails.shown = frame.path
        if moved:
            if self.pane._pixmap() is None:  # nothing of it at hand: its EXIF thumbnail now
                self.controller.thumbnails.exif_now(frame.path)
            self._plan_around(frame)  # follows the direction of travel
            now = time.monotonic()
            travelling, self._last_step = now - self._last_step < TRAVEL_GAP_S, now
            if not travelling:
                self._decode_current(full=False)
            else:  # travel: the full decodes queued (of frames flown past) are dropped
                self.controller.thumbnails.cancel_full()
            self._settle.start()  # no step for a moment: travel stopped, decode in full
        self._rest.start()

    def _decode_current(self, full: bool = True) -> None:
        """The current frame's preview, then (``full``) its full decode, before anything
        else; whatever earlier steps queued is cancelled.  The full decode starts as soon
        as travel stops (Z pressed a moment later finds it done or well on its way), unless
        the last frame's is still running: steps faster than a full decode would otherwise
        keep every thread on frames already left.  With its own full decode held or on its
        way, the frames ahead are decoded in full behind it (the queue starts them one at
        a time, when no other full decode runs)."""
        frame = self.pane.frame
        if frame is None:
            return
        thumbnails = self.controller.thumbnails
        own = (frame.path, FULL)
        keys = [(frame.path, PREVIEW)]
        if self.state.zoom != FIT or (full and not thumbnails.decoding(FULL)):
            keys.append(own)
        if full and (own in keys or thumbnails.full_at_hand(frame.path)):
            keys += [k for k in self._plan_around(frame) if k[1] == FULL and k != own]
        thumbnails.prefetch(keys)

    def _on_zoom(self) -> None:
        if self.state.zoom != FIT and self.pane.frame is not None:
            self.controller.thumbnails.pixmap(self.pane.frame.path, FULL)

    def _fit_previews_to_screen(self) -> None:
        ratio = self.devicePixelRatioF()
        box = (round(self.pane.width() * ratio), round(self.pane.height() * ratio))
        if min(box) > 0:
            self.controller.thumbnails.preview_box = box

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_previews_to_screen()

    def _prefetch_around(self) -> None:
        """Queue the decodes around the frame rested on."""
        frame = self.pane.frame
        if frame is not None and self.controller.view is View.LOUPE:
            self.controller.thumbnails.prefetch(self._plan_around(frame))

    def _plan_around(self, frame: FrameItem) -> list[tuple[str, int]]:
        """The decodes around ``frame`` along the strip as it is shown (filtered)."""
        proxy = self.controller.strip_proxy
        row = proxy.row_of(frame.photo_id)
        if row < 0:
            return [(frame.path, PREVIEW), (frame.path, FULL)]
        rows = range(max(0, row - AHEAD), min(proxy.rowCount(), row + AHEAD + 1))
        frames = [self.controller.frame(proxy.key_at(r)) for r in rows]
        paths = [f.path if f is not None else "" for f in frames]
        full_ahead = self.controller.thumbnails.full_ahead(frame.width * frame.height)
        if self.controller.job is not None:  # the cull needs the cores: none ahead
            full_ahead = 0
        plan = self.prefetcher.plan(paths, row - rows.start, full_ahead)
        return [key for key in plan if key[0]]

    def toggle_zoom(self, global_cursor: QPointF | None = None) -> None:
        """At the mouse pointer when it is over the photo, else at the last zoom point."""
        at = None
        if global_cursor is not None:
            local = QPointF(self.pane.mapFromGlobal(global_cursor.toPoint()))
            if self.pane.over_image(local):
                at = local
        self.pane.toggle_zoom(at)
