"""What goes wrong, in one shape: ``AppError`` for a failed action, ``Problem`` for one file.

Every error the app raises on purpose (a catalog that cannot be opened, a refused undo, a
sidecar that cannot be written, a cull that cannot start) is an ``AppError``, so a front end
catches one class and shows its message, which always names the file and the cause.  A
problem with one file that does not stop the run is a ``Problem`` value: the run collects
them, the summary, the JSON, the CSV and the GUI's message bar show them.
"""

from __future__ import annotations

from dataclasses import dataclass


class AppError(Exception):
    """An action of the app failed; the message names the file or part and the cause."""


@dataclass(frozen=True)
class Problem:
    """One file (or part) that could not be handled, and why; the run goes on."""

    path: str  # the file relative to the folder where there is one, else a path or a part
    error: str

    def __str__(self) -> str:
        return f"{self.path}: {self.error}"
