"""Work around PySide6 6.12.0 on Python 3.11: each call of a method returning nothing
drops one reference to ``None`` that it never took.

On Python 3.12 and later ``None`` is immortal and the bug is harmless; on 3.11 the count of
``None`` (about 30 000 once the application is imported) runs out after that many calls of
``setText``, ``update``, ``QTimer.start``... and the interpreter aborts with "deallocating
None".  PySide6 6.11 does not have the bug.  Until a fixed release is required, the count is
raised far beyond anything a session can use up.
"""

from __future__ import annotations

import ctypes
import sys

AFFECTED = ("6.12.0",)
HEADROOM = 1 << 40


def affected(pyside_version: str, python: tuple[int, int] = sys.version_info[:2]) -> bool:
    return python < (3, 12) and pyside_version in AFFECTED


def keep_none_alive() -> bool:
    """Raise the reference count of None where the bug exists; True when it did."""
    import PySide6

    if not affected(PySide6.__version__) or sys.implementation.name != "cpython":
        return False
    # ob_refcnt is the first field of every object on CPython 3.11 (id() is its address)
    refcount = ctypes.c_ssize_t.from_address(id(None))
    if refcount.value < HEADROOM:
        refcount.value += HEADROOM
    return True
