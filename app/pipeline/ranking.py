"""Stage 3: rank every series that needs it; the others keep their stored scores.

Three steps, each on its own: the plan (which series keep their stored scores, which are
scored), the decoded series (the frames of all series to score go through one pool map, so
decoding runs ahead in the workers while the scorer works on the series in hand), and the
scorer's ``rank_many``, which takes the series in order as they arrive (FGAesQ fills each
forward pass from several of them) and gives each one's scores back with its key.  Faces
are found on the same decoded pixels in the workers.  The pick of a series is the best-scoring frame unless
someone's eyes are closed in it and another frame has none (``app.faces.choose_pick``); the
ranks stored in the catalog follow the pick, and the series records why.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from app.catalog import FaceRecord
from app.exact_copies import copy_names, distinct_keeping, file_hashes
from app.faces.pick import choose_pick
from app.options import SeriesMode
from app.photos.tasks import DecodeResult, FoundFace, ScoringTask, decode_for_scoring
from app.photos.workers import INLINE_BELOW
from app.pipeline.context import CatalogBatch, RunContext
from app.pipeline.decode_ahead import DecodeAhead
from app.pipeline.inventory import PhotoState
from app.pipeline.results import MemberResult, SeriesResult, Stage
from app.scoring import Scorer
from app.scoring.confidence import pick_confidence
from app.scoring.why import pick_why

# Version of the face analysis stored in the catalog; a new one analyses photos again
# (2: the crowd pass finds the small faces of group photos; 3: its probe tile also finds
# crowds whose faces are all too faint for the whole-image search).
FACES_VERSION = 3


@dataclass(frozen=True)
class Grouping:
    """The catalog's ids of a run's series, and each series' (kind, reason)."""

    ids: list[int]
    kinds: list[tuple[str, str]]


@dataclass
class _Scored:
    """One series' frames with their scores and faces (None: not analysed); the scores of a
    series being scored are filled in when the scorer gives them."""

    members: list[PhotoState]
    scores: list[float]
    faces: list[tuple[FaceRecord, ...] | None]
    fresh: bool  # scored by this run (else taken from the catalog)
    stored_ranks: list[int | None] | None = None  # the catalog's ranks of a cached series
    frames: list | None = None  # what the scorer scored (fresh series), for the explanation
    settled: float | None = None  # how settled the scorer says the pick is (fresh series)
    # the catalog's explanations of a cached series' part, by photo id (planned while the
    # model may still store an earlier part's series: each series keeps its own)
    stored_whys: dict[int, dict] | None = None


@dataclass(frozen=True)
class _Plan:
    """Which series keep their stored scores (``cached``, by series number) and which are
    scored (``to_score``, in order)."""

    cached: dict[int, _Scored]
    to_score: list[int]


class Ranking:
    """Scores the groups of one run with one scorer and stores the scores series by series."""

    def __init__(
        self,
        run: RunContext,
        scorer: Scorer,
        *,
        faces_possible: Callable[[], bool],
        provisional: bool = False,
    ) -> None:
        self.run = run
        self.scorer = scorer
        # a ranking shown until the model's replaces it: its events say so (they are not
        # the model's progress)
        self.provisional = provisional
        self.behind_reading = False  # ranks in the model's stage, behind the reading
        # frames decoded ahead of the scorer on a thread of their own, across the parts'
        # borders (0: each part's when the scorer asks for its first series)
        self.decode_ahead = 0
        self.taking = False  # takes parts (False once it stopped: done, failed or cancelled)
        # Faces are asked for; whether they can be analysed here is found out (an import)
        # only when a series has to be scored or lacks its faces.
        self.faces = run.options.faces
        self._faces_possible = faces_possible
        self.scored = 0  # photos scored (not taken from the catalog) by this run
        # frames of the series to score the scorer has been through, and all it has to (a run
        # ranked part by part as the card is read: the second grows part by part)
        self.frames_ranked = 0
        self.frames_to_rank = 0
        # the photos of all the parts it will be given, where the run knows them (the card's
        # while it is read): those of parts not taken yet count as frames to rank in its
        # reports, so their time left covers the whole card
        self.photos_expected = 0
        self._photos_taken = 0  # photos of the parts taken so far
        self._reasons: dict[int, str] = {}  # series id -> pick reason, stored in one go
        self._whys: dict[int, dict | None] = {}  # photo id -> why its pick won (None: not a pick)
        # A model's explanation of its picks costs forward passes: only when asked for.
        self._explain = getattr(scorer, "explain", None) if run.options.why else None
        self._batch: CatalogBatch[tuple[dict, SeriesMode | None, dict]] = CatalogBatch(self._write)
        # A scorer without a ``prepare`` step judges the pixels itself, in this thread (FGAesQ:
        # seconds per burst on a CPU); one with it only combines what the workers measured.
        self._ranks_here = scorer.prepare is None

    def rank(
        self, groups: list[list[PhotoState]], grouping: Grouping, first_number: int = 0
    ) -> list[SeriesResult]:
        """The series ranked, numbered from ``first_number + 1`` (a run ranked part by part)."""
        return self.rank_parts([(groups, grouping)], first_number)

    def rank_parts(
        self,
        parts: Iterable[tuple[list[list[PhotoState]], Grouping]],
        first_number: int = 0,
    ) -> list[SeriesResult]:
        """The series of ``parts`` (each a stretch's groups and their grouping, taken as
        they come) ranked in one go, numbered from ``first_number + 1``: the scorer's
        ``rank_many`` sees every series of every part in order, so a model fills its forward
        passes across the parts' borders as it does within one part."""
        self.taking = True
        try:
            return self._rank(parts, first_number)
        finally:
            self.taking = False
            self._store()

    def _store(self) -> None:
        """Write what is held: scores and faces, then the picks' reasons and explanations
        (stored on the picks' scores)."""
        self._batch.flush()
        self.run.catalog.set_pick_reasons(self._reasons)
        self.run.catalog.set_whys(self.scorer.name, self.scorer.weights_id, self._whys)
        self._reasons, self._whys = {}, {}  # stored: the next ones are their own

    def _rank(
        self, parts: Iterable[tuple[list[list[PhotoState]], Grouping]], first_number: int
    ) -> list[SeriesResult]:
        """Series stored in order: scored ones as their scores come, the cached ones between
        them when their turn comes."""
        groups: list[list[PhotoState]] = []  # every series of the parts taken so far
        ids: list[int] = []
        kinds: list[tuple[str, str]] = []
        cached: deque[tuple[int, _Scored]] = deque()  # in order, the next one first
        results: list[SeriesResult] = []

        def store(number: int, scored: _Scored) -> None:
            if scored.fresh:
                self.frames_ranked += len(groups[number])
            results.append(
                self._store_series(
                    first_number + len(results) + 1, ids[number], kinds[number], scored
                )
            )
            if self._ranks_here:
                # the scorer's next series may take seconds: this one's scores, pick reason
                # and explanation are stored now, before it is announced, so the window
                # shows them while it waits
                self._store()
            self.run.emit(
                Stage.RANK,
                first_number + number + 1,
                first_number + len(groups),
                f"series {first_number + len(results)}: best {results[-1].best.path}",
                series=results[-1],
                frames=self._frames(),
                **self._said(),
            )

        def decoded() -> Iterator[tuple[tuple[int, _Scored], list]]:
            """Each part's series to score, numbered among all parts' series."""
            for part, grouping in parts:
                start = len(groups)
                groups.extend(part)
                ids.extend(grouping.ids)
                kinds.extend(grouping.kinds)
                plan = self._plan(part)
                self._photos_taken += sum(len(g) for g in part)
                cached.extend((start + n, s) for n, s in sorted(plan.cached.items()))
                self.frames_to_rank += sum(len(part[n]) for n in plan.to_score)
                frames = self._frames()
                self.run.emit(
                    Stage.RANK,
                    first_number + len(results),
                    first_number + len(groups),
                    "Ranking",
                    frames=frames,
                    **self._said(),
                )
                for (number, scored), images in self._decoded(part, plan):
                    yield (start + number, scored), images
                if self.run.cancelled:
                    return

        series: Iterable[tuple[tuple[int, _Scored], list]] = decoded()
        ahead = None
        if self.decode_ahead:
            series = ahead = DecodeAhead(series, self.decode_ahead, lambda item: len(item[1]))
        try:
            for (number, scored), scores in self.scorer.rank_many(series):
                while cached and cached[0][0] < number:
                    store(*cached.popleft())
                scored.scores = [float(s) for s in scores]
                scored.settled = getattr(scores, "settled", None)
                self.scored += len(scored.members)
                store(number, scored)
                if self.run.cancelled:
                    return results
            while cached and not self.run.cancelled:  # cached series after the last scored one
                store(*cached.popleft())
            return results
        finally:
            self.taking = False  # a part awaited ahead is not waited for
            if ahead is not None:
                ahead.close()

    def _said(self) -> dict[str, bool]:
        """What its events say about the ranking (``ProgressEvent``)."""
        return {"provisional": self.provisional, "behind": self.behind_reading}

    def _frames(self) -> tuple[int, int]:
        """(frames ranked, frames to rank) for a report."""
        coming = max(0, self.photos_expected - self._photos_taken)
        return self.frames_ranked, self.frames_to_rank + coming

    def _plan(self, groups: list[list[PhotoState]]) -> _Plan:
        """Series whose stored scores (in this scorer's series mode, with ranks and, when
        faces are asked for, faces) still hold; the others are scored."""
        catalog, scorer = self.run.catalog, self.scorer
        ids = [p.photo_id for g in groups for p in g]
        stored = catalog.scores(ids, scorer.name, scorer.weights_id)
        known_faces = catalog.faces(ids, FACES_VERSION) if self.faces else {}
        cached: dict[int, _Scored] = {}
        lacking_faces: list[int] = []  # scored series whose faces were never looked for
        for number, group in enumerate(groups):
            found = [stored.get(p.photo_id) for p in group]
            mode = self.series_mode(group)
            if any(p.fresh for p in group) or not all(
                s is not None and s.series_mode == mode and (len(group) == 1 or s.rank is not None)
                for s in found
            ):
                continue
            cached[number] = _Scored(
                group,
                [s.score for s in found],
                [known_faces.get(p.photo_id) for p in group],
                fresh=False,
                stored_ranks=[s.rank for s in found],
            )
            if self.faces and not all(p.photo_id in known_faces for p in group):
                lacking_faces.append(number)
        if self.faces and (lacking_faces or len(cached) < len(groups)):
            self.faces = self._faces_possible()
        for number in lacking_faces if self.faces else ():
            del cached[number]  # score it again, this time with its faces
        stored_whys = catalog.whys(
            [p.photo_id for s in cached.values() for p in s.members],
            scorer.name,
            scorer.weights_id,
        )
        for series in cached.values():
            series.stored_whys = stored_whys
        for number in [n for n, s in cached.items() if self._explain and len(s.members) > 1]:
            if not any(p.photo_id in stored_whys for p in cached[number].members):
                del cached[number]  # explained when asked for: its frames are needed
        return _Plan(cached, [n for n in range(len(groups)) if n not in cached])

    def _decoded(
        self, groups: list[list[PhotoState]], plan: _Plan
    ) -> Iterator[tuple[tuple[int, _Scored], list]]:
        """``((number, series), frames)`` of each series to score, in order, as its frames
        arrive from the decoding processes (decoding runs ahead in the workers).  Frames
        decoded when the photo was read are not decoded again; a series none of whose frames
        decoded is left out.  Stops when the run is cancelled."""
        arrived: dict[tuple[int, int], DecodeResult] = {}
        wanted: list[tuple[int, int]] = []  # frames still to decode, in task order
        for n in plan.to_score:
            for i, photo in enumerate(groups[n]):
                if photo.scored is not None:  # decoded once, when it was read
                    arrived[(n, i)], photo.scored = photo.scored, None
                else:
                    wanted.append((n, i))
        tasks = [
            ScoringTask(
                k,
                groups[n][i].file.decode_path,
                self.scorer.input_size,
                self.scorer.prepare,
                self.faces,
            )
            for k, (n, i) in enumerate(wanted)
        ]
        crashed = lambda task, message: DecodeResult(task.index, error=message)  # noqa: E731
        # behind the reading a stretch's few frames go to the processes too, not to the
        # model's thread (they are running: the reading started them)
        inline_below = 1 if self.behind_reading else INLINE_BELOW
        outcomes = self.run.pool.map(
            decode_for_scoring, tasks, self.run.cancel, crashed, inline_below=inline_below
        )
        for number in plan.to_score:
            if self.run.cancelled:
                return
            group = groups[number]
            while any((number, i) not in arrived for i in range(len(group))):
                outcome = next(outcomes, None)
                if outcome is None:  # cancelled while decoding
                    return
                arrived[wanted[outcome.index]] = outcome
            scored, frames = self._usable(
                group, [arrived.pop((number, i)) for i in range(len(group))]
            )
            if frames:
                yield (number, scored), frames

    def series_mode(self, group: list[PhotoState]) -> SeriesMode | None:
        """The series mode the group is scored in (None: a single frame, or a scorer with
        one way of judging a burst)."""
        return self.scorer.series_mode if len(group) > 1 else None

    def _usable(self, group: list[PhotoState], decoded: list[DecodeResult]) -> tuple[_Scored, list]:
        """A series' frames to score (its scores to come) and its decoded frames; frames that
        failed to decode are reported and left out."""
        members, frames, faces = [], [], []
        for photo, outcome in zip(group, decoded, strict=True):
            if outcome.error is not None:
                self.run.problem(photo.file.rel, outcome.error)
                continue
            self.run.decoded.add(photo.photo_id)
            members.append(photo)
            frames.append(outcome.value)
            faces.append(None if outcome.faces is None else _records(outcome.faces))
        return _Scored(members, [], faces, fresh=True, frames=frames), frames

    def _store_series(
        self, number: int, series_id: int, kind: tuple[str, str], scored: _Scored
    ) -> SeriesResult:
        decision = choose_pick(
            scored.scores,
            [faces or () for faces in scored.faces],
            avoid_closed_eyes=self.run.options.closed_eye_rule,
        )
        ranks = [0] * len(scored.members)
        for rank, index in enumerate(decision.order, start=1):
            ranks[index] = rank
        scores, faces = {}, {}
        if scored.fresh or (len(ranks) > 1 and ranks != scored.stored_ranks):
            scores = {
                p.photo_id: (s, r)
                for p, s, r in zip(scored.members, scored.scores, ranks, strict=True)
            }
        if scored.fresh and self.faces:
            faces = {
                p.photo_id: f
                for p, f in zip(scored.members, scored.faces, strict=True)
                if f is not None
            }
        if scores or faces:
            self._batch.add((scores, self.series_mode(scored.members), faces))
        self._reasons[series_id] = decision.reason
        names = [p.file.rel for p in scored.members]
        pick = scored.members[decision.order[0]].photo_id
        # a copy of a frame is no runner-up: the why and the confidence count each photo once
        hashes = [file_hashes(p) for p in scored.members]
        once = distinct_keeping(decision.pick, hashes)
        why = pick_why(
            scored.frames,
            [i for i in decision.order if i in once],
            scored.scores,
            names,
            [[(*f.box, f.eyes) for f in faces or ()] for faces in scored.faces],
            decision.reason,
            (scored.stored_whys or {}).get(pick),
            self._explain,
        )
        if scored.fresh:
            self._whys.update({p.photo_id: None for p in scored.members})
            self._whys[pick] = why
        scored.frames = None
        told = (
            self.scorer.name,
            [scored.scores[i] for i in once],
            decision.reason,
            scored.faces[decision.pick],
        )
        kept = pick_confidence(*told)  # what the catalog tells again from what it stores
        confidence = pick_confidence(*told, settled=scored.settled)
        twins = copy_names([p.names for p in scored.members], hashes)
        return SeriesResult(
            id=number,
            members=tuple(
                MemberResult(
                    p.photo_id,
                    p.file.rel,
                    p.file.path,
                    round(float(s), 4),
                    r,
                    p.captured,
                    faces=f,
                    copy_of=twin,
                )
                for p, s, r, f, twin in zip(
                    scored.members, scored.scores, ranks, scored.faces, twins, strict=True
                )
            ),
            pick_reason=decision.reason,
            kind=kind[0],
            kind_reason=kind[1],
            confidence=confidence,
            why=why,
            confidence_kept=kept is not None or confidence is None,
        )

    def _write(self, items: list[tuple[dict, SeriesMode | None, dict]]) -> None:
        """Store the scores and faces of several series (one ``CatalogBatch`` flush)."""
        by_mode: dict[SeriesMode | None, dict] = {}
        faces: dict[int, tuple[FaceRecord, ...]] = {}
        for scores, mode, found in items:
            by_mode.setdefault(mode, {}).update(scores)
            faces.update(found)
        for mode, scores in by_mode.items():
            self.run.catalog.set_scores(
                self.scorer.name, self.scorer.weights_id, scores, series_mode=mode
            )
        self.run.catalog.set_faces(faces, FACES_VERSION)


def _records(found: tuple[FoundFace, ...]) -> tuple[FaceRecord, ...]:
    return tuple(FaceRecord(face[:4], face[4], face[5], face[6], *face[7:9]) for face in found)
