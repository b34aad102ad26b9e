"""Training config loading, overrides and the series-keeping batch sampler."""

import pytest

from training.config import ConfigError, load_config, resolve_model_config
from training.samplers import EpochBatchSampler, pack_batches


def test_bundled_configs_load_with_the_papers_settings():
    paper = load_config("fgaesq-vit-b16")
    assert paper.model.config == "vit-b-16" and paper.model.pretrained == "openai"
    assert (paper.stage1.epochs, paper.stage1.batch_size, paper.stage1.lr) == (3.0, 128, 2e-5)
    s2 = paper.stage2
    assert (s2.epochs, s2.lr, s2.weight_decay, s2.lambda_align) == (7.0, 2e-5, 5e-5, 10.0)
    assert (s2.fine_momentum, s2.coarse_momentum) == (0.615, 0.8)
    assert (s2.fine_batch_images, s2.coarse_batch_size) == (64, 128)
    tiny = load_config("tiny-cpu")
    assert resolve_model_config(tiny.model.config).tokenizer.max_tokens == 48


def test_overrides_are_typed_and_unknown_keys_are_named(tmp_path):
    config = load_config(
        "tiny-cpu", ["stage2.lr=3e-4", "ablation.rankreg=false", "stage2.max_steps=7"]
    )
    assert config.stage2.lr == 3e-4 and config.ablation.rankreg is False
    assert config.stage2.max_steps == 7
    with pytest.raises(ConfigError, match="stage2.lrr: unknown key"):
        load_config("tiny-cpu", ["stage2.lrr=1"])
    with pytest.raises(ConfigError, match="runtime.seed: expected"):
        load_config("tiny-cpu", ["runtime.seed=abc"])
    bad = tmp_path / "bad.yaml"
    bad.write_text("stage2:\n  momentum_mode: sometimes\n")
    with pytest.raises(ConfigError, match=r"bad.yaml: .*momentum_mode"):
        load_config(bad)
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "absent.yaml")


def test_packing_keeps_items_whole_and_under_capacity():
    sizes = [3, 5, 2, 9, 4, 1]
    batches = pack_batches(range(6), sizes, capacity=8)
    assert batches == [[0, 1], [2], [3], [4, 5]]
    assert sorted(i for b in batches for i in b) == list(range(6))


def test_distributed_sampler_splits_batches_evenly_and_deterministically():
    sizes = [2, 3, 4, 5, 2, 3, 4, 2, 3, 5, 4, 2]
    ranks = [EpochBatchSampler(sizes, 8, seed=3, rank=r, world_size=2) for r in range(2)]
    batches = [r.epoch_batches(1) for r in ranks]
    assert len(batches[0]) == len(batches[1])
    seen = [i for rank in batches for b in rank for i in b]
    assert len(seen) == len(set(seen))  # no series on two ranks
    assert ranks[0].epoch_batches(1) == batches[0]  # same epoch, same batches
    assert ranks[0].epoch_batches(2) != batches[0]  # reshuffled per epoch


def test_sampler_resumes_mid_epoch_with_epoch_keys():
    sampler = EpochBatchSampler([1] * 10, 3, seed=0)
    sampler.set_epoch(4)
    full = list(sampler)
    sampler.set_epoch(4, start=2)
    assert list(sampler) == full[2:]
    assert all(key[0] == 4 for batch in full for key in batch)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("stage2.epoch_unit", "images"),
        ("stage2.momentum_mode", "ema"),
        ("data.token_draws", "random"),
        ("runtime.select_on", "loss"),
        ("runtime.eval_mode", "all"),
    ],
)
def test_every_choice_list_is_checked_and_named_in_the_message(key, value):
    with pytest.raises(ConfigError, match=rf"{key} must be one of .*not '{value}'"):
        load_config("tiny-cpu", [f"{key}={value}"])


def test_the_papers_readings_are_the_defaults():
    paper = load_config("fgaesq-vit-b16")
    assert paper.stage2.epoch_unit == "fine"
    assert paper.stage2.momentum_mode == "per_objective"
    assert paper.data.token_draws == "per_step"
    assert paper.runtime.select_on == "balance"
