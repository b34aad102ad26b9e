"""Inference engines: each one's parity with torch fp32 on the tiny model, the export cache,
and the per-machine choice (docs/model.md, "Engines").

ONNX Runtime and OpenVINO are extras; their tests skip when the package is missing.  The
graph is exported once per module into a temporary cache (the TorchScript exporter takes
about 10 s for the tiny config on two loaded cores).
"""

import pytest
import torch

import fgaesq_core
from fgaesq_core import EngineUnavailable
from fgaesq_core.engines import choice, select_engine
from fgaesq_core.engines.export import cache_dir, export_key
from fgaesq_core.testing import seeded_scorer, synthetic_image

#: Largest score change against torch fp32 allowed per (engine, precision) on the seeded
#: tiny model.  Measured on random tiny weights: ONNX Runtime fp32 1.4e-6, OpenVINO fp32
#: 5e-7, ONNX Runtime int8 0.008, OpenVINO bf16 0.002 (scores span [1, 10]).
TOLERANCES = {
    ("onnxruntime", "fp32"): 1e-4,
    ("openvino", "fp32"): 1e-4,
    ("onnxruntime", "int8"): 0.05,
    ("openvino", "bf16"): 0.05,
}
CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def engine_cache(tmp_path_factory):
    cache = tmp_path_factory.mktemp("engines")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FGAESQ_ENGINE_CACHE", str(cache))
        yield cache


@pytest.fixture(scope="module")
def reference():
    """The seeded tiny model in torch fp32, and images on the native and multiscale paths
    (tokens dropped at random in the last)."""
    scorer = seeded_scorer(1, "tiny", draws=2)
    images = [synthetic_image(i, s) for i, s in enumerate([(96, 64), (300, 200), (900, 700)])]
    return scorer, images, scorer.score(images)


def engine_scorer(scorer, engine, precision):
    runtime = select_engine(scorer.model, CPU, engine, precision)
    return fgaesq_core.Scorer(scorer.model, CPU, scorer.weights_id, scorer.draws, engine=runtime)


def _needs(engine, precision):
    pytest.importorskip(engine)
    if precision == "bf16" and not choice.cpu_has_bf16():
        pytest.skip("this CPU has no bf16 units")


@pytest.mark.parametrize(("engine", "precision"), list(TOLERANCES))
def test_each_engine_matches_torch_fp32_within_its_tolerance(
    engine_cache, reference, engine, precision
):
    _needs(engine, precision)
    scorer, images, full = reference
    other = engine_scorer(scorer, engine, precision)
    assert other.engine == f"{engine}-cpu {precision}"
    scores = other.score(images)
    assert scores == pytest.approx(full, abs=TOLERANCES[engine, precision])
    if precision != "fp32":
        assert scores != full  # the reduced precision really applies


def test_the_exported_graph_takes_any_batch_size_and_ranks_series_like_torch(
    engine_cache, reference
):
    pytest.importorskip("onnxruntime")
    scorer, images, _ = reference
    other = engine_scorer(scorer, "onnxruntime", "fp32")
    tokens = [t for img in images for t in scorer.tokenizer.samples(img, 2)]
    full = scorer.score_tokens(tokens, batch_size=4)
    for batch in (1, 3, len(tokens)):
        assert other.score_tokens(tokens, batch) == pytest.approx(full, abs=1e-4)
    burst = [synthetic_image(7, (256, 192)).rotate(k) for k in range(4)]
    want, got = scorer.rank_series(burst), other.rank_series(burst)
    assert got.order == want.order
    assert got.scores == pytest.approx(want.scores, abs=1e-4)


def test_the_export_happens_once_per_weights(engine_cache, reference):
    pytest.importorskip("onnxruntime")
    scorer, images, _ = reference
    engine_scorer(scorer, "onnxruntime", "fp32")
    path = cache_dir() / export_key(scorer.model)
    assert path.is_file() and path.parent == engine_cache
    stamp = path.stat().st_mtime_ns
    engine_scorer(scorer, "onnxruntime", "fp32")
    assert path.stat().st_mtime_ns == stamp  # found in the cache, not exported again

    changed = seeded_scorer(2, "tiny", draws=scorer.draws)  # same id scheme, other weights
    changed.model.weights_id = scorer.model.weights_id
    assert export_key(changed.model) != export_key(scorer.model)
    other = engine_scorer(changed, "onnxruntime", "fp32")
    assert other.score(images) == pytest.approx(changed.score(images), abs=1e-4)


def test_openvino_compiles_once_and_reads_the_compiled_network_back(engine_cache, reference):
    _needs("openvino", "fp32")
    scorer, images, full = reference
    engine_scorer(scorer, "openvino", "fp32")
    compiled = sorted((engine_cache / "openvino").glob("*.blob"))
    assert compiled  # kept beside the exported graph
    stamps = [path.stat().st_mtime_ns for path in compiled]
    again = engine_scorer(scorer, "openvino", "fp32")
    assert sorted((engine_cache / "openvino").glob("*.blob")) == compiled
    assert [path.stat().st_mtime_ns for path in compiled] == stamps  # read, not compiled again
    assert again.score(images) == pytest.approx(full, abs=TOLERANCES["openvino", "fp32"])


def test_load_model_says_which_engine_it_chose(monkeypatch):
    monkeypatch.delenv("FGAESQ_ENGINE")
    scorer = fgaesq_core.load_model(
        weights=None, config="tiny", device="cpu", engine="torch", precision="fp32"
    )
    assert scorer.engine == "torch-cpu fp32"
    kind, precision = choice.choose(CPU)
    chosen = fgaesq_core.load_model(weights=None, config="tiny", device="cpu")
    assert chosen.engine == f"{kind}-cpu {precision}"
    monkeypatch.setenv("FGAESQ_ENGINE", "torch:fp16")  # replaces "auto" only
    assert fgaesq_core.load_model(weights=None, config="tiny", device="cpu").engine == (
        "torch-cpu fp16"
    )
    assert choice.from_environment("auto", "bf16") == ("torch", "bf16")
    assert choice.installed(kind)
    assert precision == "fp32" or choice.default_ok(kind, precision)


def test_auto_takes_reduced_precision_only_within_the_flip_limit(monkeypatch):
    monkeypatch.setattr(choice, "installed", lambda engine: True)
    monkeypatch.setattr(choice, "cpu_has_bf16", lambda: True)
    monkeypatch.setattr(choice, "cpu_has_amx", lambda: True)
    flips = dict.fromkeys(choice.MEASURED_FLIPS, 0.0)
    monkeypatch.setattr(choice, "MEASURED_FLIPS", flips)
    assert choice.choose(CPU) == ("openvino", "bf16")
    flips["openvino", "bf16"] = 0.02
    assert choice.choose(CPU) == ("torch", "bf16")
    monkeypatch.setattr(choice, "cpu_has_amx", lambda: False)  # torch bf16 is slow without AMX
    assert choice.choose(CPU) == ("onnxruntime", "int8")
    flips["onnxruntime", "int8"] = 0.011
    assert choice.choose(CPU) == ("openvino", "fp32")  # torch's scores for less CPU time
    monkeypatch.setattr(choice, "installed", lambda engine: engine != "openvino")
    assert choice.choose(CPU) == ("torch", "fp32")
    monkeypatch.setattr(choice, "installed", lambda engine: True)
    assert choice.choose(CPU, precision="int8") == ("onnxruntime", "int8")  # on request
    monkeypatch.setattr(choice, "cpu_has_bf16", lambda: False)
    flips.update(dict.fromkeys(flips, 0.0))
    assert choice.choose(CPU) == ("onnxruntime", "int8")  # bf16 is emulated: slower
    assert choice.choose(CPU, "openvino") == ("openvino", "fp32")
    assert choice.choose(torch.device("cuda")) == ("torch", "fp32")


def test_engines_that_are_missing_or_cannot_run_that_are_clear_errors(monkeypatch):
    monkeypatch.delenv("FGAESQ_ENGINE")
    monkeypatch.setattr(choice, "installed", lambda engine: engine == "torch")
    with pytest.raises(EngineUnavailable, match=r"not installed.*fgaesq-cull\[onnx\]"):
        fgaesq_core.load_model(weights=None, config="tiny", device="cpu", engine="onnxruntime")
    with pytest.raises(EngineUnavailable, match=r"int8.*fgaesq-cull\[onnx\]"):
        fgaesq_core.load_model(weights=None, config="tiny", device="cpu", precision="int8")
    assert choice.choose(CPU) in (("torch", "fp32"), ("torch", "bf16"))
    monkeypatch.setattr(choice, "installed", lambda engine: True)
    with pytest.raises(EngineUnavailable, match="runs fp32, int8, not bf16"):
        choice.choose(CPU, "onnxruntime", "bf16")
    with pytest.raises(EngineUnavailable, match="--device cpu"):
        choice.choose(torch.device("cuda"), "openvino")
    with pytest.raises(ValueError, match="unknown engine"):
        choice.choose(CPU, "tensorrt")


def test_the_cascade_takes_reduced_precision_only_within_its_own_flip_limit(monkeypatch):
    monkeypatch.setattr(choice, "installed", lambda engine: True)
    monkeypatch.setattr(choice, "cpu_has_bf16", lambda: True)
    monkeypatch.setattr(choice, "cpu_has_amx", lambda: False)
    monkeypatch.setattr(choice, "MEASURED_FLIPS", dict.fromkeys(choice.MEASURED_FLIPS, 0.0))
    cascade = dict.fromkeys(choice.MEASURED_CASCADE_FLIPS, 0.03)
    monkeypatch.setattr(choice, "MEASURED_CASCADE_FLIPS", cascade)
    assert choice.choose(CPU) == ("openvino", "bf16")
    assert choice.choose(CPU, series_mode="cascade") == ("openvino", "fp32")
    cascade["onnxruntime", "int8"] = 0.005
    assert choice.choose(CPU, series_mode="cascade") == ("onnxruntime", "int8")
    assert choice.choose(CPU, precision="bf16", series_mode="cascade") == ("openvino", "bf16")


def test_openvino_computes_a_pass_while_the_next_batch_is_tokenised(engine_cache, reference):
    """With OpenVINO a pass's scores are read only after the next pass has started (it computes
    on OpenVINO's threads meanwhile), and the rankings are those of passes read at once."""
    _needs("openvino", "fp32")
    scorer, _, _ = reference
    other = engine_scorer(scorer, "openvino", "fp32")
    assert other.passes_in_flight == 1
    events: list[str] = []
    start = other.runtime.start

    def logged(tokens):
        events.append("start")
        logits = start(tokens)
        return lambda: (events.append("read"), logits())[1]

    other.runtime.start = logged
    bursts = [[synthetic_image(7, (256, 192)).rotate(k) for k in range(4)]] * 2
    ahead = list(other.rank_many(iter(bursts), batch_size=5))
    assert events[:4] == ["start", "start", "read", "start"]
    other.passes_in_flight = 0
    events.clear()
    assert list(other.rank_many(iter(bursts), batch_size=5)) == ahead
    assert events[:4] == ["start", "read", "start", "read"]
