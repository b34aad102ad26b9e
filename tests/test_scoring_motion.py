"""A subject smeared by its own motion loses to the frame where it is still, though it is a
small part of the frame and the background of the smeared frame is a little sharper."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter
from test_photos_fixtures import scene
from test_scoring_burst import camera, motion

from app.scoring import TechnicalScorer

SIZE = (1024, 680)  # the analysis size: the subject's tiles are the scorer's own
BALL = 170  # px: the subject's diameter, 3 % of the frame's area
CONTRAST = 60  # levels between the checks of the ball
PERIOD, ROWS = 6, 24  # px: the checks' width and height (tall: a smear along the rows takes them)


def checked_ball() -> tuple[Image.Image, Image.Image]:
    """A ball with tall checks (its texture, and the mask of its disc)."""
    y, x = np.mgrid[0:BALL, 0:BALL]
    checks = ((x // PERIOD + y // ROWS) % 2).astype(np.float32) * CONTRAST
    colour = np.stack([90 + checks, 100 + checks, 160 - checks], axis=-1)
    disc = (x - BALL / 2 + 0.5) ** 2 + (y - BALL / 2 + 0.5) ** 2 <= (BALL / 2) ** 2
    return Image.fromarray(colour.astype(np.uint8)), Image.fromarray(disc.astype(np.uint8) * 255)


def frame(smear: int, background_sigma: float, seed: int) -> Image.Image:
    """A photograph with the ball in front, smeared by ``smear`` px along the rows (its layer
    alone, over the background), the background softened by ``background_sigma``."""
    background = scene("rocket", size=SIZE)
    if background_sigma:
        background = background.filter(ImageFilter.GaussianBlur(background_sigma))
    ball, disc = checked_ball()
    pad = smear + 2
    layer = Image.new("RGB", (BALL + 2 * pad, BALL))
    alpha = Image.new("L", layer.size, 0)
    layer.paste(ball, (pad, 0))
    alpha.paste(disc, (pad, 0))
    if smear:
        layer, alpha = motion(layer, smear), motion(alpha.convert("RGB"), smear).convert("L")
    background.paste(layer, (SIZE[0] // 2 - BALL // 2 - pad, SIZE[1] // 2 - BALL // 2), alpha)
    return camera(background, seed)


def test_a_still_subject_beats_a_smeared_one_over_a_slightly_sharper_background():
    still = frame(smear=0, background_sigma=0.4, seed=1)
    smeared = [frame(smear=20, background_sigma=0.0, seed=seed) for seed in (4, 6)]
    scores = TechnicalScorer().rank_series([smeared[0], still, smeared[1]])
    assert int(np.argmax(scores)) == 1, scores
