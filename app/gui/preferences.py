"""Preferences dialog: every change is applied and saved the moment it is made.

Each row is built from its setting: a cull option brings its label, choices and bounds
from ``app.options``, so the dialog never lists a choice or a range of its own.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.gui.settings import BoolSetting, OptionSetting, Setting, Settings, TextSetting

#: the rows of the dialog, in order
ROWS = (
    "scorer",
    "weights",
    "device",
    "series_mode",
    "taste",
    "time_gap_s",
    "similarity",
    "sidecar_style",
    "xmp_scheme",
    "xmp_on_decision",
    "ask_before_xmp_write",
    "auto_advance",
    "accept_rejects_others",
    "rejects_folder",
)
PLACEHOLDERS = {
    "weights": "fgaesq",
    "rejects_folder": "_rejects",
    "taste": "none: the base ranking",
}


class PreferencesDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.settings = settings
        self.fields: dict[str, QWidget] = {}
        layout = QVBoxLayout(self)
        form = QFormLayout()
        layout.addLayout(form)
        for name in ROWS:
            setting = settings.get(name)
            field = self._field(setting)
            self.fields[name] = field
            form.addRow("" if isinstance(setting, BoolSetting) else setting.label, field)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.accept)
        layout.addWidget(buttons)

    def _field(self, setting: Setting) -> QWidget:
        if isinstance(setting, BoolSetting):
            return self._check(setting)
        if isinstance(setting, OptionSetting) and setting.choices is not None:
            return self._choice(setting)
        if isinstance(setting, OptionSetting) and isinstance(setting.default, float):
            return self._number(setting)
        if isinstance(setting, OptionSetting | TextSetting):
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

    def _check(self, setting: BoolSetting) -> QCheckBox:
        box = QCheckBox(setting.label, self)
        box.setChecked(setting.value)
        box.toggled.connect(lambda on: self._apply(setting, on))
        setting.changed.connect(box.setChecked)  # e.g. auto-advance switched by its key
        return box

    def _text(self, setting: Setting) -> QLineEdit:
        edit = QLineEdit(setting.value or "", self)
        edit.setPlaceholderText(PLACEHOLDERS.get(setting.name, ""))
        edit.editingFinished.connect(lambda: self._apply(setting, edit.text().strip()))
        return edit
