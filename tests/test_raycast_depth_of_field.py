"""The held-out generator's depth of field behaves as a lens does at a subject's outline."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import raycast_bursts  # noqa: E402

SIZE = 96
NEAR, FAR = 1.0, 4.0  # metres
COEFFICIENT = 16.0  # px of blur radius per dioptre: 12 px between the disc and the wall
RADIUS = SIZE / 5  # px, the disc's
Y, X = np.mgrid[0:SIZE, 0:SIZE]
FROM_CENTRE = np.hypot(X - SIZE / 2, Y - SIZE / 2)


def _scene():
    """A red disc at NEAR before a green and blue striped wall at FAR, and a ring of the
    wall 2-6 px outside the disc's outline."""
    disc = FROM_CENTRE < RADIUS
    stripes = ((X // 3) % 2).astype(np.float32)
    image = np.stack([np.zeros_like(stripes), stripes, 1.0 - stripes], axis=-1)
    image[disc] = (1.0, 0.0, 0.0)
    depth = np.where(disc, NEAR, FAR).astype(np.float32)
    ring = (FROM_CENTRE > RADIUS + 2) & (FROM_CENTRE < RADIUS + 6)
    return image, depth, disc, ring


def test_a_subject_in_focus_keeps_its_colour_inside_its_outline():
    image, depth, disc, ring = _scene()
    out = raycast_bursts.defocus(image, depth, NEAR, COEFFICIENT)

    assert np.allclose(out[disc], image[disc], atol=1e-4)  # the subject stays sharp
    # Just outside it, the blurred wall alone: no red halo gathered from the subject.
    assert out[ring][:, 0].max() < 0.01
    # The wall's stripes are blurred to their mean there.
    assert np.allclose(out[ring][:, 1:].mean(axis=0), 0.5, atol=0.1)


def test_a_subject_out_of_focus_spreads_over_the_sharp_wall_behind_it():
    image, depth, disc, ring = _scene()
    out = raycast_bursts.defocus(image, depth, FAR, COEFFICIENT)

    assert out[ring][:, 0].mean() > 0.1  # the blurred subject's red spills past its outline
    far = FROM_CENTRE > RADIUS + 14  # beyond the disc's blur
    assert np.allclose(out[far], image[far], atol=1e-3)  # the wall in focus stays sharp
