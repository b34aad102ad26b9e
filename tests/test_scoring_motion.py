"""A subject smeared by its own motion loses to the frame where it is still, though it is a
small part of the frame and the background of the smeared frame is a little sharper."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PIL import Image, ImageFilter
from test_photos_fixtures import scene
from test_scoring_burst import camera, motion

import app.scoring.motion as motion_rules
from app.scoring import TechnicalScorer
from app.scoring.burst import judge_burst
from app.scoring.frame_measures import measure_frame
from app.scoring.motion import moving_part_costs, smear_costs

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


def directional_map(smeared: bool, seed: int) -> np.ndarray:
    """(4, rows, cols) root gradient energy per direction (0, 90, 45, 135 degrees) on the
    halved frame's tiles: a plain wall above a textured floor, and a smooth ball on the wall
    whose only detail is its outline.  Smeared along the rows, the outline's sides (edges
    across the motion) are left flat; its top and bottom (edges along it) stay."""
    rng = np.random.default_rng(seed)
    rows, cols = 12, 16
    energy = np.full((4, rows, cols), 0.004, dtype=np.float32)  # the wall: grain alone
    energy[:, 6:] = 0.05  # the floor's texture, which holds most of the frame's detail
    energy *= rng.uniform(0.9, 1.1, energy.shape).astype(np.float32)
    top, left, size = 1, 6, 4
    sides = [(row, col) for row in range(top, top + size) for col in (left, left + size - 1)]
    ends = [(row, col) for row in (top, top + size - 1) for col in range(left + 1, left + size - 1)]
    for row, col in sides:
        energy[:, row, col] = (0.004, 0.004, 0.006, 0.006) if smeared else (0.03, 0.01, 0.02, 0.02)
    for row, col in ends:
        energy[:, row, col] = (0.004, 0.03, 0.015, 0.015) if smeared else (0.01, 0.03, 0.02, 0.02)
    return energy.astype(np.float16)


def test_a_smooth_subjects_smeared_outline_is_charged_though_it_leaves_flat_tiles():
    """The smeared frame holds less than the burst's median tile along the outline (the
    floor holds most detail), so only the still frame's structure tells where the subject is."""
    base = measure_frame(Image.new("RGB", (512, 384), (120, 120, 120)))
    frames = [
        replace(base, coarse_directions=directional_map(smeared, seed))
        for smeared, seed in ((False, 1), (True, 2))
    ]
    costs = smear_costs(frames, np.ones(2), np.ones((2, 2), dtype=bool))
    assert costs[1] > 0.5 and costs[0] == 0.0, costs


def shadowed_ball_map(smear: float, shadow: bool, seed: int) -> np.ndarray:
    """(4, rows, cols) root gradient energy per direction on the halved frame's tiles: a
    plain wall above a textured floor, a striped ball on the floor whose texture loses
    ``smear`` of its energy along the rows (direction 0) and a quarter of that on the
    diagonals, and, where ``shadow``, the ball's shadow beside it, which darkens the floor's
    texture by two stops in every direction."""
    rng = np.random.default_rng(seed)
    rows, cols = 12, 16
    energy = np.full((4, rows, cols), 0.004, dtype=np.float32)  # the wall: grain alone
    energy[:, 7:] = 0.05  # the floor
    energy *= rng.uniform(0.95, 1.05, energy.shape).astype(np.float32)
    stripes = np.array([0.2, 0.05, 0.1, 0.1], dtype=np.float32)  # across the rows
    kept = np.array([1.0 - smear, 1.0, 1.0 - smear / 4, 1.0 - smear / 4], dtype=np.float32)
    energy[:, 4:8, 5:9] = (stripes * np.sqrt(kept))[:, None, None]
    if shadow:
        energy[:, 8:12, 2:13] *= 0.35  # three stops of energy
    return energy.astype(np.float16)


def test_the_sharpest_moving_part_wins_though_only_its_frame_holds_the_subjects_shadow():
    """Over the changed region as a whole the still frame holds little more than the
    smeared ones (its shadow darkens the floor), but along the motion it holds more than
    every other frame, and they stand in the order of their smear."""
    base = measure_frame(Image.new("RGB", (512, 384), (120, 120, 120)))
    smears = (0.0, 0.9, 0.95, 0.98)  # the still frame, shadowed; the smeared ones lack it
    frames = [
        replace(base, coarse_directions=shadowed_ball_map(smear, smear == 0.0, seed))
        for seed, smear in enumerate(smears)
    ]
    costs = [verdict.cost for verdict in judge_burst(frames)]
    assert costs[0] == 0.0 and min(costs[1:]) > 1.0, costs
    best, along = moving_part_costs(frames, np.ones(4), np.ones((4, 4), dtype=bool))
    assert best == 0 and list(np.argsort(along)) == [0, 1, 2, 3], along


def test_a_loss_alike_in_every_direction_names_no_sharpest_moving_part():
    """A focus that moved to another plane takes the detail of a subject textured alike in
    every direction (a pebbled ball) in every direction: no frame leads along one direction
    beyond across it, so the rule stays silent, as the smear costs do."""
    base = measure_frame(Image.new("RGB", (512, 384), (120, 120, 120)))
    frames = []
    for seed, kept in enumerate((1.0, 0.25, 0.15, 0.08)):
        energy = shadowed_ball_map(0.0, False, seed).astype(np.float32)
        energy[:, 4:8, 5:9] = 0.15 * np.sqrt(kept)
        frames.append(replace(base, coarse_directions=energy.astype(np.float16)))
    assert smear_costs(frames, np.ones(4), np.ones((4, 4), dtype=bool)).max() == 0.0
    assert moving_part_costs(frames, np.ones(4), np.ones((4, 4), dtype=bool)) is None


def test_a_frame_compared_with_no_other_is_not_excused_its_smear_by_the_moving_part():
    """The moving part, read along the motion, names frame 0 sharpest, but frame 0 may show
    no other frame's subject smeared (it is blurrier, or costs more, over the whole frame):
    the smear frame 1's comparison finds in it stays its cost."""
    lead_of_0 = np.array([2.0, -1.9, -1.9, -1.9])  # stops frame 0 holds beyond 1 and 2
    losses = np.zeros((3, 3, 4))
    for j in (1, 2):
        losses[0, j], losses[j, 0] = lead_of_0, -lead_of_0
    comparable = np.ones((3, 3), dtype=bool)
    comparable[0, :] = False
    assert motion_rules._moving_part_costs(losses, comparable)[0] == 0  # named sharpest
    own = motion_rules._smear_costs(losses, comparable, 3)[0]
    assert own > 0.4
    assert motion_rules._subject_smear_costs(losses, comparable, 3)[0] == pytest.approx(own)
