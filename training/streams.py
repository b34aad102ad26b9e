"""An endless, resumable stream of batches over epochs.

The stream's position is ``(epoch, offset)``: the next batch is batch ``offset`` of
``epoch``.  Saving that pair in a checkpoint is all it takes to continue with exactly the
batch an uninterrupted run would have seen next.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import torch

from training.samplers import EpochBatchSampler


class BatchStream:
    """Yields collated batches forever, one DataLoader per epoch.

    Batches whose images were all unreadable come out of ``collate_fn`` as None and are
    skipped (they still advance the position).
    """

    def __init__(
        self,
        dataset: torch.utils.data.Dataset,
        sampler: EpochBatchSampler,
        collate_fn: Callable[[list], Any],
        num_workers: int = 0,
        pin_memory: bool = False,
    ):
        self.dataset = dataset
        self.sampler = sampler
        self.collate_fn = collate_fn
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.epoch = 0
        self.offset = 0
        self._iterator: Iterator | None = None

    def state_dict(self) -> dict[str, int]:
        return {"epoch": self.epoch, "offset": self.offset}

    def load_state_dict(self, state: dict[str, int]) -> None:
        self.epoch, self.offset = int(state["epoch"]), int(state["offset"])
        self._iterator = None

    def _open_epoch(self) -> Iterator:
        self.sampler.set_epoch(self.epoch, self.offset)
        # A private generator: creating a loader iterator otherwise draws from the global
        # RNG, so a resumed run (new iterators at other moments) would see other dropout.
        generator = torch.Generator()
        generator.manual_seed(self.sampler.seed * 1_000_003 + self.epoch)
        loader = torch.utils.data.DataLoader(
            self.dataset,
            batch_sampler=self.sampler,
            collate_fn=self.collate_fn,
            num_workers=self.num_workers,
            pin_memory=self.pin_memory,
            persistent_workers=False,
            generator=generator,
        )
        return iter(loader)

    def next(self) -> Any:
        """The next non-empty batch, advancing the position."""
        while True:
            if self._iterator is None:
                self._iterator = self._open_epoch()
            try:
                batch = next(self._iterator)
            except StopIteration:
                self.epoch += 1
                self.offset = 0
                self._iterator = None
                continue
            self.offset += 1
            if batch is not None:
                return batch
