"""Device selection and the autocast precision per device."""

import pytest
import torch

import fgaesq_core
from fgaesq_core import DeviceUnavailable, resolve_device
from fgaesq_core.device import autocast_dtype


def test_auto_picks_the_best_available():
    dev = resolve_device("auto")
    if torch.cuda.is_available():
        assert dev.type == "cuda"
    elif torch.backends.mps.is_available():
        assert dev.type == "mps"
    else:
        assert dev == torch.device("cpu")


def test_explicit_cpu_works_and_runs_fp32():
    assert resolve_device("cpu") == torch.device("cpu")
    assert autocast_dtype(torch.device("cpu")) is None
    scorer = fgaesq_core.load_model(weights=None, config="tiny", device="cpu")
    assert scorer.device == torch.device("cpu")
    assert next(scorer.model.parameters()).device.type == "cpu"


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_when_unavailable_is_a_clear_error():
    with pytest.raises(DeviceUnavailable, match="CUDA is not available.*--device cpu"):
        resolve_device("cuda")
    with pytest.raises(DeviceUnavailable):
        fgaesq_core.load_model(weights=None, config="tiny", device="cuda:0")


@pytest.mark.skipif(torch.backends.mps.is_available(), reason="needs a machine without MPS")
def test_mps_when_unavailable_is_a_clear_error():
    with pytest.raises(DeviceUnavailable, match="MPS is not available"):
        resolve_device("mps")


def test_unknown_device_names_are_rejected():
    for name in ("gpu", "tpu", "cuda:x"):
        with pytest.raises(DeviceUnavailable, match=name.split(":")[0]):
            resolve_device(name)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_scores_close_to_cpu():
    from fgaesq_core.checkpoint import load_into, released_to_project
    from fgaesq_core.testing import released_state_dict, synthetic_image

    model = fgaesq_core.create_model("tiny")
    load_into(model, released_to_project(released_state_dict(1, "tiny")), "seeded")
    images = [synthetic_image(i, size) for i, size in enumerate([(300, 200), (900, 700)])]
    cpu = fgaesq_core.Scorer(model, torch.device("cpu"), "x").score(images)
    gpu_scorer = fgaesq_core.Scorer(model, torch.device("cuda"), "x")
    assert gpu_scorer.device.type == "cuda"
    gpu = gpu_scorer.score(images)  # bf16 autocast
    assert gpu == pytest.approx(cpu, abs=0.05)
    series = gpu_scorer.rank_series(images + [images[0].copy()], mode="reference")
    assert sorted(series.order) == [0, 1, 2]
