"""Fetching the FGAesQ weights from the window: real HTTP on loopback, a real child process."""

from __future__ import annotations

import time

import pytest
from gui_fixtures import gui_env, new_window  # noqa: F401
from loopback_hub import LoopbackHub, serving

from fgaesq_core import pretrained

pytestmark = pytest.mark.gui

WEIGHTS = pretrained.REGISTRY["fgaesq"].filename  # the pinned file name


class SlowHub(LoopbackHub):
    files: dict[str, bytes] = {}
    requests: list[str] = []


@pytest.fixture
def hub(tmp_path, monkeypatch):
    # larger than huggingface_hub's 10 MB write step, so progress shows along the way
    SlowHub.files = {"README.md": b"weights", WEIGHTS: bytes(range(256)) * 100_000}
    SlowHub.requests = []
    SlowHub.rate = 1_000_000
    with serving(SlowHub, monkeypatch, tmp_path / "hub-cache"):
        yield tmp_path / "hub-cache"


def test_the_weights_download_with_progress_and_land_in_the_hub_cache(qtbot, gui_env, hub):  # noqa: F811
    SlowHub.rate = 12_000_000  # about 2 s for the file
    win = new_window(qtbot, gui_env, run_pipeline=False)
    controller = win.controller
    controller.confirm = lambda _title, _text: True
    progress = []
    controller.bus.download_progress.connect(lambda done, total: progress.append((done, total)))
    with qtbot.waitSignal(controller.bus.download_finished, timeout=60_000) as finished:
        controller.ranking.get_weights()
        assert win.status.model_status.bar.isVisibleTo(win)
        assert not win.commands.action("get_weights").isEnabled()
    ok, message = finished.args
    assert ok, message
    data = SlowHub.files[WEIGHTS]
    assert message.endswith(WEIGHTS) and (hub / message.split("hub-cache/")[-1]).exists()
    assert progress and all(total == len(data) for _done, total in progress)
    assert any(0 < done < len(data) for done, _total in progress), "progress along the way"
    assert not win.status.model_status.bar.isVisibleTo(win)
    assert pretrained.cached_file(pretrained.REGISTRY["fgaesq"]) is not None
    win.shutdown()


def test_cancel_stops_the_download_at_once_and_leaves_nothing(qtbot, gui_env, hub):  # noqa: F811
    SlowHub.rate = 1_000_000  # 25 s for the file: only Cancel ends it within the test
    win = new_window(qtbot, gui_env, run_pipeline=False)
    controller = win.controller
    controller.confirm = lambda _title, _text: True
    with qtbot.waitSignal(controller.bus.download_progress, timeout=60_000):
        controller.ranking.get_weights()  # a progress report: the partial file is in the cache
    assert list(hub.rglob("*.incomplete"))
    started = time.monotonic()
    with qtbot.waitSignal(controller.bus.download_finished, timeout=10_000) as finished:
        win.commands.run("cancel_download")
    assert time.monotonic() - started < 5
    assert finished.args[0] is False and "cancelled" in finished.args[1]
    assert controller.ranking.download is None and win.commands.action("get_weights").isEnabled()
    assert pretrained.cached_file(pretrained.REGISTRY["fgaesq"]) is None
    assert not list(hub.rglob("*.incomplete")), "no partial file is left in the cache"
    win.shutdown()


def test_nothing_is_fetched_without_a_yes(qtbot, gui_env, hub):  # noqa: F811
    win = new_window(qtbot, gui_env, run_pipeline=False)
    win.commands.run("get_weights")  # the stand-in question answers no
    assert win.controller.ranking.download is None
    assert not hub.exists()
    win.shutdown()
