"""Progress and metrics: console lines, ``train_log.csv`` and ``metrics.jsonl``.

Only the main process writes.  ``metrics.jsonl`` holds every record (training steps and
evaluations); ``train_log.csv`` holds the training-step columns for quick plotting.
Both are appended to, so a resumed run continues the same files.
"""

from __future__ import annotations

import csv
import json
import logging
import time
from pathlib import Path
from typing import Any

log = logging.getLogger("training")

CSV_COLUMNS = (
    "step",
    "stage",
    "kind",
    "loss",
    "emd",
    "align",
    "rank",
    "lr",
    "images_per_s",
    "elapsed_s",
)


class RunLog:
    """Appends records to the run folder and echoes a short line to the console."""

    def __init__(self, out_dir: Path, enabled: bool = True):
        self.enabled = enabled
        self.out_dir = Path(out_dir)
        self.jsonl = self.out_dir / "metrics.jsonl"
        self.csv = self.out_dir / "train_log.csv"
        self.started = time.monotonic()

    def _append_json(self, record: dict[str, Any]) -> None:
        with self.jsonl.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")

    def train_step(self, record: dict[str, Any]) -> None:
        if not self.enabled:
            return
        record = {"type": "train", "elapsed_s": round(time.monotonic() - self.started, 2), **record}
        self._append_json(record)
        new_file = not self.csv.exists()
        with self.csv.open("a", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS, extrasaction="ignore")
            if new_file:
                writer.writeheader()
            writer.writerow(record)
        parts = [
            f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
            for k, v in record.items()
            if k in CSV_COLUMNS and k != "elapsed_s" and v is not None
        ]
        log.info(" | ".join(parts))

    def evaluation(self, step: int, report: dict[str, Any]) -> None:
        if not self.enabled:
            return
        self._append_json({"type": "eval", "step": step, **report})
        parts = [f"eval step {step}:"]
        if "fine" in report:
            parts.append(f"Pair {report['fine']['pair']:.4f} Series {report['fine']['series']:.4f}")
        if "coarse" in report:
            parts.append(f"AVA SRCC {report['coarse']['srcc']:.4f}")
        if "selection" in report:
            parts.append(f"selection {report['selection']:.4f}")
        log.info(" ".join(parts))

    def message(self, text: str, *args: Any) -> None:
        if self.enabled:
            log.info(text, *args)
