"""Keep a folder's sidecars and the catalog in agreement, without ever overruling a person.

Two directions, one rule: the catalog remembers every sidecar version it saw or wrote
(its digest, size, modification time, the marks in it, and which marks this app set).

- Reading (every cull, and again right before every write): a sidecar version this app
  neither saw nor wrote was written by someone else: Lightroom, darktable, a person with an
  editor.  Its rating and label are a person's marks and become the photographer's decision
  in the catalog.  When the photographer also changed the photo's marks in this app after
  that file changed, both are a person's: the file's marks are kept (on disk and in the
  catalog) and the photo is reported as a conflict, never overwritten silently.  The
  marks are combined with the decision read before the files; the transaction that stores
  them checks it is still the photo's, so a decision made in the window meanwhile is never
  replaced by a combination made without it (the files wait for the next read).
- Writing: the sidecar is made to say what the catalog says, for every change including
  undo.  Marks this app set and no longer wants are taken out again; marks it never set are
  never touched; a sidecar with nothing to say is not created.  Every version is announced
  in the catalog (an intent, committed) before it is written, so a version on disk is
  recognised as this app's own even when the writer was killed before it could record the
  write, or another run of this app wrote it a moment ago.  Right before the rename the
  file is read once more: if it changed meanwhile it is read again as above, not replaced.
The XMP packet inside each photo file is read the same way, as one more source of a
person's marks (its version is the photo file's size and modification time).  Every
source of a photo is combined by one rule (``app.sidecars.marks``): the stronger mark is
kept and a disagreement is reported.  A photo whose marks cannot be read (a damaged
sidecar, an impossible value) or whose sources disagree is *held*: a person may have
marked it, so nothing automatic may reject, move or rewrite it.
``FolderSidecars`` is the one implementation: the pipeline (``--write-xmp``), the desktop
app (Ctrl+S, write on every decision) and the tests all call it.  ``plan`` says what a
write would change without changing anything.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from app.automatic_rejects import never_rejected
from app.catalog import (
    UNDECIDED,
    Catalog,
    DecisionSource,
    DecisionState,
    PhotoRecord,
    SidecarRecord,
    normalize_root,
    path_inside,
)
from app.errors import Problem
from app.fileio import is_read_only, storable_name
from app.options import SidecarStyle, XmpScheme
from app.sidecars.clients import stars_of_percent
from app.sidecars.embedded import EmbeddedMarks, read_embedded
from app.sidecars.marks import Mark, combine
from app.sidecars.naming import PhotoFiles, SidecarNames
from app.sidecars.policy import (
    FramePlace,
    decision_from_marks,
    decision_marks,
    frame_places,
    suggestion_keyword,
    wanted_marks,
)
from app.sidecars.xmp import (
    SidecarChanged,
    SidecarError,
    SidecarState,
    XmpMarks,
    existing_spelling,
    load_sidecar,
    marks_after,
    merge_marks,
    packet_marks,
    read_sidecar,
    read_suggestions,
    remove_sidecar,
    replace_sidecar,
    sidecar_digest,
)

# How often a write reads a sidecar again that changed while it was being written.
WRITE_ATTEMPTS = 3

EMBEDDED = "the XMP inside the photo"


@dataclass
class SidecarReport:
    """What a read or write of a folder's sidecars did."""

    written: int = 0  # sidecar files created or changed
    removed: int = 0  # empty sidecars this app had created, removed again
    imported: list[int] = field(default_factory=list)  # photos whose marks came from a sidecar
    changed_elsewhere: int = 0  # sidecars another application changed after this app wrote them
    replaced_automatic: int = 0  # automatic marks of an earlier write (another scheme) replaced
    conflicts: int = 0  # photos changed here and in another application: the file's marks kept
    problems: list[Problem] = field(default_factory=list)
    changes: list[PlannedChange] = field(default_factory=list)  # as planned, each carried out
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
        if self.replaced_automatic:
            lines.append(
                f"{self.replaced_automatic} sidecars carried automatic marks of an earlier "
                "write (another scheme or another best frame): they now carry this write's "
                "(marks a person made were not touched)"
            )
        if self.removed:
            lines.append(
                f"{self.removed} sidecars FGAesQ Cull had created had nothing left to say: removed"
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
            record = known.get(storable_name(rel))
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


def _embedded_marks(embedded: EmbeddedMarks, file: Path) -> tuple[XmpMarks, str | None]:
    """The marks of a photo's own XMP packets and EXIF rating, combined."""
    marks: list[Mark] = []
    conflict = None
    packets = [p for p in (embedded.packet, *embedded.more_packets) if p is not None]
    for number, packet in enumerate(packets):
        found, inner = packet_marks(packet, file)
        conflict = conflict or inner
        name = "its XMP" if number == 0 else f"its XMP segment {number + 1}"
        marks.append(Mark(name, found.rating, found.label, found.pick))
    exif_rating = embedded.exif_rating
    if exif_rating is not None:
        if not 0 <= exif_rating <= 5:
            raise SidecarError(file, f"EXIF Rating {exif_rating} is not 0..5")
        marks.append(Mark("its EXIF Rating", rating=exif_rating))
    percent = embedded.exif_rating_percent
    if percent is not None:
        if not 0 <= percent <= 100:
            raise SidecarError(file, f"EXIF RatingPercent {percent} is not 0..100")
        marks.append(Mark("its EXIF RatingPercent", rating=stars_of_percent(percent) or None))
    combined = combine(marks)
    return (
        XmpMarks(rating=combined.rating, label=combined.label, pick=combined.pick),
        conflict or combined.conflict,
    )


@dataclass(frozen=True)
class PlannedChange:
    """What a write will do to one sidecar of one photo (``sidecar``: relative to the folder).

    ``before``: the marks in the file now (None: no file).  ``after``: the marks it will
    hold (None: no file, because none is created or this app's empty one is removed).
    ``suggestion_before`` / ``suggestion_after``: this app's suggestion keyword ("" none).
    ``automatic``: ``after`` is the model's suggestion, not a person's decision.
    ``decided``: ``after`` is a person's decision (made here, or taken from the file).
    ``replaces_automatic``: automatic marks an earlier write set change (another scheme,
    another best frame); a person's marks never do.
    ``imported``: the file holds a person's marks the catalog has not seen; they are taken
    into the catalog first.  ``conflict``: the photo was changed here and in another
    application; the file's marks win and this says why.  ``problem``: the file cannot be
    written (read-only, unreadable), it is left as it is.  ``held``: the photo's marks
    cannot be read or its sources disagree (a person may have marked it): nothing is
    written, and ``problem`` says why.
    """

    photo_id: int
    sidecar: Path
    before: XmpMarks | None
    after: XmpMarks | None
    automatic: bool = False
    replaces_automatic: bool = False
    imported: bool = False
    conflict: str = ""
    problem: str = ""
    suggestion_before: str = ""  # this app's suggestion keyword in the file now
    suggestion_after: str = ""  # and after the write
    decided: bool = False
    held: bool = False

    @property
    def changes(self) -> bool:
        """True when the file's marks, suggestion keyword or existence change."""
        return (_shown(self.before), self.suggestion_before) != (
            _shown(self.after),
            self.suggestion_after,
        )


@dataclass
class _Taken:
    """What a read takes into the catalog, in one transaction once every photo is judged."""

    versions: list[SidecarRecord] = field(default_factory=list)  # versions to remember
    decisions: dict[int, dict] = field(default_factory=dict)  # a person's marks, by photo

    def take(self, photo_id: int, marks: dict, report: SidecarReport) -> None:
        self.decisions[photo_id] = marks
        if photo_id not in report.imported:
            report.imported.append(photo_id)


@dataclass
class _Verdict:
    """What a sidecar version found on disk means for the catalog."""

    known: SidecarRecord | None = None  # the version as the catalog knows it (None: foreign)
    remember: SidecarRecord | None = None  # a version record to store
    decision: dict | None = None  # a person's marks to take into the catalog
    changed_elsewhere: bool = False
    conflict: str = ""


@dataclass
class _Step:
    """One planned sidecar write: the change shown, and what applying it takes."""

    change: PlannedChange
    verdict: _Verdict | None
    expected: str | None  # digest of the version the new data was made from (None: no file)
    data: bytes | None = None  # the new version (None with remove=False: nothing to write)
    remove: bool = False
    claimed: frozenset[str] = frozenset()
    created: bool = False
    read: DecisionState | None = None  # the photo's decision in the catalog when planned

    @property
    def rel(self) -> str:
        return self.change.sidecar.as_posix()


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
        self._records: dict[int, dict[str, SidecarRecord]] = {}
        self._intents: dict[int, dict[str, dict[str, SidecarRecord]]] = {}
        self.held: dict[int, str] = {}  # photos held by the last import (see SidecarReport)
        self._looked_at: set[int] = set()  # photos whose sidecars an import just read

    def notes(self) -> list[str]:
        return self.names.shared_stem_notes()

    # -- what the catalog knows ------------------------------------------------------------

    def _refresh(self, photo_ids: Iterable[int]) -> None:
        """Read the catalog's sidecar records and intents again (another process may have
        written since): what the catalog last saw is what a version is compared with."""
        ids = list(photo_ids)
        records = self.catalog.sidecar_records(ids)
        intents = self.catalog.sidecar_intents(ids)
        for photo_id in ids:
            self._records[photo_id] = records.get(photo_id, {})
            self._intents[photo_id] = intents.get(photo_id, {})

    def _known(self, photo_id: int, rel: str, state: SidecarState) -> SidecarRecord | None:
        """The catalog's record of this version (seen, written, or announced by an intent),
        as the catalog was last read (``_look_again`` reads it again)."""
        record = self._records.get(photo_id, {}).get(storable_name(rel))
        if record is not None and _same_version(record, state):
            return dataclasses.replace(
                record, size=state.size, mtime_ns=state.mtime_ns, digest=state.digest
            )
        intent = self._intents.get(photo_id, {}).get(storable_name(rel), {}).get(state.digest or "")
        if intent is not None:
            return dataclasses.replace(intent, size=state.size, mtime_ns=state.mtime_ns)
        return None

    def _look_again(self, versions: Iterable[tuple[int, str, SidecarState]]) -> None:
        """Read the catalog again for the photos with a version (``(photo id, file, state)``)
        it did not know: another run of this app may have announced it since (an intent is
        committed before its file is written), and only a version still unknown after that
        is someone else's.  One look for all the versions just read, not one a photo."""
        unknown = {p for p, rel, state in versions if self._known(p, rel, state) is None}
        if unknown:
            self._refresh(sorted(unknown))

    def _judge(
        self, photo_id: int, rel: str, state: SidecarState, decision: DecisionState
    ) -> _Verdict:
        """What a version of a sidecar (or of the XMP inside a photo, ``rel`` naming the
        file) means: this app's own, seen before, or a person's new marks (and whether they
        collide with a decision made here since)."""
        known = self._known(photo_id, rel, state)
        if known is not None:
            recorded = self._records.get(photo_id, {}).get(storable_name(rel))
            stale = recorded is None or (recorded.size, recorded.mtime_ns, recorded.digest) != (
                known.size,
                known.mtime_ns,
                known.digest,
            )
            return _Verdict(known=known, remember=known if stale else None)
        record = self._records.get(photo_id, {}).get(storable_name(rel))
        marks = state.marks
        seen = _seen_record(photo_id, rel, state)
        same_marks = (
            record is not None
            and marks.pick is None  # a pick or reject flag is not in the record: new marks
            and (record.rating, record.label) == (marks.rating, marks.label)
        )
        if same_marks or (record is None and not marks.says_something):
            # touched but the marks are as they were, or no marks at all: nothing to take
            if same_marks and record.written:
                seen = dataclasses.replace(seen, written=True, claimed=record.claimed)
            return _Verdict(known=seen, remember=seen)
        verdict = _Verdict(remember=seen, changed_elsewhere=record is not None and record.written)
        new = decision_from_marks(marks, decision)
        verdict.decision = new
        here = decision_marks(decision) if decision.is_user else None
        decided_ns = _ns(decision) if decision.is_user else None
        if (
            here is not None
            and decided_ns is not None
            and decided_ns > state.mtime_ns
            and _shown(here) != _shown(marks)
        ):
            verdict.conflict = (
                f"changed in another application ({_describe(marks)}) while it was "
                f"{_describe(here)} here: the sidecar's marks were kept and are now the "
                "photo's; decide again here to replace them"
            )
        return verdict

    def _note_verdicts(
        self,
        verdicts: list[tuple[int, str, _Verdict]],
        report: SidecarReport,
        taken: _Taken,
        *,
        take_decisions: bool = True,
    ) -> None:
        """Add the versions to remember and a person's marks to ``taken`` (an import
        combines every source of a photo first and takes the result itself)."""
        for photo_id, rel, verdict in verdicts:
            if verdict.remember is not None:
                taken.versions.append(verdict.remember)
                key = storable_name(verdict.remember.relpath)  # as the catalog spells it
                self._records.setdefault(photo_id, {})[key] = verdict.remember
            report.changed_elsewhere += verdict.changed_elsewhere
            if verdict.conflict:
                report.conflicts += 1
                report.problems.append(Problem(rel, verdict.conflict))
            if take_decisions and verdict.decision is not None:
                taken.take(photo_id, verdict.decision, report)

    # -- reading -----------------------------------------------------------------------

    def import_marks(self, photo_ids: Iterable[int] | None = None) -> SidecarReport:
        """Take a person's marks from every sidecar, and from the XMP inside every photo,
        changed outside this app into the catalog; hold the photos whose marks cannot be
        read or disagree (``SidecarReport.held``)."""
        report = SidecarReport(problems=list(self.problems))
        wanted = (
            list(self.files) if photo_ids is None else [p for p in photo_ids if p in self.files]
        )
        self._refresh(wanted)
        decisions = self.catalog.decisions(wanted)
        taken = _Taken()
        found = self._sources(wanted, report)
        parts = {photo_id: SidecarReport() for photo_id in found}
        for photo_id, sources in found.items():
            self._combine_sources(photo_id, sources, decisions[photo_id], parts[photo_id], taken)
        later = self._store(taken, decisions, parts, report)
        for photo_id in later:
            fresh = [s.rel for s in found[photo_id] if s.fresh]
            self._hold(photo_id, _decided_meanwhile(fresh[0]), report)
        self.held.update(report.held)
        self._looked_at.update(p for p in wanted if p not in later)
        return report

    def _store(
        self,
        taken: _Taken,
        read: dict[int, DecisionState],
        parts: dict[int, SidecarReport],
        report: SidecarReport,
    ) -> set[int]:
        """Store what a read took, in one transaction, and add each photo's ``part`` of the
        report to ``report``.  Returns the photos decided here meanwhile (their decision is
        no longer the one in ``read`` their marks were combined with): nothing of theirs is
        stored or reported, and what the catalog knows of them is read again, so their files
        are read as new the next time, against the newer decision."""
        later = self.catalog.record_sidecar_marks(taken.versions, taken.decisions, read)
        known = set(report.imported)
        for photo_id, part in parts.items():
            if photo_id in later:
                continue
            report.problems.extend(part.problems)
            report.imported.extend(p for p in part.imported if p not in known)
            known.update(part.imported)
            report.changed_elsewhere += part.changed_elsewhere
            report.conflicts += part.conflicts
            report.held.update(part.held)
        if later:
            self._refresh(later)
        return later

    def _sources(self, photo_ids: list[int], report: SidecarReport) -> dict[int, list[_Source]]:
        """Every source of the photos' marks, read from disk (photos with none left out),
        the catalog read again once for the versions it did not know."""
        found = {}
        for photo_id in photo_ids:
            sources = self._sidecar_sources(photo_id, report) + self._embedded_sources(
                photo_id, report
            )
            if sources:
                found[photo_id] = sources
        self._look_again((p, s.rel, s.state) for p, sources in found.items() for s in sources)
        return found

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
            record = self._records.get(photo_id, {}).get(storable_name(rel))
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
                marks, conflict = _embedded_marks(found, file)
            except SidecarError as error:
                self._hold(
                    photo_id,
                    Problem(rel, f"cannot read the marks inside the photo: {error.reason}"),
                    report,
                )
                continue
            except OSError:
                continue
            state = SidecarState(marks, info.st_size, info.st_mtime_ns, conflict=conflict)
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
        taken: _Taken | None = None,
    ) -> None:
        """Combine every source of a person's marks; new marks become the decision, added
        to ``taken`` (None: only say in ``report`` which photos would be held).

        A version this app has not seen holds a person's marks, and they are taken in even
        when a decision was made here since (the conflict is reported: see ``_judge``).
        Sources that disagree hold the photo for as long as its decision is the one they
        gave: once the photographer decides otherwise here, that decision stands.
        """
        personal: list[_Source] = []
        verdicts: list[tuple[int, str, _Verdict]] = []
        for source in sources:
            verdict = self._judge(photo_id, source.rel, source.state, decision)
            verdicts.append((photo_id, source.rel, verdict))
            if verdict.decision is not None:
                source.fresh = True
                personal.append(source)
            elif verdict.known is not None and not verdict.known.written:
                personal.append(source)
        if taken is not None:
            self._note_verdicts(verdicts, report, taken, take_decisions=False)
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
        if any(s.fresh for s in personal):
            decision = _as_decision(merged)  # what the catalog will hold once taken
            if taken is not None:
                taken.take(photo_id, merged, report)
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

    # -- planning ------------------------------------------------------------------------

    def plan(
        self,
        scheme: XmpScheme,
        style: SidecarStyle,
        photo_ids: Iterable[int] | None = None,
    ) -> list[PlannedChange]:
        """What ``write`` would do to each sidecar of the photos, changing nothing (no file,
        no catalog row): one ``PlannedChange`` per sidecar; ``changes`` tells those whose
        marks change."""
        return [step.change for step in self._plan(scheme, style, photo_ids)]

    def _jobs(self, photo_ids: Iterable[int] | None) -> list[tuple[int, FramePlace, DecisionState]]:
        only = None if photo_ids is None else set(photo_ids)
        jobs = []
        for view in self.catalog.series(self.root):
            places = frame_places(view)
            for member in view.members:
                photo_id = member.photo.id
                if photo_id in self.files and (only is None or photo_id in only):
                    frame = places[photo_id]
                    jobs.append((photo_id, frame, member.decision))
        return jobs

    def _plan(
        self, scheme: XmpScheme, style: SidecarStyle, photo_ids: Iterable[int] | None
    ) -> list[_Step]:
        scheme, style = XmpScheme(scheme), SidecarStyle(style)  # settings may hold strings
        jobs = self._jobs(photo_ids)
        self._refresh(photo_id for photo_id, _, _ in jobs)
        held = self._held([photo_id for photo_id, _, _ in jobs])
        spared = self._copies_of_held([photo_id for photo_id, _, _ in jobs], {*self.held, *held})
        steps: list[_Step] = []
        for photo_id, frame, decision in jobs:
            read = decision
            if photo_id in spared:
                frame = dataclasses.replace(frame, may_reject=False)
            main = self.files[photo_id][0]
            if photo_id in held:  # marks that cannot be read or disagree: never rewritten
                why = f"{held[photo_id]}: a person may have marked it, its sidecars are left"
                change = PlannedChange(
                    photo_id, Path(self._rel(main)), None, None, problem=why, held=True
                )
                steps.append(_Step(change, None, None))
                continue
            if not main.exists():
                change = PlannedChange(
                    photo_id,
                    Path(self._rel(main)),
                    None,
                    None,
                    problem="the photo is missing: its sidecar was not written",
                )
                steps.append(_Step(change, None, None))
                continue
            for target in self.names.targets(photo_id, style):
                step = self._plan_file(photo_id, existing_spelling(target), frame, decision, scheme)
                if step.verdict is not None and step.verdict.decision is not None:
                    decision = _as_decision(step.verdict.decision)
                step.read = read
                steps.append(step)
        return steps

    def _copies_of_held(self, photo_ids: list[int], held: set[int]) -> set[int]:
        """The photos among ``photo_ids`` that are copies of a held photo: a person may have
        marked that photo, so none of its copies is an automatic reject (as in the catalog,
        ``app.automatic_rejects.never_rejected``)."""
        if not held:
            return set()
        ids = [*photo_ids, *held]
        keys = self.catalog.same_photo_keys(ids)
        found = [keys.get(photo_id, frozenset()) for photo_id in ids]
        return never_rejected(ids, None, [UNDECIDED] * len(ids), found, held) - held

    def _held(self, photo_ids: list[int]) -> dict[int, str]:
        """The photos an import held, and those an import would hold now among the ones
        none has read (a plan changes nothing, so it asks without taking anything in)."""
        wanted = set(photo_ids)
        held = {p: why for p, why in self.held.items() if p in wanted}
        unseen = [p for p in photo_ids if p not in self._looked_at]
        if unseen:
            would = SidecarReport()
            decisions = self.catalog.decisions(unseen)
            for photo_id, sources in self._sources(unseen, would).items():
                self._combine_sources(photo_id, sources, decisions[photo_id], would)
            held.update(would.held)
        return held

    def _plan_file(
        self,
        photo_id: int,
        target: Path,
        frame: FramePlace,
        decision: DecisionState,
        scheme: XmpScheme,
    ) -> _Step:
        rel = Path(self._rel(target))
        try:
            loaded = load_sidecar(target)
        except SidecarError as error:
            change = PlannedChange(photo_id, rel, None, None, problem=error.problem().error)
            return _Step(change, None, None)
        state, data = loaded if loaded is not None else (None, None)
        verdict = None
        known = None
        if state is not None:
            self._look_again([(photo_id, self._rel(target), state)])
            verdict = self._judge(photo_id, self._rel(target), state, decision)
            known = verdict.known
            if verdict.decision is not None:  # a person's new marks: they are what to write
                decision = _as_decision(verdict.decision)
        place = {
            "is_best": frame.is_best,
            "in_burst": frame.in_burst,
            "scheme": scheme,
            "may_reject": frame.may_reject,
        }
        marks = wanted_marks(decision, **place)
        keyword = suggestion_keyword(decision, **place)
        automatic = not decision.is_user and (marks is not None or bool(keyword))
        before = None if state is None else state.marks
        try:
            had = "" if data is None else ", ".join(sorted(read_suggestions(data, target)))
        except SidecarError as error:
            change = PlannedChange(photo_id, rel, None, None, problem=error.problem().error)
            return _Step(change, None, None)
        ours = known.claimed if known is not None and known.written else frozenset()
        marks = marks or XmpMarks()
        claimed = frozenset(
            name for name in ("rating", "label") if getattr(marks, name) is not None
        )
        # marks this app set earlier and no longer wants go away again (undo, a new best frame)
        remove_rating = marks.rating is None and "rating" in ours
        if marks.label is None and "label" in ours:
            marks = XmpMarks(rating=marks.rating, label="")
        replaces = not decision.is_user and (
            bool(ours) and _claimed_differ(known, marks) or bool(had) and had != keyword
        )

        def step(after: XmpMarks | None, **kwargs) -> _Step:
            problem = kwargs.pop("problem", "")
            change = PlannedChange(
                photo_id,
                rel,
                before,
                after,
                automatic=automatic,
                replaces_automatic=replaces and _shown(before) != _shown(after),
                imported=verdict is not None and verdict.decision is not None,
                conflict=verdict.conflict if verdict is not None else "",
                problem=problem,
                suggestion_before=had,
                suggestion_after=had if problem else keyword if after is not None else "",
                decided=decision.is_user,
            )
            return _Step(change, verdict, None if state is None else state.digest, **kwargs)

        if state is None:
            if not marks.says_something and not keyword:
                return step(None)  # nothing to say: no sidecar is created
            new = merge_marks(None, marks, source=target, suggestion=keyword)
            return step(marks, data=new, claimed=claimed, created=True)
        rating, label = marks_after(state.marks, marks, remove_rating=remove_rating)
        after = XmpMarks(rating=rating, label=label)
        same_marks = marks.empty and not remove_rating or _shown(after) == _shown(before)
        if same_marks and had == keyword:
            if known is not None and known.written and known.claimed == claimed or marks.empty:
                return step(before)
            # the file already says this; the catalog learns that this app set it
            return step(before, claimed=claimed, created=known is not None and known.created)
        if is_read_only(target):
            return step(before, problem="cannot write sidecar: read-only: left as it is")
        created = known is not None and known.written and known.created
        if (
            created
            and not after.says_something
            and not keyword
            and _nothing_but_marks(data, target)
        ):
            return step(None, remove=True)  # this app's own file, with nothing left to say
        try:
            new = merge_marks(
                data, marks, source=target, remove_rating=remove_rating, suggestion=keyword
            )
        except SidecarError as error:
            return step(before, problem=error.problem().error)
        return step(after, data=new, claimed=claimed, created=created)

    # -- writing -----------------------------------------------------------------------

    def write(
        self,
        scheme: XmpScheme,
        style: SidecarStyle,
        photo_ids: Iterable[int] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> SidecarReport:
        """Make the sidecars of the folder's photos (or ``photo_ids``) say what the catalog says.

        Every sidecar is read again first: a version this app has not seen holds a person's
        marks, which are taken into the catalog and kept.
        """
        report = SidecarReport(problems=list(self.problems))
        wanted = None if photo_ids is None else list(photo_ids)
        self._import_first(self.files if wanted is None else wanted, report)
        for attempt in range(WRITE_ATTEMPTS):
            steps = self._plan(scheme, style, wanted)
            changed = self._apply(steps, report, progress, last=attempt == WRITE_ATTEMPTS - 1)
            if not changed:
                break
            wanted = sorted(changed)
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
        report.conflicts += found.conflicts
        report.held.update(found.held)

    def _apply(
        self,
        steps: list[_Step],
        report: SidecarReport,
        progress: Callable[[int, int], None] | None,
        *,
        last: bool,
    ) -> set[int]:
        """Carry out planned steps; returns the photos whose sidecars changed meanwhile, or
        that were decided here meanwhile (planned from a decision no longer theirs)."""
        taken = _Taken()
        parts: dict[int, SidecarReport] = {}
        for s in steps:
            if s.verdict is not None:
                part = parts.setdefault(s.change.photo_id, SidecarReport())
                self._note_verdicts([(s.change.photo_id, s.rel, s.verdict)], part, taken)
        read = {s.change.photo_id: s.read for s in steps if s.read is not None}
        later = self._store(taken, read, parts, report)
        if later and last:
            for s in steps:
                if s.change.photo_id in later and s.change.imported:
                    self._hold(s.change.photo_id, _decided_meanwhile(s.rel), report)
        steps = [s for s in steps if s.change.photo_id not in later]  # none of theirs written
        again = set() if last else later
        for s in steps:
            if s.change.problem and not s.change.held:  # the import named held photos
                report.problems.append(Problem(s.rel, s.change.problem))
        writes = [s for s in steps if s.data is not None]
        intents = [_written_record(s, len(s.data), 0, sidecar_digest(s.data)) for s in writes]
        self.catalog.record_sidecar_intents(intents)
        recorded: list[SidecarRecord] = []
        for done, s in enumerate(steps, start=1):
            path = self.root / s.change.sidecar
            try:
                if s.remove:
                    remove_sidecar(path, s.expected or "")
                    report.removed += 1
                    if self.names.present is not None:
                        self.names.present.discard(os.fspath(path))
                elif s.data is not None:
                    replace_sidecar(path, s.data, s.expected)
                    report.written += 1
                    self.names.note_written(path)
                    recorded.append(
                        _written_record(
                            s, len(s.data), os.stat(path).st_mtime_ns, sidecar_digest(s.data)
                        )
                    )
                elif s.claimed and s.verdict is not None and s.verdict.known is not None:
                    known = s.verdict.known
                    recorded.append(_written_record(s, known.size, known.mtime_ns, known.digest))
                report.replaced_automatic += s.change.replaces_automatic and not s.remove
                if s.remove or s.data is not None:
                    report.changes.append(s.change)
            except SidecarChanged as error:
                if last:
                    report.problems.append(error.problem(self.root))
                else:
                    again.add(s.change.photo_id)
            except (SidecarError, OSError) as error:
                problem = (
                    error.problem(self.root)
                    if isinstance(error, SidecarError)
                    else Problem(s.rel, f"cannot write sidecar: {error}")
                )
                report.problems.append(problem)
            if progress is not None:
                progress(done, len(steps))
        self.catalog.record_sidecars(recorded)
        for record in recorded:
            self._records.setdefault(record.photo_id, {})[storable_name(record.relpath)] = record
        return again

    def _rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()


def _decided_meanwhile(rel: str) -> Problem:
    """A file whose marks were read while the photo was decided here: they wait."""
    return Problem(
        rel,
        "read while the photo was being decided here: that decision was kept, and the "
        "file's marks are taken in the next time it is read",
    )


def _written_record(step: _Step, size: int, mtime_ns: int, digest: str | None) -> SidecarRecord:
    after = step.change.after or XmpMarks()
    return SidecarRecord(
        photo_id=step.change.photo_id,
        relpath=step.rel,
        size=size,
        mtime_ns=mtime_ns,
        rating=after.rating,
        label=after.label or None,
        written=True,
        claimed=step.claimed,
        digest=digest,
        created=step.created,
    )


def _seen_record(photo_id: int, rel: str, state: SidecarState) -> SidecarRecord:
    """A version someone else wrote, as the catalog remembers it."""
    return SidecarRecord(
        photo_id=photo_id,
        relpath=rel,
        size=state.size,
        mtime_ns=state.mtime_ns,
        rating=state.marks.rating,
        label=state.marks.label,
        written=False,
        digest=state.digest,
    )


def _same_version(record: SidecarRecord, state: SidecarState) -> bool:
    """One version: same bytes (same size and time for records made before digests)."""
    if record.digest is not None and state.digest is not None:
        return record.digest == state.digest
    return (record.size, record.mtime_ns) == (state.size, state.mtime_ns)


def _claimed_differ(known: SidecarRecord, marks: XmpMarks) -> bool:
    """Whether this write changes automatic marks an earlier write of this app set."""
    old = {"rating": known.rating, "label": known.label or None}
    new = {"rating": marks.rating, "label": marks.label or None}
    return any(old[name] != new[name] for name in known.claimed)


def _nothing_but_marks(data: bytes | None, target: Path) -> bool:
    """True when the file holds nothing but this app's marks: the document this app creates
    for its marks, with none of anyone else's properties (so removing it loses nothing)."""
    if data is None:
        return True
    try:
        emptied = merge_marks(
            data, XmpMarks(label=""), source=target, remove_rating=True, suggestion=""
        )
        return emptied == merge_marks(None, XmpMarks(), source=target)
    except SidecarError:
        return False


def _shown(marks: XmpMarks | None) -> tuple[int | None, str | None] | None:
    """The marks as another application shows them (None: no file); "" and None alike."""
    if marks is None:
        return None
    return (marks.rating if marks.rating != 0 else None, marks.label or None)


def _describe(marks: XmpMarks) -> str:
    parts = []
    if marks.rating is not None and marks.rating < 0:
        parts.append("rejected")
    elif marks.rating:
        parts.append(f"{marks.rating} stars")
    if marks.label:
        parts.append(f"label {marks.label}")
    return ", ".join(parts) or "no rating or label"


def _as_decision(marks: dict) -> DecisionState:
    """The catalog state a person's sidecar marks are about to become."""
    return DecisionState(
        flag=marks["flag"],
        rating=marks["rating"],
        label=marks["label"],
        source=DecisionSource.USER,
        decided_at=datetime.now(UTC),
    )


def _ns(decision: DecisionState) -> int | None:
    if decision.decided_at is None:
        return None
    return int(decision.decided_at.timestamp() * 1_000_000_000)
