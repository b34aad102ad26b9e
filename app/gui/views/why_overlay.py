"""Why this frame (W): the regions where the pick beat the runner-up, outlined over both.

The regions (``app.scoring.why``, boxes in the original's pixels) are drawn as outlines, so
the photo under them stays visible, on the pick and on the runner-up alike: a burst shares
its framing, so the same place is compared on each.  They follow the pane's zoom and pan
because they are mapped through the pane's image rectangle on every paint.  Where the
focus moved between the two frames, the place where the runner-up is sharper
(``elsewhere``) is outlined too, in another colour, so both places can be checked: which
one is the subject is the photographer's call.  The explanation was checked when it was
read from the catalog (``app.scoring.why.stored_why``).
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from app.gui.items import FrameItem, SeriesItem

OUTLINE = QColor("#ffd23f")  # amber: not a face box colour, not the current-frame outline
SECONDARY = QColor(255, 210, 63, 150)
ELSEWHERE = QColor("#3fc8ff")  # sky blue: where the runner-up is the sharper frame


def why_frames(series: SeriesItem | None) -> tuple[int, int] | None:
    """(pick, runner-up) photo ids the series' explanation compares, or None."""
    if series is None or not series.why or series.why_frames is None:
        return None
    return series.why_frames


def why_rects(series: SeriesItem, image: QRectF, native: tuple[int, int]) -> list[QRectF]:
    """The explanation's regions on screen, best first, for an image shown at ``image``
    whose original is ``native`` (width, height) pixels."""
    return [_on_screen(r["box"], image, native) for r in series.why.get("regions", ())]


def elsewhere_rect(series: SeriesItem, image: QRectF, native: tuple[int, int]) -> QRectF | None:
    """Where the runner-up is the sharper frame (a focus that moved), on screen, or None."""
    box = series.why.get("elsewhere")
    return None if box is None else _on_screen(box, image, native)


def _on_screen(box, image: QRectF, native: tuple[int, int]) -> QRectF:
    """A box ``(x, y, w, h)`` in the original's ``native`` pixels, on the image shown at
    ``image``."""
    sx, sy = image.width() / max(native[0], 1), image.height() / max(native[1], 1)
    x, y, w, h = box
    return QRectF(image.left() + x * sx, image.top() + y * sy, w * sx, h * sy)


def paint_why(
    painter: QPainter,
    frame: FrameItem,
    series: SeriesItem | None,
    image: QRectF,
    native: tuple[int, int],
) -> None:
    """Outline the regions on the pick and on the runner-up; nothing on other frames."""
    frames = why_frames(series)
    if frames is None or frame.photo_id not in frames:
        return
    painter.setBrush(Qt.BrushStyle.NoBrush)
    for k, rect in enumerate(why_rects(series, image, native)):
        pen = QPen(OUTLINE if k == 0 else SECONDARY, 3 if k == 0 else 2)
        if frame.photo_id != frames[0]:
            pen.setStyle(Qt.PenStyle.DashLine)  # the runner-up: where it lost
        painter.setPen(pen)
        painter.drawRect(rect)
    elsewhere = elsewhere_rect(series, image, native)
    if elsewhere is not None:
        pen = QPen(ELSEWHERE, 3)
        if frame.photo_id == frames[0]:
            pen.setStyle(Qt.PenStyle.DashLine)  # the pick: where it is the less sharp
        painter.setPen(pen)
        painter.drawRect(elsewhere)


def why_text(frame: FrameItem, series: SeriesItem | None) -> str:
    """The sentence, said on the two frames it compares: ``sharper on the face (against
    b.jpg)`` on the pick, ``the pick is sharper on the face here`` on the runner-up."""
    frames = why_frames(series)
    if frames is None or frame.photo_id not in frames:
        return "–"
    sentence = series.why["sentence"]
    if frame.photo_id == frames[0]:
        return f"{sentence} (against {series.why['runner_up']})"
    return f"the pick, {series.why['pick']}: {sentence}"
