"""End-to-end training runs on the CPU with the tiny config and a synthetic data set.

* learning: the tiny model ranks held-out series far better than chance;
* torchrun: two gloo processes finish and write one resumable checkpoint;
* resume: a run killed after a checkpoint continues to exactly the weights of an
  uninterrupted run (so step, data position, optimiser and RNG state were restored).
"""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from fgaesq_core import load_model, read_checkpoint
from training.cli import main
from training.evaluate import evaluate_fine
from training.synthetic import SyntheticSpec, write_synthetic

ROOT = Path(__file__).resolve().parents[1]


def _env() -> dict[str, str]:
    # one thread per process: identical arithmetic across runs, no oversubscription
    return {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}


def _train_args(data: Path, out: Path, *overrides: str) -> list[str]:
    args = [
        "train",
        "--config",
        "tiny-cpu",
        "--ava",
        str(data / "ava"),
        "--fgaesthetics",
        str(data / "fgaesthetics"),
        "--out",
        str(out),
    ]
    for item in overrides:
        args += ["--set", item]
    return args


def _heldout_pair_accuracy(out: Path, fg: Path) -> float:
    """Mean pair accuracy over categories on the test split, scored by load_model's Scorer."""
    scorer = load_model(weights=out / "checkpoints" / "last" / "model.safetensors", device="cpu")
    report = evaluate_fine(scorer, fg, split="test", mode="reference")
    accs = [v["acc"] for k, v in report.items() if isinstance(v, dict)]
    return sum(accs) / len(accs)


LEARNING_OVERRIDES = (
    "stage1.epochs=1",
    "stage2.max_steps=50",
    "runtime.eval_every=1000000",
    "runtime.eval_mode=reference",
    "runtime.checkpoint_every=1000",
    "runtime.log_every=25",
)


@pytest.fixture(scope="module")
def learning_data(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("synthetic")
    write_synthetic(root, SyntheticSpec(series=90, ava_images=80, seed=1))
    return root


def test_tiny_model_learns_to_rank_held_out_series(learning_data, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(_train_args(learning_data, out, *LEARNING_OVERRIDES)) == 0
    accuracy = _heldout_pair_accuracy(out, learning_data / "fgaesthetics")
    with capsys.disabled():
        print(f"\nheld-out pair accuracy with RankReg: {accuracy:.3f}")
    assert accuracy >= 0.8
    run = json.loads((out / "checkpoints" / "last" / "run.json").read_text())
    assert run["seed"] == 0 and run["code_version"]["package"]
    assert (out / "checkpoints" / "last" / "config.yaml").is_file()
    assert (out / "checkpoints" / "best" / "model.safetensors").is_file()
    assert "fine" in [json.loads(line).get("kind") for line in (out / "metrics.jsonl").open()]


@pytest.mark.slow
def test_same_run_without_rankreg_is_reported(learning_data, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(_train_args(learning_data, out, *LEARNING_OVERRIDES, "ablation.rankreg=false")) == 0
    accuracy = _heldout_pair_accuracy(out, learning_data / "fgaesthetics")
    with capsys.disabled():
        print(f"\nheld-out pair accuracy without RankReg (direct ListMLE): {accuracy:.3f}")
    assert accuracy > 0.5


@pytest.fixture(scope="module")
def small_data(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("small")
    write_synthetic(root, SyntheticSpec(series=15, ava_images=24, seed=2))
    return root


def test_torchrun_two_cpu_processes_write_one_checkpoint(small_data, tmp_path):
    out = tmp_path / "ddp"
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node",
        "2",
        "-m",
        "training",
        *_train_args(
            small_data,
            out,
            "stage1.max_steps=2",
            "stage2.max_steps=2",
            "runtime.eval_mode=single",
            "runtime.checkpoint_every=1000",
        ),
    ]
    result = subprocess.run(
        command, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    checkpoints = out / "checkpoints"
    assert sorted(p.name for p in checkpoints.iterdir()) in (["best", "last"], ["last"])
    state = torch.load(checkpoints / "last" / "state.pt", weights_only=True)
    assert state["world_size"] == 2 and len(state["rng"]) == 2
    assert state["progress"]["step"] == 2 + 2 * 2  # stage 1 steps + stage 2 cycles x (fine, coarse)
    assert load_model(weights=checkpoints / "last" / "model.safetensors", device="cpu").score(
        [small_data / "ava" / "images" / "100000.jpg"]
    )


RESUME_OVERRIDES = (
    "stage1.max_steps=4",
    "stage2.max_steps=10",
    "runtime.checkpoint_every=3",
    "runtime.eval_mode=single",
    "runtime.log_every=1",
)
TOTAL_STEPS = 4 + 10 * 2


def _run_json_step(out: Path) -> int:
    try:
        return json.loads((out / "checkpoints" / "last" / "run.json").read_text())["step"]
    except (OSError, ValueError, KeyError):
        return 0


def test_resume_after_kill_continues_to_the_uninterrupted_result(small_data, tmp_path):
    command = [sys.executable, "-m", "training"]
    straight, killed = tmp_path / "straight", tmp_path / "killed"
    subprocess.run(
        [*command, *_train_args(small_data, straight, *RESUME_OVERRIDES)],
        cwd=ROOT,
        env=_env(),
        check=True,
        capture_output=True,
        timeout=300,
    )

    process = subprocess.Popen(
        [*command, *_train_args(small_data, killed, *RESUME_OVERRIDES)],
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 240
    while _run_json_step(killed) == 0 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert 0 < _run_json_step(killed) < TOTAL_STEPS

    resumed = subprocess.run(
        [*command, *_train_args(small_data, killed, *RESUME_OVERRIDES), "--resume"],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    match = re.search(r"resumed from .* at step (\d+)", resumed.stderr)
    assert match and 0 < int(match.group(1)) < TOTAL_STEPS
    assert f"step {int(match.group(1)) + 1} |" in resumed.stderr  # counting continues

    a = torch.load(straight / "checkpoints" / "last" / "state.pt", weights_only=True)
    b = torch.load(killed / "checkpoints" / "last" / "state.pt", weights_only=True)
    assert a["progress"]["step"] == b["progress"]["step"] == TOTAL_STEPS
    assert a["streams"] == b["streams"]
    for name in a["optimisers"]:
        for key, slot in a["optimisers"][name]["state"].items():
            assert torch.equal(slot["exp_avg"], b["optimisers"][name]["state"][key]["exp_avg"])
    weights_a, _ = read_checkpoint(straight / "checkpoints" / "last" / "model.safetensors")
    weights_b, _ = read_checkpoint(killed / "checkpoints" / "last" / "model.safetensors")
    for key, value in weights_a.items():
        assert torch.equal(value, weights_b[key]), key  # dropout masks need the restored RNG
