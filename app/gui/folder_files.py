"""The folder's files: XMP sidecars, moving rejects aside, and photos gone from disk.

:class:`FolderFiles` writes sidecars through :mod:`app.gui.fileops` (the same code as the
command line), on request or on every decision, remembers which decisions are not in
sidecars yet (the window asks about them on closing), moves rejects with a journal, and
watches the photos' folders for files deleted or moved by hand.

Every file write (and the plan shown before a sidecar write) runs on the session's writer
thread, queued after the decisions made before it, so it sees every one of them without
the GUI thread waiting; a write returns a future that holds its outcome once the window
has shown it.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
    from app.gui.bus import SignalBus
    from app.gui.commands import CommandRegistry
    from app.gui.parts import Questions
    from app.gui.session import FolderSession
    from app.gui.settings import Settings


def settled(value: Any) -> Future:
    """A future that already holds ``value`` (nothing had to be written)."""
    future: Future = Future()
    future.set_result(value)
    return future


def passes_failure(first: Future, outcome: Future) -> None:
    """When ``first`` (a write ``outcome`` waits on) fails, ``outcome`` fails with it."""

    def check(done: Future) -> None:
        if done.exception() is not None and not outcome.done():
            outcome.set_exception(done.exception())

    first.add_done_callback(check)


class FolderFiles(QObject):
    def __init__(
        self,
        session: FolderSession,
        questions: Questions,
        commands: CommandRegistry,
        settings: Settings,
        bus: SignalBus,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.questions = questions
        self.settings = settings
        self.bus = bus
        self.unwritten: set[int] = set()  # decided here since their sidecars were written
        self.watcher = MissingFiles(self)
        self.watcher.changed.connect(self._on_missing)
        self._watched: dict[int, str] = {}  # photo: the path watched
        commands.register(self)
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
        frames = [f for s in self.session.series() for f in s.frames]
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
        self.session.mark_missing(changed)
        gone = [self.session.frame(pid) for pid, missing in changed.items() if missing]
        names = [frame.file_names[0] for frame in gone if frame is not None]
        if names:
            self.bus.error.emit(
                ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else ""),
                f"{plural(len(names), 'photo')} deleted or moved on disk: marked missing, "
                "no sidecars are written for them",
            )

    def _present(self, photo_ids: list[int] | None) -> tuple[list[int], list[int]]:
        """(wanted, present): the photos asked for (default: every photo shown), and those
        of them on disk (photos missing on disk get no sidecar)."""
        session = self.session
        wanted = session.photo_ids() if photo_ids is None else list(photo_ids)
        return wanted, [pid for pid in wanted if pid not in session.missing]

    def _on_decision(self, photo_id: int) -> None:
        """A decision is in the catalog: its sidecar follows at once when asked to, on the
        writer's thread, after the decision."""
        self.unwritten.add(photo_id)
        session = self.session
        if not self.settings.xmp_on_decision.value or photo_id in session.missing:
            return
        if not session.is_open():
            return
        catalog, root = session.catalog, session.root
        scheme, style = self.settings.xmp_scheme.value, self.settings.sidecar_style.value

        def write() -> fileops.Written:
            return fileops.write_sidecars(catalog, root, scheme, style, [photo_id])

        def written(result: fileops.Written) -> None:
            self.unwritten.discard(photo_id)
            for problem in result.problems:
                self.bus.error.emit(problem.path, problem.error)

        session.write(write, written)

    @command("Write XMP sidecars", keys=("Ctrl+S",), tip="Write XMP")
    def write_xmp(self) -> None:
        self.review_and_write()

    @command("Write XMP sidecars with your decisions only", keys=("Ctrl+Alt+S",))
    def write_xmp_decisions(self) -> None:
        self.review_and_write(scheme=XmpScheme.DECISIONS)

    def plan(
        self,
        photo_ids: list[int] | None = None,
        scheme: XmpScheme | None = None,
        done: Callable[[SidecarPlan], Any] = lambda plan: plan,
    ) -> Future:
        """Which marks writing the sidecars of ``photo_ids`` (default: every photo shown)
        would change, planned on the writer's thread after every decision made so far;
        photos missing on disk are left out, as the write leaves them.  ``done(plan)`` runs
        in the GUI thread; the future holds what it returns."""
        session = self.session
        if not session.is_open():
            return settled(done(SidecarPlan()))
        catalog, root = session.catalog, session.root
        scheme = scheme or self.settings.xmp_scheme.value
        style = self.settings.sidecar_style.value
        _wanted, present = self._present(photo_ids)
        return session.write(lambda: plan_sidecars(catalog, root, scheme, style, present), done)

    def review_and_write(self, scheme: XmpScheme | None = None) -> Future:
        """Show which marks the write changes (unless the photographer said not to ask),
        then write.  A write that changes no file (it only takes in marks another
        application wrote) needs no question."""

        def review(plan: SidecarPlan) -> None:
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
            self.questions.review_write(plan, lambda: self.write_sidecars(scheme=scheme))

        return self.plan(scheme=scheme, done=review)

    def write_sidecars(
        self,
        photo_ids: list[int] | None = None,
        quiet: bool = False,
        scheme: XmpScheme | None = None,
    ) -> Future:
        """Make the sidecars say what the catalog says, on the writer's thread after every
        decision made so far; the future holds how many files changed.

        Photos missing on disk are left out.  ``scheme`` says what the model's suggestions
        become (default: the preference); ``XmpScheme.DECISIONS`` writes yours only.
        """
        session = self.session
        if not session.is_open():
            return settled(0)
        catalog, root = session.catalog, session.root
        scheme = scheme or self.settings.xmp_scheme.value
        style = self.settings.sidecar_style.value
        wanted, present = self._present(photo_ids)

        def write() -> tuple[fileops.Written, dict]:
            written = fileops.write_sidecars(catalog, root, scheme, style, present)
            return written, catalog.decisions(written.report.imported)

        def written(outcome: tuple[fileops.Written, dict]) -> int:
            written, imported = outcome
            for problem in written.problems:
                self.bus.error.emit(problem.path, problem.error)
            self.unwritten.difference_update(present)
            for photo_id, state in imported.items():
                session.show_decision(photo_id, state, written=False)  # taken from the files
            if not quiet:
                text = written_text(written)
                skipped = len(wanted) - len(present)
                if skipped:
                    text += f"; {skipped} missing on disk left out"
                self.bus.message.emit(text)
            return written.files + written.removed

        return session.write(write, written)

    def rejects_folder(self) -> str:
        return str(Path(self.session.root or ".") / self.settings.rejects_folder.value)

    @command("Move rejects to folder…", keys=("Ctrl+Shift+M",))
    def move_rejects_command(self) -> None:
        self.move_rejects()

    def move_rejects(self, target: str | None = None, confirm: bool = True) -> Future:
        """Move rejected photos (all their files) into the rejects folder, journaled: one
        step of the undo stack.  The rejects are looked up and moved on the writer's
        thread, after every decision made so far; the future holds how many moved."""
        session = self.session
        if not session.is_open():
            return settled(0)
        outcome: Future = Future()
        outcome.set_running_or_notify_cancel()
        target = target or self.rejects_folder()
        catalog, root = session.catalog, session.root

        def found(rejects: fileops.RejectsToMove) -> None:
            if not rejects.photos:
                self.bus.message.emit(rejects.gone_note() or "No rejected photos to move")
                outcome.set_result(0)
                return
            if confirm and not self.questions.confirm(
                "Move rejects",
                f"Move {moved_text(len(rejects.photos), rejects.files)} into\n{target}?\n"
                "Undo (Ctrl+Z) or File → Put moved rejects back puts them back.",
            ):
                outcome.set_result(0)
                return

            def moved(moved: fileops.Moved) -> None:
                if moved.photo_ids:
                    session.push(MoveRejectsCommand(self, moved))
                outcome.set_result(len(moved.photo_ids))

            passes_failure(self._move(lambda: rejects, target, moved), outcome)

        looked_up = session.write(lambda: fileops.rejects_to_move(catalog, root), found)
        passes_failure(looked_up, outcome)
        return outcome

    def move_again(self, before: fileops.Moved, then: Callable[[fileops.Moved], None]) -> Future:
        """Redo of a move: the same photos, those still rejected, into the same folder;
        ``then(moved)`` when some moved."""
        session = self.session
        if not session.is_open():
            return settled(None)
        catalog, root = session.catalog, session.root
        ids = set(before.photo_ids)

        def still_rejected() -> fileops.RejectsToMove | None:
            rejects = fileops.rejects_to_move(catalog, root)
            rejects.photos = [p for p in rejects.photos if p.id in ids]
            rejects.gone = [p for p in rejects.gone if p.id in ids]
            return rejects if rejects.photos else None

        return self._move(still_rejected, before.target, then)

    def _move(
        self,
        rejects_of: Callable[[], fileops.RejectsToMove | None],
        target: str,
        then: Callable[[fileops.Moved], None],
    ) -> Future:
        session = self.session
        catalog = session.catalog

        def move() -> fileops.Moved | None:
            rejects = rejects_of()
            return None if rejects is None else fileops.move_rejects(catalog, rejects, target)

        def moved(outcome: tuple[fileops.Moved | None, tuple]) -> fileops.Moved | None:
            moved, read = outcome
            session.show_read(read)
            if moved is None:
                self.bus.message.emit("None of those photos is rejected any more: nothing moved")
                return None
            for problem in moved.problems:
                self.bus.error.emit(problem.path, problem.error)
            text = f"Moved {moved_text(len(moved.photo_ids), moved.files)} to {target}"
            self.bus.message.emit(f"{text}; {moved.gone}" if moved.gone else text)
            then(moved)
            return moved

        return session.write(session.read_series_after(move), moved)

    @command("Put moved rejects back")
    def undo_move(self) -> None:
        """The newest move into the rejects folder, whoever made it (this window, an
        earlier session, the command line)."""
        if self.session.is_open():
            self.put_back(self.rejects_folder())

    def put_back(self, target: str, batch: str | None = None, unless_back: str = "") -> Future:
        """Put a batch moved into ``target`` back (the same code as ``fgaesq-cull --undo``),
        on the writer's thread; the future holds the ``PutBack`` (None: nothing to do).
        ``unless_back``: what to say instead when every file of ``batch`` is back already."""
        session = self.session
        if not session.is_open():
            return settled(None)
        catalog = session.catalog

        def undo() -> fileops.PutBack | None:
            if unless_back and not fileops.still_moved(catalog, batch):
                return None
            return fileops.undo_move(catalog, target, batch)

        def back(outcome: tuple[fileops.PutBack | None, tuple]) -> fileops.PutBack | None:
            back, read = outcome
            session.show_read(read)
            if back is None:
                self.bus.message.emit(unless_back)
                return None
            for problem in back.problems:
                self.bus.error.emit(problem.path, problem.error)
            text = f"Put back {plural(len(back.photo_ids), 'photo')} ({plural(back.files, 'file')})"
            if back.problems:
                text += f"; {len(back.problems)} could not be put back (see Details…)"
            self.bus.message.emit(text)
            return back

        return session.write(session.read_series_after(undo), back)

    # -- the end ---------------------------------------------------------------------------

    def unwritten_plan(self) -> SidecarPlan:
        """What the sidecars of the photos changed in this session lack (nothing when XMP
        is written on every decision): counted from the sidecars, not from key presses.

        Only for closing the folder: it waits for the writes asked for, then reads the
        sidecars in the calling thread."""
        session = self.session
        session.writer.finish()  # decisions still on their way count
        if not self.unwritten or not session.is_open():
            return SidecarPlan()
        _wanted, present = self._present(list(self.unwritten))
        return plan_sidecars(
            session.catalog,
            session.root,
            self.settings.xmp_scheme.value,
            self.settings.sidecar_style.value,
            present,
        )

    def busy(self) -> bool:
        return self.watcher.busy()

    def shutdown(self) -> None:
        self.watcher.shutdown()
