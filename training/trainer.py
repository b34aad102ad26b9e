"""The FGAesQ training loop: coarse pre-training, then alternating joint learning.

Stage 1 trains on AVA batches with the EMD loss.  Stage 2 runs *cycles*: one fine
optimiser step on whole FGAesthetics series (``lambda * CTAlign + RankReg``) followed
by ``coarse_per_fine`` coarse steps (EMD), which is the paper's alternating indicator
delta.  How the paper's momentum coefficients enter is ``stage2.momentum_mode``
(``training.optimisers``); the losses are assembled in ``training.objectives``.

Counting: stage 1 runs ``epochs * batches per epoch`` optimiser steps; stage 2 runs
``epochs * cycles per epoch`` cycles, where ``stage2.epoch_unit`` says whether an epoch
is a pass over the fine series or over AVA (computed before gradient accumulation).
Each optimiser step consumes ``grad_accum`` micro-batches.  Checkpoints and evaluations
happen only between cycles, where the state is complete.  Evaluations score the
validation series and AVA's held-out images, and keep as ``best`` the checkpoint with
the highest ``runtime.select_on`` score (``training.evaluate.selection_score``).
"""

from __future__ import annotations

import contextlib
import logging
import math
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.nn.parallel import DistributedDataParallel

from fgaesq_core import Scorer, create_model
from fgaesq_core.device import autocast, autocast_dtype
from fgaesq_core.tokenizer import DiffToken
from training import distributed
from training.ava import read_ava, report_split, split_ava
from training.checkpointing import (
    capture_rng,
    find_resumable,
    read_state,
    restore_rng,
    write_checkpoint,
)
from training.config import (
    TrainConfig,
    config_changes,
    load_saved_config,
    resolve_model_config,
    save_config,
)
from training.datasets import (
    CoarseDataset,
    DifferenceCache,
    FineDataset,
    collate_coarse,
    collate_fine,
)
from training.evaluate import fine_report_of, score_coarse, score_series, selection_score
from training.fgaesthetics import read_fgaesthetics
from training.metrics import coarse_report
from training.objectives import coarse_objective, fine_objective
from training.optimisers import Optimisers
from training.runlog import RunLog
from training.samplers import EpochBatchSampler
from training.streams import BatchStream
from training.text import encode_texts
from training.version import code_version

log = logging.getLogger("training")


@dataclass
class Progress:
    """Counters saved in every checkpoint."""

    stage: int = 1
    step: int = 0  # optimiser steps over the whole run
    stage_step: int = 0  # stage 1: optimiser steps; stage 2: completed cycles
    best_score: float = -math.inf  # highest runtime.select_on score so far
    last_eval: dict[str, Any] = field(default_factory=dict)


def coarse_steps_after(cycle: int, coarse_per_fine: float) -> int:
    """Coarse steps in stage-2 cycle ``cycle`` (from 0): ``coarse_per_fine`` on average,
    spread evenly, so the count depends on the cycle alone and a resume repeats it."""
    return math.floor((cycle + 1) * coarse_per_fine + 1e-9) - math.floor(
        cycle * coarse_per_fine + 1e-9
    )


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


class Trainer:
    """Builds data, model and optimisers from a config and runs (or resumes) training."""

    def __init__(
        self,
        config: TrainConfig,
        ava_dir: Path | None,
        fg_dir: Path | None,
        out_dir: Path,
        resume: bool = False,
        allow_config_change: bool = False,
    ):
        self.config = config
        self.allow_config_change = allow_config_change
        self.notes: list[str] = []  # what the run left out, for run.json and the summary
        self.ava_dir = Path(ava_dir) if ava_dir else None
        self.fg_dir = Path(fg_dir) if fg_dir else None
        self.out_dir = Path(out_dir)
        self.resume = resume
        self.dist, self.device = distributed.setup(
            config.runtime.device, config.runtime.dist_timeout_min
        )
        rt = config.runtime
        autocast_dtype(self.device, rt.precision)  # a GPU without bf16 fails here, not mid-run
        seed_everything(rt.seed + self.dist.rank)  # offset by rank: dropout differs per rank
        if rt.deterministic:
            torch.use_deterministic_algorithms(True, warn_only=True)
        if self.dist.is_main:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        distributed.barrier()
        self.runlog = RunLog(self.out_dir, enabled=self.dist.is_main)
        self.progress = Progress()
        self._build_model()
        self._build_data()
        self.optimisers = Optimisers(
            self.model.parameters(), config, self.stage1_steps(), self.stage2_cycles()
        )
        self.text_features = self._encode_texts()

    # ------------------------------------------------------------------ building
    def _build_model(self) -> None:
        section = self.config.model
        self.model_config = resolve_model_config(section.config)
        self.model = create_model(self.model_config, pretrained=section.pretrained).to(self.device)
        self.model.train()
        cache = self.config.data.ssim_cache
        # the data sets' own tokenizer: the same code and config as the model's, with the
        # pair SSIM kept on disk when data.ssim_cache names a folder
        self.tokenizer = DiffToken(
            self.model_config.tokenizer,
            difference_cache=DifferenceCache(self.out_dir / cache) if cache else None,
        )
        if self.dist.enabled:
            # the mask token is unused in batches without padding
            self.ddp: torch.nn.Module = DistributedDataParallel(
                self.model,
                device_ids=[self.device.index] if self.device.type == "cuda" else None,
                find_unused_parameters=True,
            )
        else:
            self.ddp = self.model

    def _capacity(self, global_batch: int) -> int:
        return max(1, global_batch // (self.dist.world_size * self.config.runtime.grad_accum))

    def _sampler(self, sizes: list[int], global_batch: int, salt: int) -> EpochBatchSampler:
        return EpochBatchSampler(
            sizes,
            self._capacity(global_batch),
            seed=self.config.runtime.seed * 1000 + salt,
            rank=self.dist.rank,
            world_size=self.dist.world_size,
        )

    def _build_data(self) -> None:
        cfg, data = self.config, self.config.data
        needs_coarse = cfg.stage1.enabled or (cfg.stage2.enabled and cfg.ablation.coarse)
        needs_fine = cfg.stage2.enabled
        workers = data.num_workers
        pin = self.device.type == "cuda"
        self.coarse_stream: BatchStream | None = None
        self.fine_stream: BatchStream | None = None
        self.fine_batches_per_epoch = 0
        self.coarse_batches_per_epoch = 0  # at the stage-2 batch size
        self.ava_val = []
        self.ava_split_source = None
        if needs_coarse:
            if self.ava_dir is None:
                raise ValueError("this configuration trains on AVA: pass --ava DIR")
            split = split_ava(
                read_ava(self.ava_dir), self.ava_dir, data.ava_test_fraction, data.ava_val_fraction
            )
            if self.dist.is_main:
                report_split(split, self.ava_dir)
            if not split.train:
                raise ValueError(f"{self.ava_dir}: no usable AVA training images")
            self.ava_val, self.ava_split_source = split.val, split.source
            dataset = CoarseDataset(
                split.train,
                self.ava_dir,
                self.tokenizer,
                data.max_side,
                seed=cfg.runtime.seed,
                in_memory=data.in_memory,
                draws=data.token_draws,
                augment=data.augment,
                augment_crop=data.augment_crop,
            )
            batch = cfg.stage1.batch_size if cfg.stage1.enabled else cfg.stage2.coarse_batch_size
            self.coarse_sampler = self._sampler([1] * len(split.train), batch, salt=1)
            self.coarse_stream = BatchStream(
                dataset, self.coarse_sampler, collate_coarse, workers, pin
            )
            self.coarse_batches_per_epoch = len(
                self._sampler([1] * len(split.train), cfg.stage2.coarse_batch_size, salt=1)
            )
            self.runlog.message(
                "AVA: %d training images, %d held out for model selection",
                len(split.train),
                len(split.val),
            )
        self.val_series = []
        if needs_fine:
            if self.fg_dir is None:
                raise ValueError("stage 2 trains on FGAesthetics: pass --fgaesthetics DIR")
            series = read_fgaesthetics(self.fg_dir, splits=["train"], categories=data.categories)
            if not series:
                raise ValueError(f"{self.fg_dir}: no usable training series")
            self.fine_dataset = FineDataset(
                series,
                self.fg_dir,
                self.tokenizer,
                data.max_side,
                difftoken=cfg.ablation.difftoken,
                seed=cfg.runtime.seed,
                in_memory=data.in_memory,
                draws=data.token_draws,
                augment=data.augment,
                augment_crop=data.augment_crop,
            )
            sampler = self._sampler(self.fine_dataset.sizes(), cfg.stage2.fine_batch_images, salt=2)
            self.fine_stream = BatchStream(self.fine_dataset, sampler, collate_fine, workers, pin)
            self.fine_batches_per_epoch = len(sampler)
            self.val_series = read_fgaesthetics(
                self.fg_dir, splits=[cfg.runtime.eval_split], categories=data.categories
            )
            self.runlog.message(
                "FGAesthetics: %d training series, %d %s series",
                len(series),
                len(self.val_series),
                cfg.runtime.eval_split,
            )

    def _encode_texts(self) -> dict[str, torch.Tensor]:
        cfg = self.config
        if not (cfg.stage2.enabled and cfg.ablation.fine and cfg.ablation.ctalign):
            return {}
        texts = [t.text for s in self.fine_dataset.series for t in s.texts]
        if not texts:
            self.notes.append("CTAlign skipped: no comparative texts in the training series")
            self.runlog.message(self.notes[-1])
            return {}
        features = encode_texts(
            texts, self.model_config, cfg.model.text_pretrained, self.device, seed=cfg.runtime.seed
        )
        self.runlog.message("encoded %d comparative texts", len(features))
        return features

    # ---------------------------------------------------------------- step logic
    def _loss(self, kind: str, batch) -> tuple[torch.Tensor, dict[str, float]]:
        with autocast(self.device, self.config.runtime.precision):
            out = self.ddp(batch.tokens.to(self.device))
        if kind == "fine":
            return fine_objective(out, batch, self.text_features, self.config)
        return coarse_objective(out, batch)

    def _optimiser_step(self, kind: str, stream: BatchStream, opt_name: str) -> dict[str, float]:
        """One optimiser step over ``grad_accum`` micro-batches from ``stream``."""
        accum = self.config.runtime.grad_accum
        self.optimisers.zero_grad(opt_name)
        totals: dict[str, float] = {}
        images = 0
        started = time.monotonic()
        for micro in range(accum):
            batch = stream.next()
            sync = micro == accum - 1 or not self.dist.enabled
            context = contextlib.nullcontext() if sync else self.ddp.no_sync()
            with context:
                loss, parts = self._loss(kind, batch)
                (loss / accum).backward()
            images += len(batch.tokens)
            for key, value in {"loss": loss.item(), **parts}.items():
                totals[key] = totals.get(key, 0.0) + value / accum
        if self.config.runtime.grad_clip:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.config.runtime.grad_clip)
        lr = self.optimisers.lr(opt_name)  # the rate this step uses (step() moves the schedule)
        self.optimisers.step(opt_name)
        self.progress.step += 1
        elapsed = max(time.monotonic() - started, 1e-9)
        record = {
            "step": self.progress.step,
            "stage": self.progress.stage,
            "kind": kind,
            **totals,
            "lr": lr,
            "images_per_s": images * self.dist.world_size / elapsed,
        }
        if self.progress.step % self.config.runtime.log_every == 0 or self.progress.step == 1:
            self.runlog.train_step(record)
        return record

    # ------------------------------------------------------------------ stages
    def stage1_steps(self) -> int:
        s1 = self.config.stage1
        if not s1.enabled:
            return 0
        steps = math.ceil(s1.epochs * len(self.coarse_sampler) / self.config.runtime.grad_accum)
        return min(steps, s1.max_steps) if s1.max_steps is not None else steps

    def cycles_per_epoch(self) -> float:
        """Stage-2 cycles in one epoch, by ``stage2.epoch_unit`` (before accumulation)."""
        s2 = self.config.stage2
        if s2.epoch_unit == "coarse":
            return self.coarse_batches_per_epoch / (s2.coarse_per_fine or 1)
        return self.fine_batches_per_epoch

    def stage2_cycles(self) -> int:
        s2 = self.config.stage2
        if not s2.enabled:
            return 0
        cycles = math.ceil(s2.epochs * self.cycles_per_epoch() / self.config.runtime.grad_accum)
        return min(cycles, s2.max_steps) if s2.max_steps is not None else cycles

    def _cycles_per_epoch(self) -> int:
        return max(1, math.ceil(self.cycles_per_epoch() / self.config.runtime.grad_accum))

    def run(self) -> Progress:
        """Train to the end (continuing from ``last`` when resuming); returns the counters."""
        if self.resume:
            self._load_last()
        if self.dist.is_main:
            save_config(self.config, self.out_dir / "config.yaml")
        last_saved = self.progress.step
        if self.progress.stage == 1:
            total = self.stage1_steps()
            if total:
                self.runlog.message("stage 1: %d coarse steps", total)
            while self.progress.stage_step < total:
                self._optimiser_step("coarse", self.coarse_stream, "stage1")
                self.progress.stage_step += 1
                if self._due(last_saved):
                    last_saved = self._save_last()
            self.progress.stage, self.progress.stage_step = 2, 0
            if self.coarse_stream is not None:
                self._start_stage2_coarse()
            last_saved = self._save_last()
        total = self.stage2_cycles()
        if total and self.progress.stage_step == 0:
            self.runlog.message(
                "stage 2: %d cycles (%d per %s epoch)",
                total,
                self._cycles_per_epoch(),
                self.config.stage2.epoch_unit,
            )
        while self.progress.stage_step < total:
            self._cycle()
            self.progress.stage_step += 1
            cycle = self.progress.stage_step
            evaluate = (
                cycle == total
                or (
                    self.config.runtime.eval_every
                    and self.progress.step % self.config.runtime.eval_every == 0
                )
                or (not self.config.runtime.eval_every and cycle % self._cycles_per_epoch() == 0)
            )
            if evaluate:
                self._evaluate_and_keep_best()
            if self._due(last_saved) or cycle == total or evaluate:
                last_saved = self._save_last()
        distributed.barrier()
        return self.progress

    def _start_stage2_coarse(self) -> None:
        """Stage 2 packs AVA at its own batch size, from a fresh epoch.

        The epoch count goes on from stage 1, so stage 2 sees a new order instead of
        replaying stage 1's first epoch.
        """
        stream = self.coarse_stream
        stream.sampler.capacity = self._capacity(self.config.stage2.coarse_batch_size)
        position = stream.state_dict()
        epoch = position["epoch"] + (1 if position["offset"] else 0)
        stream.load_state_dict({"epoch": epoch, "offset": 0})

    def _cycle(self) -> None:
        cfg = self.config
        if cfg.ablation.fine:
            self._optimiser_step("fine", self.fine_stream, "fine")
        if cfg.ablation.coarse:
            for _ in range(
                coarse_steps_after(self.progress.stage_step, cfg.stage2.coarse_per_fine)
            ):
                self._optimiser_step("coarse", self.coarse_stream, "coarse")

    def _due(self, last_saved: int) -> bool:
        every = self.config.runtime.checkpoint_every
        return every > 0 and self.progress.step // every > last_saved // every

    # ------------------------------------------------------------ checkpoints
    def _run_info(self) -> dict[str, Any]:
        return {
            "seed": self.config.runtime.seed,
            "code_version": code_version(),
            "stage": self.progress.stage,
            "step": self.progress.step,
            "stage_step": self.progress.stage_step,
            "world_size": self.dist.world_size,
            "ava_test_split": self.ava_split_source,
            "select_on": self.config.runtime.select_on,
            "notes": self.notes,
            "metrics": self.progress.last_eval,
        }

    def _training_state(self) -> dict[str, Any]:
        return {
            "progress": {
                "stage": self.progress.stage,
                "step": self.progress.step,
                "stage_step": self.progress.stage_step,
                "best_score": self.progress.best_score,
            },
            # only what the rest of the run steps: stage 2 never needs stage 1's AdamW
            **self.optimisers.state_dict(
                ["stage1", "fine", "coarse"] if self.progress.stage == 1 else ["fine", "coarse"]
            ),
            "streams": {
                name: stream.state_dict()
                for name, stream in (("coarse", self.coarse_stream), ("fine", self.fine_stream))
                if stream
            },
            "coarse_capacity": self.coarse_stream.sampler.capacity if self.coarse_stream else 0,
            "rng": distributed.gather_objects(capture_rng(), self.dist),
            "world_size": self.dist.world_size,
        }

    def _save_last(self) -> int:
        state = self._training_state()  # collective: every rank takes part
        if self.dist.is_main:
            write_checkpoint(
                self.out_dir / "checkpoints" / "last",
                self.model,
                state,
                self.config,
                self._run_info(),
            )
        distributed.barrier()
        return self.progress.step

    def _load_last(self) -> None:
        folder = find_resumable(self.out_dir / "checkpoints" / "last")
        if folder is None:
            self.runlog.message("--resume: no checkpoint in %s, starting afresh", self.out_dir)
            return
        from fgaesq_core.checkpoint import load_into, read_checkpoint

        changes = config_changes(load_saved_config(folder / "config.yaml"), self.config)
        if changes and not self.allow_config_change:
            raise ValueError(
                f"--resume: the config differs from the run's in {folder / 'config.yaml'}:\n  "
                + "\n  ".join(changes)
                + "\nresume with the same config, or add --allow-config-change to apply it"
            )
        for change in changes:
            self.runlog.message("--resume with a changed config: %s", change)
        weights, _ = read_checkpoint(folder / "model.safetensors")
        load_into(self.model, weights, str(folder / "model.safetensors"))
        state = read_state(folder)
        p = state["progress"]
        self.progress.stage, self.progress.step = int(p["stage"]), int(p["step"])
        self.progress.stage_step = int(p["stage_step"])
        self.progress.best_score = float(p.get("best_score", p.get("best_series", -math.inf)))
        self.optimisers.load_state_dict(state, self.config if changes else None)
        if self.coarse_stream is not None and state.get("coarse_capacity"):
            capacity = int(state["coarse_capacity"])
            if changes:  # an allowed change applies whole: the batch size of the stage too
                cfg = self.config
                batch = cfg.stage1.batch_size if self.progress.stage == 1 else None
                capacity = self._capacity(batch or cfg.stage2.coarse_batch_size)
            self.coarse_stream.sampler.capacity = capacity
        for name, stream in (("coarse", self.coarse_stream), ("fine", self.fine_stream)):
            if stream is not None and name in state["streams"]:
                stream.load_state_dict(state["streams"][name])
        if int(state["world_size"]) == self.dist.world_size:
            restore_rng(state["rng"][self.dist.rank])
        else:
            seed_everything(self.config.runtime.seed + self.dist.rank + self.progress.step)
        self.runlog.message(
            "resumed from %s at step %d (stage %d)", folder, self.progress.step, self.progress.stage
        )

    # -------------------------------------------------------------- evaluation
    def _evaluate(self) -> dict[str, Any] | None:
        """Validation series and held-out AVA images, scored as inference scores them.

        Every rank scores its share (series and images dealt round-robin by rank) and
        the main process assembles the report from all shares (None on the others).
        A series is scored whole by one rank, so the report is the one a single
        process computes for the same weights.
        """
        rt, rank, world = self.config.runtime, self.dist.rank, self.dist.world_size
        scorer = Scorer(self.model, self.device, "training", draws=rt.eval_draws)
        with torch.no_grad():
            scored = score_series(
                scorer, self.fg_dir, self.val_series[rank::world], mode=rt.eval_mode
            )
            predictions, truth = (
                score_coarse(scorer, self.ava_dir, self.ava_val[rank::world])
                if self.ava_val
                else ([], [])
            )
        shares = distributed.gather_objects((scored, predictions, truth), self.dist)
        if not self.dist.is_main:
            return None
        report: dict[str, Any] = {}
        if self.val_series:
            everything = [pair for share in shares for pair in share[0]]
            report["fine"] = fine_report_of(everything, self.config.data.categories)
        if self.ava_val:
            pred = [value for share in shares for value in share[1]]
            true = [value for share in shares for value in share[2]]
            report["coarse"] = {**coarse_report(pred, true), "images": len(pred)}
        report["selection"] = selection_score(report, rt.select_on)
        report["scored_by_rank"] = [
            {"series": len(share[0]), "images": len(share[1])} for share in shares
        ]
        return report

    def _evaluate_and_keep_best(self) -> None:
        if not (self.val_series or self.ava_val):
            return
        rng = capture_rng()  # evaluation must not shift the training randomness
        report = self._evaluate()  # collective: every rank scores its share
        self.model.train()
        restore_rng(rng)
        if self.dist.is_main:
            self.runlog.evaluation(self.progress.step, report)
            self.progress.last_eval = report
            if report["selection"] > self.progress.best_score:
                self.progress.best_score = report["selection"]
                write_checkpoint(
                    self.out_dir / "checkpoints" / "best",
                    self.model,
                    None,
                    self.config,
                    self._run_info(),
                )
        self.progress.last_eval = distributed.broadcast_object(report, self.dist) or {}
        self.progress.best_score = distributed.broadcast_object(self.progress.best_score, self.dist)
