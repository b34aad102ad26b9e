"""Eyes behind glasses: open / closed / unknown rates through generated frames and lenses.

The one real pair of glasses available offline is Grace Hopper's (clear lenses, thin
rims).  Glasses are drawn on the astronaut by two generators that share no code or
parameters, so a change tuned on one is reported on the other:

* ``rims`` (tuning): elliptic dark rims with a bridge; the same with a bright streak across
  each lens; thick rims over tinted lenses.
* ``frames`` (held out): rounded rectangular frames in brown, gold or black of 2-5 % of the
  face, half-rims (the upper edge only), soft round glare spots, a faint grey or brown
  lens tint, different lens sizes and bridge heights.

Every face is measured with its eyes open, closed and half closed (a squint, whose
right answer is "open" or "unknown": "closed" there is a false alarm), at three sizes and
three tilts, with and without glasses.  It prints, per set, the share of verdicts that are
open, closed and unknown, the squints called closed, and the range of two measures a
glasses rule would need to separate a blink from a squint: the openness of the lids, and
the iris contrast (the luma at the iris centre over that of the eye's opening on either
side of it: about 0.3 where an iris shows against the white of the eye, about 1 on a
closed lid); ``--detail`` prints every face.

    python benchmarks/glasses_eval.py [--detail]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import synthetic_faces  # noqa: E402

from app.faces import FaceAnalyzer, faces_problem  # noqa: E402
from app.faces.landmarks import FaceLandmarks, face_roi  # noqa: E402

SCALES = (1.0, 0.8, 0.65)
TILTS = (-8, 0, 8)
STATES = (("open", 0.0), ("closed", 1.0), ("squint", 0.5))
Dress = Callable[[Image.Image], Image.Image]


def _lenses(eyes) -> list[tuple[float, float, float]]:
    """Centre and width of each eye opening, left to right."""
    out = []
    for contour in eyes:
        points = np.asarray(contour)
        out.append((points[:, 0].mean(), points[:, 1].mean(), float(np.ptp(points[:, 0]))))
    return sorted(out)


def rims(
    image: Image.Image, eyes, rim: int, reflection: bool = False, tint: int = 0
) -> Image.Image:
    """The tuning generator: elliptic rims ``rim`` px wide around each eye and a bridge;
    optionally a bright streak across each lens and a tint of opacity ``tint``."""
    out = image.copy()
    draw = ImageDraw.Draw(out, "RGBA")
    centres = _lenses(eyes)
    for cx, cy, w in centres:
        box = (cx - 1.0 * w, cy - 0.75 * w, cx + 1.0 * w, cy + 0.7 * w)
        if tint:
            draw.ellipse(box, fill=(40, 40, 50, tint))
        if reflection:
            streak = [
                (cx - 0.8 * w, cy - 0.6 * w),
                (cx - 0.2 * w, cy - 0.7 * w),
                (cx + 0.5 * w, cy + 0.5 * w),
                (cx - 0.1 * w, cy + 0.6 * w),
            ]
            draw.polygon(streak, fill=(255, 255, 255, 110))
        draw.ellipse(box, outline=(20, 20, 20, 255), width=rim)
    (lx, ly, lw), (rx, ry, rw) = centres
    draw.line((lx + lw, ly - 0.2 * lw, rx - rw, ry - 0.2 * rw), fill=(20, 20, 20, 255), width=rim)
    return out


def frames(
    image: Image.Image,
    eyes,
    colour: tuple[int, int, int],
    thickness: float,
    half_rim: bool = False,
    glare: bool = False,
    tint: tuple[int, int, int, int] | None = None,
    lens: tuple[float, float] = (1.1, 0.6),
) -> Image.Image:
    """The held-out generator: rounded rectangular frames ``thickness`` of the eye width
    thick, only the upper edge for ``half_rim``; soft round glare spots; a lens tint."""
    centres = _lenses(eyes)
    face_w = centres[1][0] - centres[0][0]
    width = max(1, round(thickness * face_w))
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    half_w, half_h = lens
    for cx, cy, w in centres:
        box = (
            cx - half_w * w,
            cy - 0.55 * half_h * w * 2,
            cx + half_w * w,
            cy + 0.45 * half_h * w * 2,
        )
        if tint:
            draw.rounded_rectangle(box, radius=0.4 * w, fill=tint)
        if half_rim:
            draw.line(
                (box[0], box[1] + 0.15 * w, box[2], box[1] + 0.15 * w),
                fill=(*colour, 255),
                width=width,
            )
        else:
            draw.rounded_rectangle(box, radius=0.4 * w, outline=(*colour, 255), width=width)
    (lx, ly, lw), (rx, ry, rw) = centres
    draw.line(
        (lx + half_w * lw, ly - 0.45 * lw, rx - half_w * rw, ry - 0.45 * rw),
        fill=(*colour, 255),
        width=width,
    )
    out = Image.alpha_composite(image.convert("RGBA"), layer.filter(ImageFilter.GaussianBlur(0.5)))
    if glare:
        spots = Image.new("L", image.size, 0)
        spot = ImageDraw.Draw(spots)
        for cx, cy, w in centres:
            r = 0.3 * w
            spot.ellipse(
                (cx + 0.3 * w - r, cy - 0.4 * w - r, cx + 0.3 * w + r, cy - 0.4 * w + r), fill=150
            )
        spots = spots.filter(ImageFilter.GaussianBlur(0.15 * centres[0][2]))
        out = Image.composite(Image.new("RGBA", image.size, (255, 255, 255, 255)), out, spots)
    return out.convert("RGB")


def dressings(portrait) -> dict[str, list[tuple[str, Dress]]]:
    """Per set, the ways the face is dressed."""
    eyes = portrait.eyes
    if portrait is synthetic_faces.GRACE_HOPPER:
        return {"her own glasses": [("as photographed", lambda im: im)]}
    return {
        "no glasses": [("bare", lambda im: im)],
        "rims (tuning)": [
            ("drawn rims", lambda im: rims(im, eyes, 3)),
            ("rims and reflections", lambda im: rims(im, eyes, 3, reflection=True)),
            ("thick rims, tinted", lambda im: rims(im, eyes, 6, tint=60)),
        ],
        "frames (held out)": [
            ("black frames", lambda im: frames(im, eyes, (25, 20, 20), 0.05)),
            (
                "brown, glare",
                lambda im: frames(im, eyes, (90, 55, 30), 0.035, glare=True, lens=(1.0, 0.7)),
            ),
            (
                "gold half-rims",
                lambda im: frames(im, eyes, (190, 160, 80), 0.025, half_rim=True, lens=(1.2, 0.55)),
            ),
            (
                "grey tint",
                lambda im: frames(
                    im, eyes, (40, 40, 40), 0.03, tint=(90, 80, 70, 50), lens=(1.05, 0.65)
                ),
            ),
        ],
    }


def iris_contrast(gray: np.ndarray, face: FaceLandmarks) -> float:
    """Luma at the iris centre over that 1.6 iris radii to either side along the eye, both
    eyes averaged: a visible iris is darker than the white of the eye beside it."""
    height, width = gray.shape

    def luma(points: np.ndarray) -> float:
        xs = np.clip(np.round(points[:, 0]).astype(int), 0, width - 1)
        ys = np.clip(np.round(points[:, 1]).astype(int), 0, height - 1)
        return float(np.median(gray[ys, xs]))

    turns = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    ring = np.c_[np.cos(turns), np.sin(turns)]
    ratios = []
    for eye in face.eyes:
        centre = eye.iris[0]
        radius = float(np.mean([np.hypot(*(p - centre)) for p in eye.iris[1:]]))
        along = eye.lids[8] - eye.lids[0]
        along = along / max(float(np.hypot(*along)), 1e-6)
        iris = luma(np.concatenate([centre[None], centre + 0.3 * radius * ring]))
        beside = [luma(centre + k * radius * along + 0.15 * radius * ring) for k in (-1.6, 1.6)]
        ratios.append(iris / max(float(np.mean(beside)), 1e-3))
    return float(np.mean(ratios))


@dataclass
class Tally:
    verdicts: Counter = field(default_factory=Counter)
    openness: list[float] = field(default_factory=list)
    contrast: list[float] = field(default_factory=list)


def measure(analyzer: FaceAnalyzer, image: Image.Image, tally: Tally) -> str:
    faces = analyzer.analyze(image)
    if not faces:
        tally.verdicts["no face"] += 1
        return "-"
    face = faces[0]
    tally.verdicts[face.eyes] += 1
    if face.openness is None:
        return face.eyes[0]
    tally.openness.append(face.openness)
    detection = max(analyzer.find(image), key=lambda d: d.box[2])
    landmarks = analyzer.landmarks.face(image, face_roi(detection))
    gray = np.asarray(image.convert("L"), dtype=np.float32) / 255.0
    tally.contrast.append(iris_contrast(gray, landmarks))
    return f"{face.eyes[0]}{face.openness:.2f}/{tally.contrast[-1]:.2f}"


def evaluate(analyzer: FaceAnalyzer, detail: bool = False) -> dict[str, dict[str, Tally]]:
    """Per set and eye state, the verdicts and the measures."""
    table: dict[str, dict[str, Tally]] = {}
    for portrait in synthetic_faces.PORTRAITS:
        photo = portrait.load()
        for state, amount in STATES:
            image = synthetic_faces.close_eyes(photo, portrait.eyes, amount) if amount else photo
            for group, dresses in dressings(portrait).items():
                tally = table.setdefault(group, {}).setdefault(state, Tally())
                for name, dress in dresses:
                    dressed = dress(image)
                    cells = []
                    for scale in SCALES:
                        size = (round(dressed.width * scale), round(dressed.height * scale))
                        resized = dressed.resize(size, Image.Resampling.LANCZOS)
                        for tilt in TILTS:
                            turned = (
                                resized.rotate(tilt, Image.Resampling.BICUBIC) if tilt else resized
                            )
                            cells.append(measure(analyzer, turned, tally))
                    if detail:
                        print(f"  {portrait.name:<13}{state:<8}{name:<22}{' '.join(cells)}")
    return table


def span(values: list[float]) -> str:
    return f"{min(values):.2f}-{max(values):.2f}" if values else "-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--detail", action="store_true", help="print every face")
    args = parser.parse_args(argv)
    if problem := faces_problem():
        print(problem)
        return 1
    table = evaluate(FaceAnalyzer(), args.detail)
    print(
        f"\n{'set':<20}{'eyes':<8}{'faces':>6}{'open':>7}{'closed':>8}{'unknown':>9}"
        f"{'no face':>9}{'openness':>12}{'iris contrast':>15}"
    )
    for group, states in table.items():
        for state, tally in states.items():
            n = sum(tally.verdicts.values())
            shares = "".join(
                f"{tally.verdicts[v] / n:>{w}.2f}"
                for v, w in (("open", 7), ("closed", 8), ("unknown", 9), ("no face", 9))
            )
            print(
                f"{group:<20}{state:<8}{n:>6}{shares}{span(tally.openness):>12}"
                f"{span(tally.contrast):>15}"
            )
    print(
        "(a squint's right answer is open or unknown: its 'closed' share is the false alarm rate)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
