"""Stars the photographer gives in the window to a frame the cull rejected are a keep: the
automatic reject is taken back, as stars in another application's sidecar take it back."""

from __future__ import annotations

from pathlib import Path

from gui_fixtures import gui_env, new_window, outcome, press, settle, written  # noqa: F401
from PySide6.QtCore import Qt
from test_exact_copies import rocket_cards
from test_unsure_rejects import catalog_decisions

from app.catalog import DecisionSource, DecisionState, Flag
from app.gui.decisions import expected_state
from app.sidecars import read_marks


def test_five_stars_on_a_rejected_frame_are_never_written_or_moved_as_a_reject(
    qtbot,
    gui_env,  # noqa: F811
    tmp_path: Path,
):
    """They made it the photographer's own reject: its sidecar said Rating -1 and a move
    of the rejects took it away."""
    shoot = rocket_cards(tmp_path / "shoot", cards=(".",))
    window = new_window(qtbot, gui_env, xmp_scheme="reject_others", auto_advance=False)
    assert window.controller.open_folder(shoot)
    settle(qtbot, window)
    (series,) = window.controller.series()
    ids = [f.photo_id for f in sorted(series.frames, key=lambda f: f.rank)]
    assert catalog_decisions(gui_env, window, ids)[2].flag is Flag.REJECT
    window.controller.set_view("loupe")
    window.controller.select_frame(ids[2])
    press(qtbot, window, Qt.Key.Key_5)
    state = catalog_decisions(gui_env, window, ids)[2]
    assert (state.flag, state.rating, state.source) == (Flag.NONE, 5, DecisionSource.USER)
    frame = window.controller.current_frame()
    assert outcome(qtbot, window.controller.files.write_sidecars()) > 0
    assert read_marks(Path(frame.path).with_suffix(".xmp")).rating == 5
    press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undo
    assert catalog_decisions(gui_env, window, ids)[2].flag is Flag.REJECT
    window.shutdown()


def test_the_window_shows_the_reject_taken_back_before_the_catalog_answers():
    """Until the catalog answered, the frame showed the photographer's own reject over the
    stars just given (what a sidecar would then have said)."""
    by_the_cull = DecisionState(Flag.REJECT, 0, None, DecisionSource.AUTO)
    shown = expected_state(by_the_cull, {"rating": 5})
    assert (shown.flag, shown.rating, shown.source) == (Flag.NONE, 5, DecisionSource.USER)
    by_a_person = DecisionState(Flag.REJECT, 0, None, DecisionSource.USER)
    assert expected_state(by_a_person, {"rating": 5}).flag is Flag.REJECT
