"""Checkpoint layouts (released <-> project), project save/load, and error messages."""

import pytest
import torch

import fgaesq_core
from fgaesq_core import CheckpointError, project_to_released, released_to_project
from fgaesq_core.testing import released_state_dict, synthetic_image


@pytest.fixture(scope="module")
def released():
    return released_state_dict(5, "tiny")


@pytest.fixture(scope="module")
def images():
    return [synthetic_image(i, size) for i, size in enumerate([(64, 48), (700, 500)])]


def test_released_keys_have_the_release_shapes(released):
    assert released["scale_embedding"].shape == (1, 2, 64)
    assert released["mask_token"].shape == (1, 1, 64)
    assert {"iqa_head.0.weight", "iqa_head.3.bias", "proj", "ln_pre.weight"} <= set(released)
    assert "clip_model.token_embedding.weight" in released  # text tower included
    assert torch.equal(
        released["transformer.resblocks.0.ln_1.weight"],
        released["clip_model.visual.transformer.resblocks.0.ln_1.weight"],
    )


def test_round_trip_released_project_released(released):
    project = released_to_project(released, with_text=True)
    assert not any(k.startswith("clip_model.") for k in project)
    assert project["scale_embedding"].shape == (2, 64) and project["mask_token"].shape == (64,)
    back = project_to_released(project)
    assert set(back) == set(released)
    for key, value in released.items():
        assert torch.equal(back[key], value), key
    assert released_to_project(back, with_text=True).keys() == project.keys()


def test_text_tower_dropped_unless_asked(released):
    assert not any(k.startswith("text.") for k in released_to_project(released))
    model = fgaesq_core.create_model("tiny", with_text=True)
    from fgaesq_core.checkpoint import load_into

    load_into(model, released_to_project(released, with_text=True), "mem")
    assert torch.equal(
        model.text.token_embedding.weight, released["clip_model.token_embedding.weight"]
    )


def test_alias_mismatch_is_reported(released):
    broken = dict(released)
    broken["ln_pre.weight"] = broken["ln_pre.weight"] + 1
    with pytest.raises(CheckpointError) as err:
        released_to_project(broken, "odd.pt")
    assert "odd.pt" in str(err.value) and "ln_pre.weight" in str(err.value)


def _scores(scorer, images):
    return scorer.score(images, batch_size=2)


def test_project_checkpoint_save_load_gives_identical_scores(tmp_path, released, images):
    path = tmp_path / "released.pt"
    torch.save(released, path)
    first = fgaesq_core.load_model(weights=path, config="tiny", device="cpu")
    saved = fgaesq_core.save_checkpoint(first.model, tmp_path / "mine")
    assert saved.name == "mine.safetensors"
    second = fgaesq_core.load_model(weights=saved, device="cpu")  # config read from the file
    assert second.config.name == "tiny"
    assert _scores(first, images) == _scores(second, images)
    exported = fgaesq_core.save_released(second.model, tmp_path / "again.pt")
    third = fgaesq_core.load_model(weights=exported, config="tiny", device="cpu")
    assert _scores(first, images) == _scores(third, images)


def test_missing_file_message(tmp_path):
    with pytest.raises(CheckpointError) as err:
        fgaesq_core.load_model(weights=tmp_path / "nope.pt", config="tiny", device="cpu")
    assert "nope.pt" in str(err.value) and "--weights PATH" in str(err.value)


def test_truncated_empty_and_garbage_files(tmp_path, released):
    full = tmp_path / "full.pt"
    torch.save(released, full)
    data = full.read_bytes()
    cases = {
        "cut.pt": (data[: len(data) // 2], "truncated"),
        "empty.pt": (b"", "empty"),
        "noise.pt": (b"this is not a checkpoint at all" * 10, "not a PyTorch checkpoint"),
        "cut.safetensors": (b'\x10\x00\x00\x00\x00\x00\x00\x00{"a":', "not a safetensors"),
    }
    for name, (content, words) in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(CheckpointError) as err:
            fgaesq_core.load_model(weights=tmp_path / name, config="tiny", device="cpu")
        assert name in str(err.value) and words in str(err.value), str(err.value)


def test_not_a_state_dict(tmp_path):
    path = tmp_path / "list.pt"
    torch.save([1, 2, 3], path)
    with pytest.raises(CheckpointError, match="list.pt.*not a model state dict"):
        fgaesq_core.load_model(weights=path, config="tiny", device="cpu")


def test_missing_unexpected_and_mismatched_keys_are_listed(tmp_path, released):
    state = dict(released)
    del state["iqa_head.3.weight"]
    state["extra_thing.weight"] = torch.zeros(3)
    state["iqa_head.0.bias"] = torch.zeros(99)
    path = tmp_path / "odd.pt"
    torch.save(state, path)
    with pytest.raises(CheckpointError) as err:
        fgaesq_core.load_model(weights=path, config="tiny", device="cpu")
    message = str(err.value)
    for words in (
        "odd.pt",
        "missing keys",
        "head.3.weight",
        "unexpected keys",
        "extra_thing.weight",
        "mismatched shapes",
        "head.0.bias",
        "'tiny'",
    ):
        assert words in message, words


def test_released_checkpoint_for_another_architecture(tmp_path, released):
    path = tmp_path / "tiny.pt"
    torch.save(released, path)
    with pytest.raises(CheckpointError, match="tiny.pt does not fit model config 'vit-b-16'"):
        fgaesq_core.create_model("vit-b-16", pretrained=path)


def test_unknown_config_keys_are_a_config_error():
    data = fgaesq_core.load_config("tiny").to_dict()
    data["tokenizer"]["no_such_setting"] = 1
    with pytest.raises(fgaesq_core.ConfigError, match="no_such_setting"):
        fgaesq_core.ModelConfig.from_dict(data)
    data = fgaesq_core.load_config("tiny").to_dict() | {"depth_multiplier": 2}
    with pytest.raises(fgaesq_core.ConfigError, match="depth_multiplier"):
        fgaesq_core.ModelConfig.from_dict(data)
