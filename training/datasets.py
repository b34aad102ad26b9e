"""Torch datasets that turn AVA items and FGAesthetics series into model tokens.

Tokenisation is ``model.tokenizer`` from fgaesq_core (run inside DataLoader workers), so
training sees exactly what inference sees.  Keys are ``(epoch, index)`` from
``training.samplers``; every random choice of an item is drawn from ``(seed, epoch,
index)``: which reference a series image is tokenised against, and DiffToken's own draws
(which regions stay fine, which tokens are dropped), through a ``torch.Generator``
handed to the tokenizer.  So each epoch shows new draws, the paper's stochastic
tokenisation, and a resumed or distributed run sees exactly the batches an
uninterrupted single-process run would.  With ``draws="fixed"`` no generator is passed,
so DiffToken seeds its draw from the image content (draw 0, the same tokens every
epoch, and the first of inference's draws).  Unreadable images are logged once per
process and skipped.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Hashable, Iterator, MutableMapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from fgaesq_core.config import TokenizerConfig
from fgaesq_core.errors import ImageInputError
from fgaesq_core.images import cap_long_side, fit_to_budget, load_image
from fgaesq_core.tokenizer import DiffToken
from fgaesq_core.tokens import Tokens, collate
from training.ava import AvaItem
from training.ava import image_path as ava_image_path
from training.config import AUGMENTATIONS, TOKEN_DRAWS
from training.fgaesthetics import Series

log = logging.getLogger(__name__)
_reported_unreadable: set[str] = set()


def open_image(path: Path, max_side: int) -> Image.Image | None:
    """RGB image capped to ``max_side``, opened as inference opens it; None when unreadable.

    Each unreadable file is reported once per process.
    """
    try:
        return cap_long_side(load_image(path), max_side)
    except ImageInputError as exc:
        if str(path) not in _reported_unreadable:
            _reported_unreadable.add(str(path))
            log.warning("unreadable image, skipped: %s", exc)
        return None


def open_model_input(path: Path, config: TokenizerConfig, max_side: int) -> Image.Image | None:
    """The frame as the model sees it in training, evaluation and the app: capped to
    ``max_side`` on decoding, then brought to the size at which the whole frame fits the
    token budget (``fgaesq_core.images.fit_to_budget``, docs/model.md "One input size");
    None when unreadable."""
    image = open_image(path, max_side)
    return None if image is None else fit_to_budget(image, config)


def item_generator(seed: int, salt: int, epoch: int, index: int) -> torch.Generator:
    """The tokenizer's random source for one item of a data set (``salt``) in one epoch.

    The same on every rank and after a resume; independent between data sets and epochs.
    """
    rng = np.random.default_rng([seed, salt, epoch, index])
    return torch.Generator().manual_seed(int(rng.integers(2**62)))


class DifferenceCache(MutableMapping):
    """DiffToken's pair region differences on disk, one ``.npy`` file per pair and alignment.

    The pair SSIM is the costly part of tokenising a pair (about 1.9 CPU-s at 2048x1365)
    and depends only on the two images, so it is computed once per pair for the whole
    run and shared by every data-loader worker and rank (files are written under a
    temporary name and renamed, so a reader never sees half a file).  The draws that
    follow it (fine regions, dropped tokens) stay random per step.
    """

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.npy"

    def __getitem__(self, key: str) -> torch.Tensor:
        try:
            return torch.from_numpy(np.load(self._path(key), allow_pickle=False))
        except (OSError, ValueError) as exc:
            raise KeyError(key) from exc

    def __setitem__(self, key: str, value: torch.Tensor) -> None:
        path = self._path(key)
        path.parent.mkdir(exist_ok=True)
        partial = path.with_name(f"{path.stem}.{os.getpid()}.partial.npy")
        np.save(partial, value.numpy(), allow_pickle=False)
        os.replace(partial, path)

    def __delitem__(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def __iter__(self) -> Iterator[str]:
        return (path.stem for path in self.folder.glob("*/*.npy") if "partial" not in path.name)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class MemoryCache:
    """Values kept in memory by key (opt-in, for small data sets); a pass-through when off."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self._values: dict[Hashable, object] = {}

    def get(self, key: Hashable, make: Callable[[], object]):
        if not self.enabled:
            return make()
        if key not in self._values:
            self._values[key] = make()
        return self._values[key]


def augment_frames(
    images: list[Image.Image], mode: str, crop: float, rng: np.random.Generator
) -> list[Image.Image]:
    """The frames of one series (or one image) flipped and cropped alike.

    Only geometric changes, drawn once and applied to every frame, so what a series is
    ranked by (sharpness, noise, exposure, a flaw's place relative to the other frames)
    keeps its order and DiffToken's region-to-region comparison still lines up.  A crop
    cuts whole pixels without resampling, so native detail stays native; it moves the
    region grid, which is variation the flaws do not depend on.
    """
    if mode == "none":
        return images
    flip = bool(rng.integers(2))
    # the share of each side cut off (left, top, right, bottom)
    cuts = rng.uniform(0, crop, size=4) if mode == "flip_crop" else np.zeros(4)
    out = []
    for image in images:
        width, height = image.size
        box = (
            int(width * cuts[0]),
            int(height * cuts[1]),
            width - int(width * cuts[2]),
            height - int(height * cuts[3]),
        )
        if box != (0, 0, width, height):
            image = image.crop(box)
        out.append(image.transpose(Image.Transpose.FLIP_LEFT_RIGHT) if flip else image)
    return out


class _TokenizingDataset(torch.utils.data.Dataset):
    """Shared image loading and tokenisation with optional in-memory caches."""

    salt = 0  # tells the data sets' random streams apart

    def __init__(
        self,
        tokenizer: DiffToken,
        max_side: int,
        seed: int,
        in_memory: bool,
        draws: str,
        augment: str = "none",
        augment_crop: float = 0.0,
    ):
        if draws not in TOKEN_DRAWS:
            raise ValueError(f"unknown token draws {draws!r}; use one of {TOKEN_DRAWS}")
        if augment not in AUGMENTATIONS:
            raise ValueError(f"unknown augmentation {augment!r}; use one of {AUGMENTATIONS}")
        self.tokenizer = tokenizer
        self.max_side = max_side
        self.seed = seed
        self.draws = draws
        self.augment = augment
        self.augment_crop = augment_crop
        self.images = MemoryCache(in_memory)
        # tokens can only be kept when they are the same every time
        self.tokens = MemoryCache(in_memory and draws == "fixed" and augment == "none")

    def image(self, path: Path) -> Image.Image | None:
        return self.images.get(
            path, lambda: open_model_input(path, self.tokenizer.config, self.max_side)
        )

    def generator(self, epoch: int, index: int) -> torch.Generator | None:
        """DiffToken's random source for one item; None (content-seeded) for fixed draws."""
        if self.draws == "fixed":
            return None
        return item_generator(self.seed, self.salt, epoch, index)

    def augmented(self, images: list, epoch: int, index: int) -> list:
        """``images`` with this item's augmentation for ``epoch`` (the same on every rank)."""
        rng = np.random.default_rng([self.seed, self.salt, epoch, index, 7])
        return augment_frames(images, self.augment, self.augment_crop, rng)


@dataclass
class CoarseSample:
    tokens: Tokens
    histogram: torch.Tensor  # (10,)
    mean_score: float


class CoarseDataset(_TokenizingDataset):
    """AVA images tokenised alone, with their vote histograms as targets."""

    salt = 1

    def __init__(
        self,
        items: list[AvaItem],
        root: Path,
        tokenizer: DiffToken,
        max_side: int,
        *,
        seed: int = 0,
        in_memory: bool = False,
        draws: str = "per_step",
        augment: str = "none",
        augment_crop: float = 0.0,
    ):
        super().__init__(tokenizer, max_side, seed, in_memory, draws, augment, augment_crop)
        self.items = items
        self.root = Path(root)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, key: tuple[int, int]) -> CoarseSample | None:
        epoch, index = key
        item = self.items[index]
        path = ava_image_path(self.root, item.image_id)
        image = self.image(path)
        if image is None:
            return None
        (image,) = self.augmented([image], epoch, index)
        generator = self.generator(epoch, index)
        tokens = self.tokens.get(path, lambda: self.tokenizer.tokenize(image, generator))
        return CoarseSample(
            tokens,
            torch.tensor(item.histogram, dtype=torch.float32),
            item.mean_score,
        )


@dataclass
class TextPair:
    """A CTAlign term: features of ``target`` minus ``reference`` against ``text`` * sign."""

    target: int
    reference: int
    text: str
    sign: float


@dataclass
class FineSample:
    """One series: tokens per image, ranking (best first), RankReg order, references, texts."""

    series_id: str
    tokens: list[Tokens]
    ranking: tuple[int, ...]
    rank_order: tuple[tuple[tuple[int, int], ...], ...]  # Series.rankreg_order
    references: list[int]
    texts: list[TextPair]


def match_references(series: Series, rng: np.random.Generator) -> list[tuple[int, int]]:
    """Pair the images of a series for DiffToken, preferring pairs that have a text.

    Returns ``(a, b)`` pairs covering every image once, except that an odd image out is
    paired with a random partner (it appears as ``(odd, partner)`` with ``partner`` reused).
    """
    free = set(range(len(series)))
    pairs: list[tuple[int, int]] = []
    texted = [(t.target, t.reference) for t in series.texts]
    for n in rng.permutation(len(texted)):
        a, b = texted[n]
        if a in free and b in free and a != b:
            pairs.append((a, b))
            free -= {a, b}
    rest = [int(i) for i in rng.permutation(sorted(free))]
    pairs += [(rest[i], rest[i + 1]) for i in range(0, len(rest) - 1, 2)]
    if len(rest) % 2:
        odd = rest[-1]
        partner = int(rng.choice([i for i in range(len(series)) if i != odd]))
        pairs.append((odd, partner))
    return pairs


class FineDataset(_TokenizingDataset):
    """FGAesthetics series, each image tokenised against a reference from its series.

    With ``difftoken=False`` (the ablation) images are tokenised alone; references are
    still drawn because CTAlign compares the features of paired images.
    """

    salt = 2

    def __init__(
        self,
        series: list[Series],
        root: Path,
        tokenizer: DiffToken,
        max_side: int,
        *,
        difftoken: bool = True,
        seed: int = 0,
        in_memory: bool = False,
        draws: str = "per_step",
        augment: str = "none",
        augment_crop: float = 0.0,
    ):
        super().__init__(tokenizer, max_side, seed, in_memory, draws, augment, augment_crop)
        self.series = series
        self.root = Path(root)
        self.difftoken = difftoken

    def __len__(self) -> int:
        return len(self.series)

    def sizes(self) -> list[int]:
        return [len(s) for s in self.series]

    def __getitem__(self, key: tuple[int, int]) -> FineSample | None:
        epoch, index = key
        series = self.series[index]
        images = [self.image(series.image_path(self.root, i)) for i in range(len(series))]
        unreadable = {i for i, image in enumerate(images) if image is None}
        if unreadable:
            series = series.without(unreadable)
            if series is None:
                return None
            images = [image for image in images if image is not None]
        images = self.augmented(images, epoch, index)
        rng = np.random.default_rng([self.seed, epoch, index])
        generator = self.generator(epoch, index)
        tokens: list[Tokens | None] = [None] * len(series)
        references = [0] * len(series)
        for a, b in match_references(series, rng):
            references[a] = b
            if tokens[b] is not None:  # the odd image out, against an already tokenised partner
                tokens[a] = self._tokenize(series, a, b, images, generator)
                continue
            references[b] = a
            if self.difftoken:
                key = (series.series_id, series.images[a], series.images[b], "both")
                tokens[a], tokens[b] = self.tokens.get(
                    key,
                    lambda a=a, b=b: self.tokenizer.tokenize_pair_both(
                        images[a], images[b], generator
                    ),
                )
            else:
                tokens[a] = self._tokenize(series, a, b, images, generator)
                tokens[b] = self._tokenize(series, b, a, images, generator)
        texts = []
        for target, reference in enumerate(references):
            found = series.text_for(target, reference)
            if found is not None:
                texts.append(TextPair(target, reference, found[0], found[1]))
        return FineSample(
            series.series_id, tokens, series.ranking, series.rankreg_order(), references, texts
        )

    def _tokenize(
        self,
        series: Series,
        target: int,
        reference: int,
        images: list,
        generator: torch.Generator | None,
    ) -> Tokens:
        if not self.difftoken:
            key = (series.series_id, series.images[target])
            return self.tokens.get(key, lambda: self.tokenizer.tokenize(images[target], generator))
        key = (series.series_id, series.images[target], series.images[reference])
        return self.tokens.get(
            key, lambda: self.tokenizer.tokenize_pair(images[target], images[reference], generator)
        )


@dataclass
class CoarseBatch:
    tokens: Tokens
    histograms: torch.Tensor  # (B, 10)
    mean_scores: torch.Tensor  # (B,)


@dataclass
class FineGroup:
    """Where one series sits in a fine batch and what it is trained against."""

    start: int
    ranking: tuple[int, ...]
    rank_order: tuple[tuple[tuple[int, int], ...], ...]
    references: list[int]
    texts: list[TextPair]


@dataclass
class FineBatch:
    tokens: Tokens
    groups: list[FineGroup]


def collate_coarse(samples: list[CoarseSample | None]) -> CoarseBatch | None:
    """Batch the readable samples; None when none could be read."""
    samples = [s for s in samples if s is not None]
    if not samples:
        return None
    return CoarseBatch(
        collate([s.tokens for s in samples]),
        torch.stack([s.histogram for s in samples]),
        torch.tensor([s.mean_score for s in samples]),
    )


def collate_fine(samples: list[FineSample | None]) -> FineBatch | None:
    """Concatenate whole series into one token batch, remembering each series' slice."""
    samples = [s for s in samples if s is not None]
    if not samples:
        return None
    tokens: list[Tokens] = []
    groups = []
    for sample in samples:
        groups.append(
            FineGroup(
                len(tokens), sample.ranking, sample.rank_order, sample.references, sample.texts
            )
        )
        tokens.extend(sample.tokens)
    return FineBatch(collate(tokens), groups)
