#!/usr/bin/env bash
# The model checks that need a GPU, in one go (docs/model.md, "GPU figures"):
#   1. the CUDA tests (tests/test_core_device.py: CUDA fp32 against the CPU, bf16
#      tolerance, series ranking on the GPU);
#   2. the precision comparison: how often bf16 / fp16 autocast changes the best frame
#      of a burst against fp32 on the device (scripts/measure_model.py precision);
#   3. benchmarks/bench_model.py: forward passes per precision, draws, series modes.
#
#   benchmarks/gpu_model_check.sh                      # CUDA, full ViT-B/16 benchmark
#   DEVICE=cpu BENCH_CONFIG=tiny BURSTS=1 DRAWS=1 benchmarks/gpu_model_check.sh   # a dry run
#
# Output goes to stdout and, when OUT is set (a folder), to $OUT/gpu_model_check.txt.
set -euo pipefail

DEVICE="${DEVICE:-cuda}"
BENCH_CONFIG="${BENCH_CONFIG:-vit-b-16}"
BURSTS="${BURSTS:-12}"
DRAWS="${DRAWS:-4}"
PYTHON="${PYTHON:-python}"
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

run() {
    echo
    echo "### $*"
    "$@"
}

checks() {
    echo "gpu_model_check: device $DEVICE, $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    run "$PYTHON" -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'no CUDA device')"
    run "$PYTHON" -m pytest tests/test_core_device.py -q -rs
    run "$PYTHON" scripts/measure_model.py precision --device "$DEVICE" \
        --seeded tests/data/core/parity-model.json --photo-bursts "$BURSTS" --k "$DRAWS"
    if [ "$BENCH_CONFIG" = "vit-b-16" ]; then
        run "$PYTHON" scripts/measure_model.py precision --device "$DEVICE" \
            --seeded vit-b-16 --photo-bursts "$BURSTS" --k "$DRAWS"
    fi
    run "$PYTHON" benchmarks/bench_model.py --device "$DEVICE" --config "$BENCH_CONFIG"
}

if [ -n "${OUT:-}" ]; then
    checks 2>&1 | tee "$OUT/gpu_model_check.txt"
else
    checks 2>&1
fi
