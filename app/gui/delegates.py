"""Delegates that paint thumbnails with badges and culling marks."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPoint, QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

from app.catalog import DecisionState, Flag
from app.gui import theme
from app.gui.items import LABEL_COLOURS, FrameItem, SeriesItem, kind_words
from app.gui.models import Cell, Role
from app.text import printable

CAPTION_HEIGHT = 22
MARGIN = 6


def fit_rect(pixmap_size: QSize, bounds: QRect) -> QRect:
    """The largest rectangle of the pixmap's aspect ratio centred in ``bounds``."""
    scaled = pixmap_size.scaled(bounds.size(), Qt.AspectRatioMode.KeepAspectRatio)
    x = bounds.x() + (bounds.width() - scaled.width()) // 2
    y = bounds.y() + (bounds.height() - scaled.height()) // 2
    return QRect(x, y, scaled.width(), scaled.height())


def draw_pixmap(painter: QPainter, pixmap: QPixmap | None, bounds: QRect, error: str = "") -> QRect:
    """Paint the thumbnail (or a placeholder) and return where it landed."""
    if pixmap is None or pixmap.isNull():
        painter.fillRect(bounds, QColor("#242424"))
        painter.setPen(theme.REJECT if error else theme.TEXT_DIM)
        painter.drawText(bounds, Qt.AlignmentFlag.AlignCenter, "unreadable" if error else "…")
        return bounds
    target = fit_rect(pixmap.size(), bounds)
    painter.drawPixmap(target, pixmap)
    return target


def draw_pill(painter: QPainter, rect: QRectF, text: str, fill: QColor, fg: QColor) -> None:
    path = QPainterPath()
    path.addRoundedRect(rect, rect.height() / 2, rect.height() / 2)
    painter.fillPath(path, fill)
    painter.setPen(fg)
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)


def _star(center: QPointF, radius: float) -> QPolygonF:
    import math

    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.45
        angle = -math.pi / 2 + i * math.pi / 5
        points.append(QPointF(center.x() + r * math.cos(angle), center.y() + r * math.sin(angle)))
    return QPolygonF(points)


def draw_stars(
    painter: QPainter, left: float, center_y: float, rating: int, radius: float = 5.5
) -> None:
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(theme.STAR)
    for i in range(max(0, min(rating, 5))):
        painter.drawPolygon(_star(QPointF(left + radius + i * (2 * radius + 2), center_y), radius))
    painter.setBrush(Qt.BrushStyle.NoBrush)


def fill_mark(
    painter: QPainter,
    path: QPainterPath,
    colour: QColor,
    by_user: bool,
    ring_width: float,
    shade: int,
) -> None:
    """A mark's shape: filled when the photographer made it, a dark shape with a dashed
    ring when the cull suggested it, so the two never look alike."""
    if by_user:
        painter.fillPath(path, colour)
        return
    painter.fillPath(path, QColor(0, 0, 0, shade))
    ring = QPen(colour, ring_width)
    ring.setStyle(Qt.PenStyle.DashLine)
    painter.setPen(ring)
    painter.drawPath(path)


def draw_flag(painter: QPainter, rect: QRectF, flag: str, by_user: bool = True) -> None:
    """A tick for picks, a cross for rejects: filled when the photographer decided, a
    dashed outline when it is the model's suggestion."""
    if flag not in (Flag.PICK, Flag.REJECT):
        return
    colour = theme.PICK if flag == Flag.PICK else theme.REJECT
    path = QPainterPath()
    path.addEllipse(rect)
    fill_mark(painter, path, colour, by_user, ring_width=2, shade=150)
    pen = QPen(QColor("#ffffff") if by_user else colour, max(2.0, rect.width() / 9))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    c, r = rect.center(), rect.width() * 0.22
    if flag == Flag.PICK:
        painter.drawPolyline(
            QPolygonF(
                [
                    QPointF(c.x() - r, c.y()),
                    QPointF(c.x() - r * 0.2, c.y() + r * 0.8),
                    QPointF(c.x() + r * 1.1, c.y() - r * 0.8),
                ]
            )
        )
    else:
        painter.drawLine(QPointF(c.x() - r, c.y() - r), QPointF(c.x() + r, c.y() + r))
        painter.drawLine(QPointF(c.x() - r, c.y() + r), QPointF(c.x() + r, c.y() - r))


def draw_decision(
    painter: QPainter, image_rect: QRect, decision: DecisionState | None, dim_reject: bool = True
) -> None:
    """Flag badge top right, colour label as a bar along the bottom, stars bottom left."""
    if decision is None:
        return
    if dim_reject and decision.flag == Flag.REJECT and decision.is_user:
        painter.fillRect(image_rect, QColor(0, 0, 0, 130))  # your rejects recede, as in Lightroom
    badge = QRectF(image_rect.right() - 24, image_rect.top() + 5, 19, 19)
    draw_flag(painter, badge, decision.flag, decision.is_user)
    if decision.label:
        colour = QColor(LABEL_COLOURS.get(decision.label, "#888888"))
        painter.fillRect(
            QRect(image_rect.left(), image_rect.bottom() - 4, image_rect.width(), 5), colour
        )
    if decision.rating:
        back = QRectF(image_rect.left() + 3, image_rect.bottom() - 21, decision.rating * 13 + 6, 16)
        path = QPainterPath()
        path.addRoundedRect(back, 4, 4)
        painter.fillPath(path, QColor(0, 0, 0, 150))
        draw_stars(painter, back.left() + 3, back.center().y(), decision.rating)


def draw_missing(painter: QPainter, image_rect: QRect) -> None:
    """A photo gone from disk: crossed out, with the word."""
    painter.fillRect(image_rect, QColor(40, 0, 0, 170))
    painter.setPen(QPen(theme.REJECT, 2))
    painter.drawLine(image_rect.topLeft(), image_rect.bottomRight())
    painter.setPen(QColor("#ffffff"))
    painter.drawText(image_rect, Qt.AlignmentFlag.AlignCenter, "missing on disk")


def draw_current(painter: QPainter, rect: QRectF, radius: float = 6) -> None:
    """The current frame or series: a thick bright border no other mark uses."""
    path = QPainterPath()
    path.addRoundedRect(rect.adjusted(2, 2, -2, -2), radius, radius)
    painter.setPen(QPen(theme.CURRENT, CURRENT_BORDER))
    painter.drawPath(path)


def draw_closed_eye(painter: QPainter, rect: QRectF, colour: QColor) -> None:
    """A closed eye: the lid's arc with three lashes."""
    pen = QPen(colour, max(1.5, rect.height() / 6))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    left, right = rect.left(), rect.right()
    top, height = rect.top(), rect.height()
    lid = QPainterPath(QPointF(left, top + height * 0.3))
    lid.quadTo(QPointF(rect.center().x(), top + height * 1.05), QPointF(right, top + height * 0.3))
    painter.drawPath(lid)
    for t, dx in ((0.25, -0.12), (0.5, 0.0), (0.75, 0.12)):
        point = lid.pointAtPercent(t)
        painter.drawLine(point, QPointF(point.x() + dx * rect.width(), point.y() + height * 0.35))


def draw_closed_eyes_badge(
    painter: QPainter, at: QPointF, text: str = "", solid: bool = True
) -> QRectF:
    """The closed-eye warning: a red pill with the eye and a word or a count.  Solid when
    the frame shown has closed eyes; an outline when other frames of its series have."""
    width = 26 + (painter.fontMetrics().horizontalAdvance(text) + 4 if text else 0)
    rect = QRectF(at.x(), at.y(), width, 18)
    path = QPainterPath()
    path.addRoundedRect(rect, 9, 9)
    if solid:
        painter.fillPath(path, theme.REJECT)
    else:
        painter.fillPath(path, QColor(0, 0, 0, 170))
        painter.setPen(QPen(theme.REJECT, 1.5))
        painter.drawPath(path)
    glyph = theme.TEXT_ON_REJECT if solid else theme.REJECT
    draw_closed_eye(painter, QRectF(rect.left() + 6, rect.top() + 5, 14, 8), glyph)
    if text:
        painter.setPen(glyph)
        painter.drawText(
            QRectF(rect.left() + 22, rect.top(), width - 26, rect.height()),
            Qt.AlignmentFlag.AlignCenter,
            text,
        )
    return rect


def count_text(count: int) -> str:
    """How many, on a badge: nothing for one."""
    return str(count) if count > 1 else ""


def draw_kind(
    painter: QPainter, at: QPointF, kind: str, by_user: bool, possible: bool = False
) -> QRectF:
    """The series' kind: filled when the photographer set it, a dashed outline when the
    cull told it (as flags are drawn); "bracket?" for a burst that may be one."""
    text = kind_words(kind) + ("?" if possible else "")
    colour = theme.KIND_COLOURS.get(kind, theme.TEXT_DIM)
    rect = QRectF(at.x(), at.y(), painter.fontMetrics().horizontalAdvance(text) + 14, 18)
    path = QPainterPath()
    path.addRoundedRect(rect, 9, 9)
    fill_mark(painter, path, colour, by_user, ring_width=1.5, shade=170)
    painter.setPen(QColor("#141414") if by_user else colour)
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
    return rect


CURRENT_BORDER = 4
# On the tile of a burst whose pick is worth a second look (confidence below 0.8), whose
# other frames the cull therefore rejects none of.
UNSURE_BADGE = "unsure pick"
# On the thumbnail of a byte-identical copy of another frame of its series (FrameItem.copy_of)
COPY_BADGE = "copy"


class _CellDelegate(QStyledItemDelegate):
    """Shared cell background; the current cell gets the bright border."""

    def __init__(self, cell: QSize, parent=None) -> None:
        super().__init__(parent)
        self.cell = cell

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        return self.cell

    def _background(self, painter: QPainter, cell: Cell, rect: QRect) -> QRect:
        rect = rect.adjusted(3, 3, -3, -3)
        path = QPainterPath()
        path.addRoundedRect(QRectF(rect), 5, 5)
        if cell.current:
            ground = theme.CELL_SELECTED
        elif cell.current_series:
            ground = theme.CELL_SERIES
        else:
            ground = theme.CELL
        painter.fillPath(path, ground)
        return rect

    def _caption_font(self, option: QStyleOptionViewItem, bold: bool) -> QFont:
        font = QFont(option.font)
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        font.setBold(bold)
        return font

    @staticmethod
    def _caption(rect: QRect) -> QRect:
        return QRect(
            rect.left() + MARGIN,
            rect.bottom() - CAPTION_HEIGHT - 2,
            rect.width() - 2 * MARGIN,
            CAPTION_HEIGHT,
        )


class SeriesDelegate(_CellDelegate):
    """Best frame, frame count, how many frames you decided, the score and its spread."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        cell: Cell | None = index.data(Role.Cell)
        if cell is None:
            return
        series: SeriesItem = cell.item
        best = series.best
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = self._background(painter, cell, option.rect)
        image_bounds = rect.adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN - CAPTION_HEIGHT)
        image_rect = draw_pixmap(painter, index.data(Role.Thumbnail), image_bounds)
        draw_decision(painter, image_rect, best.decision if best else None)

        painter.setFont(self._caption_font(option, bold=True))
        count = series.frame_count
        top = image_rect.top() + 5
        if count > 1:
            badge = f"×{count}"
            width = painter.fontMetrics().horizontalAdvance(badge) + 14
            pill = QRectF(image_rect.left() + 5, top, width, 18)
            draw_pill(painter, pill, badge, QColor(0, 0, 0, 170), QColor("#ffffff"))
            draw_kind(
                painter,
                QPointF(pill.right() + 4, top),
                series.possible_kind or series.kind,
                series.kind_source == "user",
                possible=series.possible_kind is not None,
            )
            top += 23
        if series.worth_a_second_look:  # the pick is unsure: look before trusting it
            width = painter.fontMetrics().horizontalAdvance(UNSURE_BADGE) + 14
            pill = QRectF(image_rect.left() + 5, top, width, 18)
            draw_pill(painter, pill, UNSURE_BADGE, QColor(0, 0, 0, 170), theme.UNSURE)
            top += 23
        blinks = series.frames_with_closed_eyes
        if blinks:  # solid when the frame on the tile blinks
            solid = best is not None and best.closed_eyes > 0
            draw_closed_eyes_badge(
                painter, QPointF(image_rect.left() + 5, top), count_text(blinks), solid
            )
        progress = series.progress_text()
        width = painter.fontMetrics().horizontalAdvance(progress) + 14
        draw_pill(
            painter,
            QRectF(image_rect.right() - width - 4, image_rect.bottom() - 22, width, 17),
            progress,
            QColor(0, 0, 0, 190),
            theme.PICK if not series.has_undecided else theme.TEXT,
        )
        caption = self._caption(rect)
        painter.setFont(self._caption_font(option, bold=False))
        painter.setPen(theme.TEXT)
        score = best.score if best else None
        text = "" if score is None else f"{score:.1f}"
        if count > 1 and score is not None:
            text += f"  Δ{series.score_spread:.1f}"
        right = painter.fontMetrics().horizontalAdvance(text) + 8
        name = printable(best.file_names[0]) if best else ""
        painter.drawText(
            caption,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            painter.fontMetrics().elidedText(
                name, Qt.TextElideMode.ElideMiddle, max(0, caption.width() - right)
            ),
        )
        painter.setPen(theme.TEXT_DIM)
        painter.drawText(caption, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text)
        if cell.current:
            draw_current(painter, QRectF(rect))
        painter.restore()


class FrameDelegate(_CellDelegate):
    """A frame of the strip: its file name, score, the best-frame tag and its marks.

    Frames of the current series sit on a lighter ground, and a line separates series.
    """

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        cell: Cell | None = index.data(Role.Cell)
        if cell is None:
            return
        frame: FrameItem = cell.item
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        full = option.rect
        if cell.series_start and full.left() > 0:
            painter.fillRect(
                QRect(full.left(), full.top() + 6, 2, full.height() - 12), theme.TEXT_DIM
            )
        rect = self._background(painter, cell, full.adjusted(4, 0, 0, 0))
        image_bounds = rect.adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN - CAPTION_HEIGHT)
        image_rect = draw_pixmap(painter, index.data(Role.Thumbnail), image_bounds, cell.error)
        draw_decision(painter, image_rect, frame.decision)
        if frame.missing:
            draw_missing(painter, image_rect)
        left = image_rect.left() + 4
        if cell.chosen:
            draw_pill(
                painter,
                QRectF(left, image_rect.top() + 4, 24, 16),
                "C",
                theme.CHOSEN,
                QColor("#10201e"),
            )
            left += 28
        painter.setFont(self._caption_font(option, bold=True))
        if frame.copy_of:  # the same photo as another frame: why it is neither pick nor reject
            width = painter.fontMetrics().horizontalAdvance(COPY_BADGE) + 14
            draw_pill(
                painter,
                QRectF(left, image_rect.top() + 3, width, 18),
                COPY_BADGE,
                theme.COPY,
                QColor("#1a1a1a"),
            )
            left += width + 4
        if frame.closed_eyes:
            draw_closed_eyes_badge(
                painter, QPointF(left, image_rect.top() + 3), count_text(frame.closed_eyes)
            )

        caption = self._caption(rect)
        left = caption.left()
        best = bool(index.data(Role.Best))
        if best:
            painter.setFont(self._caption_font(option, bold=True))
            draw_pill(
                painter,
                QRectF(caption.left(), caption.center().y() - 8, 40, 16),
                "BEST",
                theme.BEST,
                QColor("#1a1a1a"),
            )
            left += 44
        painter.setFont(self._caption_font(option, bold=False))
        score_text = "–" if frame.score is None else f"{frame.score:.2f}"
        right = painter.fontMetrics().horizontalAdvance(score_text) + 6
        name_box = QRect(
            left, caption.top(), max(0, caption.right() - left - right), caption.height()
        )
        painter.setPen(theme.TEXT)
        painter.drawText(
            name_box,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            painter.fontMetrics().elidedText(
                printable(frame.file_names[0]), Qt.TextElideMode.ElideMiddle, name_box.width()
            ),
        )
        painter.setPen(theme.BEST if best else theme.TEXT_DIM)
        painter.drawText(
            caption, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, score_text
        )
        if cell.current:
            draw_current(painter, QRectF(rect))
        painter.restore()


class FaceDelegate(QStyledItemDelegate):
    """A person's face in one frame at 100 % (one image pixel to one screen pixel; reduced
    where both eyes would not fit), with the state of the eyes; the current frame's faces
    carry the bright border."""

    PAD = 4

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        cell = index.data(Role.Cell)
        if cell is None:
            return QSize(0, 0)
        return cell.tile + QSize(2 * self.PAD, 2 * self.PAD)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        cell = index.data(Role.Cell)
        if cell is None:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = option.rect.adjusted(2, 2, -2, -2)
        painter.fillRect(rect, theme.CELL_SELECTED if cell.current else theme.CELL)
        tile = QRect(rect.topLeft(), cell.tile)
        tile.moveCenter(rect.center())
        painter.setClipRect(rect)
        if cell.face is None:
            painter.setPen(theme.TEXT_DIM)
            painter.drawText(tile, Qt.AlignmentFlag.AlignCenter, "not in this frame")
        else:
            pixmap = index.data(Role.Thumbnail)
            if pixmap is None or pixmap.isNull():
                painter.setPen(theme.TEXT_DIM)
                painter.drawText(tile, Qt.AlignmentFlag.AlignCenter, "…")
            else:  # one to one: the size the pixels have, centred
                ratio = pixmap.devicePixelRatio() or 1.0
                size = QSize(round(pixmap.width() / ratio), round(pixmap.height() / ratio))
                target = QRect(QPoint(0, 0), size)
                target.moveCenter(tile.center())
                painter.drawPixmap(target, pixmap)
            self._paint_eyes(painter, tile, cell.face.eyes)
        painter.setClipping(False)
        if cell.current:
            draw_current(painter, QRectF(rect), radius=3)
        painter.restore()

    @staticmethod
    def _paint_eyes(painter: QPainter, tile: QRect, eyes: str) -> None:
        """Closed eyes in red with the eye; open in green; not judged, a grey question."""
        at = QPointF(tile.left() + 4, tile.top() + 4)
        font = QFont(painter.font())
        font.setBold(True)
        painter.setFont(font)
        if eyes == "closed":
            draw_closed_eyes_badge(painter, at, "closed")
            return
        text, fill, fg = (
            ("open", theme.PICK, QColor("#ffffff"))
            if eyes == "open"
            else ("?", QColor(0, 0, 0, 170), theme.TEXT)
        )
        width = painter.fontMetrics().horizontalAdvance(text) + 14
        draw_pill(painter, QRectF(at.x(), at.y(), width, 18), text, fill, fg)
