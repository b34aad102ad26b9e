"""The folder session without a widget: a real catalog, its writer thread, undo, look-ups.

``FolderSession`` and the file part (``FolderFiles``) are driven here with no window and no
controller, only a command registry and a signal bus (plain ``QObject``s).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from gui_fixtures import make_bursts, outcome

from app.catalog import Flag
from app.gui import fileops
from app.gui.bus import SignalBus
from app.gui.commands import CommandRegistry
from app.gui.decisions import DecisionCommand
from app.gui.folder_files import FolderFiles
from app.gui.parts import Questions
from app.gui.session import FolderSession
from app.gui.settings import Settings
from app.options import SidecarStyle, XmpScheme
from app.pipeline import CullOptions, run_cull
from app.sidecars import read_marks, sidecar_paths


@pytest.fixture
def culled(tmp_path, monkeypatch):
    """Two bursts of three frames, culled into a catalog of their own."""
    monkeypatch.setenv("FGAESQ_CULL_CONFIG_DIR", str(tmp_path / "config"))
    folder = tmp_path / "shoot"
    make_bursts(folder, bursts=2, frames=3)
    db = tmp_path / "catalog.sqlite3"
    run_cull(folder, CullOptions(scorer="technical", catalog_path=db, faces=False, workers=1))
    return folder, db


@pytest.fixture
def session(qtbot, culled):
    folder, db = culled
    session = FolderSession(db)
    library = session.open_folder(folder)
    session.set_series(library.load())
    yield session
    session.close()


def decide(session: FolderSession, photo_id: int, text: str, **marks) -> None:
    shown = {photo_id: session.frame(photo_id).decision}
    step = DecisionCommand(
        session.library,
        session.writer,
        [(photo_id, marks)],
        shown,
        text,
        session.show_decision,
    )
    session.push(step)


def test_look_ups_of_the_open_folder(session):
    series = session.series()
    assert [s.frame_count for s in series] == [3, 3]
    first = series[0].frames[0]
    assert session.series_of(first.photo_id) == series[0].series_id
    assert session.frame(first.photo_id) == first
    assert session.series_item(series[1].series_id) is series[1]
    assert session.photo_ids() == [f.photo_id for s in series for f in s.frames]
    assert session.counts().photos == 6 and session.counts().series == 2
    assert session.frame(10_000) is None and session.series_of(10_000) is None


def test_a_decision_is_shown_at_once_written_on_the_writer_thread_and_undone(qtbot, session):
    top = session.series()[0].frames[0]
    with qtbot.waitSignal(session.decision_written) as announced:
        decide(session, top.photo_id, "Reject", flag=Flag.REJECT)
        assert session.frame(top.photo_id).decision.flag is Flag.REJECT, "shown at once"
        assert session.counts().rejects == 1
    assert announced.args == [top.photo_id]
    stored = session.catalog.decision(top.photo_id)
    assert stored.flag is Flag.REJECT and stored.is_user
    assert session.frame(top.photo_id).decision == stored, "the catalog's own state shown"

    with qtbot.waitSignal(session.decision_written):
        session.undo_stack.undo()
    assert not session.catalog.decision(top.photo_id).is_user
    assert session.counts().rejects == 0


def test_a_file_write_queued_after_decisions_sees_every_one_of_them(qtbot, session, culled):
    """No waiting on the GUI thread: the writer's order alone makes the sidecar right."""
    folder, _db = culled
    frames = session.series()[0].frames
    decide(session, frames[1].photo_id, "Rate 5 stars", rating=5)
    decide(session, frames[2].photo_id, "Reject", flag=Flag.REJECT)
    catalog, ids = session.catalog, [f.photo_id for f in frames]
    future = session.write(
        lambda: fileops.write_sidecars(
            catalog, str(folder), XmpScheme.SUGGEST, SidecarStyle.REPLACE, ids
        ),
        lambda written: written.files,
    )
    assert session.busy()
    assert outcome(qtbot, future) == 3
    assert read_marks(sidecar_paths(frames[1].path)[0]).rating == 5
    assert read_marks(sidecar_paths(frames[2].path)[0]).rating == -1


def test_a_failed_write_is_reported_and_the_next_ones_still_run(qtbot, session):
    def fail() -> None:
        raise OSError("disk full")

    with qtbot.waitSignal(session.writer.failed) as failed:
        broken = session.write(fail, lambda _result: None)
    assert failed.args == ["disk full"] and isinstance(broken.exception(), Exception)
    assert outcome(qtbot, session.write(lambda: 2, lambda n: n * 3)) == 6


def test_photos_gone_from_disk_stay_marked_through_a_new_read(qtbot, session):
    gone = session.series()[1].frames[2]
    with qtbot.waitSignal(session.frame_changed) as changed:
        session.mark_missing({gone.photo_id: True})
    assert changed.args[0].missing and session.counts().missing == 1
    session.set_series(session.library.load())  # the catalog does not know it is gone
    assert session.frame(gone.photo_id).missing and session.counts().missing == 1
    session.mark_missing({gone.photo_id: False})
    assert session.counts().missing == 0


def test_rejects_move_and_come_back_on_the_writer_thread_without_a_window(qtbot, session):
    """The file part needs the session, its questions, commands and a bus: no controller."""
    settings = Settings()
    bus = SignalBus()
    commands = CommandRegistry()
    files = FolderFiles(session, Questions(confirm=lambda _t, _q: True), commands, settings, bus)
    commands.get("undo_move")  # its commands are registered
    rejected = session.series()[0].frames[2]
    decide(session, rejected.photo_id, "Reject", flag=Flag.REJECT)
    with qtbot.waitSignal(session.series_read) as read:
        moved = files.move_rejects()
        assert os.path.exists(rejected.path), "nothing moved in the GUI thread"
    assert outcome(qtbot, moved) == 1
    assert not os.path.exists(rejected.path)
    assert Path(files.rejects_folder(), Path(rejected.path).name).exists()
    series, _counts = read.args
    assert [s.frame_count for s in series] == [2, 3], "the series as the move left them"
    assert session.undo_stack.undoText() == "Move 1 rejected photo"

    with qtbot.waitSignal(session.series_read):
        session.undo_stack.undo()  # the move, put back by the command line's undo
    qtbot.waitUntil(lambda: not session.busy())
    assert os.path.exists(rejected.path)
    with qtbot.waitSignal(bus.message) as said:
        session.undo_stack.redo()
    assert said.args[0].startswith("Moved 1 rejected photo")
    assert not os.path.exists(rejected.path)
    files.shutdown()
