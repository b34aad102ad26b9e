"""Bursts shot from a tripod: fixed framing, something in the scene moving.

The focus-stack rule reads a sweep from cells whose detail rises to one frame and falls
after it.  At tripod framing a subject crossing the frame does the same: each cell is most
detailed while the sharp subject passes over it, and the frame doing so moves monotonically
through the series.  This makes such bursts over the scenes of a ``kinds_generators``
generator (its photographs, optics, noise and tone curve) and says what they became, so the
stack rule is measured on the framing that enables its tripod reading:

* ``crossing``: a sharp subject (a runner, a car: a textured patch of another photograph)
  crossing left to right over a background the shallow depth of field blurs;
* ``crossing_blurred``: the same at a slower shutter, the subject blurred along its path,
  the background sharp;
* ``takeoff``: a subject rising out of the frame and shrinking (a bird taking off);
* ``turning``: a subject in place whose texture changes (a head turning);
* ``flowing``: a band of the frame whose texture slides (water, clouds) and leaves shaking
  in the wind elsewhere;
* ``light``: a band of light moving across a still scene (a cloud's shadow, a lamp);
* ``breathing``: a still scene, the autofocus re-acquiring each frame (a little focus
  wobble and the lens's breathing).

Frames carry the steady exposure of a burst (tags recorded), fine grain and a JPEG round
trip.  Run::

    python benchmarks/tripod_bursts.py                       # lab, seed 1, 20 of each variant
    python benchmarks/tripod_bursts.py --generator field --seed 2
"""

from __future__ import annotations

import argparse
import io
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import kinds_generators as kg  # noqa: E402
from kinds_eval import lay_out, outcome, run_pipeline  # noqa: E402

VARIANTS = ("crossing", "crossing_blurred", "takeoff", "turning", "flowing", "light", "breathing")
JPEG_QUALITY = (80, 95)


def _sprite(gen: kg.Generator, rng, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """A subject: a sharp textured patch of another scene and its soft-edged elliptic mask."""
    width, height = size
    texture = kg.make_scene(gen, rng, (width, height)).linear
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    r = np.hypot((x - width / 2) / (width / 2), (y - height / 2) / (height / 2))
    mask = np.clip((1.0 - r) * 6, 0, 1)
    return texture, mask


def _paste(world: np.ndarray, sprite, centre: tuple[float, float], scale: float = 1.0):
    """``world`` with the sprite over it, centred at ``centre`` (x, y px), scaled."""
    texture, mask = sprite
    if scale != 1.0:
        size = (max(int(texture.shape[1] * scale), 4), max(int(texture.shape[0] * scale), 4))
        texture = np.stack(
            [np.asarray(Image.fromarray(texture[..., c]).resize(size)) for c in range(3)], -1
        )
        mask = np.asarray(Image.fromarray(mask).resize(size))
    h, w = mask.shape
    x0, y0 = int(round(centre[0] - w / 2)), int(round(centre[1] - h / 2))
    out = world.copy()
    ys, xs = (
        slice(max(y0, 0), min(y0 + h, world.shape[0])),
        slice(max(x0, 0), min(x0 + w, world.shape[1])),
    )
    if ys.start >= ys.stop or xs.start >= xs.stop:
        return out
    m = mask[ys.start - y0 : ys.stop - y0, xs.start - x0 : xs.stop - x0, None]
    t = texture[ys.start - y0 : ys.stop - y0, xs.start - x0 : xs.stop - x0]
    out[ys, xs] = out[ys, xs] * (1 - m) + t * m
    return out


def _motion_blur(linear: np.ndarray, length: float) -> np.ndarray:
    kernel = np.zeros((1, max(int(length), 1) * 2 + 1), np.float32)
    kernel[0, max(int(length), 1) :] = 1
    return kg._blur(linear, np.pad(kernel, ((kernel.shape[1] // 2,) * 2, (0, 0))) / kernel.sum())


def _finish(gen: kg.Generator, linear: np.ndarray, rng) -> Image.Image:
    """Grain, tone curve, 8 bits, then a JPEG round trip as a camera writes it."""
    base = 0.004 if gen.noise == "gauss" else 4000.0
    if gen.noise != "gauss":
        linear = kg.add_noise(gen, linear, base, rng)
    image = kg.render(gen, linear, base if gen.noise == "gauss" else 0.0, rng)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=int(rng.integers(*JPEG_QUALITY)))
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def tripod_burst(gen: kg.Generator, rng, variant: str) -> kg.Sequence:
    """One burst from a tripod; the truth is ``burst``: one of its frames is the pick."""
    count = int(rng.integers(5, 13))
    world_size = kg._world_size()
    scene = kg.make_scene(gen, rng, world_size)
    shallow = variant in ("crossing", "takeoff", "turning")
    optics = kg.Optics(gen, scene, strength=float(rng.uniform(1.5, 3.5) if shallow else 0.6))
    # the subject is in focus; the background is as far as the scene's depth puts it
    background = optics.focused(float(rng.uniform(-0.4, -0.2)) if shallow else 0.1)
    width, height = world_size
    size = int(height * rng.uniform(0.15, 0.5))  # a runner far off to a car close by
    sprite = _sprite(gen, rng, (int(size * rng.uniform(0.7, 1.4)), size))
    other = _sprite(gen, rng, sprite[1].shape[::-1]) if variant == "turning" else None
    y_path = float(rng.uniform(0.35, 0.65)) * height
    direction = 1 if rng.random() < 0.6 else -1
    band = (int(height * rng.uniform(0.0, 0.4)), int(height * rng.uniform(0.55, 0.9)))
    band_speed = float(rng.uniform(2, 6)) * rng.choice([-1, 1])
    frames, clock = [], 0.0
    interval = float(rng.uniform(0.08, 0.3))
    for k in range(count):
        t = k / (count - 1)
        world, focus, zoom = background, 0.1, 1.0
        if variant in ("crossing", "crossing_blurred"):
            x = width * (0.1 + 0.8 * (t if direction > 0 else 1 - t))
            world = _paste(background, sprite, (x, y_path))
            if variant == "crossing_blurred":
                world = _motion_blur(world, float(rng.uniform(2, 5)))
        elif variant == "takeoff":
            x = width * (0.4 + 0.3 * t * direction)
            world = _paste(background, sprite, (x, y_path - t * height * 0.6), 1.0 - 0.5 * t)
        elif variant == "turning":
            mixed = (sprite[0] * (1 - t) + other[0] * t, sprite[1])
            world = _paste(background, mixed, (width * 0.5 + 3 * t * direction, y_path))
        elif variant == "flowing":
            world = background.copy()
            world[band[0] : band[1]] = np.roll(
                background[band[0] : band[1]], int(round(band_speed * k)), axis=1
            )
            rest = slice(band[1], None)  # leaves below the band, shaken by the wind
            world[rest] = np.roll(world[rest], int(round(rng.normal(0, 1.0))), axis=1)
        elif variant == "light":
            x = np.arange(width, dtype=np.float32)
            centre = width * (t if direction > 0 else 1 - t)
            gain = 1.0 + 0.8 * np.exp(-(((x - centre) / (0.15 * width)) ** 2))
            world = background * gain[None, :, None]
        elif variant == "breathing":
            focus = 0.1 + float(rng.normal(0, 0.04))
            world = optics.focused(focus)
            zoom = 1 + float(rng.normal(0, 0.0015))
        shot = kg._tripod(gen, rng, world_size)
        linear, _ = kg.view(world, scene.depth, shot.centre, kg.RENDER, zoom, 0.0)
        clock += interval * float(rng.uniform(0.9, 1.1)) if k else 0.0
        frames.append(
            kg.Frame(
                _finish(gen, linear, rng),
                seconds=clock,
                exposure_bias=0.0,
                exposure_seconds=kg.BASE_SECONDS,
                f_number=2.8 if shallow else 8.0,
                iso=200,
            )
        )
    return kg.Sequence("burst", variant, frames, scene.name)


def shoot(gen: kg.Generator, seed: int, each: int) -> list[kg.Sequence]:
    rng = np.random.default_rng(seed + 30_000)
    jobs = [VARIANTS[k % len(VARIANTS)] for k in range(each * len(VARIANTS))]
    return [tripod_burst(gen, rng, jobs[i]) for i in rng.permutation(len(jobs))]


def evaluate(name: str, seed: int, each: int) -> dict[str, Counter]:
    sequences = shoot(kg.GENERATORS[name], seed, each)
    stream = lay_out(sequences, seed)
    _, kinded = run_pipeline(stream)
    truth = [number for number, _, _ in stream]
    by_sequence = defaultdict(list)
    for piece in kinded:
        for number in {truth[i] for i in piece.members}:
            by_sequence[number].append(piece)
    table: dict[str, Counter] = defaultdict(Counter)
    for number, sequence in enumerate(sequences):
        table[sequence.variant][outcome(by_sequence[number])] += 1
    return table


def kept_whole(text: str) -> bool:
    return text.split(" ")[0] in ("bracket", "panorama", "focus_stack") or text.startswith(
        "split ("
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generator", choices=sorted(kg.GENERATORS), default=kg.TUNING)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--each", type=int, default=20, help="bursts per variant")
    args = parser.parse_args(argv)
    table = evaluate(args.generator, args.seed, args.each)
    whole = flagged = total = 0
    for variant in VARIANTS:
        counts = table[variant]
        print(f"  {variant:17s} " + ", ".join(f"{o} {n}" for o, n in counts.most_common()))
        whole += sum(n for o, n in counts.items() if kept_whole(o))
        flagged += sum(n for o, n in counts.items() if "possible" in o)
        total += sum(counts.values())
    print(
        f"{args.generator} seed {args.seed}: tripod bursts kept whole {whole}/{total}, "
        f"flagged possible {flagged}/{total}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
