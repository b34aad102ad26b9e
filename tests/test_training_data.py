"""AVA and FGAesthetics readers, the validator and the synthetic writer, on real files."""

import dataclasses
import json
import logging

import pytest
import torch
from PIL import Image

from fgaesq_core.tokenizer import DiffToken
from training.ava import parse_ava_line, read_ava, report_split, split_ava
from training.config import resolve_model_config
from training.datasets import CoarseDataset, DifferenceCache, FineDataset
from training.fgaesthetics import AnnotationError, parse_series, read_fgaesthetics
from training.synthetic import SyntheticSpec, write_synthetic
from training.text import encode_texts, report_truncated, text_tokenizer
from training.validate import main as validate_main
from training.validate import validate_fgaesthetics


def _jpeg(path, colour=(120, 60, 30)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (32, 32), colour).save(path)


def test_ava_line_parsing_and_mean_score():
    item = parse_ava_line("1 953619 0 1 5 17 38 36 15 6 5 1 1 22 1396")
    assert item.image_id == "953619"
    assert item.total_votes == 124
    assert item.mean_score == pytest.approx(
        sum((k + 1) * n for k, n in enumerate(item.votes)) / 124
    )
    assert sum(item.histogram) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="fields"):
        parse_ava_line("1 2 3")


def test_ava_skips_missing_images_and_bad_lines_with_one_message(tmp_path, caplog):
    (tmp_path / "AVA.txt").write_text(
        "1 10 0 0 1 2 3 2 1 0 0 0 0 0 0\n2 11 0 0 1 2 3 2 1 0 0 0 0 0 0\n3 12 oops\n"
        "4 13 0 0 1 2 3 2 1 0 0 0 0 0 0\n"
    )
    _jpeg(tmp_path / "images" / "10.jpg")
    with caplog.at_level(logging.WARNING):
        items = read_ava(tmp_path)
    assert [i.image_id for i in items] == ["10"]
    assert "AVA.txt:3" in caplog.text
    missing = [r for r in caplog.records if "images missing" in r.getMessage()]
    assert len(missing) == 1 and "11" in missing[0].getMessage() and "13" in missing[0].getMessage()


def test_ava_split_uses_test_ids_file_or_a_stable_hash(tmp_path):
    items = [parse_ava_line(f"{n} {n} 0 0 1 2 3 2 1 0 0 0 0 0 0") for n in range(200)]
    split = split_ava(items, tmp_path, test_fraction=0.25)
    again = split_ava(items, tmp_path, test_fraction=0.25)
    assert [i.image_id for i in split.test] == [i.image_id for i in again.test]
    assert 20 < len(split.test) < 80 and len(split.train) + len(split.test) == 200
    assert split.source == "hash split of 25%"
    (tmp_path / "test_ids.txt").write_text("3\n7\n\n")
    split = split_ava(items, tmp_path)
    assert [i.image_id for i in split.test] == ["3", "7"] and len(split.train) == 198


@pytest.mark.parametrize(
    "name", ["test_ids.txt", "generic_test.jpgl", "aesthetics_image_lists/generic_test.jpgl"]
)
def test_ava_standard_test_list_is_found_under_its_usual_names(tmp_path, name, caplog):
    items = [parse_ava_line(f"{n} {n} 0 0 1 2 3 2 1 0 0 0 0 0 0") for n in range(50)]
    (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / name).write_text("4\n9\n")
    split = split_ava(items, tmp_path, test_fraction=0.5)
    assert split.source == str(tmp_path / name)
    assert [i.image_id for i in split.test] == ["4", "9"]
    with caplog.at_level(logging.INFO):
        report_split(split, tmp_path)
    assert name in caplog.text and not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_ava_hash_fallback_is_reported_as_a_warning(tmp_path, caplog):
    items = [parse_ava_line(f"{n} {n} 0 0 1 2 3 2 1 0 0 0 0 0 0") for n in range(50)]
    split = split_ava(items, tmp_path, test_fraction=0.08)
    with caplog.at_level(logging.WARNING):
        report_split(split, tmp_path)
    warning = " ".join(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert "NOT the published split" in warning and "generic_test.jpgl" in warning


def test_ava_validation_share_comes_out_of_training_never_out_of_test(tmp_path):
    items = [parse_ava_line(f"{n} {n} 0 0 1 2 3 2 1 0 0 0 0 0 0") for n in range(400)]
    (tmp_path / "test_ids.txt").write_text("\n".join(str(n) for n in range(0, 400, 5)))
    split = split_ava(items, tmp_path, val_fraction=0.1)
    test_ids = {i.image_id for i in split.test}
    val_ids = {i.image_id for i in split.val}
    assert len(test_ids) == 80 and not test_ids & val_ids
    assert 15 < len(val_ids) < 50
    assert len(split.train) + len(val_ids) + len(test_ids) == 400
    assert not val_ids & {i.image_id for i in split.train}


def _record(**overrides):
    record = {
        "series_id": "000001",
        "category": "natural",
        "split": "train",
        "images": ["000001-01.jpg", "000001-02.jpg", "000001-03.jpg"],
        "ranking": ["000001-02.jpg", "000001-03.jpg", "000001-01.jpg"],
        "pairs": [{"a": "000001-01.jpg", "b": "000001-02.jpg", "p_a": 0.1}],
        "texts": [{"target": "000001-02.jpg", "reference": "000001-01.jpg", "text": "brighter"}],
    }
    record.update(overrides)
    return record


def test_a_text_in_the_papers_a_or_b_form_gives_each_direction_its_own_sentence():
    text = {"target": "000001-02.jpg", "reference": "000001-01.jpg", "text": "crisper|| softer "}
    series = parse_series(_record(texts=[text]))
    assert series.text_for(1, 0) == ("crisper", 1.0)
    assert series.text_for(0, 1) == ("softer", 1.0)
    with pytest.raises(AnnotationError, match="empty text"):
        parse_series(_record(texts=[{**text, "text": "crisper||"}]))
    with pytest.raises(AnnotationError, match='more than one "\\|\\|"'):
        parse_series(_record(texts=[{**text, "text": "a||b||c"}]))


def test_rankreg_order_follows_annotated_preferences_and_the_ranking_elsewhere():
    # ranking best first: 1, 2, 0.  Annotators prefer 0 over 2 (p 0.7) against the ranking.
    series = parse_series(
        _record(
            pairs=[{"a": "000001-01.jpg", "b": "000001-03.jpg", "p_a": 0.7}],
            texts=[],
        )
    )
    assert series.preference(0, 2) == 0.7 and series.preference(2, 0) == pytest.approx(0.3)
    assert series.preference(1, 0) == 1.0 and series.preference(0, 1) == 0.0
    # every ordered pair once, certain wins first (the most distant first), then the
    # annotated 0.7 and 0.3, then certain losses (the closest first)
    assert series.rankreg_order() == (
        ((1, 0),),
        ((1, 2),),
        ((0, 2),),
        ((2, 0),),
        ((2, 1),),
        ((0, 1),),
    )
    # without annotated probabilities: by ranking distance, equal distances tied
    plain = parse_series(_record(pairs=[], texts=[]))
    assert plain.rankreg_order() == (
        ((1, 0),),
        ((1, 2), (2, 0)),
        ((2, 1), (0, 2)),
        ((0, 1),),
    )


def test_parse_series_converts_names_to_indices():
    series = parse_series(_record())
    assert series.ranking == (1, 2, 0)
    assert series.evaluated_pairs() == [(0, 1)]
    assert series.text_for(1, 0) == ("brighter", 1.0)
    assert series.text_for(0, 1) == ("brighter", -1.0)
    assert series.text_for(0, 2) is None


@pytest.mark.parametrize(
    ("overrides", "cause"),
    [
        ({"ranking": ["000001-02.jpg", "000001-01.jpg"]}, "unranked: 000001-03.jpg"),
        ({"ranking": ["x.jpg", "000001-01.jpg", "000001-03.jpg"]}, "not in images: x.jpg"),
        ({"category": "painting"}, 'unknown category "painting"'),
        ({"pairs": [{"a": "000001-01.jpg", "b": "nope.jpg"}]}, "pairs[0]"),
        ({"split": None}, 'missing "split"'),
    ],
)
def test_parse_series_names_the_cause(overrides, cause):
    with pytest.raises(AnnotationError) as info:
        parse_series(_record(**overrides))
    assert cause in str(info.value)


def _write_fg(root, records, raw_lines=()):
    lines = [json.dumps(r) for r in records] + list(raw_lines)
    (root / "annotations.jsonl").write_text("\n".join(lines) + "\n")
    for record in records:
        for name in record["images"]:
            _jpeg(root / "images" / record["series_id"] / name)


def test_validator_reports_each_problem_with_its_line(tmp_path, capsys):
    good = _record()
    bad_rank = _record(
        series_id="000002", ranking=["000002-01.jpg"], images=["000002-01.jpg", "000002-02.jpg"]
    )
    bad_rank["pairs"], bad_rank["texts"] = [], []
    _write_fg(tmp_path, [good, bad_rank], raw_lines=['{"series_id": "000003", ', json.dumps(good)])
    (tmp_path / "images" / "000001" / "000001-03.jpg").unlink()
    report = validate_fgaesthetics(tmp_path)
    text = "\n".join(report.problems)
    assert "annotations.jsonl:2" in text and "unranked: 000002-02.jpg" in text
    assert "annotations.jsonl:3: malformed JSON" in text
    assert "annotations.jsonl:4: series 000001 already defined on line 1" in text
    assert "missing file" in text and "000001-03.jpg" in text
    assert validate_main([str(tmp_path)]) == 1
    assert "problem(s)" in capsys.readouterr().out


def test_reader_drops_missing_images_and_keeps_the_rest(tmp_path):
    _write_fg(
        tmp_path,
        [
            _record(),
            _record(
                series_id="000002",
                split="test",
                images=["000002-01.jpg", "000002-02.jpg"],
                ranking=["000002-01.jpg", "000002-02.jpg"],
                pairs=[],
                texts=[],
            ),
        ],
    )
    (tmp_path / "images" / "000001" / "000001-01.jpg").unlink()
    train = read_fgaesthetics(tmp_path, splits=["train"])
    assert len(train) == 1 and train[0].images == ("000001-02.jpg", "000001-03.jpg")
    assert train[0].ranking == (0, 1) and train[0].pairs == ()
    assert [s.series_id for s in read_fgaesthetics(tmp_path, splits=["test"])] == ["000002"]


def test_synthetic_set_is_valid_in_both_formats(tmp_path):
    ava, fg = write_synthetic(tmp_path, SyntheticSpec(series=9, ava_images=10, size=32))
    report = validate_fgaesthetics(fg)
    assert report.ok, report.problems
    assert report.series == 9 and set(report.by_split) == {"train", "val", "test"}
    assert len(read_ava(ava)) == 10


def test_synthetic_preferences_annotate_every_pair_by_how_much_better_it_is(tmp_path):
    spec = SyntheticSpec(series=6, ava_images=2, size=32, preference_steps=(8.0, 4.0, 2.0, 1.0))
    _, fg = write_synthetic(tmp_path, spec)
    assert validate_fgaesthetics(fg).ok
    for series in read_fgaesthetics(fg):
        n = len(series)
        assert len(series.pairs) == n * (n - 1) // 2
        best, second, *rest = series.ranking
        for x, y in zip(series.ranking, series.ranking[1:], strict=False):
            assert series.preference(x, y) > 0.5  # agrees with the ranking
        # the first step is the largest: the best frame beats the second more surely
        # than the second beats the last (which the ranking alone does not say)
        assert series.preference(best, second) > series.preference(second, series.ranking[-1])
        # and the order of RankReg's list follows it, not the ranking distance
        order = [pair for group in series.rankreg_order() for pair in group]
        if rest:
            assert order.index((best, second)) < order.index((second, rest[0]))
    plain = write_synthetic(tmp_path / "plain", SyntheticSpec(series=3, ava_images=2, size=32))[1]
    assert all(not s.pairs for s in read_fgaesthetics(plain))


def test_comparative_texts_longer_than_clips_context_are_counted_and_reported(caplog):
    clip = text_tokenizer({"context_length": 77})
    short = "The second frame is sharper on the face."
    long = " ".join(["the left frame has a more balanced exposure and crisper detail"] * 8)
    assert clip.length(short) < 77 < clip.length(long)
    assert clip.too_long([short, long, short]) == [long]
    with caplog.at_level(logging.WARNING):
        assert report_truncated([short, long], clip) == 1
    assert "1 of 2 comparative texts exceed the text tower's 77 tokens" in caplog.text


def test_untrained_text_tower_features_depend_on_the_seed_only():
    config = resolve_model_config("tiny-cpu-model")
    texts = ["sharper", "cleaner"]
    torch.manual_seed(123)
    first = encode_texts(texts, config, None, torch.device("cpu"), seed=5)
    state = torch.get_rng_state()
    again = encode_texts(texts, config, None, torch.device("cpu"), seed=5)
    assert torch.equal(torch.get_rng_state(), state)  # the caller's random state is untouched
    other = encode_texts(texts, config, None, torch.device("cpu"), seed=6)
    assert all(torch.equal(first[t], again[t]) for t in texts)
    assert not torch.equal(first["sharper"], other["sharper"])


def _fine_dataset(root, draws: str, in_memory: bool = False) -> FineDataset:
    # a 64-token budget: an 80 px frame (25 regions) fits whole, so a pair's 8 fine
    # regions are drawn from its 12 most changed (the tiny config fits it at 71 px, where
    # a pair keeps all 8 of its top half: nothing left to draw)
    config = dataclasses.replace(resolve_model_config("tiny-cpu-model").tokenizer, max_tokens=64)
    tokenizer = DiffToken(config)
    series = read_fgaesthetics(root / "fgaesthetics", splits=["train"])
    return FineDataset(
        series, root / "fgaesthetics", tokenizer, 256, seed=3, in_memory=in_memory, draws=draws
    )


def _same(a: list, b: list) -> bool:
    return all(
        torch.equal(x.patches, y.patches) and x.fine_regions == y.fine_regions
        for x, y in zip(a, b, strict=True)
    )


def _repeated_pairs(dataset: FineDataset, index: int, epochs: int) -> list[tuple]:
    """Tokens of one (image, reference) pair in two epochs, for every pair seen twice."""
    seen: dict[tuple, object] = {}
    repeats = []
    for epoch in range(epochs):
        sample = dataset[(epoch, index)]
        for image, tokens in enumerate(sample.tokens):
            key = (image, sample.references[image])
            if key in seen:
                repeats.append((seen[key], tokens))
            seen.setdefault(key, tokens)
    return repeats


def test_training_tokens_are_drawn_anew_each_epoch_and_reproducibly(tmp_path):
    # 80 px frames: 25 regions, 8 of the 12 most changed drawn fine
    write_synthetic(tmp_path, SyntheticSpec(series=6, ava_images=4, seed=1, size=80))
    dataset = _fine_dataset(tmp_path, "per_step")
    first = dataset[(0, 1)].tokens
    assert _same(first, dataset[(0, 1)].tokens)  # the same step draws the same tokens
    assert _same(first, _fine_dataset(tmp_path, "per_step")[(0, 1)].tokens)
    repeats = _repeated_pairs(dataset, 1, 8)
    assert repeats and not all(_same([a], [b]) for a, b in repeats)  # same pair, new draws
    fixed_dataset = _fine_dataset(tmp_path, "fixed", in_memory=True)
    fixed = _repeated_pairs(fixed_dataset, 1, 8)
    assert fixed and all(_same([a], [b]) for a, b in fixed)
    # the fixed draw is inference's: content-seeded draw 0 of the same tokenizer code
    sample, series = fixed_dataset[(0, 1)], fixed_dataset.series[1]
    frames = [
        fixed_dataset.image(series.image_path(fixed_dataset.root, i))
        for i in (0, sample.references[0])
    ]
    assert _same([sample.tokens[0]], [dataset.tokenizer.tokenize_pair(*frames)])


def test_coarse_tokens_of_images_over_the_budget_are_drawn_per_epoch(tmp_path):
    ava, _ = write_synthetic(tmp_path, SyntheticSpec(series=3, ava_images=4, seed=1, size=96))
    config = resolve_model_config("tiny-cpu-model").tokenizer
    dataset = CoarseDataset(read_ava(ava), ava, DiffToken(config), 256, seed=0)
    draws = [dataset[(epoch, 0)].tokens for epoch in range(4)]
    assert _same([draws[0]], [dataset[(0, 0)].tokens])
    assert not all(_same([draws[0]], [d]) for d in draws[1:])


def test_the_pair_ssim_is_computed_once_per_pair_and_changes_no_token(tmp_path, monkeypatch):
    import fgaesq_core.tokenizer as tokenizer_module

    write_synthetic(tmp_path, SyntheticSpec(series=6, ava_images=4, seed=1, size=80))
    computed = []
    original = tokenizer_module.region_difference

    def counted(*args, **kwargs):
        computed.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(tokenizer_module, "region_difference", counted)
    plain = _fine_dataset(tmp_path, "per_step")
    cached = _fine_dataset(tmp_path, "per_step")
    cached.tokenizer = DiffToken(
        plain.tokenizer.config, difference_cache=DifferenceCache(tmp_path / "ssim")
    )
    keys = [(epoch, index) for epoch in range(3) for index in range(len(plain))]
    for key in keys:
        assert _same(plain[key].tokens, cached[key].tokens)
    uncached_count = len(computed) // 2
    computed.clear()
    for key in keys:  # a second pass over the same epochs (another worker, a resume)
        cached[key]
    files = len(DifferenceCache(tmp_path / "ssim"))
    assert computed == [] and 0 < files < uncached_count  # pairs recur over epochs


def test_augmentation_flips_and_crops_every_frame_of_a_series_alike_without_resampling():
    import numpy as np

    from training.datasets import augment_frames

    rng = np.random.default_rng(0)
    frames = [Image.fromarray(rng.integers(0, 256, (30, 40, 3), dtype=np.uint8)) for _ in range(3)]
    seen = set()
    for seed in range(12):
        out = augment_frames(frames, "flip_crop", 0.25, np.random.default_rng(seed))
        sizes = {image.size for image in out}
        assert len(sizes) == 1  # one crop for the whole series
        (size,) = sizes
        assert 20 <= size[0] <= 40 and 15 <= size[1] <= 30
        # the crop of every frame is the same window of native pixels, flipped alike
        first = np.asarray(frames[0])
        window = np.asarray(out[0])
        matches = []
        for flipped in (False, True):
            candidate = window[:, ::-1] if flipped else window
            for top in range(first.shape[0] - size[1] + 1):
                for left in range(first.shape[1] - size[0] + 1):
                    crop = first[top : top + size[1], left : left + size[0]]
                    if np.array_equal(crop, candidate):
                        matches.append((flipped, top, left))
        assert len(matches) == 1
        flipped, top, left = matches[0]
        for original, augmented in zip(frames, out, strict=True):
            crop = np.asarray(original)[top : top + size[1], left : left + size[0]]
            assert np.array_equal(crop[:, ::-1] if flipped else crop, np.asarray(augmented))
        seen.add((flipped, size))
    assert len({flipped for flipped, _ in seen}) == 2 and len(seen) > 2  # it does vary
    assert augment_frames(frames, "none", 0.25, np.random.default_rng(0)) == frames


def test_a_series_is_augmented_per_epoch_and_reproducibly(tmp_path):
    write_synthetic(tmp_path, SyntheticSpec(series=1, ava_images=1, seed=1, size=64))
    config = resolve_model_config("tiny-cpu-model").tokenizer
    series = read_fgaesthetics(tmp_path / "fgaesthetics", splits=["train", "val", "test"])

    def dataset(augment):
        return FineDataset(
            series,
            tmp_path / "fgaesthetics",
            DiffToken(config),
            256,
            seed=0,
            draws="fixed",
            augment=augment,
            augment_crop=0.2,
        )

    # fixed draws: the tokens change only where the frames were augmented
    plain, augmented = dataset("none"), dataset("flip_crop")
    assert _same(augmented[(0, 0)].tokens, dataset("flip_crop")[(0, 0)].tokens)
    for epoch in range(2):
        assert not _same(plain[(epoch, 0)].tokens, augmented[(epoch, 0)].tokens)
    frames = [augmented.image(series[0].image_path(augmented.root, i)) for i in range(2)]
    drawn = {augmented.augmented(frames, epoch, 0)[0].tobytes() for epoch in range(4)}
    assert len(drawn) > 1  # drawn anew each epoch
