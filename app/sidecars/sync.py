"""Keep a folder's sidecars and the catalog in agreement, without ever overruling a person.

Two directions, one rule: the catalog remembers every sidecar version it saw or wrote
(size, modification time, the marks in it, and which marks this app set).

- Reading (every cull, and before every write): a sidecar this app has not seen in its
  current version was written by someone else: Lightroom, darktable, a person with an
  editor.  Its rating and label are a person's marks; they become the photographer's
  decision in the catalog (unless the photographer decided in this app after the file
  changed), so nothing automatic can lower or replace them afterwards.
- Writing: the sidecar is made to say what the catalog says, for every change including
  undo.  Marks this app set and no longer wants (a rating after an undo) are taken out
  again; marks it never set are never touched.  A read-only sidecar is left alone and
  reported.

``FolderSidecars`` is the one implementation: the pipeline (``--write-xmp``), the desktop
app (Ctrl+S, write on every decision) and the tests all call it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from app.catalog import (
    Catalog,
    DecisionSource,
    DecisionState,
    PhotoRecord,
    SidecarRecord,
    normalize_root,
    path_inside,
)
from app.errors import Problem
from app.options import SidecarStyle, XmpScheme
from app.sidecars.naming import PhotoFiles, SidecarNames
from app.sidecars.policy import decision_from_marks, series_marks, wanted_marks
from app.sidecars.xmp import (
    SidecarError,
    SidecarState,
    XmpMarks,
    existing_spelling,
    read_sidecar,
    update_sidecar,
)


@dataclass
class SidecarReport:
    """What a read or write of a folder's sidecars did."""

    written: int = 0  # sidecar files created or changed
    imported: list[int] = field(default_factory=list)  # photos whose marks came from a sidecar
    changed_elsewhere: int = 0  # sidecars another application changed after this app wrote them
    problems: list[Problem] = field(default_factory=list)

    def notes(self) -> list[str]:
        """Lines for a summary: what was taken from other applications."""
        lines = []
        if self.imported:
            lines.append(
                f"{len(self.imported)} photos carry ratings or labels written by another "
                "application or by hand: they count as your own marks"
            )
        if self.changed_elsewhere:
            lines.append(
                f"{self.changed_elsewhere} sidecars were changed by another application since "
                "FGAesQ Cull wrote them: their marks were kept"
            )
        return lines


@dataclass(frozen=True)
class _Frame:
    """What the automatic scheme needs to know about a photo's place in its series."""

    is_best: bool
    in_burst: bool


class FolderSidecars:
    """The sidecars of one folder's photos, read into and written from the catalog.

    Args:
        catalog: the open catalog.
        root: the folder; every path used lies inside it.
        photos: the folder's photos (default: all the catalog knows under ``root``), used
            to tell which photos share a stem and so need their own sidecar names.
        present: the sidecar files a scan of the folder just listed (default: look each
            one up on disk).
    """

    def __init__(
        self,
        catalog: Catalog,
        root: str | os.PathLike[str],
        photos: list[PhotoRecord] | None = None,
        present: set[Path] | None = None,
    ) -> None:
        self.catalog = catalog
        self.root = Path(normalize_root(root))
        known = photos if photos is not None else catalog.photos(root)
        self.problems: list[Problem] = []
        self.files: dict[int, tuple[Path, ...]] = {}
        for photo in known:
            try:
                self.files[photo.id] = tuple(
                    path_inside(self.root, rel) for rel in (photo.relpath, *photo.companions)
                )
            except ValueError as error:  # a damaged or crafted catalog row
                self.problems.append(Problem(photo.relpath, f"not touched: {error}"))
        self.names = SidecarNames(
            (PhotoFiles(pid, files) for pid, files in self.files.items()), present
        )
        self._records = catalog.sidecar_records(self.files)

    def notes(self) -> list[str]:
        return self.names.shared_stem_notes()

    # -- reading -----------------------------------------------------------------------

    def import_marks(self, photo_ids: Iterable[int] | None = None) -> SidecarReport:
        """Take the marks of every sidecar changed outside this app into the catalog."""
        report = SidecarReport(problems=list(self.problems))
        if self.names.present is not None and not self.names.present:
            return report  # the scan saw no sidecar at all: nothing to take in
        wanted = (
            list(self.files) if photo_ids is None else [p for p in photo_ids if p in self.files]
        )
        decisions = self.catalog.decisions(wanted)
        seen: list[SidecarRecord] = []
        for photo_id in wanted:
            for path in self.names.existing(photo_id):
                try:
                    state = read_sidecar(path)
                except SidecarError as error:
                    report.problems.append(error.problem(self.root, "read"))
                    continue
                if state is not None:
                    decisions[photo_id] = self._take_in(
                        photo_id, path, state, decisions[photo_id], report, seen
                    )
        self.catalog.record_sidecars(seen)
        return report

    def _take_in(
        self,
        photo_id: int,
        path: Path,
        state: SidecarState,
        decision: DecisionState,
        report: SidecarReport,
        seen: list[SidecarRecord],
    ) -> DecisionState:
        """Handle one sidecar version found on disk; returns the photo's decision after it."""
        rel = self._rel(path)
        record = self._records.get(photo_id, {}).get(rel)
        if record is not None and (record.size, record.mtime_ns) == (state.size, state.mtime_ns):
            return decision  # the version this app last saw or wrote
        marks = state.marks
        same_marks = record is not None and (record.rating, record.label) == (
            marks.rating,
            marks.label,
        )
        if same_marks or (record is None and not marks.says_something):
            # touched but the marks are as they were, or no marks at all: nothing to take
            owned = same_marks and record.written
            self._remember(
                seen,
                photo_id,
                rel,
                state,
                written=owned,
                claimed=record.claimed if owned else frozenset(),
            )
            return decision
        if record is not None and record.written:
            report.changed_elsewhere += 1
        self._remember(seen, photo_id, rel, state, written=False)
        decided_ns = _ns(decision) if decision.is_user else None
        if decided_ns is not None and decided_ns > state.mtime_ns:
            return decision  # the photographer decided here after the file changed: theirs wins
        self.catalog.set_decision(
            photo_id, source=DecisionSource.USER, **decision_from_marks(marks, decision)
        )
        report.imported.append(photo_id)
        return self.catalog.decision(photo_id)

    def _remember(
        self,
        into: list[SidecarRecord],
        photo_id: int,
        rel: str,
        state: SidecarState,
        *,
        written: bool,
        claimed: frozenset[str] = frozenset(),
    ) -> None:
        """Note a sidecar version (seen, or written by this app with ``claimed`` marks)."""
        new = SidecarRecord(
            photo_id=photo_id,
            relpath=rel,
            size=state.size,
            mtime_ns=state.mtime_ns,
            rating=state.marks.rating,
            label=state.marks.label,
            written=written,
            claimed=claimed if written else frozenset(),
        )
        self._records.setdefault(photo_id, {})[rel] = new
        into.append(new)

    # -- writing -----------------------------------------------------------------------

    def write(
        self,
        scheme: XmpScheme,
        style: SidecarStyle,
        photo_ids: Iterable[int] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> SidecarReport:
        """Make the sidecars of the folder's photos (or ``photo_ids``) say what the catalog says.

        Before a sidecar is written, a version this app has not seen is read first: a
        person's marks in it are taken into the catalog and kept.
        """
        report = SidecarReport(problems=list(self.problems))
        only = None if photo_ids is None else set(photo_ids)
        jobs = []
        for view in self.catalog.series(self.root):
            marks = series_marks(view, scheme)
            in_burst = view.kind == "burst" and len(view.members) > 1
            best = view.best if in_burst else None
            for member in view.members:
                photo_id = member.photo.id
                if photo_id in self.files and (only is None or photo_id in only):
                    frame = _Frame(
                        is_best=best is not None and best.photo.id == photo_id,
                        in_burst=in_burst,
                    )
                    jobs.append((photo_id, frame, member.decision, marks.get(photo_id)))
        written: list[SidecarRecord] = []
        for done, (photo_id, frame, decision, marks) in enumerate(jobs, start=1):
            self._write_photo(photo_id, frame, decision, marks, scheme, style, report, written)
            if progress is not None:
                progress(done, len(jobs))
        self.catalog.record_sidecars(written)
        return report

    def _write_photo(
        self,
        photo_id: int,
        frame: _Frame,
        decision: DecisionState,
        marks: XmpMarks | None,
        scheme: XmpScheme,
        style: SidecarStyle,
        report: SidecarReport,
        written: list[SidecarRecord],
    ) -> None:
        main = self.files[photo_id][0]
        if not main.exists():
            report.problems.append(
                Problem(self._rel(main), "the photo is missing: its sidecar was not written")
            )
            return
        for target in self.names.targets(photo_id, style):
            target = existing_spelling(target)
            try:
                state = read_sidecar(target)
            except SidecarError as error:
                report.problems.append(error.problem(self.root))
                continue
            if state is not None:
                seen: list[SidecarRecord] = []
                after = self._take_in(photo_id, target, state, decision, report, seen)
                written.extend(seen)
                if after != decision:  # a person's marks were found: they are what to write
                    decision = after
                    marks = wanted_marks(
                        decision, is_best=frame.is_best, in_burst=frame.in_burst, scheme=scheme
                    )
            self._write_file(photo_id, target, marks, report, written)

    def _write_file(
        self,
        photo_id: int,
        target: Path,
        marks: XmpMarks | None,
        report: SidecarReport,
        written: list[SidecarRecord],
    ) -> None:
        rel = self._rel(target)
        record = self._records.get(photo_id, {}).get(rel)
        ours = record.claimed if record is not None and record.written else frozenset()
        marks = marks or XmpMarks()
        claimed = frozenset(
            name for name in ("rating", "label") if getattr(marks, name) is not None
        )
        # marks this app set earlier and no longer wants go away again (undo, a new best frame)
        remove_rating = marks.rating is None and "rating" in ours
        if marks.label is None and "label" in ours:
            marks = XmpMarks(rating=marks.rating, label="")
        if marks.empty and not remove_rating:
            return
        try:
            changed = update_sidecar(target, marks, remove_rating=remove_rating)
            if not changed and record is not None and record.written and record.claimed == claimed:
                return  # already says this, and the catalog knows
            state = read_sidecar(target)
        except SidecarError as error:
            report.problems.append(error.problem(self.root))
            return
        if state is None:
            return
        report.written += changed
        self.names.note_written(target)
        self._remember(written, photo_id, rel, state, written=True, claimed=claimed)

    def _rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()


def _ns(decision: DecisionState) -> int | None:
    if decision.decided_at is None:
        return None
    return int(decision.decided_at.timestamp() * 1_000_000_000)
