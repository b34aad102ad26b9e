"""Moving a folder's rejected photos aside, journaled in the destination and in the catalog.

Every file of each photo moves (the RAW, its JPEG, and the sidecars that belong to it
alone).  Nothing is overwritten: when a name is taken, the whole photo gets the next free
suffix (``IMG_0001-1.CR3`` with ``IMG_0001-1.JPG`` and ``IMG_0001-1.xmp``) so its files still
belong together.  Nothing is deleted.  Before a file moves, the catalog records the move and
the journal says ``intent``; after it, both say ``done`` (or ``failed``, so undo skips it).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from app.automatic_rejects import kept_by_a_person
from app.catalog import Catalog, Flag, MoveState, PhotoRecord, normalize_root, path_inside
from app.content_hash import fast_content_hash
from app.errors import Problem
from app.exact_copies import same_photo_keys
from app.fileio import file_kind_problem, is_within
from app.moves.journal import Journal, MoveError, holds_journal, journal_path, locked
from app.moves.transfer import FileMove, move_file, release, reserve, settle
from app.sidecars.naming import PhotoFiles, SidecarNames


@dataclass
class MoveReport:
    batch: str
    journal: Path
    dest: Path
    moved: list[FileMove] = field(default_factory=list)
    photo_ids: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    wanted: int = 0  # rejected photos asked to move
    moved_meanwhile: list[int] = field(default_factory=list)  # by another run, not a failure

    @property
    def complete(self) -> bool:
        done = len(self.photo_ids) + len(self.moved_meanwhile)
        return not self.problems and done == self.wanted

    def summary(self) -> str:
        text = f"Moved {len(self.photo_ids)} of {self.wanted} rejected photos to {self.dest}"
        if self.moved_meanwhile:
            text += f" ({len(self.moved_meanwhile)} had been moved meanwhile by another run)"
        return text + (f" ({len(self.problems)} could not be moved)" if self.problems else "")


def rejected_photos(catalog: Catalog, root: str | os.PathLike[str]) -> list[PhotoRecord]:
    """The photos of a folder whose current decision is reject (a person's or automatic),
    leaving out those already in a folder this catalog moved rejects into, and automatic
    rejects whose copy a person has kept since (in the window: it is the same photo,
    ``app.automatic_rejects.kept_by_a_person``)."""
    photos = catalog.photos(root)
    decisions = catalog.decisions(p.id for p in photos)
    destinations = {Path(d) for d in catalog.move_destinations()}
    keys = {p.id: same_photo_keys(p) for p in photos}
    marked = {k for p in photos if kept_by_a_person(decisions[p.id]) for k in keys[p.id]}
    return [
        p
        for p in photos
        if decisions[p.id].flag is Flag.REJECT
        and not in_rejects_folder(p, destinations)
        and (decisions[p.id].is_user or marked.isdisjoint(keys[p.id]))
    ]


def still_there(
    photos: Iterable[PhotoRecord], found: Collection[int] | None = None
) -> tuple[list[PhotoRecord], list[PhotoRecord]]:
    """``photos`` split into those still in their folder and those gone (deleted by hand,
    or half moved by a run that was killed), which no move tries: trying them again would
    fail every later move.  Still there: among ``found`` (the ids a scan listed), or,
    without a scan, with the photo's own file on disk."""

    def there(photo: PhotoRecord) -> bool:
        if found is not None:
            return photo.id in found
        try:
            return path_inside(photo.root, photo.relpath).exists()
        except ValueError:  # a damaged catalog's path: the move itself reports it
            return True

    present: list[PhotoRecord] = []
    gone: list[PhotoRecord] = []
    for photo in photos:
        (present if there(photo) else gone).append(photo)
    return present, gone


def gone_note(gone: Sequence[PhotoRecord], put_back: str) -> str:
    """How many rejects were left out as gone, one by name; ``put_back``: what puts a half
    moved one back (the command's ``--undo DEST``, the window's menu).  Empty if none."""
    if not gone:
        return ""
    return (
        f"{len(gone)} rejected photos the catalog knows are no longer in the folder "
        f"(deleted by hand, or moved by a run that was stopped: {put_back} puts "
        f"those back), e.g. {gone[0].relpath}: not moved"
    )


def in_rejects_folder(photo: PhotoRecord, destinations: Collection[Path] | None = None) -> bool:
    """True for a photo that lies in a folder rejects were moved into: one of
    ``destinations`` (this catalog's), or, without them, any folder holding a journal."""
    root = Path(photo.root)
    folder = (root / photo.relpath).parent
    while folder != root and folder.is_relative_to(root):
        if folder in destinations if destinations is not None else holds_journal(folder):
            return True
        folder = folder.parent
    return False


def check_destination(dest: str | os.PathLike[str], roots: Iterable[str]) -> Path:
    """The destination as an absolute path; refuses the source folder itself or a file."""
    path = Path(dest).expanduser()
    resolved = Path(normalize_root(path))
    for root in roots:
        if resolved == Path(normalize_root(root)):
            raise MoveError(
                f"cannot move rejects into {path}: it is the folder being culled; "
                "choose another folder (a subfolder works)"
            )
    if path.exists() and not path.is_dir():
        raise MoveError(f"cannot move rejects into {path}: it is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise MoveError(f"cannot create the folder {path}: {error.strerror or error}") from error
    if not os.access(resolved, os.W_OK):
        raise MoveError(f"cannot move rejects into {path}: the folder is read-only")
    return resolved


def move_rejects(
    photos: Iterable[PhotoRecord],
    dest_dir: str | os.PathLike[str],
    *,
    catalog: Catalog,
    names: SidecarNames | None = None,
) -> MoveReport:
    """Move every file of each photo into ``dest_dir`` (created if needed), journaled.

    A photo whose files cannot all be moved is put back and reported; the others still move.

    Raises:
        MoveError: ``dest_dir`` is the source folder, a file, read-only, or its journal
            cannot be written.
    """
    photos = list(photos)
    dest = check_destination(dest_dir, {p.root for p in photos})
    if names is None:
        names = _names_for(catalog, {p.root for p in photos})
    batch = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    report = MoveReport(batch, journal_path(dest), dest, wanted=len(photos))
    with locked(dest):
        journal = Journal(report.journal)
        journal.append({"event": "batch", "batch": batch, "dest": str(dest), "time": _now()})
        for listed in photos:
            photo = catalog.photo(listed.id) if listed.id else listed
            if photo is None or (photo.root, photo.relpath) != (listed.root, listed.relpath):
                # another run (a second window, a command run at the same time) moved or
                # renamed it between the listing and this lock: it is not a failure
                report.moved_meanwhile.append(listed.id)
                continue
            try:
                done = _move_photo(photo, dest, batch, journal, catalog, names)
            except MoveError as error:
                report.problems.append(Problem(photo.relpath, str(error)))
                continue
            report.moved.extend(done)
            report.photo_ids.append(photo.id)
        journal.append({"event": "batch-done", "batch": batch, "time": _now()})
    return report


def _names_for(catalog: Catalog, roots: Iterable[str]) -> SidecarNames:
    files = []
    for root in roots:
        for photo in catalog.photos(root):
            try:
                paths = [path_inside(root, r) for r in (photo.relpath, *photo.companions)]
            except ValueError:
                continue
            files.append(PhotoFiles(photo.id, tuple(paths)))
    return SidecarNames(files)


def _move_photo(
    photo: PhotoRecord,
    dest: Path,
    batch: str,
    journal: Journal,
    catalog: Catalog,
    names: SidecarNames,
) -> list[FileMove]:
    try:
        images = [path_inside(photo.root, rel) for rel in (photo.relpath, *photo.companions)]
    except ValueError as error:
        raise MoveError(f"not moved: {error} (damaged catalog?)") from error
    sidecars = names.existing(photo.id) if photo.id in names else []
    sources = images + [s for s in sidecars if s not in images]
    for source in sources:
        if os.path.islink(source):
            raise MoveError(f"not moved: {source} is a symbolic link")
        if not source.exists():
            raise MoveError(f"not moved, file missing: {source}")
        if not is_within(source, photo.root):
            raise MoveError(f"not moved: {source} leads outside {photo.root}")
        kind = file_kind_problem(source)
        if kind:
            raise MoveError(f"not moved: {source} is {kind}")
        if not os.access(source.parent, os.W_OK):  # a read-only card: say so before copying
            raise MoveError(f"not moved: the folder {source.parent} is read-only")
    moves = _reserve_targets(photo, sources, dest, batch, journal, catalog)
    done: list[FileMove] = []
    try:
        for move in moves:
            move_file(move.source, move.target, batch)
            journal.append(_entry("done", batch, move))
            catalog.set_move_state(batch, move.source, move.target, MoveState.DONE)
            done.append(move)
    except OSError as error:
        for move in moves[len(done) :]:
            release(move.target)
            journal.append(_entry("failed", batch, move))
            catalog.set_move_state(batch, move.source, move.target, MoveState.FAILED)
        for move in reversed(done):
            if settle(move, batch) is None:
                journal.append(_entry("undone", batch, move))
                catalog.set_move_state(batch, move.source, move.target, MoveState.UNDONE)
        raise MoveError(f"not moved ({error.strerror or error})") from error
    _point_catalog(catalog, photo, moves, dest)
    return done


def _reserve_targets(
    photo: PhotoRecord,
    sources: list[Path],
    dest: Path,
    batch: str,
    journal: Journal,
    catalog: Catalog,
) -> list[FileMove]:
    """Free names in ``dest`` for all files of a photo, one shared suffix, reserved atomically.

    The moves are recorded in the catalog and the journal before the empty placeholders are
    created, so an undo after a crash at any point finds (and removes) every placeholder.
    """
    stem = Path(photo.relpath).stem
    try:  # what undo checks before it puts a file back: that it is the file moved
        digests = {s: _content_hash(s, photo if s == sources[0] else None) for s in sources}
    except OSError as error:
        raise MoveError(f"not moved: cannot read {error.filename} ({error.strerror})") from error
    _check_unchanged(photo, sources[0], digests[sources[0]])
    longest = _name_max(dest)
    for attempt in range(10_000):
        names = [_suffixed(source.name, stem, attempt) for source in sources]
        if len({n.lower() for n in names}) != len(names):
            raise MoveError(f"{sources[0]}: two files of this photo would get the same name")
        if any(len(os.fsencode(name)) > longest for name in names):
            raise MoveError(
                f"not moved: {names[0]} is taken in {dest}, and a numbered name would be "
                "longer than the file system allows"
            )
        planned = [FileMove(s, dest / n) for s, n in zip(sources, names, strict=True)]
        if any(os.path.lexists(move.target) for move in planned):
            continue
        catalog.record_moves(
            batch,
            dest,
            [
                (photo.id or None, photo.root, m.source, m.target, digests[m.source])
                for m in planned
            ],
        )
        for move in planned:
            journal.append(_entry("intent", batch, move))
        reserved: list[Path] = []
        try:
            for move in planned:
                reserve(move.target)  # O_EXCL: fails if the name was taken meanwhile
                reserved.append(move.target)
            return planned
        except OSError as error:
            for path in reserved:
                release(path)
            for move in planned:
                journal.append(_entry("failed", batch, move))  # void: never reserved
                catalog.set_move_state(batch, move.source, move.target, MoveState.FAILED)
            if not isinstance(error, FileExistsError):
                raise MoveError(f"cannot write in {dest}: {error.strerror or error}") from error
    raise MoveError(f"{sources[0]}: no free name in {dest}")


def _check_unchanged(photo: PhotoRecord, main: Path, digest: str) -> None:
    """Refuse a photo whose file was replaced or edited since it was read: that content was
    never judged, so it is no reject (a file only touched, same content, still moves).  A
    photo the catalog holds no content hash for (not read yet) cannot be told apart."""
    if photo.content_hash and digest != photo.content_hash:
        raise MoveError(
            f"not moved: {main} changed since it was read (replaced or edited?); "
            "cull the folder again to judge it"
        )


def _name_max(folder: Path) -> int:
    """The longest file name, in bytes, the folder's file system accepts."""
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (AttributeError, OSError, ValueError):  # not POSIX, or not known
        return 255


def _content_hash(source: Path, photo: PhotoRecord | None) -> str:
    """The file's content hash; for a photo's main file (``photo`` given), unchanged since
    the scan hashed it (same size and modification time), the catalog's: less to read."""
    if photo is not None and photo.content_hash:
        info = source.stat()
        if (info.st_size, info.st_mtime_ns) == (photo.size, photo.mtime_ns):
            return photo.content_hash
    return fast_content_hash(source)


def _entry(event: str, batch: str, move: FileMove) -> dict:
    return {"event": event, "batch": batch, "source": str(move.source), "target": str(move.target)}


def _suffixed(name: str, stem: str, attempt: int) -> str:
    if attempt == 0:
        return name
    if name.startswith(stem + "."):
        return f"{stem}-{attempt}{name[len(stem) :]}"
    head, dot, rest = name.partition(".")
    return f"{head}-{attempt}{dot}{rest}"


def _point_catalog(catalog: Catalog, photo: PhotoRecord, moves: list[FileMove], dest: Path) -> None:
    old_root = Path(photo.root)
    main = moves[0].target
    root = old_root if main.is_relative_to(old_root) else dest
    count = 1 + len(photo.companions)
    companions = [m.target.relative_to(root).as_posix() for m in moves[1:count]]
    sidecars = {
        m.source.relative_to(old_root).as_posix(): m.target.relative_to(root).as_posix()
        for m in moves[count:]
    }
    catalog.move_photo(
        photo.id,
        main.relative_to(root).as_posix(),
        new_root=root,
        companions=companions,
        sidecars=sidecars,
    )


def _now() -> str:
    return datetime.now(UTC).isoformat()
