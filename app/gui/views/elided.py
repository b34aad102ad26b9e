"""A status-bar label that shortens its text instead of widening the window."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class ElidedLabel(QLabel):
    """Plain text that shortens itself (…) instead of widening the window; the whole
    text is in the tooltip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.short_text = ""  # said instead when the text does not fit

    def shown_text(self) -> str:
        """What is painted: the text, else the short text, shortened (…) to the width."""
        metrics, text = self.fontMetrics(), self.text()
        if self.short_text and metrics.horizontalAdvance(text) > self.width():
            text = self.short_text
        return metrics.elidedText(text, Qt.TextElideMode.ElideRight, self.width())

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(text)
        self.updateGeometry()

    def minimumSizeHint(self) -> QSize:
        return QSize(60, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:
        return QSize(
            self.fontMetrics().horizontalAdvance(self.text()) + 8, super().sizeHint().height()
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            painter.setPen(self.palette().color(self.foregroundRole()))
            text = self.shown_text()
            painter.drawText(
                self.rect(), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text
            )
        finally:
            painter.end()
