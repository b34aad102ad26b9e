"""A second blind check of the whole command, on a shoot written by ``street_bursts.py``.

The generator shares no code, parameters or scenes with the generators the scorer, grouping
and kinds were tuned or reported on.  This script runs the real command on the folder
(``python -m app.cli FOLDER --model technical --json OUT --db <temporary catalog> --quiet``,
from the repository root), checks by hashing that no file of the folder changed, and reads
the JSON:

- best frame: the series holding a scored burst's clean frame picks it (and holds at least
  one more frame of the burst); overall, per defect, per scene and per frame size;
- grouping: pairwise F1 of "same sequence" over every frame of the shoot, and over the
  pairs touching a burst with exposure or noise defects (under, over, noise, meter drift);
- kinds: hand-held bursts (scored and meter drift) kept whole as anything but a burst, and
  flagged possible; true brackets kept whole; stripped brackets kept or flagged as brackets;
- confidence: a reliability table, and the share right among confidence >= 0.8.

    python benchmarks/street_eval.py --seed 1 --bursts 80 --work /tmp/street --save /tmp/street1.json

The shoot is written once per seed and size under ``--work`` and reused.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import street_bursts  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
EDGES = (0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 1.0)
HAND_HELD = {"burst", "ae_drift"}
EXPOSURE_OR_NOISE = {"under", "over", "noise"}


def written_shoot(work: Path, seed: int, bursts: int) -> tuple[Path, dict, float]:
    folder = work / f"street_s{seed}_b{bursts}"
    truth_file = Path(f"{folder}.truth.json")
    if truth_file.exists():
        return folder, json.loads(truth_file.read_text()), 0.0
    begun = time.perf_counter()
    truth = street_bursts.write_shoot(folder, seed, bursts)
    return folder, truth, time.perf_counter() - begun


def fingerprint(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def run_command(folder: Path, scratch: Path) -> tuple[dict, float]:
    out = scratch / "result.json"
    argv = [sys.executable, "-m", "app.cli", str(folder), "--model", "technical"]
    argv += ["--json", str(out), "--db", str(scratch / "cull.db"), "--quiet"]
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"}
    begun = time.perf_counter()
    done = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True)
    took = time.perf_counter() - begun
    if done.returncode != 0:
        raise SystemExit(f"app.cli exited {done.returncode}: {done.stderr[-1500:]}")
    return json.loads(out.read_text()), took


class Result:
    """The command's series, looked up by frame name."""

    def __init__(self, document: dict):
        self.series = {s["id"]: s for s in document["series"]}
        self.of = {m["path"]: s["id"] for s in document["series"] for m in s["members"]}

    def series_of(self, frames: list[str]) -> list[dict]:
        ids = dict.fromkeys(self.of.get(f) for f in frames)
        return [self.series[i] for i in ids if i is not None]


def fraction(hits: list[bool]) -> list[int]:
    return [int(sum(hits)), len(hits)]


def pairwise_f1(sequences: list[dict], result: Result, within: list[dict] | None = None):
    """F1 of "same sequence" over frame pairs; with ``within``, only pairs touching those
    sequences' frames (both truths and the command's series are read over the whole shoot)."""
    truth_of = {f: k for k, q in enumerate(sequences) for f in q["frames"]}
    focus = {f for q in (within if within is not None else sequences) for f in q["frames"]}
    if not focus:
        return None
    frames = sorted(truth_of)
    tp = fp = fn = 0
    for i, a in enumerate(frames):
        for b in frames[i + 1 :]:
            if a not in focus and b not in focus:
                continue
            same_truth = truth_of[a] == truth_of[b]
            same_found = result.of.get(a) is not None and result.of.get(a) == result.of.get(b)
            tp += same_truth and same_found
            fp += same_found and not same_truth
            fn += same_truth and not same_found
    return round(2 * tp / (2 * tp + fp + fn), 4) if tp + fp + fn else 1.0


def split_report(sequences: list[dict], result: Result) -> list[dict]:
    """Sequences not held as exactly one series: the sizes of the parts, and whether a part
    took frames of another sequence."""
    members = defaultdict(set)
    for f, i in result.of.items():
        members[i].add(f)
    cuts = []
    for q in sequences:
        ids = [result.of.get(f) for f in q["frames"]]
        parts = Counter(ids)
        joined = any(members[i] - set(q["frames"]) for i in parts if i is not None)
        if len(parts) > 1 or joined:
            cuts.append(
                {
                    "kind": q["kind"],
                    "scene": q["scene"],
                    "defect": q["defect"],
                    "first": q["frames"][0],
                    "parts": list(parts.values()),
                    "joined_with_others": joined,
                    "evs": q["evs"],
                }
            )
    return cuts


def best_frames(sequences: list[dict], result: Result) -> dict:
    hits, per_defect, per_scene, per_size, per_strength, sure = (
        [],
        defaultdict(list),
        defaultdict(list),
        defaultdict(list),
        defaultdict(list),
        [],
    )
    misses = []
    for q in sequences:
        if q["kind"] != "burst":
            continue
        holding = result.series_of([q["clean"]])
        s = holding[0] if holding else None
        kept = s is not None and sum(result.of.get(f) == s["id"] for f in q["frames"]) >= 2
        right = bool(kept and s["best"] == q["clean"])
        hits.append(right)
        per_defect[q["defect"]].append(right)
        per_scene[q["scene"]].append(right)
        per_size["6 MP" if q["size"][0] * q["size"][1] > 4e6 else "1-2 MP"].append(right)
        if q["defect"] in EXPOSURE_OR_NOISE:
            per_strength[strength(q)].append(right)
        confidence = s.get("confidence") if s else None
        sure.append((confidence, right))
        if not right:
            picked = s["best"] if s else None
            shot = q["shots"][q["frames"].index(picked)] if picked in q["frames"] else None
            misses.append(
                {
                    "scene": q["scene"],
                    "defect": q["defect"],
                    "clean": q["clean"],
                    "picked": picked,
                    "picked_shot": shot,
                    "kind": s["kind"] if s else None,
                    "confidence": confidence,
                }
            )
    return {
        "best_frame": fraction(hits),
        "per_defect": {k: fraction(v) for k, v in sorted(per_defect.items())},
        "per_scene": {k: fraction(v) for k, v in sorted(per_scene.items())},
        "per_size": {k: fraction(v) for k, v in sorted(per_size.items())},
        "per_strength": {k: fraction(v) for k, v in sorted(per_strength.items())},
        "calibration": calibration(sure),
        "misses": misses,
    }


def strength(q: dict) -> str:
    """The burst's closest competitor to the clean frame: the smallest exposure error (under,
    over) or the lowest ISO (noise), in two bands."""
    others = [
        shot for name, shot in zip(q["frames"], q["shots"], strict=True) if name != q["clean"]
    ]
    if q["defect"] == "noise":
        return f"noise ISO {'<= 3200' if min(shot['iso'] for shot in others) <= 3200 else '> 3200'}"
    least = min(abs(shot["ev"]) for shot in others)
    return f"{q['defect']} {'< 1 stop' if least < 0.99 else '>= 1 stop'}"


def calibration(pairs: list[tuple[float | None, bool]]) -> dict:
    table = []
    for lo, hi in zip(EDGES, EDGES[1:], strict=False):
        inside = [
            r for c, r in pairs if c is not None and (lo <= c < hi or (hi == 1.0 and c == 1.0))
        ]
        table.append(
            {"range": f"{lo:.2f}-{hi:.2f}", "series": len(inside), "right": int(sum(inside))}
        )
    return {
        "table": table,
        "at_least_0.8": fraction([r for c, r in pairs if c is not None and c >= 0.8]),
        "below_0.8_or_none": fraction([r for c, r in pairs if c is None or c < 0.8]),
        "without_confidence": sum(c is None for c, _ in pairs),
    }


def kinds(sequences: list[dict], result: Result) -> dict:
    def whole(q, kind):
        found = result.series_of(q["frames"])
        held = all(result.of.get(f) == found[0]["id"] for f in q["frames"]) if found else False
        return held and found[0]["kind"] == kind

    def called(q, kind):
        return any(
            s["kind"] == kind or s.get("possible_kind") == kind
            for s in result.series_of(q["frames"])
        )

    hand = [q for q in sequences if q["kind"] in HAND_HELD]
    protected = [
        q
        for q in hand
        if any(s["kind"] not in ("burst", "single") for s in result.series_of(q["frames"]))
    ]
    possible = [
        q for q in hand if any(s.get("possible_kind") for s in result.series_of(q["frames"]))
    ]
    brackets = [q for q in sequences if q["kind"] == "bracket"]
    stripped = [q for q in sequences if q["kind"] == "stripped_bracket"]
    return {
        "hand_held_kept_whole": [len(protected), len(hand)],
        "hand_held_flagged_possible": [len(possible), len(hand)],
        "drift_kept_whole": fraction([q in protected for q in hand if q["kind"] == "ae_drift"]),
        "drift_flagged_possible": fraction(
            [q in possible for q in hand if q["kind"] == "ae_drift"]
        ),
        "brackets_kept_whole": fraction([whole(q, "bracket") for q in brackets]),
        "stripped_kept_or_flagged": fraction([called(q, "bracket") for q in stripped]),
        "stripped_kept_whole": fraction([whole(q, "bracket") for q in stripped]),
        "protected_hand_held": [
            {
                "kind": q["kind"],
                "scene": q["scene"],
                "defect": q["defect"],
                "first": q["frames"][0],
                "called": sorted({s["kind"] for s in result.series_of(q["frames"])}),
            }
            for q in protected
        ],
        "possible_hand_held": [
            {
                "kind": q["kind"],
                "defect": q["defect"],
                "first": q["frames"][0],
                "possible": sorted(
                    {s.get("possible_kind") or "" for s in result.series_of(q["frames"])} - {""}
                ),
            }
            for q in possible
        ],
        "stripped_called": [
            {
                "strip": q["extra"].get("strip"),
                "first": q["frames"][0],
                "called": [
                    (s["kind"], s.get("possible_kind")) for s in result.series_of(q["frames"])
                ],
            }
            for q in stripped
        ],
    }


def measure(truth: dict, document: dict) -> dict:
    sequences = truth["sequences"]
    result = Result(document)
    exposed = [
        q
        for q in sequences
        if q["kind"] == "ae_drift" or (q["kind"] == "burst" and q["defect"] in EXPOSURE_OR_NOISE)
    ]
    return {
        **best_frames(sequences, result),
        "grouping_f1": pairwise_f1(sequences, result),
        "grouping_f1_exposure_or_noise": pairwise_f1(sequences, result, exposed),
        "grouping_cuts": split_report(sequences, result),
        "kinds": kinds(sequences, result),
    }


def text(pair: list[int]) -> str:
    return f"{pair[0]}/{pair[1]} ({pair[0] / pair[1]:.3f})" if pair[1] else "0/0"


def print_report(m: dict, seconds: dict) -> None:
    print(f"best frame {text(m['best_frame'])}")
    for name in ("per_defect", "per_scene", "per_size", "per_strength"):
        print(f"  {name}: " + "; ".join(f"{k} {text(v)}" for k, v in m[name].items()))
    print(
        f"grouping pairwise F1 {m['grouping_f1']}; exposure/noise bursts {m['grouping_f1_exposure_or_noise']}"
    )
    for cut in m["grouping_cuts"]:
        print(f"  cut: {cut}")
    k = m["kinds"]
    print(
        f"kinds: hand-held kept whole {text(k['hand_held_kept_whole'])}, flagged possible "
        f"{text(k['hand_held_flagged_possible'])} (meter drift: kept {text(k['drift_kept_whole'])}, "
        f"flagged {text(k['drift_flagged_possible'])}); brackets kept whole {text(k['brackets_kept_whole'])}; "
        f"stripped brackets kept or flagged {text(k['stripped_kept_or_flagged'])}"
    )
    for q in k["protected_hand_held"]:
        print(f"  kept whole: {q}")
    for q in k["stripped_called"]:
        print(f"  stripped: {q}")
    c = m["calibration"]
    print("confidence    series  right")
    for row in c["table"]:
        share = f"{row['right'] / row['series']:.3f}" if row["series"] else "-"
        print(f"  {row['range']}  {row['series']:6d}  {share}")
    print(
        f"  >= 0.8 right {text(c['at_least_0.8'])}; below 0.8 or none {text(c['below_0.8_or_none'])}"
    )
    for miss in m["misses"]:
        print(f"  miss: {miss}")
    print("seconds: " + ", ".join(f"{k} {v:.0f}" for k, v in seconds.items()))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bursts", type=int, default=80)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--save", type=Path, help="write the measurements here as JSON")
    parser.add_argument(
        "--keep", type=Path, help="keep the command's JSON here; read it instead when it exists"
    )
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    folder, truth, generated = written_shoot(args.work, args.seed, args.bursts)
    frames = sum(len(q["frames"]) for q in truth["sequences"])
    print(f"{folder}: {len(truth['sequences'])} sequences, {frames} frames")
    if args.keep and args.keep.exists():
        document, culled = json.loads(args.keep.read_text()), 0.0
    else:
        before = fingerprint(folder)
        with tempfile.TemporaryDirectory() as scratch:
            document, culled = run_command(folder, Path(scratch))
        if fingerprint(folder) != before:
            print("the command changed files in the folder", file=sys.stderr)
            return 1
        print("the folder's files are unchanged (SHA-256 before and after)")
        if args.keep:
            args.keep.write_text(json.dumps(document))
    measured = measure(truth, document)
    seconds = {"generate": generated, "cull": culled}
    print_report(measured, seconds)
    if args.save:
        measured |= {"seed": args.seed, "bursts": args.bursts, "frames": frames, "seconds": seconds}
        args.save.write_text(json.dumps(measured, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
