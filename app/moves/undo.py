"""Undo of a journaled move: everything that can go back goes back, and nothing else moves.

The journal lies in the destination folder, where anybody who can write that folder can
change it, so it is checked against the catalog's own record of the batch before anything
happens: every file the journal names must be a move the catalog recorded for that batch
and that destination, and every target must lie in the destination.  A journal that fails
the check is refused whole, with the reason.  Then each file is settled on its own
(``transfer.settle``): a file the photographer deleted meanwhile, or an original path taken
again, is listed and the rest still goes back.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from app.catalog import Catalog, MoveRecord, MoveState, normalize_root
from app.errors import Problem
from app.moves.journal import Journal, MoveError, journal_path, locked
from app.moves.transfer import FileMove, settle


@dataclass
class UndoReport:
    batch: str
    journal: Path
    restored: list[FileMove] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def summary(self) -> str:
        text = f"Put back {len(self.restored)} files of batch {self.batch}"
        if self.problems:
            text += f"; {len(self.problems)} could not be put back"
        return text


def undo_last(dest_dir: str | os.PathLike[str], *, catalog: Catalog) -> UndoReport:
    """Undo the newest batch moved into ``dest_dir`` that is not undone yet."""
    return undo(journal_path(dest_dir), catalog=catalog)


def undo(
    journal: str | os.PathLike[str], batch: str | None = None, *, catalog: Catalog
) -> UndoReport:
    """Move the files of one batch (default: the newest not undone) back to their exact paths.

    Raises:
        MoveError: no batch to undo, or the journal does not match the catalog's record of
            the batch (then nothing is moved).
    """
    path = Path(journal)
    dest = Path(normalize_root(path.parent))
    with locked(dest):
        log = Journal(dest / path.name)
        entries = log.read()
        batch = batch or _newest_open_batch(catalog, dest, log.path)
        records = [r for r in catalog.moves(batch) if r.dest == dest.as_posix()]
        _check(entries, batch, records, dest, log.path)
        report = UndoReport(batch, log.path)
        pending = [r for r in records if r.state in (MoveState.PLANNED, MoveState.DONE)]
        for record in reversed(pending):
            move = FileMove(Path(record.source), Path(record.target))
            problem = settle(move, batch)
            if problem is not None:
                report.problems.append(Problem(str(move.target), problem))
                continue
            if record.state is MoveState.DONE:
                report.restored.append(move)
            log.append(_entry("undone", batch, move))
            catalog.set_move_state(batch, move.source, move.target, MoveState.UNDONE)
        _restore_catalog(catalog, records, {m.target for m in report.restored})
        if not report.problems:
            log.append({"event": "batch-undone", "batch": batch})
    return report


def _newest_open_batch(catalog: Catalog, dest: Path, journal: Path) -> str:
    for batch in reversed(catalog.move_batches(dest)):
        if any(r.state in (MoveState.PLANNED, MoveState.DONE) for r in catalog.moves(batch)):
            return batch
    raise MoveError(f"nothing to undo in {journal}: the catalog records no open move into {dest}")


def _check(
    entries: list[dict], batch: str, records: list[MoveRecord], dest: Path, journal: Path
) -> None:
    """Refuse the whole undo unless the journal and the catalog tell the same story."""

    def refuse(reason: str) -> MoveError:
        return MoveError(f"undo of batch {batch} refused, nothing was moved: {reason}")

    if not records:
        raise refuse(f"the catalog has no record of this batch moving files into {dest}")
    heads = [e for e in entries if e.get("event") == "batch" and e.get("batch") == batch]
    if not heads or any(Path(str(h.get("dest", ""))) != dest for h in heads):
        raise refuse(f"the journal {journal} does not record this batch into {dest}")
    known = {(r.source, r.target) for r in records}
    for entry in entries:
        if entry.get("batch") != batch or entry.get("event") not in ("intent", "done"):
            continue
        pair = (str(entry.get("source", "")), str(entry.get("target", "")))
        if pair not in known:
            raise refuse(
                f"the journal names a move the catalog never recorded ({pair[0]} -> {pair[1]})"
            )
    journaled = {
        (str(e.get("source", "")), str(e.get("target", "")))
        for e in entries
        if e.get("batch") == batch and e.get("event") == "intent"
    }
    for record in records:
        target, source = Path(record.target), PurePath(record.source)
        if target.parent != dest or ".." in target.parts:
            raise refuse(f"{record.target} is not in {dest}")
        if not source.is_relative_to(record.root) or ".." in source.parts:
            raise refuse(f"{record.source} is not in the culled folder {record.root}")
        if (record.source, record.target) not in journaled:
            raise refuse(f"the journal lacks the move of {record.source} (damaged journal?)")


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
