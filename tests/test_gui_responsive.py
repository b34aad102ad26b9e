"""The GUI thread keeps painting and answering while a few hundred photos are culled."""

from __future__ import annotations

import time

import pytest
from gui_fixtures import gui_env, make_bursts  # noqa: F401
from PySide6.QtCore import QTimer

from app.gui.mainwindow import MainWindow
from app.gui.settings import Settings

pytestmark = pytest.mark.gui

TICK_MS = 10


class StallWatchdog:
    """A 10 ms timer in the GUI thread; the longest gap between ticks is the worst stall."""

    def __init__(self) -> None:
        self.longest = 0.0
        self.ticks = 0
        self._last = time.perf_counter()
        self.timer = QTimer(interval=TICK_MS)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self._last)
        self._last = now
        self.ticks += 1

    def start(self) -> None:
        self._last = time.perf_counter()
        self.timer.start()


def test_gui_thread_stays_responsive_while_300_photos_are_culled(qtbot, gui_env, tmp_path):  # noqa: F811
    import app.pipeline  # noqa: F401  - the first cull of a session imports torch; measure the steady state

    make_bursts(tmp_path / "photos", bursts=100, frames=3, size=(320, 240))
    settings = Settings()
    settings.set("scorer", "technical")
    window = MainWindow(settings=settings, catalog_path=str(gui_env))
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    qtbot.wait(300)  # the first paint loads fonts and styles: not part of the cull
    watchdog = StallWatchdog()
    watchdog.start()
    started = time.perf_counter()
    window.open_folder(tmp_path / "photos")
    qtbot.waitUntil(lambda: window.job is None, timeout=240_000)
    window.set_view("loupe")
    for _ in range(20):  # cull a little while thumbnails and previews still decode
        window.trigger("pick")
    qtbot.waitUntil(lambda: not window.thumbnails.busy(), timeout=60_000)
    elapsed = time.perf_counter() - started
    watchdog.timer.stop()
    assert len(window.series_model.series()) == 100
    print(f"\nlongest GUI-thread stall: {watchdog.longest * 1000:.0f} ms over {elapsed:.1f} s "
          f"({watchdog.ticks} ticks)")
    assert watchdog.longest < 2.0
    window.shutdown()
