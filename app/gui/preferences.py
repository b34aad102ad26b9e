"""Preferences dialog: every change is applied and saved the moment it is made.

Its pages are built from the settings: every cull option (one per ``CullOptions`` field)
brings its label, group, type, choices and bounds from ``app.options``, so the dialog
offers every option the command line has, under the same names, and never lists a choice
or a range of its own.  The last page holds the window's own preferences.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLineEdit,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.gui.settings import BoolSetting, OptionSetting, Setting, Settings, TextSetting

#: the titles of the option groups' pages (``group`` of ``app.options.option``), in order
PAGES = {
    "ranking": "Ranking",
    "grouping": "Grouping",
    "decisions": "Decisions",
    "output": "Catalog and processes",
}
#: the window's own preferences, on the last page
WINDOW_ROWS = (
    "xmp_on_decision",
    "ask_before_xmp_write",
    "auto_advance",
    "accept_rejects_others",
    "rejects_folder",
)
WINDOW_PAGE = "Window"
PLACEHOLDERS = {
    "weights": "fgaesq",
    "rejects_folder": "_rejects",
    "move_rejects": "do not move (a folder here: inside the shoot)",
    "catalog_path": "the per-user catalog",
    "taste": "none: the base ranking",
}
MAX_WORKERS = 256
AUTOMATIC = "Automatic"


class PreferencesDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.settings = settings
        self.fields: dict[str, QWidget] = {}
        layout = QVBoxLayout(self)
        self.pages = QTabWidget(self)
        layout.addWidget(self.pages)
        options = settings.options()
        for group, title in PAGES.items():
            self._page(title, [s for s in options if s.group == group])
        self._page(WINDOW_PAGE, [settings.get(name) for name in WINDOW_ROWS])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.accept)
        layout.addWidget(buttons)

    def _page(self, title: str, rows: list[Setting]) -> None:
        page = QWidget(self.pages)
        form = QFormLayout(page)
        for setting in rows:
            field = self._field(setting)
            if isinstance(setting, OptionSetting) and setting.help:
                field.setToolTip(setting.help)
            self.fields[setting.name] = field
            checkbox = isinstance(field, QCheckBox)
            form.addRow("" if checkbox else setting.label, field)
        self.pages.addTab(page, title)

    def _field(self, setting: Setting) -> QWidget:
        if isinstance(setting, BoolSetting):
            return self._check(setting)
        if isinstance(setting, TextSetting):
            return self._text(setting)
        if not isinstance(setting, OptionSetting):
            raise TypeError(f"no field for {setting!r}")
        if setting.kind is bool:
            return self._check(setting)
        if setting.choices is not None:
            return self._choice(setting)
        if setting.kind is float:
            return self._number(setting)
        if setting.kind is int:
            return self._count(setting)
        if setting.kind in (str, Path):
            return self._text(setting)
        raise TypeError(f"no field for {setting!r}")

    def _apply(self, setting: Setting, value) -> None:
        try:
            setting.value = value
        except ValueError as exc:  # shown next to the field; the old value stays
            self.fields[setting.name].setToolTip(str(exc))

    def _choice(self, setting: OptionSetting) -> QComboBox:
        box = QComboBox(self)
        for member in setting.choices:
            box.addItem(member.label, member.value)
        if box.findData(str(setting.value)) < 0:  # e.g. a device typed as "cuda:1"
            box.addItem(str(setting.value), str(setting.value))
        box.setCurrentIndex(max(box.findData(str(setting.value)), 0))
        box.currentIndexChanged.connect(lambda _i: self._apply(setting, box.currentData()))
        return box

    def _number(self, setting: OptionSetting) -> QDoubleSpinBox:
        spin = QDoubleSpinBox(self)
        spin.setRange(setting.low, setting.high)
        spin.setSingleStep(0.05 if setting.high <= 1 else 0.1)
        spin.setDecimals(2)
        spin.setValue(setting.value)
        spin.setKeyboardTracking(False)  # apply once typing is done, not per digit
        spin.valueChanged.connect(lambda value: self._apply(setting, value))
        return spin

    def _count(self, setting: OptionSetting) -> QSpinBox:
        """A whole number; for an option whose default is None, the lowest step below
        its range reads "Automatic" and means None."""
        spin = QSpinBox(self)
        low = int(setting.low if setting.low is not None else 0)
        high = int(setting.high if setting.high is not None else MAX_WORKERS)
        automatic = low - 1 if setting.optional else None
        spin.setRange(low if automatic is None else automatic, high)
        if automatic is not None:
            spin.setSpecialValueText(AUTOMATIC)
        spin.setValue(automatic if setting.value is None else setting.value)
        spin.setKeyboardTracking(False)
        spin.valueChanged.connect(
            lambda value: self._apply(setting, None if value == automatic else value)
        )
        return spin

    def _check(self, setting: Setting) -> QCheckBox:
        box = QCheckBox(setting.label, self)
        box.setChecked(setting.value)
        box.toggled.connect(lambda on: self._apply(setting, on))
        setting.changed.connect(box.setChecked)  # e.g. auto-advance switched by its key
        return box

    def _text(self, setting: Setting) -> QLineEdit:
        value = setting.value
        edit = QLineEdit("" if value is None else str(value), self)
        edit.setPlaceholderText(PLACEHOLDERS.get(setting.name, ""))
        edit.editingFinished.connect(lambda: self._apply(setting, edit.text().strip()))
        return edit
