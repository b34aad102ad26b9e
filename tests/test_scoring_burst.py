"""The technical scorer on bursts: frames judged against each other, as a photographer would."""

from __future__ import annotations

import io
import math
import pickle

import numpy as np
import pytest
import skimage.data
from PIL import Image, ImageFilter
from test_photos_fixtures import blurred, exposed, noisy, scene

from app.scoring import TechnicalScorer
from app.scoring.burst import judge_burst, stops_between
from app.scoring.frame_measures import measure_frame

SIZE = (360, 240)


def view(name: str = "chelsea", shift: int = 0) -> Image.Image:
    """A hand-held frame: the scene at its own scale (100 %), shifted by ``shift`` px."""
    return scene(name, size=SIZE, shift=shift)


def camera(image: Image.Image, seed: int = 0) -> Image.Image:
    """What a camera writes: faint grain and a quality-92 JPEG, as every burst frame has."""
    array = np.asarray(image, dtype=np.float32) / 255.0
    array = array + np.random.default_rng(seed).normal(0, 0.005, array.shape[:2])[..., None]
    return jpeg(Image.fromarray((np.clip(array, 0, 1) * 255).round().astype(np.uint8)), 92)


def native(name: str, shift: int = 0) -> Image.Image:
    """A hand-held frame of a scene at its own resolution: the centre, shifted by ``shift`` px."""
    image = Image.fromarray(getattr(skimage.data, name)()).convert("RGB")
    left = (image.width - SIZE[0]) // 2 + shift
    top = (image.height - SIZE[1]) // 2 + shift // 2
    return image.crop((left, top, left + SIZE[0], top + SIZE[1]))


def star_field(shift: int = 0) -> Image.Image:
    """A night sky: dark, faintly textured, with small stars that are most of what is bright."""
    rng = np.random.default_rng(7)
    height, width = SIZE[1] + 16, SIZE[0] + 16
    sky = 0.05 + 0.02 * np.asarray(
        Image.fromarray(rng.normal(0, 1, (height // 4, width // 4)).astype(np.float32)).resize(
            (width, height), Image.Resampling.BICUBIC
        )
    )
    y, x = np.mgrid[0:height, 0:width]
    stars = rng.uniform((0, 0, 0.7), (height, width, 0.95), (200, 3))
    for cy, cx, peak in stars:
        sky = sky + peak * np.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * 1.6**2))
    sky = sky[shift // 2 : shift // 2 + SIZE[1], shift : shift + SIZE[0]]
    gray = (np.clip(sky, 0, 1) * 255).round().astype(np.uint8)
    return Image.fromarray(gray).convert("RGB")


def jpeg(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def motion(image: Image.Image, length: int = 7, angle: float = 0.0) -> Image.Image:
    """Camera shake along ``angle`` degrees: the mean of shifted copies."""
    array = np.asarray(image, dtype=np.float32)
    dx, dy = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    steps = np.linspace(-(length - 1) / 2, (length - 1) / 2, length)
    out = sum(np.roll(array, (round(t * dy), round(t * dx)), axis=(0, 1)) for t in steps) / length
    return Image.fromarray(out.round().astype(np.uint8))


def best(frames: list[Image.Image]) -> int:
    return int(np.argmax(TechnicalScorer().rank_series(frames)))


def verdicts(frames: list[Image.Image]):
    return judge_burst([measure_frame(f) for f in frames])


def test_heavy_noise_does_not_pass_for_detail():
    clean = camera(view(shift=0))
    grainy = [camera(noisy(view(shift=s), sigma=0.15, seed=s), seed=s) for s in (3, 6)]
    frames = [grainy[0], clean, grainy[1]]
    assert best(frames) == 1
    judged = verdicts(frames)
    assert judged[0].noise_sigma > 0.05 and judged[1].noise_sigma == 0.0
    # the grainy frames are hardly credited with more detail than the clean one
    assert judged[1].blur < 0.25


@pytest.mark.parametrize("angle", [0.0, 90.0, 45.0])
def test_motion_blur_in_any_direction_loses_and_is_told_from_defocus(angle):
    defocused = blurred(view(shift=4), 2.0)
    frames = [camera(motion(view(shift=2), 9, angle)), camera(view()), camera(defocused)]
    assert best(frames) == 1
    judged = verdicts(frames)
    assert judged[0].blur > 1.0 and judged[2].blur > 1.0
    assert judged[0].motion > judged[2].motion + 0.1  # the loss is directional


def test_slight_defocus_at_100_percent_loses():
    frames = [camera(view(shift=3).filter(ImageFilter.GaussianBlur(0.8))), camera(view())]
    assert best(frames) == 1


def test_over_exposure_with_clipped_highlights_loses_in_a_darker_scene():
    """The photographer's complaint: about 1.3 stops over in a darker scene won clearly."""
    dark = exposed(view("coffee"), -1.0)
    over = [camera(exposed(view("coffee", shift=s), 0.3)) for s in (2, 4)]
    frames = [over[0], camera(dark), over[1]]
    assert best(frames) == 1
    judged = verdicts(frames)
    assert judged[0].highlights > 0.03 and judged[1].highlights == 0.0


@pytest.mark.parametrize("stops", [-1.0, 1.0, -2.0, 2.0])
def test_a_stop_of_exposure_either_way_loses(stops):
    frames = [camera(exposed(view("coffee", shift=2), stops)), camera(view("coffee"))]
    assert best(frames) == 1


def test_a_stop_brighter_that_blows_out_the_stars_loses_in_a_night_sky():
    """Most of what is bright in a night sky is its stars: a frame a stop brighter that blows
    them out is no better exposed, however little of the frame that is."""
    frames = [
        camera(exposed(star_field(0), 1.0)),
        camera(star_field(2), seed=2),
        camera(exposed(star_field(4), 1.0), seed=4),
    ]
    assert best(frames) == 1
    judged = verdicts(frames)
    assert 0.002 < judged[0].highlights < 0.025  # less than a bright scene's speculars
    assert judged[1].headroom == 0.0


def test_a_darker_frame_is_not_credited_with_the_detail_its_amplified_grain_fakes():
    """Brought to the same level, a frame two stops darker has four times the grain, which
    sorted detail reads as a little more texture in a soft microscope image."""
    frames = [
        camera(exposed(native("cell", 2), -2.0), seed=2),
        camera(native("cell")),
        camera(exposed(native("cell", 4), -2.0), seed=4),
    ]
    assert best(frames) == 1
    assert verdicts(frames)[1].blur < 0.1


def test_exposure_is_measured_in_stops():
    base = measure_frame(view("coffee"))
    darker = measure_frame(exposed(view("coffee"), -1.0))
    assert stops_between(base, darker) == pytest.approx(-1.0, abs=0.15)


def test_jpeg_recompression_loses_and_shows_as_blocking():
    frames = [camera(jpeg(view("astronaut", shift=2), 15)), camera(view("astronaut"))]
    assert best(frames) == 1
    assert verdicts(frames)[0].blocking > 0.0


def test_recompression_that_wiped_out_faint_stars_loses_though_they_look_like_grain():
    """A deep-field sky at 100 %: the faint stars a JPEG smoothed away read as grain in the
    clean frame; the grid the JPEG left is judged at that grain and still shows."""
    frames = [
        camera(jpeg(native("hubble_deep_field", 2), 15), seed=2),
        camera(native("hubble_deep_field")),
        camera(jpeg(native("hubble_deep_field", 4), 15), seed=4),
    ]
    assert best(frames) == 1
    judged = verdicts(frames)
    assert min(judged[0].blocking, judged[2].blocking) > 0.3 and judged[1].blocking == 0.0


def test_blockiness_is_a_grid_at_any_offset_whatever_the_exposure():
    recompressed = jpeg(view("astronaut"), 20)
    grid = measure_frame(recompressed).blockiness
    assert measure_frame(camera(view("astronaut"))).blockiness < grid - 0.5
    # cropped after the compression: the grid sits at another offset
    assert measure_frame(recompressed.crop((3, 5, *recompressed.size))).blockiness > grid - 0.1
    assert abs(measure_frame(exposed(recompressed, -1.0)).blockiness - grid) < 0.1
    # grain hides a grid, from the eye as from the measure
    assert measure_frame(noisy(recompressed, 0.05)).blockiness < grid - 0.3


@pytest.mark.parametrize("name", ["gravel", "coffee"])
def test_texture_is_not_taken_for_noise(name):
    """Fine texture, which a blur removes, is detail, not grain: the sharp frame pays nothing
    for it (gravel has no flat area at all) and wins by a clear margin."""
    frames = [camera(blurred(view(name, shift=2), 1.0)), camera(view(name))]
    judged = verdicts(frames)
    assert judged[1].noise_sigma == 0.0
    assert judged[0].cost - judged[1].cost > 2.5


def test_a_mixed_burst_picks_the_undegraded_frame_wherever_it_is():
    base = [view("astronaut", shift=s) for s in (0, 2, 4, 6, 8)]
    frames = [
        camera(blurred(base[0], 1.5)),
        camera(noisy(base[1], 0.06)),
        camera(base[2]),
        camera(exposed(base[3], 1.0)),
        camera(motion(base[4], 7, 30.0)),
    ]
    assert best(frames) == 2


def test_series_of_one_keeps_its_absolute_score_and_measures_are_small():
    scorer = TechnicalScorer()
    frame = camera(view())
    assert scorer.rank_series([frame]) == scorer.score([frame])
    prepared = scorer.prepare(frame)
    assert len(pickle.dumps(prepared)) < 20_000  # sent between processes per photo
    assert scorer.weights_id == "technical:v18"  # cached scores of earlier versions are not reused


def test_in_a_thumbnail_sized_burst_the_sharp_frame_wins_too():
    """Six tiles hold no grain curve (each band's quantile is its own tile): the grain check
    stays out, else the sharp frame's texture read as grain made it no sharper."""
    sharp = view().resize((96, 64), Image.LANCZOS)
    frames = [sharp, *(sharp.filter(ImageFilter.GaussianBlur(r)) for r in (1.5, 3.0))]
    assert best([jpeg(f, 92) for f in frames]) == 0
