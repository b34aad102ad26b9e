"""Why this frame in the window: W outlines the regions on the pick and the runner-up in
loupe and compare, following the zoom; the details panel says how the pick won.

Real pipeline (technical scorer), real catalog, real widgets offscreen.
"""

from __future__ import annotations

import pytest
from gui_fixtures import gui_env, new_window, press, settle  # noqa: F401
from PySide6.QtCore import Qt
from test_gui_faces import colour_count
from test_why_report import _burst

from app.gui.commands import View
from app.gui.views.why_overlay import ELSEWHERE, OUTLINE, elsewhere_rect, why_rects

pytestmark = pytest.mark.gui


@pytest.fixture
def why_window(qtbot, gui_env, tmp_path):  # noqa: F811
    folder = tmp_path / "photos"
    _burst(folder)
    window = new_window(qtbot, gui_env)
    assert window.controller.open_folder(folder)
    settle(qtbot, window)
    yield window
    window.shutdown()


def _outline_pixels(pane) -> int:
    image = pane.grab().toImage()
    native = pane.native_size()
    top = why_rects(pane.series, pane.image_rect(), (native.width(), native.height()))[0]
    box = top.toAlignedRect().adjusted(-3, -3, 3, 3)
    return colour_count(image, OUTLINE, box.left(), box.top(), box.right(), box.bottom())


def test_w_outlines_the_regions_on_both_frames_and_the_details_say_how(qtbot, why_window):
    controller = why_window.controller
    (series,) = controller.series()
    assert series.why is not None and series.why["regions"]
    pick, runner_up = series.why_frames
    assert pick == series.frames[0].photo_id
    controller.select_frame(pick)
    controller.set_view(View.LOUPE)
    pane = why_window.stack.loupe.pane
    qtbot.waitUntil(lambda: pane.frame is not None and pane._pixmap() is not None)
    assert _outline_pixels(pane) == 0  # off until asked for
    press(qtbot, why_window, Qt.Key.Key_W)
    assert pane.show_why
    assert _outline_pixels(pane) > 20
    sentence = series.why["sentence"]
    assert why_window.details.values["Why"].text().startswith(sentence)

    # Zoomed to 100 %, the outline moves with the photo.
    before = why_rects(pane.series, pane.image_rect(), (1024, 768))[0]
    pane.toggle_zoom()
    after = why_rects(pane.series, pane.image_rect(), (1024, 768))[0]
    assert after.width() > before.width()
    assert _outline_pixels(pane) > 20

    # Compare: the pick and the runner-up, outlined on each.
    controller.set_compare_choice([pick, runner_up])
    controller.set_view(View.COMPARE)
    panes = why_window.stack.compare.panes
    assert {p.frame.photo_id for p in panes} == {pick, runner_up}
    for compared in panes:
        qtbot.waitUntil(lambda p=compared: p._pixmap() is not None)
        assert _outline_pixels(compared) > 20
    controller.select_frame(runner_up)
    assert sentence in why_window.details.values["Why"].text()
    press(qtbot, why_window, Qt.Key.Key_W)
    assert all(_outline_pixels(p) == 0 for p in panes)


def test_w_on_a_series_fgaesq_ranked_explains_its_pick_on_demand(qtbot, gui_env, tmp_path):  # noqa: F811
    """The cull did not explain the model's pick (no --why): W asks the model in the
    background, the outline and the sentence appear, and the catalog keeps them."""
    from test_why_model import _burst as model_burst
    from test_why_model import tiny_checkpoint

    weights = tiny_checkpoint(tmp_path)
    folder = tmp_path / "photos"
    model_burst(folder)
    window = new_window(qtbot, gui_env, scorer="fgaesq", weights=str(weights), device="cpu")
    try:
        controller = window.controller
        assert controller.open_folder(folder)
        settle(qtbot, window, timeout=240_000)
        (series,) = controller.series()
        assert series.why is None and series.frames[0].model.startswith("FGAesQ")
        pick = series.frames[0].photo_id
        controller.select_frame(pick)
        controller.set_view(View.LOUPE)
        press(qtbot, window, Qt.Key.Key_W)
        qtbot.waitUntil(lambda: controller.current_series().why is not None, timeout=120_000)
        series = controller.current_series()
        assert series.why["regions"] and series.why_frames[0] == pick
        assert window.details.values["Why"].text().startswith(series.why["sentence"])
        pane = window.stack.loupe.pane
        qtbot.waitUntil(lambda: pane._pixmap() is not None)
        assert _outline_pixels(pane) > 20
        assert controller.catalog.whys([pick]) == {pick: series.why}
    finally:
        window.shutdown()


def _colour_pixels(pane, colour, rect) -> int:
    image = pane.grab().toImage()
    box = rect.toAlignedRect().adjusted(-3, -3, 3, 3)
    return colour_count(image, colour, box.left(), box.top(), box.right(), box.bottom())


def test_w_outlines_where_the_runner_up_is_sharper_when_the_focus_moved(qtbot, why_window):
    """The place where the runner-up is the sharper frame (``elsewhere``) is outlined in its
    own colour, so both places a focus trade weighs can be checked."""
    controller = why_window.controller
    (series,) = controller.series()
    pick, _ = series.why_frames
    native = (1024, 768)
    series.why["elsewhere"] = [600.0, 500.0, 300.0, 200.0]
    controller.select_frame(pick)
    controller.set_view(View.LOUPE)
    pane = why_window.stack.loupe.pane
    qtbot.waitUntil(lambda: pane.frame is not None and pane._pixmap() is not None)
    press(qtbot, why_window, Qt.Key.Key_W)
    rect = elsewhere_rect(pane.series, pane.image_rect(), native)
    assert rect is not None
    assert _colour_pixels(pane, ELSEWHERE, rect) > 20
    series.why["elsewhere"] = None
    assert elsewhere_rect(pane.series, pane.image_rect(), native) is None
    pane.update()
    assert _colour_pixels(pane, ELSEWHERE, rect) == 0


def _reloaded(qtbot, window):
    with qtbot.waitSignal(window.controller.bus.series_reloaded, timeout=30_000):
        window.controller.reload()
    settle(qtbot, window)
    (series,) = window.controller.series()
    return series


def test_an_explanation_damaged_in_the_catalog_draws_what_is_sound_and_breaks_nothing(
    qtbot, why_window
):
    """The catalog is input: regions and an ``elsewhere`` that are not boxes are dropped when
    the explanation is read back; an explanation that is not one at all is no explanation;
    the window paints with W on either way."""
    controller = why_window.controller
    (series,) = controller.series()
    pick, _ = series.why_frames
    stored = controller.catalog.whys([pick])[pick]
    sound = stored["regions"][0]
    score = controller.catalog.scores([pick], None, None)[pick]
    model, weights = score.model, score.weights_id
    damaged = {
        **stored,
        "regions": [
            {"box": ["a", 1, 2, 3], "score_difference": 0.1, "flaw": "blur"},
            "not a region",
            {"box": [1, 2, -3, 4], "score_difference": 0.1, "flaw": "blur"},
            {"box": [1, 2, 3, 4], "score_difference": "NaN", "flaw": "blur"},
            {"box": [1, 2, 3, 4], "score_difference": float("inf"), "flaw": None},
            sound,
        ],
        "elsewhere": ["not", "a", "box", 1],
    }
    controller.catalog.set_whys(model, weights, {pick: damaged})
    series = _reloaded(qtbot, why_window)
    assert series.why["regions"] == [sound] and series.why["elsewhere"] is None
    controller.select_frame(pick)
    controller.set_view(View.LOUPE)
    pane = why_window.stack.loupe.pane
    qtbot.waitUntil(lambda: pane.frame is not None and pane._pixmap() is not None)
    press(qtbot, why_window, Qt.Key.Key_W)
    assert _outline_pixels(pane) > 20  # the sound region is still drawn

    for broken in (["a", "list"], {"pick": 3, "runner_up": "b.jpg", "sentence": "s"}, "text"):
        controller.catalog.set_whys(model, weights, {pick: broken})
        series = _reloaded(qtbot, why_window)
        assert series.why is None
        pane.grab()  # paints with W on
        assert why_window.details.values["Why"].text() == "–"
