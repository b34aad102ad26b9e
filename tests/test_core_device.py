"""Device selection and the torch engine's precision: fp32 unless autocast is asked for."""

import pytest
import torch
from torch.nn.attention import SDPBackend

import fgaesq_core
from fgaesq_core import DeviceUnavailable, resolve_device
from fgaesq_core.device import autocast_dtype
from fgaesq_core.testing import seeded_scorer, synthetic_image

# Largest score change against CPU fp32 on the seeded tiny model (measured: bf16 0.024,
# fp16 1.5e-4 on the CPU; see docs/model.md, "Precision").
BF16_TOLERANCE = 0.05
FP16_TOLERANCE = 2e-3
CUDA_FP32_TOLERANCE = 2e-3


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
    scorer = fgaesq_core.load_model(weights=None, config="tiny", device="cpu")
    assert scorer.device == torch.device("cpu")
    assert next(scorer.model.parameters()).device.type == "cpu"


def test_fp32_is_the_default_of_the_torch_engine_on_every_device():
    # Reduced precision is chosen per machine by fgaesq_core.engines (tests/test_core_engines.py);
    # the torch engine itself autocasts only when asked to.
    for name in ("cpu", "cuda", "mps"):
        assert autocast_dtype(torch.device(name)) is None
    assert fgaesq_core.load_model(weights=None, config="tiny", device="cpu").precision == "fp32"
    assert autocast_dtype(torch.device("cpu"), "bf16") is torch.bfloat16
    with pytest.raises(ValueError, match="unknown precision"):
        fgaesq_core.load_model(weights=None, config="tiny", device="cpu", precision="int4")


def test_reduced_precision_is_opt_in_and_stays_within_tolerance():
    scorer = seeded_scorer(1, "tiny", draws=1)
    images = [synthetic_image(i, size) for i, size in enumerate([(96, 64), (300, 200), (640, 480)])]
    full = scorer.score(images)
    for precision, tolerance in (("bf16", BF16_TOLERANCE), ("fp16", FP16_TOLERANCE)):
        low = fgaesq_core.Scorer(scorer.model, scorer.device, "x", draws=1, precision=precision)
        scores = low.score(images)
        assert scores != full  # the autocast really applies ...
        assert scores == pytest.approx(full, abs=tolerance)  # ... and stays this close


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
    images = [synthetic_image(i, size) for i, size in enumerate([(300, 200), (900, 700)])]
    cpu = seeded_scorer(1, "tiny").score(images)
    gpu_scorer = seeded_scorer(1, "tiny", device="cuda")
    assert gpu_scorer.device.type == "cuda" and gpu_scorer.precision == "fp32"
    gpu = gpu_scorer.score(images)  # fp32; cuDNN may use TF32 for the patch convolution
    assert gpu == pytest.approx(cpu, abs=CUDA_FP32_TOLERANCE)
    bf16 = fgaesq_core.Scorer(gpu_scorer.model, gpu_scorer.device, "x", precision="bf16")
    assert bf16.score(images) == pytest.approx(cpu, abs=BF16_TOLERANCE)
    series = gpu_scorer.rank_series(images + [images[0].copy()], mode="reference")
    assert sorted(series.order) == [0, 1, 2]


def test_batch_size_and_attention_kernel_by_device():
    # small batches on the CPU (larger ones fall out of the caches), large ones on a GPU
    assert fgaesq_core.default_batch_size("cpu") <= 8
    assert fgaesq_core.default_batch_size(torch.device("cuda", 1)) >= 32
    assert fgaesq_core.default_batch_size("mps") > fgaesq_core.default_batch_size("cpu")
    kernel = fgaesq_core.attention_kernel("cpu", torch.float32, 4, 12, 512, 64)
    assert kernel in SDPBackend.__members__ and kernel != "ERROR"
    if torch.cuda.is_available():  # fp32 has no flash kernel on CUDA
        assert fgaesq_core.attention_kernel("cuda", torch.float32, 4, 12, 512, 64) in (
            "EFFICIENT_ATTENTION",
            "CUDNN_ATTENTION",
            "MATH",
        )


def test_cuda_forward_uses_pinned_non_blocking_copies():
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device here")
    scorer = seeded_scorer(0, "tiny", device="cuda")
    cpu = seeded_scorer(0, "tiny", device="cpu")
    images = [synthetic_image(k, (96, 64)) for k in range(3)]
    pinned = fgaesq_core.collate([scorer.tokenizer.tokenize(i) for i in images], pin_memory=True)
    assert pinned.patches.is_pinned()
    assert scorer.score(images) == pytest.approx(cpu.score(images), abs=CUDA_FP32_TOLERANCE)


def test_cuda_leaves_one_pass_in_flight_and_reads_the_same_scores():
    """On CUDA the scores of a pass are read after the next pass is queued (asynchronous copy
    and an event) and the tokenizer's SSIM runs on a stream of its own: the same floats as
    reading every pass at once."""
    assert fgaesq_core.device.PASSES_IN_FLIGHT == {"cuda": 1}
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device here")
    scorer = seeded_scorer(0, "tiny", device="cuda")
    assert scorer.passes_in_flight == 1
    with scorer.tokenizer.own_stream():  # tokenising never queues behind the model's passes
        assert torch.cuda.current_stream() != torch.cuda.default_stream()
    base = synthetic_image(3, (192, 128))
    bursts = [[base, base.rotate(2), base.rotate(-2)], [base.rotate(5)], [base, base.rotate(1)]]
    ahead = list(scorer.rank_many(iter(bursts), mode="pairwise", batch_size=5))
    scorer.passes_in_flight = 0
    at_once = list(scorer.rank_many(iter(bursts), mode="pairwise", batch_size=5))
    assert ahead == at_once
