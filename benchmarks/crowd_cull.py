"""A cull of generated group bursts with one blink: is the blinking frame picked?

Each burst is three frames of one group photo (benchmarks/group_photos.py, 24 people) a
third of a second apart: the first, sharpest, has one person blinking; the other two have
everyone's eyes open and are slightly softer (Gaussian blur of 1 and 2 px), so the
technical score alone would pick the blink.  The folder is culled by the command line as
a photographer would (technical scorer, faces on, so the crowd pass where probed), and per
burst the script prints the faces found per frame, the blinking frame's ``closed_eyes``,
the pick and its ``pick_reason`` (crowd_eval.py measures the search with and without the
crowd pass).

    python benchmarks/crowd_cull.py [--bursts 3] [--generators rows,scatter]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from PIL import Image, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parent))
import group_photos  # noqa: E402

from app.cli import main as cull  # noqa: E402
from app.faces import faces_problem  # noqa: E402

PEOPLE = 24
SOFTER = (1.0, 2.0)


def write_bursts(folder: Path, generator: str, bursts: int, start: datetime) -> dict[str, str]:
    """The bursts' JPEGs, shot a minute apart from ``start``; the blinking frame per burst."""
    make = group_photos.GENERATORS[generator]
    blinking = {}
    for b in range(bursts):
        seed = 100 + b
        photos = [make(seed, PEOPLE, blinks=1)]
        photos += [make(seed, PEOPLE, blinks=1, opened=True) for _ in SOFTER]
        for k, photo in enumerate(photos):
            image = photo.image
            if k:
                image = image.filter(ImageFilter.GaussianBlur(SOFTER[k - 1]))
            when = start + timedelta(minutes=b, seconds=k / 3)
            exif = Image.Exif()
            exif[0x0132] = when.strftime("%Y:%m:%d %H:%M:%S")
            exif.get_ifd(0x8769)[0x9003] = when.strftime("%Y:%m:%d %H:%M:%S")
            exif.get_ifd(0x8769)[0x9291] = f"{round(100 * (k / 3)) % 100:02d}"
            name = f"{generator}_{b}_{k}.jpg"
            image.save(folder / name, "JPEG", quality=photo.jpeg_quality, exif=exif)
        blinking[f"{generator}_{b}"] = f"{generator}_{b}_0.jpg"
    return blinking


def run(folder: Path, work: Path) -> dict:
    out = work / "cull.json"
    argv = [str(folder), "--db", str(work / "c.sqlite3"), "--model", "technical"]
    cull([*argv, "--json", str(out), "--quiet"])
    return json.loads(out.read_text())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bursts", type=int, default=3)
    parser.add_argument("--generators", default="rows,scatter")
    args = parser.parse_args(argv)
    if problem := faces_problem():
        print(problem)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        folder, work = Path(tmp) / "shoot", Path(tmp)
        folder.mkdir()
        blinking = {}
        for g, generator in enumerate(args.generators.split(",")):
            start = datetime(2024, 6, 1, 12 + g, 0, 0)
            blinking.update(write_bursts(folder, generator, args.bursts, start))
        doc = run(folder, work)
        avoided = 0
        for series in doc["series"]:
            names = [m["path"] for m in series["members"]]
            burst = next((b for b, f in blinking.items() if f in names), None)
            if burst is None:
                continue
            frame = next(m for m in series["members"] if m["path"] == blinking[burst])
            picked_blink = series["best"] == blinking[burst]
            avoided += not picked_blink
            faces = [len(m["faces"] or ()) for m in series["members"]]
            print(
                f"{burst}: {len(names)} frames, faces found {faces}, blink frame "
                f"closed_eyes {frame['closed_eyes']}, pick {series['best']} "
                f"({'the blink' if picked_blink else 'eyes open'}), "
                f"pick_reason {series['pick_reason']}"
            )
        print(f"blinking frame not picked in {avoided} of {len(blinking)} bursts")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
