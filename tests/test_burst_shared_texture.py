"""Fine texture is shared by every frame of a burst, grain is not: a frame that kept the
finest texture a slight defocus took from the others is not charged for it as grain."""

from __future__ import annotations

import numpy as np
import skimage.data
from PIL import Image
from scipy.ndimage import convolve
from test_burst_generalising import jpeg_frame

from app.scoring.burst import judge_burst, shared_detail_leads
from app.scoring.frame_measures import measure_frame

WIDTH = 256
GRAIN = 0.006


def photograph(name: str) -> np.ndarray:
    """One of scikit-image's photographs in grey, gamma encoded, with a margin for the
    hand-held shift."""
    image = Image.fromarray(getattr(skimage.data, name)()).convert("L")
    image = image.resize((WIDTH + 8, WIDTH + 8), Image.LANCZOS)
    return np.asarray(image, dtype=np.float64) / 255


def frame(scene: np.ndarray, seed: int, radius: float = 0.0, grain: float = GRAIN):
    """The scene shifted by ``seed`` px, defocused by a disc of ``radius`` px, with grain,
    a quality-92 JPEG."""
    rng = np.random.default_rng(seed)
    view = scene[seed : seed + WIDTH, 3 - seed : 3 - seed + WIDTH]
    if radius:
        rows, cols = np.mgrid[-2:3, -2:3]
        disc = (rows**2 + cols**2 <= radius**2 + 0.5).astype(np.float64)
        view = convolve(view, disc / disc.sum(), mode="reflect")
    view = view + rng.normal(0.0, grain, view.shape)
    return jpeg_frame(np.repeat(np.clip(view, 0, 1)[..., None], 3, axis=2), 92)


def test_texture_a_slight_defocus_took_is_no_grain_of_the_sharp_frame():
    """One sharp frame and two defocused by a 1 px disc, the same grain in all three: the
    sharp frame's second-difference residual is above theirs by the texture it kept, which
    its patch shares with the others, so it is not charged as grain and stays the pick,
    wherever it sits in the burst."""
    scene = photograph("moon")  # craters and fine surface texture everywhere
    for clean in (1, 2):
        frames = [frame(scene, s, 0.0 if s == clean else 1.0) for s in range(3)]
        verdicts = judge_burst([measure_frame(f) for f in frames])
        assert int(np.argmin([v.cost for v in verdicts])) == clean
        assert verdicts[clean].grain_stops == 0.0


def test_texture_in_the_flattest_tiles_is_no_noise():
    """A deep sky field, faint galaxies everywhere, one sharp frame and two defocused by a
    1 px disc: its flattest tiles hold the faint galaxies the others lost, which the
    flat-tile noise measure read as added noise; the shared detail says they are texture,
    and the sharp frame stays the pick."""
    scene = photograph("hubble_deep_field")
    frames = [frame(scene, s, 0.0 if s == 0 else 1.0) for s in range(3)]
    verdicts = judge_burst([measure_frame(f) for f in frames])
    assert int(np.argmin([v.cost for v in verdicts])) == 0
    assert verdicts[0].noise_sigma == 0.0


def test_a_frame_whose_detail_is_mostly_its_own_grain_has_no_shared_lead():
    """A frame whose patch is mostly grain (ISO far above the others') correlates little
    with the other frames: asked for leads of mostly shared detail, it has none."""
    scene = photograph("moon")
    frames = [frame(scene, 0, grain=0.08)] + [frame(scene, s) for s in (1, 2, 3)]
    measured = [measure_frame(f) for f in frames]
    level = np.zeros(len(frames))
    assert not np.isnan(shared_detail_leads(measured, level, level)[0, 1:]).all()
    assert np.isnan(shared_detail_leads(measured, level, level, 0.5)[0]).all()
