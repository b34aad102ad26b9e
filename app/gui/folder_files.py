"""The folder's files: XMP sidecars, moving rejects aside, and photos gone from disk.

:class:`FolderFiles` writes sidecars through :mod:`app.gui.fileops` (the same code as the
command line), on request or on every decision, remembers which decisions are not in
sidecars yet (the window asks about them on closing), moves rejects with a journal, and
watches the photos' folders for files deleted or moved by hand.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from app.gui import fileops
from app.gui.commands import command
from app.gui.items import plural
from app.gui.watcher import MissingFiles
from app.options import XmpScheme

if TYPE_CHECKING:
    from app.gui.controller import CullController


class FolderFiles(QObject):
    def __init__(self, controller: CullController) -> None:
        super().__init__(controller)
        self.controller = controller
        self.settings = controller.settings
        self.bus = controller.bus
        self.unwritten: set[int] = set()  # decided here since their sidecars were written
        self.watcher = MissingFiles(self)
        self.watcher.changed.connect(self._on_missing)
        self._watched: set[int] = set()
        controller.commands.register(self)
        self.bus.folder_opened.connect(self._on_folder)
        self.bus.series_reloaded.connect(self._watch)
        self.bus.decision_changed.connect(self._on_decision)

    def _on_folder(self, _root: str) -> None:
        self.unwritten = set()
        self._watched = set()
        self.watcher.clear()

    def _watch(self) -> None:
        """Watch the folders of the photos shown (checked once as they first appear)."""
        ids = set(self.controller.photo_ids())
        if ids != self._watched:
            self._watched = ids
            self.watcher.watch(f for s in self.controller.series() for f in s.frames)

    def _on_missing(self, changed: dict[int, bool]) -> None:
        """Photos deleted or moved on disk (or back again): mark them, say so."""
        self.controller.mark_missing(changed)
        gone = [self.controller.frame(pid) for pid, missing in changed.items() if missing]
        names = [frame.file_names[0] for frame in gone if frame is not None]
        if names:
            self.bus.error.emit(
                ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else ""),
                f"{plural(len(names), 'photo')} deleted or moved on disk: marked missing, "
                "no sidecars are written for them",
            )

    def _on_decision(self, photo_id: int) -> None:
        """A decision is in the catalog: its sidecar follows at once when asked to, on the
        catalog writer's thread, after the decision."""
        self.unwritten.add(photo_id)
        controller = self.controller
        if not self.settings.xmp_on_decision.value or photo_id in controller.missing:
            return
        if controller.catalog is None or controller.library is None:
            return
        catalog, root = controller.catalog, controller.library.root
        scheme, style = self.settings.xmp_scheme.value, self.settings.sidecar_style.value

        def write() -> tuple[int, list]:
            return fileops.write_sidecars(catalog, root, scheme, style, [photo_id])

        def written(result: tuple[int, list]) -> None:
            self.unwritten.discard(photo_id)
            for problem in result[1]:
                self.bus.error.emit(problem.path, problem.error)

        controller.decisions.writer.submit(write, written)

    @command("Write XMP sidecars", keys=("Ctrl+S",), tip="Write XMP")
    def write_xmp(self) -> None:
        self.write_sidecars()

    @command("Write XMP sidecars with your decisions only", keys=("Ctrl+Alt+S",))
    def write_xmp_decisions(self) -> None:
        self.write_sidecars(scheme=XmpScheme.DECISIONS)

    def write_sidecars(
        self,
        photo_ids: list[int] | None = None,
        quiet: bool = False,
        scheme: XmpScheme | None = None,
    ) -> int:
        """Make the sidecars say what the catalog says; returns how many files changed.

        Photos missing on disk are left out.  ``scheme`` says what the model's suggestions
        become (default: the preference); ``XmpScheme.DECISIONS`` writes yours only.
        """
        controller = self.controller
        if controller.library is None or controller.catalog is None:
            return 0
        controller.decisions.writer.wait()  # every decision made is in what is written

        scheme = scheme or self.settings.xmp_scheme.value
        wanted = controller.photo_ids() if photo_ids is None else list(photo_ids)
        present = [pid for pid in wanted if pid not in controller.missing]
        written, problems = fileops.write_sidecars(
            controller.catalog,
            controller.library.root,
            scheme,
            self.settings.sidecar_style.value,
            present,
        )
        for problem in problems:
            self.bus.error.emit(problem.path, problem.error)
        self.unwritten.difference_update(present)
        if not quiet:
            frames = [controller.frame(pid) for pid in present]
            frames = [f for f in frames if f is not None]
            yours = sum(f.decided for f in frames)
            suggested = 0
            if scheme is not XmpScheme.DECISIONS:  # the model's marks go to burst frames
                bursts = {s.series_id for s in controller.series() if s.frame_count > 1}
                suggested = sum(not f.decided and f.series_id in bursts for f in frames)
            skipped = len(wanted) - len(present)
            text = (
                f"Wrote {plural(written, 'XMP sidecar')}: {plural(yours, 'photo')} with your "
                f"decisions, {plural(suggested, 'photo')} with the model's suggestions"
            )
            if skipped:
                text += f"; {skipped} missing on disk left out"
            self.bus.message.emit(text)
        return written

    def rejects_folder(self) -> str:
        library = self.controller.library
        root = library.root if library is not None else "."
        return str(Path(root) / self.settings.rejects_folder.value)

    @command("Move rejects to folder…", keys=("Ctrl+Shift+M",))
    def move_rejects_command(self) -> None:
        self.move_rejects()

    def move_rejects(self, target: str | None = None, confirm: bool = True) -> int:
        """Move rejected photos (all their files) into the rejects folder, journaled."""
        controller = self.controller
        if controller.library is None or controller.catalog is None:
            return 0
        controller.decisions.writer.wait()  # every reject made counts
        target = target or self.rejects_folder()
        rejects = fileops.rejects_to_move(controller.catalog, controller.library.root)
        if not rejects.photos:
            self.bus.message.emit("No rejected photos to move")
            return 0
        photos, files = plural(len(rejects.photos), "rejected photo"), plural(rejects.files, "file")
        if confirm and not controller.confirm(
            "Move rejects",
            f"Move {photos} ({files}) into\n{target}?\nPut moved rejects back undoes it.",
        ):
            return 0
        moved, problems = fileops.move_rejects(controller.catalog, rejects, target)
        for problem in problems:
            self.bus.error.emit(problem.path, problem.error)
        self.bus.message.emit(f"Moved {plural(moved, 'rejected photo')} to {target}")
        controller.reload()
        return moved

    @command("Put moved rejects back")
    def undo_move(self) -> None:
        controller = self.controller
        if controller.catalog is None:
            return
        controller.decisions.writer.wait()
        restored, problems = fileops.undo_move(controller.catalog, self.rejects_folder())
        for problem in problems:
            self.bus.error.emit(problem.path, problem.error)
        self.bus.message.emit(f"Put back {plural(restored, 'file')}")
        controller.reload()

    # -- the end ---------------------------------------------------------------------------

    def unwritten_count(self) -> int:
        """Photos decided here whose sidecars do not say so yet (none when XMP is written
        on every decision)."""
        return len(self.unwritten - self.controller.missing)

    def busy(self) -> bool:
        return self.watcher.busy()

    def shutdown(self) -> None:
        self.watcher.shutdown()
