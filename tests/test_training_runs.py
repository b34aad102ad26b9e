"""End-to-end training runs on the CPU with the tiny config and a synthetic data set.

(What the runs learn is checked in test_training_learning.py.)

* a run evaluates the validation series and held-out AVA images, and keeps as ``best``
  the checkpoint its selection rule prefers; stage 2 does not replay stage 1's AVA order;
* a stage-2 epoch counts fine or AVA batches, as configured;
* torchrun: two gloo processes share each evaluation (the gathered report equals one
  process's) and write one resumable checkpoint;
* resume: a run killed after a checkpoint continues to exactly the weights of an
  uninterrupted run (so step, data position, optimiser and RNG state were restored).
"""

import json
import math
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
from training.ava import read_ava, split_ava
from training.cli import main
from training.config import load_config
from training.evaluate import evaluate_coarse, evaluate_fine
from training.fgaesthetics import read_fgaesthetics
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


def _flat(report: dict) -> dict:
    """A nested report as one level of ``a.b`` keys (pytest.approx compares one level)."""
    out = {}
    for key, value in report.items():
        if isinstance(value, dict):
            out.update({f"{key}.{k}": v for k, v in _flat(value).items()})
        else:
            out[key] = value
    return out


def test_torchrun_two_cpu_processes_share_evaluation_and_write_one_checkpoint(small_data, tmp_path):
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
            "data.ava_val_fraction=0.3",
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
    scorer = load_model(weights=checkpoints / "last" / "model.safetensors", device="cpu", draws=1)
    assert scorer.score([small_data / "ava" / "images" / "100000.jpg"])

    # each rank scored its share of the validation series and AVA images ...
    evaluation = [json.loads(line) for line in (out / "metrics.jsonl").open()][-1]
    assert evaluation["type"] == "eval"
    config = load_config("tiny-cpu", ["data.ava_val_fraction=0.3"])
    fg, ava = small_data / "fgaesthetics", small_data / "ava"
    series = read_fgaesthetics(fg, splits=["val"])
    held_out = split_ava(read_ava(ava), ava, 0.08, 0.3).val
    shares = evaluation["scored_by_rank"]
    assert all(share["series"] > 0 and share["images"] > 0 for share in shares)
    assert sum(share["series"] for share in shares) == len(series)
    assert sum(share["images"] for share in shares) == len(held_out)
    # ... and the gathered report is the one process's report of the same weights
    fine = evaluate_fine(scorer, fg, series=series, mode=config.runtime.eval_mode)
    coarse = evaluate_coarse(scorer, ava, items=held_out)
    assert _flat(evaluation["fine"]) == pytest.approx(_flat(fine))
    assert evaluation["coarse"] == pytest.approx(coarse)


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


def test_resume_after_kill_continues_to_the_uninterrupted_result(small_data, tmp_path, request):
    command = [sys.executable, "-m", "training"]
    straight, killed = tmp_path / "straight", tmp_path / "killed"
    # the uninterrupted run goes on beside the killed and resumed one (one thread each)
    straight_log = tmp_path / "straight.log"
    with straight_log.open("wb") as log:
        uninterrupted = subprocess.Popen(
            [*command, *_train_args(small_data, straight, *RESUME_OVERRIDES)],
            cwd=ROOT,
            env=_env(),
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    request.addfinalizer(uninterrupted.kill)  # a no-op once it has finished

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
    assert uninterrupted.wait(timeout=300) == 0, straight_log.read_text()[-3000:]
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


def _records(out: Path, kind: str) -> list[dict]:
    lines = (out / "metrics.jsonl").read_text().splitlines()
    return [r for r in map(json.loads, lines) if r["type"] == kind]


SHORT = ("stage1.max_steps=3", "stage2.max_steps=2", "runtime.log_every=1")
SHORT += ("runtime.eval_mode=single", "stage1.lr_schedule=cosine")


def test_logged_learning_rate_is_the_one_the_step_used(small_data, tmp_path):
    out = tmp_path / "run"
    assert main(_train_args(small_data, out, *SHORT)) == 0
    stage1 = [r for r in _records(out, "train") if r["stage"] == 1]
    lr = load_config("tiny-cpu").stage1.lr
    # cosine over 3 steps: the steps use factors 1, 0.75, 0.25 (not the next step's)
    assert [r["lr"] for r in stage1] == pytest.approx([lr, lr * 0.75, lr * 0.25])


def test_last_checkpoint_keeps_what_a_resume_needs_with_normal_permissions(small_data, tmp_path):
    out = tmp_path / "run"
    previous = os.umask(0o022)
    try:
        assert main(_train_args(small_data, out, *SHORT)) == 0
    finally:
        os.umask(previous)
    for folder in ("last", "best"):
        for path in (out / "checkpoints" / folder).iterdir():
            assert path.stat().st_mode & 0o777 == 0o644, path
    state = torch.load(out / "checkpoints" / "last" / "state.pt", weights_only=True)
    assert state["progress"]["stage"] == 2
    # stage 2 never steps stage 1's AdamW again: its moments are not kept
    assert sorted(state["optimisers"]) == sorted(state["schedulers"]) == ["coarse", "fine"]


def test_resume_refuses_a_changed_config_unless_allowed_and_then_applies_it(
    small_data, tmp_path, capsys
):
    out = tmp_path / "run"
    assert main(_train_args(small_data, out, *SHORT)) == 0
    saved = (out / "config.yaml").read_text()
    changed = (*SHORT[:1], "stage2.max_steps=4", *SHORT[2:], "stage2.lr=5e-4")
    changed += ("stage2.coarse_batch_size=4",)
    capsys.readouterr()
    assert main([*_train_args(small_data, out, *changed), "--resume"]) == 1
    message = capsys.readouterr().err
    assert "stage2.lr: 0.001 -> 0.0005" in message and "stage2.max_steps: 2 -> 4" in message
    assert "--allow-config-change" in message
    assert (out / "config.yaml").read_text() == saved  # the refused config is not written

    assert main([*_train_args(small_data, out, *changed), "--resume", "--allow-config-change"]) == 0
    assert "lr: 0.0005" in (out / "config.yaml").read_text()
    state = torch.load(out / "checkpoints" / "last" / "state.pt", weights_only=True)
    assert state["progress"]["step"] == 3 + 4 * 2
    assert state["coarse_capacity"] == 4  # the new batch size, not the saved one (8)
    # the new rate applies whole: base rate and schedule both follow the new config
    for name in ("fine", "coarse"):
        group = state["optimisers"][name]["param_groups"][0]
        assert group["initial_lr"] == 5e-4
    resumed = [r for r in _records(out, "train") if r["stage"] == 2][-4:]
    assert resumed[0]["lr"] == pytest.approx(5e-4 * 0.5 * (1 + math.cos(math.pi * 2 / 4)))


def test_a_run_without_texts_says_ctalign_was_skipped(tmp_path, capsys):
    data = tmp_path / "data"
    write_synthetic(data, SyntheticSpec(series=9, ava_images=20, seed=3, texted_kinds=()))
    out = tmp_path / "run"
    assert main(_train_args(data, out, *SHORT)) == 0
    note = "CTAlign skipped: no comparative texts in the training series"
    assert note in capsys.readouterr().out
    for folder in ("last", "best"):
        assert note in json.loads((out / "checkpoints" / folder / "run.json").read_text())["notes"]
