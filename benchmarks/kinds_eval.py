"""Series kinds and grouping on shoots from generators the rules were not made on.

Each generator of ``kinds_generators.py`` makes a shoot (210 hand-held bursts in seven
variants, 40 focus stacks, 40 panoramas, 60 exposure brackets with their EXIF, with exposure
settings only or with every exposure tag stripped, and 30 brackets stripped of their tags as
cameras shoot them: ``stripped_real``, see ``kinds_generators.stripped_bracket``), laid out in
time as a photographer would shoot it: most sequences after a pause, some started right
after the one before with another scene.  The pipeline's own steps then run on it: the grouping thumbnail and focus map of each
frame, ``group_series``, ``assign_kinds``.  Printed per generator:

* per true kind and variant, what the series became: ``burst``, ``burst`` flagged
  ``possible <kind>``, a kind kept whole, or ``split`` (the sequence spread over several
  series);
* the false-positive rate on hand-held bursts: bursts any frame of which ended up in a series
  kept whole, and (separately) bursts flagged as a possible kind;
* the recall on stacks, panoramas and brackets (kept whole, or at least flagged);
* grouping's pairwise F1 of "same series" over the shoot, and over the burst variant whose
  last frames are over-exposed or noisy.

    python benchmarks/kinds_eval.py                 # the tuning generator and the held-out ones
    python benchmarks/kinds_eval.py --generator field --seed 7

The rules were tuned on ``lab`` (seed 1) only; ``field`` and ``leaves`` are reported.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import kinds_generators as kg  # noqa: E402

from app.grouping import GroupingParams, GroupItem, group_series, make_thumbnail  # noqa: E402
from app.series_kinds import KindEvidence, assign_kinds, focus_map  # noqa: E402

BACK_TO_BACK = 0.3  # share of sequences started right after the previous one


def lay_out(sequences: list[kg.Sequence], seed: int) -> list[tuple[int, kg.Frame, float]]:
    """(sequence number, frame, capture time) of the whole shoot, in capture order."""
    rng = np.random.default_rng(seed + 10_000)
    clock, out = 0.0, []
    for number, sequence in enumerate(sequences):
        # right after the previous sequence only with another photograph: two crops of one
        # photograph back to back are one scene to anyone
        other = number == 0 or sequences[number - 1].scene != sequence.scene
        clock += (
            float(rng.uniform(0.4, 1.5))
            if rng.random() < BACK_TO_BACK and other
            else float(rng.uniform(6, 40))
        )
        for frame in sequence.frames:
            out.append((number, frame, clock + frame.seconds))
        clock += sequence.frames[-1].seconds
    return out


def run_pipeline(stream):
    """Grouping and kinds as the pipeline runs them: (series, per-frame sequence number)."""
    items, evidence = [], []
    for k, (_number, frame, seconds) in enumerate(stream):
        thumb = make_thumbnail(frame.image)
        items.append(GroupItem(f"f{k:05d}", "A", seconds, thumb))
        evidence.append(
            KindEvidence(
                seconds=seconds,
                camera="A",
                thumbnail=thumb,
                exposure_bias=frame.exposure_bias,
                exposure_seconds=frame.exposure_seconds,
                f_number=frame.f_number,
                iso=frame.iso,
                subject_distance=frame.subject_distance,
                auto_bracket=frame.auto_bracket,
                focus=focus_map(frame.image),
            )
        )
    params = GroupingParams()
    grouped = group_series(items, params)
    return grouped, assign_kinds(grouped, evidence, params.max_gap)


def outcome(pieces) -> str:
    """What one true sequence became."""
    if len(pieces) > 1:
        kept = sorted({p.kind for p in pieces if p.protected})
        return "split" + (f" ({'/'.join(kept)})" if kept else "")
    (piece,) = pieces
    possible = getattr(piece, "possible", None)
    return f"{piece.kind} (possible {possible})" if possible else piece.kind


def pairwise_f1(truth: list[int], predicted: list[int], among=None) -> float:
    """F1 of "same series" over all pairs of frames (``among``: pairs touching these)."""
    hits = same_pred = same_true = 0
    for a, b in combinations(range(len(truth)), 2):
        if among is not None and not (among[a] or among[b]):
            continue
        p, t = predicted[a] == predicted[b], truth[a] == truth[b]
        hits += p and t
        same_pred += p
        same_true += t
    precision, recall = hits / max(same_pred, 1), hits / max(same_true, 1)
    return 2 * precision * recall / max(precision + recall, 1e-12)


def evaluate(name: str, seed: int) -> dict:
    gen = kg.GENERATORS[name]
    started = time.perf_counter()
    sequences = kg.shoot(gen, seed)
    stream = lay_out(sequences, seed)
    made = time.perf_counter() - started
    grouped, kinded = run_pipeline(stream)
    truth = [number for number, _, _ in stream]
    final = [0] * len(stream)
    for n, piece in enumerate(kinded):
        for i in piece.members:
            final[i] = n
    by_sequence = defaultdict(list)
    for piece in kinded:
        for number in {truth[i] for i in piece.members}:
            by_sequence[number].append(piece)
    table: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for number, sequence in enumerate(sequences):
        table[(sequence.kind, sequence.variant)][outcome(by_sequence[number])] += 1
    tail = [sequences[n].variant == "last_over_or_noisy" for n in truth]
    bursts_only = [sequences[n].kind == "burst" for n in truth]
    grouping_only = [0] * len(stream)
    for n, members in enumerate(grouped):
        for i in members:
            grouping_only[i] = n
    return {
        "table": table,
        "frames": len(stream),
        "f1": pairwise_f1(truth, final),
        "f1_bursts": pairwise_f1(truth, grouping_only, among=bursts_only),
        "f1_tail": pairwise_f1(truth, grouping_only, among=tail),
        "seconds": (made, time.perf_counter() - started - made),
    }


def summary(result: dict) -> dict[str, tuple[int, int]]:
    """(count, total) per headline figure."""
    table = result["table"]
    out = {}
    bursts = [c for (kind, _), c in table.items() if kind == "burst"]
    total = sum(sum(c.values()) for c in bursts)
    kept = sum(n for c in bursts for o, n in c.items() if _kept_whole(o))
    flagged = sum(n for c in bursts for o, n in c.items() if "possible" in o)
    out["bursts kept whole (false positives)"] = (kept, total)
    out["bursts flagged possible"] = (flagged, total)
    for kind in ("focus_stack", "panorama", "bracket"):
        rows = {v: c for (k, v), c in table.items() if k == kind}
        for variant, c in sorted(rows.items()):
            n = sum(c.values())
            out[f"{kind} {variant}: kept whole"] = (c[kind], n)
            out[f"{kind} {variant}: kept whole or flagged"] = (
                c[kind] + sum(v for o, v in c.items() if f"possible {kind}" in o),
                n,
            )
    return out


def _kept_whole(text: str) -> bool:
    return text.split(" ")[0] in ("bracket", "panorama", "focus_stack") or text.startswith(
        "split ("
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generator", choices=sorted(kg.GENERATORS), action="append")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    names = args.generator or [kg.TUNING, *kg.HELD_OUT]
    results = {}
    for name in names:
        result = evaluate(name, args.seed)
        results[name] = result
        role = "tuning" if name == kg.TUNING else "held out"
        made, ran = result["seconds"]
        print(
            f"\n== {name} ({role}), seed {args.seed}: {result['frames']} frames "
            f"(generated in {made:.0f} s, grouped and kinded in {ran:.1f} s)"
        )
        for (kind, variant), counts in sorted(result["table"].items()):
            cells = ", ".join(f"{o} {n}" for o, n in counts.most_common())
            print(f"  {kind:11s} {variant:21s} {cells}")
        print(
            f"  grouping F1: whole shoot {result['f1']:.3f}, bursts {result['f1_bursts']:.3f}, "
            f"bursts with over-exposed/noisy last frames {result['f1_tail']:.3f}"
        )
    print("\n" + " | ".join(["figure", *names]))
    figures = {name: summary(r) for name, r in results.items()}
    for key in figures[names[0]]:
        cells = []
        for name in names:
            count, total = figures[name].get(key, (0, 0))
            cells.append(f"{count}/{total}")
        print(" | ".join([key, *cells]))
    for key in ("f1", "f1_bursts", "f1_tail"):
        print(" | ".join([f"grouping {key}", *(f"{results[n][key]:.3f}" for n in names)]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
