"""Which model ranked the shoot, said all the time, and the FGAesQ weights when missing.

:class:`RankingNotice` reads the model of every score shown (the catalog's, so a re-run in
progress never shows "auto"), says it on the bus, and after a cull that wanted FGAesQ and
had to do without it offers to fetch the weights (:mod:`app.gui.weights`).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from app.gui.commands import command
from app.gui.items import plural
from app.gui.library import MODEL_NAMES
from app.gui.taste_order import window_text
from app.gui.weights import WeightsDownload
from app.options import ScorerName
from app.scoring.factory import FALLBACK_NOTE

if TYPE_CHECKING:
    from app.gui.bus import SignalBus
    from app.gui.commands import CommandRegistry
    from app.gui.parts import Culling, Questions
    from app.gui.session import FolderSession


class RankingNotice(QObject):
    def __init__(
        self,
        session: FolderSession,
        culling: Culling,
        questions: Questions,
        commands: CommandRegistry,
        bus: SignalBus,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.culling = culling
        self.questions = questions
        self.commands = commands
        self.bus = bus
        self.fgaesq_missing = False  # the last cull wanted FGAesQ and had to do without
        self.falling_back = False  # the cull running said it ranks without FGAesQ
        self.download: WeightsDownload | None = None
        commands.register(self)
        commands.set_available("cancel_download", False)
        self.bus.cull_started.connect(self._forget_fallback)  # before it is announced
        for signal in (self.bus.cull_started, self.bus.series_reloaded):
            signal.connect(self.announce)
        self.bus.cull_finished.connect(self._on_cull_finished)
        self.bus.message.connect(self._on_message)
        self.bus.folder_opened.connect(lambda _root: self._forget_missing())

    def ranked_by(self) -> str:
        """``FGAesQ (fgaesq:…)``, or each model with its share when the shoot is mixed."""
        models = Counter(
            f.model for s in self.session.series() for f in s.frames if f.score is not None
        )
        if not models:
            return ""
        if len(models) == 1:
            return next(iter(models))
        return ", ".join(f"{name} ({plural(n, 'photo')})" for name, n in models.most_common())

    def announce(self) -> None:
        ranked = self.ranked_by()
        running = self.culling.running_options()
        if running is not None:
            wanted = running.scorer
            if self.falling_back:  # the left of the status bar says why
                wanted = ScorerName.TECHNICAL
            text = f"Ranking with: {MODEL_NAMES.get(wanted, 'FGAesQ if its weights are here')}…"
            if ranked:
                text += f" (shown: {ranked})"
        elif ranked:
            text = f"Ranked by: {ranked}"
        else:
            text = "Not ranked yet" if self.session.library is not None else ""
        library = self.session.library
        order = window_text(library.ranking) if library is not None else ""
        if order:  # which ranking orders the frames, and by how much it agreed
            text = f"{text} · {order}" if text else order
        offer = self.fgaesq_missing and self.download is None
        if offer:
            text += " · the FGAesQ weights are missing"
        self.bus.ranking_changed.emit(text, offer)

    def _forget_fallback(self) -> None:
        self.falling_back = False

    def _on_message(self, text: str) -> None:
        """The cull's note that it ranks without FGAesQ: the right of the status bar must
        not go on promising FGAesQ beside it."""
        if self.culling.running_options() is not None and text.startswith(FALLBACK_NOTE):
            self.falling_back = True
            self.announce()

    def _forget_missing(self) -> None:
        self.fgaesq_missing = False

    def _on_cull_finished(self, _summary: str) -> None:
        """An automatic cull that ended on the technical scorer had no FGAesQ weights."""
        result, options = self.culling.last_result, self.culling.last_options
        if result is not None and options is not None and not result.cancelled:
            self.fgaesq_missing = (
                options.scorer is ScorerName.AUTO
                and result.model.get("name") == ScorerName.TECHNICAL
            )
        self.announce()

    @command("Download the FGAesQ weights…")
    def get_weights(self) -> None:
        """Fetch the released FGAesQ weights (with progress and Cancel), then cull again."""
        if self.download is not None:
            return
        if not self.questions.confirm(
            "FGAesQ weights",
            "Download the released FGAesQ weights (about 600 MB) from the Hugging Face hub "
            "into its cache?  The shoot is ranked again with FGAesQ afterwards.",
        ):
            return
        self.download = WeightsDownload(parent=self)
        self.download.progress.connect(self.bus.download_progress)
        self.download.finished.connect(self._on_download_finished)
        commands = self.commands
        commands.set_available("get_weights", False)
        commands.set_available("cancel_download", True)
        self.download.start()
        self.bus.download_started.emit()
        self.announce()

    @command("Cancel the download")
    def cancel_download(self) -> None:
        if self.download is not None:
            self.download.cancel()

    def _on_download_finished(self, ok: bool, message: str) -> None:
        download, self.download = self.download, None
        if download is not None:
            download.deleteLater()
        commands = self.commands
        commands.set_available("get_weights", True)
        commands.set_available("cancel_download", False)
        self.bus.download_finished.emit(ok, message)
        if ok:
            self.fgaesq_missing = False
            self.bus.message.emit(f"FGAesQ weights downloaded: {message}")
            self.culling.cull_again()
        elif download is not None and download.cancelled:
            self.bus.message.emit(message)
        else:
            self.bus.error.emit("FGAesQ weights", message)
        self.announce()

    def shutdown(self) -> None:
        if self.download is not None:
            self.download.cancel()
