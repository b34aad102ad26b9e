"""Stage 3: rank every series that needs it; the others keep their stored scores.

The frames of all series to score are decoded through one pool map, so decoding runs ahead
in the workers while the scorer works on the series in hand.
"""

from __future__ import annotations

from app.options import SeriesMode
from app.photos.tasks import DecodeResult, decode_for_scoring
from app.pipeline.context import RunContext
from app.pipeline.inventory import PhotoState
from app.pipeline.results import MemberResult, SeriesResult, Stage
from app.scoring import PreparingScorer, Scorer


class Ranking:
    """Scores the groups of one run with one scorer and stores the scores series by series."""

    def __init__(self, run: RunContext, scorer: Scorer) -> None:
        self.run = run
        self.scorer = scorer
        self.scored = 0  # photos scored (not taken from the catalog) by this run

    def rank(self, groups: list[list[PhotoState]]) -> list[SeriesResult]:
        catalog, scorer = self.run.catalog, self.scorer
        stored = catalog.scores(
            [p.photo_id for g in groups for p in g], scorer.name, scorer.weights_id
        )
        cached: dict[int, list[float]] = {}
        for number, group in enumerate(groups):
            found = [stored.get(p.photo_id) for p in group]
            mode = self.series_mode(group)
            if not any(p.fresh for p in group) and all(
                s is not None and s.series_mode == mode and (len(group) == 1 or s.rank is not None)
                for s in found
            ):
                cached[number] = [s.score for s in found]
        wanted = [
            (n, i) for n, group in enumerate(groups) if n not in cached for i in range(len(group))
        ]
        prepare = scorer.prepare if isinstance(scorer, PreparingScorer) else None
        tasks = [
            (k, groups[n][i].file.decode_path, scorer.input_size, prepare)
            for k, (n, i) in enumerate(wanted)
        ]
        crashed = lambda task, message: DecodeResult(task[0], error=message)  # noqa: E731
        outcomes = self.run.pool.map(decode_for_scoring, tasks, self.run.cancel, crashed)
        arrived: dict[tuple[int, int], DecodeResult] = {}

        results: list[SeriesResult] = []
        for number, group in enumerate(groups):
            if self.run.cancelled:
                break
            if number in cached:
                members, scores = group, cached[number]
            else:
                while any((number, i) not in arrived for i in range(len(group))):
                    outcome = next(outcomes, None)
                    if outcome is None:  # cancelled while decoding
                        return results
                    arrived[wanted[outcome.index]] = outcome
                members, scores = self._score_group(
                    group, [arrived.pop((number, i)) for i in range(len(group))]
                )
                self.scored += len(members)
                if not members:
                    continue
            results.append(self._store_series(len(results) + 1, members, scores))
            self.run.emit(
                Stage.RANK,
                number + 1,
                len(groups),
                f"series {len(results)}: best {results[-1].best.path}",
                series=results[-1],
            )
        return results

    def series_mode(self, group: list[PhotoState]) -> SeriesMode | None:
        """The FGAesQ series mode the group is scored in (None: scored without one)."""
        if len(group) < 2 or self.scorer.name != "fgaesq":
            return None
        return self.run.options.series_mode

    def _score_group(
        self, group: list[PhotoState], decoded: list[DecodeResult]
    ) -> tuple[list[PhotoState], list[float]]:
        """Score one series from its decoded frames; frames that failed to decode are left out."""
        members, frames = [], []
        for photo, outcome in zip(group, decoded, strict=True):
            if outcome.error is not None:
                self.run.problem(photo.file.rel, outcome.error)
                continue
            self.run.decoded.add(photo.photo_id)
            members.append(photo)
            frames.append(outcome.value)
        if not frames:
            return [], []
        scorer = self.scorer
        if isinstance(scorer, PreparingScorer):
            scores = (
                scorer.rank_prepared(frames) if len(frames) > 1 else scorer.score_prepared(frames)
            )
        else:
            scores = scorer.rank_series(frames) if len(frames) > 1 else scorer.score(frames)
        return members, [float(s) for s in scores]

    def _store_series(
        self, series_id: int, members: list[PhotoState], scores: list[float]
    ) -> SeriesResult:
        ranks = ranks_of(scores)
        self.run.catalog.set_scores(
            self.scorer.name,
            self.scorer.weights_id,
            {p.photo_id: (s, r) for p, s, r in zip(members, scores, ranks, strict=True)},
            series_mode=self.series_mode(members),
        )
        return SeriesResult(
            id=series_id,
            members=tuple(
                MemberResult(p.photo_id, p.file.rel, p.file.path, round(float(s), 4), r, p.captured)
                for p, s, r in zip(members, scores, ranks, strict=True)
            ),
        )


def ranks_of(scores: list[float]) -> list[int]:
    """Rank 1 for the highest score; ties keep capture order."""
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    ranks = [0] * len(scores)
    for rank, index in enumerate(order, start=1):
        ranks[index] = rank
    return ranks
