"""A blind check of the whole command on a shoot from ``darkroom_bursts.py``.

The generator shares no code, parameters or photographs with the generators the scorer,
grouping and kinds were tuned or reported on; this script only runs the real command
(``python -m app.cli FOLDER --model technical --json ... --db <temporary catalog>``, no
sidecars: nothing is written into the folder, which is checked) and reads its JSON:

- best frame: the clean frame is the pick of the series holding it; overall, per defect
  and per scene type (bursts kept whole count by the frame they would have picked);
- grouping: pairwise F1 of "same series" over every frame; and over the bursts whose other
  frames are over-exposed or noisy;
- kinds: hand-held bursts (the scored ones and those with exposure drift) called anything
  but a burst (kept whole), and flagged possible; brackets and focus stacks kept whole (or
  flagged); stripped brackets flagged;
- confidence: reliability per bin, and the share right among confidence >= 0.8.

    python benchmarks/darkroom_eval.py --seed 1 --bursts 100 --save /tmp/darkroom1.json

The shoot is written once per seed and size into ``--work`` (default: the temporary folder)
and reused.
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
from collections import defaultdict
from itertools import combinations
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import darkroom_bursts  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BINS = (0.0, 0.2, 0.4, 0.6, 0.8, 0.9, 0.95, 1.0001)
HAND_HELD = ("burst", "ae_drift")


def shoot(work: Path, seed: int, bursts: int) -> tuple[Path, dict, float]:
    folder = work / f"darkroom_seed{seed}_n{bursts}"
    truth_path = Path(str(folder) + ".truth.json")
    if truth_path.exists():
        return folder, json.loads(truth_path.read_text()), 0.0
    start = time.perf_counter()
    truth = darkroom_bursts.write_shoot(folder, seed, bursts)
    return folder, truth, time.perf_counter() - start


def snapshot(folder: Path) -> dict:
    return {
        p.name: (p.stat().st_size, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(folder.iterdir())
    }


def cull(folder: Path, out: Path) -> tuple[dict, float]:
    command = [sys.executable, "-m", "app.cli", str(folder), "--model", "technical"]
    command += ["--json", str(out / "cull.json"), "--db", str(out / "catalog.db"), "--quiet"]
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"the command failed ({done.returncode}): {done.stderr[-2000:]}")
    return json.loads((out / "cull.json").read_text()), seconds


def evaluate(truth: dict, result: dict) -> dict:
    series_of, series = {}, {}
    for s in result["series"]:
        series[s["id"]] = s
        for m in s["members"]:
            series_of[m["path"]] = s["id"]
    seqs = truth["sequences"]
    picks, by_defect, by_scene, by_size, confidence = (
        [],
        defaultdict(list),
        defaultdict(list),
        defaultdict(list),
        [],
    )
    for seq in seqs:
        if seq["kind"] != "burst":
            continue
        s = series.get(series_of.get(seq["clean"]), {"id": None, "best": None, "confidence": None})
        held = sum(series_of.get(f) == s["id"] for f in seq["frames"])
        right = s["best"] == seq["clean"] and held >= 2  # alone, the clean frame is no pick
        picks.append(right)
        by_defect[seq["defect"]].append(right)
        by_scene[seq["scene"]].append(right)
        by_size[f"{seq['size'][0] * seq['size'][1] / 1e6:.0f} MP"].append(right)
        confidence.append((s["confidence"], right, s["best"], seq))
    kinds = kind_counts(seqs, series, series_of)
    return {
        "best_frame": ratio(picks),
        "by_defect": {k: ratio(v) for k, v in sorted(by_defect.items())},
        "by_scene": {k: ratio(v) for k, v in sorted(by_scene.items())},
        "by_size": {k: ratio(v) for k, v in sorted(by_size.items())},
        "grouping_f1": pairwise_f1(seqs, series_of),
        "grouping_f1_over_or_noisy": pairwise_f1(
            [q for q in seqs if q["kind"] == "burst" and q["defect"] in ("over", "noise")],
            series_of,
        ),
        "grouping_errors": grouping_errors(seqs, series_of),
        "kinds": kinds,
        "reliability": reliability(confidence),
        "misses": [
            {
                "scene": q["scene"],
                "defect": q["defect"],
                "clean": q["clean"],
                "picked": picked,
                "confidence": c,
            }
            for c, right, picked, q in confidence
            if not right
        ],
    }


def ratio(values: list[bool]) -> list[int]:
    return [sum(values), len(values)]


def pairwise_f1(seqs: list[dict], series_of: dict) -> float | None:
    """F1 of "same series" over the pairs of frames with at least one frame in ``seqs``
    (pairs within the whole shoot's frames, both truths)."""
    frames = {f: k for k, q in enumerate(seqs) for f in q["frames"]}
    if not frames:
        return None
    by_series = defaultdict(list)
    for f in frames:
        by_series[series_of.get(f)].append(f)
    true_pairs = sum(len(q["frames"]) * (len(q["frames"]) - 1) // 2 for q in seqs)
    found = both = 0
    for members in by_series.values():
        for a, b in combinations(members, 2):
            found += 1
            both += frames[a] == frames[b]
    # pairs between a listed frame and an unlisted one the command put in its series
    strays = sum(
        1 for f in frames for g, i in series_of.items() if i == series_of.get(f) and g not in frames
    )
    found += strays
    precision = both / found if found else 1.0
    recall = both / true_pairs if true_pairs else 1.0
    return round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0


def grouping_errors(seqs: list[dict], series_of: dict) -> list[dict]:
    """Each sequence the command did not hold as one series of its own: how it was cut."""
    members = defaultdict(set)
    for f, i in series_of.items():
        members[i].add(f)
    errors = []
    for q in seqs:
        ids = [series_of.get(f) for f in q["frames"]]
        if len(set(ids)) > 1 or members[ids[0]] != set(q["frames"]):
            cut = [sum(1 for i in ids if i == j) for j in dict.fromkeys(ids)]
            errors.append(
                {
                    "kind": q["kind"],
                    "scene": q["scene"],
                    "defect": q["defect"] or q.get("mode"),
                    "first": q["frames"][0],
                    "parts": cut,
                    "merged": any(members[i] - set(q["frames"]) for i in ids),
                }
            )
    return errors


def kind_counts(seqs: list[dict], series: dict, series_of: dict) -> dict:
    def kinds_of(q):
        return [series[series_of[f]] for f in q["frames"] if f in series_of]

    hand = [q for q in seqs if q["kind"] in HAND_HELD]
    kept = [q for q in hand if any(s["kind"] not in ("burst", "single") for s in kinds_of(q))]
    flagged = [q for q in hand if any(s.get("possible_kind") for s in kinds_of(q))]

    def whole(q, kind):
        ids = {series_of.get(f) for f in q["frames"]}
        return len(ids) == 1 and None not in ids and series[ids.pop()]["kind"] == kind

    def possible(q, kind):
        return any(s["kind"] == kind or s.get("possible_kind") == kind for s in kinds_of(q))

    brackets = [q for q in seqs if q["kind"] == "bracket"]
    stacks = [q for q in seqs if q["kind"] == "focus_stack"]
    stripped = [q for q in seqs if q["kind"] == "stripped_bracket"]
    return {
        "hand_held_kept_whole": [len(kept), len(hand)],
        "hand_held_kept_whole_list": [
            {
                "kind": q["kind"],
                "scene": q["scene"],
                "defect": q["defect"] or q.get("mode"),
                "called": sorted({s["kind"] for s in kinds_of(q)}),
                "first": q["frames"][0],
            }
            for q in kept
        ],
        "hand_held_flagged_possible": [len(flagged), len(hand)],
        "brackets_kept_whole": [sum(whole(q, "bracket") for q in brackets), len(brackets)],
        "stacks_kept_whole": [sum(whole(q, "focus_stack") for q in stacks), len(stacks)],
        "stacks_kept_or_flagged": [sum(possible(q, "focus_stack") for q in stacks), len(stacks)],
        "stripped_flagged": [sum(possible(q, "bracket") for q in stripped), len(stripped)],
    }


def reliability(confidence: list[tuple]) -> dict:
    rows = []
    for lo, hi in zip(BINS, BINS[1:], strict=False):
        inside = [right for c, right, *_ in confidence if c is not None and lo <= c < hi]
        rows.append([f"{lo:.2f}-{min(hi, 1.0):.2f}", len(inside), sum(inside)])
    sure = [right for c, right, *_ in confidence if c is not None and c >= 0.8]
    unsure = [right for c, right, *_ in confidence if c is None or c < 0.8]
    return {"bins": rows, "sure_right": ratio(sure), "second_look": ratio(unsure)}


def share(pair: list[int]) -> str:
    right, total = pair
    return f"{right}/{total} ({right / total:.3f})" if total else "-"


def report(result: dict, seconds: dict) -> None:
    print(f"best frame: {share(result['best_frame'])}")
    for title in ("by_defect", "by_scene", "by_size"):
        print("  " + ", ".join(f"{k} {share(v)}" for k, v in result[title].items()))
    print(
        f"grouping pairwise F1: {result['grouping_f1']}, bursts over-exposed or noisy: {result['grouping_f1_over_or_noisy']}"
    )
    for q in result["grouping_errors"]:
        print(f"  grouping: {q}")
    k = result["kinds"]
    print(
        f"kinds: hand-held bursts kept whole {k['hand_held_kept_whole'][0]}/{k['hand_held_kept_whole'][1]}, "
        f"flagged possible {k['hand_held_flagged_possible'][0]}/{k['hand_held_flagged_possible'][1]}; "
        f"brackets kept whole {share(k['brackets_kept_whole'])}; stacks kept whole "
        f"{share(k['stacks_kept_whole'])}, kept or flagged {share(k['stacks_kept_or_flagged'])}; "
        f"stripped brackets flagged {share(k['stripped_flagged'])}"
    )
    for q in k["hand_held_kept_whole_list"]:
        print(f"  kept whole: {q}")
    print("confidence | bursts | right")
    for label, n, right in result["reliability"]["bins"]:
        print(f"  {label} | {n} | {right / n:.3f}" if n else f"  {label} | 0 | -")
    print(
        f"  >= 0.8 right: {share(result['reliability']['sure_right'])}; < 0.8 (a second look): {result['reliability']['second_look'][1]}"
    )
    print("seconds: " + ", ".join(f"{k} {v:.0f}" for k, v in seconds.items()))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bursts", type=int, default=100)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--save", type=Path, help="write the measurements as JSON")
    parser.add_argument(
        "--cull-json", type=Path, help="keep the command's JSON here; read it instead if it exists"
    )
    args = parser.parse_args(argv)
    folder, truth, generated = shoot(args.work, args.seed, args.bursts)
    frames = sum(len(q["frames"]) for q in truth["sequences"])
    print(f"{folder}: {len(truth['sequences'])} sequences, {frames} frames")
    if args.cull_json and args.cull_json.exists():
        result, culled = json.loads(args.cull_json.read_text()), 0.0
    else:
        before = snapshot(folder)
        with tempfile.TemporaryDirectory() as out:
            result, culled = cull(folder, Path(out))
        if snapshot(folder) != before:
            print("the command changed the folder", file=sys.stderr)
            return 1
        if args.cull_json:
            args.cull_json.write_text(json.dumps(result))
    measured = evaluate(truth, result)
    report(measured, {"generate": generated, "cull": culled})
    if args.save:
        measured.update(
            seed=args.seed,
            bursts=args.bursts,
            frames=frames,
            seconds={"generate": generated, "cull": culled},
        )
        args.save.write_text(json.dumps(measured, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
