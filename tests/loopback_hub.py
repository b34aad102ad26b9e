"""An imitation of the Hugging Face hub on 127.0.0.1, for the download tests of the model
library and of the window: model info, file tree and file downloads of one repository."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from fgaesq_core import pretrained

REPO = pretrained.REGISTRY["fgaesq"].repo_id
COMMIT = "0123456789abcdef0123456789abcdef01234567"


class LoopbackHub(BaseHTTPRequestHandler):
    """Serves ``/api/models/<repo>`` (also at revision main), its file tree and
    ``/<repo>/resolve/<revision>/<file>`` for the revisions ``main`` and ``COMMIT``.

    Subclasses set ``files``; every request is recorded in ``requests``; files are sent at
    ``rate`` bytes per second (``None``: at once), so a download can show progress or be
    cancelled half way.
    """

    files: dict[str, bytes] = {}
    requests: list[str] = []
    rate: int | None = None

    def log_message(self, *args):
        pass

    def _send(self, status, body=b"", headers=None, head=False, rate=None):
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if head:
            return
        chunk = max(1, rate // 20) if rate else max(1, len(body))
        try:
            for start in range(0, len(body), chunk):
                self.wfile.write(body[start : start + chunk])
                self.wfile.flush()
                if rate:
                    time.sleep(chunk / rate)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client went away: a cancelled download

    def _json(self, value, head):
        self._send(200, json.dumps(value).encode(), {"Content-Type": "application/json"}, head)

    def _route(self, head):
        path = self.path.split("?")[0]
        self.requests.append(f"{self.command} {path}")
        if path in (f"/api/models/{REPO}", f"/api/models/{REPO}/revision/main"):
            siblings = [
                {
                    "rfilename": name,
                    "size": len(data),
                    "lfs": {
                        "size": len(data),
                        "sha256": hashlib.sha256(data).hexdigest(),
                        "pointerSize": 134,
                    },
                }
                for name, data in self.files.items()
            ]
            return self._json({"id": REPO, "sha": COMMIT, "siblings": siblings}, head)
        if path.startswith(f"/api/models/{REPO}/tree/"):
            tree = [
                {
                    "type": "file",
                    "path": name,
                    "size": len(data),
                    "oid": hashlib.sha1(data).hexdigest(),
                }
                for name, data in self.files.items()
            ]
            return self._json(tree, head)
        prefix = f"/{REPO}/resolve/"
        if path.startswith(prefix):
            revision, name = path[len(prefix) :].split("/", 1)
            if revision not in ("main", COMMIT):
                return self._send(404, b"no revision", {"X-Error-Code": "RevisionNotFound"}, head)
            if name in self.files:
                data = self.files[name]
                headers = {
                    "ETag": f'"{hashlib.sha256(data).hexdigest()}"',
                    "X-Repo-Commit": COMMIT,
                    "Content-Type": "application/octet-stream",
                }
                return self._send(200, data, headers, head, rate=self.rate)
        return self._send(404, b"not found", {"X-Error-Code": "EntryNotFound"}, head)

    def do_GET(self):
        self._route(head=False)

    def do_HEAD(self):
        self._route(head=True)


@contextmanager
def serving(handler: type[LoopbackHub], monkeypatch, cache: Path) -> Iterator[None]:
    """``handler`` on a free loopback port, with the hub client pointed at it, its cache at
    ``cache`` and the pins recorded on first use beside it (online; the availability cache
    cleared before and after)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{server.server_port}")
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("FGAESQ_PINS", str(cache.parent / "pins.json"))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    pretrained.clear_availability_cache()
    try:
        yield
    finally:
        server.shutdown()
        pretrained.clear_availability_cache()
