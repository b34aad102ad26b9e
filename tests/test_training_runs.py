"""End-to-end training runs on the CPU with the tiny config and a synthetic data set.

(What the runs learn is checked in test_training_learning.py.)

* a run evaluates the validation series and held-out AVA images, and keeps as ``best``
  the checkpoint its selection rule prefers; stage 2 does not replay stage 1's AVA order;
* a stage-2 epoch counts fine or AVA batches, as configured;
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
from training.config import load_config
from training.synthetic import SyntheticSpec, write_synthetic
from training.trainer import Trainer

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


@pytest.fixture(scope="module")
def small_data(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("small")
    write_synthetic(root, SyntheticSpec(series=15, ava_images=40, seed=2))
    return root


def test_a_run_evaluates_both_granularities_and_keeps_the_best_by_its_rule(small_data, tmp_path):
    out = tmp_path / "run"
    overrides = ("stage1.max_steps=2", "stage2.max_steps=3", "data.ava_val_fraction=0.3")
    overrides += ("runtime.log_every=1",)
    assert main(_train_args(small_data, out, *overrides, "runtime.eval_every=2")) == 0
    evaluations = [
        json.loads(line)
        for line in (out / "metrics.jsonl").open()
        if json.loads(line)["type"] == "eval"
    ]
    assert evaluations and all({"fine", "coarse", "selection"} <= set(e) for e in evaluations)
    for e in evaluations:
        fine = (e["fine"]["pair"] + e["fine"]["series"]) / 2
        assert e["selection"] == pytest.approx((fine + e["coarse"]["srcc"]) / 2)
    best = json.loads((out / "checkpoints" / "best" / "run.json").read_text())
    assert best["metrics"]["selection"] == max(e["selection"] for e in evaluations)
    assert best["select_on"] == "balance"
    last = json.loads((out / "checkpoints" / "last" / "run.json").read_text())
    assert last["seed"] == 0 and last["code_version"]["package"]
    assert last["ava_test_split"].endswith("test_ids.txt")
    assert (out / "checkpoints" / "last" / "config.yaml").is_file()
    state = torch.load(out / "checkpoints" / "last" / "state.pt", weights_only=True)
    # stage 1 stopped inside AVA's epoch 0; stage 2 starts a new epoch, not epoch 0 again
    assert state["streams"]["coarse"]["epoch"] == 1
    assert "fine" in [json.loads(line).get("kind") for line in (out / "metrics.jsonl").open()]


def test_stage2_epoch_counts_fine_batches_or_ava_batches(small_data, tmp_path):
    def trainer(unit: str) -> Trainer:
        config = load_config("tiny-cpu", [f"stage2.epoch_unit={unit}", "stage2.epochs=2"])
        return Trainer(config, small_data / "ava", small_data / "fgaesthetics", tmp_path / unit)

    by_fine, by_coarse = trainer("fine"), trainer("coarse")
    assert by_fine.stage2_cycles() == 2 * by_fine.fine_batches_per_epoch
    assert by_coarse.stage2_cycles() == 2 * by_coarse.coarse_batches_per_epoch
    assert by_coarse.coarse_batches_per_epoch != by_coarse.fine_batches_per_epoch


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
