"""The optimisers and learning-rate schedules of a run, by the objective they step.

A run steps three objectives: ``stage1`` (coarse pre-training), and in stage 2 ``fine``
and ``coarse``.  ``stage2.momentum_mode`` says how the paper's "momentum update
coefficients" (0.615 fine, 0.8 coarse) enter (docs/training.md, "Momentum"):

- ``per_objective``: two AdamW optimisers over the same parameters, beta1 = 0.615 for
  fine steps and 0.8 for coarse steps, so each objective keeps its own moment estimates;
- ``weight_ema``: the same two optimisers with beta1 = ``stage2.beta1``, and after each
  step the weights keep ``m`` of their old value, ``w = m * w_before + (1 - m) * w_after``
  with ``m`` the objective's coefficient (an exponential moving average of the weights
  along each objective's updates);
- ``shared``: one AdamW (beta1 = ``stage2.beta1``) steps both objectives.

A shared optimiser is one object under two names; ``unique`` lists each object once, for
saving, loading and scheduling.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch

from training.config import TrainConfig


def lr_factor(warmup_steps: int, total_steps: int, schedule: str):
    """Learning-rate multiplier: linear warmup, then constant or cosine decay to zero."""

    def factor(step: int) -> float:
        if warmup_steps > 0 and step < warmup_steps:
            return (step + 1) / warmup_steps
        if schedule == "cosine" and total_steps > warmup_steps:
            progress = min(1.0, (step - warmup_steps) / (total_steps - warmup_steps))
            return 0.5 * (1.0 + math.cos(math.pi * progress))
        return 1.0

    return factor


def unique(named: dict[str, object]) -> dict[str, object]:
    """The first name of every distinct object (shared optimisers count once)."""
    first: dict[int, str] = {}
    for name, value in named.items():
        first.setdefault(id(value), name)
    return {name: named[name] for name in first.values()}


class Optimisers:
    """AdamW optimisers, their schedules and the weight-EMA rule, by objective name.

    Args:
        parameters: the trainable parameters (all objectives share them).
        config: the run's config.
        stage1_steps: optimiser steps of stage 1 (0 when disabled).
        stage2_cycles: stage-2 cycles (one fine step and ``coarse_per_fine`` coarse steps).
    """

    def __init__(
        self,
        parameters: Iterable[torch.nn.Parameter],
        config: TrainConfig,
        stage1_steps: int,
        stage2_cycles: int,
    ):
        self.parameters = [p for p in parameters if p.requires_grad]
        s1, s2 = config.stage1, config.stage2
        self.optimisers: dict[str, torch.optim.Optimizer] = {}
        self.momentum: dict[str, float] = {}  # weight-EMA coefficient per objective
        if s1.enabled:
            self.optimisers["stage1"] = self._adamw(s1.lr, s1.weight_decay, s1.beta1)
        if s2.enabled:
            mode = s2.momentum_mode
            if mode == "shared":
                shared = self._adamw(s2.lr, s2.weight_decay, s2.beta1)
                self.optimisers["fine"] = self.optimisers["coarse"] = shared
            else:
                fine_beta = s2.fine_momentum if mode == "per_objective" else s2.beta1
                coarse_beta = s2.coarse_momentum if mode == "per_objective" else s2.beta1
                self.optimisers["fine"] = self._adamw(s2.lr, s2.weight_decay, fine_beta)
                self.optimisers["coarse"] = self._adamw(s2.lr, s2.weight_decay, coarse_beta)
            if mode == "weight_ema":
                self.momentum = {"fine": s2.fine_momentum, "coarse": s2.coarse_momentum}
        totals = {
            "stage1": stage1_steps,
            "fine": stage2_cycles,
            "coarse": math.floor(stage2_cycles * s2.coarse_per_fine + 1e-9),
        }
        if s2.momentum_mode == "shared":
            totals["fine"] = stage2_cycles + totals["coarse"]
        self.schedulers: dict[str, torch.optim.lr_scheduler.LRScheduler] = {}
        for name, optimiser in unique(self.optimisers).items():
            stage = s1 if name == "stage1" else s2
            warmup = 0 if name == "stage1" else s2.warmup_steps
            self.schedulers[name] = torch.optim.lr_scheduler.LambdaLR(
                optimiser, lr_factor(warmup, totals[name], stage.lr_schedule)
            )
        for name, optimiser in self.optimisers.items():  # a shared optimiser, one schedule
            owner = next(n for n, o in unique(self.optimisers).items() if o is optimiser)
            self.schedulers[name] = self.schedulers[owner]

    def _adamw(self, lr: float, weight_decay: float, beta1: float) -> torch.optim.AdamW:
        return torch.optim.AdamW(
            self.parameters, lr=lr, weight_decay=weight_decay, betas=(beta1, 0.999)
        )

    def zero_grad(self, name: str) -> None:
        self.optimisers[name].zero_grad(set_to_none=True)

    def step(self, name: str) -> None:
        """One optimiser step of objective ``name`` and its schedule (gradients already in)."""
        momentum = self.momentum.get(name)
        before = [p.detach().clone() for p in self.parameters] if momentum else None
        self.optimisers[name].step()
        if before is not None:
            with torch.no_grad():
                for parameter, old in zip(self.parameters, before, strict=True):
                    parameter.lerp_(old, momentum)
        self.schedulers[name].step()

    def lr(self, name: str) -> float:
        return self.optimisers[name].param_groups[0]["lr"]

    def state_dict(self, names: Iterable[str] | None = None) -> dict:
        """The optimisers and schedules of ``names`` (all when None).

        A run in stage 2 never steps ``stage1`` again, so its checkpoints leave that
        AdamW state (two moments per parameter) out.
        """
        keep = set(self.optimisers if names is None else names)
        return {
            "optimisers": {
                n: o.state_dict() for n, o in unique(self.optimisers).items() if n in keep
            },
            "schedulers": {
                n: s.state_dict() for n, s in unique(self.schedulers).items() if n in keep
            },
        }

    def load_state_dict(self, state: dict, config: TrainConfig | None = None) -> None:
        """Restore the saved optimisers; with ``config``, its hyperparameters apply from now on.

        Without ``config`` the saved learning rates, weight decays and betas stand (a plain
        resume).  With it (a resume allowed to change the config), each optimiser keeps
        its moments and step counts but takes the config's base learning rate, weight
        decay and beta1, so a changed value is applied whole, not half.
        """
        for name, optimiser_state in state["optimisers"].items():
            self.optimisers[name].load_state_dict(optimiser_state)
        for name, scheduler_state in state["schedulers"].items():
            self.schedulers[name].load_state_dict(scheduler_state)
        if config is not None:
            self._apply_hyperparameters(config)

    def _apply_hyperparameters(self, config: TrainConfig) -> None:
        s1, s2 = config.stage1, config.stage2
        for name, optimiser in unique(self.optimisers).items():
            if name == "stage1":
                lr, decay, beta1 = s1.lr, s1.weight_decay, s1.beta1
            else:
                lr, decay = s2.lr, s2.weight_decay
                beta1 = s2.fine_momentum if name == "fine" else s2.coarse_momentum
                if s2.momentum_mode != "per_objective":
                    beta1 = s2.beta1
            scheduler = self.schedulers[name]
            scheduler.base_lrs = [lr for _ in optimiser.param_groups]
            for group, factor in zip(
                optimiser.param_groups,
                [f(scheduler.last_epoch) for f in scheduler.lr_lambdas],
                strict=True,
            ):
                group["initial_lr"], group["lr"] = lr, lr * factor
                group["weight_decay"], group["betas"] = decay, (beta1, group["betas"][1])
