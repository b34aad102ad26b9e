"""The status bar (messages, the cull's progress, which model ranked the shoot and the
offer to fetch FGAesQ, auto-advance, the thumbnail size) and the shoot's counts."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QSlider,
    QStatusBar,
    QToolButton,
    QWidget,
)

from app.gui.controller import CullController
from app.gui.settings import THUMBNAIL_MAX, THUMBNAIL_MIN
from app.gui.views.elided import ElidedLabel
from app.gui.views.progress import ProgressPanel

MESSAGE_MS = 6000


class ModelStatus(QWidget):
    """Always says which model ranked the shoot; offers the FGAesQ weights when the cull
    had to do without them, and shows their download with a Cancel button."""

    def __init__(self, controller: CullController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = ElidedLabel(self)
        self.label.setObjectName("rankedBy")
        self.get = QToolButton(self)
        self.get.setDefaultAction(controller.commands.action("get_weights"))
        self.get.setText("Get FGAesQ weights…")
        self.bar = QProgressBar(self)
        self.bar.setFixedWidth(140)
        self.cancel = QToolButton(self)
        self.cancel.setDefaultAction(controller.commands.action("cancel_download"))
        self.cancel.setText("Cancel")
        for widget in (self.label, self.get, self.bar, self.cancel):
            layout.addWidget(widget)
        self.get.hide()
        self.bar.hide()
        self.cancel.hide()
        bus = controller.bus
        bus.ranking_changed.connect(self._on_ranking)
        bus.download_started.connect(self._on_started)
        bus.download_progress.connect(self._on_progress)
        bus.download_finished.connect(lambda _ok, _message: self._on_done())

    def _on_ranking(self, text: str, offer: bool) -> None:
        self.label.setText(text)
        self.get.setVisible(offer)

    def _on_started(self) -> None:
        self.get.hide()
        self.bar.setRange(0, 0)
        self.bar.setFormat("")
        self.bar.show()
        self.cancel.show()

    def _on_progress(self, done: int, total: int) -> None:
        mb = f"{done / 1e6:.0f} MB"
        if total > 0:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(1000 * min(done, total) / total))
            self.bar.setFormat(f"{mb} of {total / 1e6:.0f} MB")
        else:
            self.bar.setFormat(mb)

    def _on_done(self) -> None:
        self.bar.hide()
        self.cancel.hide()


class ShootSummary(QWidget):
    """The folder's counts (your decisions and the model's suggestions apart) and what
    the frame filters show."""

    def __init__(self, controller: CullController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 0, 8, 0)
        self.filter = ElidedLabel(self)
        self.filter.setObjectName("frameFilter")
        self.counts = ElidedLabel(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.counts, 1)
        self.filter.hide()
        bus = controller.bus
        bus.series_reloaded.connect(self._update_counts)
        bus.frame_updated.connect(lambda _frame: self._update_counts())
        bus.filters_changed.connect(self._on_filters)

    def _update_counts(self) -> None:
        counts = self.controller.counts()
        self.counts.short_text = counts.short_text()  # a 1280 px window has room for this
        self.counts.setText(counts.text())

    def _on_filters(self, text: str) -> None:
        self.filter.setText(f"Showing: {text} ·" if text else "")
        self.filter.setVisible(bool(text))


class StatusBar(QStatusBar):
    """Messages on the left; the cull's progress, the ranking model, auto-advance and the
    thumbnail size on the right."""

    def __init__(self, controller: CullController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        settings = controller.settings
        self.progress = ProgressPanel(controller.bus, controller.cancel, self)
        self.model_status = ModelStatus(controller, self)
        self.advance = QLabel(self)
        self.advance.setToolTip("Advance after a decision (Shift+A)")
        self.size = QSlider(Qt.Orientation.Horizontal, self)
        self.size.setRange(THUMBNAIL_MIN, THUMBNAIL_MAX)
        self.size.setFixedWidth(100)
        self.size.setToolTip("Thumbnail size (Ctrl+plus / Ctrl+minus)")
        self.size.setValue(settings.thumbnail_size.value)
        self.size.setTracking(False)  # one change (and one save) per drag, not per pixel
        self.size.valueChanged.connect(settings.thumbnail_size.set_value)
        settings.thumbnail_size.changed.connect(self.size.setValue)
        for widget in (self.progress, self.model_status, self.advance, self.size):
            self.addPermanentWidget(widget)
        controller.bus.message.connect(lambda text: self.showMessage(text, MESSAGE_MS))
        settings.auto_advance.changed.connect(self._on_advance)
        self._on_advance(settings.auto_advance.value)

    def _on_advance(self, on: bool) -> None:
        self.advance.setText("Advance: on" if on else "Advance: off")
