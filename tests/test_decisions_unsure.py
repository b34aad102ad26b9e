"""A burst whose pick is worth a second look gets its pick but no automatic rejects: the
frame that should have been picked is then too likely among the others to reject or move."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_catalog import photo_info

from app.catalog import Catalog, Flag
from app.catalog.records import UNDECIDED
from app.options import XmpScheme
from app.pipeline.decisions import apply_series_decisions, automatic_flags
from app.scoring.confidence import SURE

RANKED = [(1, UNDECIDED), (2, UNDECIDED), (3, UNDECIDED)]


@pytest.mark.parametrize("scheme", [XmpScheme.REJECT_OTHERS, XmpScheme.SUGGEST_REJECT])
def test_an_unsure_pick_rejects_nothing_and_a_sure_one_rejects_the_others(scheme: XmpScheme):
    def flags(confidence: float | None) -> list[Flag]:
        wanted = automatic_flags(RANKED, "burst", "", scheme, confidence=confidence)
        return [wanted[pid] for pid, _state in RANKED]

    assert flags(SURE - 0.01) == [Flag.PICK, Flag.NONE, Flag.NONE]
    assert flags(0.1) == [Flag.PICK, Flag.NONE, Flag.NONE]
    assert flags(SURE) == [Flag.PICK, Flag.REJECT, Flag.REJECT]
    assert flags(None) == [Flag.PICK, Flag.REJECT, Flag.REJECT]  # a scorer without confidence


def test_an_earlier_automatic_reject_is_taken_back_when_the_pick_becomes_unsure(tmp_path: Path):
    """The window and a rerun apply the same rule: a series rescored as unsure loses the
    automatic rejects an earlier sure ranking gave its other frames."""
    with Catalog(tmp_path / "c.sqlite3") as catalog:
        ids = catalog.upsert_photos([photo_info(tmp_path, f"IMG_{k}.jpg") for k in range(3)])
        apply_series_decisions(catalog, ids, "burst", XmpScheme.REJECT_OTHERS, confidence=0.95)
        assert [catalog.decision(i).flag for i in ids] == [Flag.PICK, Flag.REJECT, Flag.REJECT]
        apply_series_decisions(catalog, ids, "burst", XmpScheme.REJECT_OTHERS, confidence=0.4)
        assert [catalog.decision(i).flag for i in ids] == [Flag.PICK, Flag.NONE, Flag.NONE]
