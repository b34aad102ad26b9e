"""Worker processes die with the run that started them: no orphans after kill -9 or a crash.

A cull's decoding pool is a tree: the run's process, multiprocessing's fork server, and the
workers it forks.  When the run dies without cleaning up (SIGKILL, a crash, a closed
terminal), nothing in multiprocessing stops the others: they went on decoding for minutes.
On Linux each of them asks the kernel to kill it when its parent dies
(``PR_SET_PDEATHSIG``): the fork server as it starts (``fork_server_preload`` is imported in
it), each worker in its initializer.  Everywhere, each worker also runs a watchdog thread
that ends it within a second once the run's process is gone.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Have the kernel SIGKILL this process when its parent exits (Linux; elsewhere nothing)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def watch(run_pid: int, interval_s: float = 0.5) -> None:
    """End this process soon after the process ``run_pid`` is gone (or only a zombie).

    What the watchdog needs is imported here, before its thread starts: imported in the
    thread it would race the worker's first task importing its own modules, and two
    threads importing modules that import each other can meet Python's import-lock
    deadlock (``_DeadlockError``), which failed the task."""
    from app.catalog.process import process_alive

    def loop() -> None:
        while True:
            time.sleep(interval_s)
            if not process_alive(run_pid):
                os._exit(1)

    threading.Thread(target=loop, name="run-watchdog", daemon=True).start()
