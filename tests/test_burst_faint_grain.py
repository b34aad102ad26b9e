"""Faint grain a camera's noise reduction leaves, exposure read where grain does not move
tones, a shared exposure weighed with the same costs as every frame, and no grain read
against a white another frame blew out."""

from __future__ import annotations

import numpy as np
import pytest
import skimage.data
from PIL import Image
from test_burst_exposure import bright_to
from test_burst_generalising import costs, jpeg_frame, linear_scene, shoot

from app.scoring.burst import (
    GAMMA,
    _flat_tile_noise,
    _relative_exposures,
    judge_burst,
    stops_between,
)
from app.scoring.frame_measures import measure_frame


def reduced_noise_shot(light: np.ndarray, seed: int, sigma: float, shift: int) -> Image.Image:
    """A frame framed ``shift`` px off the corner, with what a camera's noise reduction
    left of a high ISO's grain: white grain of ``sigma`` (gamma encoded, below an 8-bit
    level); a quality-97 JPEG."""
    rng = np.random.default_rng(seed)
    framed = light[shift : shift + light.shape[0] - 8, shift : shift + light.shape[1] - 8]
    encoded = np.clip(framed, 0, 1) ** (1 / 2.2)
    encoded = np.clip(encoded + rng.normal(0, sigma, encoded.shape), 0, 1)
    return jpeg_frame(encoded, 97)


@pytest.mark.parametrize("name", ["rocket", "camera"])
def test_grain_left_after_noise_reduction_loses_to_the_clean_frame(name):
    """Three frames at a high ISO whose noise reduction left grain of a sigma under an
    8-bit level (below what an added sigma is charged for), one clean frame: where the
    burst is flat (sky, a wall) their residual is about twice the clean frame's, and that
    ratio costs, however faint the grain."""
    light = linear_scene(name)
    frames = [reduced_noise_shot(light, seed=k, sigma=0.004, shift=k) for k in range(3)]
    frames.insert(1, reduced_noise_shot(light, seed=9, sigma=0.0, shift=1))
    verdicts = judge_burst([measure_frame(f) for f in frames])
    assert int(np.argmin([v.cost for v in verdicts])) == 1
    assert all(v.grain_stops > 0.0 for k, v in enumerate(verdicts) if k != 1)


def test_grain_lifting_a_dark_scene_off_black_does_not_read_as_exposure():
    """A night scene, more than half of it a few levels above black, the rest lit.  In
    the high-ISO frame grain (and the noise reduction that smears it) lifts those dark
    tones by half; the lit part is as in the clean frame.  Exposure is read from the
    brighter tones, where the two frames agree: they were exposed alike."""
    rng = np.random.default_rng(3)
    lit = np.asarray(Image.fromarray(skimage.data.coffee()).resize((192, 128))) / 255.0
    frame = np.where(rng.random((128, 192, 1)) < 0.55, 12 / 255, lit)
    lifted = np.where(frame == 12 / 255, 18 / 255, frame)
    clean, noisy = (
        measure_frame(Image.fromarray((f * 255).round().astype(np.uint8))) for f in (frame, lifted)
    )
    assert abs(stops_between(clean, noisy)) < 0.2


@pytest.mark.parametrize("name", ["astronaut", "chelsea"])
def test_a_frame_reaching_white_disproves_a_shared_under_exposure_though_it_clips_a_little(name):
    """Four frames 1.2-1.5 stops under, one frame at the meter's exposure whose specular
    highlights blow out about 1 % of it: a stop of light left unused costs the shared
    frames more than that clipping costs the clean frame, so their exposure is no
    reference."""
    light = bright_to(linear_scene(name), 1.0)
    frames = [shoot(light, seed=k, stops=-1.2 - 0.1 * k, shift=1 + k) for k in range(4)]
    frames.insert(1, shoot(light, seed=9, shift=2))
    blown = measure_frame(frames[1]).clipped_high
    assert 0.004 < blown < 0.03
    assert int(np.argmin(costs(frames))) == 1


def test_a_white_the_brighter_frames_blow_out_is_no_reference_for_grain():
    """Half the frame a white paper with the sensor's grain on it, half a darker photo:
    two frames 1.3 stops brighter blow the paper out to a flat 255, without grain.  The
    grain of the clean frame's paper is compared with nothing there, so it adds none."""
    photo = linear_scene("astronaut", 256)[:160] * 0.25

    def frame(gain: float, seed: int):
        light = photo.copy()
        light[:, :128] = 0.6
        encoded = np.clip(light * gain, 0, 1) ** (1 / 2.2)
        grain = np.random.default_rng(seed).normal(0, 0.01, encoded.shape)
        encoded = np.clip(encoded + grain, 0, 1)
        return measure_frame(Image.fromarray((encoded * 255).round().astype(np.uint8)))

    frames = [frame(1.0, 1), frame(2.5, 2), frame(2.5, 3)]
    assert frames[1].clipped_high > 0.4
    gains = 2.0 ** (_relative_exposures(frames) / GAMMA)
    assert _flat_tile_noise(frames, gains)[0] == 0.0
