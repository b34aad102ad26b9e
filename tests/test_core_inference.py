"""Scorer: scores, batching, series ranking (forward counts), image inputs."""

import pytest
import torch
from PIL import Image, ImageDraw

import fgaesq_core
from fgaesq_core import ImageInputError, SeriesRanking, load_image
from fgaesq_core.testing import released_state_dict, single_thread, synthetic_image


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    with single_thread():
        yield


@pytest.fixture(scope="module")
def scorer(tmp_path_factory):
    path = tmp_path_factory.mktemp("w") / "tiny.pt"
    torch.save(released_state_dict(2, "tiny"), path)
    return fgaesq_core.load_model(weights=path, config="tiny", device="cpu")


@pytest.fixture(scope="module")
def series():
    base = synthetic_image(20, (192, 128))
    frames = []
    for k in range(4):
        frame = base.copy()
        ImageDraw.Draw(frame).ellipse([20 + 25 * k, 30, 60 + 25 * k, 70], fill=(240, 30 * k, 20))
        frames.append(frame)
    return frames


class ForwardCounter:
    """Counts token sets through the model's forward (a real hook on the module)."""

    def __init__(self, model):
        self.samples = 0
        self.calls = 0
        self.handle = model.register_forward_hook(self._hook)

    def _hook(self, module, args, output):
        self.calls += 1
        self.samples += args[0].patches.shape[0]


def test_scores_are_in_range_and_batch_independent(scorer):
    images = [synthetic_image(i, size) for i, size in enumerate([(64, 64), (300, 120), (640, 520)])]
    one = scorer.score(images, batch_size=1)
    three = scorer.score(images, batch_size=3)
    assert all(1.0 <= s <= 10.0 for s in one)
    assert one == pytest.approx(three, abs=1e-5)
    assert scorer.score(images, batch_size=3) == three  # same photo, same score


def test_sampled_images_score_the_mean_of_their_draws(scorer):
    big = synthetic_image(5, (640, 520))  # 40 x 33 patches: over the budget, sampled
    small = synthetic_image(6, (96, 64))
    draws = scorer.tokenizer.samples(big, scorer.draws)
    assert len(draws) == scorer.draws > 1 and len(scorer.tokenizer.samples(small, 4)) == 1
    each = scorer.score_tokens(draws)
    assert len(set(each)) > 1  # the draws differ ...
    got = scorer.score([big, small])
    assert got[0] == pytest.approx(sum(each) / len(each), abs=1e-6)  # ... and are averaged
    assert got[1] == pytest.approx(scorer.score_tokens([scorer.tokenizer.tokenize(small)])[0])
    one = fgaesq_core.Scorer(scorer.model, scorer.device, "x", draws=1)
    assert one.score([big]) == pytest.approx([each[0]], abs=1e-6)
    with pytest.raises(ValueError, match="draws"):
        fgaesq_core.Scorer(scorer.model, scorer.device, "x", draws=0)


def test_expected_score_is_the_mean_bin():
    logits = torch.tensor([[0.0] * 10, [-1e4] * 9 + [0.0]])
    assert fgaesq_core.expected_score(logits).tolist() == pytest.approx([5.5, 10.0])


def test_model_forward_output(scorer):
    tokens = fgaesq_core.collate([scorer.tokenizer.tokenize(synthetic_image(1, (80, 64)))])
    with torch.inference_mode():
        out = scorer.model(tokens)
    assert out.logits.shape == (1, 10) and out.features.shape == (1, 32)


def _token_sets(mode: str, frames: int, draws: int) -> int:
    if mode == "pairwise":  # every ordered pair, ceil(draws / (n - 1)) draws each
        return frames * (frames - 1) * -(-draws // (frames - 1))
    return frames * draws  # every frame (the medoid too) `draws` times


@pytest.mark.parametrize("mode", ["pairwise", "reference"])
def test_rank_series_forward_counts_and_order(scorer, series, mode):
    counter = ForwardCounter(scorer.model)
    try:
        ranking = scorer.rank_series(series, mode=mode, batch_size=16)
    finally:
        counter.handle.remove()
    assert counter.samples == _token_sets(mode, len(series), scorer.draws)
    assert counter.calls == -(-counter.samples // 16)  # token sets batched across pairs
    assert isinstance(ranking, SeriesRanking)
    assert sorted(ranking.order) == list(range(4))
    ordered = [ranking.scores[i] for i in ranking.order]
    assert ordered == sorted(ordered, reverse=True)
    assert ranking == scorer.rank_series(series, mode=mode)  # deterministic


@pytest.mark.parametrize("mode", ["pairwise", "reference"])
def test_rank_many_fills_passes_across_series_and_matches_rank_series(scorer, series, mode):
    bursts = [series, series[:1], series[1:3], series[::-1]]
    alone = [scorer.rank_series(burst, mode=mode) for burst in bursts]
    counter = ForwardCounter(scorer.model)
    try:
        together = scorer.rank_many(iter(bursts), mode=mode, batch_size=7)
        first = next(together)  # yielded before the later series are all tokenised
        rest = list(together)
    finally:
        counter.handle.remove()

    def token_sets(burst):
        if len(burst) == 1:  # a single frame is scored on its own: one set unless sampled
            return len(scorer.tokenizer.samples(burst[0], scorer.draws))
        return _token_sets(mode, len(burst), scorer.draws)

    total = sum(token_sets(burst) for burst in bursts)
    assert counter.samples == total and counter.calls == -(-total // 7)
    for got, want in zip([first, *rest], alone, strict=True):
        assert got.order == want.order
        assert got.scores == pytest.approx(want.scores, abs=1e-5)  # fp32 sums, other batches
    assert list(scorer.rank_many([], mode=mode)) == []


@pytest.mark.parametrize("mode", ["pairwise", "reference"])
def test_a_pass_left_in_flight_changes_no_score_and_reads_results_one_pass_later(
    scorer, series, mode
):
    """On CUDA one forward pass stays queued while the next batch is tokenised.  The same
    logic on the CPU: the same passes, the very same scores, and a series' ranking comes
    once the pass after the one that completed it has been queued."""
    bursts = [series, series[:1], series[1:3], series[::-1]]

    def run(in_flight: int) -> tuple[int, list[SeriesRanking]]:
        scorer.passes_in_flight = in_flight
        counter = ForwardCounter(scorer.model)
        try:
            rankings = scorer.rank_many(iter(bursts), mode=mode, batch_size=7)
            first = next(rankings)
            calls_at_first = counter.calls
            return calls_at_first, [first, *rankings]
        finally:
            counter.handle.remove()
            scorer.passes_in_flight = 0

    calls_now, now = run(0)
    calls_ahead, ahead = run(1)
    assert ahead == now  # identical floats: same batches, sums in the same order
    assert calls_ahead == calls_now + 1


@pytest.mark.parametrize("mode", ["pairwise", "reference"])
def test_rank_series_does_not_depend_on_frame_order(scorer, series, mode):
    ranking = scorer.rank_series(series, mode=mode)
    order = [2, 0, 3, 1]
    shuffled = scorer.rank_series([series[i] for i in order], mode=mode)
    assert shuffled.scores == pytest.approx([ranking.scores[i] for i in order], abs=1e-6)


def test_the_medoid_is_shown_its_own_flaw_by_the_other_frames(scorer):
    """Two frames share a magenta blot; the third has none.  The medoid is one of the
    twins and its nearest frame the other twin, against which the blot is no difference.
    Its draws also go to the third frame, where the blot is the difference, so the blot
    reaches the model at fine scale in the medoid's own pixels."""
    base = synthetic_image(30, (192, 128))
    twins = []
    for dx in (0, 3):
        frame = base.copy()
        ImageDraw.Draw(frame).rectangle([150, 96, 170, 116], fill=(255, 0, 255))
        ImageDraw.Draw(frame).rectangle([20 + dx, 10, 30 + dx, 20], fill=(0, 0, 0))
        twins.append(frame)
    clean = base.copy()
    ImageDraw.Draw(clean).rectangle([20, 10, 30, 20], fill=(0, 0, 0))
    frames = [*twins, clean]
    magenta = scorer.tokenizer.normalise(torch.tensor([1.0, 0.0, 1.0]).view(3, 1, 1)).flatten()
    seen = []

    def hook(module, args, output):
        tokens = args[0]
        fine = tokens.patches[tokens.scale_ids == 1]  # (n, 3, 16, 16)
        colours = fine.mean(dim=(2, 3))
        seen.append(bool(((colours - magenta).abs().max(dim=1).values < 0.05).any()))

    handle = scorer.model.register_forward_hook(hook)
    try:
        scorer.rank_series(frames, mode="reference", batch_size=1)
    finally:
        handle.remove()
    assert sum(seen) >= 1  # the medoid against the clean frame
    one = fgaesq_core.Scorer(scorer.model, scorer.device, "x", draws=1)
    seen.clear()
    handle = scorer.model.register_forward_hook(hook)
    try:
        one.rank_series(frames, mode="reference", batch_size=1)
    finally:
        handle.remove()
    assert not any(seen)  # one draw: the medoid meets only its twin


def test_pairwise_blending_follows_the_release():
    from fgaesq_core.inference import blend_with_series_mean

    assert blend_with_series_mean([[1.0], [3.0]]) == [1.0, 3.0]
    per_frame = [[1.0, 2.0, 3.0], [4.0, 4.0, 4.0], [1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]
    mean = sum(sum(p) for p in per_frame) / 12
    assert blend_with_series_mean(per_frame)[0] == pytest.approx(0.9 * 2.0 + 0.1 * mean)


def test_single_frame_series_and_bad_mode(scorer, series):
    ranking = scorer.rank_series(series[:1], mode="reference")
    assert ranking.order == [0] and ranking.scores == pytest.approx(scorer.score(series[:1]))
    with pytest.raises(ValueError, match="unknown series mode"):
        scorer.rank_series(series, mode="best")


def test_paths_with_exif_orientation_and_modes(tmp_path):
    img = Image.new("RGB", (40, 20), (10, 20, 30))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise on display
    path = tmp_path / "rotated.jpg"
    img.save(path, exif=exif.tobytes())
    loaded = load_image(path)
    assert loaded.size == (20, 40) and loaded.mode == "RGB"
    assert Image.open(path).size == (40, 20)  # the file itself is untouched
    assert load_image(Image.new("L", (5, 5))).mode == "RGB"


def test_bad_images_name_the_file(tmp_path, scorer):
    garbage = tmp_path / "broken.jpg"
    garbage.write_bytes(b"not an image")
    with pytest.raises(ImageInputError, match="broken.jpg"):
        scorer.score([garbage])
    with pytest.raises(ImageInputError, match="missing.png.*not found"):
        load_image(tmp_path / "missing.png")
    with pytest.raises(ImageInputError, match="limit"):
        load_image(Image.new("RGB", (300, 200)), max_pixels=1000)


def test_scoring_a_model_in_training_mode_restores_the_mode(scorer):
    images = [synthetic_image(3, (96, 64))]
    expected = scorer.score(images)
    scorer.model.train()
    try:
        assert scorer.score(images) == expected  # dropout off while scoring
        assert scorer.model.training
    finally:
        scorer.model.eval()
