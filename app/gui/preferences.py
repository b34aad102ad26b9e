"""Preferences dialog: every change is applied and saved the moment it is made."""

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

from app.gui.settings import (
    DEVICE_CHOICES,
    SCORER_CHOICES,
    SIDECAR_CHOICES,
    XMP_SCHEME_CHOICES,
    Settings,
)


class PreferencesDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.settings = settings
        self.fields: dict[str, QWidget] = {}
        layout = QVBoxLayout(self)
        form = QFormLayout()
        layout.addLayout(form)
        form.addRow("Model", self._choice("scorer", SCORER_CHOICES))
        form.addRow("Weights (name or file)", self._text("weights", "fgaesq"))
        form.addRow("Device", self._choice("device", DEVICE_CHOICES))
        form.addRow("Burst gap (s)", self._number("time_gap_s", 0.1, 60.0, 0.1))
        form.addRow("Burst similarity", self._number("similarity", 0.0, 1.0, 0.05))
        form.addRow("Sidecar names", self._choice("sidecar_style", SIDECAR_CHOICES))
        form.addRow("XMP marks", self._choice("xmp_scheme", XMP_SCHEME_CHOICES))
        form.addRow("", self._check("xmp_on_decision", "Write XMP on every decision"))
        form.addRow("", self._check("auto_advance", "Advance after a decision"))
        form.addRow(
            "",
            self._check(
                "accept_rejects_others", "Accepting the model's pick rejects the other frames"
            ),
        )
        form.addRow("Rejects folder", self._text("rejects_folder", "_rejects"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.accept)
        layout.addWidget(buttons)

    def _choice(self, name: str, choices: tuple[tuple[str, str], ...]) -> QComboBox:
        box = QComboBox(self)
        for value, label in choices:
            box.addItem(label, value)
        index = box.findData(getattr(self.settings, name))
        box.setCurrentIndex(max(index, 0))
        box.currentIndexChanged.connect(lambda _i: self.settings.set(name, box.currentData()))
        self.fields[name] = box
        return box

    def _number(self, name: str, low: float, high: float, step: float) -> QDoubleSpinBox:
        spin = QDoubleSpinBox(self)
        spin.setRange(low, high)
        spin.setSingleStep(step)
        spin.setDecimals(2)
        spin.setValue(getattr(self.settings, name))
        spin.setKeyboardTracking(False)  # apply once typing is done, not per digit
        spin.valueChanged.connect(lambda value: self.settings.set(name, value))
        self.fields[name] = spin
        return spin

    def _check(self, name: str, text: str) -> QCheckBox:
        box = QCheckBox(text, self)
        box.setChecked(getattr(self.settings, name))
        box.toggled.connect(lambda on: self.settings.set(name, on))
        self.fields[name] = box
        return box

    def _text(self, name: str, placeholder: str) -> QLineEdit:
        edit = QLineEdit(getattr(self.settings, name), self)
        edit.setPlaceholderText(placeholder)
        edit.editingFinished.connect(lambda: self.settings.set(name, edit.text().strip()))
        self.fields[name] = edit
        return edit
