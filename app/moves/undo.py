"""Undo of a journaled move: every file provably moved by this catalog goes back, batch by batch.

The catalog is the record undo trusts: it holds every move before the file moves (source,
target, and the file's content hash).  The journal lies in the destination folder, where
anybody who can write that folder can change it, so it only adds evidence: for moves an
older version recorded without a hash, a move counts as this catalog's when the journal
also names it.  A journal line that is damaged or names a move the catalog never recorded
is passed over with a message; it never blocks the others.  Each file is then settled on
its own (``transfer.settle``): a file in the destination whose content is not the one
moved, a file the photographer deleted meanwhile, or an original path taken again, is
listed and stays; the rest goes back.  Files that could not go back are marked ``kept``,
so the default undo moves on to older batches; naming the batch (``batch=``) retries them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePath

from app.catalog import Catalog, MoveRecord, MoveState, normalize_root
from app.content_hash import fast_content_hash
from app.errors import Problem
from app.fileio import is_within
from app.moves.journal import Journal, MoveError, journal_path, locked
from app.moves.transfer import FileMove, is_empty, settle

OPEN_STATES = (MoveState.PLANNED, MoveState.DONE)  # the default undo takes a batch with these
RETRIED_STATES = (*OPEN_STATES, MoveState.KEPT)  # an undo of a named batch retries these too


@dataclass
class UndoReport:
    batch: str
    journal: Path
    restored: list[FileMove] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # journal lines passed over, and the like

    def summary(self) -> str:
        text = f"Put back {len(self.restored)} files of batch {self.batch}"
        if self.problems:
            text += (
                f"; {len(self.problems)} could not be put back and stay in {self.journal.parent}"
            )
        return text


@dataclass(frozen=True)
class BatchInfo:
    """One batch of moves into a destination, as the catalog records it."""

    batch: str
    started: datetime | None
    photos: int  # photos the batch moved (or began to)
    moved: int  # files still recorded in the destination
    undone: int  # files put back
    kept: int  # files an undo could not put back
    interrupted: int  # files of a move cut short (undo settles them)

    @property
    def state(self) -> str:
        if self.kept:
            return f"partly undone ({self.kept} files could not be put back)"
        if self.interrupted:
            return "interrupted"
        if self.moved and self.undone:
            return "partly undone"
        if self.moved:
            return "moved"
        return "undone" if self.undone else "nothing moved"

    @property
    def open(self) -> bool:
        """Whether the default undo would take this batch."""
        return bool(self.moved or self.interrupted)

    def line(self) -> str:
        when = f"{self.started:%Y-%m-%d %H:%M:%S} UTC" if self.started else "time unknown"
        return (
            f"{self.batch}  {when}  {self.photos} photos, {self.moved} files in the folder, "
            f"{self.undone} put back: {self.state}"
        )


def list_batches(dest_dir: str | os.PathLike[str], *, catalog: Catalog) -> list[BatchInfo]:
    """Every batch the catalog records moving into ``dest_dir``, oldest first."""
    dest = normalize_root(dest_dir)
    infos = []
    for batch in catalog.move_batches(dest):
        records = [r for r in catalog.moves(batch) if r.dest == dest]
        counts = {state: sum(r.state is state for r in records) for state in MoveState}
        photos = {r.photo_id for r in records if r.state is not MoveState.FAILED}
        infos.append(
            BatchInfo(
                batch=batch,
                started=_started(batch, records),
                photos=len(photos),
                moved=counts[MoveState.DONE],
                undone=counts[MoveState.UNDONE],
                kept=counts[MoveState.KEPT],
                interrupted=counts[MoveState.PLANNED],
            )
        )
    return infos


def other_catalogs_note(dest_dir: str | os.PathLike[str], *, catalog: Catalog) -> str:
    """When the folder's journal names batches the catalog does not record for this folder,
    a sentence that says why: moved into a folder since renamed or moved (the catalog knows
    the batch elsewhere), or moved with another catalog (a forgotten ``--db``); else "".
    Undo acts only on what the catalog recorded, so without it those files look like
    nobody's."""
    dest = normalize_root(dest_dir)
    try:
        entries, _damaged = Journal(journal_path(dest)).read_lines()
    except MoveError:
        return ""
    known = set(catalog.move_batches(dest))
    named = [e.get("batch") for e in entries if e.get("event") == "batch"]
    others = list(dict.fromkeys(b for b in named if isinstance(b, str) and b not in known))
    if not others:
        return ""
    newest = others[-1]
    elsewhere = {r.dest for r in catalog.moves(newest)}
    if elsewhere:
        return (
            f"its journal names batch {newest}, which the catalog records as moved into "
            f"{', '.join(sorted(elsewhere))}: was this folder renamed or moved? Undo puts "
            "files back only from the folder they were moved into"
        )
    count = "one batch" if len(others) == 1 else f"{len(others)} batches"
    return (
        f"its journal names {count} the catalog {catalog.path} never recorded "
        f"(newest {newest}): moved with another catalog? Give that one with --db"
    )


def _started(batch: str, records: list[MoveRecord]) -> datetime | None:
    """When the batch began: its id starts with the UTC time (the records' times change as
    files are put back)."""
    try:
        return datetime.strptime(batch[:15], "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        times = [r.recorded_at for r in records if r.recorded_at is not None]
        return min(times) if times else None


def undo_last(dest_dir: str | os.PathLike[str], *, catalog: Catalog) -> UndoReport:
    """Undo the newest batch moved into ``dest_dir`` that still has files to put back.

    A batch whose remaining files an earlier undo could not put back does not count, so it
    never blocks older batches; :func:`undo_batch` retries it.
    """
    return undo(journal_path(dest_dir), catalog=catalog)


def undo_batch(dest_dir: str | os.PathLike[str], batch: str, *, catalog: Catalog) -> UndoReport:
    """Undo one named batch moved into ``dest_dir``, retrying files an earlier undo left."""
    return undo(journal_path(dest_dir), batch, catalog=catalog)


def undo(
    journal: str | os.PathLike[str], batch: str | None = None, *, catalog: Catalog
) -> UndoReport:
    """Move the files of one batch (default: the newest with files to put back) back to
    their exact paths.

    Raises:
        MoveError: no batch to undo, or the catalog records no such batch into this folder
            (then nothing is moved).
    """
    path = Path(journal)
    dest = Path(normalize_root(path.parent))
    if not dest.is_dir():  # the lock would create it: a mistyped path leaves nothing behind
        raise MoveError(f"nothing to undo: {dest} is not a folder")
    with locked(dest):
        log = Journal(dest / path.name)
        chosen = batch or _newest_open_batch(catalog, dest)
        records = [r for r in catalog.moves(chosen) if r.dest == dest.as_posix()]
        if not records:
            raise MoveError(
                f"nothing to undo: the catalog records no batch {chosen} moved into {dest}"
            )
        report = UndoReport(chosen, log.path)
        witnessed = _journal_evidence(log, chosen, records, report)
        states = RETRIED_STATES if batch else OPEN_STATES
        pending = [r for r in records if r.state in states]
        for record in reversed(pending):
            move = FileMove(Path(record.source), Path(record.target))
            problem = _unproven(record, dest, witnessed) or settle(move, chosen)
            if problem is not None:
                report.problems.append(Problem(str(move.target), problem))
                catalog.set_move_state(chosen, move.source, move.target, MoveState.KEPT)
                continue
            if record.state is not MoveState.PLANNED:
                report.restored.append(move)
            _note_in(log, _entry("undone", chosen, move), report)
            catalog.set_move_state(chosen, move.source, move.target, MoveState.UNDONE)
        _restore_catalog(catalog, records, {m.target for m in report.restored})
        if not report.problems:
            _note_in(log, {"event": "batch-undone", "batch": chosen}, report)
    return report


def _newest_open_batch(catalog: Catalog, dest: Path) -> str:
    batches = list_batches(dest, catalog=catalog)
    for info in reversed(batches):
        if info.open:
            return info.batch
    kept = [info.batch for info in batches if info.kept]
    why = "the catalog records no open move into it"
    if not batches:
        why = other_catalogs_note(dest, catalog=catalog) or why
    if kept:
        batches_text = "one batch" if len(kept) == 1 else f"{len(kept)} batches"
        why = (
            f"files of {batches_text} could not be put back earlier "
            f"(newest {kept[-1]}); list them with --list and retry one with --batch"
        )
    raise MoveError(f"nothing to undo in {dest}: {why}")


def _journal_evidence(
    log: Journal, batch: str, records: list[MoveRecord], report: UndoReport
) -> set[tuple[str, str]]:
    """The moves of ``batch`` the journal names and the catalog recorded too.

    Only moves recorded without a content hash (by an older version) need this evidence.
    Lines that cannot be read or that name a move the catalog never recorded are passed over,
    each with a note.
    """
    try:
        entries, damaged = log.read_lines()
    except MoveError as error:
        report.notes.append(f"{error}; the catalog's record is used alone")
        return set()
    if damaged:
        lines = "line" if damaged == 1 else "lines"
        report.notes.append(f"{damaged} damaged {lines} of {log.path} passed over")
    known = {(r.source, r.target) for r in records}
    witnessed: set[tuple[str, str]] = set()
    unknown: list[str] = []
    for entry in entries:
        if entry.get("batch") != batch or entry.get("event") not in ("intent", "done"):
            continue
        pair = (str(entry.get("source", "")), str(entry.get("target", "")))
        if pair in known:
            witnessed.add(pair)
        else:
            unknown.append(f"{pair[0]} -> {pair[1]}")
    if unknown:
        shown = "; ".join(unknown[:3]) + ("; ..." if len(unknown) > 3 else "")
        report.notes.append(
            f"{len(unknown)} lines of {log.path} name moves the catalog never recorded, "
            f"passed over: {shown}"
        )
    return witnessed


def _unproven(record: MoveRecord, dest: Path, witnessed: set[tuple[str, str]]) -> str | None:
    """Why this record may not be acted on, or None when it provably is this catalog's move."""
    target, source = Path(record.target), PurePath(record.source)
    if target.parent != dest or ".." in target.parts:
        return f"{record.target} is not in {dest} (damaged catalog?): left alone"
    if not source.is_relative_to(record.root) or ".." in source.parts:
        return f"{record.source} is not in the culled folder {record.root}: left alone"
    if os.path.islink(target):
        return f"{target} is a symbolic link, not the file moved there: left alone"
    folder = Path(record.source).parent
    if folder.exists() and not is_within(folder, record.root):
        return f"the folder {folder} now leads outside {record.root}: {target} stays"
    if not target.is_file() or is_empty(target):
        return None  # nothing would move back: settle only tidies (or lists) what is there
    if record.content_hash is None:  # recorded by an older version: the journal must agree
        if os.path.lexists(record.source):
            return None  # settle lists it, or takes away a copy it made of a file still there
        if (record.source, record.target) not in witnessed:
            return (
                f"neither a content hash nor the journal proves that {target} is the file "
                "moved there: left alone"
            )
        return None
    try:
        digest = fast_content_hash(target)
    except OSError as error:
        return f"cannot read {target} ({error.strerror or error})"
    if digest != record.content_hash:
        return f"{target} is not the file moved there (its content differs): left alone"
    return None


def _note_in(log: Journal, entry: dict, report: UndoReport) -> None:
    """Append to the journal; the catalog is the record undo relies on, so a journal that
    cannot be written is reported once and the undo goes on."""
    try:
        log.append(entry)
    except MoveError as error:
        message = f"{error}; the catalog records the undo"
        if message not in report.notes:
            report.notes.append(message)


def _restore_catalog(catalog: Catalog, records: list[MoveRecord], restored: set[Path]) -> None:
    """Point each photo whose main file went back at its old place again."""
    by_photo: dict[int, list[MoveRecord]] = {}
    for record in records:
        if record.photo_id is not None:
            by_photo.setdefault(record.photo_id, []).append(record)
    for photo_id, moves in by_photo.items():
        photo = catalog.photo(photo_id)
        if photo is None:
            continue
        back = {Path(m.target): m for m in moves}
        main = back.get(photo.path)
        if main is None or Path(main.target) not in restored:
            continue
        root = Path(main.root)
        companions = [
            PurePath(back[f].source).relative_to(root).as_posix()
            for f in photo.files[1:]
            if f in back
        ]
        sidecars = {
            PurePath(m.target).relative_to(photo.root).as_posix(): PurePath(m.source)
            .relative_to(root)
            .as_posix()
            for m in moves
            if Path(m.target) not in set(photo.files)
            and PurePath(m.target).is_relative_to(photo.root)
        }
        catalog.move_photo(
            photo_id,
            PurePath(main.source).relative_to(root).as_posix(),
            new_root=root,
            companions=companions,
            sidecars=sidecars,
        )


def _entry(event: str, batch: str, move: FileMove) -> dict:
    return {"event": event, "batch": batch, "source": str(move.source), "target": str(move.target)}
