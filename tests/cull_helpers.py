"""Helpers for tests that cull a folder through ``fgaesq-cull`` and read its JSON."""

from __future__ import annotations

import json
from pathlib import Path

from app.cli import EXIT_OK, main

SAMPLES = Path(__file__).resolve().parent.parent / "resources" / "samples" / "bursts"


def cull_json(tmp_path: Path, folder: Path, *args: str) -> dict:
    """Cull ``folder`` with the technical scorer into a catalog in ``tmp_path``; the JSON."""
    out = tmp_path / "cull.json"
    argv = [str(folder), "--db", str(tmp_path / "c.sqlite3"), "--model", "technical"]
    assert main([*argv, "--json", str(out), *args]) == EXIT_OK
    return json.loads(out.read_text())
