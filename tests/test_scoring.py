"""Scorers: the technical baseline's preferences, the auto choice offline, the FGAesQ adapter."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw, ImageFilter
from test_photos_fixtures import blurred, exposed, noisy, scene

from app.options import CullOptions
from app.scoring import (
    Scorer,
    ScorerUnavailable,
    TechnicalScorer,
    create_scorer,
    fgaesq_weights_available,
    measure,
)

SIZE = (480, 320)


@pytest.fixture(scope="module")
def sharp() -> Image.Image:
    return scene("chelsea", size=SIZE)


def shallow_depth_of_field(image: Image.Image) -> Image.Image:
    """The subject (an ellipse in the middle) sharp, everything around it strongly blurred."""
    background = image.filter(ImageFilter.GaussianBlur(6))
    mask = Image.new("L", image.size, 0)
    width, height = image.size
    ImageDraw.Draw(mask).ellipse((width * 0.35, height * 0.2, width * 0.65, height * 0.8), fill=255)
    return Image.composite(image, background, mask.filter(ImageFilter.GaussianBlur(4)))


def motion(image: Image.Image, length: int = 7) -> Image.Image:
    import numpy as np

    array = np.asarray(image, dtype=np.float32)
    out = sum(np.roll(array, k, axis=1) for k in range(length)) / length
    return Image.fromarray(out.astype("uint8"))


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(lambda im: blurred(im, 1.5), id="defocused"),
        pytest.param(motion, id="camera-shake"),
        pytest.param(lambda im: exposed(im, 2.0), id="over-exposed"),
        pytest.param(lambda im: exposed(im, -2.5), id="under-exposed"),
        pytest.param(lambda im: noisy(im, 0.05), id="noisy"),
    ],
)
def test_technical_scorer_prefers_the_sharp_frame(sharp, variant):
    scorer = TechnicalScorer()
    good, bad = scorer.rank_series([sharp, variant(sharp)])
    assert good > bad


def test_a_noisy_frame_does_not_win_on_sharpness(sharp):
    clean, grainy = measure(sharp), measure(noisy(sharp, 0.05))
    assert grainy.noise > 5 * clean.noise
    # the noise's own Laplacian energy is subtracted: detail is not inflated tenfold
    assert grainy.sharpness < 3 * clean.sharpness
    assert grainy.score < clean.score


def test_shallow_depth_of_field_is_not_punished(sharp):
    """A sharp subject on a blurred background beats a frame that is a little soft all over."""
    portrait = shallow_depth_of_field(sharp)
    soft = blurred(sharp, 1.2)
    scores = dict(
        zip(
            ("sharp", "portrait", "soft"),
            TechnicalScorer().score([sharp, portrait, soft]),
            strict=True,
        )
    )
    assert scores["portrait"] > scores["soft"]
    assert scores["portrait"] > scores["sharp"] - 1.0  # near the all-sharp frame


def test_technical_scores_are_deterministic_and_size_independent(sharp):
    scorer = TechnicalScorer(input_size=320)
    big = sharp.resize((960, 640), Image.Resampling.LANCZOS)
    first, second = scorer.score([big]), scorer.score([big])
    assert first == second and 1.0 <= first[0] <= 10.0
    assert isinstance(scorer, Scorer)


def test_auto_offline_picks_technical_with_a_one_line_reason(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    choice = create_scorer(CullOptions(scorer="auto"))
    assert choice.scorer.name == "technical"
    assert choice.note.startswith("Using the technical scorer: ")
    assert "\n" not in choice.note
    available, reason = fgaesq_weights_available()
    assert available is False and reason


def test_fgaesq_without_weights_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ScorerUnavailable, match="not-there"):
        create_scorer(
            CullOptions(
                scorer="fgaesq", weights=str(tmp_path / "not-there.safetensors"), device="cpu"
            )
        )
    with pytest.raises(ValueError, match="magic"):
        create_scorer(CullOptions(scorer="magic"))


@pytest.fixture(scope="module")
def tiny_weights(tmp_path_factory):
    fgaesq_core = pytest.importorskip("fgaesq_core")
    path = tmp_path_factory.mktemp("weights") / "tiny.safetensors"
    fgaesq_core.save_checkpoint(fgaesq_core.create_model(config="tiny", pretrained=None), path)
    return path


def test_fgaesq_adapter_scores_singles_and_ranks_series(tiny_weights):
    choice = create_scorer(
        CullOptions(scorer="auto", weights=str(tiny_weights), device="cpu", series_mode="pairwise")
    )
    scorer = choice.scorer
    assert scorer.name == "fgaesq" and choice.note is None
    assert scorer.weights_id and scorer.device == "cpu"
    default_batch_size = pytest.importorskip("fgaesq_core").default_batch_size
    assert scorer.batch_size == default_batch_size("cpu")  # the measured size for the device
    frames = [
        scene("astronaut", size=(96, 64)),
        scene("coffee", size=(96, 64)),
        scene("rocket", size=(96, 64)),
    ]
    singles = scorer.score(frames)
    series = scorer.rank_series(frames)
    assert len(singles) == len(series) == 3
    assert all(1.0 <= s <= 10.0 for s in singles + series)
    assert scorer.rank_series(frames[:1]) == scorer.score(frames[:1])
