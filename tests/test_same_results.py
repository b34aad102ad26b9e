"""Speed never changes a result: the same folder gives the same series, kinds, scores and
picks whether it is read inline or by worker processes, culled afresh, rerun unchanged
(stored series and scores reused), or rerun after one file changed."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from cull_helpers import SAMPLES

from app.options import CullOptions
from app.pipeline import run_cull

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
