"""Dark, neutral-grey theme: photos are judged against grey, never against a bright UI."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

BACKGROUND = QColor("#1e1e1e")
PANEL = QColor("#262626")
VIEW = QColor("#181818")
CELL = QColor("#262626")
CELL_SELECTED = QColor("#3d4a5c")
CELL_SERIES = QColor("#353b44")  # a frame of the current series in the whole-shoot strip
BORDER = QColor("#3a3a3a")
TEXT = QColor("#d8d8d8")
TEXT_DIM = QColor("#8c8c8c")
ACCENT = QColor("#4a90d9")
CURRENT = QColor("#6cc4ff")  # the current frame: the most visible thing in every view
CHOSEN = QColor("#2ec4b6")  # chosen for compare
BEST = QColor("#f0b429")
PICK = QColor("#46a758")
REJECT = QColor("#e5484d")
STAR = QColor("#f0c040")
UNSURE = QColor("#ff9f43")  # a pick worth a second look: nothing else rejected
TEXT_ON_REJECT = QColor("#ffffff")
COPY = QColor("#f472b6")  # a byte-identical copy of another frame: the same photo, told once
#: series kinds: the burst neutral, the kinds kept whole each in a colour of its own
KIND_COLOURS = {
    "burst": QColor("#a0a0a0"),
    "bracket": QColor("#ff8a4c"),
    "panorama": QColor("#a3e635"),
    "focus_stack": QColor("#c084fc"),
}

STYLESHEET = f"""
QMainWindow, QDialog {{ background: {BACKGROUND.name()}; }}
QToolBar {{ background: {PANEL.name()}; border: 0; border-bottom: 1px solid {BORDER.name()};
            spacing: 4px; padding: 3px; }}
QToolButton {{ color: {TEXT.name()}; padding: 4px 8px; border-radius: 3px; }}
QToolButton:hover {{ background: #383838; }}
QToolButton:checked {{ background: {CELL_SELECTED.name()}; }}
QListView {{ background: {VIEW.name()}; border: 0; }}
QStatusBar {{ background: {PANEL.name()}; color: {TEXT_DIM.name()}; }}
QProgressBar {{ background: #333; border: 0; border-radius: 3px; color: {TEXT.name()};
                text-align: center; max-height: 14px; }}
QProgressBar::chunk {{ background: {ACCENT.name()}; border-radius: 3px; }}
QTableView {{ background: {VIEW.name()}; border: 0; }}
QHeaderView::section {{ background: {PANEL.name()}; color: {TEXT_DIM.name()}; border: 0;
                        padding: 2px 6px; }}
QSplitter::handle {{ background: {BORDER.name()}; }}
QLabel#detailsTitle {{ color: {TEXT.name()}; font-weight: bold; font-size: 13px; }}
QLabel[role="key"] {{ color: {TEXT_DIM.name()}; }}
QFrame#details {{ background: {PANEL.name()}; }}
QFrame#messageBar {{ background: #4a2326; border-bottom: 1px solid #6b2f33; }}
QComboBox {{ background: #333; color: {TEXT.name()}; border: 1px solid {BORDER.name()};
             padding: 2px 6px; border-radius: 3px; }}
"""


def apply(app: QApplication) -> None:
    """Fusion style with a dark palette and the stylesheet above."""
    app.setStyle("Fusion")
    pal = QPalette()
    pal.setColor(QPalette.ColorRole.Window, BACKGROUND)
    pal.setColor(QPalette.ColorRole.WindowText, TEXT)
    pal.setColor(QPalette.ColorRole.Base, VIEW)
    pal.setColor(QPalette.ColorRole.AlternateBase, PANEL)
    pal.setColor(QPalette.ColorRole.Text, TEXT)
    pal.setColor(QPalette.ColorRole.Button, PANEL)
    pal.setColor(QPalette.ColorRole.ButtonText, TEXT)
    pal.setColor(QPalette.ColorRole.Highlight, CELL_SELECTED)
    pal.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    pal.setColor(QPalette.ColorRole.ToolTipBase, PANEL)
    pal.setColor(QPalette.ColorRole.ToolTipText, TEXT)
    pal.setColor(QPalette.ColorRole.PlaceholderText, TEXT_DIM)
    app.setPalette(pal)
    app.setStyleSheet(STYLESHEET)
