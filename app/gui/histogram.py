"""The histogram of a preview and how much of it is clipped, and how to draw it.

Computed where the preview is decoded (a worker thread), drawn by the image panes.
Clipping counts pixels with any channel at 0 (shadows) or 255 (highlights), as Lightroom's
clipping triangles do; a warning lights when more than ``CLIP_WARNING`` of the pixels are.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageChops
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPolygonF

CLIP_WARNING = 0.001  # 0.1 % of the pixels
CHANNEL_COLOURS = ("#ff5a5a", "#5adc5a", "#5a8cff")


@dataclass(frozen=True)
class Histogram:
    channels: tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]  # 256 counts each
    shadows: float  # fraction of pixels with a channel at 0
    highlights: float  # fraction of pixels with a channel at 255

    @property
    def shadow_warning(self) -> bool:
        return self.shadows > CLIP_WARNING

    @property
    def highlight_warning(self) -> bool:
        return self.highlights > CLIP_WARNING


def histogram_of(image: Image.Image) -> Histogram:
    """Counted by Pillow in C, without a copy of the pixels: on a 24 MP full decode the
    arrays numpy needed for it took seconds, and 100 % waited for them."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    counts = rgb.histogram()
    red, green, blue = rgb.split()
    darkest = ImageChops.darker(ImageChops.darker(red, green), blue)
    brightest = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    pixels = max(1, rgb.width * rgb.height)
    return Histogram(
        channels=tuple(tuple(counts[c * 256 : (c + 1) * 256]) for c in range(3)),
        shadows=darkest.histogram()[0] / pixels,
        highlights=brightest.histogram()[255] / pixels,
    )


def draw_histogram(painter: QPainter, rect: QRectF, histogram: Histogram) -> None:
    """Three channels over a dark box; a clipping triangle in each top corner lights up."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.fillRect(rect, QColor(0, 0, 0, 170))
    inner = rect.adjusted(6, 14, -6, -4)
    # the highest bin among the inner ones sets the scale, so a clipped end does not flatten it
    peak = max(1, max(max(c[1:255]) for c in histogram.channels))
    painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Plus)
    for counts, colour in zip(histogram.channels, CHANNEL_COLOURS, strict=True):
        path = QPainterPath(QPointF(inner.left(), inner.bottom()))
        for i, count in enumerate(counts):
            x = inner.left() + inner.width() * i / 255
            y = inner.bottom() - inner.height() * min(1.0, count / peak)
            path.lineTo(x, y)
        path.lineTo(inner.right(), inner.bottom())
        path.closeSubpath()
        fill = QColor(colour)
        fill.setAlpha(150)
        painter.fillPath(path, fill)
    painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
    for warn, left, colour, share in (
        (histogram.shadow_warning, True, "#5a8cff", histogram.shadows),
        (histogram.highlight_warning, False, "#ff5a5a", histogram.highlights),
    ):
        x = rect.left() + 4 if left else rect.right() - 14
        triangle = QPolygonF(
            [
                QPointF(x, rect.top() + 12),
                QPointF(x + 10, rect.top() + 12),
                QPointF(x + 5, rect.top() + 3),
            ]
        )
        painter.setPen(QColor("#888888"))
        painter.setBrush(QColor(colour) if warn else QColor(0, 0, 0, 0))
        painter.drawPolygon(triangle)
        if warn:
            painter.setPen(QColor(colour))
            text_rect = QRectF(x + (14 if left else -64), rect.top(), 60, 14)
            side = Qt.AlignmentFlag.AlignLeft if left else Qt.AlignmentFlag.AlignRight
            painter.drawText(text_rect, side | Qt.AlignmentFlag.AlignVCenter, f"{share * 100:.1f}%")
    painter.restore()
