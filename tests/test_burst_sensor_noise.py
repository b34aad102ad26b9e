"""Frames shot at one ISO and one exposure share their sensor noise: what one frame shows
beyond another in its flattest tiles is texture (a subject sharp in one frame and smeared
in the next, a knit near the pixel pitch), not grain.  The camera's ISO reaches the burst
judgement from the file (EXIF, or a RAW's tags) through the decoder."""

from __future__ import annotations

import numpy as np
import skimage.data
from PIL import Image
from scipy.ndimage import uniform_filter1d
from test_burst_generalising import jpeg_frame
from test_photos_fixtures import dng

from app.photos.decode import camera_iso_of, decode_image
from app.scoring.burst import judge_burst, same_sensor_noise
from app.scoring.frame_measures import measure_frame
from app.scoring.technical import TechnicalScorer, _trusted_lead, measure

WIDTH = 256
KNIT = 96  # px: the moving subject's side


def astronaut() -> np.ndarray:
    """scikit-image's astronaut in grey, gamma encoded, with a margin for the hand-held
    shift."""
    image = Image.fromarray(skimage.data.astronaut()).convert("L")
    image = image.resize((WIDTH + 8, WIDTH + 8), Image.LANCZOS)
    return np.asarray(image, dtype=np.float64) / 255


def frame(scene: np.ndarray, shift: int, smear: int, grain: float, seed: int) -> Image.Image:
    """The scene shifted by ``shift`` px with a subject knitted finely (a stripe every 2.6 px
    across), smeared by ``smear`` px along its motion, grain of ``grain``; a quality-92 JPEG."""
    view = scene[shift : shift + WIDTH, 3 - shift : 3 - shift + WIDTH].copy()
    rows, cols = np.mgrid[0:KNIT, 0:KNIT]
    knit = 0.55 + 0.12 * np.sin(2 * np.pi * (cols / 2.6 + rows / 7.0))
    if smear:
        knit = uniform_filter1d(knit, smear, axis=1, mode="nearest")
    view[80 : 80 + KNIT, 80 : 80 + KNIT] = knit
    view = view + np.random.default_rng(seed).normal(0.0, grain, view.shape)
    return jpeg_frame(np.repeat(np.clip(view, 0, 1)[..., None], 3, axis=2), 92)


def subject_motion_burst(grains=(0.008,) * 4) -> list:
    """Four frames of a moving subject: sharp in the first, smeared 9, 13 and 7 px in the
    others."""
    scene = astronaut()
    shots = zip((1, 2, 3, 2), (0, 9, 13, 7), grains, range(4), strict=True)
    return [measure_frame(frame(scene, *shot)) for shot in shots]


def test_a_sharp_knit_is_not_grain_among_frames_of_one_iso():
    frames = subject_motion_burst()
    alone = judge_burst(frames)
    # The premise: from the pixels alone the knit the smear took reads as grain, and a
    # smeared frame wins.
    assert alone[0].grain_cost > 0.5
    assert int(np.argmin([v.cost for v in alone])) != 0
    same = judge_burst(frames, [400, 400, 400, 400])
    assert same[0].grain_cost == 0.0
    costs = [v.cost for v in same]
    assert int(np.argmin(costs)) == 0
    assert min(costs[1:]) - costs[0] > 0.3  # the smeared knit is the others' loss


def test_a_lead_the_iso_gave_is_held_as_a_call_on_grain():
    """The pick stands, but the lead the ISO gave it (its knit taken for texture) is the
    call grain and texture are most confused in: its scores show no more than the lead the
    other measures give it, so the confidence asks for a second look."""
    verdicts = judge_burst(subject_motion_burst(), [400, 400, 400, 400])
    assert verdicts[0].grain_exempted > 0.5
    assert [v.grain_exempted for v in verdicts[1:]] == [0.0, 0.0, 0.0]
    lead = min(v.cost for v in verdicts[1:]) - verdicts[0].cost
    assert lead > 0.3
    assert _trusted_lead(verdicts, 0) < lead - 0.5


def test_grain_of_a_higher_iso_still_counts():
    frames = subject_motion_burst(grains=(0.008, 0.008, 0.008, 0.03))
    verdicts = judge_burst(frames, [400, 400, 400, 3200])
    assert verdicts[3].grain_cost > 1.0
    assert verdicts[0].grain_cost == 0.0
    assert int(np.argmin([v.cost for v in verdicts])) == 0


def test_without_every_frames_iso_the_pixels_decide():
    frames = subject_motion_burst()
    unknown = judge_burst(frames, [400, 400, None, 400])
    assert [v.cost for v in unknown] == [v.cost for v in judge_burst(frames)]


def test_only_frames_of_one_iso_and_exposure_share_their_noise():
    stops = np.array([0.0, 0.1, 1.0, 0.0])
    assert same_sensor_noise([400, 400, 400, 800], stops) == {(0, 1), (1, 0)}
    assert same_sensor_noise(None, stops) == set()
    assert same_sensor_noise([400, 400, 0, 400], stops) == set()
    assert same_sensor_noise([400, 400], stops) == set()  # not one per frame


def jpeg_with_iso(path, image: Image.Image, iso: int | None):
    exif = Image.Exif()
    if iso:
        exif.get_ifd(0x8769)[0x8827] = iso
    image.save(path, "JPEG", quality=92, exif=exif)
    return path


def test_the_decoder_carries_the_cameras_iso(tmp_path):
    picture = Image.fromarray(skimage.data.astronaut())
    assert camera_iso_of(decode_image(jpeg_with_iso(tmp_path / "a.jpg", picture, 1600), 128)) == (
        1600
    )
    assert camera_iso_of(decode_image(jpeg_with_iso(tmp_path / "b.jpg", picture, None))) is None
    # EXIF 2.3's "above 65534": every such ISO reads the same, so it names none
    assert camera_iso_of(decode_image(jpeg_with_iso(tmp_path / "c.jpg", picture, 65535))) is None
    preview = Image.new("RGB", (192, 128), (90, 90, 90))
    assert camera_iso_of(decode_image(dng(tmp_path / "c.dng", preview, iso=800), 96)) == 800
    assert camera_iso_of(decode_image(dng(tmp_path / "d.dng", iso=3200))) == 3200
    assert camera_iso_of(decode_image(dng(tmp_path / "e.dng"))) is None


def test_the_scorer_reads_the_iso_from_the_files(tmp_path):
    scene = astronaut()
    paths = [
        jpeg_with_iso(tmp_path / f"{n}.jpg", frame(scene, shift, smear, 0.008, n), 400)
        for n, (shift, smear) in enumerate(((1, 0), (2, 9), (3, 13), (2, 7)))
    ]
    measures = [measure(decode_image(path)) for path in paths]
    assert [m.iso for m in measures] == [400] * 4
    scores = TechnicalScorer().rank_prepared(measures)
    assert int(np.argmax(scores)) == 0
