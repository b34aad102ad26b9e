"""Cost of the face stage against the cull's own per-photo work, measured in one run.

Writes 12 MP JPEGs (4240x2832, grain added, quality 90) to a temporary folder: a scene
without people, a portrait, and a group of four, then measures, all on one core:

* baseline: decoding the 1024 px preview of the 12 MP JPEG (what every photo costs in a
  cull), and the same plus the technical scorer's measures (a cull's per-photo CPU work
  with the training-free scorer);
* the face stage on the preview of the photo without faces, for each detector setting
  (the default with and without the crowd pass's probe), as milliseconds and as a share
  of the decode (goal: at most 25 %);
* milliseconds per face: a portrait, and a group of four per face, minus the photo without
  faces (goal: under 40 ms);
* a face too small in the preview: the extra cost of judging it in the full-size decode;
* each model's own inference time, and the one-off cost of loading all of them (paid once
  per worker process).

    python benchmarks/bench_faces.py [--repeats 15] [--json out.json]

Medians of ``--repeats`` runs; the machine may be shared, so compare the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import skimage.data
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

import synthetic_faces  # noqa: E402

from app.faces import FaceAnalyzer, FaceOptions, faces_problem  # noqa: E402
from app.faces.runtime import (  # noqa: E402
    FACE_MESH,
    FULL_RANGE_DETECTOR,
    IRIS,
    SHORT_RANGE_DETECTOR,
    TFLiteModel,
)
from app.photos import decode_image  # noqa: E402
from app.scoring.technical import measure  # noqa: E402

SIZE = (4240, 2832)
PREVIEW = 1024


def timed(fn, repeats: int) -> float:
    """Median milliseconds of ``fn()`` after one warm-up call."""
    fn()
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
    return statistics.median(runs)


def grainy(image: Image.Image) -> Image.Image:
    big = np.asarray(image.resize(SIZE, Image.Resampling.BICUBIC), dtype=np.int16)
    grain = np.random.default_rng(1).normal(0, 2.0, (256, 256, 1)).round().astype(np.int16)
    tiled = np.tile(grain, (SIZE[1] // 256 + 1, SIZE[0] // 256 + 1, 1))[: SIZE[1], : SIZE[0]]
    return Image.fromarray(np.clip(big + tiled, 0, 255).astype(np.uint8))


def scenes(folder: Path) -> dict[str, Path]:
    """The test photos: no people, one portrait, a group of four, one distant face."""
    coffee = Image.fromarray(skimage.data.coffee())
    work = (1060, 708)
    astronaut = synthetic_faces.ASTRONAUT.load()
    head = astronaut.crop((110, 0, 350, 260))
    portrait = coffee.resize(work)
    portrait.paste(head.resize((480, 520), Image.Resampling.LANCZOS), (290, 94))
    group = coffee.resize(work)
    for k in range(4):
        group.paste(head.resize((220, 238), Image.Resampling.LANCZOS), (40 + 250 * k, 200))
    distant = coffee.resize(work)
    distant.paste(head.resize((110, 119), Image.Resampling.LANCZOS), (600, 300))
    paths = {}
    for name, image in (
        ("no faces", coffee.resize(work)),
        ("portrait", portrait),
        ("group of four", group),
        ("distant face", distant),
    ):
        paths[name] = folder / f"{name.replace(' ', '_')}.jpg"
        grainy(image).save(paths[name], quality=90)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if problem := faces_problem():
        print(problem)
        return 1
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    results: dict[str, float] = {}
    start = time.perf_counter()
    FaceAnalyzer()
    results["load_all_models_ms"] = (time.perf_counter() - start) * 1000
    print(
        f"loading the runtime and models (once per process): {results['load_all_models_ms']:.0f} ms"
    )
    for spec in (SHORT_RANGE_DETECTOR, FULL_RANGE_DETECTOR, FACE_MESH, IRIS):
        model = TFLiteModel(spec)
        batch = np.random.default_rng(0).random((1, spec.input_size, spec.input_size, 3))
        ms = timed(lambda m=model, b=batch: m.run(b), args.repeats * 3)
        results[f"invoke_{spec.file.removesuffix('.tflite')}_ms"] = ms
        print(f"  {spec.file:<36} {spec.input_size:>3} px input: {ms:5.1f} ms")
    print()
    with tempfile.TemporaryDirectory() as tmp:
        paths = scenes(Path(tmp))
        previews = {name: decode_image(path, PREVIEW) for name, path in paths.items()}
        decode_ms = timed(lambda: decode_image(paths["no faces"], PREVIEW), args.repeats)
        scorer_ms = timed(lambda: measure(previews["no faces"]), args.repeats)
        results["decode_preview_ms"] = decode_ms
        results["decode_and_technical_ms"] = decode_ms + scorer_ms
        print(f"12 MP JPEG -> {PREVIEW} px preview: {decode_ms:.1f} ms")
        print(f"  + technical scorer measures: {decode_ms + scorer_ms:.1f} ms per photo")
        print()
        print(
            f"{'setting':<22}{'no faces':>10}{'/decode':>9}{'/cull':>8}"
            f"{'1 face':>10}{'each of 4':>11}"
        )
        settings = {
            "short range": FaceOptions(detector="short"),
            "full range (default)": FaceOptions(),
            "full range, no crowd pass": FaceOptions(crowd_tile=0),
            "full range, 2x2 tiles": FaceOptions(tile_grid=2),
        }
        for label, options in settings.items():
            analyzer = FaceAnalyzer(options)
            empty = timed(lambda a=analyzer: a.analyze(previews["no faces"]), args.repeats)
            extra = {}
            for name, expected in (("portrait", 1), ("group of four", 4)):
                found = len(analyzer.analyze(previews[name]))
                if found == expected:
                    total = timed(lambda a=analyzer, n=name: a.analyze(previews[n]), args.repeats)
                    extra[name] = (total - empty) / expected
            key = label.split(" (")[0].replace(" ", "_").replace(",", "")
            results[f"{key}_no_faces_ms"] = empty
            cells = []
            for name in ("portrait", "group of four"):
                value = extra.get(name)
                results[f"{key}_per_face_{name.split()[0]}_ms"] = value
                cells.append("not found" if value is None else f"{value:.1f}ms")
            print(
                f"{label:<22}{empty:>8.1f}ms{empty / decode_ms:>8.0%}"
                f"{empty / (decode_ms + scorer_ms):>8.0%}{cells[0]:>10}{cells[1]:>11}"
            )
        print(
            "(1 face: a portrait minus a photo without faces, including the frame detail map "
            "that sharpness needs once per photo; each of 4: a group of four, per face)"
        )
        print()
        analyzer = FaceAnalyzer(FaceOptions(tile_grid=2))
        distant = paths["distant face"]
        alone = analyzer.analyze(previews["distant face"])

        # What a cull would pass: the same file decoded at twice the preview's size (JPEG
        # draft mode keeps that cheap), asked for only when a face is too small.
        def source():
            return decode_image(distant, 2 * PREVIEW)

        helped = analyzer.analyze(previews["distant face"], source)
        if alone and helped:
            with_source = timed(
                lambda: analyzer.analyze(previews["distant face"], source), args.repeats
            )
            preview_only = timed(lambda: analyzer.analyze(previews["distant face"]), args.repeats)
            results["small_face_source_decode_ms"] = with_source - preview_only
            print(
                f"distant face (eyes {alone[0].eye_width:.0f} px in the preview): "
                f"{alone[0].eyes} from the preview, {helped[0].eyes} from a {2 * PREVIEW} px decode, "
                f"which adds {with_source - preview_only:.0f} ms"
            )
        else:
            print("distant face: not found (tiles needed)")
    print("\n(one core per interpreter; medians; the machine may be shared: compare ratios)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
