"""One photo drawn large: fit to the pane or at 100 % around a point, with panning.

The zoom and the centre live in a :class:`ViewState` that compare panes share, so
zooming or panning one pane moves all of them together.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.catalog import Flag
from app.gui import theme
from app.gui.delegates import draw_flag, draw_stars
from app.gui.items import LABEL_COLOURS, FrameItem
from app.gui.thumbnails import FULL, ThumbnailManager

FIT = 0.0


class ViewState(QObject):
    """Zoom (FIT, or image pixels per screen pixel) and centre in image fractions (0-1)."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.zoom = FIT
        self.center = QPointF(0.5, 0.5)

    def set(self, zoom: float, center: QPointF) -> None:
        self.zoom = zoom
        self.center = QPointF(min(max(center.x(), 0.0), 1.0), min(max(center.y(), 0.0), 1.0))
        self.changed.emit()

    def reset(self) -> None:
        self.set(FIT, QPointF(0.5, 0.5))


class ImagePane(QWidget):
    """Paints one frame; press and drag to pan, double-click to toggle 100 %."""

    clicked = Signal(int)  # photo id

    def __init__(
        self, thumbnails: ThumbnailManager, state: ViewState, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self._thumbs = thumbnails
        self.state = state
        self.frame: FrameItem | None = None
        self.current = False
        self.thumbnail_size = 256
        self._drag_from: QPointF | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(QSize(120, 90))
        self.setMouseTracking(True)
        state.changed.connect(self.update)
        thumbnails.ready.connect(self._on_ready)

    def set_frame(self, frame: FrameItem | None) -> None:
        self.frame = frame
        if frame is not None:
            self._thumbs.pixmap(frame.path, FULL)  # start the full decode now
        self.update()

    def set_current(self, current: bool) -> None:
        self.current = current
        self.update()

    def _on_ready(self, path: str, _size: int) -> None:
        if self.frame is not None and path == self.frame.path:
            self.update()

    def _pixmap(self) -> QPixmap | None:
        if self.frame is None:
            return None
        full = self._thumbs.pixmap(self.frame.path, FULL)
        return full or self._thumbs.pixmap(self.frame.path, self.thumbnail_size)

    def native_size(self) -> QSize:
        """The photo's size in pixels (from the catalog, else from the decoded preview)."""
        if self.frame is not None and self.frame.width and self.frame.height:
            return QSize(self.frame.width, self.frame.height)
        full = self._thumbs.pixmap(self.frame.path, FULL) if self.frame else None
        if full is not None:
            return full.size()
        pix = self._pixmap()
        return pix.size() if pix is not None else QSize(3, 2)

    def scale(self) -> float:
        native = self.native_size()
        if self.state.zoom == FIT:
            return min(self.width() / native.width(), self.height() / native.height())
        return self.state.zoom

    def image_rect(self) -> QRectF:
        """Where the whole photo lands in widget coordinates at the current zoom."""
        native, s = self.native_size(), self.scale()
        w, h = native.width() * s, native.height() * s
        if self.state.zoom == FIT:
            return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)
        c = self.state.center
        return QRectF(self.width() / 2 - c.x() * w, self.height() / 2 - c.y() * h, w, h)

    def toggle_zoom(self, at: QPointF | None = None) -> None:
        """Fit <-> 100 %, keeping the photo point under ``at`` (default: the centre) in place."""
        if self.state.zoom != FIT:
            self.state.reset()
            return
        at = at if at is not None else QPointF(self.width() / 2, self.height() / 2)
        rect = self.image_rect()
        fx = (at.x() - rect.left()) / rect.width() if rect.width() else 0.5
        fy = (at.y() - rect.top()) / rect.height() if rect.height() else 0.5
        native = self.native_size()
        # at 100 % the point (fx, fy) must stay under the cursor: solve for the centre
        cx = fx + (self.width() / 2 - at.x()) / native.width()
        cy = fy + (self.height() / 2 - at.y()) / native.height()
        self.state.set(1.0, QPointF(cx, cy))

    def pan_by(self, dx: float, dy: float) -> None:
        if self.state.zoom == FIT:
            return
        rect = self.image_rect()
        c = self.state.center
        self.state.set(
            self.state.zoom, QPointF(c.x() - dx / rect.width(), c.y() - dy / rect.height())
        )

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag_from = event.position()
            if self.frame is not None:
                self.clicked.emit(self.frame.photo_id)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag_from is not None and event.buttons() & Qt.MouseButton.LeftButton:
            delta = event.position() - self._drag_from
            self._drag_from = event.position()
            self.pan_by(delta.x(), delta.y())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag_from = None

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.toggle_zoom(event.position())

    def paintEvent(self, event: QPaintEvent) -> None:
        # ended here, not when the wrapper is collected: a frame or traceback that keeps the
        # local alive must not leave the backing store with an active painter
        painter = QPainter(self)
        try:
            self._paint(painter)
        finally:
            painter.end()

    def _paint(self, painter: QPainter) -> None:
        painter.fillRect(self.rect(), theme.VIEW)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        frame = self.frame
        if frame is None:
            painter.setPen(theme.TEXT_DIM)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No photo selected")
            return
        pix = self._pixmap()
        rect = self.image_rect()
        if pix is not None:
            painter.drawPixmap(rect, pix, QRectF(pix.rect()))
        else:
            error = self._thumbs.errors.get(frame.path) or frame.error
            painter.setPen(theme.REJECT if error else theme.TEXT_DIM)
            painter.drawText(
                self.rect(),
                Qt.AlignmentFlag.AlignCenter,
                f"Cannot show {frame.file_names[0]}\n{error}" if error else "Loading…",
            )
        if frame.decision.flag == Flag.REJECT:
            painter.fillRect(rect.intersected(QRectF(self.rect())), QColor(0, 0, 0, 110))
        self._paint_info(painter, frame)
        if self.current:
            painter.setPen(QPen(theme.ACCENT, 3))
            painter.drawRect(QRectF(self.rect()).adjusted(1.5, 1.5, -1.5, -1.5))

    def _paint_info(self, painter: QPainter, frame: FrameItem) -> None:
        """A translucent bar: name, rank, score, zoom, stars, label and flag."""
        bar = QRectF(0, self.height() - 30, self.width(), 30)
        painter.fillRect(bar, QColor(0, 0, 0, 160))
        font = QFont(self.font())
        font.setPointSizeF(max(8.0, font.pointSizeF()))
        painter.setFont(font)
        x = 10.0
        if frame.decision.label:
            painter.fillRect(
                QRectF(0, bar.top(), 5, bar.height()),
                QColor(LABEL_COLOURS.get(frame.decision.label, "#888")),
            )
        draw_flag(
            painter, QRectF(x, bar.top() + 6, 18, 18), frame.decision.flag, frame.decision.is_user
        )
        if frame.decision.flag != Flag.NONE:
            x += 26
        painter.setPen(theme.BEST if frame.is_best else theme.TEXT)
        rank = "BEST" if frame.is_best else (f"#{frame.rank}" if frame.rank else "")
        score = "" if frame.score is None else f"{frame.score:.2f}"
        text = "   ".join(t for t in (frame.file_names[0], rank, score) if t)
        painter.drawText(
            QRectF(x, bar.top(), bar.width() - x - 180, bar.height()),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            text,
        )
        if frame.decision.rating > 0:
            draw_stars(painter, bar.right() - 170, bar.center().y(), frame.decision.rating, 6)
        zoom = "Fit" if self.state.zoom == FIT else f"{self.state.zoom * 100:.0f}%"
        painter.setPen(theme.TEXT_DIM)
        painter.drawText(
            bar.adjusted(0, 0, -10, 0),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
            zoom,
        )
