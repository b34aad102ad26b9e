"""Faces and series kinds in the window: closed-eye badges, the face close-up strip at 100 %,
face boxes in the loupe, why the pick is the pick, and the photographer's series kinds.

Real pipeline (technical scorer), real catalog, real widgets offscreen; faces are either
found by the cull in the sample portraits or written to the catalog as the cull writes them.
"""

from __future__ import annotations

import shutil
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from gui_fixtures import (  # noqa: F401
    folder,
    gui_env,
    make_bursts,
    new_window,
    press,
    settle,
    window,
    written,
)
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage

from app.catalog import Catalog, FaceRecord, Flag
from app.faces import PICK_REASONS
from app.faces.detect import FaceDetector
from app.gui import theme
from app.gui.commands import View
from app.gui.face_crops import FaceCrops, cut_windows, face_window, placed, tile_size
from app.gui.face_strip import FaceStripModel
from app.gui.facts import frame_facts
from app.gui.items import FrameItem, SeriesItem
from app.gui.models import Role
from app.gui.thumbnails import ThumbnailManager
from app.photos.decode import SOURCE_SIZE

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import synthetic_faces  # noqa: E402

pytestmark = pytest.mark.gui
SHIFT = Qt.KeyboardModifier.ShiftModifier
CTRL = Qt.KeyboardModifier.ControlModifier
SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "samples" / "bursts"


def face(x: float, y: float, size: float, eyes: str = "open") -> FaceRecord:
    return FaceRecord(box=(x, y, size, size), eyes=eyes, confidence=0.9, sharpness=1.0)


def colour_count(image: QImage, colour: QColor, x0: int, y0: int, x1: int, y1: int) -> int:
    """Pixels of ``image`` in the box that are (almost) ``colour``."""
    count = 0
    for y in range(max(0, y0), min(image.height(), y1)):
        for x in range(max(0, x0), min(image.width(), x1)):
            pixel = image.pixelColor(x, y)
            if (
                abs(pixel.red() - colour.red())
                + abs(pixel.green() - colour.green())
                + abs(pixel.blue() - colour.blue())
                < 40
            ):
                count += 1
    return count


def cell_box(view, index) -> tuple[int, int, int, int]:
    """Where a list or table cell lies in ``view.grab()``."""
    rect = view.visualRect(index)
    top_left = view.viewport().mapTo(view, rect.topLeft())
    return top_left.x(), top_left.y(), top_left.x() + rect.width(), top_left.y() + rect.height()


def give_faces(qtbot, window, catalog_path, faces: dict[int, tuple[FaceRecord, ...]]) -> None:  # noqa: F811
    """Store faces as the cull does, and let the window read them."""
    with Catalog.open(catalog_path) as catalog:
        catalog.set_faces(faces, version=1)
    with qtbot.waitSignal(window.controller.bus.series_reloaded, timeout=10_000):
        window.controller.reload()


# -- the geometry of a face at 100 % --------------------------------------------------------


def test_a_face_tile_shows_the_original_one_to_one_around_the_face_or_its_eyes():
    assert tile_size([(0, 0, 60, 60)]) == (150, 110), "small faces get the smallest tile"
    assert tile_size([(0, 0, 150, 150), (0, 0, 160, 150)]) == (208, 195)
    assert tile_size([(0, 0, 2000, 2400)]) == (420, 240), "a close-up is bounded"
    # a small face: whole, at 100 %, as near its eye line (33 % down) as keeps it whole
    assert face_window((100, 100, 50, 50), (150, 110)) == (125, 116, 150, 110, 150, 110)
    assert face_window((100, 100, 100, 100), (150, 110)) == (150, 145, 150, 110, 150, 110)
    # a face taller than the tile: the window sits on the eyes, 33 % down the box, at 100 %
    assert face_window((0, 0, 400, 400), (420, 240)) == (200, 132, 420, 240, 420, 240)
    # a face whose eyes do not fit in the tile at 100 %: reduced, both eyes in view
    assert face_window((0, 0, 1000, 1000), (420, 240)) == (500, 330, 850, 486, 420, 240)
    assert placed((10, 10, 150, 110), (800, 600)) == (0, 0, 150, 110), "kept inside the photo"
    assert placed((790, 590, 150, 110), (800, 600)) == (650, 490, 800, 600)
    assert placed((50, 50, 150, 110), (100, 80)) == (0, 0, 100, 80), "a photo smaller than a tile"
    # a decode at half the original's size (a RAW's embedded preview): the piece comes out
    # at the original's pixel size, from the right place
    preview = Image.new("RGB", (400, 300), (0, 0, 0))
    preview.paste((255, 0, 0), (195, 145, 205, 155))  # original (390-410, 290-310)
    preview.info[SOURCE_SIZE] = (800, 600)
    (piece,) = cut_windows(preview, [(400, 300, 200, 100, 200, 100)])
    assert piece.size == (200, 100)
    assert piece.getpixel((100, 50))[0] > 200 and piece.getpixel((10, 10)) == (0, 0, 0)
    # a reduced window comes out at the size it is drawn at
    (piece,) = cut_windows(preview, [(400, 300, 400, 200, 200, 100)])
    assert piece.size == (200, 100) and piece.getpixel((100, 50))[0] > 100


@pytest.mark.parametrize("side", [256, 512, 1024, 2048, 3000, 4096])
def test_the_face_close_up_centres_the_eyes_at_every_image_size(side):
    """The astronaut's portrait at 256 px to 4096 px (a close-up in a 16 MP frame): the face
    is found as the cull finds it (on a preview of at most 1024 px, its box scaled to the
    original), and in the tile of the close-up strip both eyes lie whole, in the middle
    third of its height and each in its own half."""
    portrait = synthetic_faces.ASTRONAUT
    original = portrait.load().resize((side, side), Image.Resampling.LANCZOS)
    preview = original.resize((min(side, 1024),) * 2, Image.Resampling.LANCZOS)
    (detection,) = FaceDetector().detect(preview)
    scale = side / preview.width
    box = tuple(v * scale for v in detection.box)
    tile = tile_size([box])
    shown = face_window(box, tile)
    left, top, right, bottom = placed(shown, original.size)
    zoom = shown[4] / shown[2]
    for k, eye in enumerate(portrait.eyes):
        points = np.asarray(eye) * side / 512
        xs = (points[:, 0] - left) * zoom
        ys = (points[:, 1] - top) * zoom
        assert xs.min() >= 0 and xs.max() <= tile[0], f"eye {k} cut by the tile's side"
        half = (0, tile[0] / 2) if k == 0 else (tile[0] / 2, tile[0])
        assert half[0] <= xs.mean() <= half[1]
        assert tile[1] / 3 <= ys.mean() <= 2 * tile[1] / 3, f"eye {k} off the middle band"
    assert (right - left) * zoom <= tile[0] + 1 and (bottom - top) * zoom <= tile[1] + 1


# -- the face strip's model ---------------------------------------------------------------------


@pytest.fixture
def thumbs(qtbot, gui_env, tmp_path):  # noqa: F811
    decoded_on: list[int] = []

    def decoder(path: str, max_size: int | None) -> Image.Image:
        decoded_on.append(threading.get_ident())
        from app.photos import decode_image

        return decode_image(path, max_side=max_size)

    manager = ThumbnailManager(decoder, tmp_path / "thumbs", threads=2)
    manager.decoded_on = decoded_on
    yield manager
    manager.shutdown()


def test_the_face_strip_follows_each_person_across_the_burst_and_passes_qtmodeltester(
    qtbot, qtmodeltester, thumbs, tmp_path
):
    paths = [str(p) for p in make_bursts(tmp_path / "photos", bursts=1, frames=3)[0]]
    # capture order A, B, C; the strip shows them ranked: B, A, C.  Two people in A and B:
    # a large face on the left, a small one on the right; C lost the small one.
    a = FrameItem(1, paths[0], rank=2, position=0, faces=(face(40, 60, 80), face(230, 80, 40)))
    b = FrameItem(
        2, paths[1], rank=1, position=1, faces=(face(236, 82, 40, "closed"), face(44, 62, 80))
    )
    c = FrameItem(3, paths[2], rank=3, position=2, faces=(face(48, 60, 82),))
    series = SeriesItem(7, [b, a, c])
    crops = FaceCrops(thumbs)
    model = FaceStripModel(crops)
    qtmodeltester.check(model)
    model.set_series(series)
    model.set_current(1)
    qtmodeltester.check(model)
    assert (model.rowCount(), model.columnCount()) == (2, 3)
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(3)] == [
        "BEST  B00_F01.jpg",
        "B00_F00.jpg",
        "B00_F02.jpg",
    ]
    big = [model.index(0, c).data(Role.Cell).face for c in range(3)]
    small = [model.index(1, c).data(Role.Cell).face for c in range(3)]
    assert [f.box[0] for f in big] == [44, 40, 48], "the large face first, in every frame"
    assert [f.box[0] if f else None for f in small] == [236, 230, None]
    assert model.index(1, 0).data() == "eyes closed" and model.index(1, 2).data() == ""
    assert (
        model.index(0, 1).data(Role.Cell).current and not model.index(0, 0).data(Role.Cell).current
    )
    # crops: nothing on the GUI thread, each a window of the original at 100 %
    people = ((0, 0), (1, 0), (0, 1), (1, 1), (0, 2))
    assert all(model.index(r, c).data(Qt.ItemDataRole.DecorationRole) is None for r, c in people)
    qtbot.waitUntil(lambda: not crops.busy(), timeout=20_000)
    for row, column in people:
        pixmap = model.index(row, column).data(Qt.ItemDataRole.DecorationRole)
        assert pixmap.size() == model.index(row, column).data(Role.Cell).tile, "one to one"
    assert thumbs.decoded_on and threading.get_ident() not in thumbs.decoded_on
    assert len(thumbs.decoded_on) == 3, "one decode per frame, whatever the faces in it"
    qtmodeltester.check(model)
    model.set_series(None)
    assert model.rowCount() == 0 and not model.analysed()


def test_details_say_which_frame_is_the_pick_and_why():
    blink = FrameItem(1, "/p/IMG_1.jpg", score=7.5, rank=2, faces=(face(0, 0, 90, "closed"),))
    best = FrameItem(2, "/p/IMG_2.jpg", score=7.0, rank=1, faces=(face(0, 0, 90),))
    series = SeriesItem(
        1, [best, blink], pick_reason="eyes_open", kind_reason="frames of one scene"
    )
    assert frame_facts(best, series)["Pick"] == f"this frame: {PICK_REASONS['eyes_open']}"
    passed_over = frame_facts(blink, series)["Pick"]
    assert passed_over.startswith(f"IMG_2.jpg: {PICK_REASONS['eyes_open']}")
    assert "scored higher (7.50), but eyes are closed" in passed_over
    assert frame_facts(blink, series)["Faces"] == "1 face, eyes closed on 1"
    assert frame_facts(best, series)["Kind"] == "burst (frames of one scene)"
    series.kind_reason = "possible bracket: 3 frames about 2.0 EV apart in brightness"
    assert frame_facts(best, series)["Kind"] == (
        "burst (possible bracket: 3 frames about 2.0 EV apart in brightness): the best frame "
        "is picked, none is rejected or moved automatically"
    )
    assert frame_facts(best, series)["Pick"] == f"this frame: {PICK_REASONS['eyes_open']}"
    series.kind, series.kind_source = "bracket", "user"
    assert frame_facts(best, series)["Kind"].startswith("bracket, set by you: every frame kept")
    assert frame_facts(best, series)["Pick"] == "none: the bracket is kept whole"


# -- in the window ---------------------------------------------------------------------------


def test_closed_eye_badges_the_face_strip_and_face_boxes_from_the_keyboard(
    qtbot,
    window,  # noqa: F811
    gui_env,  # noqa: F811
):
    controller = window.controller
    series = controller.series()[1]
    best, blink = series.frames[0], series.frames[2]
    grid, strip_view = window.series_view, window.strip
    qtbot.wait(50)
    strip_before = strip_view.grab().toImage()
    grid_before = grid.grab().toImage()
    give_faces(
        qtbot,
        window,
        gui_env,
        {
            f.photo_id: (face(120, 70, 80, "closed" if f is blink else "open"),)
            for f in series.frames
        },
    )
    # the Closed eyes filter narrows the strip to the frame that blinked
    controller.set_frame_filter(controller.filters.frames.toggled_criterion("closed_eyes"))
    strip = window.strip.model()
    assert [strip.key_at(r) for r in range(strip.rowCount())] == [blink.photo_id]
    assert window.commands.action("filter_closed_eyes").isChecked()
    assert controller.photo_id == blink.photo_id
    assert window.details.values["Faces"].text() == "1 face, eyes closed on 1"
    window.commands.run("clear_frame_filters")
    settle(qtbot, window)
    # the badge: on the blinking frame in the strip, not on the others; on its series' tile
    qtbot.wait(50)

    def red(before: QImage, after: QImage, box: tuple[int, int, int, int]) -> int:
        """Red pixels the faces brought to the top left of a cell."""
        corner = (box[0], box[1], box[0] + 70, box[1] + 60)
        return colour_count(after, theme.REJECT, *corner) - colour_count(
            before, theme.REJECT, *corner
        )

    strip_after = strip_view.grab().toImage()
    blink_cell = cell_box(strip_view, strip_view.index_of(blink.photo_id))
    best_cell = cell_box(strip_view, strip_view.index_of(best.photo_id))
    assert red(strip_before, strip_after, blink_cell) > 60
    assert red(strip_before, strip_after, best_cell) == 0
    grid_after = grid.grab().toImage()
    tile = cell_box(grid, grid.index_of(series.series_id))
    other = cell_box(grid, grid.index_of(controller.series()[0].series_id))
    assert red(grid_before, grid_after, tile) > 20, "the tile says a frame of it blinked"
    assert red(grid_before, grid_after, other) == 0

    # E: the face close-up strip, each frame's face at 100 %; a click makes a frame current
    controller.select_series(series.series_id)
    assert not window.faces.isVisible()
    press(qtbot, window, Qt.Key.Key_E)
    assert window.settings.face_strip.value and window.faces.isVisible()
    assert window.commands.action("face_strip").isChecked()
    model = controller.face_model
    assert (model.rowCount(), model.columnCount()) == (1, 4)
    settle(qtbot, window)
    qtbot.wait(50)
    for column in range(4):
        index = model.index(0, column)
        assert index.data(Qt.ItemDataRole.DecorationRole).size() == index.data(Role.Cell).tile
    blink_column = model.column_of(blink.photo_id)
    assert model.index(0, blink_column).data() == "eyes closed"
    index = model.index(0, blink_column)
    qtbot.mouseClick(
        window.faces.viewport(),
        Qt.MouseButton.LeftButton,
        pos=window.faces.visualRect(index).center(),
    )
    assert controller.photo_id == blink.photo_id
    assert model.index(0, blink_column).data(Role.Cell).current

    # B: face boxes over the photo in the loupe, red where the eyes are closed
    controller.set_view(View.LOUPE)
    settle(qtbot, window)
    pane = window.loupe.pane
    press(qtbot, window, Qt.Key.Key_B)
    assert window.settings.face_boxes.value and pane.show_faces
    qtbot.wait(50)
    (box,) = pane.face_rects(pane.frame, pane.image_rect())
    image = pane.grab().toImage()
    left, top, right, bottom = (
        round(v) for v in (box.left(), box.top(), box.right(), box.bottom())
    )
    edge = colour_count(image, theme.REJECT, left - 1, bottom - 1, right + 1, bottom + 2)
    assert edge > 0.8 * (right - left), "the bottom edge of the box is drawn in red"
    press(qtbot, window, Qt.Key.Key_B)
    qtbot.wait(50)
    image = pane.grab().toImage()
    assert colour_count(image, theme.REJECT, left - 1, bottom - 1, right + 1, bottom + 2) < 0.2 * (
        right - left
    )
    press(qtbot, window, Qt.Key.Key_E)
    assert not window.faces.isVisible()


def test_a_blink_in_a_real_portrait_burst(qtbot, gui_env, tmp_path):  # noqa: F811
    from app.faces import faces_problem

    if faces_problem() is not None:
        pytest.skip(f"faces cannot be analysed here: {faces_problem()}")
    photos = tmp_path / "portraits"
    photos.mkdir()
    for path in sorted(SAMPLES.glob("portrait_0*.jpg")):
        shutil.copy2(path, photos / path.name)
    win = new_window(qtbot, gui_env, face_strip=True)
    win.controller.open_folder(photos)
    settle(qtbot, win)
    (series,) = win.controller.series()
    by_name = {f.file_names[0]: f for f in series.frames}
    assert by_name["portrait_02.jpg"].closed_eyes == 1
    assert series.best.file_names[0] != "portrait_02.jpg"
    assert series.pick_reason == "eyes_open"
    model = win.controller.face_model
    assert (model.rowCount(), model.columnCount()) == (1, 4), "one person, four frames"
    column = model.column_of(by_name["portrait_02.jpg"].photo_id)
    assert model.index(0, column).data() == "eyes closed"
    win.controller.select_frame(by_name["portrait_02.jpg"].photo_id)
    pick = win.details.values["Pick"].text()
    assert pick.startswith(f"{series.best.file_names[0]}: {PICK_REASONS['eyes_open']}")
    assert "but eyes are closed in it" in pick
    win.shutdown()


def auto_flags(catalog_path, frames) -> list[Flag]:
    with Catalog.open(catalog_path) as catalog:
        states = catalog.decisions(f.photo_id for f in frames)
    return [states[f.photo_id].flag for f in frames]


def stored_kind(catalog_path, window) -> tuple[str, str]:  # noqa: F811
    written(window)
    series_id = window.controller.series_id
    with Catalog.open(catalog_path) as catalog:
        (view,) = [s for s in catalog.series(window.controller.library.root) if s.id == series_id]
    return view.kind, view.kind_source


def test_the_photographer_sets_a_series_kind_and_a_bracket_is_kept_whole(
    qtbot,
    window,  # noqa: F811
    gui_env,  # noqa: F811
):
    controller, commands = window.controller, window.commands
    window.settings.set("accept_rejects_others", True)
    series = controller.current_series()
    frames = list(series.frames)
    assert series.kind == "burst" and series.kind_source == "auto"
    assert auto_flags(gui_env, frames)[0] is Flag.PICK, "the model picked the best frame"
    grid = window.series_view
    tile = cell_box(grid, grid.index_of(series.series_id))
    before = colour_count(grid.grab().toImage(), theme.KIND_COLOURS["bracket"], *tile)

    # K: a bracket, shown at once, recorded in the catalog; the model's pick is taken back
    press(qtbot, window, Qt.Key.Key_K)
    assert (series.kind, series.kind_source) == ("bracket", "user")
    assert window.details.values["Kind"].text().startswith("bracket, set by you: every frame kept")
    assert commands.action("kind_bracket").isChecked()
    assert not commands.action("kind_burst").isChecked()
    assert stored_kind(gui_env, window) == ("bracket", "user")
    assert auto_flags(gui_env, frames) == [Flag.NONE] * 4
    qtbot.wait(50)
    after = colour_count(grid.grab().toImage(), theme.KIND_COLOURS["bracket"], *tile)
    assert after > before + 100, "the tile carries a filled bracket badge"

    # A keeps a bracket whole: every frame picked, none rejected
    press(qtbot, window, Qt.Key.Key_A)
    written(window)
    shown = controller.series_item(series.series_id).frames
    assert all(f.decision.flag is Flag.PICK and f.decision.is_user for f in shown)
    assert auto_flags(gui_env, frames) == [Flag.PICK] * 4

    # undo goes back step by step: the picks, then the kind (and the model's pick with it)
    controller.select_series(series.series_id)
    press(qtbot, window, Qt.Key.Key_Z, CTRL)
    written(window)
    assert auto_flags(gui_env, frames) == [Flag.NONE] * 4
    press(qtbot, window, Qt.Key.Key_Z, CTRL)
    written(window)
    assert series.kind == "burst"
    assert "Undid “Series kind: bracket”" in window.status.currentMessage()
    assert stored_kind(gui_env, window) == ("burst", "auto"), "the cull's kind again"
    assert auto_flags(gui_env, frames)[0] is Flag.PICK

    # the menu names every kind; Shift+K steps back
    commands.action("kind_focus_stack").trigger()
    assert series.kind == "focus_stack" and commands.action("kind_focus_stack").isChecked()
    press(qtbot, window, Qt.Key.Key_K, SHIFT)
    assert series.kind == "panorama"
    assert stored_kind(gui_env, window) == ("panorama", "user")

    # the kind survives the next cull, which regroups the folder
    controller.start_cull()
    settle(qtbot, window)
    ids = {f.photo_id for f in frames}
    assert [s.kind for s in controller.series() if ids & {f.photo_id for f in s.frames}] == [
        "panorama"
    ]
    assert auto_flags(gui_env, frames)[1:] == [Flag.NONE] * 3, "nothing of it is rejected"


def test_a_single_photo_has_no_kind_to_change(qtbot, gui_env, tmp_path):  # noqa: F811
    make_bursts(tmp_path / "one", bursts=1, frames=1)
    win = new_window(qtbot, gui_env)
    win.controller.open_folder(tmp_path / "one")
    settle(qtbot, win)
    press(qtbot, win, Qt.Key.Key_K)
    assert win.controller.current_series().kind == "single"
    assert "single photo" in win.status.currentMessage()
    assert not any(win.commands.action(f"kind_{k}").isChecked() for k in ("burst", "bracket"))
    win.shutdown()


def test_the_tile_says_every_kind_and_who_set_it(qtbot, window):  # noqa: F811
    """A kind the cull told is an outline, one the photographer set is filled."""
    grid = window.series_view
    controller = window.controller
    series = controller.current_series()
    index = grid.index_of(series.series_id)
    for kind in ("panorama", "focus_stack"):
        controller.show_series_kind(series.series_id, kind, "auto", "")
        qtbot.wait(30)
        outline = colour_count(
            grid.grab().toImage(), theme.KIND_COLOURS[kind], *cell_box(grid, index)
        )
        controller.show_series_kind(series.series_id, kind, "user", "set by you")
        qtbot.wait(30)
        filled = colour_count(
            grid.grab().toImage(), theme.KIND_COLOURS[kind], *cell_box(grid, index)
        )
        assert outline > 20 and filled > outline + 100, kind
    tip = index.data(Qt.ItemDataRole.ToolTipRole)
    assert "focus stack (set by you)" in tip
    before = colour_count(
        grid.grab().toImage(), theme.KIND_COLOURS["bracket"], *cell_box(grid, index)
    )
    reason = "possible bracket: 3 frames about 2.0 EV apart in brightness at fixed framing"
    controller.show_series_kind(series.series_id, "burst", "auto", reason)
    qtbot.wait(30)
    possible = colour_count(
        grid.grab().toImage(), theme.KIND_COLOURS["bracket"], *cell_box(grid, index)
    )
    assert possible > before + 20, "a possible bracket shows as one, with a question mark"
