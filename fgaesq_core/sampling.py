"""The released tokenizer's random choices, drawn from an explicit generator.

FGAesQ was trained on randomly chosen tokens, so DiffToken draws them the same way:

- single image over the budget: the fine regions uniformly at random;
- pair: the fine regions uniformly from the top ``importance_threshold`` of the regions
  by difference (1 - SSIM), ties by region index;
- too many tokens: uniformly random non-class tokens are dropped.  For pairs the release
  spares the token slots whose index equals a fine region's index (it meant to spare the
  fine regions, but compares region indices with token slots); that is reproduced.

Every function takes a ``torch.Generator``.  Inference seeds it from the image content
(``content_digest`` and ``seeded_generator``), so a photo always gets the same tokens;
training passes a generator of its own per step.
"""

from __future__ import annotations

import hashlib

import torch
from PIL import Image

from .regions import descending_order


def content_digest(image: Image.Image) -> bytes:
    """16-byte BLAKE2b digest of an image's mode, size and pixels (its content, not its file)."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{image.mode}:{image.width}x{image.height}:".encode())
    digest.update(image.tobytes())
    return digest.digest()


def seeded_generator(*parts: bytes | str, draw: int = 0) -> torch.Generator:
    """A CPU generator seeded from content digests (and labels) and the draw number.

    The same parts and draw always give the same stream; different draws are independent.
    """
    digest = hashlib.blake2b(digest_size=8)
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"|")
    digest.update(draw.to_bytes(8, "little"))
    return torch.Generator().manual_seed(int.from_bytes(digest.digest(), "little") >> 1)


def coin(generator: torch.Generator) -> bool:
    """A fair coin flip."""
    return bool(torch.randint(2, (1,), generator=generator))


def uniform(n: int, generator: torch.Generator) -> torch.Tensor:
    """``n`` values uniform in [0, 1)."""
    return torch.rand(n, generator=generator)


def choose_uniform(n: int, k: int, generator: torch.Generator) -> torch.Tensor:
    """``min(k, n)`` distinct indices of ``range(n)``, uniformly at random, in ascending order."""
    return torch.sort(torch.randperm(n, generator=generator)[:k]).values


def choose_from_top(
    importance: torch.Tensor, k: int, fraction: float, generator: torch.Generator
) -> torch.Tensor:
    """``k`` regions drawn uniformly from the top ``fraction`` by importance, ascending.

    The candidates are the first ``max(1, int(n * fraction))`` regions by descending
    importance (ties by region index); when there are ``k`` or fewer, all are taken.
    """
    n = importance.numel()
    candidates = descending_order(importance)[: max(1, int(n * fraction))]
    if len(candidates) > k:
        candidates = candidates[torch.randperm(len(candidates), generator=generator)[:k]]
    return torch.sort(candidates).values


def drop_to_budget(
    n_tokens: int,
    budget: int,
    generator: torch.Generator,
    spared: torch.Tensor | None = None,
) -> torch.Tensor:
    """Indices (ascending) of the ``budget`` tokens kept after uniformly random dropping.

    Args:
        n_tokens: tokens before dropping (the class slot not counted).
        budget: how many may stay.
        generator: the random source.
        spared: token slots dropped only when the others do not suffice (the release's
            pair rule); None drops uniformly from all.

    Returns:
        ``min(n_tokens, budget)`` kept indices into the token list.
    """
    excess = n_tokens - budget
    if excess <= 0:
        return torch.arange(n_tokens)
    is_spared = torch.zeros(n_tokens, dtype=torch.bool)
    if spared is not None:
        is_spared[spared[spared < n_tokens]] = True
    droppable = torch.nonzero(~is_spared).flatten()
    dropped = droppable[torch.randperm(len(droppable), generator=generator)[:excess]]
    if len(dropped) < excess:
        protected = torch.nonzero(is_spared).flatten()
        more = protected[torch.randperm(len(protected), generator=generator)]
        dropped = torch.cat([dropped, more[: excess - len(dropped)]])
    keep = torch.ones(n_tokens, dtype=torch.bool)
    keep[dropped] = False
    return torch.nonzero(keep).flatten()
