"""Speed never changes a result: the same folder gives the same series, kinds, scores and
picks whether it is read inline or by worker processes, culled afresh, rerun unchanged
(stored series and scores reused), or rerun after one file changed."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from cull_helpers import SAMPLES

import fgaesq_core
from app.options import CullOptions
from app.pipeline import run_cull
from app.scoring.fgaesq import FGAesQScorer
from fgaesq_core.testing import single_thread

CHOSEN = ("coffee_0", "portrait_", "coffee_bracket_", "hubble")


def outcome(result) -> list[tuple]:
    return [
        (
            s.kind,
            s.pick_reason,
            s.best.path,
            tuple((m.path, m.rank, round(m.score, 3), m.closed_eyes) for m in s.members),
        )
        for s in result.series
    ]


def test_inline_pool_fresh_cached_and_partly_changed_runs_agree(tmp_path: Path):
    folder = tmp_path / "shoot"
    folder.mkdir()
    for path in sorted(SAMPLES.glob("*.jpg")):
        if path.name.startswith(CHOSEN):
            shutil.copy2(path, folder / path.name)

    def cull(catalog: str, workers: int):
        options = CullOptions(scorer="technical", catalog_path=tmp_path / catalog, workers=workers)
        return run_cull(folder, options)

    inline = cull("inline.sqlite3", 1)
    pooled = cull("pooled.sqlite3", 2)
    rerun = cull("pooled.sqlite3", 2)
    assert rerun.stats.decoded == 0 and rerun.stats.scored == 0
    touched = folder / "coffee_02.jpg"
    os.utime(touched, ns=(touched.stat().st_atime_ns, touched.stat().st_mtime_ns + 10**9))
    partly = cull("pooled.sqlite3", 2)
    assert partly.stats.decoded > 0 and partly.stats.cached > 0
    assert len(inline.series) >= 4
    assert outcome(inline) == outcome(pooled) == outcome(rerun) == outcome(partly)


@pytest.fixture(scope="module")
def tiny_weights(tmp_path_factory):
    path = tmp_path_factory.mktemp("weights") / "tiny.safetensors"
    fgaesq_core.save_checkpoint(fgaesq_core.create_model(config="tiny", pretrained=None), path)
    return path


def one_series_at_a_time(self, series):
    """``rank_many`` as a scorer that ranks each series on its own would do it."""
    for key, frames in series:
        yield key, self.rank_series(frames)


@pytest.mark.parametrize("mode", ["pairwise", "reference"])
def test_fgaesq_series_batched_together_agree_with_one_series_at_a_time(
    tmp_path: Path, monkeypatch, tiny_weights, mode
):
    """Forward passes filled from several series give every series the scores, ranks and pick
    it gets when scored on its own (the same content-seeded draws, averaged in the same order);
    fp32 sums over batches of other sizes may differ in the last bits only."""
    folder = tmp_path / "shoot"
    folder.mkdir()
    for path in sorted(SAMPLES.glob("*.jpg")):
        if path.name.startswith(CHOSEN):
            shutil.copy2(path, folder / path.name)
    passes: list[int] = []
    forward = fgaesq_core.Scorer._forward

    def counted(self, batch):
        passes.append(len(batch))
        return forward(self, batch)

    monkeypatch.setattr(fgaesq_core.Scorer, "_forward", counted)

    def cull(name: str, batch_size: int):
        monkeypatch.setitem(fgaesq_core.device.BATCH_SIZES, "cpu", batch_size)
        passes.clear()
        options = CullOptions(
            scorer="fgaesq",
            weights=str(tiny_weights),
            device="cpu",
            series_mode=mode,
            faces=False,
            catalog_path=tmp_path / f"{name}.sqlite3",
            workers=1,
        )
        result = run_cull(folder, options)
        return result, list(passes)

    with single_thread(), monkeypatch.context() as alone:
        alone.setattr(FGAesQScorer, "rank_many", one_series_at_a_time)  # no cross-series batching
        one_by_one, separate = cull("alone", 7)
        alone.undo()
        together, mixed = cull("together", 7)
        # several whole series per pass (one mode is enough: the plumbing is the same)
        wide = cull("wide", 64)[0] if mode == "pairwise" else together

    assert len(one_by_one.series) >= 4 and max(len(s.members) for s in one_by_one.series) >= 4
    assert sum(separate) == sum(mixed)  # the same token sets ...
    assert all(n == 7 for n in mixed[:-1])  # ... in full passes that run across series
    assert len(mixed) < len(separate)
    assert together.stats.scored == one_by_one.stats.scored == len(list(folder.glob("*.jpg")))
    for result in (together, wide):
        assert picks(result) == picks(one_by_one)
        got = [m.score for s in result.series for m in s.members]
        want = [m.score for s in one_by_one.series for m in s.members]
        # scores are reported to 4 decimals: float sums in another order may round a last
        # digit the other way
        assert got == pytest.approx(want, abs=1.01e-4)


def picks(result) -> list[tuple]:
    """Series, ranks and picks (everything but the exact scores)."""
    return [
        (s.kind, s.pick_reason, s.best.path, tuple((m.path, m.rank) for m in s.members))
        for s in result.series
    ]
