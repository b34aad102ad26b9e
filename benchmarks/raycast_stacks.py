"""Focus stacks from ``raycast_bursts.py``'s camera, and what the pipeline's kinds make of them.

A ray-cast shoot holds two focus stacks, too few to tell how often a stack is kept whole.
This writes a shoot of stacks only, made as ``raycast_bursts.write_shoot`` makes its own (on
a tripod, the focus walking from 0.8 to 2.2 times the subject's distance in 5-8 frames, at
f/2.8 or wider, one exposure; EXIF without any focus distance, as the generator writes
none), over the scene kinds asked for, then reads every frame as the pipeline does (the
grouping decode, its thumbnail and focus map, the EXIF), groups the shoot and tells kinds
(``group_series``, ``assign_kinds``), and prints per scene kind how many stacks were kept
whole, flagged ``possible focus stack`` (picked, nothing rejected) or left a burst.

    python benchmarks/raycast_stacks.py /tmp/stacks/stk40 --seed 40 --stacks 12 \\
        --scenes fine_texture,shallow_dof

An existing shoot (its ``.truth.json`` beside it) is read again, not rewritten.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import raycast_bursts as rb  # noqa: E402

from app.grouping import GroupingParams, GroupItem, group_series  # noqa: E402
from app.photos.decode import decode_image  # noqa: E402
from app.photos.exif import read_metadata  # noqa: E402
from app.photos.tasks import THUMB_DECODE_SIZE, make_thumbnail  # noqa: E402
from app.series_kinds import KindEvidence, assign_kinds, focus_map  # noqa: E402

STACK_SCENES = tuple(k for k in rb.SCENES if k != "subject_motion")  # a stack holds still


def write_stacks(folder: Path, seed: int, count: int, scenes=STACK_SCENES) -> dict:
    """Write ``count`` focus stacks into ``folder`` and the truth beside it."""
    long_side = 1400
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x57AC]))
    folder.mkdir(parents=True, exist_ok=True)
    make, model = rb.CAMERAS[seed % len(rb.CAMERAS)]
    camera = rb.Camera(rng, long_side)
    clock = datetime(2026, 5, 1, 9, 0, 0) + timedelta(days=seed)
    number, sequences = 1, []
    for _ in range(count):
        scene_kind = scenes[int(rng.integers(len(scenes)))]
        scene = rb.make_scene(scene_kind, rng)
        scene.f_number = min(scene.f_number, 2.8)
        iso = float(rng.choice([100, 160, 200, 250, 400]))
        seconds = float(rng.choice([1 / 60, 1 / 125, 1 / 250]))
        frames_count = int(rng.integers(5, 9))
        near, far = scene.focus * 0.8, min(scene.focus * 2.2, scene.wall_distance)
        shots = [
            rb.Shot(iso=iso, focus=float(d), tripod=True, strength=float(d))
            for d in np.geomspace(near, far, frames_count)
        ]
        fps = rng.uniform(3, 6)
        frames = []
        for i, (shot, picture) in enumerate(
            zip(shots, camera.frames(scene, shots, 1.0), strict=True)
        ):
            name = f"S{seed}{number:05d}.JPG"
            number += 1
            when = clock + timedelta(seconds=i / fps + rng.uniform(-0.004, 0.004))
            tags = {
                "f_number": scene.f_number,
                "focal_mm": scene.focal_mm,
                "exposure_time": seconds,
                "iso": shot.iso,
                "exposure_mode": 0,
            }
            picture.save(
                folder / name,
                "JPEG",
                quality=int(rng.integers(80, 97)),
                subsampling=int(rng.choice([0, 1, 2])),
                exif=rb.exif_bytes(make, model, when, tags),
            )
            frames.append(name)
        clock += timedelta(seconds=len(shots) / fps + rng.uniform(4, 15))
        sequences.append({"kind": "focus_stack", "scene": scene_kind, "frames": frames})
    truth = {"generator": "raycast-stacks", "seed": seed, "camera": [make, model]}
    truth["sequences"] = sequences
    Path(f"{folder}.truth.json").write_text(json.dumps(truth, indent=1))
    return truth


def kinds_of(folder: Path, truth: dict) -> dict[str, Counter]:
    """Per scene kind, what each stack became: kept whole, flagged, a burst, or split."""
    items, evidence, sequence_of = [], [], []
    for number, sequence in enumerate(truth["sequences"]):
        for name in sequence["frames"]:
            image = decode_image(folder / name, THUMB_DECODE_SIZE)
            metadata = read_metadata(folder / name)
            thumbnail = make_thumbnail(image)
            found = KindEvidence.from_metadata(metadata, thumbnail, focus_map(image))
            items.append(GroupItem(name, found.camera, found.seconds, thumbnail))
            evidence.append(found)
            sequence_of.append(number)
    params = GroupingParams()
    kinded = assign_kinds(group_series(items, params), evidence, params.max_gap)
    pieces = defaultdict(list)
    for piece in kinded:
        for number in {sequence_of[i] for i in piece.members}:
            pieces[number].append(piece)
    table: dict[str, Counter] = defaultdict(Counter)
    for number, sequence in enumerate(truth["sequences"]):
        found = pieces[number]
        if len(found) > 1:
            outcome = "split"
        elif found[0].kind == "focus_stack":
            outcome = "kept whole"
        elif found[0].possible == "focus_stack":
            outcome = "flagged possible"
        else:
            outcome = found[0].kind
        table[sequence["scene"]][outcome] += 1
    return table


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=40)
    parser.add_argument("--stacks", type=int, default=12)
    parser.add_argument("--scenes", default=",".join(STACK_SCENES))
    args = parser.parse_args(argv)
    truth_file = Path(f"{args.out}.truth.json")
    began = time.perf_counter()
    if truth_file.exists():
        truth = json.loads(truth_file.read_text())
    else:
        truth = write_stacks(args.out, args.seed, args.stacks, tuple(args.scenes.split(",")))
    made = time.perf_counter() - began
    table = kinds_of(args.out, truth)
    total = Counter()
    for scene, counts in sorted(table.items()):
        total.update(counts)
        cells = ", ".join(f"{o} {n}" for o, n in counts.most_common())
        print(f"{scene:15s} {sum(counts.values())} stacks: {cells}")
    whole, flagged = total["kept whole"], total["flagged possible"]
    print(
        f"stacks kept whole {whole}/{total.total()}, kept whole or flagged "
        f"{whole + flagged}/{total.total()} (written in {made:.0f} s, "
        f"read and kinded in {time.perf_counter() - began - made:.0f} s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
