"""One photo drawn large: fit to the pane or at 100 % around a point, with panning.

The zoom and the centre live in a :class:`ViewState` that compare panes share, so
zooming or panning one pane moves all of them together.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.catalog import Flag
from app.gui import theme
from app.gui.delegates import CURRENT_BORDER, draw_flag, draw_stars
from app.gui.face_strip import EYE_WORDS
from app.gui.facts import FIELDS, frame_facts
from app.gui.histogram import Histogram, draw_histogram
from app.gui.items import LABEL_COLOURS, FrameItem, SeriesItem
from app.gui.settings import Settings
from app.gui.thumbnails import FULL, PREVIEW, ThumbnailManager
from app.gui.views.why_overlay import paint_why
from app.text import printable

FIT = 0.0
FACE_COLOURS = {"closed": theme.REJECT, "open": theme.PICK}


class ViewState(QObject):
    """Zoom (FIT, or image pixels per screen pixel) and centre in image fractions (0-1).

    ``last_point`` is where the photographer last zoomed in (image fractions): Z with the
    mouse off the image zooms there again, so the same spot is checked frame after frame.
    """

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.zoom = FIT
        self.center = QPointF(0.5, 0.5)
        self.last_point: QPointF | None = None

    def set(self, zoom: float, center: QPointF) -> None:
        self.zoom = zoom
        self.center = QPointF(min(max(center.x(), 0.0), 1.0), min(max(center.y(), 0.0), 1.0))
        self.changed.emit()

    def reset(self) -> None:
        self.set(FIT, QPointF(0.5, 0.5))


class ImagePane(QWidget):
    """Paints one frame; press and drag to pan, double-click to toggle 100 %.

    With ``settings`` it follows the info-overlay and histogram switches.
    """

    clicked = Signal(int)  # photo id

    def __init__(
        self,
        thumbnails: ThumbnailManager,
        state: ViewState,
        parent: QWidget | None = None,
        settings: Settings | None = None,
    ):
        super().__init__(parent)
        self._thumbs = thumbnails
        self.state = state
        self.frame: FrameItem | None = None
        self.series: SeriesItem | None = None
        self.current = False
        self.thumbnail_size = 256
        #: asks for its own decodes; the loupe plans its own instead (its travel and rests)
        self.requests_decodes = True
        self.show_info = settings.info_overlay.value if settings else False
        self.show_histogram = settings.histogram.value if settings else False
        self.show_faces = settings.face_boxes.value if settings else False
        self.show_why = settings.why_regions.value if settings else False
        self._drag_from: QPointF | None = None
        self._histogram_cache: tuple[Histogram, int, QPixmap] | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(QSize(120, 90))
        self.setMouseTracking(True)
        state.changed.connect(self.update)
        state.changed.connect(self._request)
        thumbnails.ready.connect(self._on_ready)
        if settings is not None:
            settings.info_overlay.changed.connect(self._set_info)
            settings.histogram.changed.connect(self._set_histogram)
            settings.face_boxes.changed.connect(self._set_faces)
            settings.why_regions.changed.connect(self._set_why)

    def _set_info(self, on: bool) -> None:
        self.show_info = on
        self.update()

    def _set_histogram(self, on: bool) -> None:
        self.show_histogram = on
        self.update()

    def _set_faces(self, on: bool) -> None:
        self.show_faces = on
        self.update()

    def _set_why(self, on: bool) -> None:
        self.show_why = on
        self.update()

    def set_frame(self, frame: FrameItem | None, series: SeriesItem | None = None) -> None:
        self.frame = frame
        self.series = series
        self._request()
        self.update()

    def _request(self) -> None:
        """At fit, the screen-sized preview: a full-resolution decode only serves 100 %."""
        if self.requests_decodes and self.frame is not None:
            self._thumbs.pixmap(self.frame.path, PREVIEW if self.state.zoom == FIT else FULL)

    def set_current(self, current: bool) -> None:
        self.current = current
        self.update()

    def _on_ready(self, path: str, _size: int) -> None:
        if self.frame is not None and path == self.frame.path:
            self.update()

    def _pixmap(self) -> QPixmap | None:
        if self.frame is None:
            return None
        path = self.frame.path
        # the sharpest at hand: the full decode, the screen preview (scaled up at 100 % until
        # the full decode replaces it), the strip's thumbnail, the EXIF thumbnail
        return (
            self._thumbs.full(path)
            or self._thumbs.preview(path)
            or self._thumbs.cached(path)
            or self._thumbs.exif(path)
            or (self._thumbs.pixmap(path, self.thumbnail_size) if self.requests_decodes else None)
        )

    def native_size(self) -> QSize:
        """The upright original's size in pixels: from its header, else from its decode (a
        RAW's), else the size of the preview at hand."""
        if self.frame is not None and self.frame.width and self.frame.height:
            return QSize(self.frame.width, self.frame.height)
        if self.frame is not None and self.frame.path in self._thumbs.source_sizes:
            return QSize(*self._thumbs.source_sizes[self.frame.path])
        full = self._thumbs.full(self.frame.path) if self.frame else None
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

    def over_image(self, at: QPointF) -> bool:
        return self.image_rect().intersected(QRectF(self.rect())).contains(at)

    def toggle_zoom(self, at: QPointF | None = None) -> None:
        """Fit <-> 100 %: at ``at``, keeping the photo point under it in place; without a
        point, at the last point zoomed into (else the centre)."""
        if self.state.zoom != FIT:
            self.state.reset()
            return
        if at is None:
            self.state.set(1.0, self.state.last_point or QPointF(0.5, 0.5))
            return
        rect = self.image_rect()
        fx = (at.x() - rect.left()) / rect.width() if rect.width() else 0.5
        fy = (at.y() - rect.top()) / rect.height() if rect.height() else 0.5
        self.state.last_point = QPointF(min(max(fx, 0.0), 1.0), min(max(fy, 0.0), 1.0))
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
            # never dimmed, rejected or not: exposure is judged on the photo as it is
            painter.drawPixmap(rect, pix, QRectF(pix.rect()))
        else:
            error = self._thumbs.errors.get(frame.path) or frame.error
            if frame.missing:
                error = "missing on disk (deleted or moved)"
            painter.setPen(theme.REJECT if error else theme.TEXT_DIM)
            painter.drawText(
                self.rect(),
                Qt.AlignmentFlag.AlignCenter,
                f"Cannot show {printable(frame.file_names[0])}\n{error}" if error else "Loading…",
            )
        if self.show_faces and pix is not None:
            self._paint_faces(painter, frame, rect)
        if self.show_why and pix is not None:
            native = self.native_size()
            paint_why(painter, frame, self.series, rect, (native.width(), native.height()))
        histogram = self._thumbs.histograms.get(frame.path)
        if self.show_histogram and histogram is not None and self.width() >= 240:
            picture = self._histogram_picture(histogram)
            painter.drawPixmap(int(self.width() - picture.width() - 8), 8, picture)
        if self.show_info:
            self._paint_facts(painter, frame)
        self._paint_caption(painter, frame)
        if self.current:
            painter.setPen(QPen(theme.CURRENT, CURRENT_BORDER))
            half = CURRENT_BORDER / 2
            painter.drawRect(QRectF(self.rect()).adjusted(half, half, -half, -half))

    def face_rects(self, frame: FrameItem, image: QRectF) -> list[QRectF]:
        """Where the frame's faces (boxes in the original's pixels) lie on screen."""
        native = self.native_size()
        sx, sy = image.width() / native.width(), image.height() / native.height()
        return [
            QRectF(image.left() + x * sx, image.top() + y * sy, w * sx, h * sy)
            for x, y, w, h in (face.box for face in frame.faces or ())
        ]

    def _paint_faces(self, painter: QPainter, frame: FrameItem, image: QRectF) -> None:
        """Each face boxed: red with closed eyes, green open, grey when not judged."""
        font = QFont(self.font())
        font.setBold(True)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        for face, box in zip(frame.faces or (), self.face_rects(frame, image), strict=True):
            colour = FACE_COLOURS.get(face.eyes, theme.TEXT_DIM)
            painter.setPen(QPen(colour, 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(box)
            text = EYE_WORDS.get(face.eyes, face.eyes)
            tag = QRectF(box.left(), box.top() - metrics.height() - 4, 0, metrics.height() + 4)
            tag.setWidth(metrics.horizontalAdvance(text) + 10)
            if tag.top() < 0:  # a face at the top edge: the tag goes inside the box
                tag.moveTop(box.top())
            painter.fillRect(tag, colour)
            painter.setPen(QColor("#141414") if face.eyes != "closed" else QColor("#ffffff"))
            painter.drawText(tag, Qt.AlignmentFlag.AlignCenter, text)

    def _histogram_picture(self, histogram: Histogram) -> QPixmap:
        """The histogram drawn once per photo and pane width, not on every repaint."""
        # at most a quarter of the pane's width and a fifth of its height: four compare
        # panes in a 1280 x 720 window keep the photo in view
        width = int(min(220.0, self.width() * 0.25, self.height() * 0.2 / 0.45))
        cache = self._histogram_cache
        if cache is None or cache[0] is not histogram or cache[1] != width:
            picture = QPixmap(width, int(width * 0.45))
            picture.fill(Qt.GlobalColor.transparent)
            painter = QPainter(picture)
            try:
                draw_histogram(painter, QRectF(picture.rect()), histogram)
            finally:
                painter.end()
            self._histogram_cache = (histogram, width, picture)
        return self._histogram_cache[2]

    def _paint_facts(self, painter: QPainter, frame: FrameItem) -> None:
        """The info overlay: EXIF, score, rank, model and decision over the photo."""
        facts = frame_facts(frame, self.series)
        lines = [(name, facts[name].replace("\n", ", ")) for name in FIELDS if facts[name] != "–"]
        metrics = painter.fontMetrics()
        line = metrics.height() + 2
        width = min(self.width() - 16, 380)
        box = QRectF(8, 8, width, line * len(lines) + 10)
        painter.fillRect(box, QColor(0, 0, 0, 175))
        for i, (name, text) in enumerate(lines):
            y = box.top() + 5 + i * line
            painter.setPen(theme.TEXT_DIM)
            painter.drawText(QRectF(box.left() + 8, y, 72, line), Qt.AlignmentFlag.AlignLeft, name)
            painter.setPen(theme.TEXT)
            painter.drawText(
                QRectF(box.left() + 84, y, width - 92, line),
                Qt.AlignmentFlag.AlignLeft,
                metrics.elidedText(text, Qt.TextElideMode.ElideRight, int(width - 92)),
            )

    def _paint_caption(self, painter: QPainter, frame: FrameItem) -> None:
        """A translucent bar: flag, name, BEST, score, stars, zoom."""
        font = QFont(self.font())
        font.setPointSizeF(max(8.0, font.pointSizeF()))
        painter.setFont(font)
        zoom = "Fit" if self.state.zoom == FIT else f"{self.state.zoom * 100:.0f}%"
        layout = caption_layout(
            painter.fontMetrics(), self.width(), self.height(), frame, zoom, self.series
        )
        bar = layout.bar
        painter.fillRect(bar, QColor(20, 60, 90, 210) if self.current else QColor(0, 0, 0, 160))
        if frame.decision.label:
            painter.fillRect(
                QRectF(0, bar.top(), 5, bar.height()),
                QColor(LABEL_COLOURS.get(frame.decision.label, "#888")),
            )
        draw_flag(painter, layout.flag, frame.decision.flag, frame.decision.is_user)
        middle = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
        painter.setPen(theme.TEXT_DIM)
        painter.drawText(layout.zoom, middle, zoom)
        if frame.decision.rating > 0:
            draw_stars(
                painter, layout.stars.left(), layout.stars.center().y(), frame.decision.rating, 6
            )
        painter.setPen(theme.CURRENT if self.current else theme.TEXT)
        painter.drawText(layout.name, middle, layout.name_text)
        painter.setPen(theme.BEST if frame.tagged_best(self.series) else theme.TEXT)
        painter.drawText(layout.tail, middle, layout.tail_text)


@dataclass(frozen=True)
class CaptionLayout:
    """Where each part of a pane's caption goes; the name gives way first."""

    bar: QRectF
    flag: QRectF
    name: QRectF
    name_text: str
    tail: QRectF
    tail_text: str
    stars: QRectF
    zoom: QRectF


def caption_layout(
    metrics: QFontMetrics,
    width: float,
    height: float,
    frame: FrameItem,
    zoom: str,
    series: SeriesItem | None = None,
) -> CaptionLayout:
    """Lay out the caption of a pane ``width`` wide: the file name is shortened (…) to
    what is left, so a narrow compare pane keeps the flag, BEST, score, stars and zoom."""
    bar = QRectF(0, height - 30, width, 30)
    flag = QRectF(10, bar.top() + 6, 18, 18)
    x = flag.right() + 8 if frame.decision.flag != Flag.NONE else 10.0
    zoom_width = metrics.horizontalAdvance(zoom) + 2
    zoom_box = QRectF(bar.right() - 10 - zoom_width, bar.top(), zoom_width, bar.height())
    right = zoom_box.left() - 10
    stars = QRectF(right, bar.top(), 0, bar.height())
    if frame.decision.rating > 0:
        stars = QRectF(
            right - frame.decision.rating * 14, bar.top(), frame.decision.rating * 14, bar.height()
        )
        right = stars.left() - 6
    parts = (
        "BEST" if frame.tagged_best(series) else "",
        "" if frame.score is None else f"{frame.score:.2f}",
    )
    tail_text = "   ".join(t for t in parts if t)
    tail_width = metrics.horizontalAdvance(tail_text) + 2 if tail_text else 0
    name_width = max(0.0, right - x - tail_width - (12 if tail_text else 0))
    name_text = metrics.elidedText(
        printable(frame.file_names[0]), Qt.TextElideMode.ElideMiddle, int(name_width)
    )
    name = QRectF(x, bar.top(), metrics.horizontalAdvance(name_text) + 2, bar.height())
    tail = QRectF(name.right() + 10, bar.top(), tail_width, bar.height())
    return CaptionLayout(bar, flag, name, name_text, tail, tail_text, stars, zoom_box)
