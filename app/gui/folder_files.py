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
from app.gui.move_step import MoveRejectsCommand, moved_text
from app.gui.sidecar_plan import (
    SidecarPlan,
    held_text,
    left_text,
    plan_sidecars,
    written_text,
)
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
        self._watched: dict[int, str] = {}  # photo: the path watched
        controller.commands.register(self)
        self.bus.folder_opened.connect(self._on_folder)
        self.bus.series_reloaded.connect(self._watch)
        self.bus.decision_changed.connect(self._on_decision)

    def _on_folder(self, _root: str) -> None:
        self.unwritten = set()
        self._watched = {}
        self.watcher.clear()

    def _watch(self) -> None:
        """Watch the folders of the photos shown (checked once as they first appear, and
        again under a new name: the cull adopts a renamed photo with its decisions)."""
        frames = [f for s in self.controller.series() for f in s.frames]
        paths = {f.photo_id: f.path for f in frames}
        if paths == self._watched:
            return
        renamed = [
            f"{Path(self._watched[pid]).name} → {Path(path).name}"
            for pid, path in paths.items()
            if self._watched.get(pid, path) != path
        ]
        self._watched = paths
        self.watcher.watch(frames)
        if renamed:
            self.bus.message.emit(
                f"{plural(len(renamed), 'photo')} renamed on disk, decisions and sidecars "
                f"kept: {', '.join(renamed[:3])}" + (" …" if len(renamed) > 3 else "")
            )

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

        def write() -> fileops.Written:
            return fileops.write_sidecars(catalog, root, scheme, style, [photo_id])

        def written(result: fileops.Written) -> None:
            self.unwritten.discard(photo_id)
            for problem in result.problems:
                self.bus.error.emit(problem.path, problem.error)

        controller.decisions.writer.submit(write, written)

    @command("Write XMP sidecars", keys=("Ctrl+S",), tip="Write XMP")
    def write_xmp(self) -> None:
        self.review_and_write()

    @command("Write XMP sidecars with your decisions only", keys=("Ctrl+Alt+S",))
    def write_xmp_decisions(self) -> None:
        self.review_and_write(scheme=XmpScheme.DECISIONS)

    def plan(
        self, photo_ids: list[int] | None = None, scheme: XmpScheme | None = None
    ) -> SidecarPlan:
        """Which marks writing the sidecars of ``photo_ids`` (default: every photo shown)
        would change now; photos missing on disk are left out, as the write leaves them."""
        controller = self.controller
        if controller.library is None or controller.catalog is None:
            return SidecarPlan()
        controller.decisions.writer.wait()  # every decision made is in the plan
        wanted = controller.photo_ids() if photo_ids is None else list(photo_ids)
        return plan_sidecars(
            controller.catalog,
            controller.library.root,
            scheme or self.settings.xmp_scheme.value,
            self.settings.sidecar_style.value,
            [pid for pid in wanted if pid not in controller.missing],
        )

    def review_and_write(self, scheme: XmpScheme | None = None) -> None:
        """Show which marks the write changes (unless the photographer said not to ask),
        then write.  A write that changes no file (it only takes in marks another
        application wrote) needs no question."""
        plan = self.plan(scheme=scheme)
        if not plan.changes and not plan.kept and not plan.conflicts:
            text = "The XMP sidecars already say what the catalog says"
            if plan.held:
                text += f"; {held_text(plan.held)}"
            if plan.left:
                text += f"; {left_text(plan.left)}"
            self.bus.message.emit(text)
            return
        if not plan.changes or not self.settings.ask_before_xmp_write.value:
            self.write_sidecars(scheme=scheme)
            return
        self.controller.review_write(plan, lambda: self.write_sidecars(scheme=scheme))

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
        written = fileops.write_sidecars(
            controller.catalog,
            controller.library.root,
            scheme,
            self.settings.sidecar_style.value,
            present,
        )
        for problem in written.problems:
            self.bus.error.emit(problem.path, problem.error)
        self.unwritten.difference_update(present)
        imported = written.report.imported
        for photo_id, state in controller.catalog.decisions(imported).items():
            controller.show_decision(photo_id, state, written=False)  # taken from the files
        if not quiet:
            text = written_text(written)
            skipped = len(wanted) - len(present)
            if skipped:
                text += f"; {skipped} missing on disk left out"
            self.bus.message.emit(text)
        return written.files + written.removed

    def rejects_folder(self) -> str:
        library = self.controller.library
        root = library.root if library is not None else "."
        return str(Path(root) / self.settings.rejects_folder.value)

    @command("Move rejects to folder…", keys=("Ctrl+Shift+M",))
    def move_rejects_command(self) -> None:
        self.move_rejects()

    def move_rejects(self, target: str | None = None, confirm: bool = True) -> int:
        """Move rejected photos (all their files) into the rejects folder, journaled: one
        step of the undo stack."""
        controller = self.controller
        if controller.library is None or controller.catalog is None:
            return 0
        controller.decisions.writer.wait()  # every reject made counts
        target = target or self.rejects_folder()
        rejects = fileops.rejects_to_move(controller.catalog, controller.library.root)
        if not rejects.photos:
            self.bus.message.emit("No rejected photos to move")
            return 0
        if confirm and not controller.confirm(
            "Move rejects",
            f"Move {moved_text(len(rejects.photos), rejects.files)} into\n{target}?\n"
            "Undo (Ctrl+Z) or File → Put moved rejects back puts them back.",
        ):
            return 0
        moved = self._move(rejects, target)
        if moved.photo_ids:
            controller.decisions.undo_stack.push(MoveRejectsCommand(self, moved))
        return len(moved.photo_ids)

    def move_again(self, before: fileops.Moved) -> fileops.Moved | None:
        """Redo of a move: the same photos, those still rejected, into the same folder."""
        controller = self.controller
        if controller.library is None or controller.catalog is None:
            return None
        controller.decisions.writer.wait()
        rejects = fileops.rejects_to_move(controller.catalog, controller.library.root)
        rejects.photos = [p for p in rejects.photos if p.id in set(before.photo_ids)]
        if not rejects.photos:
            self.bus.message.emit("None of those photos is rejected any more: nothing moved")
            return None
        return self._move(rejects, before.target)

    def _move(self, rejects: fileops.RejectsToMove, target: str) -> fileops.Moved:
        moved = fileops.move_rejects(self.controller.catalog, rejects, target)
        for problem in moved.problems:
            self.bus.error.emit(problem.path, problem.error)
        self.bus.message.emit(f"Moved {moved_text(len(moved.photo_ids), moved.files)} to {target}")
        self.controller.reload_now()
        return moved

    @command("Put moved rejects back")
    def undo_move(self) -> None:
        """The newest move into the rejects folder, whoever made it (this window, an
        earlier session, the command line)."""
        if self.controller.catalog is not None:
            self.put_back(self.rejects_folder())

    def put_back(self, target: str, batch: str | None = None) -> fileops.PutBack:
        """Put a batch moved into ``target`` back (the same code as ``fgaesq-cull --undo``)."""
        controller = self.controller
        controller.decisions.writer.wait()
        back = fileops.undo_move(controller.catalog, target, batch)
        for problem in back.problems:
            self.bus.error.emit(problem.path, problem.error)
        text = f"Put back {plural(len(back.photo_ids), 'photo')} ({plural(back.files, 'file')})"
        if back.problems:
            text += f"; {len(back.problems)} could not be put back (see Details…)"
        self.bus.message.emit(text)
        controller.reload_now()
        return back

    # -- the end ---------------------------------------------------------------------------

    def unwritten_plan(self) -> SidecarPlan:
        """What the sidecars of the photos changed in this session lack (nothing when XMP
        is written on every decision): counted from the sidecars, not from key presses."""
        if not self.unwritten:
            return SidecarPlan()
        return self.plan(list(self.unwritten))

    def busy(self) -> bool:
        return self.watcher.busy()

    def shutdown(self) -> None:
        self.watcher.shutdown()
