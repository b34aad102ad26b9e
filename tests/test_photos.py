"""Reading photos: scanning, RAW+JPEG pairing, decoding every format, EXIF capture metadata."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from privileges import json_from_child
from test_photos_fixtures import T0, dng, jpeg, scene

from app.photos import PhotoReadError, decode_image, parse_exif_datetime, read_metadata, scan_folder

# -- scanning ---------------------------------------------------------------------------------


def test_scan_pairs_raw_with_same_stem_jpeg_and_decodes_the_jpeg(tmp_path):
    dng(tmp_path / "IMG_0001.DNG")
    jpeg(tmp_path / "IMG_0001.JPG")
    jpeg(tmp_path / "IMG_0002.jpg")
    scan = scan_folder(tmp_path)
    assert [p.rel for p in scan.photos] == ["IMG_0001.DNG", "IMG_0002.jpg"]
    pair = scan.photos[0]
    assert pair.companions == (tmp_path / "IMG_0001.JPG",)
    assert pair.decode_path == tmp_path / "IMG_0001.JPG"
    assert scan.problems == []


def test_scan_reports_unsupported_and_broken_links_and_skips_sidecars(tmp_path):
    jpeg(tmp_path / "a.jpg")
    (tmp_path / "a.xmp").write_text("<x/>")
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "clip.mov").write_bytes(b"\0" * 10)
    (tmp_path / ".hidden.jpg").write_bytes(b"")
    os.symlink(tmp_path / "missing.jpg", tmp_path / "dangling.jpg")
    scan = scan_folder(tmp_path)
    assert [p.rel for p in scan.photos] == ["a.jpg"]
    problems = {p.path: p.error for p in scan.problems}
    assert problems["clip.mov"] == "unsupported format (.mov)"
    assert problems["dangling.jpg"] == "broken symbolic link"
    assert set(problems) == {"clip.mov", "dangling.jpg"}


def test_scan_survives_symlink_loops_and_visits_each_photo_once(tmp_path):
    jpeg(tmp_path / "sub" / "a.jpg")
    os.symlink(tmp_path, tmp_path / "sub" / "up")  # a loop back to the root
    os.symlink(tmp_path / "self", tmp_path / "self")  # a link to itself
    os.symlink(tmp_path / "sub" / "a.jpg", tmp_path / "alias.jpg")  # the same file twice
    scan = scan_folder(tmp_path)
    assert [p.rel for p in scan.photos] == ["sub/a.jpg"]  # by its own name, once
    errors = {p.path: p.error for p in scan.problems}
    assert errors == {"self": "symbolic link loop"}  # links inside are passed over quietly
    assert scan.outside_links == []


def test_scan_names_that_are_not_utf8_get_a_stable_printable_name(tmp_path):
    raw_name = os.fsencode(tmp_path) + b"/caf\xe9.jpg"
    scene().save(raw_name.decode("utf-8", "surrogateescape"), "JPEG")
    scan = scan_folder(tmp_path)
    assert [p.rel for p in scan.photos] == ["caf\\xe9.jpg"]
    assert decode_image(scan.photos[0].path, 64).size[0] == 64
    assert scan_folder(tmp_path).photos[0].rel == "caf\\xe9.jpg"


SCAN_PROBLEMS = """
import json, sys
from app.photos import scan_folder
print(json.dumps([[p.path, p.error] for p in scan_folder(sys.argv[1]).problems]))
"""


def test_scan_reports_an_unreadable_folder(tmp_path):
    jpeg(tmp_path / "locked" / "a.jpg")
    jpeg(tmp_path / "b.jpg")
    (tmp_path / "locked").chmod(0)
    try:
        problems = json_from_child(SCAN_PROBLEMS, str(tmp_path))
    finally:
        (tmp_path / "locked").chmod(0o755)
    assert problems == [["locked", "permission denied: cannot read this folder"]]


# -- decoding --------------------------------------------------------------------------------


def test_jpeg_decodes_reduced_through_draft_mode_and_fits_the_box(tmp_path):
    path = tmp_path / "big.jpg"
    scene(size=(2400, 1600)).save(path, "JPEG")
    with Image.open(path) as image:
        image.draft("RGB", (300, 300))
        assert image.size == (600, 400)  # DCT scaling by 1/4: less than a full decode
    out = decode_image(path, 300)
    assert out.size == (300, 200) and out.mode == "RGB"


def test_exif_orientation_is_applied(tmp_path):
    path = jpeg(tmp_path / "rotated.jpg", scene(size=(120, 80)), orientation=6)
    assert decode_image(path, None).size == (80, 120)


@pytest.mark.parametrize(
    "suffix, mode", [(".png", "RGBA"), (".tif", "I;16"), (".webp", "RGB"), (".tiff", "L")]
)
def test_other_raster_formats_decode_to_rgb(tmp_path, suffix, mode):
    base = scene(size=(90, 60))
    if mode == "I;16":
        image = Image.fromarray(np.asarray(base.convert("L"), dtype=np.uint16) * 257)
    else:
        image = base.convert(mode)
    path = tmp_path / f"image{suffix}"
    image.save(path)
    out = decode_image(path, 64)
    assert out.mode == "RGB" and max(out.size) == 64
    assert np.asarray(out).std() > 5  # real content, not a blank conversion


def test_heif_decodes_through_pillow_heif(tmp_path):
    pillow_heif = pytest.importorskip("pillow_heif")
    path = tmp_path / "photo.heic"
    try:
        pillow_heif.from_pillow(scene(size=(128, 96))).save(path, quality=80)
    except Exception as exc:  # some builds ship without an HEVC encoder
        pytest.skip(f"no HEIF encoder: {exc}")
    assert decode_image(path, 64).size == (64, 48)


def test_dng_with_embedded_preview_uses_the_preview(tmp_path):
    preview = Image.new("RGB", (192, 128), (200, 30, 30))
    path = dng(tmp_path / "with_preview.dng", preview=preview)
    out = decode_image(path, 192)
    assert out.size == (192, 128)
    assert np.asarray(out).reshape(-1, 3).mean(axis=0).round().tolist() == [200, 30, 30]


def test_dng_without_preview_falls_back_to_half_size_demosaic(tmp_path):
    path = dng(tmp_path / "bare.dng", size=(96, 64))
    out = decode_image(path, 1024)
    assert out.size == (48, 32)  # half of the 96x64 mosaic


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty file (0 bytes)"),
        (b"this is not an image at all", "not an image"),
    ],
)
def test_bad_files_raise_a_clear_error(tmp_path, content, message):
    path = tmp_path / "bad.jpg"
    path.write_bytes(content)
    with pytest.raises(PhotoReadError, match=re.escape(message)):
        decode_image(path, 64)


def test_truncated_jpeg_and_raw_raise_a_clear_error(tmp_path):
    good = jpeg(tmp_path / "good.jpg", scene(size=(400, 300)))
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(PhotoReadError, match="truncated"):
        decode_image(truncated, None)
    fake_raw = tmp_path / "fake.nef"
    fake_raw.write_bytes(b"II*\0garbage" * 10)
    with pytest.raises(PhotoReadError):
        decode_image(fake_raw, 64)


DECODE_ERROR = """
import json, sys
from app.photos import PhotoReadError, decode_image
try:
    decode_image(sys.argv[1], 64)
    print(json.dumps(None))
except PhotoReadError as error:
    print(json.dumps(str(error)))
"""


def test_unreadable_file_raises_permission_error_message(tmp_path):
    path = jpeg(tmp_path / "secret.jpg")
    path.chmod(0)
    try:
        failure = json_from_child(DECODE_ERROR, str(path))
    finally:
        path.chmod(0o644)
    assert failure == "permission denied: cannot read this file"  # callers put the path with it


# -- metadata --------------------------------------------------------------------------------


def test_capture_time_with_subseconds_and_offset(tmp_path):
    path = jpeg(tmp_path / "a.jpg", when=T0, subsec="045", offset="+02:00", serial="SN1")
    meta = read_metadata(path)
    assert meta.time_source == "exif"
    assert meta.captured == T0.replace(microsecond=45000, tzinfo=timezone(timedelta(hours=2)))
    assert meta.captured_iso() == "2024-06-01T12:00:00.045000+02:00"
    assert (meta.make, meta.model, meta.serial) == ("Fictive", "Burst A1", "SN1")
    assert meta.camera_key == "Fictive|Burst A1|SN1"
    assert meta.warning is None


def test_offset_time_stands_in_for_a_missing_offset_time_original(tmp_path):
    path = tmp_path / "offset.jpg"
    data = Image.Exif()
    sub = data.get_ifd(0x8769)
    sub[0x9003] = "2024:06:01 12:00:00"
    sub[0x9010] = "-05:30"
    scene().save(path, "JPEG", exif=data)
    assert read_metadata(path).captured_iso() == "2024-06-01T12:00:00-05:30"


def test_subsecond_digits_mean_fractions_not_milliseconds():
    assert parse_exif_datetime("2024:06:01 12:00:00", "5").microsecond == 500000
    assert parse_exif_datetime("2024:06:01 12:00:00", "05").microsecond == 50000
    assert parse_exif_datetime("2024:06:01 12:00:00", "123456789").microsecond == 123456
    assert parse_exif_datetime("0000:00:00 00:00:00") is None
    assert parse_exif_datetime("garbage") is None


def test_exposure_settings_for_the_details_panel(tmp_path):
    data = {0x829A: 1 / 250, 0x829D: 2.8, 0x8827: 400, 0x920A: 50.0, 0xA434: "50mm F1.4"}
    path = tmp_path / "settings.jpg"
    exif = Image.Exif()
    sub = exif.get_ifd(0x8769)
    sub.update(data)
    sub[0x9003] = "2024:06:01 12:00:00"
    scene().save(path, "JPEG", exif=exif)
    meta = read_metadata(path)
    assert (meta.exposure_time, meta.f_number, meta.iso, meta.focal_length) == (
        "1/250",
        2.8,
        400,
        50.0,
    )
    assert meta.lens == "50mm F1.4"


def test_missing_or_invalid_exif_time_falls_back_to_the_file_time(tmp_path):
    plain = tmp_path / "plain.jpg"
    scene().save(plain, "JPEG")
    os.utime(plain, (1_700_000_000, 1_700_000_000))
    meta = read_metadata(plain)
    assert meta.time_source == "file" and meta.captured.timestamp() == 1_700_000_000
    assert meta.warning is None
    invalid = jpeg(tmp_path / "invalid.jpg", when="2024:13:45 99:00:00")
    meta = read_metadata(invalid)
    assert meta.time_source == "file"
    assert "invalid EXIF capture time" in meta.warning


def test_broken_exif_block_is_reported_and_falls_back(tmp_path):
    good = jpeg(tmp_path / "good.jpg")
    data = bytearray(good.read_bytes())
    start = data.index(b"Exif\0\0")
    data[start + 6 : start + 40] = b"\xff" * 34  # wreck the TIFF header inside APP1
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(bytes(data))
    meta = read_metadata(broken)
    assert meta.time_source == "file"
    assert (
        meta.warning
        == "unreadable EXIF (the EXIF block is damaged); capture time taken from the file"
    )
    assert decode_image(broken, 64).size[0] == 64  # the picture itself is still fine


def test_raw_metadata_through_exifread(tmp_path):
    meta = read_metadata(dng(tmp_path / "a.dng"))
    assert (meta.make, meta.model) == ("Fictive", "Burst A1")
    assert meta.time_source == "file"


def test_raw_metadata_read_from_ifd0_where_tiff_ep_places_it(tmp_path):
    """TIFF/EP RAWs (and DNGs) may keep the capture time and settings in IFD0 instead of an
    Exif IFD: the exposure time is what tells a bracket from a burst."""
    ifd0 = {
        33434: ("2I", 1, (1, 250)),  # ExposureTime
        33437: ("2I", 1, (28, 10)),  # FNumber
        36867: ("s", 0, "2024:06:01 12:00:00"),  # DateTimeOriginal
    }
    meta = read_metadata(dng(tmp_path / "a.dng", iso=800, ifd0=ifd0))
    assert (meta.exposure_time, meta.f_number, meta.iso) == ("1/250", 2.8, 800)
    assert meta.time_source == "exif" and meta.captured.hour == 12


def test_metadata_never_raises_for_garbage(tmp_path: Path):
    path = tmp_path / "junk.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00garbage")
    meta = read_metadata(path)
    assert meta.time_source == "file" and meta.warning is not None


# -- worker pool ----------------------------------------------------------------------------


def _square_or_die(task: int) -> tuple[int, int]:
    """Stands in for a decoder that takes the whole process down on one hostile file."""
    if task == 5:
        os._exit(3)
    return task, task * task


def test_a_crashing_worker_fails_only_its_own_task():
    from app.photos.workers import WorkerPool

    pool = WorkerPool(2)
    try:
        results = list(
            pool.map(_square_or_die, list(range(12)), crashed=lambda task, message: (task, message))
        )
    finally:
        pool.close()
    by_task = dict(results)
    assert len(results) == 12
    assert "crashed" in by_task.pop(5)
    assert by_task == {k: k * k for k in range(12) if k != 5}


POOL_STARTED_EARLY = """
import json
from app.photos.workers import WorkerPool

if __name__ == "__main__":
    pool = WorkerPool(2)
    pool.start(jobs=12)
    pool._starter.join()  # the thread that started the processes has ended
    try:
        results = sorted(pool.map(abs, list(range(-12, 0))))
    finally:
        pool.close()
    print(json.dumps(results))
"""


def test_a_pool_started_in_the_background_outlives_the_thread_that_started_it(tmp_path):
    """``start`` overlaps the processes' start-up with the caller's work; the fork server it
    relies on must not die with the short-lived starting thread (the kernel's parent-death
    signal follows threads).  In a fresh process, so no earlier fork server hides it."""
    script = tmp_path / "pool_started_early.py"
    script.write_text(POOL_STARTED_EARLY)
    child = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert child.returncode == 0, child.stderr
    assert json.loads(child.stdout) == list(range(1, 13))


def test_a_pool_that_cannot_start_processes_works_inline(monkeypatch):
    """Where worker processes cannot start (a sandbox without sockets, say), starting the pool
    early raises nothing and every task still runs, in the calling process."""
    from multiprocessing import forkserver

    from app.photos.workers import WorkerPool

    def refuse() -> None:
        raise OSError("no sockets here")

    monkeypatch.setattr(forkserver, "ensure_running", refuse)
    pool = WorkerPool(2)
    try:
        pool.start(jobs=12)
        results = sorted(pool.map(abs, list(range(-12, 0))))
    finally:
        pool.close()
    assert results == list(range(1, 13))
