"""Faces in crowds: recall per face size, false detections and cost, with and without the
crowd pass, on generated group photos of 10-40 faces (benchmarks/group_photos.py).

Every photo is written as a JPEG and read back as a cull reads it: the 1024 px preview the
faces are found on, and the 2048 px decode that small faces' eyes are judged on.  For each
generator (``rows``: the one the crowd pass was tuned on; ``scatter``: held out) and each
setting it prints:

* recall per face width in the preview's pixels (a face is found when a box holds both of
  its eyes), and false detections per photo;
* how often the crowd pass ran, and on photos without people how often it ran for
  nothing, the false faces, and the search's mean cost with and without the crowd pass
  (and with the end-square hints it replaced) beside the decode of those photos: the
  scenes the probe was tuned on (scikit-image's and the sample bursts) and held-out ones
  (other scikit-image images, the ``scatter`` generator's backgrounds without people);
* milliseconds per photo for the search alone and for the whole face stage, beside the
  preview decode measured in the same run (on photos without people, medians of three
  runs per photo);
* closed eyes: of the faces generated with a blink, how many were found and called closed.

    python benchmarks/crowd_eval.py [--photos 9] [--backgrounds 5] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import skimage.data
from PIL import Image

REPO = Path(__file__).resolve().parent
sys.path.insert(0, str(REPO))

import group_photos  # noqa: E402

from app.faces import FaceAnalyzer, FaceOptions, faces_problem  # noqa: E402
from app.faces.detect import square_tiles, suppress  # noqa: E402
from app.photos import decode_image  # noqa: E402

PREVIEW, SOURCE = 1024, 2048
BINS = (0, 16, 24, 32, 48, 64, 96, 10_000)
CROWDS = (10, 24, 40)
SETTINGS = {
    "whole frame only": FaceOptions(crowd_tile=0),
    "crowd pass when probed (default)": FaceOptions(),
}
PEOPLE_IN_SAMPLES = ("astronaut", "camera", "portrait")  # the sample bursts of a person
EMPTY_SCENES = ("coffee", "rocket", "chelsea", "coins", "hubble_deep_field", "page", "text")
HELD_OUT_SCENES = (
    "brick", "grass", "gravel", "immunohistochemistry", "moon", "clock", "horse", "logo",
    "microaneurysms", "stereo_motorcycle", "cell", "binary_blobs", "checkerboard",
    "shepp_logan_phantom", "camera",
)  # fmt: skip


def found(faces_boxes, truth, factor: float) -> tuple[list[int | None], int]:
    """Per true face the index of the box holding both its eyes (or None); unmatched boxes."""
    used: set[int] = set()
    matches: list[int | None] = []
    for face in truth:
        match = None
        for j, (x, y, w, h) in enumerate(faces_boxes):
            if j in used:
                continue
            x, y, w, h = x * factor, y * factor, w * factor, h * factor
            if all(x < ex < x + w and y < ey < y + h for ex, ey in face.eyes):
                match = j
                used.add(j)
                break
        matches.append(match)
    return matches, len(faces_boxes) - len(used)


def size_bin(width: float) -> int:
    return int(np.searchsorted(BINS, width, side="right")) - 1


def bin_label(k: int) -> str:
    return f"{BINS[k]}-{BINS[k + 1]}" if BINS[k + 1] < 10_000 else f"{BINS[k]}+"


def probe_score(analyzer: FaceAnalyzer, preview: Image.Image) -> float:
    """What the crowd pass's probe scores on this preview, 0 under 0.3 (it starts the pass
    at ``crowd_confirm_score``)."""
    first = analyzer.detector.candidates(
        preview, [(0, 0, *preview.size)], analyzer.options.crowd_probe_score
    )
    return analyzer.probe_score(preview, first, at_least=0.3)


def timed(fn, repeats: int = 1) -> tuple[float, object]:
    """Median milliseconds of ``repeats`` calls, and the result."""
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        runs.append((time.perf_counter() - start) * 1000)
    return statistics.median(runs), result


def evaluate(generator: str, photos: int, folder: Path) -> dict:
    make = group_photos.GENERATORS[generator]
    analyzers = {name: FaceAnalyzer(options) for name, options in SETTINGS.items()}
    always = FaceAnalyzer(FaceOptions(crowd_tile=0))  # its tiles are added below
    tally = {
        name: {"hit": [0] * (len(BINS) - 1), "n": [0] * (len(BINS) - 1), "false": 0,
               "find_ms": [], "stage_ms": [], "ran": 0, "blinks": 0, "closed": 0}
        for name in [*SETTINGS, "crowd pass always"]
    }  # fmt: skip
    decode_ms, probes = [], []
    for seed in range(photos):
        people = CROWDS[seed % len(CROWDS)]
        photo = make(seed, people, blinks=2)
        path = folder / f"{generator}_{seed}.jpg"
        photo.image.save(path, quality=photo.jpeg_quality)
        ms, preview = timed(lambda p=path: decode_image(p, PREVIEW))
        decode_ms.append(ms)
        probes.append(probe_score(analyzers["crowd pass when probed (default)"], preview))
        factor = photo.image.width / preview.width
        widths = [face.width / factor for face in photo.faces]
        for name, analyzer in [*analyzers.items(), ("crowd pass always", always)]:
            t = tally[name]
            passes = analyzer.crowd_passes
            find_ms, detections = timed(lambda a=analyzer, im=preview: a.find(im))
            t["ran"] += analyzer.crowd_passes > passes
            if name == "crowd pass always":
                # the crowd pass with no hint needed: search the tiles whatever the first pass saw
                longer = max(preview.size)
                parts = square_tiles(
                    preview.size,
                    round(FaceOptions().crowd_tile * longer),
                    round(FaceOptions().crowd_overlap * longer),
                )
                more_ms, more = timed(
                    lambda a=analyzer, d=detections, im=preview, b=parts: suppress(
                        [*d, *a.detector.candidates(im, b)]
                    )
                )
                find_ms, detections = find_ms + more_ms, more
                t["ran"] += 1
            t["find_ms"].append(find_ms)
            boxes = [d.box for d in detections]
            matches, false = found(boxes, photo.faces, factor)
            t["false"] += false
            for match, width in zip(matches, widths, strict=True):
                k = size_bin(width)
                t["n"][k] += 1
                t["hit"][k] += match is not None
            if name == "crowd pass always":
                continue
            stage_ms, faces = timed(
                lambda a=analyzer, im=preview, p=path: a.analyze(
                    im, lambda: decode_image(p, SOURCE)
                )
            )
            t["stage_ms"].append(stage_ms)
            face_matches, _ = found([f.box for f in faces], photo.faces, factor)
            for truth, match in zip(photo.faces, face_matches, strict=True):
                if truth.closed:
                    t["blinks"] += 1
                    t["closed"] += match is not None and faces[match].eyes == "closed"
    return {"decode_ms": statistics.median(decode_ms), "probe_scores": probes, "settings": tally}


def _scene(name: str) -> np.ndarray:
    array = getattr(skimage.data, name)()
    array = array[0] if isinstance(array, tuple) else np.asarray(array)
    if array.dtype != np.uint8:
        low, span = float(array.min()), max(float(np.ptp(array.astype(np.float32))), 1e-9)
        array = (255 * (array.astype(np.float32) - low) / span).astype(np.uint8)
    return np.stack([array] * 3, axis=-1) if array.ndim == 2 else array[..., :3]


def empty_photos(folder: Path, backgrounds: int) -> dict[str, dict[str, Path]]:
    """Photos without people, as a cull reads them: the tuning set (scikit-image's scenes
    and the sample bursts) and a held-out one (other scikit-image images, among them the
    cameraman with his back turned, and ``scatter`` backgrounds with nobody in them)."""
    sets: dict[str, dict[str, Path]] = {"tuning": {}, "held out": {}}
    for key, names in (("tuning", EMPTY_SCENES), ("held out", HELD_OUT_SCENES)):
        for name in names:
            try:
                array = _scene(name)
            except Exception:  # an image scikit-image would have to download
                continue
            path = folder / f"{name}.jpg"
            Image.fromarray(array).convert("RGB").resize((4240, 2832)).save(path, quality=90)
            sets[key][name] = path
    samples = REPO.parent / "resources" / "samples" / "bursts"
    for path in sorted(samples.glob("*.jpg")):
        if not path.name.startswith(PEOPLE_IN_SAMPLES):
            sets["tuning"][path.name] = path
    for seed in range(backgrounds):
        photo = group_photos.scatter(200 + seed, 0)
        path = folder / f"background_{seed}.jpg"
        photo.image.save(path, quality=photo.jpeg_quality)
        sets["held out"][path.name] = path
    return sets


def end_square_hints(analyzer: FaceAnalyzer, image: Image.Image) -> None:
    """The search the probe replaced, for the cost comparison: a small candidate of 0.3
    started the 12 tiles, one of 0.1 a search of the image's two end squares first, where
    a small face started them."""
    longer, shorter = max(image.size), min(image.size)
    first = analyzer.detector.candidates(image, [(0, 0, *image.size)], 0.1)
    small = [d for d in first if max(d.box[2], d.box[3]) < 0.125 * longer]
    crowded = any(d.score >= 0.3 for d in small)
    if not crowded and small and shorter < longer:
        width, height = image.size
        ends = [(0, 0, shorter, shorter), (width - shorter, height - shorter, width, height)]
        halves = analyzer.detector.candidates(image, ends)
        crowded = any(max(d.box[2], d.box[3]) < 0.125 * longer for d in halves)
    if crowded:
        parts = square_tiles(image.size, round(0.3125 * longer), round(0.08 * longer))
        analyzer.detector.candidates(image, parts)


def people_free(folder: Path, backgrounds: int) -> dict:
    """Cost and false faces of the search on photos without people, per set."""
    plain = FaceAnalyzer(FaceOptions(crowd_tile=0))
    probed = FaceAnalyzer()
    results = {}
    for key, paths in empty_photos(folder, backgrounds).items():
        decode, plain_ms, probed_ms, hinted_ms, probes, false, passes = [], [], [], [], [], 0, 0
        for name, path in paths.items():
            ms, preview = timed(lambda p=path: decode_image(p, PREVIEW), 3)
            decode.append(ms)
            plain_ms.append(timed(lambda p=preview: plain.find(p), 3)[0])
            before = probed.crowd_passes
            faces = probed.find(preview)  # untimed: a model's first call pays its set-up
            passes += probed.crowd_passes > before
            probed_ms.append(timed(lambda p=preview: probed.find(p), 3)[0])
            hinted_ms.append(timed(lambda p=preview: end_square_hints(plain, p), 3)[0])
            probes.append(probe_score(probed, preview))
            false += len(faces)
            if faces:
                print(f"  {name}: {len(faces)} false faces")
        results[key] = {
            "photos": len(paths),
            "crowd_pass_ran": passes,
            "false": false,
            "decode_ms": statistics.mean(decode),
            "whole_frame_ms": statistics.mean(plain_ms),
            "probed_ms": statistics.mean(probed_ms),
            "end_square_hints_ms": statistics.mean(hinted_ms),
            "probe_scores": probes,
        }
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=9, help="group photos per generator")
    parser.add_argument(
        "--generators", default="rows,scatter", help='"" for the photos without people only'
    )
    parser.add_argument(
        "--backgrounds", type=int, default=5, help="scatter backgrounds without people"
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if problem := faces_problem():
        print(problem)
        return 1
    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        for generator in filter(None, args.generators.split(",")):
            result = evaluate(generator, args.photos, Path(tmp))
            results[generator] = result
            role = "tuned on" if generator == "rows" else "held out"
            print(f"\n{generator} ({role}), {args.photos} photos of {CROWDS} people:")
            print(f"  preview decode {result['decode_ms']:.0f} ms per photo (median)")
            header = "".join(f"{bin_label(k):>9}" for k in range(len(BINS) - 1))
            print(f"  {'face width in the 1024 px preview':<34}{header}")
            for name, t in result["settings"].items():
                cells = "".join(
                    f"{h / n:>9.2f}" if n else f"{'-':>9}"
                    for h, n in zip(t["hit"], t["n"], strict=True)
                )
                print(f"  {name:<34}{cells}")
            counts = "".join(f"{n:>9}" for n in next(iter(result["settings"].values()))["n"])
            scores = " ".join(f"{v:.2f}" for v in sorted(result["probe_scores"]))
            print(f"  the probe's score per photo: {scores}")
            print(f"  {'(faces per size)':<34}{counts}")
            for name, t in result["settings"].items():
                stage = (
                    f", face stage {statistics.median(t['stage_ms']):.0f} ms, "
                    f"blinks called closed {t['closed']}/{t['blinks']}"
                    if t["stage_ms"]
                    else ""
                )
                print(
                    f"  {name}: crowd pass on {t['ran']}/{args.photos}, "
                    f"false detections {t['false'] / args.photos:.2f} per photo, "
                    f"search {statistics.median(t['find_ms']):.0f} ms "
                    f"({statistics.median(t['find_ms']) / result['decode_ms']:.0%} of the decode)"
                    f"{stage}"
                )
        results["without_people"] = people_free(Path(tmp), args.backgrounds)
        print(f"\nphotos without people (mean per photo; {PREVIEW} px preview decode beside):")
        for key, r in results["without_people"].items():
            print(
                f"  {key}: {r['photos']} photos, crowd pass on {r['crowd_pass_ran']}, "
                f"{r['false']} false faces; decode {r['decode_ms']:.0f} ms, search: whole frame "
                f"{r['whole_frame_ms']:.1f} ms ({r['whole_frame_ms'] / r['decode_ms']:.0%}), "
                f"with the probe (default) {r['probed_ms']:.1f} ms "
                f"({r['probed_ms'] / r['decode_ms']:.0%}), with the end-square hints "
                f"{r['end_square_hints_ms']:.1f} ms ({r['end_square_hints_ms'] / r['decode_ms']:.0%})"
            )
            print(f"    the probe's best score: {max(r['probe_scores'], default=0):.2f}")
    print("\n(one core per interpreter; medians; the machine may be shared: compare ratios)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
