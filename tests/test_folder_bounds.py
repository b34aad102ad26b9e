"""The folder's bounds: what a run reads, writes, moves and passes over, and names it accepts.

Links never take a run outside the folder it was given, only this catalog's own rejects
folders are passed over (and named), the catalog's own files are not reported as photos,
names up to the file system's limit work, and a photo is never taken for a catalog.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import tempfile
import zlib
from pathlib import Path

import pytest
from filesystems import OTHER_DEVICE, needs_other_device
from test_photos_fixtures import burst, checksums

from app.catalog import Catalog, CatalogError, PhotoInfo
from app.cli import EXIT_OK, main
from app.fileio import NotARegularFile, atomic_write, read_regular
from app.gui.library import FolderLibrary
from app.moves import JOURNAL_NAME, move_rejects, rejected_photos, undo_last
from app.options import SidecarStyle, XmpScheme
from app.photos import scan_folder
from app.photos.decode import MAX_SOURCE_PIXELS, PhotoReadError, decode_image
from app.sidecars import FolderSidecars, XmpMarks, read_marks, write_marks

REPO = Path(__file__).resolve().parent.parent
LONGEST = 250  # bytes, within NAME_MAX (255) on every common file system


def cull(tmp_path: Path, folder: Path, *args: str, db: Path | None = None) -> int:
    catalog = db or tmp_path / "catalog.sqlite3"
    return main([str(folder), "--db", str(catalog), "--model", "technical", *args])


# -- links -----------------------------------------------------------------------------------


def test_links_leading_outside_the_folder_are_never_read_written_or_moved(tmp_path: Path, capsys):
    """`incoming/shortcut -> ../archive` moved 5 of 6 archive photos out of archive/ and
    wrote a sidecar there."""
    incoming, archive = tmp_path / "incoming", tmp_path / "archive"
    burst(incoming, "astronaut", 0.0, frames=3, sharp_at=1)
    burst(archive, "coffee", 0.0, frames=3, sharp_at=1)
    (archive / "notes.xmp").write_text('<x:xmpmeta xmlns:x="adobe:ns:meta/"/>')
    os.symlink("../archive", incoming / "shortcut")
    os.symlink("../archive/coffee_01.jpg", incoming / "coffee_01.jpg")
    os.symlink("../archive/notes.xmp", incoming / "astronaut_03.xmp")  # a sidecar's place
    before = checksums(archive)

    code = cull(
        tmp_path,
        incoming,
        "--write-xmp",
        "--reject-others",
        "--move-rejects",
        str(tmp_path / "R"),
    )

    out = "".join(capsys.readouterr())
    assert code == EXIT_OK
    assert checksums(archive) == before  # nothing read as part of incoming, written or moved
    assert sorted(p.name for p in archive.iterdir()) == sorted(before)
    assert "3 symbolic links lead outside the folder and were not followed" in out
    assert "astronaut_03.xmp, coffee_01.jpg, shortcut" in out
    assert (incoming / "astronaut_03.xmp").is_symlink()  # the link is not replaced either
    moved = sorted(p.name for p in (tmp_path / "R").iterdir() if not p.name.startswith("."))
    assert not any(name.startswith("coffee") for name in moved)


def test_a_link_inside_the_folder_is_passed_over_and_its_target_scanned_once(tmp_path: Path):
    burst(tmp_path / "shoot" / "day1", "astronaut", 0.0, frames=2)
    os.symlink("day1", tmp_path / "shoot" / "also_day1")
    os.symlink("day1/astronaut_01.jpg", tmp_path / "shoot" / "alias.jpg")
    scan = scan_folder(tmp_path / "shoot")
    assert [p.rel for p in scan.photos] == ["day1/astronaut_01.jpg", "day1/astronaut_02.jpg"]
    assert scan.problems == [] and scan.outside_links == []


def test_sidecar_reads_and_writes_refuse_a_link(tmp_path: Path):
    outside = tmp_path / "outside.xmp"
    outside.write_text('<x:xmpmeta xmlns:x="adobe:ns:meta/"/>')
    folder = tmp_path / "shoot"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(b"x")
    os.symlink(outside, folder / "a.xmp")
    with pytest.raises(NotARegularFile, match="symbolic link"):
        read_regular(folder / "a.xmp")
    with pytest.raises(NotARegularFile, match="symbolic link"):
        atomic_write(folder / "a.xmp", b"new")
    problems = write_marks(folder / "a.jpg", XmpMarks(rating=-1))
    assert problems and "symbolic link" in str(problems[0])
    assert outside.read_text() == '<x:xmpmeta xmlns:x="adobe:ns:meta/"/>'
    assert (folder / "a.xmp").is_symlink()


@pytest.mark.parametrize("other_device", [False, pytest.param(True, marks=needs_other_device)])
def test_a_move_refuses_a_photo_that_became_a_link_out_of_the_folder(
    tmp_path: Path, other_device: bool
):
    folder, outside = tmp_path / "shoot", tmp_path / "outside"
    folder.mkdir()
    outside.mkdir()
    (outside / "a.jpg").write_bytes(b"someone else's photo")
    os.symlink(outside / "a.jpg", folder / "a.jpg")
    with Catalog(tmp_path / "catalog.sqlite3") as catalog:
        photo = catalog.upsert_photo(PhotoInfo(str(folder), "a.jpg", 20, 1))
        catalog.set_decision(photo, flag="reject", source="user")
        dest = Path(tempfile.mkdtemp(dir=OTHER_DEVICE if other_device else tmp_path))
        try:
            report = move_rejects(rejected_photos(catalog, folder), dest, catalog=catalog)
            assert report.photo_ids == [] and "symbolic link" in str(report.problems[0])
            assert [p.name for p in dest.iterdir() if p.name != ".fgaesq-moves.lock"] == [
                JOURNAL_NAME
            ]
        finally:
            shutil.rmtree(dest)
    assert (outside / "a.jpg").read_bytes() == b"someone else's photo"
    assert (folder / "a.jpg").is_symlink()


def test_a_subfolder_replaced_by_a_link_out_of_the_folder_gets_no_sidecar_and_gives_no_file(
    tmp_path: Path,
):
    folder, outside = tmp_path / "shoot", tmp_path / "outside"
    (folder / "sub").mkdir(parents=True)
    outside.mkdir()
    (outside / "a.jpg").write_bytes(b"someone else's photo")
    with Catalog(tmp_path / "catalog.sqlite3") as catalog:
        photo = catalog.upsert_photo(PhotoInfo(str(folder), "sub/a.jpg", 20, 1))
        catalog.replace_series(folder, [[photo]], {})
        catalog.set_decision(photo, flag="reject", source="user")
        (folder / "sub").rmdir()
        os.symlink(outside, folder / "sub")  # after the cull, sub/ became a link to elsewhere
        written = FolderSidecars(catalog, folder).write(XmpScheme.MARK_BEST, SidecarStyle.BOTH)
        moved = move_rejects(rejected_photos(catalog, folder), tmp_path / "R", catalog=catalog)
    assert "through a symbolic link" in str(written.problems)
    assert moved.photo_ids == [] and "through a symbolic link" in str(moved.problems)
    assert sorted(p.name for p in outside.iterdir()) == ["a.jpg"]
    assert (outside / "a.jpg").read_bytes() == b"someone else's photo"


# -- folders passed over, files of ours ------------------------------------------------------


def test_only_this_catalogs_rejects_folders_are_passed_over_and_each_is_named(
    tmp_path: Path, capsys
):
    """A subfolder holding a move journal (an old rejects folder, renamed and kept) was
    silently never scanned."""
    shoot = tmp_path / "shoot"
    burst(shoot, "astronaut", 0.0, frames=3, sharp_at=1)
    kept = shoot / "kept from 2023"
    burst(kept, "coffee", 600.0, frames=2)
    (kept / JOURNAL_NAME).write_text('{"event": "batch", "batch": "b", "dest": "elsewhere"}\n')
    assert cull(tmp_path, shoot, "--reject-others", "--move-rejects", str(shoot / "R")) == EXIT_OK
    capsys.readouterr()

    out_json = tmp_path / "out.json"
    assert cull(tmp_path, shoot, "--json", str(out_json)) == EXIT_OK

    out = "".join(capsys.readouterr())
    files = {m["path"] for s in json.loads(out_json.read_text())["series"] for m in s["members"]}
    assert "kept from 2023/coffee_01.jpg" in files
    assert (shoot / "R" / "coffee_02.jpg").is_file()  # the kept folder's reject was culled too
    assert not any(f.startswith("R/") for f in files)
    assert "Not scanned (rejects were moved there): R/" in out
    with Catalog(tmp_path / "catalog.sqlite3") as catalog:  # the window shows what was culled
        shown = {f.path for s in FolderLibrary(catalog, shoot).load() for f in s.frames}
    assert str(shoot / "kept from 2023" / "coffee_01.jpg") in shown
    assert not any(Path(p).is_relative_to(shoot / "R") for p in shown)


def test_a_catalog_kept_in_the_folder_is_not_reported_as_a_photo(tmp_path: Path, capsys):
    shoot = tmp_path / "shoot"
    burst(shoot, "astronaut", 0.0, frames=2)
    for _ in range(2):  # the second run sees the catalog (and maybe its -wal and -shm)
        assert cull(tmp_path, shoot, db=shoot / "catalog.sqlite3") == EXIT_OK
    assert cull(tmp_path, shoot) == EXIT_OK  # a run with another catalog: still ours, quiet
    out = "".join(capsys.readouterr())
    assert "catalog.sqlite3" not in out and "unsupported format" not in out


def test_a_photo_given_as_the_catalog_is_refused_and_left_as_it_is(tmp_path: Path, capsys):
    shoot = tmp_path / "shoot"
    burst(shoot, "astronaut", 0.0, frames=2)
    photo = shoot / "astronaut_01.jpg"
    before = photo.read_bytes()
    with pytest.raises(CatalogError) as refused:
        Catalog(photo)
    message = str(refused.value)
    assert "not a catalog" in message and "left untouched" in message
    assert "rename" not in message and ".damaged" not in message
    assert cull(tmp_path, shoot, db=photo) == EXIT_OK  # the run goes on, remembering nothing
    assert ".damaged" not in "".join(capsys.readouterr())
    assert photo.read_bytes() == before and not list(shoot.glob("*-wal"))


def test_a_file_that_is_not_a_database_is_refused_without_suggesting_a_rename(tmp_path: Path):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes, not a catalog " * 10)
    with pytest.raises(CatalogError) as refused:
        Catalog(notes)
    assert "not an SQLite database" in str(refused.value)
    assert "rename" not in str(refused.value)
    assert notes.read_text() == "my notes, not a catalog " * 10


# -- names as long as the file system allows -------------------------------------------------


def long_name(ext: str) -> str:
    return "l" * (LONGEST - len(ext)) + ext


def test_a_sidecar_with_the_longest_legal_name_is_written(tmp_path: Path):
    """From 238 bytes the `.jpg.xmp` sidecar could not be written (the temporary name)."""
    photo = tmp_path / long_name(".jpg")
    photo.write_bytes(b"x")
    assert write_marks(photo, XmpMarks(rating=-1), "both") == []
    assert read_marks(photo.with_name(photo.name + ".xmp")).rating == -1  # 254 bytes
    atomic_write(tmp_path / long_name(".xmp"), b"data")  # 250 bytes replaced atomically
    assert (tmp_path / long_name(".xmp")).read_bytes() == b"data"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@needs_other_device
def test_a_photo_with_the_longest_legal_name_moves_to_another_file_system_and_back(
    tmp_path: Path,
):
    """From 222 bytes a cross-device move failed (the temporary copy's name)."""
    folder = tmp_path / "shoot"
    folder.mkdir()
    photo = folder / long_name(".jpg")
    photo.write_bytes(os.urandom(4096))
    write_marks(photo, XmpMarks(rating=-1), "replace")
    before = checksums(folder)
    dest = Path(tempfile.mkdtemp(prefix="fgaesq-rejects-", dir=OTHER_DEVICE))
    try:
        with Catalog(tmp_path / "catalog.sqlite3") as catalog:
            photo_id = catalog.upsert_photo(PhotoInfo(str(folder), photo.name, 4096, 1))
            catalog.set_decision(photo_id, flag="reject", source="user")
            report = move_rejects(rejected_photos(catalog, folder), dest, catalog=catalog)
            assert report.problems == [] and len(report.moved) == 2
            assert checksums(folder) == {}
            assert undo_last(dest, catalog=catalog).problems == []
        assert checksums(folder) == before
    finally:
        shutil.rmtree(dest)


# -- photos too large to decode --------------------------------------------------------------


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` x ``height`` pixels and holds none (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("pixels", [(22_000, 20_000), (30_000, 30_000)])
def test_the_size_cap_in_the_message_is_the_one_applied_and_documented(
    tmp_path: Path, pixels: tuple[int, int]
):
    """The decompression-bomb message said 800 MP where the docs say 400 MP."""
    path = tmp_path / "bomb.png"
    path.write_bytes(png_header(*pixels))
    cap = f"{MAX_SOURCE_PIXELS / 1e6:g} MP"
    with pytest.raises(PhotoReadError) as refused:
        decode_image(path)
    assert f"over {cap}" in str(refused.value) and "800" not in str(refused.value)
    assert f"Sources above {cap} are refused" in (REPO / "docs" / "pipeline.md").read_text()


def test_a_taken_name_at_the_length_limit_fails_that_photo_alone(tmp_path: Path):
    """A clash on a 255-byte name stopped the whole run (OSError: File name too long)."""
    folder, dest = tmp_path / "shoot", tmp_path / "R"
    folder.mkdir()
    dest.mkdir()
    longest = "x" * 251 + ".jpg"
    (dest / longest).write_bytes(b"an older reject with the same name")
    with Catalog(tmp_path / "catalog.sqlite3") as catalog:
        for name in (longest, "short.jpg"):
            (folder / name).write_bytes(os.urandom(100))
            photo = catalog.upsert_photo(PhotoInfo(str(folder), name, 100, 1))
            catalog.set_decision(photo, flag="reject", source="user")
        report = move_rejects(rejected_photos(catalog, folder), dest, catalog=catalog)
    assert len(report.photo_ids) == 1 and (dest / "short.jpg").exists()
    assert "longer than the file system allows" in str(report.problems)
    assert (folder / longest).exists()
    assert (dest / longest).read_bytes() == b"an older reject with the same name"
