"""Faces at 100 %: pieces of the original around each face, cut on the thumbnail pool.

The face close-up strip shows the same person in every frame of a burst side by side, so
the frame is chosen on the eyes.  A face is shown at 100 % of the original: a window of
the original's pixels as large as the tile, centred on the face when it fits and on its
eyes when it does not.  A face so large that both eyes do not fit in the tile at 100 %
(a close-up portrait) is shown reduced, just enough for both eyes and a margin, centred
on them: a tile of the bridge of the nose tells nothing about a blink.  Each frame is decoded once, by the pipeline's decoder on the
:class:`~app.gui.thumbnails.ThumbnailManager`'s pool, for every window asked of it; the
GUI thread only turns the finished QImages into pixmaps.

A RAW whose embedded preview is smaller than the sensor is cut from that preview (the
largest the decoder gives without demosaicing) and drawn enlarged to the tile.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

from PIL import Image
from PySide6.QtCore import QObject, QRunnable, Signal, Slot
from PySide6.QtGui import QImage, QPixmap

from app.gui.thumbnails import Decoder, ThumbnailManager, pil_to_qimage
from app.photos.decode import source_size

#: (centre x, centre y, width, height) in the original's upright pixels, then the (width,
#: height) it is drawn at: the same at 100 %, smaller for a reduced close-up
Window = tuple[int, int, int, int, int, int]
Box = tuple[float, float, float, float]

#: the eye centres lie about this far down a detector's face box (0.30-0.36 measured on
#: the test portraits)
EYE_LINE = 0.33
#: a window at least this share of the face's width holds both eyes with a margin (their
#: outer corners lie about 0.2 and 0.8 of the way across the box)
EYES_SPAN = 0.85
#: a tile shows this much more than the face's width, within these bounds (screen pixels)
TILE_MARGIN = 1.3
TILE_MIN = (150, 110)
TILE_MAX = (420, 240)
MAX_CROPS = 400  # pixmaps kept (a few series of a few people)


def tile_size(boxes: Sequence[Box]) -> tuple[int, int]:
    """The tile of one person: the whole face with a margin where it fits at 100 %
    (sized by the person's largest face in the series), else as much as the bounds allow."""
    width = max((b[2] for b in boxes), default=0.0)
    height = max((b[3] for b in boxes), default=0.0)
    w = min(max(round(width * TILE_MARGIN), TILE_MIN[0]), TILE_MAX[0])
    h = min(max(round(height * TILE_MARGIN), TILE_MIN[1]), TILE_MAX[1])
    return w, h


def face_window(box: Box, tile: tuple[int, int]) -> Window:
    """The window of the original a tile shows of ``box``: centred on the eye line, or as
    near it as keeps the whole face in view where the face fits the tile; reduced to the
    tile where both eyes would not fit in it at 100 %."""
    x, y, w, h = box
    width, height = tile
    if w * EYES_SPAN > width:
        width = round(w * EYES_SPAN)
        height = round(width * tile[1] / tile[0])
    eyes = y + h * EYE_LINE
    lowest, highest = y + h - height / 2, y + height / 2  # centres that keep the face whole
    cy = eyes if lowest > highest else min(max(eyes, lowest), highest)
    return round(x + w / 2), round(cy), width, height, tile[0], tile[1]


def placed(window: Window, size: tuple[int, int]) -> tuple[int, int, int, int]:
    """``window`` as (left, top, right, bottom) moved inside an image of ``size`` (and cut
    to it where the image is smaller)."""
    cx, cy, w, h = window[:4]
    w, h = min(w, size[0]), min(h, size[1])
    left = min(max(cx - w // 2, 0), size[0] - w)
    top = min(max(cy - h // 2, 0), size[1] - h)
    return left, top, left + w, top + h


def cut_windows(image: Image.Image, windows: Sequence[Window]) -> list[Image.Image]:
    """The windows (in the original's pixels) cut from ``image``, a decode of the original
    at any size: each is placed inside the original and comes out at the size it is drawn
    at, the original's pixel size at 100 % (a smaller decode is enlarged), so a piece is
    always drawn one to one."""
    original = source_size(image)
    factor = image.width / original[0] if original[0] else 1.0
    pieces = []
    for window in windows:
        left, top, right, bottom = placed(window, original)
        box = (
            round(left * factor),
            round(top * factor),
            max(round(right * factor), round(left * factor) + 1),
            max(round(bottom * factor), round(top * factor) + 1),
        )
        piece = image.crop(box)
        zoom = window[4] / window[2]
        shown = (max(1, round((right - left) * zoom)), max(1, round((bottom - top) * zoom)))
        if piece.size != shown:
            piece = piece.resize(shown, Image.Resampling.BICUBIC, reducing_gap=2.0)
        pieces.append(piece)
    return pieces


class _CropJob(QRunnable):
    """Decode one file at full size and cut every window asked of it."""

    def __init__(
        self, crops: FaceCrops, generation: int, path: str, windows: tuple[Window, ...]
    ) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._reports = crops.job_reports  # kept alive while this job runs
        self._done, self._failed = self._reports.done, self._reports.failed
        self._decoder: Decoder = crops.thumbnails.decoder
        self.generation, self.path, self.windows = generation, path, windows

    def run(self) -> None:
        try:
            image = self._decoder(self.path, None)
            images = [pil_to_qimage(piece) for piece in cut_windows(image, self.windows)]
            self._done.emit(
                self.generation, self.path, list(zip(self.windows, images, strict=True))
            )
        except Exception as exc:  # an unreadable file is reported, never fatal
            self._failed.emit(self.generation, self.path, str(exc) or type(exc).__name__)


class _CropReports(QObject):
    """The crop jobs' reports, on an object the jobs keep alive: a crop that ends after its
    window was deleted emits into no connection, never into a half-deleted ``FaceCrops``."""

    done = Signal(int, object, object)  # paths as object, as the thumbnails' reports
    failed = Signal(int, object, str)


class FaceCrops(QObject):
    """Face crops by (path, window); ``ready(path)`` fires in the GUI thread."""

    ready = Signal(object)  # path
    failed = Signal(object, str)  # path, message

    def __init__(self, thumbnails: ThumbnailManager, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thumbnails = thumbnails
        self._generation = 0
        self._pending: set[str] = set()
        self._pixmaps: OrderedDict[tuple[str, Window], QPixmap] = OrderedDict()
        self.errors: dict[str, str] = {}
        #: the jobs' signals: no parent, kept alive by the jobs that still run
        self.job_reports = _CropReports()
        self.job_reports.done.connect(self._on_done)
        self.job_reports.failed.connect(self._on_failed)
        thumbnails.cleared.connect(self.clear)

    def pixmap(self, path: str, window: Window, siblings: Sequence[Window] = ()) -> QPixmap | None:
        """The crop, or None after queueing the decode of ``path`` for ``window`` and its
        ``siblings`` (the other windows of the same frame: one decode serves them all)."""
        pix = self._pixmaps.get((path, window))
        if pix is not None:
            self._pixmaps.move_to_end((path, window))
            return pix
        self.request(path, [window, *(w for w in siblings if w != window)])
        return None

    def request(self, path: str, windows: Sequence[Window]) -> None:
        wanted = tuple(w for w in windows if (path, w) not in self._pixmaps)
        if not wanted or path in self._pending or path in self.errors:
            return
        self._pending.add(path)
        # what the eye is on: ahead of the grid's thumbnails, with the loupe's previews
        self.thumbnails.pool.start(_CropJob(self, self._generation, path, wanted), 1)

    def busy(self) -> bool:
        return bool(self._pending)

    def clear(self) -> None:
        """Forget every crop (the folder changed); results of queued jobs are dropped."""
        self._generation += 1
        self._pending.clear()
        self._pixmaps.clear()
        self.errors.clear()

    @Slot(int, object, object)
    def _on_done(self, generation: int, path: str, crops: list[tuple[Window, QImage]]) -> None:
        if generation != self._generation:
            return
        self._pending.discard(path)
        for window, image in crops:
            self._pixmaps[(path, window)] = QPixmap.fromImage(image)
        while len(self._pixmaps) > MAX_CROPS:
            self._pixmaps.popitem(last=False)
        self.ready.emit(path)

    @Slot(int, object, str)
    def _on_failed(self, generation: int, path: str, message: str) -> None:
        if generation != self._generation:
            return
        self._pending.discard(path)
        self.errors[path] = message
        self.failed.emit(path, message)
