"""The whole command, blind, on a shoot from ``atelier_bursts.py`` (drawn still lifes).

Runs ``python -m app.cli SHOOT --model technical --json OUT --db CATALOG`` exactly as a
person would (no sidecars; the catalog in a temporary folder), proves by hashing every file
that the shoot was left as it was, and scores the command's JSON against the truth file:

- best frame: a scored burst is right when the series holding its clean frame picks it and
  holds at least one other frame of the burst; overall, per degradation and per scene type;
- grouping: pairwise F1 of "same series" over all frames of the shoot;
- kinds: hand-held bursts (scored and auto-exposure drift) called anything but a burst, or
  flagged as a possible other kind; brackets and focus stacks kept whole or flagged
  possible; the bracket stripped of its tags flagged;
- confidence: the share right among picks at confidence >= 0.8, and a reliability table.

    python benchmarks/atelier_eval.py --seed 1 --bursts 40 --work /tmp/blind3 --save out.json
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import atelier_bursts  # noqa: E402

EDGES = (0.0, 0.5, 0.7, 0.8, 0.9, 1.01)


def folder_digest(folder: Path) -> str:
    """One hash over every file's name and bytes: any change to the shoot alters it."""
    total = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        total.update(str(path.relative_to(folder)).encode())
        if path.is_file():
            total.update(hashlib.sha256(path.read_bytes()).digest())
    return total.hexdigest()


def run_command(folder: Path, keep: Path | None) -> tuple[dict, float]:
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "result.json"
        argv = [sys.executable, "-m", "app.cli", str(folder), "--model", "technical"]
        argv += ["--json", str(out), "--db", str(Path(scratch) / "catalog.db"), "--quiet"]
        env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
        began = time.perf_counter()
        done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True)
        elapsed = time.perf_counter() - began
        if done.returncode != 0 or not out.exists():
            raise SystemExit(f"app.cli exited {done.returncode}: {done.stderr[-1500:]}")
        if keep:
            keep.write_bytes(out.read_bytes())
        return json.loads(out.read_text()), elapsed


def fraction(hits: list[bool]) -> tuple[int, int]:
    return sum(hits), len(hits)


def score(truth: dict, output: dict) -> dict:
    home = {m["path"]: s for s in output["series"] for m in s["members"]}
    sequences = truth["sequences"]

    picks, per_degradation, per_scene, sure, bins, misses = (
        [],
        defaultdict(list),
        defaultdict(list),
        [],
        defaultdict(list),
        [],
    )
    for seq in (q for q in sequences if q["kind"] == "burst"):
        series = home.get(seq["clean"])
        together = (
            series is not None
            and sum(f in {m["path"] for m in series["members"]} for f in seq["frames"]) >= 2
        )
        right = bool(together and series["best"] == seq["clean"])
        picks.append(right)
        per_degradation[seq["degradation"]].append(right)
        per_scene[seq["scene"]].append(right)
        c = series.get("confidence") if series else None
        if c is not None:
            bins[next(i for i in range(len(EDGES) - 1) if c < EDGES[i + 1])].append(right)
            if c >= 0.8:
                sure.append(right)
        if not right:
            picked = series["best"] if series else None
            what = next((f for f in seq["frame_truth"] if f["name"] == picked), {})
            misses.append(
                {
                    "scene": seq["scene"],
                    "degradation": seq["degradation"],
                    "clean": seq["clean"],
                    "picked": picked,
                    "picked_strength": what.get("strength"),
                    "confidence": c,
                    "together": together,
                }
            )

    # pairwise F1 over every frame of the shoot
    truth_of = {f: i for i, q in enumerate(sequences) for f in q["frames"]}
    found_of = {f: home[f]["id"] if f in home else f"missing:{f}" for f in truth_of}
    frames = sorted(truth_of)
    tp = fp = fn = 0
    for i, a in enumerate(frames):
        for b in frames[i + 1 :]:
            same_truth, same_found = truth_of[a] == truth_of[b], found_of[a] == found_of[b]
            tp += same_truth and same_found
            fp += same_found and not same_truth
            fn += same_truth and not same_found
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    cuts = []
    for q in sequences:
        ids = [found_of[f] for f in q["frames"]]
        outsiders = {f for f in frames if found_of[f] in ids} - set(q["frames"])
        if len(set(ids)) > 1 or outsiders:
            cuts.append(
                {
                    "kind": q["kind"],
                    "scene": q["scene"],
                    "degradation": q["degradation"],
                    "first": q["frames"][0],
                    "parts": list(Counter(ids).values()),
                    "joined_with": sorted(outsiders)[:4],
                }
            )

    def called(q):
        return [home[f] for f in q["frames"] if f in home]

    hand_held = [q for q in sequences if q["kind"] in ("burst", "ae_drift")]
    kept = [q for q in hand_held if any(s["kind"] not in ("burst", "single") for s in called(q))]
    flagged = [q for q in hand_held if any(s.get("possible_kind") for s in called(q))]

    def kept_or_flagged(q, kind):
        ids = {found_of[f] for f in q["frames"]}
        whole = len(ids) == 1 and called(q) and called(q)[0]["kind"] == kind
        return bool(whole or any(s.get("possible_kind") == kind for s in called(q)))

    def whole(q, kind):
        ids = {found_of[f] for f in q["frames"]}
        return len(ids) == 1 and bool(called(q)) and called(q)[0]["kind"] == kind

    brackets = [q for q in sequences if q["kind"] == "bracket"]
    stacks = [q for q in sequences if q["kind"] == "focus_stack"]
    stripped = [q for q in sequences if q["kind"] == "stripped_bracket"]
    return {
        "best_frame": fraction(picks),
        "per_degradation": {k: fraction(v) for k, v in sorted(per_degradation.items())},
        "per_scene": {k: fraction(v) for k, v in sorted(per_scene.items())},
        "grouping_f1": round(f1, 4),
        "grouping_cuts": cuts,
        "hand_held_kept_whole": (len(kept), len(hand_held)),
        "hand_held_kept_whole_which": [
            {
                "kind": q["kind"],
                "scene": q["scene"],
                "degradation": q["degradation"],
                "called": sorted({s["kind"] for s in called(q)}),
            }
            for q in kept
        ],
        "hand_held_flagged_possible": (len(flagged), len(hand_held)),
        "hand_held_flagged_which": [
            {
                "kind": q["kind"],
                "scene": q["scene"],
                "degradation": q["degradation"],
                "possible": sorted(
                    {s["possible_kind"] for s in called(q) if s.get("possible_kind")}
                ),
            }
            for q in flagged
        ],
        "others_called": {
            q["kind"] + ":" + q["frames"][0]: sorted(
                {f"{s['kind']}/{s.get('possible_kind')}" for s in called(q)}
            )
            for q in sequences
            if q["kind"] not in ("burst", "ae_drift")
        },
        "brackets_kept_whole": fraction([whole(q, "bracket") for q in brackets]),
        "brackets_kept_or_flagged": fraction([kept_or_flagged(q, "bracket") for q in brackets]),
        "stacks_kept_whole": fraction([whole(q, "focus_stack") for q in stacks]),
        "stacks_kept_or_flagged": fraction([kept_or_flagged(q, "focus_stack") for q in stacks]),
        "stripped_flagged": fraction([kept_or_flagged(q, "bracket") for q in stripped]),
        "confident_right": fraction(sure),
        "reliability": [
            [f"{EDGES[i]:.1f}-{min(EDGES[i + 1], 1.0):.1f}", *fraction(bins[i])]
            for i in range(len(EDGES) - 1)
        ],
        "misses": misses,
    }


def show(pair) -> str:
    hits, total = pair
    return f"{hits}/{total} = {hits / total:.3f}" if total else "n/a"


def print_report(m: dict) -> None:
    print(f"best frame {show(m['best_frame'])}")
    print(
        "  per degradation: " + "; ".join(f"{k} {show(v)}" for k, v in m["per_degradation"].items())
    )
    print("  per scene: " + "; ".join(f"{k} {show(v)}" for k, v in m["per_scene"].items()))
    print(f"grouping pairwise F1 {m['grouping_f1']}")
    for cut in m["grouping_cuts"]:
        print(f"  not one series: {cut}")
    print(
        f"hand-held kept whole {show(m['hand_held_kept_whole'])}, flagged possible {show(m['hand_held_flagged_possible'])}; "
        f"brackets whole {show(m['brackets_kept_whole'])}, whole or flagged {show(m['brackets_kept_or_flagged'])}; "
        f"focus stacks whole {show(m['stacks_kept_whole'])}, whole or flagged {show(m['stacks_kept_or_flagged'])}; "
        f"stripped bracket flagged {show(m['stripped_flagged'])}"
    )
    for q in m["hand_held_kept_whole_which"]:
        print(f"  kept whole: {q}")
    for q in m["hand_held_flagged_which"]:
        print(f"  flagged: {q}")
    for first, kinds in m["others_called"].items():
        print(f"  {first} called (kind/possible): {kinds}")
    print(f"confidence >= 0.8 right {show(m['confident_right'])}")
    for label, hits, total in m["reliability"]:
        print(f"  confidence {label}: {total} bursts, {hits} right")
    for miss in m["misses"]:
        print(f"  miss: {miss}")


def culled_unchanged(folder: Path, keep_output: Path | None) -> tuple[dict, float] | None:
    """The command's JSON output on ``folder`` and its seconds; None (said on stderr) when
    the command changed the shoot's folder, which no figure can excuse."""
    before = folder_digest(folder)
    output, culled = run_command(folder, keep_output)
    if folder_digest(folder) != before:
        print("the command changed the shoot's folder", file=sys.stderr)
        return None
    print("the shoot's folder is unchanged (hashed before and after)")
    return output, culled


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bursts", type=int, default=40)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--save", type=Path, help="write the figures here as JSON")
    parser.add_argument("--keep-output", type=Path, help="keep the command's JSON here")
    args = parser.parse_args(argv)
    folder = args.work / f"atelier_seed{args.seed}_n{args.bursts}"
    truth_file = Path(f"{folder}.truth.json")
    began = time.perf_counter()
    truth = (
        json.loads(truth_file.read_text())
        if truth_file.exists()
        else atelier_bursts.write_shoot(folder, args.seed, args.bursts)
    )
    generated = time.perf_counter() - began
    print(
        f"{folder}: {len(truth['sequences'])} sequences, {sum(len(q['frames']) for q in truth['sequences'])} frames"
    )
    culled_run = culled_unchanged(folder, args.keep_output)
    if culled_run is None:
        return 1
    output, culled = culled_run
    figures = score(truth, output)
    print_report(figures)
    print(f"seconds: generate {generated:.0f}, command {culled:.0f}")
    if args.save:
        figures.update(
            seed=args.seed, bursts=args.bursts, seconds={"generate": generated, "command": culled}
        )
        args.save.write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
