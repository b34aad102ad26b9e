"""The code version recorded next to every checkpoint: package version and git commit."""

from __future__ import annotations

import subprocess
from importlib import metadata
from pathlib import Path


def package_version() -> str:
    try:
        return metadata.version("fgaesq-cull")
    except metadata.PackageNotFoundError:
        return "unknown"


def git_commit(path: Path | None = None) -> str | None:
    """``<sha>`` or ``<sha>-dirty`` of the checkout holding this package; None outside git."""
    where = path or Path(__file__).resolve().parent
    try:
        sha = _git(where, "rev-parse", "HEAD")
        dirty = _git(where, "status", "--porcelain", "--", ".")
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{sha}-dirty" if dirty else sha


def _git(where: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=where, capture_output=True, text=True, timeout=5, check=True
    ).stdout.strip()


def code_version() -> dict[str, str | None]:
    return {"package": package_version(), "git_commit": git_commit()}
