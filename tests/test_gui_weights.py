"""Fetching the FGAesQ weights from the window: real HTTP on loopback, a real child process."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from gui_fixtures import gui_env, new_window  # noqa: F401

from fgaesq_core import pretrained

pytestmark = pytest.mark.gui

REPO = pretrained.REGISTRY["fgaesq"].repo_id
COMMIT = "0123456789abcdef0123456789abcdef01234567"
WEIGHTS = pretrained.REGISTRY["fgaesq"].filename  # the pinned file name


class SlowHub(BaseHTTPRequestHandler):
    """The hub's model info (with file sizes), file tree and files, sent at ``rate`` B/s."""

    files: dict[str, bytes] = {}
    rate = 1_000_000

    def log_message(self, *args):
        pass

    def _json(self, body, head: bool) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def _route(self, head: bool) -> None:
        path = self.path.split("?")[0]
        if path == f"/api/models/{REPO}" or path.startswith(f"/api/models/{REPO}/revision/"):
            siblings = [
                {
                    "rfilename": name,
                    "size": len(data),
                    "lfs": {
                        "sha256": hashlib.sha256(data).hexdigest(),
                        "size": len(data),
                        "pointerSize": 134,
                    },
                }
                for name, data in self.files.items()
            ]
            return self._json({"id": REPO, "sha": COMMIT, "siblings": siblings}, head)
        if path.startswith(f"/api/models/{REPO}/tree/"):
            tree = [
                {"type": "file", "path": name, "size": len(data), "oid": COMMIT}
                for name, data in self.files.items()
            ]
            return self._json(tree, head)
        prefix = f"/{REPO}/resolve/"
        name = path[len(prefix) :].split("/", 1)[-1] if path.startswith(prefix) else ""
        if name not in self.files:
            self.send_response(404)
            self.send_header("X-Error-Code", "EntryNotFound")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        data = self.files[name]
        self.send_response(200)
        self.send_header("ETag", f'"{hashlib.sha256(data).hexdigest()}"')
        self.send_header("X-Repo-Commit", COMMIT)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if head:
            return None
        chunk = max(1, self.rate // 20)
        try:
            for start in range(0, len(data), chunk):
                self.wfile.write(data[start : start + chunk])
                self.wfile.flush()
                time.sleep(chunk / self.rate)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client went away: a cancelled download
        return None

    def do_GET(self):
        self._route(head=False)

    def do_HEAD(self):
        self._route(head=True)


@pytest.fixture
def hub(tmp_path, monkeypatch):
    # larger than huggingface_hub's 10 MB write step, so progress shows along the way
    SlowHub.files = {"README.md": b"weights", WEIGHTS: bytes(range(256)) * 100_000}
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowHub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{server.server_port}")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub-cache"))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    pretrained.clear_availability_cache()
    yield tmp_path / "hub-cache"
    server.shutdown()
    pretrained.clear_availability_cache()


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
