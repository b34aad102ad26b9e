"""Permission tests that also mean something when the tests run as root.

Root reads and writes whatever the mode bits say, so the code under test runs in a child
process that obeys them: as root, the child starts without the capabilities that bypass file
permissions (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER), so the owner bits of root's
own files apply to it; as any other user, it simply runs.  Keeping the user (rather than
switching to ``nobody``) keeps the interpreter, the project and pytest's ``tmp_path``
reachable wherever they are installed.  Tests skip only where neither works.
"""

from __future__ import annotations

import ctypes
import functools
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
_PR_CAPBSET_DROP = 24
_BYPASS_CAPABILITIES = (1, 2, 3)  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER


def _drop_bypass_capabilities() -> None:
    """Runs in the child before exec: root's capabilities after exec come from the bounding set."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in _BYPASS_CAPABILITIES:
        if libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "cannot drop a capability")


def _run(argv: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    preexec = _drop_bypass_capabilities if os.geteuid() == 0 else None
    return subprocess.run(
        argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=300, preexec_fn=preexec
    )


@functools.cache
def _why_not_possible() -> str | None:
    """None when a child is refused an unreadable file; otherwise why not (the test is skipped)."""
    with tempfile.TemporaryDirectory(prefix="fgaesq-perm-") as folder:
        locked = Path(folder) / "locked"
        locked.write_bytes(b"x")
        locked.chmod(0)
        try:
            probe = _run([sys.executable, "-c", "import sys; open(sys.argv[1], 'rb')", str(locked)])
        except (OSError, subprocess.SubprocessError) as exc:
            return f"cannot start a process without permission-bypassing capabilities: {exc}"
        finally:
            locked.chmod(0o600)
    if "PermissionError" not in probe.stderr:
        return "this system lets every process read a file with no permissions"
    return None


def run_unprivileged(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -c code args`` in a process that file permissions apply to."""
    reason = _why_not_possible()
    if reason:
        pytest.skip(reason)
    return _run([sys.executable, "-c", code, *args], env=os.environ | {"HF_HUB_OFFLINE": "1"})


def json_from_child(code: str, *args: str) -> object:
    """Run ``code`` unprivileged; it prints one JSON value, which is returned."""
    child = run_unprivileged(code, *args)
    assert child.returncode == 0, child.stderr
    return json.loads(child.stdout)
