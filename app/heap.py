"""Keeps Python's cyclic garbage collector from pausing every thread during a cull.

A full collection walks every tracked object while holding the interpreter lock; with
torch, the catalog's ORM and Qt loaded that is a quarter of a million objects, and the
window freezes for 100–250 ms each time one runs.  Objects alive when a cull starts (the
libraries, the window, the open folder) live as long as the process, so they are moved
into the permanent generation, and later collections walk only what the cull allocates.
"""

from __future__ import annotations

import gc


def freeze_long_lived() -> None:
    """Exempt every object alive now from future collections (reference counting still frees them)."""
    gc.freeze()
