"""The card on screen at once: frames, thumbnails and marks while the cull still reads.

The cull is held at a gate where it is about to read the photos (after it named every
photo's catalog id), so what the window shows "during analysis" is checked without any
timing; then the gate opens and the run ends normally.  Real pipeline, real catalog, real
widgets offscreen.
"""

from __future__ import annotations

import io
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from gui_fixtures import (  # noqa: F401
    MARKER,
    add_exif_thumbnail,
    gui_env,
    make_bursts,
    new_window,
    press,
    questions,
    settle,
    written,
)
from PIL import Image
from PySide6.QtCore import Qt

from app.catalog import Catalog, DecisionSource, Flag
from app.gui.commands import View
from app.gui.models import decode_size
from app.gui.thumbnails import ThumbnailManager, pipeline_decoder
from app.photos.embedded import exif_thumbnail, exif_with_thumbnail
from app.pipeline import inventory

pytestmark = pytest.mark.gui


@pytest.fixture
def card(tmp_path):
    """Three bursts of four frames, with EXIF thumbnails, named against capture order."""
    bursts = make_bursts(tmp_path / "card", bursts=3, frames=4, size=(240, 160))
    for paths in bursts:
        for path in paths:
            add_exif_thumbnail(path)
    # the last burst was shot first: file names alone would show it last
    for path in bursts[2]:
        with Image.open(path) as image:
            image.load()
            exif = image.getexif()
        sub = exif.get_ifd(0x8769)
        when = datetime(2024, 5, 1, 9, 0, 0) + timedelta(seconds=0.2 * int(path.stem[-2:]))
        sub[0x9003] = when.strftime("%Y:%m:%d %H:%M:%S")
        small = exif_thumbnail(path)
        buffer = io.BytesIO()
        small.save(buffer, "JPEG")
        image.save(
            path, "JPEG", quality=90, exif=exif_with_thumbnail(exif.tobytes(), buffer.getvalue())
        )
    return tmp_path / "card", bursts


@pytest.fixture
def held_cull(monkeypatch):
    """The cull waits at a gate before it reads the photos (their ids are known by then)."""
    gate = threading.Event()
    reached = threading.Event()
    read = inventory.Inventory._read

    def gated(self, to_read, **how):
        reached.set()
        assert gate.wait(60), "the test never let the cull go on"
        return read(self, to_read, **how)

    monkeypatch.setattr(inventory.Inventory, "_read", gated)
    yield gate, reached
    gate.set()


def test_exif_thumbnail_reads_what_the_camera_stored(tmp_path):
    path = make_bursts(tmp_path, bursts=1, frames=1)[0][0]
    assert exif_thumbnail(path) is None, "a JPEG without one has none"
    add_exif_thumbnail(path)
    small = exif_thumbnail(path)
    assert small is not None and small.size == (160, 120)
    assert small.getpixel((80, 60)) == pytest.approx(MARKER, abs=8)
    assert exif_thumbnail(tmp_path / "missing.jpg") is None
    data = path.read_bytes()
    start = data.index(b"Exif\x00\x00")
    for name, damaged in {
        "cut.jpg": data[: start + 200],  # cut inside the EXIF block
        "noise.jpg": data[: start + 6] + bytes(range(256)) * 8 + data[start + 2054 :],
        "empty.jpg": b"",
    }.items():
        (tmp_path / name).write_bytes(damaged)
        assert exif_thumbnail(tmp_path / name) is None, name  # the decode says what is wrong


def test_the_card_is_shown_browsed_and_marked_while_the_cull_reads(
    qtbot,
    gui_env,  # noqa: F811
    card,
    held_cull,
):
    folder, bursts = card
    gate, reached = held_cull
    window = new_window(qtbot, gui_env)
    controller = window.controller
    assert controller.open_folder(folder)
    assert reached.wait(60)
    # every frame, each as a series of one, in capture order (the third burst first)
    qtbot.waitUntil(lambda: len(controller.series()) == 12, timeout=30_000)
    qtbot.waitUntil(
        lambda: (
            [Path(s.frames[0].path).name for s in controller.series()][:4]
            == [p.name for p in bursts[2]]
        ),
        timeout=30_000,
    )
    assert controller.is_culling(), "all this while the cull has not read a photo"
    # the grid has its thumbnails: first the camera's EXIF thumbnail (MARKER green)
    grid = window.series_view
    qtbot.waitUntil(
        lambda: all(
            grid.model().index(r, 0).data(Qt.ItemDataRole.DecorationRole) is not None
            for r in range(grid.model().rowCount())
        ),
        timeout=30_000,
    )
    # the cull named every photo's catalog id before reading: the frames can be marked
    qtbot.waitUntil(lambda: all(f.photo_id > 0 for s in controller.series() for f in s.frames))
    blurred = next(f for s in controller.series() for f in s.frames if f.path == str(bursts[0][3]))
    sharp = next(f for s in controller.series() for f in s.frames if f.path == str(bursts[0][0]))
    controller.select_frame(blurred.photo_id)
    controller.set_view(View.LOUPE)
    press(qtbot, window, Qt.Key.Key_P)  # the blurriest frame of its burst: the model rejects it
    controller.select_frame(sharp.photo_id)
    press(qtbot, window, Qt.Key.Key_X)  # the sharpest: the model picks it
    press(qtbot, window, Qt.Key.Key_Right)  # browsing goes on
    qtbot.waitUntil(lambda: window.loupe.pane._pixmap() is not None, timeout=30_000)
    assert controller.is_culling()
    assert controller.frame(blurred.photo_id).decision.flag is Flag.PICK

    gate.set()
    settle(qtbot, window)
    series = controller.series()
    assert [len(s.frames) for s in series] == [4, 4, 4], "the cull's series replaced the card"
    assert all(f.score is not None for s in series for f in s.frames), "and ranked it"
    for frame, flag in ((blurred, Flag.PICK), (sharp, Flag.REJECT)):
        shown = controller.frame(frame.photo_id)
        assert shown.decision.flag is flag and shown.decision.is_user
    written(window)
    with Catalog.open(gui_env) as catalog:
        stored = catalog.decisions([blurred.photo_id, sharp.photo_id])
    assert stored[blurred.photo_id].flag is Flag.PICK
    assert stored[sharp.photo_id].flag is Flag.REJECT
    assert all(s.source is DecisionSource.USER for s in stored.values()), "a person's mark wins"
    window.shutdown()


def sidecar_with(marks: str) -> str:
    """A sidecar as another application writes it, with the given xmp attributes."""
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
        f"{marks}/></rdf:RDF></x:xmpmeta>"
    )


def test_marks_other_applications_wrote_show_before_the_cull_reads_and_are_never_lowered(
    qtbot,
    gui_env,  # noqa: F811
    card,
    held_cull,
):
    """A photographer's ratings and labels from another application are on the card while
    the cull has not read a photo (held at the gate), and the cull's suggestions never
    lower them (the blurriest frame of a burst keeps its four stars, unrejected)."""
    folder, bursts = card
    gate, reached = held_cull
    rated, labelled = bursts[0][3], bursts[1][1]
    rated.with_suffix(".xmp").write_text(sidecar_with('xmp:Rating="4"'), encoding="utf-8")
    labelled.with_suffix(".xmp").write_text(sidecar_with('xmp:Label="Red"'), encoding="utf-8")
    window = new_window(qtbot, gui_env)
    controller = window.controller
    assert controller.open_folder(folder)
    assert reached.wait(60)

    def shown(path: Path):
        return next((f for s in controller.series() for f in s.frames if f.path == str(path)), None)

    qtbot.waitUntil(
        lambda: shown(rated) is not None and shown(rated).decision.rating == 4, timeout=10_000
    )
    assert shown(labelled).decision.label == "Red"
    assert shown(rated).decision.is_user, "a person's mark, not a suggestion"
    assert controller.is_culling(), "shown while the cull has not read a photo"
    gate.set()
    settle(qtbot, window)
    assert all(f.score is not None for s in controller.series() for f in s.frames)
    after = shown(rated).decision
    assert (after.rating, after.flag, after.is_user) == (4, Flag.NONE, True)
    assert shown(labelled).decision.label == "Red"
    window.shutdown()


def test_the_first_series_is_shown_ranked_while_the_cull_reads_the_rest(
    qtbot,
    gui_env,  # noqa: F811
    card,
    monkeypatch,
):
    """The cull reads the card in capture order and ranks each run up to a pause as soon as
    it is read: the bursts shot first are on screen in their series, ranked, while a later
    frame is still to be read (held here)."""
    folder, bursts = card
    gate, reached = threading.Event(), threading.Event()
    read = inventory.read_for_grouping

    def held_at_the_last_burst(task):
        if Path(task.path) == bursts[1][0]:  # the last burst shot
            reached.set()
            assert gate.wait(60), "the test never let the cull go on"
        return read(task)

    monkeypatch.setattr(inventory, "read_for_grouping", held_at_the_last_burst)
    window = new_window(qtbot, gui_env)
    controller = window.controller
    assert controller.open_folder(folder)
    assert reached.wait(60)

    def ranked() -> list[list[str]]:
        return [
            [Path(f.path).name for f in s.frames]
            for s in controller.series()
            if len(s.frames) > 1 and all(f.score is not None for f in s.frames)
        ]

    qtbot.waitUntil(lambda: len(ranked()) == 2, timeout=30_000)
    assert ranked() == [[p.name for p in bursts[2]], [p.name for p in bursts[0]]]
    assert controller.is_culling(), "shown while the last burst is still to be read"
    gate.set()
    settle(qtbot, window)
    assert len(ranked()) == 3
    window.shutdown()


def test_a_frame_not_yet_named_by_the_cull_is_not_marked(qtbot, gui_env, card, monkeypatch):  # noqa: F811
    """Until the cull gives a frame its catalog id, a mark is refused with a word, never
    lost silently or written under a made-up id."""
    folder, _bursts = card
    monkeypatch.setattr(inventory.Inventory, "_announce", lambda *_args: None)
    gate = threading.Event()
    read = inventory.Inventory._read
    monkeypatch.setattr(
        inventory.Inventory, "_read", lambda self, to_read: gate.wait(60) and read(self, to_read)
    )
    window = new_window(qtbot, gui_env)
    controller = window.controller
    messages = []
    controller.bus.message.connect(messages.append)
    assert controller.open_folder(folder)
    qtbot.waitUntil(lambda: len(controller.series()) == 12, timeout=30_000)
    assert controller.photo_id < -1
    press(qtbot, window, Qt.Key.Key_P)
    assert controller.current_frame().decision.flag is Flag.NONE
    assert any("still being listed" in m for m in messages)
    gate.set()
    settle(qtbot, window)
    window.shutdown()


def test_thumbnails_show_the_exif_thumbnail_first_then_sharpen(qtbot, gui_env, card):  # noqa: F811
    """Every thumbnail's EXIF step runs before any sharpening decode (one decode thread)."""
    _folder, bursts = card
    paths = [str(p) for burst in bursts for p in burst]
    decoded: list[str] = []

    def decoder(path, size):
        decoded.append(path)
        return pipeline_decoder()(path, size)

    thumbs = ThumbnailManager(decoder=decoder, threads=1)
    shown: dict[str, list[tuple[int, int, int]]] = {}

    def on_ready(path, size):
        image = thumbs.pixmap(path, size).toImage()
        colour = image.pixelColor(image.width() // 2, image.height() // 2)
        shown.setdefault(path, []).append((colour.red(), colour.green(), colour.blue()))

    thumbs.ready.connect(on_ready)
    size = decode_size(256)
    order = []
    thumbs.ready.connect(lambda path, _size: order.append(path))
    for path in paths:
        assert thumbs.pixmap(path, size) is None
    qtbot.waitUntil(lambda: not thumbs.busy(), timeout=60_000)
    assert order[: len(paths)] == paths, "every EXIF thumbnail first, in the order asked"
    assert decoded == paths, "then each photo decoded once, to sharpen it"
    for path in paths:
        first, last = shown[path][0], shown[path][-1]
        assert first == pytest.approx(MARKER, abs=12), "the camera's thumbnail came first"
        assert last != pytest.approx(MARKER, abs=12), "the decode replaced it"
    thumbs.shutdown()


@pytest.fixture(scope="module")
def tiny_weights(tmp_path_factory):
    import fgaesq_core

    path = tmp_path_factory.mktemp("weights") / "tiny.safetensors"
    fgaesq_core.save_checkpoint(fgaesq_core.create_model(config="tiny", pretrained=None), path)
    return path


def picked_while_fgaesq_ranks(qtbot, window, series, gate):
    """P on the series' last frame while FGAesQ runs, then the cull let go on to its end:
    that frame's decision."""
    photo_id = series.frames[-1].photo_id
    window.controller.select_frame(photo_id)
    press(qtbot, window, Qt.Key.Key_P)
    gate.set()
    settle(qtbot, window, timeout=120_000)
    return window.controller.frame(photo_id).decision


@pytest.mark.slow
def test_the_technical_ranking_shows_first_then_fgaesq_replaces_it_series_by_series(
    qtbot,
    gui_env,  # noqa: F811
    tmp_path,
    tiny_weights,
    monkeypatch,
):
    """With FGAesQ asked for, every series is ranked by the technical scorer as soon as the
    card is read; FGAesQ's ranking then replaces it one series at a time (held after its
    first series here), and marks made meanwhile stay the photographer's."""
    from app.scoring.fgaesq import FGAesQScorer

    make_bursts(tmp_path / "card", bursts=2, frames=2, size=(160, 120))
    gate, first_done = threading.Event(), threading.Event()
    rank_many = FGAesQScorer.rank_many

    def after_the_first_series(self, series):
        for done, ranked in enumerate(rank_many(self, series)):
            yield ranked
            if done == 0:
                first_done.set()
                assert gate.wait(60), "the test never let FGAesQ go on"

    monkeypatch.setattr(FGAesQScorer, "rank_many", after_the_first_series)
    # however soon the first series is ranked, its scores show before the next one is done
    monkeypatch.setattr("app.pipeline.context.BATCH_EVERY_S", 3600.0)
    window = new_window(qtbot, gui_env, scorer="fgaesq", weights=str(tiny_weights))
    controller = window.controller
    assert controller.open_folder(tmp_path / "card")

    def models() -> list[set[str]]:
        return [{f.model.split(" (")[0] for f in s.frames} for s in controller.series()]

    qtbot.waitUntil(lambda: first_done.is_set(), timeout=120_000)
    qtbot.waitUntil(lambda: models() and models()[0] == {"FGAesQ"}, timeout=120_000)
    assert models()[1:] == [{"technical scorer"}], "the other series keeps the technical ranking"
    assert controller.is_culling()
    marked = picked_while_fgaesq_ranks(qtbot, window, controller.series()[1], gate)
    assert models() == [{"FGAesQ"}] * 2
    assert marked.flag is Flag.PICK and marked.is_user
    window.shutdown()


def test_fgaesq_replaces_the_technical_ranking_of_a_series_while_the_card_is_still_read(
    qtbot,
    gui_env,  # noqa: F811
    tmp_path,
    tiny_weights,
    monkeypatch,
):
    """One cull: each stretch is ranked by the technical scorer as soon as it is read, and
    FGAesQ's ranking replaces it series by series while the card is still read (its last
    frame held back here); the status bar says the model's frames per second and time left;
    a mark made meanwhile stays the photographer's, and the FGAesQ run ends as usual."""
    bursts = make_bursts(tmp_path / "card", bursts=3, frames=2, size=(96, 64))
    gate, reached = threading.Event(), threading.Event()
    read = inventory.read_for_grouping

    def reading(task):
        if Path(task.path) == bursts[-1][-1]:  # the last frame: earlier stretches are queued
            reached.set()
            assert gate.wait(60), "the test never let the reading go on"
        return read(task)

    monkeypatch.setattr(inventory, "read_for_grouping", reading)
    window = new_window(qtbot, gui_env, scorer="fgaesq", weights=str(tiny_weights))
    controller = window.controller
    assert controller.open_folder(tmp_path / "card")

    def models() -> list[set[str]]:
        return [{f.model.split(" (")[0] for f in s.frames} for s in controller.series()]

    qtbot.waitUntil(reached.is_set, timeout=60_000)
    qtbot.waitUntil(lambda: models()[:2] == [{"FGAesQ"}] * 2, timeout=60_000)
    assert not gate.is_set() and controller.is_culling(), "the card is still being read"
    label = window.status.progress.label
    qtbot.waitUntil(lambda: "frames/s ranked" in label.text(), timeout=10_000)
    assert label.text().startswith("Reading") and "left to rank" in label.text()
    marked = picked_while_fgaesq_ranks(qtbot, window, controller.series()[0], gate)
    assert models() == [{"FGAesQ"}] * 3
    assert marked.flag is Flag.PICK and marked.is_user
    assert controller.last_result.model["name"] == "fgaesq" and not controller.last_result.cancelled
    window.shutdown()


def test_raw_frames_show_their_embedded_preview_while_the_cull_reads(
    qtbot,
    gui_env,  # noqa: F811
    tmp_path,
    held_cull,
):
    from test_photos_fixtures import dng

    gate, reached = held_cull
    for k in range(2):
        dng(tmp_path / "raw" / f"IMG_{k}.dng", preview=Image.new("RGB", (384, 256), MARKER), seed=k)
    window = new_window(qtbot, gui_env)
    controller = window.controller
    assert controller.open_folder(tmp_path / "raw")
    assert reached.wait(60)
    grid = window.series_view.model()
    qtbot.waitUntil(lambda: grid.rowCount() == 2, timeout=30_000)

    def colours():
        found = []
        for row in range(grid.rowCount()):
            pixmap = grid.index(row, 0).data(Qt.ItemDataRole.DecorationRole)
            if pixmap is None:
                return None
            image = pixmap.toImage()
            c = image.pixelColor(image.width() // 2, image.height() // 2)
            found.append((c.red(), c.green(), c.blue()))
        return found

    qtbot.waitUntil(
        lambda: colours() is not None and not controller.thumbnails.busy(), timeout=30_000
    )
    assert colours() == [pytest.approx(MARKER, abs=12)] * 2, "the camera's preview, not a demosaic"
    assert controller.is_culling()
    gate.set()
    settle(qtbot, window)
    window.shutdown()


def test_a_folder_culled_before_opens_in_its_series_never_as_single_frames(
    qtbot,
    gui_env,  # noqa: F811
    card,
):
    folder, _bursts = card
    first = new_window(qtbot, gui_env)
    assert first.controller.open_folder(folder)
    settle(qtbot, first)
    first.shutdown()
    window = new_window(qtbot, gui_env)
    controller = window.controller
    shown: list[list[int]] = []
    controller.bus.series_reloaded.connect(
        lambda: shown.append([len(s.frames) for s in controller.series()])
    )
    assert controller.open_folder(folder)
    settle(qtbot, window)
    assert shown and all(sizes == [4, 4, 4] for sizes in shown), shown
    window.shutdown()


def test_a_tile_asked_for_later_is_not_kept_waiting_by_sharpening(qtbot, gui_env, card):  # noqa: F811
    """A thumbnail asked for while others are being sharpened (a tile scrolled into view)
    shows its EXIF thumbnail before the rest are sharpened: the queue is read, not timed."""
    _folder, bursts = card
    a, b, c = (str(p) for p in bursts[0][:3])
    gate, decoded = threading.Event(), []

    def decoder(path, size):
        decoded.append(path)
        assert gate.wait(60), "the gate never opened"
        return pipeline_decoder()(path, size)

    thumbs = ThumbnailManager(decoder=decoder, threads=1)
    size = decode_size(256)
    for path in (a, b):
        thumbs.pixmap(path, size)
    qtbot.waitUntil(lambda: decoded == [a])  # the thread sharpens a
    # both shown roughly: their reports delivered before ``order`` listens (under load they
    # could still be queued when the thread had already reached a's decode)
    qtbot.waitUntil(lambda: all(thumbs.pixmap(p, size) is not None for p in (a, b)))
    thumbs.pixmap(c, size)
    assert thumbs.queue.pending() == [(c, size), (b, size)], "c's first picture comes first"
    order = []
    thumbs.ready.connect(lambda path, _size: order.append(path))
    gate.set()
    qtbot.waitUntil(lambda: not thumbs.busy(), timeout=60_000)
    assert order == [a, c, b, c], "a sharpened, c shown, b sharpened, c sharpened"
    thumbs.shutdown()
