"""The toolbar's series filter."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QWidget

from app.gui.controller import CullController
from app.gui.filters import FILTER_LABELS, FILTER_TIPS, SeriesFilter


class SeriesFilterBox(QComboBox):
    def __init__(self, controller: CullController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        for mode, label in FILTER_LABELS.items():
            self.addItem(label, int(mode))
            if mode in FILTER_TIPS:
                self.setItemData(self.count() - 1, FILTER_TIPS[mode], Qt.ItemDataRole.ToolTipRole)
        self.currentIndexChanged.connect(
            lambda _i: controller.set_series_filter(SeriesFilter(self.currentData()))
        )
