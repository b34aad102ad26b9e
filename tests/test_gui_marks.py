"""A photographer's marks in the window: undo that agrees with moved rejects, a photo renamed
while the window was closed, the question before a sidecar write changes marks, and counts
checked against the files and the catalog.  Real pipeline (technical scorer), real catalog,
real widgets offscreen.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from gui_fixtures import (  # noqa: F401
    folder,
    gui_env,
    new_window,
    outcome,
    press,
    questions,
    settle,
    window,
    written,
)
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app.catalog import Catalog, DecisionSource, Flag, MoveState
from app.gui.commands import View
from app.gui.views.write_review import WriteReviewDialog
from app.options import XmpScheme
from app.sidecars import XmpMarks, merge_marks, read_marks, sidecar_paths
from app.sidecars.xmp import read_suggestions

pytestmark = pytest.mark.gui

SHIFT = Qt.KeyboardModifier.ShiftModifier
CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier


def stored(catalog_path, photo_ids):
    with Catalog.open(catalog_path) as catalog:
        return catalog.decisions(photo_ids)


def rejects_folder_files(win) -> list[str]:
    rejects = Path(win.controller.library.root) / "_rejects"
    if not rejects.is_dir():
        return []
    return sorted(p.name for p in rejects.iterdir() if not p.name.startswith(".fgaesq-moves"))


def sidecars_on_disk(photos: Path) -> list[Path]:
    return sorted(photos.glob("*.xmp"))


def suggestions(sidecar: Path) -> frozenset[str]:
    """The suggestion keywords in a sidecar (the model's marks of the default scheme)."""
    return read_suggestions(sidecar.read_bytes(), sidecar)


# -- 13: undo and the moves agree --------------------------------------------------------


def test_undo_after_moving_rejects_puts_them_back_as_one_step(qtbot, window, gui_env):  # noqa: F811
    controller = window.controller
    window.settings.set("auto_advance", False)
    window.settings.set("accept_rejects_others", True)
    third = controller.series()[2]
    controller.select_series(third.series_id)
    press(qtbot, window, Qt.Key.Key_K)  # an earlier step: the third series is a bracket
    first = controller.series()[0]
    frames = [f.photo_id for f in first.frames]
    paths = [f.path for f in first.frames]
    controller.select_series(first.series_id)
    press(qtbot, window, Qt.Key.Key_A)  # the best frame picked, the three others rejected
    written(window)
    assert outcome(qtbot, controller.files.move_rejects(confirm=False)) == 3
    settle(qtbot, window)
    assert [os.path.exists(p) for p in paths] == [True, False, False, False]
    assert controller.series_item(first.series_id).frame_count == 1

    assert window.commands.action("undo").text() == "Undo “Move 3 rejected photos”"
    # Ctrl+Z: the move is the step undone, through the command line's undo of that batch;
    # the window shows the photos back at once
    press(qtbot, window, Qt.Key.Key_Z, CTRL)
    written(window)
    assert controller.series_item(first.series_id).frame_count == 4
    assert all(os.path.exists(p) for p in paths), "every moved file is back"
    assert rejects_folder_files(window) == []
    assert "Put back 3 photos (3 files)" in window.status.currentMessage()
    with Catalog.open(gui_env) as catalog:
        (batch,) = catalog.move_batches(Path(controller.library.root) / "_rejects")
        assert {r.state for r in catalog.moves(batch)} == {MoveState.UNDONE}
    assert controller.series_item(first.series_id).frame_count == 4
    assert controller.series_item(third.series_id).kind == "bracket", "the kind is untouched"
    assert [s.flag for s in stored(gui_env, frames).values()][1:] == [Flag.REJECT] * 3

    # the next Ctrl+Z undoes the Accept, on the photos that are back in their series
    press(qtbot, window, Qt.Key.Key_Z, CTRL)
    written(window)
    assert "Undid “Accept the model's pick”" in window.status.currentMessage()
    assert all(not s.is_user for s in stored(gui_env, frames).values())

    # redo: the Accept, then the same photos moved again
    press(qtbot, window, Qt.Key.Key_Z, CTRL | SHIFT)
    written(window)
    press(qtbot, window, Qt.Key.Key_Z, CTRL | SHIFT)
    settle(qtbot, window)
    assert [os.path.exists(p) for p in paths] == [True, False, False, False]
    assert len(rejects_folder_files(window)) == 3


def accepted_first_series(qtbot, main_window):
    """The first series accepted (A: its best frame picked, the others rejected), written."""
    controller = main_window.controller
    main_window.settings.set("auto_advance", False)
    main_window.settings.set("accept_rejects_others", True)
    first = controller.series()[0]
    controller.select_series(first.series_id)
    press(qtbot, main_window, Qt.Key.Key_A)
    written(main_window)
    return first


def test_a_reject_deleted_by_hand_is_named_and_the_others_move(qtbot, window, gui_env):  # noqa: F811
    """A reject deleted in a file manager was tried again by every move from the window,
    which failed with "file missing"; now it is left out and named, as the command does."""
    controller = window.controller
    first = accepted_first_series(qtbot, window)  # the best frame picked, three rejected
    paths = [f.path for f in first.frames]
    flags = stored(gui_env, [f.photo_id for f in first.frames])
    rejected = [f for f in first.frames if flags[f.photo_id].flag is Flag.REJECT]
    deleted = rejected[0]
    os.remove(deleted.path)
    qtbot.waitUntil(lambda: controller.frame(deleted.photo_id).missing, timeout=10_000)
    seen = list(window.messages.problems)  # the watcher says it is gone: that stays

    assert outcome(qtbot, controller.files.move_rejects(confirm=False)) == 2
    settle(qtbot, window)
    assert window.messages.problems == seen  # no "file missing" error
    message = window.status.currentMessage()
    assert message.startswith("Moved 2 rejected photos (2 files)"), message
    assert "1 rejected photos the catalog knows are no longer in the folder" in message
    assert Path(deleted.path).name in message
    assert rejects_folder_files(window) == sorted(Path(f.path).name for f in rejected[1:])

    press(qtbot, window, Qt.Key.Key_Z, CTRL)  # the undo journal holds the two that moved
    settle(qtbot, window)
    assert window.status.currentMessage() == "Put back 2 photos (2 files)"
    assert [os.path.exists(p) for p in paths] == [p != deleted.path for p in paths]
    assert rejects_folder_files(window) == []
    assert window.messages.problems == seen


def test_put_moved_rejects_back_from_the_menu_and_the_undo_stack_agree(qtbot, window, gui_env):  # noqa: F811
    controller = window.controller
    window.settings.set("auto_advance", False)
    controller.set_view(View.LOUPE)
    rejected = controller.current_frame()
    press(qtbot, window, Qt.Key.Key_X)
    assert outcome(qtbot, controller.files.move_rejects(confirm=False)) == 1
    window.commands.run("undo_move")  # the menu puts the newest batch back
    written(window)
    assert os.path.exists(rejected.path)
    assert window.status.currentMessage() == "Put back 1 photo (1 file)"
    press(qtbot, window, Qt.Key.Key_Z, CTRL)  # the move on the stack: nothing left to do
    written(window)
    assert "are back already" in window.status.currentMessage()
    assert os.path.exists(rejected.path) and rejects_folder_files(window) == []
    press(qtbot, window, Qt.Key.Key_Z, CTRL)
    written(window)
    assert "Undid “Reject”" in window.status.currentMessage()
    assert not stored(gui_env, [rejected.photo_id])[rejected.photo_id].is_user


def test_undo_says_what_it_cannot_undo_while_photos_are_moved_away(qtbot, window, gui_env):  # noqa: F811
    controller = window.controller
    first = accepted_first_series(qtbot, window)
    frames = [f.photo_id for f in first.frames]
    assert outcome(qtbot, controller.files.move_rejects(confirm=False)) == 3
    settle(qtbot, window)
    # someone deletes one moved photo in the rejects folder: it cannot come back
    rejects = Path(controller.library.root) / "_rejects"
    os.remove(rejects / Path(first.frames[3].path).name)
    press(qtbot, window, Qt.Key.Key_Z, CTRL)
    settle(qtbot, window)
    assert "Put back 2 photos (2 files); 1 could not be put back" in (
        window.status.currentMessage()
    )
    assert controller.series_item(first.series_id).frame_count == 3

    press(qtbot, window, Qt.Key.Key_Z, CTRL)  # the Accept touched the photo that is away
    written(window)
    message = window.status.currentMessage()
    assert message.startswith("Cannot undo “Accept the model's pick”: 1 photo of it is no longer")
    assert [s.flag for s in stored(gui_env, frames).values()] == [Flag.PICK] + [Flag.REJECT] * 3
    assert all(s.is_user for s in stored(gui_env, frames).values()), "nothing was undone"


# -- 14: a rename is a rename --------------------------------------------------------------


def test_a_photo_renamed_while_the_window_was_closed_keeps_its_marks(
    qtbot,
    gui_env,  # noqa: F811
    folder,  # noqa: F811
):
    win = new_window(qtbot, gui_env, ask_before_xmp_write=False, auto_advance=False)
    win.controller.open_folder(folder)
    settle(qtbot, win)
    controller = win.controller
    series = controller.series()[0]
    rejected, suggested = series.frames[1], series.frames[2]
    controller.set_view(View.LOUPE)
    controller.select_frame(rejected.photo_id)
    press(qtbot, win, Qt.Key.Key_X)
    outcome(qtbot, win.controller.files.write_sidecars())
    old_sidecar = sidecar_paths(rejected.path)[0]
    old_bytes = old_sidecar.read_bytes()
    assert read_marks(old_sidecar).rating == -1
    win.shutdown()

    # only the photo renamed; photo and sidecar renamed together (as Lightroom does)
    beach = folder / "beach.jpg"
    os.rename(rejected.path, beach)
    dune = folder / "dune.jpg"
    os.rename(suggested.path, dune)
    os.rename(sidecar_paths(suggested.path)[0], folder / "dune.xmp")

    # the window shows what the catalog knows first (the old names, gone from disk), then
    # the cull adopts the renamed files with their decisions
    again = new_window(qtbot, gui_env, run_pipeline=False, ask_before_xmp_write=False)
    again.controller.open_folder(folder)
    settle(qtbot, again)
    assert again.controller.frame(rejected.photo_id).missing
    again.controller.start_cull()
    settle(qtbot, again)
    frames = {Path(f.path).name: f for s in again.controller.series() for f in s.frames}
    assert "beach.jpg" in frames and "dune.jpg" in frames
    assert not frames["beach.jpg"].missing and not frames["dune.jpg"].missing
    assert not again.controller.missing
    assert "missing" not in again.summary.counts.text()
    assert frames["beach.jpg"].photo_id == rejected.photo_id
    assert frames["beach.jpg"].decision.flag is Flag.REJECT and frames["beach.jpg"].decision.is_user
    assert not frames["dune.jpg"].decision.is_user, "the app's own marks stay the model's"
    assert read_marks(folder / "beach.xmp").rating == -1, "the sidecar followed the photo"
    assert old_sidecar.read_bytes() == old_bytes, "the old sidecar is left as it was"

    # Ctrl+S writes the renamed photo's marks to its new sidecar; the old one stays
    again.controller.set_view(View.LOUPE)
    again.controller.select_frame(rejected.photo_id)
    press(qtbot, again, Qt.Key.Key_P)
    with qtbot.waitSignal(again.bus.message) as said:
        press(qtbot, again, Qt.Key.Key_S, CTRL)
        written(again)
    assert read_marks(folder / "beach.xmp").rating == 3
    assert old_sidecar.read_bytes() == old_bytes
    assert "missing" not in said.args[0]
    again.shutdown()


def test_a_renamed_photo_is_not_missing_once_the_cull_adopts_it(qtbot, gui_env, folder):  # noqa: F811
    first = new_window(qtbot, gui_env)
    first.controller.open_folder(folder)
    settle(qtbot, first)
    renamed = first.controller.series()[1].frames[2]
    first.shutdown()
    os.rename(renamed.path, folder / "renamed.jpg")

    win = new_window(qtbot, gui_env, run_pipeline=False, ask_before_xmp_write=False)
    win.controller.open_folder(folder)
    settle(qtbot, win)
    assert win.controller.frame(renamed.photo_id).missing, "gone under its old name"
    heard: list[str] = []
    win.bus.message.connect(heard.append)
    win.controller.start_cull()
    settle(qtbot, win)
    assert any(m.startswith("1 photo renamed on disk") and "→ renamed.jpg" in m for m in heard)
    frame = win.controller.frame(renamed.photo_id)
    assert Path(frame.path).name == "renamed.jpg"
    assert not frame.missing and not win.controller.missing
    assert "missing" not in win.summary.counts.text()
    with qtbot.waitSignal(win.bus.message) as said:
        press(qtbot, win, Qt.Key.Key_S, CTRL)
        written(win)
    assert "missing" not in said.args[0]
    assert suggestions(folder / "renamed.xmp") == {"FGAesQ other"}, "written under its new name"
    win.shutdown()


# -- 15: what a write will change, shown before it changes it -------------------------------


def review_dialog(win) -> WriteReviewDialog:
    written(win)  # the plan is made on the writer's thread, after the decisions
    dialogs = [d for d in win.findChildren(WriteReviewDialog) if d.isVisible()]
    assert len(dialogs) == 1, "the write waits for the photographer"
    return dialogs[0]


def test_the_window_shows_which_marks_a_write_changes_before_it_writes(qtbot, window, tmp_path):  # noqa: F811
    controller = window.controller
    root = Path(controller.library.root)
    window.settings.set("auto_advance", False)
    controller.set_view(View.LOUPE)
    best = controller.series()[0].frames[0]
    press(qtbot, window, Qt.Key.Key_X)  # yours: the model's pick rejected, so it passes on

    press(qtbot, window, Qt.Key.Key_S, CTRL)
    written(window)
    dialog = review_dialog(window)
    assert not sidecars_on_disk(root), "nothing is written before the answer"
    assert "changes the XMP marks of 12 photos: 1 with your decisions, 11 with the model's" in (
        dialog.heading.text()
    )
    assert dialog.photos.topLevelItemCount() == 12
    lines = dialog.counts.text().splitlines()
    # the default scheme: the model's suggestions are keywords, never ratings or labels
    assert "• 8 photos (the model’s suggestions): keyword FGAesQ other added" in lines
    assert "• 3 photos (the model’s suggestions): keyword FGAesQ pick added" in lines
    assert "• 1 photo (your decisions): no rating → Rating -1 (rejected)" in lines
    dialog.cancel_button.click()
    assert not sidecars_on_disk(root), "Cancel writes nothing"

    press(qtbot, window, Qt.Key.Key_S, CTRL)
    written(window)
    with qtbot.waitSignal(controller.bus.message) as said:
        review_dialog(window).write_button.click()
        written(window)
    assert len(sidecars_on_disk(root)) == 12
    assert read_marks(sidecar_paths(best.path)[0]).rating == -1
    on_disk = [(read_marks(p), suggestions(p)) for p in sidecars_on_disk(root)]  # as shown
    assert sum(s == {"FGAesQ other"} and m == XmpMarks() for m, s in on_disk) == 8
    assert sum(s == {"FGAesQ pick"} and m == XmpMarks() for m, s in on_disk) == 3
    assert sum(m.rating == -1 and not s for m, s in on_disk) == 1
    assert said.args[0] == (
        "Wrote 12 XMP sidecars of 12 photos: 1 with your decisions, 11 with the model's suggestions"
    )

    # stars on the model's pick make it the photographer's: its keyword goes, a pick comes
    second_best = controller.series()[1].frames[0]
    controller.select_frame(second_best.photo_id)
    press(qtbot, window, Qt.Key.Key_5)
    press(qtbot, window, Qt.Key.Key_S, CTRL)
    written(window)
    dialog = review_dialog(window)
    row = dialog.photos.topLevelItem(0)
    assert dialog.photos.topLevelItemCount() == 1
    assert row.text(0) == Path(second_best.path).name
    assert (row.text(2), row.text(3)) == (
        "yours",
        "no rating → Rating 5, no label → Label Green, keyword FGAesQ pick removed",
    )
    assert "replaces or removes a mark" not in dialog.heading.text()
    dialog.write_button.click()
    written(window)
    assert read_marks(sidecar_paths(second_best.path)[0]).rating == 5
    assert not suggestions(sidecar_paths(second_best.path)[0])

    # a change of a mark that is there: listed photo by photo, and "do not ask again"
    press(qtbot, window, Qt.Key.Key_4)
    press(qtbot, window, Qt.Key.Key_S, CTRL)
    written(window)
    dialog = review_dialog(window)
    assert dialog.photos.topLevelItemCount() == 1
    row = dialog.photos.topLevelItem(0)
    assert (row.text(2), row.text(3)) == ("yours", "Rating 5 → Rating 4")
    assert "On 1 photo it replaces or removes a mark that is there now" in dialog.heading.text()
    dialog.resize(760, 420)
    dialog.grab().save(str(tmp_path / "write_review.png"))
    dialog.dont_ask.setChecked(True)
    dialog.write_button.click()
    written(window)
    assert read_marks(sidecar_paths(second_best.path)[0]).rating == 4
    assert not window.settings.ask_before_xmp_write.value
    press(qtbot, window, Qt.Key.Key_3)
    press(qtbot, window, Qt.Key.Key_S, CTRL)
    written(window)
    assert not [d for d in window.findChildren(WriteReviewDialog) if d.isVisible()]
    assert read_marks(sidecar_paths(second_best.path)[0]).rating == 3


def test_a_write_with_another_scheme_says_it_replaces_automatic_marks(qtbot, window):  # noqa: F811
    controller = window.controller
    root = Path(controller.library.root)
    window.settings.set("ask_before_xmp_write", False)
    outcome(qtbot, controller.files.write_sidecars(quiet=True))  # the default: keywords
    window.settings.set("ask_before_xmp_write", True)
    outcome(qtbot, controller.files.review_and_write(scheme=XmpScheme.MARK_BEST))
    dialog = review_dialog(window)
    lines = dialog.counts.text().splitlines()
    assert (
        "• 9 photos (the model’s suggestions): no label → Label Yellow, keyword FGAesQ other removed"
    ) in lines
    assert "12 sidecars carry automatic marks of an earlier write" in dialog.heading.text()
    with qtbot.waitSignal(controller.bus.message) as said:
        dialog.write_button.click()
        written(window)
    assert said.args[0] == (
        "Wrote 12 XMP sidecars of 12 photos: 0 with your decisions, 12 with the model's "
        "suggestions; 12 sidecars had automatic marks of an earlier write replaced"
    )
    on_disk = [(read_marks(p), suggestions(p)) for p in sidecars_on_disk(root)]
    assert sum(m == XmpMarks(label="Yellow") and not s for m, s in on_disk) == 9

    # your decisions only: this app's marks leave, and sidecars it created with nothing
    # left in them are removed
    with qtbot.waitSignal(controller.bus.message) as said:
        outcome(qtbot, controller.files.review_and_write(scheme=XmpScheme.DECISIONS))
        dialog = review_dialog(window)
        assert dialog.photos.topLevelItem(0).text(3).startswith("sidecar removed")
        dialog.write_button.click()
        written(window)
    assert said.args[0] == (
        "Wrote no XMP sidecar; removed 12 sidecars FGAesQ Cull had created, with nothing left "
        "to say"
    )
    assert sidecars_on_disk(root) == []


def test_the_review_names_marks_other_applications_wrote_and_unreadable_sidecars(qtbot, window):  # noqa: F811
    controller = window.controller
    window.settings.set("auto_advance", False)
    window.settings.set("ask_before_xmp_write", False)
    outcome(qtbot, controller.files.write_sidecars(quiet=True))
    series = controller.series()[0]
    conflicted, elsewhere, broken = (sidecar_paths(f.path)[0] for f in series.frames[:3])
    # another application: 5 stars on a frame nobody decided on here ...
    elsewhere.write_bytes(merge_marks(elsewhere.read_bytes(), XmpMarks(rating=5), source=elsewhere))
    # ... and 5 stars and Purple on the model's pick, which the photographer then rejects
    # here without seeing them
    conflicted.write_bytes(
        merge_marks(conflicted.read_bytes(), XmpMarks(5, "Purple"), source=conflicted)
    )
    earlier = conflicted.stat().st_mtime_ns - 5_000_000_000
    os.utime(conflicted, ns=(earlier, earlier))
    broken.write_bytes(broken.read_bytes()[:40])  # cut short: a person may have marked it
    window.settings.set("ask_before_xmp_write", True)
    controller.set_view(View.LOUPE)
    controller.select_frame(series.frames[0].photo_id)
    press(qtbot, window, Qt.Key.Key_X)
    controller.select_frame(series.frames[3].photo_id)
    press(qtbot, window, Qt.Key.Key_X)
    press(qtbot, window, Qt.Key.Key_S, CTRL)
    written(window)
    dialog = review_dialog(window)
    rows = {
        dialog.photos.topLevelItem(i).text(0): dialog.photos.topLevelItem(i).text(3)
        for i in range(dialog.photos.topLevelItemCount())
    }
    names = [Path(f.path).name for f in series.frames]
    assert rows == {
        names[0]: "keyword FGAesQ pick removed",  # the file's 5 stars and Purple stay
        names[1]: "keyword FGAesQ other removed",  # a decision carries no suggestion
        names[3]: "no rating → Rating -1 (rejected), keyword FGAesQ other removed",
    }
    notes = dialog.notes.text()
    assert "2 photos keep the marks another application wrote" in notes
    assert f"Conflict, {conflicted.name}: changed in another application (5 stars" in notes
    held = Path(series.frames[2].path).name  # its sidecar cannot be read: the photo is held
    assert "1 photo may carry a person's marks that cannot be read or that disagree" in notes
    assert f"nothing is written for it: {held} (cannot read sidecar: not a well-formed" in notes
    with qtbot.waitSignal(controller.bus.message) as said:
        dialog.write_button.click()
        written(window)
    assert said.args[0].endswith(
        "; 2 photos kept marks another application wrote; 1 photo held: marks that cannot be "
        "read or that disagree, nothing written (see Details…); 1 conflict: another "
        "application's marks kept (see Details…)"
    )
    assert read_marks(elsewhere) == XmpMarks(rating=5)
    assert read_marks(conflicted) == XmpMarks(5, "Purple"), "the newer marks won"
    assert controller.frame(series.frames[0].photo_id).decision.rating == 5, "shown at once"
    assert len(broken.read_bytes()) == 40
    assert read_marks(sidecar_paths(series.frames[3].path)[0]).rating == -1


# -- 16: counts that add up ----------------------------------------------------------------


def test_the_write_message_counts_the_photos_whose_sidecars_changed(qtbot, window):  # noqa: F811
    controller = window.controller
    root = Path(controller.library.root)
    window.settings.set("ask_before_xmp_write", False)
    outcome(qtbot, controller.files.write_sidecars())
    before = {p: p.stat().st_mtime_ns for p in sidecars_on_disk(root)}
    window.settings.set("auto_advance", False)
    controller.set_view(View.LOUPE)
    press(qtbot, window, Qt.Key.Key_X)  # the model's pick: the suggestion passes to the next
    with qtbot.waitSignal(controller.bus.message) as said:
        press(qtbot, window, Qt.Key.Key_S, CTRL)
        written(window)
    changed = [p for p in sidecars_on_disk(root) if p.stat().st_mtime_ns != before.get(p)]
    assert len(changed) == 2
    assert (
        said.args[0]
        == "Wrote 2 XMP sidecars of 2 photos: 1 with your decisions, 1 with the model's suggestions"
    )


def test_the_close_prompt_counts_photos_you_decided_on(qtbot, gui_env, folder, questions):  # noqa: F811
    win = new_window(qtbot, gui_env, auto_advance=False)
    win.controller.open_folder(folder)
    settle(qtbot, win)
    controller = win.controller
    controller.select_series(controller.series()[1].series_id)
    press(qtbot, win, Qt.Key.Key_K)  # a bracket: the model's marks of 4 frames change
    controller.set_view(View.LOUPE)
    controller.select_series(controller.series()[0].series_id)
    press(qtbot, win, Qt.Key.Key_X)  # the one photo decided on
    questions.answer = QMessageBox.StandardButton.Cancel
    assert not win.close()
    assert (
        "1 photo you decided on in this session is not in XMP sidecars yet" in (questions.asked[-1])
    )
    questions.answer = QMessageBox.StandardButton.Save
    assert win.close()
    assert len(sidecars_on_disk(folder)) == 1, "one sidecar: the one decision"


def test_the_move_question_and_message_count_photos_and_files(qtbot, window, questions):  # noqa: F811
    controller = window.controller
    window.settings.set("auto_advance", False)
    controller.set_view(View.LOUPE)
    press(qtbot, window, Qt.Key.Key_X)
    outcome(
        qtbot, controller.files.write_sidecars(quiet=True)
    )  # the rejected photo has a sidecar now
    questions.answer = QMessageBox.StandardButton.Yes
    with qtbot.waitSignal(controller.bus.message) as said:
        press(qtbot, window, Qt.Key.Key_M, CTRL | SHIFT)
        written(window)
    assert "Move 1 rejected photo (2 files) into" in questions.asked[-1]
    assert said.args[0].startswith("Moved 1 rejected photo (2 files) to")
    assert len(rejects_folder_files(window)) == 2


def test_undoing_a_kind_change_gives_the_kind_back_to_the_cull(qtbot, window, gui_env):  # noqa: F811
    controller = window.controller
    series = controller.current_series()
    reason = series.kind_reason
    assert series.kind_source == "auto"
    press(qtbot, window, Qt.Key.Key_K)
    assert window.details.values["Kind"].text().startswith("bracket, set by you")
    press(qtbot, window, Qt.Key.Key_Z, CTRL)
    written(window)
    assert (series.kind, series.kind_source, series.kind_reason) == ("burst", "auto", reason)
    assert "set by you" not in window.details.values["Kind"].text()
    with Catalog.open(gui_env) as catalog:
        (view,) = [s for s in catalog.series(controller.library.root) if s.id == series.series_id]
    assert (view.kind, view.kind_source) == ("burst", "auto")
    controller.start_cull()  # and a later cull no longer holds the kind as the photographer's
    settle(qtbot, window)
    assert controller.series()[0].kind_source == "auto"
    assert (
        DecisionSource.AUTO
        is stored(gui_env, [series.frames[0].photo_id])[series.frames[0].photo_id].source
    )
