"""The technical scorer in scenes that fool simple measures: shallow depth of field, a subject
in motion, a white already blown in the scene; defects made in linear light by a sensor
model (photon counts, clipping at white), not added to the encoded frame."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageFilter
from test_photos_fixtures import scene

from app.scoring import TechnicalScorer

# An odd width: the halved frame's tile grid is one column shorter than the frame's.
SIZE = (353, 236)
PHOTONS = 4000.0  # at white, base ISO


def view(name: str, shift: int) -> np.ndarray:
    """A hand-held frame of the scene in linear light."""
    return (np.asarray(scene(name, size=SIZE, shift=shift), dtype=np.float32) / 255.0) ** 2.2


def subject(blurred: np.ndarray, sharp: np.ndarray) -> np.ndarray:
    """The middle of the frame from ``sharp``, everything around it from ``blurred``."""
    height, width = sharp.shape[:2]
    y, x = np.mgrid[0:height, 0:width]
    inside = np.hypot((y - height / 2) / (0.3 * height), (x - width / 2) / (0.3 * width)) < 1
    return np.where(inside[..., None], sharp, blurred)


def blur(linear: np.ndarray, radius: float) -> np.ndarray:
    encoded = Image.fromarray((np.clip(linear, 0, 1) ** (1 / 2.2) * 255).astype(np.uint8))
    blurred = encoded.filter(ImageFilter.GaussianBlur(radius))
    return (np.asarray(blurred, dtype=np.float32) / 255.0) ** 2.2


def streak(linear: np.ndarray, length: int, vertical: bool = False) -> np.ndarray:
    """Motion along a line of ``length`` px."""
    axis = 0 if vertical else 1
    return sum(np.roll(linear, k - length // 2, axis=axis) for k in range(length)) / length


def capture(linear: np.ndarray, stops: float = 0.0, iso: float = 1.0, seed: int = 0) -> Image.Image:
    """Expose, count photons, clip at white, tone-map (gamma 2.2 with a filmic toe and
    shoulder), save a quality-90 JPEG."""
    rng = np.random.default_rng(seed)
    photons = PHOTONS / iso
    counted = rng.poisson(np.clip(linear * 2.0**stops, 0, 4) * photons) / photons
    encoded = np.clip(counted, 0, 1) ** (1 / 2.2)
    encoded = 0.6 * encoded + 0.4 * encoded**2 * (3 - 2 * encoded)
    buffer = io.BytesIO()
    Image.fromarray((encoded * 255).round().astype(np.uint8)).save(buffer, "JPEG", quality=90)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def best(frames: list[Image.Image]) -> int:
    return int(np.argmax(TechnicalScorer().rank_series(frames)))


def shallow(name: str, shift: int) -> np.ndarray:
    """A fast lens: everything but the subject far out of focus."""
    linear = view(name, shift)
    return subject(blur(linear, 5.0), linear)


def moving(name: str, shift: int, length: int, vertical: bool) -> np.ndarray:
    """The subject moves (blurred along its own path in every frame); the rest stands."""
    linear = view(name, shift)
    return subject(linear, streak(linear, length, vertical))


def burst(scene_at, defect: dict) -> list[Image.Image]:
    """The clean frame first, then two frames with ``defect`` (keyword arguments of
    :func:`capture`), each a little shifted."""
    return [
        capture(scene_at(0), seed=0),
        capture(scene_at(2), seed=1, **defect),
        capture(scene_at(4), seed=2, **defect),
    ]


def test_sensor_noise_loses_to_the_clean_frame_with_a_shallow_depth_of_field():
    """A high ISO in linear light (photon noise, then the tone curve) reads as detail in
    the sorted tile energies; measured in the flattest tiles it is noise."""
    assert best(burst(lambda s: shallow("astronaut", s), {"iso": 12})) == 0


def test_sensor_noise_loses_to_the_clean_frame_where_the_subject_moves():
    frames = burst(lambda s: moving("astronaut", s, 11 if s == 2 else 9, s == 2), {"iso": 12})
    assert best(frames) == 0


def test_under_exposure_loses_with_a_shallow_depth_of_field():
    """1.5 stops darker: the darker frame's grain, brought to the same level, must not buy
    it the detail that would disqualify the brighter frame as the better exposure."""
    frames = burst(lambda s: shallow("immunohistochemistry", s), {"stops": -1.5})
    assert best(frames) == 0


def test_under_exposure_loses_where_the_subject_moves():
    frames = burst(lambda s: moving("astronaut", s, 11 if s == 2 else 9, s == 2), {"stops": -1.5})
    assert best(frames) == 0


def test_shake_loses_to_the_sharp_frame_where_the_subject_already_moves():
    def shaken(shift: int) -> np.ndarray:
        still = moving("astronaut", shift, 11 if shift == 2 else 9, shift == 2)
        return still if shift == 0 else streak(still, 7, vertical=shift == 4)

    assert best(burst(shaken, {})) == 0
