"""The loupe's full-resolution JPEG decode straight into the screen's pixels: the same
picture as the pipeline's decoder gives, and the pipeline's decoder wherever it cannot."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from gui_fixtures import scene
from PIL import Image

from app.gui import full_decode
from app.gui.full_decode import ORIENTATION, decode_full, qimage_to_pil
from app.gui.thumbnails import FULL, ThumbnailManager, pil_to_qimage, pipeline_decoder

pytest.importorskip("simplejpeg")


def pixels(image) -> np.ndarray:
    return np.asarray(qimage_to_pil(image), dtype=np.int16)


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "upright.jpg"
    scene(3, (331, 203)).save(path, "JPEG", quality=90)  # sides off the 16 px blocks
    return path


def test_an_upright_jpeg_decodes_to_the_pipelines_picture(photo):
    fast = decode_full(str(photo))
    assert fast is not None
    image, size = fast
    assert size == (331, 203)
    slow = pil_to_qimage(pipeline_decoder()(str(photo), None))
    assert np.abs(pixels(image) - pixels(slow)).max() <= 2


@pytest.mark.parametrize("kind", ["turned", "png", "truncated", "cmyk", "no simplejpeg"])
def test_the_pipelines_decoder_does_what_the_fast_path_cannot(kind, photo, monkeypatch):
    path = photo
    if kind == "turned":  # the pipeline turns it upright
        exif = Image.Exif()
        exif[ORIENTATION] = 6
        Image.open(photo).save(path, "JPEG", quality=90, exif=exif)
    elif kind == "png":
        path = photo.with_suffix(".jpg.png")
        Image.open(photo).save(path, "PNG")
    elif kind == "truncated":
        path.write_bytes(photo.read_bytes()[:2000])
    elif kind == "cmyk":
        Image.open(photo).convert("CMYK").save(path, "JPEG")
    else:
        monkeypatch.setattr(full_decode, "simplejpeg", None)
    assert decode_full(str(path)) is None


def test_the_window_shows_a_fast_full_decode_with_its_histogram(qtbot, photo, tmp_path):
    turned = tmp_path / "turned.jpg"
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    Image.open(photo).save(turned, "JPEG", quality=90, exif=exif)
    thumbs = ThumbnailManager(threads=2)
    assert thumbs.full_decoder is decode_full
    for path in (photo, turned):
        thumbs.pixmap(str(path), FULL)
    qtbot.waitUntil(lambda: not thumbs.busy(), timeout=30_000)
    assert thumbs.full(str(photo)).size().toTuple() == (331, 203)
    assert thumbs.full(str(turned)).size().toTuple() == (203, 331), "turned upright"
    assert thumbs.source_sizes[str(photo)] == (331, 203)
    qtbot.waitUntil(lambda: str(photo) in thumbs.histograms, timeout=30_000)
    counts = thumbs.histograms[str(photo)].channels[0]
    assert sum(counts) == 331 * 203, "the whole picture counted"
    thumbs.shutdown()


def test_the_next_full_decode_does_not_wait_for_the_last_ones_histogram(
    qtbot, photo, tmp_path, monkeypatch
):
    """Counting 24 MP takes longer than decoding it straight: on the decode thread it held
    up the next frame's 100 %."""
    from app.gui import thumbnails as module

    gate = threading.Event()

    def held_unpacking(image):
        assert gate.wait(60), "gate never opened"
        return qimage_to_pil(image)

    monkeypatch.setattr(module, "qimage_to_pil", held_unpacking)  # the full decode's only
    second = tmp_path / "second.jpg"
    scene(4, (200, 150)).save(second, "JPEG", quality=90)
    thumbs = ThumbnailManager(threads=1)
    thumbs.pixmap(str(photo), FULL)
    qtbot.waitUntil(lambda: thumbs.full(str(photo)) is not None, timeout=30_000)
    thumbs.pixmap(str(second), FULL)
    qtbot.waitUntil(lambda: thumbs.full(str(second)) is not None, timeout=10_000)
    gate.set()
    thumbs.shutdown()
    assert thumbs.histogram_wanted is None, "the newest histogram was counted"
