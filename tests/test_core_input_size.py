"""One input size rule: every frame reaches the model whole, at the largest size whose
regions and fine tokens fit the token budget, so nothing is dropped at random."""

import pytest

from fgaesq_core import DiffToken, TokenizerConfig, save_checkpoint
from fgaesq_core.images import budget_side, fit_to_budget
from fgaesq_core.testing import seeded_scorer, single_thread, synthetic_burst, synthetic_image

RELEASED = TokenizerConfig()


@pytest.mark.parametrize(
    ("size", "side"),
    [((1600, 1200), 786), ((1800, 1200), 844), ((1920, 1080), 942), ((1200, 1200), 687)],
)
def test_the_largest_size_that_fits_the_budget_drops_nothing(size, side):
    assert budget_side(size, RELEASED) == side
    tok = DiffToken(RELEASED)
    image = synthetic_image(1, size).resize(
        (side * size[0] // max(size), side * size[1] // max(size))
    )
    with single_thread():
        fitted = tok.tokenize(fit_to_budget(image, RELEASED))
        rows, cols = fitted.region_grid
        assert int((~fitted.padding).sum()) - 1 == rows * cols + 3 * RELEASED.num_fine_regions
        scale = (side + 40) / max(size)
        larger = image.resize((int(size[0] * scale), int(size[1] * scale)))
        over = tok.tokenize(larger)  # beyond the rule some tokens go at random
        rows, cols = over.region_grid
        assert int((~over.padding).sum()) - 1 < rows * cols + 3 * RELEASED.num_fine_regions


def test_a_frame_that_fits_already_is_left_as_it_is():
    small = synthetic_image(2, (640, 480))
    assert fit_to_budget(small, RELEASED) is small


def test_the_app_ranks_series_at_the_budget_size_whatever_size_they_come_in(tmp_path):
    from app.scoring.fgaesq import FGAesQScorer

    weights = tmp_path / "tiny.safetensors"
    save_checkpoint(seeded_scorer(0, "tiny", draws=1).model, weights)
    scorer = FGAesQScorer(weights=str(weights), device="cpu")
    big = synthetic_burst(3, (1600, 1200), 2)
    with single_thread():
        fitted = [fit_to_budget(frame, scorer._model.config.tokenizer) for frame in big]
        assert fitted[0].size == (786, 589)
        library = scorer._model.rank_series(fitted, scorer.series_mode, scorer.batch_size)
        assert scorer.rank_series(big) == [float(s) for s in library.scores]
        assert next(scorer.rank_many([("k", big)]))[1] == [float(s) for s in library.scores]
