"""Closed-eye and sunglasses variants of licence-clean portraits, for tests and the samples.

No licence-clean photograph of a blink ships with any package this project can install, so
closed eyes are made from open ones, the way a blink looks: the upper lid comes down.  For
each eye, the skin between the upper lid and the brow (a band as tall as the eye is open,
lashes at its lower edge) is stretched down, column by column, until its lower edge, with the
lashes, lies on the lower lid; the brow and everything above the band stay where they are.
Nothing is painted: every pixel of the closed lid is the same person's own lid skin, and the
lash line is her own upper lashes.  The eye openings are 16-point lid contours (lower lid
corner to corner, then the upper lid between the corners, MediaPipe's iris-model order),
placed on each photograph and checked by eye at 10x; they are constants here, so the
fixtures do not depend on the model under test.

Sunglasses are dark, slightly glossy lenses over both eyes with a bridge between them.

Sources (public domain, see tests/data/faces/README.md and resources/samples/LICENSE.md):
scikit-image's ``astronaut`` (Eileen Collins, NASA) and Matplotlib's ``grace_hopper.jpg``
(US Navy), stored in tests/data/faces/.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

REPO = Path(__file__).resolve().parents[1]
FACES_DATA = REPO / "tests" / "data" / "faces"

Contour = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Portrait:
    name: str
    eyes: tuple[Contour, Contour]  # the eye on the image's left, then the one on its right

    def load(self) -> Image.Image:
        if self.name == "astronaut":
            import skimage.data

            return Image.fromarray(skimage.data.astronaut()).convert("RGB")
        return Image.open(FACES_DATA / f"{self.name}.jpg").convert("RGB")


ASTRONAUT = Portrait(
    "astronaut",
    (
        (
            (195.5, 101.0), (197.0, 102.5), (198.5, 103.5), (201.0, 104.5), (204.0, 104.5),
            (207.0, 104.5), (210.5, 104.0), (212.5, 104.0), (213.5, 103.5), (196.5, 100.0),
            (197.5, 99.5), (199.5, 98.5), (203.0, 98.0), (206.5, 98.5), (209.5, 100.0),
            (212.0, 102.5),
        ),
        (
            (255.5, 104.5), (254.0, 105.5), (252.0, 106.5), (250.0, 107.0), (246.5, 107.0),
            (243.5, 106.5), (240.5, 105.5), (238.5, 105.5), (237.5, 105.0), (255.0, 103.5),
            (254.0, 102.5), (252.0, 101.0), (248.5, 100.0), (245.0, 100.0), (241.5, 101.5),
            (239.0, 103.5),
        ),
    ),
)  # fmt: skip

GRACE_HOPPER = Portrait(
    "grace_hopper",
    (
        (
            (209.0, 194.0), (212.0, 195.5), (215.5, 196.5), (219.5, 196.5), (225.5, 196.0),
            (230.5, 195.0), (235.0, 194.0), (238.0, 194.0), (239.5, 194.0), (210.5, 192.5),
            (212.0, 191.0), (215.0, 189.0), (221.0, 187.0), (226.5, 187.0), (232.5, 189.0),
            (237.0, 192.0),
        ),
        (
            (319.5, 188.0), (317.0, 189.5), (314.0, 190.5), (310.5, 191.5), (305.0, 192.0),
            (300.0, 192.0), (295.0, 192.0), (292.0, 192.5), (290.5, 192.5), (318.0, 187.0),
            (316.0, 185.5), (312.5, 183.5), (307.0, 183.0), (301.5, 184.0), (296.0, 187.0),
            (292.5, 190.5),
        ),
    ),
)  # fmt: skip

PORTRAITS = (ASTRONAUT, GRACE_HOPPER)


def transform_eyes(
    eyes: tuple[Contour, Contour], scale: float = 1.0, offset: tuple[float, float] = (0.0, 0.0)
) -> tuple[Contour, Contour]:
    """The contours after the photograph is scaled by ``scale`` and then shifted by ``offset``."""
    return tuple(
        tuple((x * scale + offset[0], y * scale + offset[1]) for x, y in eye) for eye in eyes
    )  # type: ignore[return-value]


def _lid_lines(contour: Contour) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Columns spanned by the eye and, for each, the upper and the lower lid's y."""
    points = np.asarray(contour, dtype=np.float64)
    lower = points[:9]
    upper = np.concatenate([points[:1], points[9:], points[8:9]])
    if lower[0, 0] > lower[-1, 0]:  # the mirrored eye runs right to left
        lower, upper = lower[::-1], upper[::-1]
    xs = np.arange(np.ceil(lower[0, 0]), np.floor(lower[-1, 0]) + 1)
    return xs, np.interp(xs, upper[:, 0], upper[:, 1]), np.interp(xs, lower[:, 0], lower[:, 1])


def close_eyes(
    image: Image.Image, eyes: tuple[Contour, Contour], amount: float = 1.0
) -> Image.Image:
    """The photograph with both eyes closed (``amount`` 1) or half closed (0.5).

    The band of lid skin above each eye, as tall as the eye's widest opening, is stretched
    down so that its lower edge moves ``amount`` of the way from the upper to the lower lid.
    """
    array = np.asarray(image, dtype=np.float32)
    out = array.copy()
    for contour in eyes:
        xs, upper, lower = _lid_lines(contour)
        band = float(np.max(lower - upper)) * 1.2
        # A little past each corner, fading out, so the lid has no hard edge at the corners.
        for x, top_lid, bottom_lid in zip(xs, upper, lower, strict=True):
            column = int(x)
            if not 0 <= column < array.shape[1]:
                continue
            # The contour runs along the inner edge of the lids: go a fifth of the opening past
            # the lower one so no rim of iris is left below the closed lid.
            target = top_lid + amount * 1.2 * (bottom_lid - top_lid)
            start = top_lid - band
            # The band ends a little above the contour: no catchlight from the iris may come down.
            top_source = top_lid - 0.1 * (bottom_lid - top_lid) - 0.5
            rows = np.arange(int(np.floor(start)), int(np.ceil(target)) + 2)
            rows = rows[(rows >= 0) & (rows < array.shape[0])]
            # Row y of the new lid shows row source(y) of the old one: [start, target] is
            # stretched from [start, top_lid]; below target the lower lid's own skin stays.
            fraction = np.clip((rows + 0.5 - start) / max(target - start, 1e-3), 0.0, 1.0)
            source = start + fraction * (top_source - start) - 0.5
            inside = rows + 0.5 <= target + 0.5
            low = np.clip(np.floor(source).astype(int), 0, array.shape[0] - 1)
            high = np.clip(low + 1, 0, array.shape[0] - 1)
            weight = (source - np.floor(source))[:, None]
            sampled = array[low, column] * (1 - weight) + array[high, column] * weight
            out[rows[inside], column] = sampled[inside]
    result = Image.fromarray(np.clip(out + 0.5, 0, 255).astype(np.uint8))
    # Soften the seams left by the column-wise warp (only around the eyes).
    soft = result.filter(ImageFilter.GaussianBlur(0.6))
    mask = Image.new("L", image.size, 0)
    draw = ImageDraw.Draw(mask)
    for contour in eyes:
        xs, upper, lower = _lid_lines(contour)
        band = float(np.max(lower - upper)) * 1.2
        draw.rectangle(
            (xs[0] - 1, float(upper.min()) - band, xs[-1] + 1, float(lower.max()) + 1), fill=255
        )
    mask = mask.filter(ImageFilter.GaussianBlur(1.5))
    return Image.composite(soft, result, mask)


def sunglasses(image: Image.Image, eyes: tuple[Contour, Contour]) -> Image.Image:
    """Dark lenses over both eyes and the skin around them, with a bridge between them."""
    lenses = Image.new("L", image.size, 0)
    draw = ImageDraw.Draw(lenses)
    centres = []
    for contour in eyes:
        points = np.asarray(contour)
        cx, cy = points[:, 0].mean(), points[:, 1].mean()
        width = float(np.ptp(points[:, 0]))
        centres.append((cx, cy, width))
        box = (cx - 0.95 * width, cy - 0.7 * width, cx + 0.95 * width, cy + 0.65 * width)
        draw.ellipse(box, fill=255)
    (lx, ly, lw), (rx, ry, rw) = sorted(centres)
    bridge = (lx + 0.9 * lw, ly - 0.3 * lw, rx - 0.9 * rw, ry - 0.3 * rw)
    draw.line(bridge, fill=255, width=max(2, round(lw * 0.12)))
    lenses = lenses.filter(ImageFilter.GaussianBlur(0.8))
    tint = Image.new("RGB", image.size, (24, 25, 28))
    return Image.composite(tint, image, lenses)


def labelled_set(out: Path) -> Path:
    """Write a labelled evaluation set for ``python -m app.faces.evaluate`` and return its CSV.

    Every portrait open, closed and half closed (a squint: labelled open, since calling it
    closed is a false alarm), each as the photograph itself at three sizes, tilted by -12,
    0 and 12 degrees, and pasted into a 2400 px scene (the astronaut's eyes are then about
    10 px wide in the 1024 px preview: found with tiles, judged in the full-size source).
    """
    import skimage.data

    out.mkdir(parents=True, exist_ok=True)
    backdrop = Image.fromarray(skimage.data.coffee()).resize((2400, 1600))
    rows = []
    for portrait in PORTRAITS:
        base = portrait.load()
        variants = (
            ("open", "open", base),
            ("closed", "closed", close_eyes(base, portrait.eyes)),
            ("squint", "open", close_eyes(base, portrait.eyes, amount=0.5)),
        )
        for kind, label, image in variants:
            for scale in (1.0, 0.6, 0.35):
                for tilt in (-12, 0, 12):
                    frame = image.resize(
                        (round(image.width * scale), round(image.height * scale)),
                        Image.Resampling.LANCZOS,
                    )
                    if tilt:
                        frame = frame.rotate(tilt, Image.Resampling.BICUBIC, expand=True)
                    name = f"{portrait.name}_{kind}_{round(scale * 100)}_{tilt:+d}.jpg"
                    frame.save(out / name, quality=90)
                    rows.append((name, label))
            scene = backdrop.copy()
            scene.paste(image.resize((640, 640), Image.Resampling.LANCZOS), (1300, 500))
            name = f"{portrait.name}_{kind}_scene.jpg"
            scene.save(out / name, quality=90)
            rows.append((name, label))
    labels = out / "labels.csv"
    labels.write_text("path,label\n" + "".join(f"{n},{lab}\n" for n, lab in rows), encoding="utf-8")
    return labels


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Write the synthetic labelled eye-state set.")
    parser.add_argument("out", type=Path)
    print(labelled_set(parser.parse_args().out))
