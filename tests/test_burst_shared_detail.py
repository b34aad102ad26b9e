"""Detail is shared by every frame of a burst, grain is not: a grainy frame whose grain is
strongest on the subject (coloured grain on a saturated subject, seen in luma) reads as
sharper by its sorted energies, but not by the detail its patch shares with the others."""

from __future__ import annotations

import numpy as np
import skimage.data
from PIL import Image, ImageFilter
from test_burst_generalising import jpeg_frame

from app.scoring.burst import judge_burst, shared_detail_leads
from app.scoring.frame_measures import measure_frame

SIZE = (256, 192)


def shallow_scene() -> tuple[np.ndarray, np.ndarray]:
    """A sharp subject (a disc of the astronaut photograph) before a background blurred by
    a wide aperture, gamma encoded; and the subject's mask."""
    image = Image.fromarray(skimage.data.astronaut()).convert("L").resize(SIZE, Image.LANCZOS)
    sharp = np.asarray(image, dtype=np.float64) / 255
    soft = np.asarray(image.filter(ImageFilter.GaussianBlur(6)), dtype=np.float64) / 255
    rows, cols = np.mgrid[0 : SIZE[1], 0 : SIZE[0]]
    subject = (rows - 70) ** 2 + (cols - 128) ** 2 < 45**2
    return np.where(subject, 0.45 + 0.7 * (sharp - 0.45), soft), subject


def grainy_frame(scene, subject, sigma: float, seed: int, shift, subject_gain=3.0, blur=0.0):
    """The scene shifted by ``shift`` px, grain of ``sigma`` (``subject_gain`` times that
    on the subject), a quality-98 JPEG."""
    rng = np.random.default_rng(seed)
    light = np.roll(scene, shift, axis=(0, 1))
    if blur:
        image = Image.fromarray((light * 255).round().astype(np.uint8))
        light = np.asarray(image.filter(ImageFilter.GaussianBlur(blur)), dtype=np.float64) / 255
    gain = np.where(np.roll(subject, shift, axis=(0, 1)), subject_gain, 1.0)
    grain = rng.normal(0.0, 1.0, light.shape) * sigma * gain
    return jpeg_frame(np.repeat(np.clip(light + grain, 0, 1)[..., None], 3, axis=2), 98)


def test_grain_on_the_subject_does_not_pass_for_detail_the_other_frames_lack():
    """Three high-ISO frames and a clean one: the sorted energies put the grainy frames
    more than a stop ahead (their grain is three times stronger on the subject than in the
    flat background, where grain is measured), the detail their patches share with the
    burst does not, so the lead is doubted and the clean frame wins."""
    scene, subject = shallow_scene()
    frames = [grainy_frame(scene, subject, 0.001, 1, (0, 0))]
    frames += [grainy_frame(scene, subject, 0.003, s, (s, 3 - s)) for s in (1, 2, 3)]
    measured = [measure_frame(f) for f in frames]
    verdicts = judge_burst(measured)
    assert int(np.argmin([v.cost for v in verdicts])) == 0
    assert all(v.grain_doubt for v in verdicts[1:])
    level = np.zeros(len(frames))
    leads = shared_detail_leads(measured, level, level)
    assert leads is not None and np.nanmax(np.abs(leads[1:, 0])) < 0.3


def test_a_sharper_grainier_frame_keeps_its_lead():
    """The grainy frame is the only sharp one, the clean frames are defocused: the detail
    it shares with them is well ahead of theirs, and it stays the pick."""
    scene, subject = shallow_scene()
    frames = [grainy_frame(scene, subject, 0.003, 1, (0, 0))]
    frames += [grainy_frame(scene, subject, 0.001, s, (0, s), 1.0, blur=1.5) for s in (1, 2, 3)]
    measured = [measure_frame(f) for f in frames]
    assert int(np.argmin([v.cost for v in judge_burst(measured)])) == 0
    level = np.zeros(len(frames))
    leads = shared_detail_leads(measured, level, level)
    assert leads is not None and np.nanmin(leads[0, 1:]) > 1.0


def test_only_a_witness_as_sharp_as_the_frame_compared_against_and_equal_exposures_count():
    """A sharp frame against a defocused one, read through a third frame: a witness more
    defocused than the compared frame holds none of what it lost (no lead is read), a sharp
    witness shows the lead; frames exposed differently are not compared at all."""
    scene, subject = shallow_scene()
    sharp = grainy_frame(scene, subject, 0.001, 1, (0, 0), 1.0)
    soft = grainy_frame(scene, subject, 0.001, 2, (0, 1), 1.0, blur=1.5)
    softer = grainy_frame(scene, subject, 0.001, 3, (0, 2), 1.0, blur=3.0)
    witness = grainy_frame(scene, subject, 0.001, 4, (0, 3), 1.0)
    blur = np.array([0.0, 2.0, 4.0])
    level = np.zeros(3)
    measured = [measure_frame(f) for f in (sharp, soft, softer)]
    assert np.isnan(shared_detail_leads(measured, level, blur)[0, 1])
    measured = [measure_frame(f) for f in (sharp, soft, witness)]
    assert shared_detail_leads(measured, level, np.array([0.0, 2.0, 0.0]))[0, 1] > 1.0
    assert np.isnan(shared_detail_leads(measured, np.array([0.0, 1.0, 0.0]), level)[0, 1])
