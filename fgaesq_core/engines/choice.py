"""Which engine and precision run the model on this machine, and why.

``"auto"`` takes the fastest measured combination whose pick flips against torch fp32 are
at most ``FLIP_LIMIT`` of the bursts of the agreement set (docs/model.md, "Engines");
anything else runs only when asked for.  Engines are optional extras: one that is not
installed is skipped by ``"auto"`` and named in the error when asked for.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import platform
import sys
from pathlib import Path

import torch

from ..errors import EngineUnavailable

ENGINES = ("auto", "torch", "onnxruntime", "openvino")
PRECISIONS = ("auto", "fp32", "bf16", "fp16", "int8")
#: Precisions each engine runs.
SUPPORTED = {
    "torch": ("fp32", "bf16", "fp16"),
    "onnxruntime": ("fp32", "int8"),
    "openvino": ("fp32", "bf16"),
}
_EXTRAS = {"onnxruntime": "onnx", "openvino": "openvino"}

#: A reduced precision is a default only where it changes at most this share of picks.
FLIP_LIMIT = 0.01
#: Share of bursts whose best frame changed against torch fp32 (benchmarks/bench_engines.py
#: flips: the trained tiny model on its 156 held-out test series, pairwise and reference,
#: 4 draws; the larger of the two modes, and for torch bf16 also the 1 of 200 measured
#: before; docs/model.md, "Engines").
MEASURED_FLIPS = {
    ("torch", "bf16"): 0.0064,  # pairwise 0 of 156, reference 1 of 156 (before: 1 of 200)
    ("openvino", "bf16"): 0.0064,  # pairwise 0 of 156, reference 1 of 156
    ("onnxruntime", "int8"): 0.0128,  # pairwise 1 of 156, reference 2 of 156: on request
}
#: The same for the cascade series mode (benchmarks/bench_cost.py --engines: the same model
#: on 116 tuning bursts of 3-10 frames, docs/model.md): its screen chooses the frames
#: compared and its stopping rule reads small differences, so it follows a rounding more
#: often, and ranks in fp32 unless asked otherwise.
MEASURED_CASCADE_FLIPS = {
    ("torch", "bf16"): 0.034,  # 4 of 116 bursts
    ("openvino", "bf16"): 0.034,  # 4 of 116
    ("onnxruntime", "int8"): 0.086,  # 10 of 116
}
#: CPU candidates fastest first (ViT-B/16 token sets per second, docs/model.md, "Engines"):
#: bf16 only on CPUs with bf16 units.  In fp32 OpenVINO gives torch's scores (within 5e-6)
#: for 0.6-0.8 of its CPU time (alternated in one process: 1.04-1.11 CPU-s per ViT-B/16 token
#: set against 1.27-1.69), so fp32 runs there where it is installed (the cascade, CPUs without
#: bf16 units); ONNX Runtime fp32 was not faster than torch.
_CPU_ORDER = (
    ("openvino", "bf16"),
    ("torch", "bf16"),
    ("onnxruntime", "int8"),
    ("openvino", "fp32"),
    ("torch", "fp32"),
)


def from_environment(engine: str, precision: str) -> tuple[str, str]:
    """``engine`` and ``precision`` with ``"auto"`` replaced from ``FGAESQ_ENGINE``, if set.

    ``FGAESQ_ENGINE=torch:fp32`` (or ``onnxruntime``, ``openvino:bf16`` ...) pins the choice
    for a whole process without changing code, e.g. to compare engines or to keep a test
    suite on torch fp32.
    """
    value = os.environ.get("FGAESQ_ENGINE", "").strip()
    if not value:
        return engine, precision
    name, _, bits = value.partition(":")
    if engine == "auto":
        engine = name or "auto"
    if precision == "auto" and bits:
        precision = bits
    return engine, precision


def installed(engine: str) -> bool:
    """Whether ``engine``'s package can be imported here (torch always)."""
    return engine == "torch" or importlib.util.find_spec(engine) is not None


@functools.cache
def _cpu_flags() -> frozenset[str]:
    """The CPU's feature flags (``/proc/cpuinfo``; empty where it cannot be read)."""
    try:
        return frozenset(Path("/proc/cpuinfo").read_text(errors="replace").split())
    except OSError:
        return frozenset()


@functools.cache
def cpu_has_bf16() -> bool:
    """Whether this CPU computes bf16 natively (AVX-512 BF16 or AMX on x86; BF16 on Arm).

    Without such units bf16 is emulated and slower than fp32.
    """
    if sys.platform == "darwin":
        import subprocess

        try:
            out = subprocess.run(
                ["sysctl", "-n", "hw.optional.arm.FEAT_BF16"],
                capture_output=True,
                text=True,
                timeout=2,
            ).stdout
        except (OSError, subprocess.SubprocessError):
            return False
        return out.strip() == "1"
    flags = _cpu_flags()
    return bool(flags & {"avx512_bf16", "amx_bf16"}) or (
        platform.machine() == "aarch64" and "bf16" in flags
    )


def cpu_has_amx() -> bool:
    """Whether this CPU has AMX tiles for bf16 (Intel Xeon from Sapphire Rapids on).

    torch's CPU bf16 autocast is fast only with them: on AVX-512 BF16 alone (an AMD EPYC)
    it ran several times slower than fp32 (docs/model.md, "Engines").
    """
    return "amx_bf16" in _cpu_flags()


def default_ok(engine: str, precision: str, series_mode: str = "pairwise") -> bool:
    """Whether ``"auto"`` may pick ``precision`` on ``engine`` (fp32 always) for ranking in
    ``series_mode``."""
    if precision == "fp32":
        return True
    if precision == "bf16" and not (cpu_has_amx() if engine == "torch" else cpu_has_bf16()):
        return False
    flips = MEASURED_CASCADE_FLIPS if series_mode == "cascade" else MEASURED_FLIPS
    return flips.get((engine, precision), 1.0) <= FLIP_LIMIT


def choose(
    device: torch.device,
    engine: str = "auto",
    precision: str = "auto",
    series_mode: str = "pairwise",
) -> tuple[str, str]:
    """The (engine, precision) to run on ``device`` for ranking in ``series_mode``.

    Raises:
        EngineUnavailable: an engine named that is not installed, or a combination that
            does not exist (e.g. int8 on torch, or ONNX Runtime on a CUDA device).
        ValueError: an unknown engine or precision name.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; use one of {ENGINES}")
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; use one of {PRECISIONS}")
    if engine != "auto":
        _check(device, engine, precision)
    if device.type != "cpu":  # GPUs: torch; reduced precision there is unmeasured: on request
        if engine == "auto" and precision == "int8":
            raise EngineUnavailable("int8 runs in ONNX Runtime on the CPU only; use --device cpu")
        return "torch", "fp32" if precision == "auto" else precision
    candidates = [
        (e, p)
        for e, p in _CPU_ORDER + (("onnxruntime", "fp32"),)
        if (engine in ("auto", e)) and installed(e)
    ]
    if precision == "auto":
        candidates = [(e, p) for e, p in candidates if default_ok(e, p, series_mode)]
    else:
        candidates = [(e, p) for e, p in candidates if p == precision]
        if precision == "bf16" and not cpu_has_bf16():
            candidates = [(e, p) for e, p in candidates if e == "torch"]  # emulated, on request
    if not candidates:
        if precision == "int8":
            raise EngineUnavailable(
                "int8 runs in ONNX Runtime, which is not installed; pip install 'fgaesq-cull[onnx]'"
            )
        return "torch", precision  # fp16 on the CPU: torch autocast, on request
    return candidates[0]


def _check(device: torch.device, engine: str, precision: str) -> None:
    if not installed(engine):
        raise EngineUnavailable(
            f"engine {engine!r} is not installed; pip install 'fgaesq-cull[{_EXTRAS[engine]}]' "
            "or use --engine torch"
        )
    if precision not in ("auto", *SUPPORTED[engine]):
        raise EngineUnavailable(
            f"engine {engine!r} runs {', '.join(SUPPORTED[engine])}, not {precision}"
        )
    if engine != "torch" and device.type != "cpu":
        raise EngineUnavailable(
            f"engine {engine!r} takes its inputs on the CPU; use --device cpu "
            f"(on {device.type} use --engine torch)"
        )
