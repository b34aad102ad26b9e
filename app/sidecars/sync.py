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

The XMP packet inside each photo file is read the same way, as one more source of a
person's marks (its version is the photo file's size and modification time).  Every
source of a photo is combined by one rule (``app.sidecars.marks``): the stronger mark is
kept and a disagreement is reported.  A photo whose marks cannot be read (a damaged
sidecar, an impossible value) or whose sources disagree is *held*: a person may have
marked it, so nothing automatic may reject, move or rewrite it.

``FolderSidecars`` is the one implementation: the pipeline (``--write-xmp``), the desktop
app (Ctrl+S, write on every decision) and the tests all call it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
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
from app.sidecars.embedded import read_embedded
from app.sidecars.marks import Mark, combine
from app.sidecars.naming import PhotoFiles, SidecarNames
from app.sidecars.policy import decision_from_marks, series_marks, wanted_marks
from app.sidecars.xmp import (
    SidecarError,
    SidecarState,
    XmpMarks,
    existing_spelling,
    packet_marks,
    read_sidecar,
    update_sidecar,
)

EMBEDDED = "the XMP inside the photo"


@dataclass
class SidecarReport:
    """What a read or write of a folder's sidecars did."""

    written: int = 0  # sidecar files created or changed
    imported: list[int] = field(default_factory=list)  # photos whose marks came from a sidecar
    changed_elsewhere: int = 0  # sidecars another application changed after this app wrote them
    problems: list[Problem] = field(default_factory=list)
    # photos a person may have marked in a way that cannot be read, or whose sources
    # disagree: {photo id: why}.  Nothing automatic rejects, moves or rewrites them.
    held: dict[int, str] = field(default_factory=dict)

    def notes(self) -> list[str]:
        """Lines for a summary: what was taken from other applications."""
        lines = []
        if self.held:
            lines.append(
                f"{len(self.held)} photos carry marks that cannot be read or that disagree "
                "(listed under the problems): a person may have marked them, so nothing "
                "automatic rejected, moved or rewrote them"
            )
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


def unread_embedded(
    catalog: Catalog, photos: Iterable[tuple[int, Sequence[tuple[str, Path]]]]
) -> list[int]:
    """The photos with a file whose own XMP this app has not read in its current version.

    ``photos``: ``(photo id, [(path relative to the folder, path), ...])``.  One catalog
    query and a stat per file: a rerun on unchanged photos with no sidecar skips the
    import altogether.
    """
    photos = list(photos)
    records = catalog.sidecar_records(photo_id for photo_id, _files in photos)
    unread = []
    for photo_id, files in photos:
        known = records.get(photo_id, {})
        for rel, path in files:
            record = known.get(rel)
            try:
                info = os.stat(path)
            except OSError:
                continue
            if record is None or (record.size, record.mtime_ns) != (
                info.st_size,
                info.st_mtime_ns,
            ):
                unread.append(photo_id)
                break
    return unread


@dataclass
class _Source:
    """One place a photo's marks were read from: a sidecar, or the photo file itself."""

    rel: str  # the file, relative to the folder (the catalog's key for its version)
    name: str  # how a report names it
    state: SidecarState
    fresh: bool = False  # a version with new marks, not seen before


def _embedded_marks(
    packet: bytes | None, exif_rating: int | None, file: Path
) -> tuple[XmpMarks, str | None]:
    """The marks of a photo's own XMP packet and EXIF rating, combined."""
    marks: list[Mark] = []
    conflict = None
    if packet is not None:
        found, conflict = packet_marks(packet, file)
        marks.append(Mark("its XMP", found.rating, found.label, found.pick))
    if exif_rating is not None:
        if not 0 <= exif_rating <= 5:
            raise SidecarError(file, f"EXIF Rating {exif_rating} is not 0..5")
        marks.append(Mark("its EXIF Rating", rating=exif_rating))
    combined = combine(marks)
    return (
        XmpMarks(rating=combined.rating, label=combined.label, pick=combined.pick),
        conflict or combined.conflict,
    )


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
        self.held: dict[int, str] = {}  # photos held by the last import (see SidecarReport)
        self._looked_at: set[int] = set()  # photos whose sidecars an import just read

    def notes(self) -> list[str]:
        return self.names.shared_stem_notes()

    # -- reading -----------------------------------------------------------------------

    def import_marks(self, photo_ids: Iterable[int] | None = None) -> SidecarReport:
        """Take a person's marks from every sidecar, and from the XMP inside every photo,
        changed outside this app into the catalog; hold the photos whose marks cannot be
        read or disagree (``SidecarReport.held``)."""
        report = SidecarReport(problems=list(self.problems))
        wanted = (
            list(self.files) if photo_ids is None else [p for p in photo_ids if p in self.files]
        )
        decisions = self.catalog.decisions(wanted)
        seen: list[SidecarRecord] = []
        for photo_id in wanted:
            sources = self._sidecar_sources(photo_id, report) + self._embedded_sources(
                photo_id, report
            )
            if sources:
                self._combine_sources(photo_id, sources, decisions[photo_id], report, seen)
        self.catalog.record_sidecars(seen)
        self.held.update(report.held)
        self._looked_at.update(wanted)
        return report

    def _sidecar_sources(self, photo_id: int, report: SidecarReport) -> list[_Source]:
        sources = []
        for path in self.names.existing(photo_id):
            try:
                state = read_sidecar(path)
            except SidecarError as error:
                self._hold(photo_id, error.problem(self.root, "read"), report)
                continue
            if state is not None:
                sources.append(_Source(self._rel(path), path.name, state))
        return sources

    def _embedded_sources(self, photo_id: int, report: SidecarReport) -> list[_Source]:
        """The XMP packet (and EXIF rating) inside each file of the photo, read only when
        the file changed since it was last read: a rerun opens nothing."""
        sources = []
        for file in self.files[photo_id]:
            rel = self._rel(file)
            try:
                info = os.stat(file)
            except OSError:
                continue  # gone or unreadable: the scan and the decoding report it
            record = self._records.get(photo_id, {}).get(rel)
            if record is not None and (record.size, record.mtime_ns) == (
                info.st_size,
                info.st_mtime_ns,
            ):
                marks = XmpMarks(rating=record.rating, label=record.label)
                state = SidecarState(marks, record.size, record.mtime_ns)
                sources.append(_Source(rel, f"{EMBEDDED} {file.name}", state))
                continue
            try:
                found = read_embedded(file)
                marks, conflict = _embedded_marks(found.packet, found.exif_rating, file)
            except SidecarError as error:
                self._hold(
                    photo_id,
                    Problem(rel, f"cannot read the marks inside the photo: {error.reason}"),
                    report,
                )
                continue
            except OSError:
                continue
            state = SidecarState(marks, info.st_size, info.st_mtime_ns, conflict)
            sources.append(_Source(rel, f"{EMBEDDED} {file.name}", state))
        return sources

    def _hold(self, photo_id: int, problem: Problem, report: SidecarReport) -> None:
        """A person may have marked this photo in a way that cannot be trusted: say so."""
        report.problems.append(
            Problem(
                problem.path,
                f"{problem.error}; a person may have marked this photo: it is not rejected, "
                "moved or rewritten automatically",
            )
        )
        report.held.setdefault(photo_id, problem.error)

    def _combine_sources(
        self,
        photo_id: int,
        sources: list[_Source],
        decision: DecisionState,
        report: SidecarReport,
        seen: list[SidecarRecord],
    ) -> None:
        """Combine every source of a person's marks; new marks become the decision.

        Sources that disagree hold the photo for as long as its decision is the one they
        gave: once the photographer decides otherwise here, that decision stands.
        """
        personal: list[_Source] = []
        for source in sources:
            if self._sort_out(photo_id, source, report, seen):
                personal.append(source)
        personal.sort(key=lambda s: s.state.mtime_ns, reverse=True)  # newest label first
        combined = combine(
            [
                Mark(s.name, s.state.marks.rating, s.state.marks.label, s.state.marks.pick)
                for s in personal
            ]
        )
        merged = decision_from_marks(
            XmpMarks(rating=combined.rating, label=combined.label, pick=combined.pick), decision
        )
        decided_ns = _ns(decision) if decision.is_user else None
        if any(
            s.fresh and (decided_ns is None or s.state.mtime_ns >= decided_ns) for s in personal
        ):
            # new marks, not overruled by a decision made here after they were written
            self.catalog.set_decision(photo_id, source=DecisionSource.USER, **merged)
            report.imported.append(photo_id)
            decision = self.catalog.decision(photo_id)
        conflicts = [f"{s.name}: {s.state.conflict}" for s in personal if s.state.conflict]
        if combined.conflict:
            conflicts.insert(0, combined.conflict)
        still_theirs = decision.is_user and merged == {
            "flag": decision.flag,
            "rating": decision.rating,
            "label": decision.label,
        }
        if conflicts and still_theirs:
            self._hold(
                photo_id,
                Problem(
                    self._rel(self.files[photo_id][0]),
                    "marks disagree: " + "; ".join(conflicts) + ": the stronger marks were kept",
                ),
                report,
            )

    def _sort_out(
        self,
        photo_id: int,
        source: _Source,
        report: SidecarReport,
        seen: list[SidecarRecord],
    ) -> bool:
        """Whether this source's marks are a person's (not the ones this app wrote); a
        version with new marks is marked ``fresh``, a version not seen before remembered."""
        record = self._records.get(photo_id, {}).get(source.rel)
        state = source.state
        if record is not None and (record.size, record.mtime_ns) == (state.size, state.mtime_ns):
            return not record.written  # the version this app last saw or wrote
        marks = state.marks
        same_marks = (
            record is not None
            and marks.pick is None
            and (record.rating, record.label) == (marks.rating, marks.label)
        )
        if same_marks or (record is None and not marks.says_something):
            # touched but the marks are as they were, or no marks at all: nothing to take
            owned = same_marks and record.written
            self._remember(
                seen,
                photo_id,
                source.rel,
                state,
                written=owned,
                claimed=record.claimed if owned else frozenset(),
            )
            return not owned
        if record is not None and record.written:
            report.changed_elsewhere += 1
        self._remember(seen, photo_id, source.rel, state, written=False)
        source.fresh = True
        return True

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
        self._import_first(self.files if only is None else only, report)
        jobs = []
        for view in self.catalog.series(self.root):
            marks = series_marks(view, scheme)
            in_burst = view.kind == "burst" and len(view.members) > 1
            best = view.best if in_burst else None
            for member in view.members:
                photo_id = member.photo.id
                if photo_id not in self.files or (only is not None and photo_id not in only):
                    continue
                if photo_id in self.held:
                    continue  # marks that cannot be read or disagree: never rewritten
                frame = _Frame(
                    is_best=best is not None and best.photo.id == photo_id, in_burst=in_burst
                )
                jobs.append((photo_id, frame, member.decision, marks.get(photo_id)))
        written: list[SidecarRecord] = []
        for done, (photo_id, frame, decision, marks) in enumerate(jobs, start=1):
            self._write_photo(photo_id, frame, decision, marks, scheme, style, report, written)
            if progress is not None:
                progress(done, len(jobs))
        self.catalog.record_sidecars(written)
        return report

    def _import_first(self, photo_ids: Iterable[int], report: SidecarReport) -> None:
        """Read the photos' marks first unless an import just did (a write from the window):
        a person's new marks are taken in, and photos whose marks cannot be read or
        disagree are held, so none of their sidecars is rewritten."""
        unseen = [p for p in photo_ids if p in self.files and p not in self._looked_at]
        if not unseen:
            return
        found = self.import_marks(unseen)
        report.problems.extend(found.problems[len(self.problems) :])
        report.imported.extend(found.imported)
        report.changed_elsewhere += found.changed_elsewhere
        report.held.update(found.held)

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
