"""Optimisers per objective: the three momentum readings, schedules, and saving."""

import pytest
import torch

from training.config import load_config
from training.optimisers import Optimisers, lr_factor, unique


def _model() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Linear(4, 3)


def _config(*overrides: str):
    return load_config("tiny-cpu", ["stage2.lr_schedule=constant", *overrides])


def _step(model, optimisers, name: str) -> None:
    optimisers.zero_grad(name)
    model(torch.ones(2, 4)).pow(2).sum().backward()
    optimisers.step(name)


def test_per_objective_reading_gives_each_objective_its_own_adamw_and_beta1():
    model = _model()
    optimisers = Optimisers(model.parameters(), _config(), stage1_steps=5, stage2_cycles=10)
    fine, coarse = optimisers.optimisers["fine"], optimisers.optimisers["coarse"]
    assert fine is not coarse
    assert fine.param_groups[0]["betas"][0] == 0.615
    assert coarse.param_groups[0]["betas"][0] == 0.8
    assert optimisers.optimisers["stage1"].param_groups[0]["betas"][0] == 0.9
    assert list(unique(optimisers.optimisers)) == ["stage1", "fine", "coarse"]


def test_shared_reading_is_one_optimiser_and_one_schedule_saved_once():
    model = _model()
    config = _config("stage2.momentum_mode=shared", "stage2.beta1=0.7")
    optimisers = Optimisers(model.parameters(), config, stage1_steps=0, stage2_cycles=10)
    assert optimisers.optimisers["fine"] is optimisers.optimisers["coarse"]
    assert optimisers.schedulers["fine"] is optimisers.schedulers["coarse"]
    assert optimisers.optimisers["fine"].param_groups[0]["betas"][0] == 0.7
    state = optimisers.state_dict()
    assert set(state["optimisers"]) == set(state["schedulers"]) == {"stage1", "fine"}
    _step(model, optimisers, "coarse")
    _step(model, optimisers, "fine")
    assert optimisers.schedulers["fine"].last_epoch == 2  # both objectives step one schedule


def test_weight_ema_reading_keeps_the_coefficient_of_the_old_weights():
    plain_model, ema_model = _model(), _model()
    config = _config("stage2.momentum_mode=per_objective", "stage2.fine_momentum=0.9")
    # the plain reference: the same AdamW (beta1 0.9 = stage2.beta1) without the EMA rule
    plain = Optimisers(plain_model.parameters(), config, stage1_steps=0, stage2_cycles=10)
    ema_config = _config("stage2.momentum_mode=weight_ema")
    ema = Optimisers(ema_model.parameters(), ema_config, stage1_steps=0, stage2_cycles=10)
    assert ema.optimisers["fine"].param_groups[0]["betas"][0] == 0.9
    before = ema_model.weight.detach().clone()
    _step(plain_model, plain, "fine")
    _step(ema_model, ema, "fine")
    full_step = plain_model.weight.detach() - before
    assert torch.allclose(ema_model.weight.detach() - before, (1 - 0.615) * full_step, atol=1e-7)
    before = ema_model.weight.detach().clone()
    _step(ema_model, ema, "coarse")  # the coarse objective keeps 0.8 of the old weights
    moved = (ema_model.weight.detach() - before).abs().max()
    assert 0 < moved <= 0.2 * 1e-3 * 1.01  # at most (1 - 0.8) of one AdamW step of lr 1e-3


def test_state_round_trip_restores_moments_and_schedules():
    model = _model()
    config = _config("stage2.lr_schedule=cosine")
    first = Optimisers(model.parameters(), config, stage1_steps=4, stage2_cycles=6)
    for name in ("stage1", "fine", "coarse", "fine"):
        _step(model, first, name)
    second = Optimisers(model.parameters(), config, stage1_steps=4, stage2_cycles=6)
    second.load_state_dict(first.state_dict())
    for name in ("stage1", "fine", "coarse"):
        assert second.lr(name) == pytest.approx(first.lr(name))
        a = first.optimisers[name].state_dict()["state"]
        b = second.optimisers[name].state_dict()["state"]
        assert all(torch.equal(a[k]["exp_avg"], b[k]["exp_avg"]) for k in a)


def test_lr_factor_warms_up_linearly_then_decays_by_cosine_to_zero():
    factor = lr_factor(warmup_steps=2, total_steps=6, schedule="cosine")
    assert [factor(s) for s in (0, 1)] == [0.5, 1.0]
    assert factor(2) == pytest.approx(1.0) and factor(6) == pytest.approx(0.0)
    assert factor(4) == pytest.approx(0.5)
    assert lr_factor(0, 10, "constant")(9) == 1.0


@pytest.mark.parametrize("ratio", [1.0, 2.0, 0.5, 1 / 3])
def test_a_fractional_coarse_share_spreads_its_steps_and_sizes_the_coarse_schedule(ratio):
    from training.trainer import coarse_steps_after

    steps = [coarse_steps_after(cycle, ratio) for cycle in range(30)]
    assert sum(steps) == round(30 * ratio)
    assert max(steps) - min(steps) <= 1  # evenly spread, never bunched up
    optimisers = Optimisers(
        _model().parameters(),
        _config("stage2.lr_schedule=cosine", f"stage2.coarse_per_fine={ratio}"),
        stage1_steps=5,
        stage2_cycles=30,
    )
    coarse = optimisers.schedulers["coarse"]
    for _ in range(sum(steps)):
        coarse.optimizer.step()
        coarse.step()
    assert coarse.get_last_lr()[0] == pytest.approx(0.0)  # decayed exactly over its steps
