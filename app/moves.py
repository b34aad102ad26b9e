"""Moving rejected photos aside, journaled so every move can be undone, even after a crash.

``move_rejects(photos, dest_dir)`` moves every file of each photo (the RAW, its JPEG
companion, and the XMP sidecars of both naming styles) into ``dest_dir``.  Nothing is
overwritten: when a name is taken, the whole photo gets the next free suffix
(``IMG_0001-1.CR3`` with ``IMG_0001-1.JPG`` and ``IMG_0001-1.xmp``) so its files still
belong together.  Nothing is deleted: a move is a rename (or, across file systems, a
verified copy followed by removing the source).

The journal is ``dest_dir/.fgaesq-moves.jsonl``: JSON lines, each fsynced.  Before a file
moves, an ``intent`` line names source and target; after it, a ``done`` line.  A crash in
between leaves an intent whose file is in one of the two places, and ``undo`` finds it
either way.  ``undo`` replays a batch backwards, restoring exact paths, and refuses
(changing nothing) when a file is missing or an original path is taken again.  With a
catalog, each photo's path is updated after its move and restored on undo.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from app.catalog import Catalog, Flag, PhotoRecord, normalize_root
from app.xmp import existing_sidecars

JOURNAL_NAME = ".fgaesq-moves.jsonl"


class MoveError(Exception):
    """A move or undo could not start or was refused; the message says which files and why."""


@dataclass(frozen=True)
class FileMove:
    source: Path
    target: Path


@dataclass(frozen=True)
class MoveReport:
    batch: str
    journal: Path
    moved: tuple[FileMove, ...] = ()
    photo_ids: tuple[int, ...] = ()
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class UndoReport:
    batch: str
    journal: Path
    restored: tuple[FileMove, ...] = ()


@dataclass
class _Photo:
    """A photo's place before the move, as the journal records it."""

    photo_id: int | None
    root: str
    relpath: str
    companions: list[str] = field(default_factory=list)


def journal_path(dest_dir: str | os.PathLike[str]) -> Path:
    return Path(dest_dir) / JOURNAL_NAME


def rejected_photos(catalog: Catalog, root: str | os.PathLike[str]) -> list[PhotoRecord]:
    """The photos of a folder whose current decision is reject (user or automatic)."""
    photos = catalog.photos(root)
    decisions = catalog.decisions(p.id for p in photos)
    return [p for p in photos if decisions[p.id].flag is Flag.REJECT]


# -- moving -------------------------------------------------------------------------------


def move_rejects(
    photos: Iterable[PhotoRecord],
    dest_dir: str | os.PathLike[str],
    *,
    catalog: Catalog | None = None,
) -> MoveReport:
    """Move every file of each photo into ``dest_dir`` (created if needed), journaled.

    A photo whose files cannot all be moved is put back and reported in ``errors``; the
    others still move.

    Raises:
        MoveError: ``dest_dir`` cannot be created or its journal cannot be written.
    """
    dest = Path(dest_dir).expanduser().resolve()  # same spelling as catalog roots
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise MoveError(f"cannot create the folder {dest}: {error.strerror or error}") from error
    journal = _Journal(journal_path(dest))
    batch = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    journal.append({"event": "batch", "batch": batch, "dest": str(dest), "time": _now()})
    moved: list[FileMove] = []
    photo_ids: list[int] = []
    errors: list[str] = []
    for photo in photos:
        try:
            done = _move_photo(photo, dest, batch, journal, catalog)
        except MoveError as error:
            errors.append(str(error))
            continue
        moved.extend(done)
        photo_ids.append(photo.id)
    journal.append({"event": "batch-done", "batch": batch, "time": _now()})
    return MoveReport(batch, journal.path, tuple(moved), tuple(photo_ids), tuple(errors))


def _move_photo(
    photo: PhotoRecord, dest: Path, batch: str, journal: _Journal, catalog: Catalog | None
) -> list[FileMove]:
    sources = _photo_files(photo)
    missing = [s for s in sources if not s.is_file()]
    if missing:
        raise MoveError(f"{photo.path}: not moved, file missing: {', '.join(map(str, missing))}")
    journal.append(
        {
            "event": "photo",
            "batch": batch,
            "photo_id": photo.id or None,
            "root": photo.root,
            "relpath": photo.relpath,
            "companions": list(photo.companions),
        }
    )
    targets = _reserve_targets(sources, Path(photo.relpath).stem, dest, batch, journal)
    done: list[FileMove] = []
    try:
        for source, target in zip(sources, targets, strict=True):
            _move_file(source, target)
            journal.append(_entry("done", batch, FileMove(source, target)))
            done.append(FileMove(source, target))
    except OSError as error:
        _release(targets[len(done) :])
        _put_back(done, batch, journal)
        raise MoveError(f"{photo.path}: not moved ({error.strerror or error})") from error
    if catalog is not None and photo.id:
        _point_catalog(catalog, photo, targets, dest)
    return done


def _photo_files(photo: PhotoRecord) -> list[Path]:
    files = [Path(f) for f in photo.files]
    for image in list(files):
        for sidecar in existing_sidecars(image):
            if sidecar not in files:
                files.append(sidecar)
    return files


def _reserve_targets(
    sources: list[Path], stem: str, dest: Path, batch: str, journal: _Journal
) -> list[Path]:
    """Free names in ``dest`` for all files of a photo, one shared suffix, reserved atomically.

    The intents are journaled before the empty placeholders are created, so an undo after a
    crash at any point finds (and removes) every placeholder.
    """
    for attempt in range(10_000):
        names = [_suffixed(source.name, stem, attempt) for source in sources]
        if len({n.lower() for n in names}) != len(names):
            raise MoveError(f"{sources[0]}: two files of this photo would get the same name")
        planned = [
            FileMove(source, dest / name) for source, name in zip(sources, names, strict=True)
        ]
        if any(move.target.exists() for move in planned):
            continue
        for move in planned:
            journal.append(_entry("intent", batch, move))
        reserved: list[Path] = []
        try:
            for move in planned:
                with open(move.target, "xb"):  # O_EXCL: fails if the name was taken meanwhile
                    pass
                reserved.append(move.target)
            return reserved
        except OSError as error:
            _release(reserved)
            for move in planned:
                journal.append(_entry("undone", batch, move))  # void: never reserved
            if not isinstance(error, FileExistsError):
                raise MoveError(f"cannot write in {dest}: {error.strerror or error}") from error
    raise MoveError(f"{sources[0]}: no free name in {dest}")


def _entry(event: str, batch: str, move: FileMove) -> dict:
    return {"event": event, "batch": batch, "source": str(move.source), "target": str(move.target)}


def _suffixed(name: str, stem: str, attempt: int) -> str:
    if attempt == 0:
        return name
    if name.startswith(stem + "."):
        return f"{stem}-{attempt}{name[len(stem) :]}"
    head, dot, rest = name.partition(".")
    return f"{head}-{attempt}{dot}{rest}"


def _release(placeholders: Iterable[Path]) -> None:
    """Remove our own empty placeholders (never a file with content)."""
    for path in placeholders:
        with contextlib.suppress(OSError):
            if path.stat().st_size == 0:
                path.unlink()


def _move_file(source: Path, target: Path) -> None:
    """Move ``source`` onto its reserved (empty) ``target``; across devices copy, verify, remove."""
    try:
        os.replace(source, target)
        return
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
    shutil.copy2(source, target)
    if target.stat().st_size != source.stat().st_size or not _same_bytes(source, target):
        raise OSError(errno.EIO, f"copy of {source} to {target} differs")
    source.unlink()


def _same_bytes(a: Path, b: Path) -> bool:
    with a.open("rb") as fa, b.open("rb") as fb:
        while True:
            chunk = fa.read(1 << 20)
            if chunk != fb.read(1 << 20):
                return False
            if not chunk:
                return True


def _put_back(done: list[FileMove], batch: str, journal: _Journal) -> None:
    for move in reversed(done):
        with contextlib.suppress(OSError):
            _restore_file(move)
            journal.append(_entry("undone", batch, move))


def _point_catalog(catalog: Catalog, photo: PhotoRecord, targets: list[Path], dest: Path) -> None:
    old_root = Path(photo.root)
    main = targets[0]
    inside = main.is_relative_to(old_root)
    root = old_root if inside else dest
    companions = [
        targets[i].relative_to(root).as_posix() for i in range(1, 1 + len(photo.companions))
    ]
    catalog.move_photo(
        photo.id, main.relative_to(root).as_posix(), new_root=root, companions=companions
    )


# -- undo -------------------------------------------------------------------------------------


def undo_last(dest_dir: str | os.PathLike[str], *, catalog: Catalog | None = None) -> UndoReport:
    """Undo the newest batch in ``dest_dir``'s journal that is not undone yet."""
    return undo(journal_path(dest_dir), catalog=catalog)


def undo(
    journal: str | os.PathLike[str],
    batch: str | None = None,
    *,
    catalog: Catalog | None = None,
) -> UndoReport:
    """Move the files of one batch (default: the newest not undone) back to their exact paths.

    Raises:
        MoveError: no batch to undo, or a file is missing or an original path is taken;
            then nothing is moved.
    """
    log = _Journal(Path(journal))
    entries = log.read()
    batch = batch or _newest_open_batch(entries, log.path)
    pending = _pending_moves(entries, batch)
    problems = [problem for move in pending if (problem := _undo_problem(move))]
    if problems:
        raise MoveError(f"undo of batch {batch} refused, nothing was moved: " + "; ".join(problems))
    restored: list[FileMove] = []
    for move in reversed(pending):
        if move.target.exists() and not move.source.exists():
            _restore_file(move)
            restored.append(move)
        elif move.source.exists():
            _release([move.target])  # the reservation of a move that never happened
        log.append(_entry("undone", batch, move))
    if catalog is not None:
        for photo in _batch_photos(entries, batch):
            if photo.photo_id is not None and catalog.photo(photo.photo_id) is not None:
                catalog.move_photo(
                    photo.photo_id, photo.relpath, new_root=photo.root, companions=photo.companions
                )
    log.append({"event": "batch-undone", "batch": batch, "time": _now()})
    return UndoReport(batch, log.path, tuple(restored))


def _undo_problem(move: FileMove) -> str | None:
    at_target, at_source = move.target.exists(), move.source.exists()
    if at_target and at_source:
        if _is_empty_placeholder(move.target):
            return None  # crashed before the move: the empty reservation stays harmlessly
        return f"{move.source} exists again, so {move.target} cannot go back"
    if not at_target and not at_source:
        return f"{move.target} is missing"
    return None


def _is_empty_placeholder(path: Path) -> bool:
    with contextlib.suppress(OSError):
        return path.stat().st_size == 0
    return False


def _restore_file(move: FileMove) -> None:
    move.source.parent.mkdir(parents=True, exist_ok=True)
    with open(move.source, "xb"):  # never overwrite a file that appeared meanwhile
        pass
    try:
        _move_file(move.target, move.source)
    except OSError:
        _release([move.source])
        raise


def _newest_open_batch(entries: list[dict], path: Path) -> str:
    undone = {e["batch"] for e in entries if e.get("event") == "batch-undone"}
    batches = [
        e["batch"] for e in entries if e.get("event") == "batch" and e["batch"] not in undone
    ]
    if not batches:
        raise MoveError(f"nothing to undo in {path}")
    return batches[-1]


def _pending_moves(entries: list[dict], batch: str) -> list[FileMove]:
    """Intents of the batch (done or not) that were not undone, in journal order."""
    undone = {
        (e["source"], e["target"])
        for e in entries
        if e.get("event") == "undone" and e["batch"] == batch
    }
    return [
        FileMove(Path(e["source"]), Path(e["target"]))
        for e in entries
        if e.get("event") == "intent"
        and e["batch"] == batch
        and (e["source"], e["target"]) not in undone
    ]


def _batch_photos(entries: list[dict], batch: str) -> Iterator[_Photo]:
    for e in entries:
        if e.get("event") == "photo" and e["batch"] == batch:
            yield _Photo(
                e.get("photo_id"), normalize_root(e["root"]), e["relpath"], list(e["companions"])
            )


# -- journal ----------------------------------------------------------------------------------


class _Journal:
    """Append-only JSON lines, each line flushed and fsynced before the next step."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, entry: dict) -> None:
        try:
            with self.path.open("a", encoding="utf-8") as stream:
                stream.write(json.dumps(entry, ensure_ascii=False) + "\n")
                stream.flush()
                os.fsync(stream.fileno())
        except OSError as error:
            raise MoveError(
                f"cannot write the journal {self.path}: {error.strerror or error}"
            ) from error

    def read(self) -> list[dict]:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            raise MoveError(f"no move journal at {self.path}") from None
        except OSError as error:
            raise MoveError(
                f"cannot read the journal {self.path}: {error.strerror or error}"
            ) from error
        entries = []
        for line in lines:
            with contextlib.suppress(json.JSONDecodeError):  # a line cut short by a crash
                entries.append(json.loads(line))
        return entries


def _now() -> str:
    return datetime.now(UTC).isoformat()
