"""Brackets stripped of their exposure tags, as a camera shoots them (its tone curve,
hand-held, 2 EV steps): flagged as possible brackets by their pixels alone."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from app.grouping import make_thumbnail
from app.series_kinds import KindEvidence, focus_map, split_kinds

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import kinds_generators  # noqa: E402


def stripped_bracket(seed: int) -> list[KindEvidence]:
    """The kinds benchmark's tuning generator's stripped bracket (``stripped_real``)."""
    sequence = kinds_generators.stripped_bracket(
        kinds_generators.GENERATORS["lab"], np.random.default_rng(seed)
    )
    return [
        KindEvidence(
            seconds=frame.seconds,
            thumbnail=make_thumbnail(frame.image),
            focus=focus_map(frame.image),
        )
        for frame in sequence.frames
    ]


@pytest.mark.parametrize(
    "seed", [4, 6], ids=["+4/+2/0/-2/-4 EV, descending", "base three times, then 0/-2/+2"]
)
def test_a_stripped_2_ev_bracket_through_a_camera_curve_is_a_possible_bracket(seed):
    """Neighbours 2.1-2.3 EV apart: the curve's toe and shoulder move the detail against the
    contrast by more than twice, as a blur would; the allowance grows with the distance."""
    frames = stripped_bracket(seed)
    (piece,) = split_kinds(range(len(frames)), frames)
    assert piece.kind == "burst" and piece.possible == "bracket" and not piece.protected
