"""A locked or damaged catalog raises CatalogError naming the file, the cause and what to do."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from app.catalog import Catalog, CatalogError, PhotoInfo


def filled_catalog(path: Path, photos: int = 200) -> None:
    with Catalog(path) as catalog:
        for i in range(photos):
            catalog.upsert_photo(
                PhotoInfo(
                    str(path.parent), f"IMG_{i:04d}.CR3", i, i, f"h{i}", thumbnail=os.urandom(1024)
                )
            )


@pytest.fixture
def exclusive_holder(tmp_path: Path):
    """A second, real connection that holds the write lock (BEGIN EXCLUSIVE)."""
    path = tmp_path / "catalog.sqlite3"
    filled_catalog(path, photos=3)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    yield path
    holder.execute("ROLLBACK")
    holder.close()


def test_open_while_another_process_holds_the_lock(exclusive_holder: Path):
    with pytest.raises(CatalogError) as caught:
        Catalog(exclusive_holder, busy_timeout_s=0.2)
    message = str(caught.value)
    assert str(exclusive_holder) in message
    assert "locked" in message and "close the other FGAesQ Cull window" in message


def test_write_while_another_process_holds_the_lock(tmp_path: Path):
    path = tmp_path / "catalog.sqlite3"
    with Catalog(path, busy_timeout_s=0.2) as catalog:
        photo_id = catalog.upsert_photo(PhotoInfo(str(tmp_path), "a.jpg", 1, 1))
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            assert catalog.photo(photo_id) is not None  # WAL: readers go on
            with pytest.raises(CatalogError, match="locked"):
                catalog.set_decision(photo_id, flag="pick")
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        catalog.set_decision(photo_id, flag="pick")  # works again once the lock is gone


def test_file_of_garbage_bytes_is_reported_and_kept(tmp_path: Path):
    path = tmp_path / "catalog.sqlite3"
    garbage = os.urandom(8192)
    path.write_bytes(garbage)
    with pytest.raises(CatalogError) as caught:
        Catalog(path)
    message = str(caught.value)
    assert str(path) in message and "not an SQLite database" in message
    assert "Move the damaged file aside" in message
    assert path.read_bytes() == garbage


def test_truncated_catalog_is_reported_and_kept(tmp_path: Path):
    path = tmp_path / "catalog.sqlite3"
    filled_catalog(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CatalogError) as caught:
        Catalog(path)
    message = str(caught.value)
    assert (
        str(path) in message and "damaged" in message and "Move the damaged file aside" in message
    )
    assert path.stat().st_size == len(data) // 2


def test_zeroed_data_pages_fail_the_integrity_check(tmp_path: Path):
    path = tmp_path / "catalog.sqlite3"
    filled_catalog(path)
    data = bytearray(path.read_bytes())
    page = 4096
    data[-10 * page : -8 * page] = bytes(2 * page)  # header and schema intact, data pages lost
    path.write_bytes(bytes(data))
    Catalog(path, check_integrity=False).close()  # opening alone does not notice
    path.write_bytes(bytes(data))
    with pytest.raises(CatalogError, match="damaged|integrity check failed") as caught:
        Catalog(path)
    assert "Move the damaged file aside" in str(caught.value)
