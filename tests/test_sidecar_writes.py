"""Writing sidecars against other programs and against itself: who made a mark must never
change because of a race, a kill or another application's edit.

- Another application edits a sidecar while the window is open: its marks are kept.
- Two runs of this app at once, a run killed with SIGKILL in its sidecar stage: this app's
  own marks are never read back as a person's, so a later move takes only automatic rejects.
- A write with nothing to say creates no sidecar, and removes only this app's own empty one.

Processes die for real: the writer runs in a child process that SIGKILLs itself (or waits)
at a point of the product's own write loop, reached through its progress callback.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_photos_fixtures import burst

from app.catalog import Catalog, DecisionSource, Flag
from app.cli import EXIT_OK, main
from app.options import SidecarStyle, XmpScheme
from app.sidecars import FolderSidecars, XmpMarks, read_marks
from app.sidecars import sync as sidecar_sync
from app.sidecars.xmp import SidecarChanged, merge_marks, replace_sidecar, sidecar_digest

REPO = Path(__file__).resolve().parent.parent
EXIFTOOL = shutil.which("exiftool")
BURSTS = ("astronaut", "coffee", "rocket")


@pytest.fixture
def shoot(tmp_path: Path) -> Path:
    """Three bursts of three frames (frame 2 sharp)."""
    folder = tmp_path / "shoot"
    for k, name in enumerate(BURSTS):
        burst(folder, name, 120.0 * k, frames=3, sharp_at=1)
    return folder


def db(tmp_path: Path) -> Path:
    return tmp_path / "catalog.sqlite3"


def cull(tmp_path: Path, folder: Path, *args: str) -> int:
    return main([str(folder), *args, "--quiet", "--db", str(db(tmp_path)), "--model", "technical"])


def cli_process(tmp_path: Path, folder: Path, *args: str) -> subprocess.Popen[str]:
    argv = [sys.executable, "-m", "app.cli", str(folder), *args, "--quiet"]
    return subprocess.Popen(
        [*argv, "--db", str(db(tmp_path)), "--model", "technical"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ | {"HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)},
    )


def user_marked(tmp_path: Path, folder: Path) -> list[str]:
    with Catalog(db(tmp_path)) as catalog:
        photos = catalog.photos(folder)
        decisions = catalog.decisions(p.id for p in photos)
        return sorted(p.relpath for p in photos if decisions[p.id].is_user)


def automatic_rejects(tmp_path: Path, folder: Path) -> list[str]:
    with Catalog(db(tmp_path)) as catalog:
        photos = catalog.photos(folder)
        decisions = catalog.decisions(p.id for p in photos)
        return sorted(
            p.relpath
            for p in photos
            if decisions[p.id].flag is Flag.REJECT and not decisions[p.id].is_user
        )


# A writer in its own process: FolderSidecars.write, the product's own loop, which after
# AFTER sidecars either SIGKILLs its process or says "paused" and waits for a go file.
WRITER = r"""
import os, signal, sys, time
from pathlib import Path
from app.catalog import Catalog
from app.options import SidecarStyle, XmpScheme
from app.sidecars import FolderSidecars
db, folder, after, mode, flag = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], Path(sys.argv[5])

def progress(done, total):
    if done != after:
        return
    if mode == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    flag.write_text("paused")
    while not flag.with_suffix(".go").exists():
        time.sleep(0.01)

with Catalog(db) as catalog:
    FolderSidecars(catalog, folder).write(
        XmpScheme.REJECT_OTHERS, SidecarStyle.REPLACE, progress=progress
    )
"""


def writer(tmp_path: Path, folder: Path, after: int, mode: str) -> subprocess.Popen[str]:
    flag = tmp_path / "writer.flag"
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db(tmp_path)), str(folder), str(after), mode, str(flag)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ | {"PYTHONPATH": str(REPO)},
    )


def wait_for(path: Path, child: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert child.poll() is None, child.stderr.read()
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.01)


def test_a_run_killed_in_its_sidecar_stage_leaves_no_mark_that_looks_like_a_persons(
    tmp_path: Path, shoot: Path
):
    """kill -9 during the sidecar stage: 27 of 27 decisions became "user" at the next run,
    and its --move-rejects then moved photos nobody rejected."""
    assert cull(tmp_path, shoot, "--reject-others") == EXIT_OK
    expected_rejects = automatic_rejects(tmp_path, shoot)
    assert len(expected_rejects) == 6
    child = writer(tmp_path, shoot, after=5, mode="kill")
    assert child.wait(timeout=120) == -signal.SIGKILL
    assert len(list(shoot.glob("*.xmp"))) == 5  # written, and the process died
    rejects = tmp_path / "rejects"
    args = ("--write-xmp", "--reject-others", "--move-rejects", str(rejects))
    assert cull(tmp_path, shoot, *args) == EXIT_OK
    assert user_marked(tmp_path, shoot) == []
    assert sorted(p.name for p in rejects.glob("*.jpg")) == expected_rejects


def test_a_run_writing_while_another_writes_never_reads_the_others_marks_as_a_persons(
    tmp_path: Path, shoot: Path
):
    """A second run read the first run's fresh sidecars as marks a person had made."""
    assert cull(tmp_path, shoot, "--reject-others") == EXIT_OK
    first = writer(tmp_path, shoot, after=4, mode="pause")
    wait_for(tmp_path / "writer.flag", first)  # four sidecars written, not yet recorded
    assert cull(tmp_path, shoot, "--write-xmp", "--reject-others") == EXIT_OK
    (tmp_path / "writer.go").write_text("go")
    assert first.wait(timeout=120) == 0, first.stderr.read()
    assert user_marked(tmp_path, shoot) == []
    assert len(automatic_rejects(tmp_path, shoot)) == 6


def test_two_runs_recording_their_versions_in_the_other_order_mark_nothing_as_a_persons(
    tmp_path: Path, shoot: Path
):
    """The first writer records its versions after a second run (another scheme) wrote and
    recorded its own over them: the catalog's record then names the older version."""
    assert cull(tmp_path, shoot, "--reject-others") == EXIT_OK
    first = writer(tmp_path, shoot, after=4, mode="pause")
    wait_for(tmp_path / "writer.flag", first)
    assert cull(tmp_path, shoot, "--write-xmp", "--marks", "mark_best") == EXIT_OK
    (tmp_path / "writer.go").write_text("go")
    assert first.wait(timeout=120) == 0, first.stderr.read()
    assert cull(tmp_path, shoot) == EXIT_OK  # reads every sidecar again
    assert user_marked(tmp_path, shoot) == []


def test_the_newest_intents_of_each_sidecar_are_kept(tmp_path: Path):
    from app.catalog import PhotoInfo, SidecarRecord
    from app.catalog.store import SIDECAR_INTENTS_KEPT

    with Catalog(db(tmp_path)) as catalog:
        photo_id = catalog.upsert_photo(PhotoInfo(str(tmp_path), "IMG_0001.jpg", 1, 1))
        for k in range(SIDECAR_INTENTS_KEPT + 4):
            version = SidecarRecord(photo_id, "IMG_0001.xmp", 1, 0, None, None, True, digest=f"{k}")
            catalog.record_sidecar_intents([version])
        kept = catalog.sidecar_intents([photo_id])[photo_id]["IMG_0001.xmp"]
    assert sorted(kept, key=int) == [str(k) for k in range(4, SIDECAR_INTENTS_KEPT + 4)]


def test_two_command_line_runs_started_together_mark_nothing_as_a_persons(
    tmp_path: Path, shoot: Path
):
    """Two --write-xmp --reject-others runs started 0.3 s apart: 28 of 34 became "user"."""
    runs = []
    for _ in range(2):
        runs.append(cli_process(tmp_path, shoot, "--write-xmp", "--reject-others"))
        time.sleep(0.3)
    for run in runs:
        out, err = run.communicate(timeout=300)
        assert run.returncode == EXIT_OK, err
    assert user_marked(tmp_path, shoot) == []
    rejects = tmp_path / "rejects"
    assert cull(tmp_path, shoot, "--reject-others", "--move-rejects", str(rejects)) == EXIT_OK
    assert user_marked(tmp_path, shoot) == []
    assert len(list(rejects.glob("*.jpg"))) == 6


# -- another application, while the window is open -------------------------------------------


def lightroom_sidecar(rating: int, label: str) -> str:
    """A sidecar as Lightroom writes it: its own layout, a keyword, rating and label."""
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Adobe XMP Core 7.0">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/"\n'
        '    xmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        f'   xmp:Rating="{rating}" xmp:Label="{label}">\n'
        "   <dc:subject><rdf:Bag><rdf:li>portfolio</rdf:li></rdf:Bag></dc:subject>\n"
        "  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>\n"
    )


def test_ctrl_s_after_another_application_edited_the_sidecar_keeps_its_marks(
    tmp_path: Path, shoot: Path
):
    """Lightroom set 5 stars and Purple while the window was open; X, Ctrl+S left -1 and
    no Purple, and the report said the other application's marks were kept."""
    assert cull(tmp_path, shoot, "--write-xmp", "--marks", "mark_best") == EXIT_OK
    sidecar = shoot / "coffee_03.xmp"
    assert read_marks(sidecar) == XmpMarks(rating=None, label="Yellow")
    old = time.time() - 5
    sidecar.write_text(lightroom_sidecar(5, "Purple"), encoding="utf-8")  # Lightroom
    os.utime(sidecar, (old, old))
    with Catalog(db(tmp_path)) as catalog:
        photo = next(p for p in catalog.photos(shoot) if p.relpath == "coffee_03.jpg")
        catalog.set_decision(photo.id, flag=Flag.REJECT, source=DecisionSource.USER)  # X
        report = FolderSidecars(catalog, shoot).write(  # Ctrl+S
            XmpScheme.MARK_BEST, SidecarStyle.REPLACE
        )
        decision = catalog.decision(photo.id)
    assert read_marks(sidecar) == XmpMarks(rating=5, label="Purple")
    assert "portfolio" in sidecar.read_text()
    assert [p.path for p in report.problems] == ["coffee_03.xmp"]
    assert "changed in another application (5 stars, label Purple)" in report.problems[0].error
    assert "rejected here" in report.problems[0].error
    assert (decision.flag, decision.rating, decision.label) == (Flag.NONE, 5, "Purple")
    assert decision.is_user


def test_an_edit_after_the_last_decision_here_is_taken_as_the_newer_mark(
    tmp_path: Path, shoot: Path
):
    """The other application changed the file after the decision made here: no conflict,
    its marks are the photographer's newest."""
    assert cull(tmp_path, shoot, "--write-xmp") == EXIT_OK
    sidecar = shoot / "coffee_01.xmp"
    with Catalog(db(tmp_path)) as catalog:
        photo = next(p for p in catalog.photos(shoot) if p.relpath == "coffee_01.jpg")
        catalog.set_decision(photo.id, flag=Flag.REJECT, source=DecisionSource.USER)
        time.sleep(0.05)
        sidecar.write_text(lightroom_sidecar(4, "Blue"), encoding="utf-8")
        report = FolderSidecars(catalog, shoot).write(XmpScheme.MARK_BEST, SidecarStyle.REPLACE)
        decision = catalog.decision(photo.id)
    assert read_marks(sidecar) == XmpMarks(rating=4, label="Blue")
    assert report.problems == [] and report.conflicts == 0
    assert (decision.rating, decision.label) == (4, "Blue")


def test_a_sidecar_changed_between_reading_and_renaming_is_not_replaced(tmp_path: Path):
    """The last look before the rename: another program's version written meanwhile stays."""
    sidecar = tmp_path / "IMG_0001.xmp"
    sidecar.write_text(lightroom_sidecar(2, "Red"), encoding="utf-8")
    read = sidecar.read_bytes()
    ours = merge_marks(read, XmpMarks(rating=-1), source=sidecar)
    sidecar.write_text(lightroom_sidecar(5, "Purple"), encoding="utf-8")  # meanwhile
    with pytest.raises(SidecarChanged):
        replace_sidecar(sidecar, ours, sidecar_digest(read))
    assert read_marks(sidecar) == XmpMarks(rating=5, label="Purple")
    assert [p.name for p in tmp_path.iterdir()] == ["IMG_0001.xmp"]  # no temporary file left


# -- nothing to say, no sidecar ------------------------------------------------------------


def test_a_decisions_only_write_leaves_no_empty_sidecar(tmp_path: Path, shoot: Path):
    """After "your decisions only" (Ctrl+Alt+S) 94 empty sidecars were left in the folder."""
    assert cull(tmp_path, shoot, "--write-xmp") == EXIT_OK
    assert len(list(shoot.glob("*.xmp"))) == 9
    kept = shoot / "rocket_01.xmp"  # another application added a keyword since
    kept.write_text(
        kept.read_text().replace(
            "<rdf:Description ",
            '<rdf:Description xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" '
            'photoshop:City="Paris" ',
        ),
        encoding="utf-8",
    )
    with Catalog(db(tmp_path)) as catalog:
        photo = next(p for p in catalog.photos(shoot) if p.relpath == "astronaut_01.jpg")
        catalog.set_decision(photo.id, rating=4, source=DecisionSource.USER)
        report = FolderSidecars(catalog, shoot).write(XmpScheme.DECISIONS, SidecarStyle.REPLACE)
    assert sorted(p.name for p in shoot.glob("*.xmp")) == ["astronaut_01.xmp", "rocket_01.xmp"]
    assert read_marks(shoot / "astronaut_01.xmp").rating == 4
    assert read_marks(kept) == XmpMarks()
    assert 'photoshop:City="Paris"' in kept.read_text()
    assert report.removed == 7 and report.problems == []


def test_a_write_with_nothing_to_say_creates_no_sidecar(tmp_path: Path, shoot: Path):
    assert cull(tmp_path, shoot) == EXIT_OK
    with Catalog(db(tmp_path)) as catalog:
        photo = next(p for p in catalog.photos(shoot) if p.relpath == "rocket_02.jpg")
        catalog.set_decision(photo.id, flag=Flag.REJECT, source=DecisionSource.USER)
        catalog.set_decision(photo.id, flag=Flag.NONE, source=DecisionSource.USER)  # undone
        report = FolderSidecars(catalog, shoot).write(XmpScheme.DECISIONS, SidecarStyle.BOTH)
    assert list(shoot.glob("*.xmp")) == []
    assert report.written == 0


# -- suggestions a photographer can tell from decisions ------------------------------------


def keywords(sidecar: Path) -> dict[str, list[str]]:
    """Keywords as an independent reader (exiftool) sees them, else as this module reads."""
    if EXIFTOOL is None:
        text = sidecar.read_text()
        found = [k for k in ("FGAesQ pick", "FGAesQ other", "FGAesQ reject") if k in text]
        return {"Subject": found, "HierarchicalSubject": found}
    shown = subprocess.run(
        [EXIFTOOL, "-j", "-XMP:Subject", "-XMP:HierarchicalSubject", str(sidecar)],
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(shown.stdout)[0]
    return {
        key: found[key] if isinstance(found.get(key), list) else [found[key]]
        for key in ("Subject", "HierarchicalSubject")
        if key in found
    }


def test_by_default_a_suggestion_is_a_keyword_and_only_decisions_are_ratings(
    tmp_path: Path, shoot: Path
):
    """The photographer's picks and the model's suggestions were both Rating 3 + Green."""
    assert cull(tmp_path, shoot) == EXIT_OK
    with Catalog(db(tmp_path)) as catalog:
        mine = next(p for p in catalog.photos(shoot) if p.relpath == "rocket_03.jpg")
        catalog.set_decision(mine.id, flag=Flag.PICK, source=DecisionSource.USER)
    assert cull(tmp_path, shoot, "--write-xmp") == EXIT_OK
    best, other = shoot / "astronaut_02.xmp", shoot / "astronaut_03.xmp"
    assert read_marks(best) == XmpMarks() and read_marks(other) == XmpMarks()
    assert keywords(best) == {"Subject": ["FGAesQ pick"], "HierarchicalSubject": ["FGAesQ pick"]}
    assert keywords(other)["Subject"] == ["FGAesQ other"]
    assert read_marks(shoot / "rocket_03.xmp") == XmpMarks(rating=3, label="Green")
    assert keywords(shoot / "rocket_03.xmp") == {}  # a decision carries no suggestion
    assert keywords(shoot / "rocket_02.xmp")["Subject"] == ["FGAesQ pick"]


def test_a_suggestion_keyword_joins_a_persons_keywords_and_leaves_with_the_scheme(
    tmp_path: Path, shoot: Path
):
    (shoot / "coffee_02.xmp").write_text(lightroom_sidecar(0, ""), encoding="utf-8")
    digikam = shoot / "coffee_01.xmp"
    digikam.write_text(
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:digiKam="http://www.digikam.org/ns/1.0/">'
        "<digiKam:TagsList><rdf:Seq><rdf:li>Places/Paris</rdf:li></rdf:Seq></digiKam:TagsList>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>",
        encoding="utf-8",
    )
    assert cull(tmp_path, shoot, "--write-xmp") == EXIT_OK
    assert keywords(shoot / "coffee_02.xmp")["Subject"] == ["portfolio", "FGAesQ pick"]
    assert "<rdf:li>FGAesQ other</rdf:li>" in digikam.read_text().split("TagsList>")[1]
    assert cull(tmp_path, shoot, "--write-xmp", "--marks", "mark_best") == EXIT_OK
    assert keywords(shoot / "coffee_02.xmp") == {"Subject": ["portfolio"]}
    assert read_marks(shoot / "coffee_02.xmp") == XmpMarks(rating=3, label="Green")
    assert "FGAesQ" not in digikam.read_text() and "Places/Paris" in digikam.read_text()


def test_a_write_with_another_scheme_replaces_only_automatic_marks_and_says_so(
    tmp_path: Path, shoot: Path
):
    """The window's Ctrl+S silently replaced the marks a --reject-others run had written."""
    assert cull(tmp_path, shoot, "--write-xmp", "--marks", "reject_others") == EXIT_OK
    assert read_marks(shoot / "astronaut_01.xmp").rating == -1
    (shoot / "coffee_01.xmp").write_text(lightroom_sidecar(-1, "Red"), encoding="utf-8")
    with Catalog(db(tmp_path)) as catalog:
        sidecars = FolderSidecars(catalog, shoot)
        sidecars.import_marks()  # the person's reject in Lightroom, seen by a cull
        planned = [c for c in sidecars.plan(XmpScheme.SUGGEST, SidecarStyle.REPLACE) if c.changes]
        report = sidecars.write(XmpScheme.SUGGEST, SidecarStyle.REPLACE)
    assert read_marks(shoot / "astronaut_01.xmp") == XmpMarks()  # this app's -1, replaced
    assert keywords(shoot / "astronaut_01.xmp")["Subject"] == ["FGAesQ other"]
    assert read_marks(shoot / "coffee_01.xmp") == XmpMarks(rating=-1, label="Red")
    assert report.replaced_automatic == 8
    assert any("automatic marks of an earlier write" in line for line in report.notes())
    assert sorted(c.sidecar.name for c in planned if c.replaces_automatic) == sorted(
        f"{name}_0{k}.xmp" for name in BURSTS for k in (1, 2, 3) if f"{name}_0{k}" != "coffee_01"
    )


def test_plan_says_what_a_write_will_change_and_changes_nothing(tmp_path: Path, shoot: Path):
    assert cull(tmp_path, shoot, "--write-xmp", "--marks", "mark_best") == EXIT_OK
    sidecar = shoot / "astronaut_01.xmp"
    sidecar.write_text(lightroom_sidecar(4, "Blue"), encoding="utf-8")  # Lightroom
    files = {p.name: p.read_bytes() for p in shoot.iterdir()}
    with Catalog(db(tmp_path)) as catalog:
        ids = {p.relpath: p.id for p in catalog.photos(shoot)}
        rows = catalog.sidecar_records(ids.values())
        intents = catalog.sidecar_intents(ids.values())
        before = catalog.decisions(ids.values())
        plan = FolderSidecars(catalog, shoot).plan(XmpScheme.SUGGEST, SidecarStyle.REPLACE)
        assert catalog.sidecar_records(ids.values()) == rows
        assert catalog.sidecar_intents(ids.values()) == intents
        assert catalog.decisions(ids.values()) == before
    assert {p.name: p.read_bytes() for p in shoot.iterdir()} == files
    by_name = {c.sidecar.name: c for c in plan}
    lightroom = by_name["astronaut_01.xmp"]
    assert lightroom.imported and not lightroom.changes
    assert lightroom.before == lightroom.after == XmpMarks(rating=4, label="Blue")
    best = by_name["astronaut_02.xmp"]
    assert best.before == XmpMarks(rating=3, label="Green") and best.after == XmpMarks()
    assert (best.suggestion_before, best.suggestion_after) == ("", "FGAesQ pick")
    assert best.automatic and best.changes


# -- the window deciding while a read of the sidecars is under way ------------------------


def lightroom_photo(tmp_path: Path) -> tuple[Path, int]:
    """A folder with one photo, in a burst of one, whose sidecar Lightroom wrote a minute
    ago (5 stars, Purple) and the catalog has not read yet."""
    from PIL import Image

    from app.catalog import PhotoInfo

    folder = tmp_path / "shoot"
    folder.mkdir()
    photo = folder / "IMG_0001.jpg"
    Image.new("RGB", (16, 12), (90, 60, 30)).save(photo, "JPEG")
    with Catalog(db(tmp_path)) as catalog:
        (photo_id,) = catalog.upsert_photos(
            [PhotoInfo(str(folder), photo.name, photo.stat().st_size, photo.stat().st_mtime_ns)]
        )
        catalog.replace_series(folder, [[photo_id]], {})
    return folder, photo_id


def write_lightroom_sidecar(folder: Path) -> Path:
    sidecar = folder / "IMG_0001.xmp"
    sidecar.write_text(lightroom_sidecar(5, "Purple"), encoding="utf-8")
    old = time.time() - 60
    os.utime(sidecar, (old, old))
    return sidecar


def window_decides_while_read(monkeypatch, reader: str, tmp_path: Path, photo_id: int) -> None:
    """The first time the sidecar is read, the window (its own Catalog on the same file)
    marks the photo a pick with 2 stars: between the read's look at the decisions and its
    write of what it combined."""
    read = getattr(sidecar_sync, reader)

    def reading(path: Path):
        found = read(path)
        if path.name == "IMG_0001.xmp" and not decided:
            with Catalog(db(tmp_path)) as window:
                window.set_decision(photo_id, flag=Flag.PICK, rating=2, source=DecisionSource.USER)
            decided.append(path)
        return found

    decided: list[Path] = []
    monkeypatch.setattr(sidecar_sync, reader, reading)


def test_a_decision_made_in_the_window_while_marks_are_read_is_not_replaced(
    tmp_path: Path, monkeypatch
):
    """The cull read the photo's decision (none), then its sidecar (5 stars); meanwhile
    the photographer picked it with 2 stars in the window.  The 5 stars combined with "no
    decision" once replaced the pick.  Now the pick stands, the sidecar waits, named, and the
    photo is held; the next read takes its 5 stars in on top of the pick (never lower)."""
    folder, photo_id = lightroom_photo(tmp_path)
    sidecar = write_lightroom_sidecar(folder)
    window_decides_while_read(monkeypatch, "read_sidecar", tmp_path, photo_id)
    with Catalog(db(tmp_path)) as catalog:
        report = FolderSidecars(catalog, folder).import_marks()
        decision = catalog.decision(photo_id)
        records = catalog.sidecar_records([photo_id])
    assert (decision.flag, decision.rating, decision.label) == (Flag.PICK, 2, None)
    assert decision.is_user
    assert report.imported == [] and report.conflicts == 0
    assert [p.path for p in report.problems] == ["IMG_0001.xmp"]
    assert "decided here" in report.problems[0].error
    assert list(report.held) == [photo_id]
    assert "IMG_0001.xmp" not in records.get(photo_id, {})  # not remembered without its marks
    assert read_marks(sidecar) == XmpMarks(rating=5, label="Purple")

    monkeypatch.undo()
    with Catalog(db(tmp_path)) as catalog:
        report = FolderSidecars(catalog, folder).import_marks()
        decision = catalog.decision(photo_id)
    assert report.imported == [photo_id]
    assert (decision.flag, decision.rating, decision.label) == (Flag.PICK, 5, "Purple")
    assert report.conflicts == 1  # decided here after Lightroom wrote: both named
    assert "2 stars" in report.problems[0].error


def test_a_write_planned_before_a_decision_in_the_window_plans_again(tmp_path: Path, monkeypatch):
    """Ctrl+S planned from the photo's decision (none) and Lightroom's new sidecar; the
    photographer picked it meanwhile.  The write stores nothing planned from the old
    decision: it plans again, so the pick is combined with the sidecar's marks."""
    folder, photo_id = lightroom_photo(tmp_path)
    with Catalog(db(tmp_path)) as catalog:
        sidecars = FolderSidecars(catalog, folder)
        assert sidecars.import_marks().imported == []  # the folder was read: no sidecar yet
        sidecar = write_lightroom_sidecar(folder)
        window_decides_while_read(monkeypatch, "load_sidecar", tmp_path, photo_id)
        report = sidecars.write(XmpScheme.MARK_BEST, SidecarStyle.REPLACE)
        decision = catalog.decision(photo_id)
    assert (decision.flag, decision.rating, decision.label) == (Flag.PICK, 5, "Purple")
    assert report.imported == [photo_id] and report.conflicts == 1
    assert read_marks(sidecar) == XmpMarks(rating=5, label="Purple")
    assert "portfolio" in sidecar.read_text()
