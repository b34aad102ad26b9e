"""Hostile cases: what a crash, a second program, a careless day or a crafted file must never
do to a photographer's work.  Read top to bottom; each test names the harm it rules out.

1. The catalog: several processes and threads, kills, read-only and odd files.
2. Sidecars and the photographer's own marks.
3. Untrusted journals and catalogs.
4. Moves and undo: kills, races, deleted files, impossible destinations.
5. Terminals and spreadsheets.
6. Files that are not what they seem, huge photos, signals.

Cases that need a process to die do it for real: a child process is killed with SIGKILL.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from PIL import Image
from privileges import run_unprivileged
from test_photos_fixtures import burst, checksums, jpeg, scene

from app.catalog import Catalog, DecisionSource, Flag, PhotoInfo, RunStatus
from app.cli import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, main
from app.moves import JOURNAL_NAME, MoveError, move_rejects, rejected_photos, undo_last
from app.options import SidecarStyle, XmpScheme
from app.sidecars import FolderSidecars, XmpMarks, read_marks

REPO = Path(__file__).resolve().parent.parent
EXIFTOOL = shutil.which("exiftool")
OTHER_DEVICE = Path("/dev/shm")
needs_other_device = pytest.mark.skipif(
    not OTHER_DEVICE.is_dir()
    or OTHER_DEVICE.stat().st_dev == Path(tempfile.gettempdir()).stat().st_dev,
    reason="needs a second file system (/dev/shm)",
)
needs_fifo = pytest.mark.skipif(os.name != "posix", reason="FIFOs are POSIX")


def cull(tmp_path: Path, *args: str) -> int:
    return main([*args, "--db", str(tmp_path / "catalog.sqlite3"), "--model", "technical"])


def run_cli(tmp_path: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """fgaesq-cull in its own process (for hangs, signals and kills)."""
    argv = [sys.executable, "-m", "app.cli", *args, "--db", str(tmp_path / "catalog.sqlite3")]
    return subprocess.run(
        [*argv, "--model", "technical"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=os.environ | {"HF_HUB_OFFLINE": "1"},
    )


@pytest.fixture
def shoot(tmp_path: Path) -> Path:
    """Two bursts of three frames (frame 2 sharp) and nothing else."""
    folder = tmp_path / "shoot"
    burst(folder, "astronaut", 0.0, frames=3, sharp_at=1)
    burst(folder, "coffee", 120.0, frames=3, sharp_at=1)
    return folder


def sidecar_text(marks: str) -> str:
    """A Lightroom-style sidecar with the given xmp attributes and a keyword."""
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
        f'xmlns:dc="http://purl.org/dc/elements/1.1/" {marks}>'
        "<dc:subject><rdf:Bag><rdf:li>wedding</rdf:li></rdf:Bag></dc:subject>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
    )


# -- 1. The catalog ----------------------------------------------------------------------------

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
def test_read_only_catalog_file_or_folder_culls_with_a_temporary_catalog(
    tmp_path: Path, shoot: Path, make_read_only: str
):
    """Both used to differ: a read-only file failed the run and left 0444 -wal/-shm files."""
    folder = tmp_path / "catalogs"
    folder.mkdir()
    path = folder / "catalog.sqlite3"
    Catalog(path).close()
    target = path if make_read_only == "file" else folder
    target.chmod(0o444 if make_read_only == "file" else 0o555)
    try:
        child = run_unprivileged(
            "import sys; from app.cli import main; sys.exit(main(sys.argv[1:]))",
            str(shoot),
            "--db",
            str(path),
            "--model",
            "technical",
        )
    finally:
        target.chmod(0o644 if make_read_only == "file" else 0o755)
    assert child.returncode == EXIT_OK, child.stderr
    assert "read-only" in child.stderr and "temporary catalog" in child.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["catalog.sqlite3"]  # no -wal, no -shm


@needs_fifo
def test_a_fifo_named_like_the_catalog_is_refused_without_hanging(tmp_path: Path):
    from app.catalog import CatalogError

    path = tmp_path / "catalog.sqlite3"
    os.mkfifo(path)
    with pytest.raises(CatalogError, match="not a regular file"):
        Catalog(path)


# -- 2. Sidecars and the photographer's own marks ------------------------------------------


def _culled(tmp_path: Path, shoot: Path, *args: str) -> Catalog:
    assert cull(tmp_path, str(shoot), "--quiet", *args) == EXIT_OK
    return Catalog(tmp_path / "catalog.sqlite3")


def test_after_an_undo_the_sidecar_says_what_the_catalog_says(tmp_path: Path, shoot: Path):
    """X, Ctrl+S, Ctrl+Z, Ctrl+S in the window left Rating -1 in the sidecar of an unflagged
    photo.  The window's keys are these catalog calls; its Ctrl+S is FolderSidecars.write."""
    with _culled(tmp_path, shoot) as catalog:
        photo = next(p for p in catalog.photos(shoot) if p.relpath == "coffee_03.jpg")
        sidecar = shoot / "coffee_03.xmp"

        def ctrl_s() -> None:
            FolderSidecars(catalog, shoot).write(XmpScheme.MARK_BEST, SidecarStyle.REPLACE)

        before = catalog.set_decision(photo.id, flag=Flag.REJECT, source=DecisionSource.USER)
        ctrl_s()
        assert read_marks(sidecar).rating == -1
        catalog.restore_decision(photo.id, before)  # Ctrl+Z
        ctrl_s()
        assert catalog.decision(photo.id).flag is Flag.NONE
        assert read_marks(sidecar) == XmpMarks(rating=None, label="Yellow")
        if EXIFTOOL:
            shown = subprocess.run(
                [EXIFTOOL, "-j", "-XMP:Rating", "-XMP:Label", str(sidecar)],
                capture_output=True,
                text=True,
                check=True,
            )
            assert json.loads(shown.stdout)[0].get("Rating") is None


def test_ctrl_s_never_turns_a_five_star_sidecar_into_three_stars(tmp_path: Path, shoot: Path):
    (shoot / "astronaut_02.xmp").write_text(sidecar_text('xmp:Rating="5"'), encoding="utf-8")
    with _culled(tmp_path, shoot) as catalog:
        report = FolderSidecars(catalog, shoot).write(XmpScheme.MARK_BEST, SidecarStyle.REPLACE)
        assert read_marks(shoot / "astronaut_02.xmp").rating == 5  # the best frame, still 5 stars
        assert "wedding" in (shoot / "astronaut_02.xmp").read_text()
        assert report.problems == []


def test_a_folder_rated_in_another_application_shows_its_marks_after_a_cull(
    tmp_path: Path, shoot: Path
):
    (shoot / "coffee_01.xmp").write_text(
        sidecar_text('xmp:Rating="4" xmp:Label="Blue"'), encoding="utf-8"
    )
    (shoot / "coffee_03.xmp").write_text(sidecar_text('xmp:Rating="-1"'), encoding="utf-8")
    with _culled(tmp_path, shoot) as catalog:
        by_name = {p.relpath: catalog.decision(p.id) for p in catalog.photos(shoot)}
    assert (by_name["coffee_01.jpg"].rating, by_name["coffee_01.jpg"].label) == (4, "Blue")
    assert by_name["coffee_03.jpg"].flag is Flag.REJECT
    assert by_name["coffee_01.jpg"].is_user and by_name["coffee_03.jpg"].is_user


def test_a_sidecar_another_application_changed_after_this_app_wrote_it_is_kept(
    tmp_path: Path, shoot: Path, capsys
):
    assert cull(tmp_path, str(shoot), "--write-xmp", "--marks", "mark_best") == EXIT_OK
    sidecar = shoot / "astronaut_03.xmp"
    assert read_marks(sidecar).label == "Yellow"
    time.sleep(0.01)
    text = sidecar.read_text().replace('xmp:Label="Yellow"', 'xmp:Label="Red" xmp:Rating="2"')
    sidecar.write_text(text, encoding="utf-8")  # Lightroom, later that day
    capsys.readouterr()
    assert cull(tmp_path, str(shoot), "--write-xmp", "--reject-others") == EXIT_OK
    assert read_marks(sidecar) == XmpMarks(rating=2, label="Red")
    err = capsys.readouterr().err
    assert "changed by another application" in err and "1 sidecars" in err


def test_reject_others_never_lowers_moves_or_rejects_a_photographers_five_stars(
    tmp_path: Path, shoot: Path, capsys
):
    """An existing Rating="5" became -1 under --reject-others and the photo was moved."""
    (shoot / "astronaut_01.xmp").write_text(sidecar_text('xmp:Rating="5"'), encoding="utf-8")
    rejects = tmp_path / "rejects"
    args = ("--write-xmp", "--reject-others", "--move-rejects", str(rejects))
    assert cull(tmp_path, str(shoot), *args) == EXIT_OK
    out = capsys.readouterr().out
    assert (shoot / "astronaut_01.jpg").exists() and not (rejects / "astronaut_01.jpg").exists()
    assert read_marks(shoot / "astronaut_01.xmp").rating == 5
    assert "Kept: 1 burst frames carry marks a person made" in out
    assert "Moved 3 of 3 rejected photos" in out  # the two bursts' other unmarked frames


def test_a_read_only_sidecar_is_left_alone_and_reported(tmp_path: Path, shoot: Path, capsys):
    sidecar = shoot / "coffee_02.xmp"
    sidecar.write_text(sidecar_text(""), encoding="utf-8")
    before = sidecar.read_bytes()
    sidecar.chmod(0o444)
    try:
        assert cull(tmp_path, str(shoot), "--write-xmp") == EXIT_OK
    finally:
        sidecar.chmod(0o644)
    assert sidecar.read_bytes() == before
    out = capsys.readouterr().out
    assert "coffee_02.xmp: cannot write sidecar: read-only: left as it is" in out


def test_photos_sharing_a_stem_get_their_own_sidecars_and_moves_take_only_their_own(
    tmp_path: Path,
):
    folder = tmp_path / "stems"
    jpeg(folder / "IMG_0001.jpg", scene("astronaut"), when=0.0)
    scene("rocket").save(folder / "IMG_0001.tif")
    os.utime(folder / "IMG_0001.tif", (1e9, 1e9))
    with Catalog(tmp_path / "catalog.sqlite3") as catalog:
        assert cull(tmp_path, str(folder), "--quiet") == EXIT_OK
        ids = {p.relpath: p.id for p in catalog.photos(folder)}
        catalog.set_decision(ids["IMG_0001.tif"], flag=Flag.REJECT, rating=1, source="user")
        catalog.set_decision(ids["IMG_0001.jpg"], label="Green", source="user")
        FolderSidecars(catalog, folder).write(XmpScheme.MARK_BEST, SidecarStyle.REPLACE)
        assert not (folder / "IMG_0001.xmp").exists()
        assert read_marks(folder / "IMG_0001.tif.xmp").rating == -1
        assert read_marks(folder / "IMG_0001.jpg.xmp").label == "Green"
        (folder / "IMG_0001.xmp").write_text(sidecar_text('xmp:Label="Blue"'))  # ambiguous
        report = move_rejects(
            rejected_photos(catalog, folder), tmp_path / "rejects", catalog=catalog
        )
    moved = sorted(move.source.name for move in report.moved)
    assert moved == ["IMG_0001.tif", "IMG_0001.tif.xmp"]
    assert (folder / "IMG_0001.xmp").exists() and (folder / "IMG_0001.jpg.xmp").exists()


def test_a_utf16_sidecar_declaring_an_entity_is_refused_and_left_unchanged(
    tmp_path: Path, shoot: Path, capsys
):
    """The old check looked for ASCII '<!ENTITY' bytes; in UTF-16 they are not there."""
    doc = (
        '<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE x [<!ENTITY boom "EXPANDED">]>\n'
        + sidecar_text('xmp:Label="&boom;"')
    )
    sidecar = shoot / "coffee_01.xmp"
    sidecar.write_bytes(doc.encode("utf-16"))
    before = sidecar.read_bytes()
    assert cull(tmp_path, str(shoot), "--write-xmp") == EXIT_OK
    assert sidecar.read_bytes() == before
    assert (
        "coffee_01.xmp: cannot read sidecar: refusing an XMP file with a DTD"
        in capsys.readouterr().out
    )


def test_a_huge_sidecar_is_not_read_into_memory(tmp_path: Path, shoot: Path, capsys):
    from app.sidecars import MAX_SIDECAR_BYTES

    sidecar = shoot / "coffee_01.xmp"
    with sidecar.open("w") as handle:
        handle.write(sidecar_text(""))
        handle.write("<!--" + " " * (MAX_SIDECAR_BYTES + 10) + "-->")
    assert cull(tmp_path, str(shoot), "--write-xmp") == EXIT_OK
    out = capsys.readouterr().out
    assert "coffee_01.xmp: cannot read sidecar: too large to merge safely" in out


@needs_fifo
def test_a_fifo_named_like_a_sidecar_never_blocks_write_xmp(tmp_path: Path, shoot: Path):
    os.mkfifo(shoot / "coffee_02.xmp")
    child = run_cli(tmp_path, str(shoot), "--write-xmp", timeout=120)
    assert child.returncode == EXIT_OK, child.stderr
    assert "coffee_02.xmp: cannot write sidecar: a FIFO (named pipe)" in child.stdout
    assert stat.S_ISFIFO((shoot / "coffee_02.xmp").stat().st_mode)


# -- 3. Untrusted journals and catalogs ------------------------------------------------------


def _moved(tmp_path: Path, shoot: Path) -> tuple[Catalog, Path]:
    catalog = _culled(tmp_path, shoot, "--reject-others")
    rejects = tmp_path / "rejects"
    report = move_rejects(rejected_photos(catalog, shoot), rejects, catalog=catalog)
    assert len(report.photo_ids) == 4
    return catalog, rejects


def test_a_crafted_journal_cannot_make_undo_act_outside_its_folders(tmp_path: Path, shoot: Path):
    """A journal made undo plant planted/.ssh/authorized_keys, move a file from outside the
    destination and delete another.  Undo acts only on moves the catalog recorded: each
    forged line is passed over with a message, and only the real moves go back."""
    catalog, rejects = _moved(tmp_path, shoot)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.txt").write_text("keep me")
    (rejects / "payload").write_text("ssh-ed25519 AAAA attacker")
    (rejects / "empty").write_bytes(b"")
    journal = rejects / JOURNAL_NAME
    batch = json.loads(journal.read_text().splitlines()[0])["batch"]
    forged = [
        {
            "event": "intent",
            "batch": batch,
            "source": str(tmp_path / "planted/.ssh/authorized_keys"),
            "target": str(rejects / "payload"),
        },
        {
            "event": "done",
            "batch": batch,
            "source": str(tmp_path / "planted/.ssh/authorized_keys"),
            "target": str(rejects / "payload"),
        },
        {
            "event": "intent",
            "batch": batch,
            "source": str(rejects / "stolen"),
            "target": str(outside / "precious.txt"),
        },
        {
            "event": "intent",
            "batch": batch,
            "source": str(shoot / "x.jpg"),
            "target": str(outside / "empty"),
        },
    ]
    with journal.open("a") as handle:
        for entry in forged:
            handle.write(json.dumps(entry) + "\n")
    before = checksums(outside)
    report = undo_last(rejects, catalog=catalog)
    assert report.problems == [] and len(report.restored) == 4  # the real moves went back
    assert "4 lines of" in str(report.notes) and "never recorded" in str(report.notes)
    assert checksums(outside) == before
    assert sorted(n for n in checksums(rejects) if not n.startswith(".")) == ["empty", "payload"]
    assert not (tmp_path / "planted").exists() and not (rejects / "stolen").exists()
    catalog.close()


def test_a_journal_for_a_batch_the_catalog_never_recorded_is_refused(tmp_path: Path):
    rejects = tmp_path / "rejects"
    rejects.mkdir()
    (rejects / "payload").write_text("x")
    lines = [
        {"event": "batch", "batch": "b1", "dest": str(rejects)},
        {
            "event": "intent",
            "batch": "b1",
            "source": str(tmp_path / "evil"),
            "target": str(rejects / "payload"),
        },
        {
            "event": "done",
            "batch": "b1",
            "source": str(tmp_path / "evil"),
            "target": str(rejects / "payload"),
        },
    ]
    (rejects / JOURNAL_NAME).write_text("".join(json.dumps(e) + "\n" for e in lines))
    with (
        Catalog(tmp_path / "catalog.sqlite3") as catalog,
        pytest.raises(MoveError, match="nothing to undo"),
    ):
        undo_last(rejects, catalog=catalog)
    assert (rejects / "payload").exists() and not (tmp_path / "evil").exists()


def test_catalog_rows_that_point_outside_the_folder_are_never_written_or_moved(
    tmp_path: Path, shoot: Path
):
    victim = tmp_path / "victim.jpg"
    victim.write_bytes(b"not yours")
    with _culled(tmp_path, shoot) as catalog:
        evil = catalog.upsert_photo(PhotoInfo(str(shoot), "sub/../../victim.jpg", 9, 9))
        catalog.replace_series(shoot, [[evil]], {})
        catalog.set_decision(evil, flag="reject", source="user")
        report = FolderSidecars(catalog, shoot).write(XmpScheme.MARK_BEST, SidecarStyle.BOTH)
        assert any("leads outside" in p.error for p in report.problems)
        moved = move_rejects(rejected_photos(catalog, shoot), tmp_path / "rejects", catalog=catalog)
    assert moved.photo_ids == [] and "leads outside" in str(moved.problems[0])
    assert victim.read_bytes() == b"not yours"
    assert not list(tmp_path.glob("victim*.xmp"))


# -- 4. Moves and undo -----------------------------------------------------------------------

# A move that kills its own process with SIGKILL at one exact point, on the way there or back.
KILLED_MOVE = r"""
import os, shutil, signal, sys
from app.catalog import Catalog
from app.moves import move_rejects, rejected_photos, undo_last
import app.moves.transfer as transfer

catalog_path, root, dest, where = sys.argv[1:5]
real_copyfile, real_replace, real_unlink = shutil.copyfile, os.replace, os.unlink

def die():
    os.kill(os.getpid(), signal.SIGKILL)

def half_copy(source, target, **kw):
    with open(source, "rb") as a, open(target, "wb") as b:
        data = a.read()
        b.write(data[: len(data) // 2])
    die()

def replace_then_die(source, target):
    real_replace(source, target)
    if str(target).endswith(".jpg") and ".partial" not in str(target):
        die()

catalog = Catalog(catalog_path)
if where == "copy":
    transfer.shutil.copyfile = half_copy
elif where == "before-unlink":
    transfer.os.replace = replace_then_die
elif where == "undo-copy":
    move_rejects(rejected_photos(catalog, root), dest, catalog=catalog)
    transfer.shutil.copyfile = half_copy
    undo_last(dest, catalog=catalog)
    sys.exit(3)
move_rejects(rejected_photos(catalog, root), dest, catalog=catalog)
sys.exit(3)
"""


@needs_other_device
@pytest.mark.parametrize("where", ["copy", "before-unlink", "undo-copy"])
def test_a_cross_device_move_killed_at_any_point_can_always_be_undone(
    tmp_path: Path, shoot: Path, where: str
):
    """A kill during a copy to another file system left a truncated file in DEST and undo
    was refused for good."""
    with _culled(tmp_path, shoot, "--reject-others") as catalog:
        records = {p.id: (p.root, p.relpath) for p in catalog.photos(shoot)}
    before = checksums(shoot)
    dest = Path(tempfile.mkdtemp(prefix="fgaesq-rejects-", dir=OTHER_DEVICE))
    try:
        child = subprocess.run(
            [
                sys.executable,
                "-c",
                KILLED_MOVE,
                str(tmp_path / "catalog.sqlite3"),
                str(shoot),
                str(dest),
                where,
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert child.returncode == -signal.SIGKILL, child.stderr
        with Catalog(tmp_path / "catalog.sqlite3") as catalog:
            undone = undo_last(dest, catalog=catalog)
            assert undone.problems == []
            assert {p.id: (p.root, p.relpath) for p in catalog.photos(shoot)} == records
        assert checksums(shoot) == before
        assert [p.name for p in dest.iterdir() if not p.name.startswith(".fgaesq-moves")] == []
    finally:
        shutil.rmtree(dest)


MOVE_ALL = r"""
import sys
from app.catalog import Catalog
from app.moves import move_rejects, rejected_photos
with Catalog(sys.argv[1]) as catalog:
    report = move_rejects(rejected_photos(catalog, sys.argv[2]), sys.argv[3], catalog=catalog)
print(len(report.photo_ids))
"""


def test_two_moves_into_one_folder_at_once_lose_nothing_and_both_undo(tmp_path: Path, shoot: Path):
    _culled(tmp_path, shoot, "--reject-others").close()
    before = checksums(shoot)
    dest = tmp_path / "rejects"
    argv = [
        sys.executable,
        "-c",
        MOVE_ALL,
        str(tmp_path / "catalog.sqlite3"),
        str(shoot),
        str(dest),
    ]
    runs = [
        subprocess.Popen(argv, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    moved = []
    for run in runs:
        out, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
        moved.append(int(out))
    assert sum(moved) == 4  # every reject moved once, by one of the two
    in_dest = {k: v for k, v in checksums(dest).items() if not k.startswith(".fgaesq-moves")}
    assert sorted(in_dest.values()) == sorted(
        v for k, v in before.items() if k not in checksums(shoot)
    )
    with Catalog(tmp_path / "catalog.sqlite3") as catalog:
        for _ in range(sum(1 for m in moved if m)):
            assert undo_last(dest, catalog=catalog).problems == []
        with pytest.raises(MoveError, match="nothing to undo"):
            undo_last(dest, catalog=catalog)
    assert checksums(shoot) == before


def test_dest_equal_to_the_folder_is_refused_and_dest_inside_it_is_never_rescanned(
    tmp_path: Path, shoot: Path, capsys
):
    assert (
        cull(tmp_path, str(shoot), "--reject-others", "--move-rejects", str(shoot)) == EXIT_FAILED
    )
    assert "it is the folder being culled" in capsys.readouterr().out
    assert len(checksums(shoot)) == 6  # nothing moved
    inside = shoot / "_rejects"
    for _ in range(3):  # reruns used to rename moved rejects again: camera_01-1-1.jpg
        assert (
            cull(tmp_path, str(shoot), "--reject-others", "--move-rejects", str(inside)) == EXIT_OK
        )
    names = sorted(p.name for p in inside.iterdir() if not p.name.startswith("."))
    assert names == ["astronaut_01.jpg", "astronaut_03.jpg", "coffee_01.jpg", "coffee_03.jpg"]
    out = capsys.readouterr().out
    assert out.count("Moved 4 of 4 rejected photos") == 1  # the first run; then none again
    assert out.count("Moved 0 of 0 rejected photos") == 2


def test_undo_puts_back_everything_it_can_when_one_moved_file_was_deleted(
    tmp_path: Path, shoot: Path, capsys
):
    catalog, rejects = _moved(tmp_path, shoot)
    catalog.close()
    (rejects / "coffee_01.jpg").unlink()  # the photographer deleted one reject by hand
    code = main(["--undo", str(rejects), "--db", str(tmp_path / "catalog.sqlite3")])
    captured = capsys.readouterr()
    assert code == EXIT_FAILED
    assert "Put back 3 files" in captured.out
    assert "coffee_01.jpg is missing" in captured.err
    assert {"astronaut_01.jpg", "astronaut_03.jpg", "coffee_03.jpg"} <= set(checksums(shoot))


@pytest.mark.parametrize("dest_kind", ["file", "read-only folder"])
def test_a_move_that_could_not_happen_fails_the_run_and_says_how_many_moved(
    tmp_path: Path, shoot: Path, dest_kind: str
):
    dest = tmp_path / "rejects"
    if dest_kind == "file":
        dest.write_text("in the way")
        child = run_cli(tmp_path, str(shoot), "--reject-others", "--move-rejects", str(dest))
    else:
        dest.mkdir()
        dest.chmod(0o555)
        try:
            child = run_unprivileged(
                "import sys; from app.cli import main; sys.exit(main(sys.argv[1:]))",
                str(shoot),
                "--reject-others",
                "--move-rejects",
                str(dest),
                "--db",
                str(tmp_path / "catalog.sqlite3"),
                "--model",
                "technical",
            )
        finally:
            dest.chmod(0o755)
    assert child.returncode == EXIT_FAILED, child.stderr
    assert "Moved 0 of 4 rejected photos" in child.stdout
    assert len(checksums(shoot)) == 6


# -- 5. Terminals and spreadsheets ------------------------------------------------------------


def test_file_names_cannot_drive_the_terminal_or_the_spreadsheet(tmp_path: Path, capsys):
    folder = tmp_path / "names"
    names = ["=HYPERLINK(1).jpg", "+1.jpg", "@SUM(1).jpg", "-2.jpg", "bell\x07\x1b[2J\nx.jpg"]
    for k, name in enumerate(names):
        jpeg(folder / name, scene("rocket", shift=3 * k), when=60.0 * k)
    out_csv = tmp_path / "cull.csv"
    assert cull(tmp_path, str(folder), "--csv", str(out_csv)) == EXIT_OK
    printed = capsys.readouterr()
    for text in (printed.out, printed.err):
        assert "\x1b" not in text and "\x07" not in text
    assert "bell\\x07\\x1b[2J\\x0ax.jpg" in printed.out
    with out_csv.open(newline="", encoding="utf-8") as handle:
        cells = [row["path"] for row in csv.DictReader(handle)]
    assert all(not cell.startswith(("=", "+", "-", "@")) for cell in cells)
    assert "'=HYPERLINK(1).jpg" in cells and "'-2.jpg" in cells


# -- 6. Files that are not what they seem, huge photos, signals ---------------------------------


@needs_fifo
def test_a_fifo_named_like_a_photo_is_reported_never_opened(tmp_path: Path, shoot: Path):
    os.mkfifo(shoot / "coffee_09.jpg")
    child = run_cli(tmp_path, str(shoot), timeout=120)
    assert child.returncode == EXIT_OK, child.stderr
    assert "coffee_09.jpg: a FIFO (named pipe), not a photo file: not opened" in child.stdout


@pytest.mark.slow
def test_a_102_megapixel_medium_format_jpeg_is_culled(tmp_path: Path):
    folder = tmp_path / "medium-format"
    folder.mkdir()
    big = Image.new("RGB", (11648, 8736), (90, 120, 150))
    big.paste(scene("astronaut", (1600, 1200)), (5000, 4000))
    jpeg(folder / "GFX_0001.jpg", big, when=0.0)
    del big
    doc = tmp_path / "cull.json"
    assert cull(tmp_path, str(folder), "--json", str(doc), "--quiet") == EXIT_OK
    result = json.loads(doc.read_text())
    assert result["errors"] == [] and result["stats"]["photos"] == 1


def test_damaged_exif_is_reported_on_every_run_and_pillow_stays_quiet(tmp_path: Path, capsys):
    folder = tmp_path / "exif"
    path = jpeg(folder / "odd.jpg", scene("coffee"), when=0.0)
    data = bytearray(path.read_bytes())
    at = data.find(b"Exif\x00\x00")
    data[at + 20 : at + 24] = b"\xff\xff\xff\x7f"  # an IFD offset far past the end
    path.write_bytes(bytes(data))
    reports = []
    for _ in range(2):
        child = run_cli(tmp_path, str(folder))
        assert child.returncode == EXIT_OK, child.stderr
        reports.append([line for line in child.stdout.splitlines() if "odd.jpg:" in line])
        assert "Warning" not in child.stderr and "EXIF" not in child.stderr, child.stderr
    assert reports[0] and reports[0] == reports[1]


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_a_stopped_run_ends_cleanly_and_leaves_no_worker_behind(tmp_path: Path, how: int):
    folder = tmp_path / "many"
    for k in range(6):
        burst(folder, "astronaut", 60.0 * k, frames=4, prefix=f"b{k}", sharp_at=1)
    argv = [
        sys.executable,
        "-m",
        "app.cli",
        str(folder),
        "--db",
        str(tmp_path / "catalog.sqlite3"),
        "--model",
        "technical",
        "--workers",
        "2",
    ]
    run = subprocess.Popen(
        argv, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    workers: set[int] = set()
    while time.monotonic() < deadline and len(workers) < 2 and run.poll() is None:
        workers = _descendants(run.pid)
        time.sleep(0.05)
    assert len(workers) >= 2, "the run never started its worker processes"
    run.send_signal(how)
    _, err = run.communicate(timeout=60)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(_alive(p) for p in workers):
        time.sleep(0.1)
    assert not [p for p in workers if _alive(p)], "worker processes outlived the run"
    if how == signal.SIGTERM:
        assert run.returncode == EXIT_INTERRUPTED, err
        with Catalog(tmp_path / "catalog.sqlite3") as catalog:
            assert catalog.runs()[0].status in (RunStatus.INTERRUPTED, RunStatus.COMPLETED)
            assert sqlite3.connect(tmp_path / "catalog.sqlite3").execute(
                "PRAGMA integrity_check"
            ).fetchone() == ("ok",)


@needs_fifo
def test_a_fifo_in_place_of_the_settings_file_never_blocks_the_window(tmp_path: Path, monkeypatch):
    from app.gui.settings import Settings

    monkeypatch.setenv("FGAESQ_CULL_CONFIG_DIR", str(tmp_path))
    os.mkfifo(tmp_path / "settings.json")
    settings = Settings()
    assert any("settings.json" in problem for problem in settings.load_errors)
