"""Fixtures for the GUI tests: isolated settings, cache and catalog; small burst folders.

Import the fixtures into a test module by name (``from gui_fixtures import gui_env``).
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter
from PIL.TiffImagePlugin import IFDRational

from app.photos.embedded import exif_with_thumbnail

EXIF_IFD, DATETIME_ORIGINAL, SUBSEC_ORIGINAL = 0x8769, 0x9003, 0x9291
EXPOSURE_TIME, F_NUMBER, ISO, FOCAL_LENGTH, LENS_MODEL = 0x829A, 0x829D, 0x8827, 0x920A, 0xA434
MAKE, MODEL, DATETIME = 0x010F, 0x0110, 0x0132


def write_jpeg(
    path: Path, image: Image.Image, when: datetime, camera=("FGAesQ", "Test Body")
) -> None:
    exif = Image.Exif()
    exif[MAKE], exif[MODEL] = camera
    exif[DATETIME] = when.strftime("%Y:%m:%d %H:%M:%S")
    sub = exif.get_ifd(EXIF_IFD)
    sub[DATETIME_ORIGINAL] = when.strftime("%Y:%m:%d %H:%M:%S")
    sub[SUBSEC_ORIGINAL] = f"{when.microsecond // 10000:02d}"
    sub[EXPOSURE_TIME], sub[F_NUMBER] = IFDRational(1, 500), IFDRational(28, 10)
    sub[ISO], sub[FOCAL_LENGTH], sub[LENS_MODEL] = 400, IFDRational(85, 1), "85mm F1.8"
    image.save(path, "JPEG", quality=90, exif=exif)


MARKER = (0, 255, 0)  # the colour of every EXIF thumbnail written here: no photo has it


def add_exif_thumbnail(path: Path) -> None:
    """Give a JPEG a camera-style EXIF thumbnail (160 px, solid MARKER green)."""
    with Image.open(path) as image:
        image.load()
        exif = image.getexif()
    small = io.BytesIO()
    Image.new("RGB", (160, 120), MARKER).save(small, "JPEG", quality=90)
    image.save(path, "JPEG", quality=90, exif=exif_with_thumbnail(exif.tobytes(), small.getvalue()))


def scene(seed: int, size: tuple[int, int]) -> Image.Image:
    """A detailed picture; one seed per series, so series differ and frames of one look alike.

    Smooth waves under a mosaic of sharp-edged tiles: a blur visibly softens the edges (the
    technical scorer tells grain from detail, so the detail is not random per-pixel noise).
    """
    rng = np.random.default_rng(seed)
    w, h = size
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack(
        [
            128 + 60 * np.sin(x / (9 + seed % 7) + seed),
            128 + 60 * np.cos(y / (11 + seed % 5) - seed),
            128 + 50 * np.sin((x + y) / (13 + seed % 3)),
        ],
        axis=-1,
    )
    tiles = rng.uniform(-60, 60, (h // 11 + 1, w // 11 + 1, 3))  # 11 px: off the JPEG grid
    base += tiles[y // 11, x // 11] + rng.normal(0, 2, base.shape)
    return Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))


def make_bursts(
    folder: Path, bursts: int = 3, frames: int = 4, size=(320, 240), start: datetime | None = None
) -> list[list[Path]]:
    """``bursts`` series of ``frames`` JPEGs each: 0.2 s apart inside, a minute between.

    Frame sharpness falls with the frame index (more blur), so the technical scorer
    ranks frame 0 of every burst first.
    """
    folder.mkdir(parents=True, exist_ok=True)
    start = start or datetime(2024, 5, 1, 10, 0, 0)
    made = []
    for b in range(bursts):
        picture = scene(b + 1, size)
        paths = []
        for f in range(frames):
            when = start + timedelta(minutes=b, seconds=0.2 * f)
            image = picture.filter(ImageFilter.GaussianBlur(radius=f * 1.5)) if f else picture
            path = folder / f"B{b:02d}_F{f:02d}.jpg"
            write_jpeg(path, image, when)
            paths.append(path)
        made.append(paths)
    return made


class Questions:
    """Stands in for ``QMessageBox.question``: records what was asked, answers ``answer``.

    A modal question would block a test forever (pytest-qt closes windows at teardown,
    and closing asks about unwritten sidecars).
    """

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.answer = None  # None: the "no" of the question (Discard, or No)

    def __call__(self, _parent, title, text, buttons=None, default=None):
        from PySide6.QtWidgets import QMessageBox

        self.asked.append(f"{title}: {text}")
        if self.answer is not None:
            return self.answer
        if buttons is not None and buttons & QMessageBox.StandardButton.Discard:
            return QMessageBox.StandardButton.Discard
        return QMessageBox.StandardButton.No


@pytest.fixture
def gui_env(tmp_path, monkeypatch):
    """Settings, thumbnail cache and catalog inside tmp_path; returns the catalog path.

    Questions the window asks are answered "no" by a :class:`Questions`, never shown.
    """
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "question", Questions())
    monkeypatch.setenv("FGAESQ_CULL_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("FGAESQ_CULL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path / "catalog.sqlite3"


@pytest.fixture
def questions(gui_env) -> Questions:  # noqa: F811
    """The stand-in that answers the window's questions (set ``answer`` to change it)."""
    from PySide6.QtWidgets import QMessageBox

    return QMessageBox.question


def new_window(qtbot, catalog_path, run_pipeline=True, size=(1400, 900), **prefs):
    """A shown main window on the technical scorer, one decoding process, isolated settings."""
    from app.gui.mainwindow import MainWindow
    from app.gui.settings import Settings

    settings = Settings()
    for name, value in {"scorer": "technical", "workers": 1, **prefs}.items():
        settings.set(name, value)
    window = MainWindow(
        settings=settings, catalog_path=str(catalog_path), run_pipeline=run_pipeline
    )
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    return window


def settle(qtbot, window, timeout=60_000) -> None:
    """Wait until the cull, catalog reads, details reads and thumbnails are done."""
    qtbot.waitUntil(lambda: not window.controller.is_busy(), timeout=timeout)


@pytest.fixture
def folder(tmp_path):
    """Three bursts of four frames."""
    make_bursts(tmp_path / "photos", bursts=3, frames=4)
    return tmp_path / "photos"


@pytest.fixture
def window(qtbot, gui_env, folder):  # noqa: F811
    """A window with ``folder`` culled and shown."""
    win = new_window(qtbot, gui_env)
    assert win.controller.open_folder(folder)
    settle(qtbot, win)
    yield win
    win.shutdown()


def written(window) -> None:
    """Wait until every decision made in ``window`` is in the catalog (they are written on
    a worker thread, so the GUI thread never waits for a cull's transaction)."""
    window.controller.session.writer.finish()


def outcome(qtbot, future, timeout=60_000):
    """What a write asked of the window's writer thread came to, once the window showed it
    (the GUI thread keeps running meanwhile, as it does for the photographer)."""
    qtbot.waitUntil(future.done, timeout=timeout)
    return future.result()


def catalog_decisions(catalog_path, window):
    """What the catalog file holds for every photo the window shows."""
    from app.catalog import Catalog

    written(window)
    with Catalog.open(catalog_path) as catalog:
        return catalog.decisions(f.photo_id for s in window.controller.series() for f in s.frames)


def press(qtbot, window, key, modifier=None):
    """A key press where the photographer's keys go (the focused widget)."""
    from PySide6.QtCore import Qt

    modifier = Qt.KeyboardModifier.NoModifier if modifier is None else modifier
    qtbot.keyClick(window.focusWidget() or window, key, modifier)
