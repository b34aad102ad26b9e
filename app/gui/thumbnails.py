"""Thumbnails and previews decoded on a QThreadPool, with an on-disk thumbnail cache.

Jobs decode with the pipeline's decoder (never a second one), turn the PIL image into
a QImage in the worker thread and hand it to the GUI thread by a queued signal; the
GUI thread alone makes QPixmaps.  Changing folders bumps a generation number: queued
jobs are dropped and late results from the old folder are ignored.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot
from PySide6.QtGui import QImage, QPixmap

from app.gui.histogram import Histogram, histogram_of
from app.photos.decode import source_size

#: decode(path, max_size) -> PIL image; max_size None means the largest preview available
Decoder = Callable[[str, int | None], Image.Image]

FULL = 0  # size key for the full-resolution preview used by the loupe at 100 %


def pipeline_decoder() -> Decoder:
    """The pipeline's preview decoder (embedded RAW previews, JPEG draft mode, HEIF)."""
    from app.photos import decode_image

    def decode(path: str, max_size: int | None) -> Image.Image:
        return decode_image(path, max_side=max_size)

    return decode


def pil_to_qimage(image: Image.Image) -> QImage:
    """Copy a PIL image into a QImage that owns its memory (safe to send across threads)."""
    rgb = image.convert("RGB")
    data = rgb.tobytes("raw", "RGB")
    qimage = QImage(data, rgb.width, rgb.height, rgb.width * 3, QImage.Format.Format_RGB888)
    return qimage.copy()


class DiskCache:
    """Small JPEG thumbnails keyed by path, size, mtime and file size; atomic writes."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _key_path(self, path: str, size: int) -> Path | None:
        try:
            st = os.stat(path)
        except OSError:
            return None
        key = f"{os.path.abspath(path)}|{size}|{st.st_mtime_ns}|{st.st_size}"
        digest = hashlib.sha1(key.encode("utf-8")).hexdigest()
        return self.folder / digest[:2] / f"{digest}.jpg"

    def load(self, path: str, size: int) -> QImage | None:
        key_path = self._key_path(path, size)
        if key_path is None or not key_path.exists():
            return None
        image = QImage(str(key_path))
        return None if image.isNull() else image

    def store(self, path: str, size: int, image: QImage) -> None:
        key_path = self._key_path(path, size)
        if key_path is None:
            return
        key_path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=key_path.parent, prefix=".thumb-", suffix=".jpg")
        os.close(fd)
        try:
            if image.save(tmp, "JPEG", 88):
                os.replace(tmp, key_path)
        finally:
            Path(tmp).unlink(missing_ok=True)


class _DecodeJob(QRunnable):
    """Decode one file at one size; report through the manager's private signals."""

    def __init__(self, manager: ThumbnailManager, generation: int, path: str, size: int) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._done = manager._job_done
        self._failed = manager._job_failed
        self._decoder = manager.decoder
        self._cache = manager.disk_cache if size != FULL else None
        self.generation, self.path, self.size = generation, path, size

    def run(self) -> None:
        try:
            histogram = original = None
            image = self._cache.load(self.path, self.size) if self._cache else None
            if image is None:
                pil = self._decoder(self.path, self.size or None)
                if self.size:
                    pil.thumbnail((self.size, self.size), Image.Resampling.BILINEAR)
                else:  # the loupe's preview: its histogram is computed here, off the GUI thread
                    histogram, original = histogram_of(pil), source_size(pil)
                image = pil_to_qimage(pil)
                if self._cache:
                    self._cache.store(self.path, self.size, image)
            self._done.emit(self.generation, self.path, self.size, image, (histogram, original))
        except Exception as exc:  # any unreadable file is reported, never fatal
            self._failed.emit(self.generation, self.path, str(exc) or type(exc).__name__)


class ThumbnailManager(QObject):
    """Request thumbnails or full previews by path; ``ready`` fires in the GUI thread."""

    ready = Signal(str, int)  # path, size (FULL for the loupe preview)
    failed = Signal(str, str)  # path, message
    idle = Signal()  # nothing queued or running
    cleared = Signal()  # the folder changed: everything decoded was forgotten

    _job_done = Signal(int, str, int, QImage, object)
    _job_failed = Signal(int, str, str)

    def __init__(
        self,
        decoder: Decoder | None = None,
        cache_folder: Path | None = None,
        threads: int | None = None,
        max_full_previews: int = 12,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._decoder = decoder
        self.disk_cache = DiskCache(cache_folder) if cache_folder else None
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads or max(1, min(4, (os.cpu_count() or 2) - 1)))
        self._generation = 0
        self._pending: set[tuple[str, int]] = set()
        self._pixmaps: dict[tuple[str, int], QPixmap] = {}
        self._sizes: set[int] = set()  # thumbnail sizes in use
        self._full: OrderedDict[str, QPixmap] = OrderedDict()
        self.histograms: dict[str, Histogram] = {}  # of the full previews held
        #: the upright pixel size of the original of each full preview decoded (a RAW's
        #: embedded preview can be smaller): face boxes are given in the original's pixels
        self.source_sizes: dict[str, tuple[int, int]] = {}
        self._max_full = max_full_previews
        self.errors: dict[str, str] = {}
        self._job_done.connect(self._on_done)
        self._job_failed.connect(self._on_failed)

    @property
    def decoder(self) -> Decoder:
        if self._decoder is None:
            self._decoder = pipeline_decoder()
        return self._decoder

    def pixmap(self, path: str, size: int) -> QPixmap | None:
        """The cached pixmap, or None after queueing a decode job (once per path and size)."""
        if size == FULL:
            pix = self._full.get(path)
            if pix is not None:
                self._full.move_to_end(path)
        else:
            pix = self._pixmaps.get((path, size))
        if pix is None:
            self.request(path, size)
        return pix

    def cached(self, path: str) -> QPixmap | None:
        """The largest thumbnail of ``path`` at hand, decoding nothing."""
        for size in sorted(self._sizes, reverse=True):
            pix = self._pixmaps.get((path, size))
            if pix is not None:
                return pix
        return None

    def request(self, path: str, size: int) -> None:
        key = (path, size)
        if key in self._pending or path in self.errors:
            return
        self._pending.add(key)
        job = _DecodeJob(self, self._generation, path, size)
        # full previews jump ahead of thumbnails: the loupe is what the eye is on
        self.pool.start(job, 1 if size == FULL else 0)

    def clear(self) -> None:
        """Forget everything and drop queued jobs (the folder changed)."""
        self._generation += 1
        self.pool.clear()
        self._pending.clear()
        self._pixmaps.clear()
        self._full.clear()
        self.histograms.clear()
        self.source_sizes.clear()
        self.errors.clear()
        self.cleared.emit()

    def shutdown(self) -> None:
        self.clear()
        self.pool.waitForDone()

    def busy(self) -> bool:
        return bool(self._pending)

    @Slot(int, str, int, QImage, object)
    def _on_done(
        self,
        generation: int,
        path: str,
        size: int,
        image: QImage,
        extras: tuple[Histogram | None, tuple[int, int] | None],
    ) -> None:
        if generation != self._generation:
            return
        self._pending.discard((path, size))
        pix = QPixmap.fromImage(image)
        histogram, original = extras
        if size == FULL:
            self._full[path] = pix
            if histogram is not None:
                self.histograms[path] = histogram
            if original is not None:
                self.source_sizes[path] = original
            while len(self._full) > self._max_full:
                dropped, _pix = self._full.popitem(last=False)
                self.histograms.pop(dropped, None)
        else:
            self._pixmaps[(path, size)] = pix
            self._sizes.add(size)
        self.ready.emit(path, size)
        if not self._pending:
            self.idle.emit()

    @Slot(int, str, str)
    def _on_failed(self, generation: int, path: str, message: str) -> None:
        if generation != self._generation:
            return
        self._pending = {k for k in self._pending if k[0] != path}
        self.errors[path] = message
        self.failed.emit(path, message)
        if not self._pending:
            self.idle.emit()
