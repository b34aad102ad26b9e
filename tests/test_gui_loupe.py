"""The loupe's decodes: what is prefetched and in which order, previews before full
decodes, and the bounded preview cache on disk.

The order is checked by holding the one decode thread on a gate and reading the queue,
never by timing.
"""

from __future__ import annotations

import os
import threading

from gui_fixtures import (  # noqa: F401
    add_exif_thumbnail,
    folder,
    gui_env,
    make_bursts,
    new_window,
    press,
    questions,
    settle,
    window,
)
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from app.gui.commands import View
from app.gui.models import Role
from app.gui.thumbnails import (
    FULL,
    PREVIEW,
    DiskCache,
    ThumbnailManager,
    pipeline_decoder,
)


class GatedDecoder:
    """The pipeline's decoder behind a gate: calls wait until ``gate`` is set (only the
    calls ``held`` selects), and every call is recorded as (path, max_size)."""

    def __init__(self, held=lambda _path, _size: True) -> None:
        self.gate = threading.Event()
        self.calls: list[tuple[str, int | None]] = []
        self.held = held
        self._decode = pipeline_decoder()

    def __call__(self, path: str, size: int | None) -> Image.Image:
        self.calls.append((path, size))
        if self.held(path, size):
            assert self.gate.wait(60), "gate never opened"
        return self._decode(path, size)


def strip_paths(controller) -> list[str]:
    proxy = controller.strip_proxy
    return [controller.frame(proxy.key_at(r)).path for r in range(proxy.rowCount())]


def gate_loupe(window, decoder):  # noqa: F811
    """Forget what the loupe decoded; one decode thread, through ``decoder``."""
    thumbs = window.controller.thumbnails
    thumbs.pool.waitForDone()
    thumbs._full.clear()
    thumbs._previews.clear()
    thumbs.disk_cache = None  # previews of the window fixture's run are not in the way
    thumbs._decoder = decoder
    thumbs.full_decoder = None  # full decodes too go through ``decoder``
    thumbs.pool.setMaxThreadCount(1)
    return thumbs


def test_held_arrow_key_decodes_the_frame_it_stops_on_first_and_none_passed_over(qtbot, window):  # noqa: F811
    controller = window.controller
    # the loupe's decodes wait (its previews are the photos' 320 px), the strip's do not
    decoder = GatedDecoder(held=lambda _path, size: size is None or size >= 320)
    thumbs = gate_loupe(window, decoder)
    thumbs.pool.setMaxThreadCount(3)  # threads to spare: a stale decode would get one
    p = strip_paths(controller)
    controller.select_frame(controller.frame(controller.strip_proxy.key_at(0)).photo_id)
    controller.set_view(View.LOUPE)
    # the frame the loupe opened on is being decoded (a decode still queued when the travel
    # starts is dropped with the frame left, rightly, so the premise is waited for)
    qtbot.waitUntil(
        lambda: any(path == p[0] and decoder.held(path, size) for path, size in decoder.calls)
    )
    for _ in range(5):  # as fast as a held key repeats
        press(qtbot, window, Qt.Key.Key_Right)
    assert controller.current_frame().path == p[5]
    # travel stopped: the frame stopped on is decoded next, then (rested) its full decode
    qtbot.waitUntil(lambda: (p[5], None) in decoder.calls, timeout=10_000)
    loupe = [path for path, size in decoder.calls if size is None or size >= 320]
    assert loupe[:2] == [p[0], p[5]], decoder.calls
    assert not set(loupe) & {p[1], p[2], p[3]}, "a frame passed over was decoded"
    assert (p[0], None) not in decoder.calls, "a frame left at once was decoded in full"
    ahead = [(p[6], PREVIEW), (p[7], PREVIEW), (p[4], PREVIEW)]  # once rested
    qtbot.waitUntil(lambda: thumbs.queue.pending()[:3] == ahead, timeout=10_000)
    decoder.gate.set()
    qtbot.waitUntil(lambda: not thumbs.busy(), timeout=60_000)
    assert window.loupe.pane._pixmap() is thumbs.full(p[5]), "the final frame is sharp"


def test_loupe_at_fit_decodes_a_preview_the_size_of_the_screen_not_the_file(
    qtbot,
    gui_env,  # noqa: F811
    tmp_path,
):
    make_bursts(tmp_path / "large", bursts=1, frames=2, size=(2400, 1600))
    window = new_window(qtbot, gui_env, size=(900, 640))  # noqa: F811
    assert window.controller.open_folder(tmp_path / "large")
    settle(qtbot, window)
    decoder = GatedDecoder(held=lambda _path, size: size is None)  # full decodes never end
    thumbs = gate_loupe(window, decoder)
    thumbs.pool.setMaxThreadCount(2)
    window.loupe._rest.setInterval(60_000)  # looked at only briefly
    window.controller.set_view(View.LOUPE)
    path, pane = window.controller.current_frame().path, window.loupe.pane
    qtbot.waitUntil(lambda: thumbs.preview(path) is not None, timeout=30_000)
    asked = next(size for p, size in decoder.calls if p == path)  # a full one may follow
    assert asked is not None and asked < 2400, "a full-resolution decode shown at fit"
    assert asked <= max(pane.width(), pane.height()) * pane.devicePixelRatioF() + 1
    shown = pane.image_rect()
    assert thumbs.preview(path).width() >= shown.width() - 1, "the preview is sharp at fit"
    decoder.gate.set()
    window.shutdown()


def test_resting_on_a_frame_decodes_it_in_full_so_zoom_finds_it_ready(qtbot, window):  # noqa: F811
    controller = window.controller
    decoder = GatedDecoder(held=lambda _path, _size: False)
    thumbs = gate_loupe(window, decoder)
    thumbs.pool.setMaxThreadCount(2)
    controller.set_view(View.LOUPE)
    path, pane = controller.current_frame().path, window.loupe.pane
    qtbot.waitUntil(lambda: thumbs.full(path) is not None, timeout=30_000)
    assert decoder.calls.index((path, None)) > 0, "the preview came first"
    window.loupe.toggle_zoom()
    assert pane._pixmap() is thumbs.full(path), "Z waited for a decode"


def test_a_single_step_decodes_the_frame_in_full_once_no_other_step_follows(qtbot, window):  # noqa: F811
    """Z pressed a moment after a step finds the full decode under way: it starts when
    travel stops, not after the loupe has rested (held off here), and not on a frame a
    second step leaves at once."""
    controller = window.controller
    decoder = GatedDecoder(held=lambda _path, _size: False)
    thumbs = gate_loupe(window, decoder)
    thumbs.pool.setMaxThreadCount(2)
    thumbs.full_cache_bytes = 320 * 240 * 4  # room for the shown frame only: none ahead
    window.loupe._rest.setInterval(60_000)  # never rested
    controller.set_view(View.LOUPE)
    p = strip_paths(controller)
    start = p.index(controller.current_frame().path)
    qtbot.waitUntil(lambda: thumbs.full(p[start]) is not None, timeout=30_000)
    press(qtbot, window, Qt.Key.Key_Right)
    press(qtbot, window, Qt.Key.Key_Right)  # at once: the first frame stepped onto is left
    qtbot.waitUntil(lambda: thumbs.full(p[start + 2]) is not None, timeout=30_000)
    assert (p[start + 1], None) not in decoder.calls, "a frame left at once was decoded in full"
    assert decoder.calls.count((p[start + 2], None)) == 1, "decoded in full once"


def test_a_frame_stepped_onto_shows_its_exif_thumbnail_while_every_decode_thread_is_busy(
    qtbot,
    gui_env,  # noqa: F811
    tmp_path,
):
    """Never "Loading…" after a held key: the frame travel stops on shows the camera's EXIF
    thumbnail read on a lane of its own, while the one decode thread is held by a decode
    started for the first frame."""
    paths = make_bursts(tmp_path / "card", bursts=1, frames=6, size=(320, 240))[0]
    for path in paths:
        add_exif_thumbnail(path)
    win = new_window(qtbot, gui_env)
    controller = win.controller
    assert controller.open_folder(tmp_path / "card")
    settle(qtbot, win)
    decoder = GatedDecoder()  # every decode waits
    thumbs = gate_loupe(win, decoder)
    thumbs._pixmaps.clear()  # no strip thumbnail at hand either
    thumbs._exif.clear()
    thumbs.exif_tried.clear()
    controller.select_frame(controller.frame(controller.strip_proxy.key_at(0)).photo_id)
    controller.set_view(View.LOUPE)
    qtbot.waitUntil(lambda: bool(decoder.calls), timeout=10_000)  # the thread is held
    for _ in range(3):
        press(qtbot, win, Qt.Key.Key_Right)
    path, pane = controller.current_frame().path, win.loupe.pane
    qtbot.waitUntil(lambda: pane._pixmap() is not None, timeout=10_000)
    assert pane._pixmap() is thumbs.exif(path)
    assert (path, None) not in decoder.calls and len(decoder.calls) == 1, "decoded nothing else"
    decoder.gate.set()
    win.shutdown()


def test_decodes_come_in_the_format_of_the_screen_pixmaps():
    """A decode becomes a QImage the GUI thread turns into a pixmap without converting
    (a 24 MP RGB888 image stalled it for 60-450 ms), with the same pixels."""
    from app.gui.thumbnails import pil_to_qimage

    picture = Image.new("RGB", (3, 2), (10, 20, 30))
    picture.putpixel((2, 1), (250, 128, 1))
    image = pil_to_qimage(picture)
    assert image.format() == QImage.Format.Format_RGB32
    assert image.pixelColor(0, 0).getRgb()[:3] == (10, 20, 30)
    assert image.pixelColor(2, 1).getRgb()[:3] == (250, 128, 1)


def test_loupe_shows_the_preview_at_once_and_the_full_decode_replaces_it(qtbot, window):  # noqa: F811
    controller = window.controller
    decoder = GatedDecoder(held=lambda _path, size: size is None)  # only full decodes wait
    thumbs = gate_loupe(window, decoder)
    thumbs.pool.setMaxThreadCount(2)
    controller.set_view(View.LOUPE)
    path = controller.current_frame().path
    pane = window.loupe.pane
    qtbot.waitUntil(lambda: thumbs.preview(path) is not None, timeout=30_000)
    assert pane._pixmap() is thumbs.preview(path), "the preview is what the loupe shows"
    assert path in thumbs.histograms, "the histogram is there with the preview"
    decoder.gate.set()
    qtbot.waitUntil(lambda: thumbs.pixmap(path, FULL) is not None, timeout=30_000)
    assert pane._pixmap() is thumbs.pixmap(path, FULL)


def test_decode_threads_follow_the_cores(qtbot, gui_env):  # noqa: F811
    manager = ThumbnailManager()
    assert manager.pool.maxThreadCount() == max(2, min(8, os.cpu_count() or 2))
    manager.shutdown()


def test_previews_come_back_from_the_disk_cache_when_a_shoot_is_reopened(qtbot, tmp_path):
    make_bursts(tmp_path / "photos", bursts=1, frames=1)
    path = str(sorted((tmp_path / "photos").glob("*.jpg"))[0])
    first = ThumbnailManager(cache_folder=tmp_path / "previews", threads=1)
    first.request(path, PREVIEW)
    qtbot.waitUntil(lambda: first.preview(path) is not None, timeout=30_000)
    first.shutdown()

    def refuse(_path, _size):
        raise AssertionError("decoded again although the disk cache holds it")

    second = ThumbnailManager(decoder=refuse, cache_folder=tmp_path / "previews", threads=1)
    second.request(path, PREVIEW)
    qtbot.waitUntil(
        lambda: second.preview(path) is not None or path in second.errors, timeout=30_000
    )
    assert path not in second.errors, second.errors
    second.shutdown()


class GatedDiskCache(DiskCache):
    """The disk cache, its writes held until ``gate`` is set (a slow or busy disk)."""

    def __init__(self, cache_folder) -> None:
        super().__init__(cache_folder)
        self.gate = threading.Event()

    def store(self, path, size, image) -> None:
        assert self.gate.wait(60), "gate never opened"
        super().store(path, size, image)


def test_a_preview_is_shown_before_it_is_written_to_the_disk_cache(qtbot, tmp_path):
    """The JPEG encode of the cache write (a quarter of a preview's time) comes after the
    picture is on screen, not before."""
    make_bursts(tmp_path / "photos", bursts=1, frames=1)
    path = str(sorted((tmp_path / "photos").glob("*.jpg"))[0])
    thumbs = ThumbnailManager(cache_folder=tmp_path / "previews", threads=1)
    thumbs.disk_cache = cache = GatedDiskCache(tmp_path / "previews")
    thumbs.request(path, PREVIEW)
    thumbs.request(path, 128)
    qtbot.waitUntil(lambda: thumbs.preview(path) is not None, timeout=30_000)
    assert not any(cache.folder.rglob("*.jpg")), "written before it was shown"
    cache.gate.set()
    qtbot.waitUntil(lambda: thumbs.cached(path) is not None, timeout=30_000)
    thumbs.shutdown()
    assert len(list(cache.folder.rglob("*.jpg"))) == 2, "both kept for the next time"


def test_disk_cache_is_bounded_and_evicts_the_least_recently_used(qtbot, tmp_path):
    sources = []
    for i in range(4):
        source = tmp_path / f"p{i}.jpg"
        source.write_bytes(b"x" * (i + 1))  # distinct keys; the cache never opens the source
        sources.append(str(source))
    image = QImage(64, 64, QImage.Format.Format_RGB888)
    image.fill(Qt.GlobalColor.darkCyan)
    cache = DiskCache(tmp_path / "cache")
    for i, source in enumerate(sources[:3]):
        cache.store(source, 64, image)
        stored = cache._key_path(source, 64)
        os.utime(stored, (1_000_000 + i, 1_000_000 + i))  # stored in this order
    one = cache._key_path(sources[0], 64).stat().st_size
    assert cache.load(sources[0], 64) is not None  # used again: now the most recent
    cache.max_bytes = int(one * 3.5)  # room for three
    cache.store(sources[3], 64, image)
    kept = [cache.load(s, 64) is not None for s in sources]
    assert kept == [True, False, False, True] or kept == [True, False, True, True]
    assert sum(f.stat().st_size for f in (tmp_path / "cache").rglob("*.jpg")) <= cache.max_bytes


def test_a_raw_preview_is_sized_to_the_loupe_not_to_the_first_image_pillow_finds(tmp_path):
    from test_photos_fixtures import dng

    from app.gui.thumbnails import preview_side

    raw = dng(tmp_path / "IMG_1.dng", preview=Image.new("RGB", (384, 256)), size=(96, 64))
    with Image.open(raw) as first:  # Pillow reads the DNG's small preview as the photo
        assert max(first.size) < 1200
    assert preview_side(str(raw), (1200, 800)) == 1200


def _forget_strip_tiles(window, rows) -> list[tuple[str, int]]:  # noqa: F811
    """Drop the strip's thumbnails of ``rows`` and repaint it: their tiles ask again."""
    strip, thumbs = window.strip, window.controller.thumbnails
    size = window.controller.strip_model.thumbnail_size
    keys = [(strip.model().index(row, 0).data(Role.Path), size) for row in rows]
    for key in keys:
        thumbs._pixmaps.pop(key, None)
    strip.viewport().repaint()
    return keys


def test_a_strip_thumbnail_on_screen_is_decoded_before_the_loupe_prefetch(qtbot, window):  # noqa: F811
    """The loupe's guesses about the next frames wait for the tiles on screen; only the
    shown frame's own decodes come first."""
    controller = window.controller
    decoder = GatedDecoder()  # every decode waits
    thumbs = gate_loupe(window, decoder)
    window.loupe._rest.setInterval(60_000)  # the prefetch is asked for below
    controller.select_frame(controller.frame(controller.strip_proxy.key_at(0)).photo_id)
    controller.set_view(View.LOUPE)
    qtbot.waitUntil(lambda: bool(decoder.calls), timeout=10_000)  # the thread is held
    qtbot.waitUntil(lambda: not window.loupe._settle.isActive())  # its plan would replace ours
    current = controller.current_frame().path
    window.loupe._prefetch_around()  # rested: the previews ahead are queued
    ahead = [key for key in thumbs.queue.pending() if key[0] != current]
    assert len(ahead) >= 3, thumbs.queue.pending()
    rows = [r for r in rows_on_screen(window.strip) if strip_paths(controller)[r] != current]
    tile = _forget_strip_tiles(window, rows[-1:])[0]
    assert tile in thumbs.queue.pending(), "the tile asked for its thumbnail"
    decoder.gate.set()
    qtbot.waitUntil(lambda: not thumbs.busy(), timeout=30_000)
    served = decoder.calls.index(tile)
    for path, _size in ahead:
        first = next(i for i, (p, _s) in enumerate(decoder.calls) if p == path)
        assert served < first, f"the tile waited for {path}: {decoder.calls}"


def test_a_thumbnail_scrolled_out_of_the_strip_is_not_decoded(qtbot, window):  # noqa: F811
    controller, strip = window.controller, window.strip
    window.resize(520, 900)  # the strip shows a few of the twelve frames
    qtbot.waitUntil(lambda: len(rows_on_screen(strip)) < strip.model().rowCount())
    decoder = GatedDecoder()
    thumbs = gate_loupe(window, decoder)
    strip.horizontalScrollBar().setValue(0)
    keys = _forget_strip_tiles(window, rows_on_screen(strip))
    qtbot.waitUntil(lambda: bool(decoder.calls), timeout=10_000)  # the first tile is held
    queued = [key for key in keys if key in thumbs.queue.pending()]
    assert queued, "the tiles asked for their thumbnails"
    strip.horizontalScrollBar().setValue(strip.horizontalScrollBar().maximum())
    left = [key for key in queued if key[0] not in strip_paths_on_screen(strip)]
    assert left, "the scroll moved tiles out of the strip"
    qtbot.waitUntil(lambda: not set(left) & set(thumbs.queue.pending()), timeout=10_000)
    decoder.gate.set()
    qtbot.waitUntil(lambda: not thumbs.busy(), timeout=30_000)
    assert not set(left) & set(decoder.calls), "a tile nobody sees was decoded"
    assert controller.strip_proxy.rowCount() == 12


def rows_on_screen(strip) -> list[int]:
    model, screen = strip.model(), strip.viewport().rect()
    return [
        r for r in range(model.rowCount()) if strip.visualRect(model.index(r, 0)).intersects(screen)
    ]


def strip_paths_on_screen(strip) -> set[str]:
    return {strip.model().index(r, 0).data(Role.Path) for r in rows_on_screen(strip)}


def _loupe_on(window, row: int) -> str:  # noqa: F811
    """The loupe on the strip's frame ``row``; its path."""
    controller = window.controller
    controller.select_frame(controller.frame(controller.strip_proxy.key_at(row)).photo_id)
    controller.set_view(View.LOUPE)
    return controller.current_frame().path


def _full_decodes_queued(thumbs) -> set[str]:
    return {path for path, size in thumbs.queue.pending() if size == FULL}


def _full_decodes_held(request, window):  # noqa: F811
    """Full decodes wait on a gate (opened when the test ends), previews do not; two decode
    threads.  The decoder, the manager and the strip's paths."""
    decoder = GatedDecoder(held=lambda _path, size: size is None)
    request.addfinalizer(decoder.gate.set)
    thumbs = gate_loupe(window, decoder)
    thumbs.pool.setMaxThreadCount(2)
    return decoder, thumbs, strip_paths(window.controller)


def test_a_frame_reached_by_a_step_has_its_full_decode_ready_so_zoom_paints_at_once(
    qtbot,
    window,  # noqa: F811
):
    controller = window.controller
    decoder = GatedDecoder(held=lambda _path, _size: False)
    thumbs = gate_loupe(window, decoder)
    thumbs.pool.setMaxThreadCount(2)
    p = strip_paths(controller)
    _loupe_on(window, 0)
    # never asked for: decoded ahead while the loupe is on the frame before it
    qtbot.waitUntil(lambda: thumbs.full(p[1]) is not None, timeout=10_000)
    press(qtbot, window, Qt.Key.Key_Right)
    window.loupe.toggle_zoom()  # at once after the step
    assert window.loupe.pane._pixmap() is thumbs.full(p[1]), "Z waited for a decode"
    assert (p[1], FULL) not in thumbs.queue.pending(), "a full decode was queued again"
    assert decoder.calls.count((p[1], None)) == 1


def test_held_keys_queue_no_full_decode_of_the_frames_flown_past(qtbot, request, window):  # noqa: F811
    """The frames ahead queued in full while resting are cancelled by the first step of a
    held key; the frames passed over are never queued in full; the frame travel stops on
    and the ones ahead of it are."""
    controller = window.controller
    decoder, thumbs, p = _full_decodes_held(request, window)
    _loupe_on(window, 0)
    qtbot.waitUntil(lambda: {p[1], p[2]} <= _full_decodes_queued(thumbs), timeout=10_000)
    queued: set[str] = set()
    for _ in range(5):  # as fast as a held key repeats
        press(qtbot, window, Qt.Key.Key_Right)
        queued |= _full_decodes_queued(thumbs)
    assert controller.current_frame().path == p[5]
    # the frame stopped on decodes in full on the free thread, the next one waits for it
    qtbot.waitUntil(lambda: (p[5], None) in decoder.calls, timeout=10_000)
    qtbot.waitUntil(lambda: p[6] in _full_decodes_queued(thumbs), timeout=10_000)
    queued |= _full_decodes_queued(thumbs)
    assert not queued & {p[1], p[2], p[3], p[4]}, "a frame flown past was queued in full"
    decoder.gate.set()
    qtbot.waitUntil(lambda: not thumbs.busy(), timeout=30_000)
    assert not {(p[i], None) for i in (1, 2, 3, 4)} & set(decoder.calls)
    assert thumbs.full(p[5]) is not None and thumbs.full(p[6]) is not None


def test_a_change_of_direction_cancels_the_full_decodes_queued_ahead(qtbot, request, window):  # noqa: F811
    decoder, thumbs, p = _full_decodes_held(request, window)
    _loupe_on(window, 3)
    press(qtbot, window, Qt.Key.Key_Right)  # travelling right: 5 and 6 are ahead
    qtbot.waitUntil(lambda: {p[5], p[6]} <= _full_decodes_queued(thumbs), timeout=10_000)
    press(qtbot, window, Qt.Key.Key_Left)  # turned back
    assert not {p[5], p[6]} & _full_decodes_queued(thumbs), "the way left still decoded"
    qtbot.waitUntil(lambda: p[2] in _full_decodes_queued(thumbs), timeout=10_000)
    assert not {p[5], p[6]} & _full_decodes_queued(thumbs)
    decoder.gate.set()
    qtbot.waitUntil(lambda: not thumbs.busy(), timeout=30_000)
    assert (p[5], None) not in decoder.calls and (p[6], None) not in decoder.calls


def test_the_full_decodes_held_stay_within_the_memory_bound(qtbot, window):  # noqa: F811
    """Room for three frames: the shown one, one ahead and one behind; stepping on drops
    the oldest, never the frame shown."""
    controller = window.controller
    decoder = GatedDecoder(held=lambda _path, _size: False)
    thumbs = gate_loupe(window, decoder)
    thumbs.pool.setMaxThreadCount(2)
    frame_bytes = 320 * 240 * 4
    thumbs.full_cache_bytes = 3 * frame_bytes
    p = strip_paths(controller)
    _loupe_on(window, 0)
    for i in range(6):
        qtbot.waitUntil(lambda i=i: thumbs.full(p[i]) is not None, timeout=10_000)
        qtbot.waitUntil(lambda: not thumbs.busy(), timeout=10_000)
        assert len(thumbs._full) * frame_bytes <= thumbs.full_cache_bytes, list(thumbs._full)
        assert thumbs.full(p[i]) is not None, "the frame shown was dropped"
        qtbot.wait(200)  # a step, not a held key
        press(qtbot, window, Qt.Key.Key_Right)
    assert thumbs.full_bytes() == len(thumbs._full) * frame_bytes
