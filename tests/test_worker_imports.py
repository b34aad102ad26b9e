"""A decoding worker's watchdog imports nothing once its thread runs: imports in two threads
at once can meet Python's import-lock deadlock, which failed a worker's first task."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_watchdog_has_what_it_needs_before_its_thread_starts():
    script = textwrap.dedent(
        """
        import sys, threading
        from app.photos import lifeline
        assert "app.catalog.process" not in sys.modules
        lifeline.watch(__import__("os").getpid(), interval_s=60)
        assert "app.catalog.process" in sys.modules
        print(sorted(t.name for t in threading.enumerate()))
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "run-watchdog" in done.stdout
