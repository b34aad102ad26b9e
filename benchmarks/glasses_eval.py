"""Eyes behind glasses: what the eye-state decision sees through frames and reflections.

The one real pair of glasses available offline is Grace Hopper's (clear lenses, thin
rims); the astronaut gets drawn ones: dark rims with a bridge, the same with a reflection
across each lens, and thick rims over tinted lenses.  Each face is measured open and with
the eyes closed (scripts/synthetic_faces.py's lid warp) at full size, 0.65 and 0.4 of it,
and the verdict, openness and reason are printed; docs/faces.md has the table.

    python benchmarks/glasses_eval.py
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import synthetic_faces  # noqa: E402

from app.faces import FaceAnalyzer, faces_problem  # noqa: E402

SCALES = (1.0, 0.65, 0.4)


def glasses(
    image: Image.Image, eyes, rim: int, reflection: bool = False, tint: int = 0
) -> Image.Image:
    """``image`` with drawn glasses: elliptic rims ``rim`` px wide around each eye and a
    bridge; optionally a bright streak across each lens and a tint of opacity ``tint``."""
    out = image.copy()
    draw = ImageDraw.Draw(out, "RGBA")
    centres = []
    for contour in eyes:
        points = np.asarray(contour)
        cx, cy, w = points[:, 0].mean(), points[:, 1].mean(), float(np.ptp(points[:, 0]))
        centres.append((cx, cy, w))
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
    (lx, ly, lw), (rx, ry, rw) = sorted(centres)
    draw.line((lx + lw, ly - 0.2 * lw, rx - rw, ry - 0.2 * rw), fill=(20, 20, 20, 255), width=rim)
    return out


def variants(portrait) -> list[tuple[str, Callable[[Image.Image], Image.Image]]]:
    if portrait is synthetic_faces.GRACE_HOPPER:
        return [("her own glasses", lambda image: image)]
    eyes = portrait.eyes
    return [
        ("no glasses", lambda image: image),
        ("drawn rims", lambda image: glasses(image, eyes, 3)),
        ("rims and reflections", lambda image: glasses(image, eyes, 3, reflection=True)),
        ("thick rims, tinted", lambda image: glasses(image, eyes, 6, tint=60)),
    ]


def main() -> int:
    if problem := faces_problem():
        print(problem)
        return 1
    analyzer = FaceAnalyzer()
    print(f"{'person':<14}{'eyes':<8}{'glasses':<22}" + "".join(f"{s:>26}" for s in SCALES))
    for portrait in synthetic_faces.PORTRAITS:
        photo = portrait.load()
        for label, image in (
            ("open", photo),
            ("closed", synthetic_faces.close_eyes(photo, portrait.eyes)),
        ):
            for name, dress in variants(portrait):
                dressed = dress(image)
                cells = []
                for scale in SCALES:
                    size = (round(dressed.width * scale), round(dressed.height * scale))
                    faces = analyzer.analyze(dressed.resize(size, Image.Resampling.LANCZOS))
                    if not faces:
                        cells.append("no face")
                        continue
                    face = faces[0]
                    openness = "-" if face.openness is None else f"{face.openness:.2f}"
                    cells.append(f"{face.eyes} {openness} {face.reason}".strip()[:25])
                print(
                    f"{portrait.name:<14}{label:<8}{name:<22}" + "".join(f"{c:>26}" for c in cells)
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
