"""Thumbnails and previews decoded on a QThreadPool, with a bounded on-disk cache.

Jobs decode with the pipeline's decoder (the loupe's full-resolution JPEGs excepted:
:mod:`app.gui.full_decode` writes them straight into a QImage, and hands anything else
back to it), turn the PIL image into a QImage in the worker thread and hand it to the
GUI thread by a queued signal; the GUI thread alone makes QPixmaps.  Changing folders
bumps a generation number: queued jobs are dropped and late results from the old folder
are ignored.

A grid or strip thumbnail not in the disk cache comes in two steps: the camera's EXIF
thumbnail at once (:func:`app.photos.embedded.exif_thumbnail`, a few milliseconds), then,
when nothing else waits (the queue's later lane), the decode that sharpens it.  A card's contact
sheet is full in the time it takes to read the headers.

The loupe asks for two things per frame: a screen-sized PREVIEW (the RAW's embedded
JPEG, or a JPEG decoded in draft mode at the smallest DCT scale that still covers the
loupe: a quarter of a 24 MP file's pixels or less, many times cheaper than the whole
file, and kept in the disk cache so a reopened shoot shows at once), shown after the
camera's EXIF thumbnail; and, only for 100 % or once the loupe has rested on the frame,
the FULL decode.  What runs first is decided by a :class:`DecodeQueue`.  The loupe also
decodes the frames it is heading for in full (:meth:`ThumbnailManager.full_ahead` says how
many the memory bound allows), one at a time and only while no other full decode runs, so
Z on a frame reached by a step finds its full decode held; full decodes are held up to
``FULL_CACHE_BYTES``, never dropping the frame shown.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import tempfile
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot
from PySide6.QtGui import QImage, QPixmap

from app.gui.decode_queue import DecodeQueue
from app.gui.full_decode import RGB32_PACKING, decode_full, qimage_to_pil
from app.gui.histogram import Histogram, histogram_of
from app.photos.decode import source_size
from app.photos.embedded import exif_thumbnail
from app.photos.formats import is_raw

#: decode(path, max_size) -> PIL image; max_size None means the largest preview available
Decoder = Callable[[str, int | None], Image.Image]

FULL = 0  # size key for the full-resolution preview used by the loupe at 100 %
PREVIEW = -1  # size key for the screen-sized preview the loupe shows until FULL is there
#: the loupe's size (pixels) until it says otherwise: a PREVIEW covers it at fit
PREVIEW_BOX = (1440, 1440)
EXIF = -2  # size key of a loupe frame's EXIF thumbnail, shown while its PREVIEW decodes
#: the disk cache's default bound; the least recently used files go first
DISK_CACHE_BYTES = 1 << 30
# Qt's JPEG writer, run by two decode threads at once, crashed the process once in the tests
# (a segmentation fault in QImage.save in both threads; four Python threads saving JPEGs at
# once in a fresh process crashed once in 280 runs): the disk cache writes one JPEG at a
# time.  A picture is shown before it is written, so it never waits for the lock.
_JPEG_WRITES = threading.Lock()
#: the loupe's full decodes held in memory (4 bytes a pixel): four 24 MP frames of 96 MB,
#: the shown one, the one just left and two ahead; the least recently used go first
FULL_CACHE_BYTES = 400_000_000
#: the most frames the loupe decodes in full ahead of the one it shows
MAX_FULL_AHEAD = 2


def pipeline_decoder() -> Decoder:
    """The pipeline's preview decoder (embedded RAW previews, JPEG draft mode, HEIF)."""
    from app.photos import decode_image

    def decode(path: str, max_size: int | None) -> Image.Image:
        return decode_image(path, max_side=max_size)

    return decode


def preview_side(path: str, box: tuple[int, int]) -> int:
    """The longer side a PREVIEW of ``path`` needs to fill ``box`` (width, height) at fit,
    from the file's header (either way up, as its EXIF orientation is not read here); the
    box's longer side for a RAW (Pillow may read a DNG's small first image as if it
    were the photo) or when the header cannot be read."""
    if is_raw(path):
        return max(box)
    try:
        with Image.open(path) as image:
            width, height = image.size
    except Exception:  # unreadable here: the decode itself reports what is wrong
        return max(box)
    long_side = max(width, height)
    scale = max(min(box[0] / width, box[1] / height), min(box[0] / height, box[1] / width))
    return max(1, min(long_side, math.ceil(long_side * scale)))


def pil_to_qimage(image: Image.Image) -> QImage:
    """Copy a PIL image into a QImage that owns its memory (safe to send across threads),
    in the format the screen's pixmaps use: the GUI thread's ``QPixmap.fromImage`` then
    converts nothing (a 24 MP RGB888 image took it 60-450 ms)."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    data = rgb.tobytes("raw", RGB32_PACKING)
    qimage = QImage(data, rgb.width, rgb.height, rgb.width * 4, QImage.Format.Format_RGB32)
    return qimage.copy()


class DiskCache:
    """JPEGs keyed by path, size, mtime and file size; atomic writes; bounded in bytes.

    A load touches the file's mtime, so eviction (oldest mtime first) drops what was
    least recently used.  Decode threads share it: the running total is locked.
    """

    def __init__(self, folder: Path, max_bytes: int = DISK_CACHE_BYTES) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._total: int | None = None  # counted on the first store

    def _key_path(self, path: str, size: int) -> Path | None:
        try:
            st = os.stat(path)
        except OSError:
            return None
        key = f"{os.path.abspath(path)}|{size}|{st.st_mtime_ns}|{st.st_size}"
        digest = hashlib.sha1(key.encode("utf-8", "surrogateescape")).hexdigest()  # any name
        return self.folder / digest[:2] / f"{digest}.jpg"

    def has(self, path: str, size: int) -> bool:
        key_path = self._key_path(path, size)
        return key_path is not None and key_path.exists()

    def load(self, path: str, size: int) -> QImage | None:
        key_path = self._key_path(path, size)
        if key_path is None or not key_path.exists():
            return None
        image = QImage(str(key_path))
        if image.isNull():
            return None
        with contextlib.suppress(OSError):
            os.utime(key_path)  # recently used: evicted last
        return image

    def store(self, path: str, size: int, image: QImage) -> None:
        key_path = self._key_path(path, size)
        if key_path is None:
            return
        key_path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=key_path.parent, prefix=".thumb-", suffix=".jpg")
        os.close(fd)
        try:
            with _JPEG_WRITES:
                saved = image.save(tmp, "JPEG", 88)
            if saved:
                added = os.path.getsize(tmp)
                os.replace(tmp, key_path)
                self._account(added)
        finally:
            Path(tmp).unlink(missing_ok=True)

    def _files(self) -> list[tuple[float, int, Path]]:
        found = []
        for file in self.folder.glob("*/*.jpg"):
            with contextlib.suppress(OSError):
                st = file.stat()
                found.append((st.st_mtime, st.st_size, file))
        return found

    def _account(self, added: int) -> None:
        with self._lock:
            if self._total is None:
                self._total = sum(size for _m, size, _f in self._files())
            else:
                self._total += added
            if self._total <= self.max_bytes:
                return
            # down to 90 % of the bound, so a full cache does not sweep on every store
            for _mtime, size, file in sorted(self._files(), key=lambda entry: entry[0]):
                if self._total <= self.max_bytes * 0.9:
                    break
                with contextlib.suppress(OSError):
                    file.unlink()
                    self._total -= size


class _JobReports(QObject):
    """The decode jobs' reports, on an object the jobs themselves keep alive.

    A job that ends after its window was deleted emits into no connection (the manager's
    slots went with it) instead of into a deleted manager: emitting a signal of an object
    another thread is freeing can fail in any way, and did ("only accepts 0 argument(s)").
    Paths travel as ``object``: a ``str`` signal drops the bytes of a name that is not UTF-8
    (``caf\\udce9.jpg`` arrives as ``caf.jpg``)."""

    done = Signal(int, object, int, QImage, object)
    failed = Signal(int, object, str)
    histogram = Signal(int, object, object)  # generation, path, the full decode's Histogram


class _ManagerJob(QRunnable):
    """A job of the manager's pools: deleted when it ends, reporting through the manager's
    ``job_reports``, which it keeps alive while it runs."""

    def __init__(self, manager: ThumbnailManager) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._manager = manager
        self._reports = manager.job_reports


class _DecodeJob(_ManagerJob):
    """Decode whatever the queue wants most when a thread is free; report by signals."""

    def __init__(self, manager: ThumbnailManager) -> None:
        super().__init__(manager)
        self._queue = manager.queue
        self._decoder = manager.decoder
        self._full_decoder = manager.full_decoder
        self._cache = manager.disk_cache

    def run(self) -> None:
        manager = self._manager
        taken = self._queue.take(manager.ahead_waits)
        if taken is None:  # cancelled, taken by another thread, or an ahead decode that waits
            return
        (path, size), generation = taken
        with manager.full_running(size == FULL):
            self._run(path, size, generation)
        if size == FULL and any(key[1] == FULL for key in self._queue.pending()):
            # an ahead full decode may have waited for this one; a window closed meanwhile
            # took its pool along, and nothing is left to decode for it
            with contextlib.suppress(RuntimeError):
                manager.pool.start(_DecodeJob(manager))

    def _run(self, path: str, size: int, generation: int) -> None:
        try:
            if size > 0 and self._rough_first(path, size, generation):
                return
            if size == PREVIEW:
                self._exif_first(path, generation)
            image, extras, pil, cache_key = self._decode(path, size)
        except Exception as exc:  # any unreadable file is reported, never fatal
            self._reports.failed.emit(generation, path, str(exc) or type(exc).__name__)
            return
        self._reports.done.emit(generation, path, size, image, extras)
        if cache_key is not None:  # shown first: the picture never waits for the disk
            with contextlib.suppress(OSError):  # a full disk costs the cache, not the picture
                self._cache.store(path, cache_key, image)
        # shown first: 100 % does not wait for its histogram; a frame decoded ahead keeps
        # its preview's (a quarter of the pixels, the same shares): counting 24 MP takes
        # longer than decoding it, for a frame that may never be shown
        if size == FULL and self._manager.shown in (None, path):
            self._manager.count_histogram(generation, path, image, pil)

    def _rough_first(self, path: str, size: int, generation: int) -> bool:
        """Show the EXIF thumbnail of a thumbnail not cached yet, and queue the decode that
        sharpens it behind every thumbnail already asked for; False when there is none (or
        the decode is what is due now)."""
        key, manager = (path, size), self._manager
        if key in manager.roughed or (self._cache and self._cache.has(path, size)):
            return False
        small = exif_thumbnail(path)
        if small is None:
            return False
        final = max(small.size) >= size
        manager.roughed.add(key)
        self._reports.done.emit(
            generation, path, size, pil_to_qimage(small), (None, None, not final)
        )
        if not final:
            self._queue.push_later(key, generation)
            manager.pool.start(_DecodeJob(manager))
        return True

    def _exif_first(self, path: str, generation: int) -> None:
        """Show the loupe the camera's EXIF thumbnail of a frame it has no picture of yet
        (a few milliseconds), while its PREVIEW decodes."""
        manager = self._manager
        if path in manager.exif_tried:
            return
        manager.exif_tried.add(path)
        small = exif_thumbnail(path)
        if small is not None:
            self._reports.done.emit(
                generation, path, EXIF, pil_to_qimage(small), (None, None, False)
            )

    def _decode(self, path: str, size: int) -> tuple[QImage, tuple, Image.Image | None, int | None]:
        """The picture, its (histogram, original size, rough), for a FULL decode the decoded
        image, whose histogram is counted once the picture is shown, and the disk cache's
        key to store the picture under once it is shown (None: not to be stored)."""
        side = preview_side(path, self._manager.preview_box) if size == PREVIEW else size
        cache, key = (self._cache if size != FULL else None), -side if size == PREVIEW else size
        image = cache.load(path, key) if cache else None
        if image is not None:
            return image, (None, None, False), None, None
        fast = self._full_decoder(path) if size == FULL and self._full_decoder else None
        if fast is not None:
            image, original = fast
            return image, (None, original, False), None, None
        pil = self._decoder(path, side or None)
        histogram = original = None
        if side:
            pil.thumbnail((side, side), Image.Resampling.BILINEAR)
        if size in (FULL, PREVIEW):  # the loupe's: its histogram is computed here, off the GUI
            original = source_size(pil)
        if size == PREVIEW:
            histogram = histogram_of(pil)
        image = pil_to_qimage(pil)
        stored = key if cache else None
        return image, (histogram, original, False), pil if size == FULL else None, stored


class _HistogramJob(_ManagerJob):
    """Count the histogram of the newest full decode, on a thread of its own: 0.3-0.5 s of
    24 MP that never holds a decode thread the next frame's 100 % needs."""

    def run(self) -> None:
        manager = self._manager
        with manager.histogram_lock:  # only the newest full decode is counted
            wanted, manager.histogram_wanted = manager.histogram_wanted, None
        if wanted is None:
            return
        generation, path, image, pil = wanted
        histogram = histogram_of(pil if pil is not None else qimage_to_pil(image))
        self._reports.histogram.emit(generation, path, histogram)


class _ExifJob(_ManagerJob):
    """Read the camera's EXIF thumbnail of the frame the loupe shows now, on a lane of its
    own: a few milliseconds that never wait behind a decode of seconds."""

    def run(self) -> None:
        manager = self._manager
        with manager.exif_lock:  # only the newest request is read
            wanted, manager.exif_wanted = manager.exif_wanted, None
        if wanted is None or wanted[0] in manager.exif_tried:
            return
        path, generation = wanted
        manager.exif_tried.add(path)
        small = exif_thumbnail(path)
        if small is not None:
            self._reports.done.emit(
                generation,
                path,
                EXIF,
                pil_to_qimage(small),
                (None, None, False),
            )


def default_threads() -> int:
    """One decode thread per core (at least two, so a thumbnail never waits on one 24 MP
    decode): the GUI thread itself only paints."""
    return max(2, min(8, os.cpu_count() or 2))


class ThumbnailManager(QObject):
    """Request thumbnails or loupe previews by path; ``ready`` fires in the GUI thread."""

    ready = Signal(object, int)  # path (a str; see _JobReports), size (FULL, PREVIEW, ...)
    failed = Signal(object, str)  # path, message
    idle = Signal()  # nothing queued or running
    cleared = Signal()  # the folder changed: everything decoded was forgotten

    def __init__(
        self,
        decoder: Decoder | None = None,
        cache_folder: Path | None = None,
        threads: int | None = None,
        full_cache_bytes: int = FULL_CACHE_BYTES,
        parent: QObject | None = None,
        max_previews: int = 48,
        cache_bytes: int = DISK_CACHE_BYTES,
    ) -> None:
        super().__init__(parent)
        self._decoder = decoder
        #: the loupe's full-resolution JPEGs, straight into the screen's pixels (None, or
        #: the file not a plain JPEG: the decoder above does it)
        self.full_decoder: Callable[[str], tuple[QImage, tuple[int, int]] | None] | None = (
            decode_full if decoder is None else None
        )
        self.disk_cache = DiskCache(cache_folder, cache_bytes) if cache_folder else None
        self.queue = DecodeQueue()
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads or default_threads())
        self._generation = 0
        self._pending: set[tuple[str, int]] = set()  # queued or decoding
        self._pixmaps: dict[tuple[str, int], QPixmap] = {}
        self._sizes: set[int] = set()  # thumbnail sizes in use
        self._full: OrderedDict[str, QPixmap] = OrderedDict()
        self._previews: OrderedDict[str, QPixmap] = OrderedDict()
        self.histograms: dict[str, Histogram] = {}  # of the loupe previews held
        #: the upright pixel size of the original of each full preview decoded (a RAW's
        #: embedded preview can be smaller): face boxes are given in the original's pixels
        self.source_sizes: dict[str, tuple[int, int]] = {}
        self.full_cache_bytes = full_cache_bytes
        #: the frame the loupe shows (None: no loupe): its full decode is never dropped for
        #: another, and only its histogram is counted
        self.shown: str | None = None
        #: full decodes running on the decode threads (they change it under its lock)
        self._full_lock = threading.Lock()
        self._fulls_running = 0
        #: the loupe's size in device pixels: a PREVIEW is decoded to cover it at fit
        self.preview_box = PREVIEW_BOX
        self._exif: OrderedDict[str, QPixmap] = OrderedDict()  # the loupe's EXIF thumbnails
        #: the loupe's EXIF thumbnails are read on a thread of their own, newest first
        self._exif_pool = QThreadPool(self)
        self._exif_pool.setMaxThreadCount(1)
        self.exif_lock = threading.Lock()
        self.exif_wanted: tuple[str, int] | None = None  # (path, generation) to read next
        #: the full decodes' histograms are counted on a thread of their own, newest first
        self._histogram_pool = QThreadPool(self)
        self._histogram_pool.setMaxThreadCount(1)
        self.histogram_lock = threading.Lock()
        #: (generation, path, picture, decoded image or None) to count next
        self.histogram_wanted: tuple[int, str, QImage, Image.Image | None] | None = None
        #: frames whose EXIF thumbnail the loupe has read (decode threads add to it)
        self.exif_tried: set[str] = set()
        self._max_previews = max_previews
        self.errors: dict[str, str] = {}
        #: thumbnails shown from their EXIF thumbnail (decode threads add to it): their next
        #: decode is the sharp one
        self.roughed: set[tuple[str, int]] = set()
        #: the thumbnails each grid or strip shows (:meth:`on_screen`); a view that is gone
        #: drops out
        self._on_screen: weakref.WeakKeyDictionary[object, set[tuple[str, int]]] = (
            weakref.WeakKeyDictionary()
        )
        #: the jobs' signals: no parent, kept alive by the jobs that still run
        self.job_reports = _JobReports()
        self.job_reports.done.connect(self._on_done)
        self.job_reports.failed.connect(self._on_failed)
        self.job_reports.histogram.connect(self._on_histogram)

    @property
    def decoder(self) -> Decoder:
        if self._decoder is None:
            self._decoder = pipeline_decoder()
        return self._decoder

    @contextlib.contextmanager
    def full_running(self, full: bool):
        """Count a decode thread's full decode while it runs (a decode thread's side)."""
        if not full:
            yield
            return
        with self._full_lock:
            self._fulls_running += 1
        try:
            yield
        finally:
            with self._full_lock:
                self._fulls_running -= 1

    def ahead_waits(self, key: tuple[str, int]) -> bool:
        """An ahead full decode waits while another full decode runs: one 24 MP decode
        at a time is ahead work enough, and leaves a core to what is on screen and to
        the cull.  Asked by the queue, on a decode thread; the job of the full decode
        that ends starts one that takes it."""
        with self._full_lock:
            return key[1] == FULL and self._fulls_running > 0

    def full_ahead(self, pixels: int = 0) -> int:
        """How many frames of ``pixels`` (0: as large as the last full decode held) the
        loupe decodes in full ahead of the one it shows, within the memory bound: the
        shown frame and the one just left are held too, so two need four frames' room,
        one needs two (the frame left is dropped for it), none fits below that."""
        if pixels <= 0:
            pixels = max((p.width() * p.height() for p in self._full.values()), default=0)
        if pixels <= 0:
            return 1  # no frame's size known yet: one ahead, as the smallest room allows
        room = self.full_cache_bytes // (pixels * 4)
        return 0 if room < 2 else (1 if room < 4 else MAX_FULL_AHEAD)

    def full_bytes(self) -> int:
        """The bytes the full decodes held take (4 a pixel)."""
        return sum(pix.width() * pix.height() * 4 for pix in self._full.values())

    def _hold_full(self, path: str, pix: QPixmap) -> None:
        """Hold a full decode; drop the least recently used ones beyond the bound, never
        the shown frame's (nor the one just decoded)."""
        self._full.pop(path, None)
        self._full[path] = pix
        for dropped in list(self._full):
            if self.full_bytes() <= self.full_cache_bytes:
                break
            if dropped in (path, self.shown):
                continue
            del self._full[dropped]
            if dropped not in self._previews:
                self.histograms.pop(dropped, None)

    def _held(self, path: str, size: int) -> QPixmap | None:
        if size == FULL:
            return self._full.get(path)
        if size == PREVIEW:
            return self._previews.get(path)
        return self._pixmaps.get((path, size))

    def pixmap(self, path: str, size: int) -> QPixmap | None:
        """The cached pixmap, or None after queueing a decode job (once per path and size).

        Asking for FULL asks for the PREVIEW first, both ahead of every other request."""
        pix = self._held(path, size)
        if pix is not None:
            for lru in (self._full, self._previews):
                if size in (FULL, PREVIEW) and path in lru:
                    lru.move_to_end(path)
            return pix
        if size == FULL:
            self._queue_loupe([(path, PREVIEW), (path, FULL)])
        else:
            self.request(path, size)
        return None

    def preview(self, path: str) -> QPixmap | None:
        """The screen-sized preview at hand, decoding nothing."""
        return self._previews.get(path)

    def full(self, path: str) -> QPixmap | None:
        """The full decode at hand, decoding nothing."""
        return self._full.get(path)

    def exif(self, path: str) -> QPixmap | None:
        """The EXIF thumbnail the loupe read while decoding a PREVIEW, decoding nothing."""
        return self._exif.get(path)

    def exif_now(self, path: str) -> None:
        """Read the EXIF thumbnail of a frame the loupe has no picture of, on a lane of its
        own: however busy the decode threads are, the loupe shows the frame in
        milliseconds instead of "Loading…" (a newer request replaces one not yet read)."""
        if path in self.exif_tried or path in self.errors:
            return
        with self.exif_lock:
            self.exif_wanted = (path, self._generation)
        self._exif_pool.start(_ExifJob(self))

    def count_histogram(
        self, generation: int, path: str, image: QImage, pil: Image.Image | None
    ) -> None:
        """Count a full decode's histogram (from ``pil``, else from ``image``) once the
        histogram thread is free; a newer full decode replaces one not counted yet (its
        preview's histogram stays shown), so at most one 24 MP picture waits for it."""
        with self.histogram_lock:
            self.histogram_wanted = (generation, path, image, pil)
        self._histogram_pool.start(_HistogramJob(self))

    def cached(self, path: str) -> QPixmap | None:
        """The largest thumbnail of ``path`` at hand, decoding nothing."""
        for size in sorted(self._sizes, reverse=True):
            pix = self._pixmaps.get((path, size))
            if pix is not None:
                return pix
        return None

    def request(self, path: str, size: int) -> None:
        """Queue a decode: the loupe's sizes in front (newest first), then thumbnails."""
        if size in (FULL, PREVIEW):
            self._queue_loupe([(path, size)])
            return
        key = (path, size)
        if key in self._pending or path in self.errors:
            return
        self._pending.add(key)
        self.queue.push_back(key, self._generation)
        self.pool.start(_DecodeJob(self))

    def _wanted(self, keys: list[tuple[str, int]]) -> list[tuple[str, int]]:
        return [k for k in keys if k[0] not in self.errors and self._held(*k) is None]

    def _queue_loupe(self, keys: list[tuple[str, int]]) -> None:
        keys = [k for k in self._wanted(keys) if k not in self._pending]
        if not keys:
            return
        self._pending.update(keys)
        self.queue.push_front(keys, self._generation)
        for _key in keys:
            self.pool.start(_DecodeJob(self))

    def prefetch(self, keys: list[tuple[str, int]]) -> None:
        """Make ``keys`` (path, FULL or PREVIEW) the loupe's whole plan, most wanted first:
        the decodes of the frame shown (the first key's) before the thumbnails on screen,
        the frames ahead after them; what an earlier plan queued and this one does not want
        is cancelled."""
        queued = set(self.queue.pending())
        running = self._pending - queued  # being decoded now: planning it again decodes twice
        plan = [k for k in self._wanted(keys) if k not in running]
        shown = keys[0][0] if keys else None
        now = [k for k in plan if k[0] == shown]
        ahead = [k for k in plan if k[0] != shown]
        self._pending.difference_update(self.queue.plan(now, ahead, self._generation))
        fresh = [k for k in plan if k not in queued]
        self._pending.update(fresh)
        for _key in fresh:
            self.pool.start(_DecodeJob(self))
        if not self._pending:
            self.idle.emit()

    def cancel_full(self) -> None:
        """Drop every full decode queued (not those running): travel goes past them."""
        keys = [key for key in self.queue.pending() if key[1] == FULL]
        self._pending.difference_update(self.queue.drop(keys))

    def on_screen(self, view: object, keys: set[tuple[str, int]]) -> None:
        """The thumbnails (path, size) ``view`` shows now.  A queued thumbnail that has left
        ``view`` and is shown by no other view is cancelled: a strip or grid scrolled past
        does not keep the threads on tiles nobody sees (it is asked for again if it comes
        back)."""
        left = self._on_screen.get(view, set()) - keys
        self._on_screen[view] = set(keys)
        if left:
            left.difference_update(*self._on_screen.values())
            self._pending.difference_update(self.queue.cancel(left))

    def clear(self) -> None:
        """Forget everything and drop queued jobs (the folder changed)."""
        self._generation += 1
        self.queue.clear()
        self.pool.clear()
        self._pending.clear()
        self._pixmaps.clear()
        self._exif.clear()
        with self.exif_lock:
            self.exif_wanted = None
        with self.histogram_lock:
            self.histogram_wanted = None
        self.exif_tried.clear()
        self._full.clear()
        self._previews.clear()
        self.histograms.clear()
        self.source_sizes.clear()
        self.errors.clear()
        self.roughed.clear()
        self._on_screen.clear()
        self.cleared.emit()

    def shutdown(self) -> None:
        self.clear()
        self.pool.waitForDone()
        self._exif_pool.waitForDone()
        self._histogram_pool.waitForDone()

    def busy(self) -> bool:
        return bool(self._pending)

    @Slot(int, object, int, QImage, object)
    def _on_done(
        self,
        generation: int,
        path: str,
        size: int,
        image: QImage,
        extras: tuple[Histogram | None, tuple[int, int] | None, bool],
    ) -> None:
        if generation != self._generation:
            return
        histogram, original, rough = extras
        if not rough:  # a rough thumbnail stays pending until its sharp decode
            self._pending.discard((path, size))
        pix = QPixmap.fromImage(image)
        if size == EXIF:
            self._exif[path] = pix
            while len(self._exif) > self._max_previews * 4:
                self._exif.popitem(last=False)
        elif size in (FULL, PREVIEW):
            # the full decode's histogram replaces the preview's, never the other way
            if histogram is not None and (size == FULL or path not in self._full):
                self.histograms[path] = histogram
            if original is not None:
                self.source_sizes[path] = original
            if size == FULL:
                self._hold_full(path, pix)
            else:
                self._previews[path] = pix
                while len(self._previews) > self._max_previews:
                    dropped, _pix = self._previews.popitem(last=False)
                    if dropped not in self._full:
                        self.histograms.pop(dropped, None)
        else:
            self._pixmaps[(path, size)] = pix
            self._sizes.add(size)
        self.ready.emit(path, size)
        if not self._pending:
            self.idle.emit()

    @Slot(int, object, object)
    def _on_histogram(self, generation: int, path: str, histogram: Histogram) -> None:
        """The full decode's histogram replaces its preview's while the decode is held."""
        if generation == self._generation and path in self._full:
            self.histograms[path] = histogram
            self.ready.emit(path, FULL)

    def full_at_hand(self, path: str) -> bool:
        """Whether the full decode of ``path`` is held or being decoded now."""
        queued = (path, FULL) in self.queue.pending()
        return path in self._full or ((path, FULL) in self._pending and not queued)

    def decoding(self, size: int) -> bool:
        """Whether a decode of this size key (FULL, PREVIEW) is running now."""
        queued = set(self.queue.pending())
        return any(key[1] == size and key not in queued for key in self._pending)

    @Slot(int, object, str)
    def _on_failed(self, generation: int, path: str, message: str) -> None:
        if generation != self._generation:
            return
        self._pending = {k for k in self._pending if k[0] != path}
        self.errors[path] = message
        self.failed.emit(path, message)
        if not self._pending:
            self.idle.emit()
