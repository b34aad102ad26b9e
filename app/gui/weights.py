"""Fetch the FGAesQ weights for the photographer, with progress and a Cancel that works.

The download is ``fgaesq_core.pretrained.download``, the same resolution the model library
uses, run in a child process: a blocking HTTP transfer cannot be interrupted in a thread,
a process can.  Progress is the size of the partial file in the hub cache (written in
10 MB steps) against the file size the hub lists.  A cancelled download leaves nothing
behind: huggingface_hub names each partial file uniquely and never resumes it, so the
window removes it.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

WEIGHTS = "fgaesq"
POLL_MS = 200
REPORT_EVERY_S = 0.25


def _sizes_on_hub(spec) -> dict[str, int]:  # noqa: ANN001 - a PretrainedSpec
    """{blob id: size} of the repo's files (LFS files are stored under their SHA-256)."""
    from huggingface_hub import HfApi

    from fgaesq_core import pretrained

    info = HfApi(endpoint=pretrained.hub_endpoint()).model_info(spec.repo_id, files_metadata=True)
    sizes = {}
    for sibling in info.siblings or []:
        if sibling.lfs is not None and sibling.size is not None:
            sizes[sibling.lfs.sha256] = sibling.size
    return sizes


def _partial_file(spec) -> Path | None:  # noqa: ANN001 - a PretrainedSpec
    """The file being downloaded into the hub cache (named after its blob id), if any."""
    from fgaesq_core import pretrained

    repo = pretrained.hub_cache_dir() / ("models--" + spec.repo_id.replace("/", "--"))
    partial = list((repo / "blobs").glob("*.incomplete"))
    return partial[0] if partial else None


def fetch_in_child(name: str, conn: Connection) -> None:
    """The child process: download, reporting ("progress", done, total, partial file),
    then ("done", path) or ("failed", message)."""
    try:
        from fgaesq_core import pretrained

        spec = pretrained.REGISTRY[name]
        finished = threading.Event()

        def report() -> None:
            try:
                sizes = _sizes_on_hub(spec)
            except Exception:  # no sizes: progress without a total
                sizes = {}
            while not finished.wait(REPORT_EVERY_S):
                partial = _partial_file(spec)
                try:
                    done = partial.stat().st_size if partial is not None else 0
                except FileNotFoundError:  # completed in the meantime
                    continue
                if partial is not None:
                    blob = partial.name.split(".")[0]  # <blob id>[.<unique>].incomplete
                    conn.send(("progress", done, sizes.get(blob, 0), str(partial)))

        reporter = threading.Thread(target=report, daemon=True)
        reporter.start()
        try:
            path = pretrained.download(spec)
        finally:
            finished.set()
            reporter.join(1)
        conn.send(("done", str(path)))
    except Exception as exc:  # every failure reaches the window as a message
        conn.send(("failed", str(exc) or type(exc).__name__))
    finally:
        conn.close()


class WeightsDownload(QObject):
    """One download of the FGAesQ weights; ``cancel()`` stops it at once."""

    progress = Signal(int, int)  # bytes so far, total (0 when unknown)
    finished = Signal(bool, str)  # succeeded, the file or what went wrong

    def __init__(self, name: str = WEIGHTS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._process: multiprocessing.Process | None = None
        self._conn: Connection | None = None
        self._timer = QTimer(self, interval=POLL_MS)
        self._timer.timeout.connect(self._poll)
        self.started_at = 0.0
        self._partial: Path | None = None  # the file the child is writing
        self.cancelled = False

    def start(self) -> None:
        context = multiprocessing.get_context("spawn")  # never fork a process running Qt
        receive, send = context.Pipe(duplex=False)
        self._process = context.Process(
            target=fetch_in_child, args=(self.name, send), name="fgaesq-weights", daemon=True
        )
        self._process.start()
        send.close()
        self._conn = receive
        self.started_at = time.monotonic()
        self._timer.start()

    def running(self) -> bool:
        return self._process is not None

    def cancel(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.join(5)
            partial = self._partial
            if partial is not None and partial.name.endswith(".incomplete"):
                partial.unlink(missing_ok=True)  # never resumed: a unique name per download
            self.cancelled = True
            self._end(False, "Download cancelled")

    def _poll(self) -> None:
        conn, process = self._conn, self._process
        if conn is None or process is None:
            return
        try:
            while conn.poll():
                kind, *values = conn.recv()
                if kind == "progress":
                    self._partial = Path(values[2])
                    self.progress.emit(int(values[0]), int(values[1]))
                else:
                    self._end(kind == "done", str(values[0]))
                    return
        except (EOFError, OSError):
            pass
        if not process.is_alive():
            self._end(False, f"the download stopped unexpectedly (exit code {process.exitcode})")

    def _end(self, ok: bool, message: str) -> None:
        self._timer.stop()
        if self._conn is not None:
            self._conn.close()
        if self._process is not None:
            self._process.join(1)
        self._conn, self._process = None, None
        self.finished.emit(ok, message)
