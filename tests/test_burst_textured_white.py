"""A white plateau excuses clipping only where it is flat: a bright area that holds texture
in the darker frame loses it when a brighter frame blows it out."""

from __future__ import annotations

import numpy as np
from test_burst_generalising import costs, linear_scene, shoot


def test_a_brighter_frame_that_blows_out_a_textured_white_loses_to_the_frame_holding_it():
    """A white cloth (3 % of the frame, woven: its threads within the 0.3 stops of a
    plateau) a stop above the rest of the scene.  Two frames a stop over blow it out whole;
    the metered frame keeps its weave, its other highlights 1.7 stops below white.  The
    cloth is no flat white the darker frame merely shows grey: the clipping took its
    texture, and the metered frame is the pick."""
    light = linear_scene("astronaut", 384)
    light = light * (0.3 / float(np.quantile(light.max(axis=2), 0.995)))
    rows, cols = np.mgrid[0:56, 0:56]
    weave = 0.6 * (1.0 + 0.25 * np.sin(cols / 1.2) * np.sin(rows / 1.7))
    light[40:96, 100:156] = weave[..., None]
    frames = [
        shoot(light, seed=1, stops=1.0, shift=1),
        shoot(light, seed=9, shift=2),
        shoot(light, seed=3, stops=1.0, shift=3),
    ]
    assert int(np.argmin(costs(frames))) == 1
