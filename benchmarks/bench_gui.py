"""The window on a generated shoot, as a photographer meets it: how soon there is something
to look at, how fast the loupe follows the arrow keys, how long the GUI thread ever stalls.

Generates a shoot of burst JPEGs (``bench_pipeline``'s bursts, each with a 160 px EXIF
thumbnail as cameras write it; generated once into a cached folder), opens it in the real
main window (offscreen) with the technical scorer, and reports, for each variant:

* time to the first frame listed, the first thumbnail, a full screen of grid thumbnails,
  the first series grouped and ranked, and the end of the analysis;
* loupe steps while the analysis runs (until the frame is sharp);
* loupe latency, p50/p95: single steps (Right, a pause to look, the next) until the frame
  is sharp (painted from a decode with at least the pixels it covers on screen) and
  until its preview or full decode is shown; held keys (15 presses 60 ms apart) until
  the final frame is sharp;
* 100 % zoom latency, until the full decode is painted at 100 %: Z pressed 0.2 s after a
  new frame is on screen, after a rest on it (``--zoom-rest`` seconds), and cold (at once
  after the step);
  and after held keys (Z once the final frame is sharp at fit);
* the strip swept to tiles not seen yet (out of memory and of the disk cache), 0.25 s
  after a step (the frame's full decode and the loupe's prefetch queued): until every
  tile on screen has a picture (its EXIF thumbnail at least), p50/p95;
* the longest GUI-thread stall: the largest gap between ticks of a 10 ms QTimer; the
  peak resident memory while browsing, and the most the full decodes held took;
* the analysis alone (a window that only opens the shoot) and while the loupe is browsed
  all along it at a fixed pace (a step every second, Z 0.3 s after it, back to fit by the
  next step): how much the loupe slows the cull.

``--previous`` runs the scheduler before the frames ahead were decoded in full
(``previous_manager_class``: nothing decoded in full ahead, a travel step cancels no
queued full decode), in the same process on the same files, and prints the ratios.  ``--baseline`` runs the window as it was before first, in the same process on
the same files: nothing shown before the cull has grouped the photos (no listing of the card, no
EXIF thumbnails), and the previous decode scheduler (one decode thread per core less one,
first in first out, full decodes only, no prefetch, no preview); then it prints the
ratios.  Each run starts with an empty cache folder and an empty catalog.

    python benchmarks/bench_gui.py                               # 500 frames, 24 MP
    python benchmarks/bench_gui.py --frames 60 --megapixels 6 --baseline
    python benchmarks/bench_gui.py --until-ranked   # the card on screen, the first series ranked
    python benchmarks/bench_gui.py --full-decode 10  # a full decode's way to the screen only
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
sys.path.insert(0, str(REPO))

import bench_pipeline  # noqa: E402

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


#: browsing during the analysis: a step every BROWSE_STEP seconds, Z BROWSE_ZOOM_AT after it
BROWSE_STEP, BROWSE_ZOOM_AT = 1.0, 0.3
THUMBNAIL_SIDE = 160  # the EXIF thumbnail cameras write
PICTURES = 8  # camera-sized pictures rendered; the frames share their compressed data


def render_picture(task) -> bytes:
    """One camera-sized JPEG (``bench_pipeline.render``: scene, shake, defect, grain)."""
    frame, size = task
    with tempfile.TemporaryDirectory() as folder:
        bench_pipeline.render((frame, Path(folder), size))
        return (Path(folder) / frame.name).read_bytes()


def thumbnail_of(jpeg: bytes) -> bytes:
    """The 160 px EXIF thumbnail a camera would store for this picture."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(jpeg)) as image:
        image.draft("RGB", (THUMBNAIL_SIDE * 2, THUMBNAIL_SIDE * 2))
        small = image.convert("RGB")
    small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.BILINEAR)
    out = io.BytesIO()
    small.save(out, "JPEG", quality=85)
    return out.getvalue()


def with_exif(jpeg: bytes, exif: bytes) -> bytes:
    """``jpeg`` with its EXIF block (APP1) replaced by ``exif``: no pixel is encoded again."""
    import struct

    assert jpeg[:2] == b"\xff\xd8", "not a JPEG"
    parts, at = [b"\xff\xd8", b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif], 2
    while jpeg[at + 1] != 0xDA:  # up to the start of the compressed picture
        length = struct.unpack(">H", jpeg[at + 2 : at + 4])[0]
        segment = jpeg[at : at + 2 + length]
        if not (jpeg[at + 1] == 0xE1 and segment[4:10] == b"Exif\x00\x00"):
            parts.append(segment)
        at += 2 + length
    return b"".join(parts) + jpeg[at:]


def make_shoot(folder: Path, frames: int, megapixels: float, workers: int) -> None:
    """The shoot in ``folder``, generated once (frames already there are kept).

    Rendering and encoding a 24 MP frame takes seconds on a loaded laptop, so only
    ``PICTURES`` pictures are rendered; every frame is one of them with its own EXIF
    block (capture time, camera, thumbnail) spliced in, as a camera writes it, so the
    bursts (capture times from ``bench_pipeline.plan_bursts``) and the cost of every
    decode are a real shoot's; the frames of a burst share their pixels.
    """
    from concurrent.futures import ProcessPoolExecutor
    from datetime import timedelta

    from app.photos.embedded import exif_with_thumbnail

    plans = bench_pipeline.plan_bursts(frames, seed=7)
    missing = [f for f in plans if not (folder / f.name).exists()]
    if not missing:
        return
    folder.mkdir(parents=True, exist_ok=True)
    width = round((megapixels * 1e6 * 3 / 2) ** 0.5)
    size = (width, round(width * 2 / 3))
    firsts = list({f.burst: f for f in reversed(plans)}.values())[:PICTURES]
    with ProcessPoolExecutor(workers) as pool:
        pictures = list(pool.map(render_picture, [(f, size) for f in firsts]))
    thumbnails = [thumbnail_of(p) for p in pictures]
    samples = bench_pipeline.samples
    for frame in missing:
        k = frame.burst % len(pictures)
        when = samples.T0 + timedelta(seconds=frame.seconds)
        exif = exif_with_thumbnail(samples.exif_for(when, *frame.camera).tobytes(), thumbnails[k])
        (folder / frame.name).write_bytes(with_exif(pictures[k], exif))


def resident_bytes() -> int:
    """This process's resident memory now (Linux; 0 elsewhere)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


class Heartbeat:
    """A 10 ms timer in the GUI thread; ``longest`` is the largest gap between its ticks,
    ``peak`` the most resident memory seen (sampled every tenth tick), ``peak_full`` the
    most the loupe's full decodes held (``watch_full``)."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.longest = 0.0
        self.peak = self.peak_full = 0
        self._ticks = 0
        self._thumbs = None
        self._last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def watch_full(self, thumbs) -> None:
        self._thumbs = thumbs

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self._last)
        self._last = now
        self._ticks += 1
        if self._ticks % 10 == 0:
            self.peak = max(self.peak, resident_bytes())
        if self._thumbs is not None:
            held = sum(p.width() * p.height() * 4 for p in self._thumbs._full.values())
            self.peak_full = max(self.peak_full, held)

    def reset(self) -> None:
        self.longest, self._last = 0.0, time.perf_counter()
        self.peak = self.peak_full = 0


def spin_until(condition: Callable[[], bool], timeout: float) -> float | None:
    """Run the event loop until ``condition`` holds; the seconds it took, None on timeout."""
    from PySide6.QtCore import QEventLoop, QTimer

    start = time.perf_counter()
    if condition():
        return 0.0
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(2)

    def check() -> None:
        if condition() or time.perf_counter() - start > timeout:
            loop.quit()

    poll.timeout.connect(check)
    poll.start()
    loop.exec()
    poll.stop()
    return time.perf_counter() - start if condition() else None


def spin_for(seconds: float) -> None:
    end = time.perf_counter() + seconds
    spin_until(lambda: time.perf_counter() >= end, seconds + 1)


class _Everything(set):
    """A set that holds everything: every thumbnail counts as shown roughly already."""

    def __contains__(self, _key) -> bool:
        return True


def legacy_manager_class():
    """The scheduler before the loupe's prefetch: cores-1 threads, FIFO, full decodes only,
    thumbnails decoded from the photo (no EXIF thumbnail first)."""
    from app.gui.thumbnails import FULL, ThumbnailManager

    class LegacyThumbnails(ThumbnailManager):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.pool.setMaxThreadCount(max(1, min(4, (os.cpu_count() or 2) - 1)))
            self.roughed = _Everything()

        def clear(self) -> None:
            super().clear()
            self.roughed = _Everything()

        def pixmap(self, path, size):
            pix = self._held(path, size)
            if pix is None:
                if size == FULL:
                    if (path, FULL) not in self._pending and path not in self.errors:
                        self._pending.add((path, FULL))
                        # ahead of thumbnails (the pool's priority), first in first out
                        with self.queue._lock:
                            self.queue._now.append(((path, FULL), self._generation))
                        self.pool.start(self._job())
                else:
                    self.request(path, size)
            return pix

        def _job(self):
            from app.gui.thumbnails import _DecodeJob

            return _DecodeJob(self)

        def preview(self, path):
            return None

        def prefetch(self, keys):
            if keys:  # the loupe's frame, decoded in full as it is shown
                self.pixmap(keys[0][0], FULL)

    return LegacyThumbnails


def previous_manager_class():
    """The scheduler before the frames ahead were decoded in full: the loupe decodes in
    full only the frame it shows (once travel stops, or for Z), a step during travel
    cancels no queued full decode, and four full decodes are held (400 MB at 24 MP, the
    bound now)."""
    from app.gui.thumbnails import ThumbnailManager

    class PreviousThumbnails(ThumbnailManager):
        def full_ahead(self, pixels: int = 0) -> int:
            return 0

        def cancel_full(self) -> None:
            pass

    return PreviousThumbnails


MANAGERS = {"before": legacy_manager_class, "previous": previous_manager_class}


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run_window(
    folder: Path,
    scheduler: str,
    steps: int,
    held_runs: int,
    screen_only: bool = False,
    until_ranked: bool = False,
    zoom_rest: float = 1.5,
    analysis_only: bool = False,
) -> dict[str, float]:
    import app.gui.mainwindow as mainwindow
    from app.gui.commands import View
    from app.gui.settings import Settings
    from app.gui.thumbnails import FULL, ThumbnailManager

    cache = tempfile.mkdtemp(prefix=f"bench-gui-{scheduler}-")
    os.environ["FGAESQ_CULL_CACHE_DIR"] = cache
    os.environ["FGAESQ_CULL_CONFIG_DIR"] = cache + "/config"
    mainwindow.ThumbnailManager = (
        MANAGERS[scheduler]() if scheduler in MANAGERS else ThumbnailManager
    )
    settings = Settings()
    for name, value in {"scorer": "technical", "workers": 1}.items():
        settings.set(name, value)
    window = mainwindow.MainWindow(settings=settings, catalog_path=cache + "/catalog.sqlite3")
    window.resize(1920, 1080)
    window.show()
    controller, thumbs = window.controller, window.controller.thumbnails
    if scheduler == "before":  # nothing to see before the cull has grouped the photos
        controller.live.open = lambda *_args, **_kwargs: None
    heart = Heartbeat()
    out: dict[str, float] = {}
    first_thumb: list[float] = []
    thumbs.ready.connect(
        lambda _p, size: first_thumb.append(time.perf_counter()) if size > 0 else None
    )
    grid = window.series_view

    def full_screen() -> bool:
        """Every tile the grid shows on screen has a picture (tiles are laid out in row
        order, so the look stops at the first one past the screen)."""
        proxy = grid.model()
        if proxy is None or proxy.rowCount() == 0:
            return False
        screen, visible = grid.viewport().rect(), []
        for row in range(proxy.rowCount()):
            index = proxy.index(row, 0)
            if grid.visualRect(index).intersects(screen):
                visible.append(index)
            elif visible:
                break
        return bool(visible) and all(
            i.data(Qt.ItemDataRole.DecorationRole) is not None for i in visible
        )

    def ranked_series() -> bool:
        """A series of several frames, grouped by the cull and ranked."""
        return any(
            len(s.frames) > 1 and all(f.score is not None for f in s.frames)
            for s in controller.series()
        )

    def sharp() -> bool:
        """The frame is painted with at least as many pixels as it covers on screen (at
        fit the screen preview can be enough; at 100 % only the full decode is)."""
        frame = controller.current_frame()
        pix = pane._pixmap() if frame is not None else None
        if pix is None or pix not in (thumbs._held(frame.path, FULL), thumbs.preview(frame.path)):
            return False
        return pix.width() >= pane.image_rect().width() - 1

    def shown() -> bool:
        """The frame's screen preview or full decode is painted (not a thumbnail)."""
        frame = controller.current_frame()
        return frame is not None and pane._pixmap() in (
            thumbs._held(frame.path, FULL),
            thumbs.preview(frame.path),
        )

    from PySide6.QtCore import Qt

    spin_for(0.5)  # the catalog opens in the background
    heart.reset()
    start = time.perf_counter()

    def since_start(waited: float | None) -> float:
        return time.perf_counter() - start if waited is not None else float("nan")

    seen: dict[str, float] = {}  # when the series first showed a ranked one, when the cull ended

    def on_reloaded() -> None:
        if "ranked" not in seen and ranked_series():
            seen["ranked"] = time.perf_counter() - start

    controller.bus.series_reloaded.connect(on_reloaded)
    controller.bus.cull_finished.connect(
        lambda _summary: seen.setdefault("ended", time.perf_counter() - start)
    )
    controller.open_folder(folder)
    out["first frame listed"] = since_start(
        spin_until(lambda: controller.series_proxy.rowCount() > 0, 3600)
    )
    out["first full screen"] = since_start(spin_until(full_screen, 3600))
    out["first thumbnail"] = first_thumb[0] - start if first_thumb else float("nan")
    out["stall until full screen"] = heart.longest
    if until_ranked:  # until the first series is grouped and ranked
        spin_until(lambda: "ranked" in seen or controller.job is None, 3600)
        out["first ranked series"] = seen.get("ranked", float("nan"))
    if analysis_only:  # nothing browsed: the analysis alone
        spin_until(lambda: controller.job is None, 3600)
        out["end of analysis, nothing browsed"] = seen.get("ended", float("nan"))
    if screen_only or until_ranked or analysis_only:  # all this run is for
        controller.stop_cull(wait=True)
        heart.timer.stop()
        window.shutdown()
        window.close()
        shutil.rmtree(cache, ignore_errors=True)  # its previews and catalog
        return out
    pane = window.loupe.pane
    during, zoom_during = [], []
    if controller.job is not None:  # browse in the loupe all along the analysis
        controller.set_view(View.LOUPE)
        while controller.job is not None:  # at a fixed pace: the same work for each scheduler
            proxy = controller.strip_proxy
            if proxy.row_of(controller.photo_id) + 1 >= proxy.rowCount():
                controller.select_frame(proxy.key_at(0))
            else:
                controller.next_frame()
            t0 = time.perf_counter()
            done = spin_until(lambda: sharp(), BROWSE_ZOOM_AT)
            during.append(time.perf_counter() - t0 if done is not None else BROWSE_ZOOM_AT)
            spin_for(t0 + BROWSE_ZOOM_AT - time.perf_counter())  # a look, then Z
            t1 = time.perf_counter()
            window.loupe.toggle_zoom()
            done = spin_until(lambda: sharp(), t0 + BROWSE_STEP - 0.1 - t1)
            zoom_during.append(time.perf_counter() - t1 if done is not None else float("inf"))
            window.loupe.toggle_zoom()
            spin_for(t0 + BROWSE_STEP - time.perf_counter())
        controller.set_view(View.SERIES)
    out["loupe step during analysis p50"] = percentile(during, 0.5)
    out["loupe step during analysis max"] = max(during) if during else float("nan")
    out["zoom during analysis p50"] = percentile(zoom_during, 0.5)
    out["zooms during analysis not painted in time"] = sum(z == float("inf") for z in zoom_during)
    out["steps browsed during analysis"] = len(during)
    spin_until(lambda: controller.job is None, 3600)
    out["first ranked series"] = seen.get("ranked", float("nan"))
    out["end of analysis"] = seen.get("ended", float("nan"))
    spin_until(lambda: not controller.is_busy(), 600)
    out["stall during analysis"] = heart.longest

    controller.set_view(View.LOUPE)

    def room_ahead(frames: int) -> None:
        """Back to the first frame when fewer than ``frames`` are left to step through."""
        proxy = controller.strip_proxy
        if proxy.row_of(controller.photo_id) + frames >= proxy.rowCount():
            controller.select_frame(proxy.key_at(0))
            spin_until(sharp, 60)
            spin_for(0.5)

    spin_until(sharp, 60)
    heart.reset()
    heart.watch_full(thumbs)
    single, first_look, from_cache = [], [], []
    for _ in range(steps):
        room_ahead(1)
        ahead = controller.frame(controller._neighbour_frame(1) or -1)
        cached = ahead is not None and thumbs.preview(ahead.path) is not None
        controller.next_frame()
        t0 = time.perf_counter()
        looked = spin_until(shown, 60)
        first_look.append(looked if looked is not None else 60.0)
        if cached:
            from_cache.append(first_look[-1])
        done = spin_until(sharp, 60)
        single.append((time.perf_counter() - t0) if done is not None else 60.0)
        spin_for(0.4)  # a look at the frame before the next step
    held, held_zoom = [], []
    for _ in range(held_runs):
        room_ahead(15)
        for _press in range(15):
            controller.next_frame()
            spin_for(0.06)
        t0 = time.perf_counter()
        done = spin_until(sharp, 60)
        held.append(done if done is not None else 60.0)
        t0 = time.perf_counter()  # sharp at fit: Z at once
        window.loupe.toggle_zoom()
        done = spin_until(sharp, 60)
        held_zoom.append(time.perf_counter() - t0 if done is not None else 60.0)
        window.loupe.toggle_zoom()
        spin_for(0.5)

    def zooms(glance: float | None) -> list[float]:
        """Z ``glance`` seconds after the frame shows (None: at once after the step), until
        the full decode is painted."""
        took = []
        for _ in range(max(3, steps // 4)):
            room_ahead(1)
            controller.next_frame()
            if glance is not None:
                spin_until(shown, 60)
                spin_for(glance)
            t0 = time.perf_counter()
            window.loupe.toggle_zoom()
            done = spin_until(sharp, 60)
            pane.repaint()
            took.append(time.perf_counter() - t0 if done is not None else 60.0)
            window.loupe.toggle_zoom()
            spin_for(0.4)
        return took

    zoom, rested, cold = zooms(0.2), zooms(zoom_rest), zooms(None)

    strip = window.strip

    def strip_full() -> bool:
        """Every tile the strip shows has a picture."""
        model, screen = strip.model(), strip.viewport().rect()
        shown = [
            model.index(row, 0)
            for row in range(model.rowCount())
            if strip.visualRect(model.index(row, 0)).intersects(screen)
        ]
        return all(i.data(Qt.ItemDataRole.DecorationRole) is not None for i in shown)

    def forget_strip_tiles() -> None:
        """The strip's tiles as if never seen: out of memory, not in the disk cache."""
        size = controller.strip_model.thumbnail_size
        for key in [key for key in thumbs._pixmaps if key[1] == size]:
            del thumbs._pixmaps[key]
            thumbs.roughed.discard(key)
            thumbs._pending.discard(key)

    tiles = []  # the strip swept to tiles not seen yet while the loupe decodes
    bar, disk_cache = strip.horizontalScrollBar(), thumbs.disk_cache
    for trial in range(max(3, steps // 4)):
        room_ahead(1)
        controller.next_frame()
        spin_for(0.25)  # rested: the frame's full decode and the prefetch are queued
        thumbs.disk_cache = None
        forget_strip_tiles()
        bar.setValue(round(bar.maximum() * (trial + 1) / (max(3, steps // 4) + 1)))
        t0 = time.perf_counter()
        done = spin_until(strip_full, 60)
        tiles.append(time.perf_counter() - t0 if done is not None else 60.0)
        thumbs.disk_cache = disk_cache
        spin_for(0.4)
    out["loupe steps from cache (count)"] = len(from_cache)
    out["loupe step from cache p50"] = percentile(from_cache, 0.5)
    out["loupe step from cache p95"] = percentile(from_cache, 0.95)
    out["loupe step shown p50"] = percentile(first_look, 0.5)
    out["loupe step shown p95"] = percentile(first_look, 0.95)
    out["loupe step sharp p50"] = percentile(single, 0.5)
    out["loupe step sharp p95"] = percentile(single, 0.95)
    out["held keys sharp p50"] = percentile(held, 0.5)
    out["held keys sharp p95"] = percentile(held, 0.95)
    out["zoom after held keys p50"] = percentile(held_zoom, 0.5)
    out["zoom after held keys p95"] = percentile(held_zoom, 0.95)
    out["100 % zoom p50"] = percentile(zoom, 0.5)
    out["100 % zoom p95"] = percentile(zoom, 0.95)
    out[f"zoom after {zoom_rest:g} s p50"] = percentile(rested, 0.5)
    out[f"zoom after {zoom_rest:g} s p95"] = percentile(rested, 0.95)
    out["zoom cold p50"] = percentile(cold, 0.5)
    out["zoom cold p95"] = percentile(cold, 0.95)
    out["strip swept, tiles p50"] = percentile(tiles, 0.5)
    out["strip swept, tiles p95"] = percentile(tiles, 0.95)
    out["stall while browsing"] = heart.longest
    out["peak memory while browsing (MB)"] = heart.peak / 1e6
    out["full decodes held, most (MB)"] = heart.peak_full / 1e6
    heart.timer.stop()
    window.shutdown()
    window.close()
    window.deleteLater()
    spin_for(0.2)
    shutil.rmtree(cache, ignore_errors=True)  # its previews and catalog
    return out


def full_decode_path(folder: Path, repeats: int) -> None:
    """A frame's full decode on its way to the screen (what Z waits for), three ways,
    alternating on the same files in this process: ``before``, the histogram was counted
    first and the picture went to the GUI thread as RGB888, which ``QPixmap.fromImage``
    converted there; ``pillow``, the picture goes first, repacked as RGB32 from Pillow's
    RGB; ``direct``, libjpeg-turbo writes RGB32 straight into the QImage
    (``app.gui.full_decode``, Pillow where it cannot)."""
    from PySide6.QtGui import QImage, QPixmap

    from app.gui.full_decode import decode_full
    from app.gui.histogram import histogram_of
    from app.gui.thumbnails import pil_to_qimage, pipeline_decoder

    decode = pipeline_decoder()

    def before(path: str) -> QImage:
        pil = decode(path, None)
        histogram_of(pil)
        data = pil.tobytes("raw", "RGB")
        image = QImage(data, pil.width, pil.height, pil.width * 3, QImage.Format.Format_RGB888)
        return image.copy()

    def direct(path: str) -> QImage:
        fast = decode_full(path)
        return fast[0] if fast is not None else pil_to_qimage(decode(path, None))

    ways = {
        "before": before,
        "pillow": lambda path: pil_to_qimage(decode(path, None)),
        "direct": direct,
    }
    files = sorted(folder.glob("*.jpg"))[:repeats]
    took: dict[str, dict[str, list[float]]] = {w: {"shown": [], "gui": []} for w in ways}
    for path in files:
        for name, way in ways.items():
            t0 = time.perf_counter()
            image = way(str(path))
            t1 = time.perf_counter()
            QPixmap.fromImage(image)  # in the GUI thread
            t2 = time.perf_counter()
            took[name]["shown"].append(t2 - t0)
            took[name]["gui"].append(t2 - t1)
    print(f"full decode until shown, {len(files)} files, seconds (p50 / p95):")
    for part in ("shown", "gui"):
        row = {w: (percentile(took[w][part], 0.5), percentile(took[w][part], 0.95)) for w in ways}
        label = "until shown" if part == "shown" else "of it in the GUI thread"
        print(
            f"  {label:26}"
            + "".join(f"   {w} {row[w][0]:.3f} / {row[w][1]:.3f}" for w in ways)
            + f"   pillow/direct {row['pillow'][0] / row['direct'][0]:.1f}x"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=500)
    parser.add_argument("--megapixels", type=float, default=24.0)
    parser.add_argument("--folder", type=Path, help="where the shoot is generated (kept)")
    parser.add_argument("--steps", type=int, default=20, help="single loupe steps measured")
    parser.add_argument("--held", type=int, default=3, help="held-key runs measured")
    parser.add_argument("--baseline", action="store_true", help="also the first scheduler")
    parser.add_argument(
        "--previous",
        action="store_true",
        help="also the scheduler before the frames ahead were decoded in full",
    )
    parser.add_argument(
        "--zoom-rest", type=float, default=1.5, help="seconds on a frame before Z (rested)"
    )
    parser.add_argument(
        "--screen-only",
        action="store_true",
        help="only until the first full screen (the folder may be any folder of JPEGs)",
    )
    parser.add_argument(
        "--full-decode",
        type=int,
        metavar="N",
        help="only a full decode's way to the screen, three ways, on N frames",
    )
    parser.add_argument(
        "--until-ranked",
        action="store_true",
        help="only until the first series is grouped and ranked (the cull is then stopped)",
    )
    args = parser.parse_args()
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])  # noqa: F841
    folder = args.folder or Path(tempfile.gettempdir()) / (
        f"bench-gui-{args.frames}x{args.megapixels:g}mp-exif"
    )
    t0 = time.perf_counter()
    if not (args.screen_only and args.folder):  # a folder given for the screen is taken as it is
        make_shoot(folder, args.frames, args.megapixels, max(1, (os.cpu_count() or 2)))
    print(
        f"shoot: {args.frames} frames at {args.megapixels:g} MP in {folder} "
        f"(generated/checked in {time.perf_counter() - t0:.1f} s); "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}"
    )
    if args.full_decode:
        full_decode_path(folder, args.full_decode)
        return
    results = {}
    schedulers = ["before"] * args.baseline + ["previous"] * args.previous + ["now"]
    for scheduler in schedulers:
        alone = {}
        if not (args.screen_only or args.until_ranked):  # the analysis with nothing browsed
            alone = run_window(folder, scheduler, 0, 0, analysis_only=True)
            print(f"{scheduler}: analysis alone, load average {os.getloadavg()[0]:.1f}")
        results[scheduler] = alone | run_window(
            folder,
            scheduler,
            args.steps,
            args.held,
            screen_only=args.screen_only,
            until_ranked=args.until_ranked,
            zoom_rest=args.zoom_rest,
        )
        if alone:
            took = results[scheduler]
            took["analysis while browsing / alone (x)"] = (
                took["end of analysis"] / took["end of analysis, nothing browsed"]
            )
        print(f"{scheduler}: done, load average {os.getloadavg()[0]:.1f}", flush=True)
    names = list(results["now"])
    bases = schedulers[:-1]
    print(
        f"\n{'seconds':30}"
        + "".join(f"{s:>10}" for s in results)
        + "".join(f"{b + '/now':>14}" for b in bases)
    )
    for name in names:
        row = f"{name:30}" + "".join(f"{results[s][name]:10.3f}" for s in results)
        for base in bases:
            now = results["now"][name]
            row += f"{results[base][name] / now:13.1f}x" if now else f"{'':14}"
        print(row)


if __name__ == "__main__":
    main()
