"""Several processes and threads on one catalog, some killed with SIGKILL: nothing committed is lost.

The shape of real use: a long-lived desktop window (one process, a catalog open for hours,
decisions from the GUI thread, a cull on a worker thread that opens and closes its own
``Catalog`` objects on the same file every run) while ``fgaesq-cull`` runs come and go on
the same catalog, some of them killed.  Every writer logs a decision only after
``set_decision`` returned (it is committed); at the end the file must pass SQLite's
integrity check and hold every logged decision.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from privileges import json_from_child

from app.catalog import Catalog, PhotoInfo

PHOTOS = 40

# A window: two threads write user decisions, a third opens and closes Catalog objects the
# way every cull does, until the test kills the process.
WINDOW = r"""
import os, sys, threading
from app.catalog import Catalog
path, log_path, ids = sys.argv[1], sys.argv[2], [int(i) for i in sys.argv[3].split(",")]
window = Catalog(path, check_integrity=False)
log = open(log_path, "a", buffering=1)
lock = threading.Lock()

def decide(name):
    seq = 0
    while True:
        seq += 1
        label = f"{name}-{seq}"
        window.set_decision(ids[seq % len(ids)], rating=seq % 6, label=label, source="user")
        with lock:
            log.write(label + "\n")
            log.flush()
            os.fsync(log.fileno())

def culls():
    while True:
        with Catalog(path) as run:
            run.scores(ids, "technical", "w")

for target, name in ((decide, "gui"), (decide, "undo"), (culls, "cull")):
    threading.Thread(target=target, args=(name,) if target is decide else (), daemon=True).start()
print("ready", flush=True)
threading.Event().wait()
"""

# A command-line run: its own process, writes scores and decisions, then closes (the last
# closer checkpoints the WAL) or is killed.
RUN = r"""
import os, sys
from app.catalog import Catalog
path, log_path, ids, name = sys.argv[1], sys.argv[2], [int(i) for i in sys.argv[3].split(",")], sys.argv[4]
with Catalog(path) as run, open(log_path, "a", buffering=1) as log:
    for seq in range(60):
        run.set_scores("technical", "w", {pid: (float(seq), None) for pid in ids})
        label = f"{name}-{seq}"
        run.set_decision(ids[seq % len(ids)], rating=seq % 6, label=label, source="user")
        log.write(label + "\n")
        log.flush()
        os.fsync(log.fileno())
"""


def _spawn(code: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_window_culls_and_killed_runs_never_lose_a_committed_decision(tmp_path: Path):
    path = tmp_path / "catalog.sqlite3"
    with Catalog(path) as setup:
        ids = setup.upsert_photos(
            [PhotoInfo(str(tmp_path), f"IMG_{i:04d}.jpg", 1, 1) for i in range(PHOTOS)]
        )
    id_list = ",".join(map(str, ids))
    window_log, runs_log = tmp_path / "window.log", tmp_path / "runs.log"
    window = _spawn(WINDOW, str(path), str(window_log), id_list)
    assert window.stdout.readline().strip() == "ready", window.stderr.read()
    try:
        for round_ in range(8):
            runs = [
                _spawn(RUN, str(path), str(runs_log), id_list, f"run{round_}-{n}") for n in range(2)
            ]
            time.sleep(0.4)
            runs[0].send_signal(signal.SIGKILL)  # one run killed mid-way, one finishes
            for run in runs:
                _, err = run.communicate(timeout=120)
                assert run.returncode in (0, -signal.SIGKILL), err
            assert window.poll() is None, window.stderr.read()
    finally:
        window.send_signal(signal.SIGKILL)
        window.communicate(timeout=60)

    raw = sqlite3.connect(path)
    try:
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        stored = {label for (label,) in raw.execute("SELECT label FROM decisions")}
    finally:
        raw.close()
    logged = [
        line
        for log in (window_log, runs_log)
        for line in log.read_text().splitlines()
        if line.strip()
    ]
    assert len(logged) > 200  # the writers really did write
    missing = [label for label in logged if label not in stored]
    assert missing == [], f"{len(missing)} committed decisions lost, e.g. {missing[:5]}"
    with Catalog(path) as reopened:  # and the app itself opens it cleanly afterwards
        assert len(reopened.decisions(ids)) == PHOTOS


def test_a_second_catalog_object_closing_keeps_the_first_ones_locks(tmp_path: Path):
    """The reduced case: open and close a second Catalog, let another process write and
    close, then write through the first: the catalog stays whole and the -wal survives."""
    path = tmp_path / "catalog.sqlite3"
    first = Catalog(path)
    try:
        ids = first.upsert_photos([PhotoInfo(str(tmp_path), f"{i}.jpg", 1, 1) for i in range(300)])
        Catalog(path).close()
        other = (
            "import sys\nfrom app.catalog import Catalog, PhotoInfo\n"
            "with Catalog(sys.argv[1]) as c:\n"
            "    c.upsert_photos([PhotoInfo(sys.argv[2], f'b{i}.jpg', 1, 1) for i in range(300)])\n"
        )
        for _ in range(3):
            subprocess.run(
                [sys.executable, "-c", other, str(path), str(tmp_path)], check=True, timeout=120
            )
            assert Path(f"{path}-wal").exists(), "another process deleted the WAL in use"
        for photo_id in ids[:100]:
            first.set_decision(photo_id, flag="reject", source="user")
        assert sum(d.is_user for d in first.decisions(ids).values()) == 100
    finally:
        first.close()
    raw = sqlite3.connect(path)
    try:
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert raw.execute("SELECT count(*) FROM decisions").fetchone() == (100,)
    finally:
        raw.close()


def test_catalog_objects_share_one_set_of_connections(tmp_path: Path):
    from app.catalog import connection

    path = tmp_path / "catalog.sqlite3"
    with Catalog(path) as first:
        assert connection.open_count(path) == 1
        with Catalog(tmp_path / "." / "catalog.sqlite3") as second:
            assert connection.open_count(path) == 2
            assert second._connections is first._connections
        assert connection.open_count(path) == 1
        first.upsert_photo(PhotoInfo(str(tmp_path), "a.jpg", 1, 1))  # still usable
    assert connection.open_count(path) == 0


@pytest.mark.parametrize("make_read_only", ["file", "folder"])
def test_read_only_catalog_file_or_folder_is_refused_before_sqlite_touches_it(
    tmp_path: Path, make_read_only: str
):
    folder = tmp_path / "catalogs"
    folder.mkdir()
    path = folder / "catalog.sqlite3"
    Catalog(path).close()
    for leftover in folder.glob("catalog.sqlite3-*"):
        leftover.unlink()
    target = path if make_read_only == "file" else folder
    target.chmod(0o444 if make_read_only == "file" else 0o555)
    try:
        outcome = json_from_child(
            "import json, sys\n"
            "from app.catalog import Catalog, CatalogError\n"
            "try:\n"
            "    Catalog(sys.argv[1]).close(); print(json.dumps('opened'))\n"
            "except CatalogError as e:\n"
            "    print(json.dumps(str(e)))\n",
            str(path),
        )
        assert "read-only" in outcome and str(path) in outcome
        assert sorted(p.name for p in folder.iterdir()) == ["catalog.sqlite3"]  # no -wal, -shm
    finally:
        target.chmod(0o644 if make_read_only == "file" else 0o755)


@pytest.mark.skipif(os.name != "posix", reason="FIFOs are POSIX")
def test_a_fifo_named_like_the_catalog_is_refused_without_hanging(tmp_path: Path):
    from app.catalog import CatalogError

    path = tmp_path / "catalog.sqlite3"
    os.mkfifo(path)
    with pytest.raises(CatalogError, match="not a regular file"):
        Catalog(path)
