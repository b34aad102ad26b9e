"""Stage 3: rank every series that needs it; the others keep their stored scores.

The frames of all series to score are decoded through one pool map, so decoding runs ahead
in the workers while the scorer works on the series in hand.  A scorer that batches across
series (FGAesQ) is handed the series in order as their frames arrive and fills each forward
pass from several of them; the scores come back per series, as they would one by one.
Faces are found on the same decoded pixels in the workers.  The pick of a series is the best-scoring frame unless
someone's eyes are closed in it and another frame has none (``app.faces.choose_pick``); the
ranks stored in the catalog follow the pick, and the series records why.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from app.catalog import FaceRecord
from app.faces.pick import choose_pick
from app.options import SeriesMode
from app.photos.tasks import DecodeResult, FoundFace, ScoringTask, decode_for_scoring
from app.pipeline.context import CatalogBatch, RunContext
from app.pipeline.inventory import PhotoState
from app.pipeline.results import MemberResult, SeriesResult, Stage
from app.scoring import BatchingScorer, PreparingScorer, Scorer
from app.scoring.why import pick_why

# Version of the face analysis stored in the catalog; a new one analyses photos again.
FACES_VERSION = 1


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


class Ranking:
    """Scores the groups of one run with one scorer and stores the scores series by series."""

    def __init__(
        self, run: RunContext, scorer: Scorer, *, faces_possible: Callable[[], bool]
    ) -> None:
        self.run = run
        self.scorer = scorer
        # Faces are asked for; whether they can be analysed here is found out (an import)
        # only when a series has to be scored or lacks its faces.
        self.faces = run.options.faces
        self._faces_possible = faces_possible
        self.scored = 0  # photos scored (not taken from the catalog) by this run
        self._reasons: dict[int, str] = {}  # series id -> pick reason, stored in one go
        self._whys: dict[int, dict | None] = {}  # photo id -> why its pick won (None: not a pick)
        self._stored_whys: dict[int, dict] = {}
        self._batch: CatalogBatch[tuple[dict, SeriesMode | None, dict]] = CatalogBatch(self._write)

    def rank(self, groups: list[list[PhotoState]], grouping: Grouping) -> list[SeriesResult]:
        try:
            return self._rank(groups, grouping)
        finally:
            self._batch.flush()
            self.run.catalog.set_pick_reasons(self._reasons)
            self.run.catalog.set_whys(self.scorer.name, self.scorer.weights_id, self._whys)

    def _rank(self, groups: list[list[PhotoState]], grouping: Grouping) -> list[SeriesResult]:
        catalog, scorer = self.run.catalog, self.scorer
        ids = [p.photo_id for g in groups for p in g]
        stored = catalog.scores(ids, scorer.name, scorer.weights_id)
        known_faces = catalog.faces(ids) if self.faces else {}
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
        self._stored_whys = catalog.whys(
            [p.photo_id for s in cached.values() for p in s.members],
            scorer.name,
            scorer.weights_id,
        )
        arrived: dict[tuple[int, int], DecodeResult] = {}
        wanted: list[tuple[int, int]] = []  # frames still to decode, in task order
        for n, group in enumerate(groups):
            if n in cached:
                continue
            for i, photo in enumerate(group):
                if photo.scored is not None:  # decoded once, when it was read
                    arrived[(n, i)], photo.scored = photo.scored, None
                else:
                    wanted.append((n, i))
        prepare = scorer.prepare if isinstance(scorer, PreparingScorer) else None
        tasks = [
            ScoringTask(k, groups[n][i].file.decode_path, scorer.input_size, prepare, self.faces)
            for k, (n, i) in enumerate(wanted)
        ]
        crashed = lambda task, message: DecodeResult(task.index, error=message)  # noqa: E731
        outcomes = self.run.pool.map(decode_for_scoring, tasks, self.run.cancel, crashed)

        # Series go to the scorer in order as their frames arrive; a scorer that batches
        # across series holds a few before their scores come back.  ``waiting`` keeps every
        # series (cached ones too) in order until it can be stored.
        waiting: deque[tuple[int, _Scored]] = deque()

        def to_score() -> Iterator[list]:
            for number, group in enumerate(groups):
                if self.run.cancelled:
                    return
                scored = cached.get(number)
                if scored is None:
                    while any((number, i) not in arrived for i in range(len(group))):
                        outcome = next(outcomes, None)
                        if outcome is None:  # cancelled while decoding
                            return
                        arrived[wanted[outcome.index]] = outcome
                    scored, frames = self._usable(
                        group, [arrived.pop((number, i)) for i in range(len(group))]
                    )
                    if not frames:
                        continue
                    waiting.append((number, scored))
                    yield frames
                else:
                    waiting.append((number, scored))

        results: list[SeriesResult] = []

        def store(number: int, scored: _Scored) -> None:
            results.append(
                self._store_series(
                    len(results) + 1, grouping.ids[number], grouping.kinds[number], scored
                )
            )
            self.run.emit(
                Stage.RANK,
                number + 1,
                len(groups),
                f"series {len(results)}: best {results[-1].best.path}",
                series=results[-1],
            )

        for scores in self._rankings(to_score()):
            number, scored = waiting.popleft()
            while not scored.fresh:  # cached series before this one
                store(number, scored)
                number, scored = waiting.popleft()
            scored.scores = [float(s) for s in scores]
            self.scored += len(scored.members)
            store(number, scored)
            if self.run.cancelled:
                return results
        while waiting and not self.run.cancelled:  # cached series after the last scored one
            store(*waiting.popleft())
        return results

    def _rankings(self, series: Iterable[list]) -> Iterator[list[float]]:
        """The scores of each series' frames, in order, however the scorer batches them."""
        scorer = self.scorer
        if isinstance(scorer, BatchingScorer):
            yield from scorer.rank_many(series)
        elif isinstance(scorer, PreparingScorer):
            for frames in series:
                yield (
                    scorer.rank_prepared(frames)
                    if len(frames) > 1
                    else scorer.score_prepared(frames)
                )
        else:
            for frames in series:
                yield scorer.rank_series(frames) if len(frames) > 1 else scorer.score(frames)

    def series_mode(self, group: list[PhotoState]) -> SeriesMode | None:
        """The FGAesQ series mode the group is scored in (None: scored without one)."""
        if len(group) < 2 or self.scorer.name != "fgaesq":
            return None
        return self.run.options.series_mode

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
        why = pick_why(
            scored.frames,
            decision.order,
            scored.scores,
            names,
            [[(*f.box, f.eyes) for f in faces or ()] for faces in scored.faces],
            decision.reason,
            self._stored_whys.get(pick),
        )
        if scored.fresh:
            self._whys.update({p.photo_id: None for p in scored.members})
            self._whys[pick] = why
        scored.frames = None
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
                )
                for p, s, r, f in zip(
                    scored.members, scored.scores, ranks, scored.faces, strict=True
                )
            ),
            pick_reason=decision.reason,
            kind=kind[0],
            kind_reason=kind[1],
            why=why,
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
    return tuple(FaceRecord(face[:4], face[4], face[5], face[6]) for face in found)
