"""Deterministic, resumable, distributed batch samplers.

Items have sizes (a series counts its images, an AVA image counts 1).  Each epoch the
items are shuffled with ``seed + epoch`` and packed greedily, whole, into batches of
at most ``capacity`` (a single item larger than that forms its own batch), so a series
is never split across batches or ranks.  Batches are dealt round-robin to the ranks and
cut to a multiple of the world size, so every rank takes the same number of steps.

The sampler yields ``(epoch, index)`` keys: datasets draw their per-item randomness (the
DiffToken reference) from them, which keeps a resumed run identical to an uninterrupted
one without saving data-loader state.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np


def pack_batches(order: Sequence[int], sizes: Sequence[int], capacity: int) -> list[list[int]]:
    """Greedy packing of items, in ``order``, into batches of total size <= ``capacity``."""
    batches: list[list[int]] = []
    current: list[int] = []
    used = 0
    for index in order:
        size = sizes[index]
        if current and used + size > capacity:
            batches.append(current)
            current, used = [], 0
        current.append(index)
        used += size
    if current:
        batches.append(current)
    return batches


class EpochBatchSampler:
    """Batches of ``(epoch, index)`` keys for one rank; ``set_epoch`` picks the epoch."""

    def __init__(
        self,
        sizes: Sequence[int],
        capacity: int,
        *,
        seed: int = 0,
        shuffle: bool = True,
        rank: int = 0,
        world_size: int = 1,
    ) -> None:
        if capacity < 1:
            raise ValueError("batch capacity must be at least 1")
        if not sizes:
            raise ValueError("cannot sample batches from an empty data set")
        self.sizes = list(sizes)
        self.capacity = capacity
        self.seed = seed
        self.shuffle = shuffle
        self.rank = rank
        self.world_size = world_size
        self.epoch = 0
        self.start = 0

    def set_epoch(self, epoch: int, start: int = 0) -> None:
        """Select the epoch and skip its first ``start`` batches (resuming)."""
        self.epoch = epoch
        self.start = start

    def epoch_batches(self, epoch: int) -> list[list[int]]:
        """This rank's batches of ``epoch`` as item indices."""
        if self.shuffle:
            order = np.random.default_rng([self.seed, epoch]).permutation(len(self.sizes))
        else:
            order = np.arange(len(self.sizes))
        batches = pack_batches(order.tolist(), self.sizes, self.capacity)
        usable = (len(batches) // self.world_size) * self.world_size
        if usable == 0:
            # fewer batches than ranks: every rank repeats from the start so all step together
            batches = [batches[i % len(batches)] for i in range(self.world_size)]
            usable = self.world_size
        return batches[self.rank : usable : self.world_size]

    def __len__(self) -> int:
        """Batches per epoch for this rank (epoch 0; packing barely varies by epoch)."""
        return len(self.epoch_batches(0))

    def __iter__(self) -> Iterator[list[tuple[int, int]]]:
        for batch in self.epoch_batches(self.epoch)[self.start :]:
            yield [(self.epoch, index) for index in batch]
