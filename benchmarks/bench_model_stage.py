"""FGAesQ ranking each stretch behind the reading, against the whole card ranked once read.

Culls a generated shoot (``bench_gpu``'s bursts, EXIF times, pauses between scenes) with
FGAesQ from a fresh catalog, three ways, alternated over ``--rounds``:

* ``stretches``: the model's stage (``app.pipeline.model_stage``) ranks each stretch of the
  card as soon as it is read and grouped, on its own thread, while the rest is read; the
  next stretch's frames are decoded while the model ranks the one before
  (``app.pipeline.decode_ahead``);
* ``no ahead``: the same, each stretch's frames decoded only once the model asks for its
  first series (what the stage did before: the model waited at each stretch's border);
* ``whole card``: the same stage given every stretch only once the card is read (what the
  pipeline did before that: FGAesQ ranked the card in one go after reading it).

It prints, per round and as medians with their ratios: the seconds until the first series
had its FGAesQ ranking (event and catalog), until the card was read, and until the end, and
how long the model waited for its next series' frames in all (for the reading or the
decoding); and checks that every way gave the same series, ranks and scores.

    python benchmarks/bench_model_stage.py --photos 40 --size small --config tiny
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_gpu import SIZES, make_shoot, weights_for  # noqa: E402

from app.options import CullOptions  # noqa: E402
from app.pipeline import decode_ahead, model_stage, run, run_cull  # noqa: E402
from app.pipeline.results import ProgressEvent, Stage  # noqa: E402
from app.scoring.fgaesq import FGAesQScorer  # noqa: E402


class WholeCard(model_stage.ModelStage):
    """The stage given its stretches only when the card is read (the previous pipeline)."""

    def __init__(self, ranking, first_number: int = 0) -> None:
        self._held: list = []
        super().__init__(ranking, first_number)

    def add(self, groups, grouping) -> None:
        self._held.append((groups, grouping))

    def finish(self, abandon: bool = False):
        for part in [] if abandon else self._held:
            super().add(*part)
        return super().finish(abandon)


class NoAhead(model_stage.ModelStage):
    """The stage decoding each stretch's frames only when the model asks for them."""

    def __init__(self, ranking, first_number: int = 0) -> None:
        super().__init__(ranking, first_number, frames_ahead=0)


class Ahead(model_stage.ModelStage):
    """The stage decoding ahead whatever the machine (by default only with cores to spare)."""

    def __init__(self, ranking, first_number: int = 0) -> None:
        super().__init__(ranking, first_number, frames_ahead=decode_ahead.FRAMES_AHEAD)


STAGES = {"whole card": WholeCard, "no ahead": NoAhead, "stretches": Ahead}


@contextlib.contextmanager
def stage_of(way: str) -> Iterator[None]:
    saved = run.ModelStage
    run.ModelStage = STAGES[way]
    try:
        yield
    finally:
        run.ModelStage = saved


class Waits:
    """The seconds the model's ``rank_many`` spent waiting for its next series."""

    def __init__(self) -> None:
        self.seconds = 0.0

    @contextlib.contextmanager
    def counted(self) -> Iterator[None]:
        rank_many = FGAesQScorer.rank_many
        waits = self

        def timed(scorer, series):
            return rank_many(scorer, waits.timed(series))

        FGAesQScorer.rank_many = timed
        try:
            yield
        finally:
            FGAesQScorer.rank_many = rank_many

    def timed(self, series):
        series = iter(series)
        while True:
            start = time.perf_counter()
            item = next(series, None)
            self.seconds += time.perf_counter() - start
            if item is None:
                return
            yield item


class Moments:
    """Progress callback: when the first series was ranked, the card read, the run done."""

    def __init__(self, start: float) -> None:
        self.start = start
        self.first_ranked: float | None = None
        self.read: float | None = None

    def __call__(self, event: ProgressEvent) -> None:
        now = time.perf_counter() - self.start
        if event.series is not None and self.first_ranked is None:
            self.first_ranked = now
        if event.stage is Stage.READ and event.total and event.done == event.total:
            self.read = now


def outcome(result) -> list:
    return [tuple((m.path, m.rank, m.score) for m in s.members) for s in result.series]


def cull(folder: Path, options: CullOptions) -> tuple[list[float], list]:
    waits = Waits()
    start = time.perf_counter()
    moments = Moments(start)
    with waits.counted():
        result = run_cull(folder, options, progress=moments)
    end = time.perf_counter() - start
    return [moments.first_ranked or end, moments.read or end, end, waits.seconds], outcome(result)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=40)
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--config", default="tiny", help="model architecture (random weights)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--folder", type=Path, help="keep the shoot here (reused next time)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-model-stage-") as scratch:
        folder = args.folder or Path(scratch) / "shoot"
        folder.mkdir(parents=True, exist_ok=True)
        make_shoot(folder, args.photos, SIZES[args.size], args.workers)
        weights, config, said = weights_for(args.config, Path(scratch))
        print(f"{args.photos} photos, {SIZES[args.size]} MP, {said}, {args.workers} workers")
        print("load average at the start: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
        times: dict[str, list[list[float]]] = {way: [] for way in STAGES}
        results: dict[str, list] = {}
        runs = 0
        for round_ in range(args.rounds):
            order = list(STAGES) if round_ % 2 == 0 else list(reversed(STAGES))
            for way in order:
                runs += 1
                options = CullOptions(
                    scorer="fgaesq",
                    weights=weights,
                    device="cpu",
                    workers=args.workers,
                    catalog_path=Path(scratch) / f"catalog-{runs}.sqlite3",
                )
                with stage_of(way):
                    seconds, results[way] = cull(folder, options)
                times[way].append(seconds)
                print(
                    f"  {way:>10}: first FGAesQ series {seconds[0]:7.1f} s, card read "
                    f"{seconds[1]:7.1f} s, end {seconds[2]:7.1f} s, model waited "
                    f"{seconds[3]:5.1f} s"
                )
        print(
            f"model {config}; medians over {args.rounds} rounds "
            "(whole card, no ahead, stretches; ratios against stretches):"
        )
        moments = ("first FGAesQ series", "card read", "end of the cull", "model waited")
        for k, what in enumerate(moments):
            whole, behind, streamed = (
                statistics.median(t[k] for t in times[way]) for way in STAGES
            )
            ratios = (
                f"({whole / streamed:5.2f}x, {behind / streamed:5.2f}x)" if streamed > 0 else ""
            )
            print(f"  {what:>20}: {whole:7.1f} s, {behind:7.1f} s, {streamed:7.1f} s {ratios}")
        print("load average at the end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
        same = results["whole card"] == results["no ahead"] == results["stretches"]
        print(f"  same series, ranks and scores: {'yes' if same else 'NO'}")
        return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
