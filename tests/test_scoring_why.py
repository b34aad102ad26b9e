"""The technical explanation of a pick: where the pick beat the runner-up, and how."""

from __future__ import annotations

import numpy as np
import pytest
import skimage.data
from PIL import Image, ImageFilter

from app.photos.decode import SOURCE_SIZE
from app.scoring.technical import TechnicalScorer
from app.scoring.why import OVERALL, Why, explain_series, intersection_over_union

BOX = (160, 96, 128, 128)  # x, y, w, h of the degraded region, in the original's pixels


def _scene(seed: int = 0) -> np.ndarray:
    """A textured 512 x 384 frame: detail everywhere, as in a photograph."""
    rng = np.random.default_rng(seed)
    small = rng.uniform(20, 235, (96, 128, 3))
    image = Image.fromarray(small.astype(np.uint8)).resize((512, 384), Image.Resampling.BICUBIC)
    return np.asarray(image, np.float32) + rng.normal(0, 3, (384, 512, 3))


def _image(array: np.ndarray) -> Image.Image:
    return Image.fromarray(np.clip(array, 0, 255).astype(np.uint8))


def _explain(clean: np.ndarray, other: np.ndarray, faces=None, reason="score") -> Why:
    scorer = TechnicalScorer()
    measures = [scorer.prepare(_image(clean)), scorer.prepare(_image(other))]
    scores = scorer.rank_prepared(measures)
    return explain_series(measures, [0, 1], scores, ["a.jpg", "b.jpg"], faces, reason)


def _degraded(kind: str) -> tuple[np.ndarray, np.ndarray]:
    clean = _scene()
    other = clean.copy()
    x, y, w, h = BOX
    if kind == "blur":
        blurred = np.asarray(_image(clean).filter(ImageFilter.GaussianBlur(3)), np.float32)
        other[y : y + h, x : x + w] = blurred[y : y + h, x : x + w]
    elif kind == "noise":
        other[y : y + h, x : x + w] += np.random.default_rng(1).normal(0, 20, (h, w, 3))
    else:
        other[y : y + h, x : x + w] = other[y : y + h, x : x + w] * 2 + 60
    return clean, other


@pytest.mark.parametrize(
    ("kind", "words"), [("blur", "sharper"), ("noise", "noise"), ("highlights", "clipped")]
)
def test_the_top_region_is_where_the_runner_up_was_degraded(kind, words):
    why = _explain(*_degraded(kind))
    assert why.regions, why
    assert intersection_over_union(why.regions[0].box, BOX) > 0.2
    assert why.regions[0].flaw == kind
    assert words in why.sentence


def test_regions_are_in_the_originals_pixels():
    clean, other = _degraded("blur")
    # Decoded at half size: the scorer measures 512 px, the original is 1024 px wide.
    scorer = TechnicalScorer()
    images = [_image(clean), _image(other)]
    for image in images:
        image.info[SOURCE_SIZE] = (1024, 768)
    measures = [scorer.prepare(image) for image in images]
    why = explain_series(measures, [0, 1], scorer.rank_prepared(measures), ["a", "b"])
    doubled = tuple(2 * v for v in BOX)
    assert intersection_over_union(why.regions[0].box, doubled) > 0.2


def test_a_frame_blurred_all_over_has_no_region():
    clean = _scene()
    other = np.asarray(_image(clean).filter(ImageFilter.GaussianBlur(2)), np.float32)
    why = _explain(clean, other)
    assert why.regions == ()
    assert why.sentence == "sharper overall"


def test_an_exposure_change_alone_points_at_no_region():
    clean = _scene()
    why = _explain(clean, clean * 1.4)  # brighter: blown wherever the scene is bright
    assert why.regions == ()


def test_identical_frames_won_on_overall_judgement():
    clean = _scene()
    why = _explain(clean, clean.copy())
    assert why.regions == ()
    assert why.sentence == OVERALL


def test_open_eyes_point_at_the_runner_ups_closed_eyes():
    clean = _scene()
    faces = [[(10, 20, 50, 60, "open", 0.9, 1.0)], [(12, 20, 50, 60, "closed", 0.9, 1.0)]]
    why = _explain(clean, clean.copy(), faces, reason="eyes_open")
    assert why.sentence == "eyes open"
    assert [r.box for r in why.regions] == [(12.0, 20.0, 50.0, 60.0)]


@pytest.mark.parametrize("reason", ["eyes_unknown", "faces_missed"])
def test_a_doubt_about_faces_does_not_point_at_the_runner_ups_closed_eyes(reason):
    """Only a pick the eyes decided is explained by the runner-up's closed eyes."""
    clean = _scene()
    faces = [[(10, 20, 50, 60, "open", 0.9, 1.0)], [(12, 20, 50, 60, "closed", 0.9, 1.0)]]
    why = _explain(clean, clean.copy(), faces, reason=reason)
    assert why.sentence != "eyes open"
    assert not why.regions


def test_the_explanation_survives_json():
    why = _explain(*_degraded("blur"))
    assert Why.from_json(why.to_json()).to_json() == why.to_json()


def test_grain_on_a_bright_area_is_noise_not_a_blown_highlight():
    clean = _scene()
    x, y, w, h = BOX
    clean[y : y + h, x : x + w] = clean[y : y + h, x : x + w] * 0.15 + 195  # bright, not blown
    other = clean.copy()
    other[y : y + h, x : x + w] += np.random.default_rng(1).normal(0, 20, (h, w, 3))
    why = _explain(clean, other)
    assert why.regions and why.regions[0].flaw == "noise"
    assert "noise" in why.sentence


def _shifted_pair(scene: np.ndarray, shift: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Two frames of a hand-held burst: the same scene a few pixels apart, each its grain."""
    rng = np.random.default_rng(7)
    clean = scene[:, : -shift - 1] + rng.normal(0, 1.5, scene[:, : -shift - 1].shape)
    other = scene[:, shift:-1] + rng.normal(0, 1.5, clean.shape)
    return clean, other


def test_a_mild_blur_on_a_shifted_frame_is_found():
    """A slight defocus of one region of a frame shifted a few pixels (scikit-image's
    coffee): the comparison is over windows of tiles, so the shift's edges do not drown
    the blur's loss."""
    photo = Image.fromarray(skimage.data.coffee()).resize((512, 384))
    clean, other = _shifted_pair(np.asarray(photo, np.float32), shift=2)
    x, y, w, h = BOX
    blurred = np.asarray(_image(other).filter(ImageFilter.GaussianBlur(1.5)), np.float32)
    other[y : y + h, x : x + w] = blurred[y : y + h, x : x + w]
    why = _explain(clean, other)
    assert why.regions, why
    assert intersection_over_union(why.regions[0].box, BOX) > 0.4
    assert "sharper" in why.sentence


def test_an_exposure_change_of_a_mostly_flat_frame_points_at_no_region():
    """A smooth gradient with a few shapes (a sky, a studio wall): its flat tiles are flat
    against the detail the frame has, not against a median of next to nothing."""
    yy, xx = np.mgrid[0:384, 0:512].astype(np.float32)
    scene = np.repeat((70 + 90 * xx / 512 + 30 * yy / 384)[..., None], 3, axis=2)
    scene[100:160, 300:420] = (200, 60, 40)
    scene[250:330, 60:110] = (30, 40, 160)
    clean, other = _shifted_pair(scene)
    linear = (np.clip(other, 0, 255) / 255) ** 2.2 * 2.0**-0.7  # 0.7 stops darker
    why = _explain(clean, 255 * linear ** (1 / 2.2))
    assert why.regions == ()


def test_a_brighter_frame_of_a_nearly_flat_scene_points_at_no_region():
    """scikit-image's clock (large nearly flat walls), the runner-up 0.8 stops brighter in
    linear light: faint detail hardly scales with exposure, so a loss that holds only at
    the pick's exposure level is no blur."""
    photo = Image.fromarray(skimage.data.clock()).convert("RGB")
    scene = np.asarray(photo.resize((768, 576)), np.float32)
    rng = np.random.default_rng(7)
    clean = scene[2:-2, 2:-2] + rng.normal(0, 1.5, scene[2:-2, 2:-2].shape)
    other = scene[: clean.shape[0], 3 : 3 + clean.shape[1]] + rng.normal(0, 1.5, clean.shape)
    linear = (np.clip(other, 0, 255) / 255) ** 2.2 * 2.0**0.8
    why = _explain(clean, 255 * np.clip(linear, 0, 1) ** (1 / 2.2))
    assert why.regions == ()
