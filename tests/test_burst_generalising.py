"""Rules that keep the technical pick and grouping right on cameras they were not tuned on:
grain measured where the burst is flat, the exposure most of a burst shares, blank and
noisy frames at the end of a burst."""

from __future__ import annotations

import io

import numpy as np
import pytest
import skimage.data
from PIL import Image
from test_photos_fixtures import exposed, noisy, scene

from app.grouping import GroupingParams, GroupItem, group_series, make_thumbnail
from app.scoring.burst import _exposure_clipping, judge_burst
from app.scoring.frame_measures import measure_frame, noise_residual_map


def jpeg_frame(encoded: np.ndarray, quality: int) -> Image.Image:
    """A gamma-encoded frame in [0, 1] as the camera's JPEG at ``quality``, read back."""
    buffer = io.BytesIO()
    Image.fromarray((encoded * 255).round().astype(np.uint8)).save(buffer, "JPEG", quality=quality)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def linear_scene(name: str, width: int = 192) -> np.ndarray:
    image = Image.fromarray(getattr(skimage.data, name)()).convert("RGB")
    image = image.resize((width, round(image.height * width / image.width)), Image.LANCZOS)
    return (np.asarray(image, dtype=np.float64) / 255) ** 2.2


def shoot(light: np.ndarray, seed: int, stops: float = 0.0, shift: int = 0) -> Image.Image:
    """A camera frame: photons counted in linear light, gamma, a quality-90 JPEG."""
    rng = np.random.default_rng(seed)
    photons = 20000.0
    electrons = rng.poisson(np.clip(np.roll(light, shift, axis=(0, 1)) * 2**stops, 0, 4) * photons)
    encoded = np.clip((electrons + rng.normal(0, 2, light.shape)) / photons, 0, 1) ** (1 / 2.2)
    return jpeg_frame(encoded, 90)


def filmic_shot(light: np.ndarray, seed: int, gain: float, shift: tuple[int, int]) -> Image.Image:
    """A camera with a filmic tone curve: 4000 photons at white at base ISO (``gain`` 1),
    ``gain`` times fewer at a higher ISO, read noise, a quality-90 JPEG."""
    rng = np.random.default_rng(seed)
    photons = 4000.0 / gain
    signal = np.minimum(np.roll(light, shift, axis=(0, 1)) * photons, photons * 4)
    electrons = rng.poisson(signal) + rng.normal(0, 2, light.shape)
    encoded = np.clip(electrons / photons, 0, 1) ** (1 / 2.2)
    toned = 0.6 * encoded + 0.4 * (3 * encoded**2 - 2 * encoded**3)
    return jpeg_frame(toned, 90)


def costs(frames: list[Image.Image]) -> list[float]:
    return [v.cost for v in judge_burst([measure_frame(f) for f in frames])]


def test_the_residual_reads_the_sigma_of_grain_on_a_flat_frame():
    rng = np.random.default_rng(0)
    flat = np.full((128, 128), 0.5, dtype=np.float32)
    for sigma in (0.01, 0.03):
        grain = flat + rng.normal(0, sigma, flat.shape).astype(np.float32)
        assert np.median(noise_residual_map(grain, 32)) == pytest.approx(sigma, rel=0.1)
    # A ramp of tone is no grain.
    ramp = np.tile(np.linspace(0, 1, 128, dtype=np.float32), (128, 1))
    assert float(noise_residual_map(ramp, 32).max()) < 1e-4


@pytest.mark.parametrize("seed", [0, 1])
def test_high_iso_grain_that_reads_as_detail_loses_to_the_clean_frame(seed):
    """A soft microscope image: at full size the grain of two high-ISO frames passes for
    detail; the residual where the burst is flat tells it is grain."""
    light = linear_scene("immunohistochemistry", 256)
    frames = [
        filmic_shot(light, seed, 12.0, (1, 2)),
        filmic_shot(light, seed + 10, 1.0, (0, 0)),
        filmic_shot(light, seed + 20, 12.0, (3, 1)),
    ]
    assert int(np.argmin(costs(frames))) == 1


def test_a_dark_scene_keeps_the_exposure_most_of_the_burst_shares():
    """A low-key scene shot four times as meant and once 1.5 stops brighter, clipping
    nothing: the brighter frame left no light unused for the others; it is off the burst."""
    for name in ("coffee", "chelsea", "astronaut"):
        dark = linear_scene(name) * 0.12
        frames = [shoot(dark, seed=k, shift=k) for k in range(4)]
        frames.append(shoot(dark, seed=9, stops=1.5, shift=2))
        assert int(np.argmin(costs(frames))) != 4, name


def test_a_noisy_last_frame_stays_with_its_burst():
    """A flat sky full of grain looks like nothing else once tones are standardised."""
    items = [
        GroupItem("r1", "A", 0.0, make_thumbnail(scene("rocket"))),
        GroupItem("r2", "A", 0.3, make_thumbnail(scene("rocket", shift=2))),
        GroupItem("r3", "A", 0.6, make_thumbnail(noisy(scene("rocket", shift=3), 0.25, 1))),
        GroupItem("c1", "A", 1.0, make_thumbnail(scene("coffee"))),
    ]
    series = [[items[i].key for i in members] for members in group_series(items)]
    assert series == [["r1", "r2", "r3"], ["c1"]]


def test_a_blown_out_last_frame_stays_with_its_burst():
    white = Image.new("RGB", (240, 160), (255, 254, 255))
    items = [
        GroupItem("a1", "A", 0.0, make_thumbnail(scene("astronaut"))),
        GroupItem("a2", "A", 0.3, make_thumbnail(scene("astronaut", shift=2))),
        GroupItem("a3", "A", 0.5, make_thumbnail(white)),
        # ... but a blank frame long after is a new series
        GroupItem("a4", "A", 30.0, make_thumbnail(white)),
    ]
    series = [[items[i].key for i in members] for members in group_series(items)]
    assert series == [["a1", "a2", "a3"], ["a4"]]


def test_a_frame_unlike_its_defective_neighbour_is_compared_with_the_frames_before():
    """Grainy, then grainy and blown: the last two differ more than each differs from the
    clean first frame."""
    params = GroupingParams(min_similarity=0.25, short_gap_relief=0.0)
    items = [
        GroupItem("r1", "A", 0.0, make_thumbnail(scene("rocket"))),
        GroupItem("r2", "A", 0.3, make_thumbnail(noisy(scene("rocket", shift=2), 0.25, 1))),
        GroupItem(
            "r3", "A", 0.6, make_thumbnail(exposed(noisy(scene("rocket", shift=3), 0.25, 2), 2.0))
        ),
    ]
    series = [[items[i].key for i in members] for members in group_series(items, params)]
    assert series == [["r1", "r2", "r3"]]


def mosaic_shot(light: np.ndarray, seed: int, well: float, read: float, shift) -> Image.Image:
    """A small-sensor camera: an RGGB mosaic counting ``well`` photons at white with read
    noise, bilinear demosaicing (which spreads grain over neighbours), gamma, a JPEG."""
    from scipy import ndimage

    rng = np.random.default_rng(seed)
    light = np.roll(light, shift, axis=(0, 1))
    height, width = (light.shape[0] // 2) * 2, (light.shape[1] // 2) * 2
    channel = np.zeros((height, width), dtype=int)
    channel[0::2, 1::2] = channel[1::2, 0::2] = 1
    channel[1::2, 1::2] = 2
    rows, cols = np.indices((height, width))
    photons = np.clip(light[rows, cols, channel], 0, 4) * well
    raw = np.clip((rng.poisson(photons) + rng.normal(0, read, photons.shape)) / well, 0, 1)
    kernel = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], dtype=np.float64)
    planes = [
        ndimage.convolve(raw * (channel == c), kernel, mode="mirror")
        / ndimage.convolve((channel == c) * 1.0, kernel, mode="mirror")
        for c in range(3)
    ]
    encoded = np.clip(np.stack(planes, axis=2), 0, 1) ** (1 / 2.2)
    return jpeg_frame(encoded, 90)


@pytest.mark.parametrize("seed", [0, 1])
def test_grain_on_a_smooth_colour_image_is_no_detail(seed):
    """scikit-image's colour wheel: smooth colour, deep black around it.  At high ISO the
    grain on a small sensor's mosaic passes for detail in the sorted energies and lifts the
    crushed blacks; above each frame's own grain the grainy frames are not sharper, and the
    clean frame's blacks are no worse exposed."""
    import os

    path = os.path.join(os.path.dirname(skimage.data.__file__), "color.png")
    image = Image.open(path).convert("RGB")
    image = image.resize((192, round(image.height * 192 / image.width)), Image.LANCZOS)
    light = (np.asarray(image, dtype=np.float64) / 255) ** 2.2
    frames = [
        mosaic_shot(light, seed, 300.0, 5.0, (1, 2)),
        mosaic_shot(light, seed + 10, 6000.0, 1.5, (0, 0)),
        mosaic_shot(light, seed + 20, 300.0, 5.0, (2, 1)),
    ]
    assert int(np.argmin(costs(frames))) == 1


def test_crushed_blacks_are_judged_against_frames_no_grainier():
    """A frame exposed a little more whose blacks grain lifted off zero shows no better
    shadows: only a reference without clearly more grain counts."""
    clipped, stops = [0.12, 0.002], np.array([0.0, 0.4])
    assert _exposure_clipping(clipped, -stops)[0] > 0.1
    assert _exposure_clipping(clipped, -stops, grain=np.array([0.001, 0.006]))[0] == 0.0
