"""Which frames of a burst the cheap signals already rule out of FGAesQ's cascade.

The cascade (``fgaesq_core.cascade``) spends the model's passes on the frames that could be
the pick.  A frame is ruled out, before any pass, when

* someone's eyes are closed in it while another frame has faces and no closed eyes (the pick
  would pass it over anyway: ``app.faces.choose_pick``);
* it is severely blurred or blown out against the burst (the technical scorer's burst
  verdicts, :mod:`app.scoring.burst`);
* it is far below the burst on the technical score (its total cost, in stops, against the
  best frame's).

At least ``keep`` frames stay: when fewer would, those with the smallest technical costs
come back.
The thresholds were chosen by the prefilter's recall of the expected pick on the tuning
bursts of ``benchmarks/bench_cost.py`` (docs/model.md, "Series ranking: the cascade").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.scoring.burst import judge_burst
from app.scoring.technical import TechnicalMeasures


@dataclass(frozen=True)
class PrefilterRule:
    far_stops: float = 3.0  # total cost beyond the best frame's
    severe_blur: float = 2.0  # stops of detail lost against the sharpest frame
    severe_highlights: float = 0.05  # extra blown-out fraction of the frame
    keep: int = 2  # frames that always stay, smallest costs first


def rule_out(
    measures: Sequence[TechnicalMeasures],
    eyes: Sequence[Sequence[str] | None] | None = None,
    rule: PrefilterRule = PrefilterRule(),
) -> tuple[list[bool], list[float]]:
    """(per frame: ruled out?, the technical cost in stops, lower is better).

    ``eyes``: per frame, the eye states of its faces (``"open"``, ``"closed"``,
    ``"unknown"``), None where faces were not analysed.
    """
    count = len(measures)
    if count < 2:
        return [False] * count, [0.0] * count
    verdicts = judge_burst([m.frame for m in measures], [m.iso for m in measures])
    costs = [v.cost for v in verdicts]
    best = min(costs)
    out = [
        v.cost - best >= rule.far_stops
        or v.blur >= rule.severe_blur
        or v.highlights >= rule.severe_highlights
        for v in verdicts
    ]
    if eyes is not None:
        closed = [states is not None and "closed" in states for states in eyes]
        open_elsewhere = [
            states is not None and len(states) > 0 and "closed" not in states for states in eyes
        ]
        if any(open_elsewhere):
            out = [o or c for o, c in zip(out, closed, strict=True)]
    for k in sorted((i for i in range(count) if out[i]), key=lambda i: costs[i]):
        if out.count(False) >= min(rule.keep, count):
            break
        out[k] = False  # too few left: the smallest costs come back
    return out, costs
