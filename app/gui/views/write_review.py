"""The question before a sidecar write: which marks it changes, in counts and photo by photo.

Lightroom, darktable, Capture One and digiKam read these marks, so a write that replaces a
rating, a label or a suggestion keyword is shown before it happens: the counts per kind of
change, whose marks they are (the photographer's decisions or the model's suggestions),
every photo with its change, and what the write keeps (a person's marks in a file,
conflicts, sidecars it cannot write).  "Do not ask again" turns the question off (Preferences turns it on again).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.gui.items import plural
from app.gui.settings import BoolSetting
from app.gui.sidecar_plan import SidecarPlan, held_text, left_text

MAX_ROWS = 2000  # photos listed one by one; the counts above cover every photo


class WriteReviewDialog(QDialog):
    """Shows a :class:`SidecarPlan`; Write runs ``write``, Cancel writes nothing."""

    def __init__(
        self,
        plan: SidecarPlan,
        write: Callable[[], object],
        ask: BoolSetting,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("writeReview")
        self.setWindowTitle("Write XMP sidecars")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.resize(720, 460)
        self.plan, self._write, self._ask = plan, write, ask
        layout = QVBoxLayout(self)

        self.heading = QLabel(self._heading(), self)
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        self.counts = QLabel("\n".join(f"• {line}" for line in plan.group_lines()), self)
        self.counts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.counts)
        notes = []
        if plan.kept:
            notes.append(
                f"{plural(len(plan.kept), 'photo')} "
                f"{'keeps' if len(plan.kept) == 1 else 'keep'} the marks another application "
                "wrote in its sidecar (they count as your decisions)."
            )
        notes.extend(f"Conflict, {name}: {why}." for name, why in plan.conflicts[:5])
        if plan.held:
            notes.append(f"{held_text(plan.held)}.")
        if plan.left:
            notes.append(f"{left_text(plan.left)}.")
        if notes:
            self.notes = QLabel("\n".join(notes), self)
            self.notes.setWordWrap(True)
            layout.addWidget(self.notes)

        self.photos = QTreeWidget(self)
        self.photos.setRootIsDecorated(False)
        self.photos.setHeaderLabels(["Photo", "Sidecar", "Whose", "Change"])
        for change in plan.changes[:MAX_ROWS]:
            whose = "yours" if change.yours else "model"
            sidecar = change.sidecar + (" (new)" if change.new_file else "")
            sidecar += " (removed)" if change.removes_file else ""
            QTreeWidgetItem(self.photos, [change.photo, sidecar, whose, change.text()])
        for column in range(3):
            self.photos.resizeColumnToContents(column)
        layout.addWidget(self.photos, 1)

        self.dont_ask = QCheckBox("Do not ask again before writing XMP sidecars", self)
        layout.addWidget(self.dont_ask)
        buttons = QDialogButtonBox(self)
        self.write_button = buttons.addButton(
            f"Write {plural(len(plan.changes), 'sidecar')}",
            QDialogButtonBox.ButtonRole.AcceptRole,
        )
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.write_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _heading(self) -> str:
        plan = self.plan
        text = f"This write changes the XMP marks of {plan.summary()}."
        replacing = plan.replacing()
        if replacing:
            text += (
                f"  On {plural(replacing, 'photo')} it replaces or removes a mark that is "
                "there now."
            )
        automatic = plan.replacing_automatic()
        if automatic:
            text += (
                f"  {plural(automatic, 'sidecar')} {'carries' if automatic == 1 else 'carry'} automatic marks of an earlier write "
                "(another scheme or another best frame): they get this write's."
            )
        return text

    def accept(self) -> None:
        if self.dont_ask.isChecked():
            self._ask.value = False
        super().accept()
        self._write()
