"""A bar across the top of the window for errors the photographer must see."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.gui.bus import SignalBus


class ElidedLabel(QLabel):
    """One line that never runs under the buttons beside it: a long path has nowhere to
    wrap, so the text is shortened in the middle to the room there is, whole in the
    tooltip (and in Details)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.full_text = ""

    def set_full_text(self, text: str) -> None:
        self.full_text = text
        self.setToolTip(text)
        self._fit()

    def _fit(self) -> None:
        metrics = self.fontMetrics()
        room = self.contentsRect().width()
        self.setText(metrics.elidedText(self.full_text, Qt.TextElideMode.ElideMiddle, room))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()


class MessageBar(QFrame):
    """Shows the newest problem and how many there are; 'Details' lists them all.

    Problems come from the bus; opening another folder clears them.
    """

    def __init__(self, bus: SignalBus, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self.problems: list[tuple[str, str]] = []
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 6, 4)
        self.label = ElidedLabel(self)
        layout.addWidget(self.label, 1)
        self.details = QPushButton("Details…", self)
        self.details.clicked.connect(self.show_details)
        layout.addWidget(self.details)
        close = QPushButton("Dismiss", self)
        close.clicked.connect(self.dismiss)
        layout.addWidget(close)
        self.hide()
        bus.error.connect(self.add)
        bus.folder_opened.connect(lambda _folder: self.dismiss())

    def add(self, where: str, message: str) -> None:
        if (where, message) in self.problems:
            return
        self.problems.append((where, message))
        count = len(self.problems)
        more = f"  (+{count - 1} more)" if count > 1 else ""
        text = f"{where}: {message}" if where else message
        self.label.set_full_text(f"⚠ {text}{more}")
        self.show()

    def dismiss(self) -> None:
        self.problems.clear()
        self.hide()

    def show_details(self) -> None:
        dialog = QDialog(self.window())
        dialog.setWindowTitle("Problems")
        dialog.resize(700, 400)
        layout = QVBoxLayout(dialog)
        listing = QListWidget(dialog)
        listing.addItems([f"{w}: {m}" if w else m for w, m in self.problems])
        layout.addWidget(listing)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
        buttons.rejected.connect(dialog.reject)
        layout.addWidget(buttons)
        dialog.open()
