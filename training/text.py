"""Frozen CLIP text features for CTAlign, computed once before training.

The comparative sentences never change and the text tower is frozen, so every sentence
is encoded once (``fgaesq_core``'s model with its text tower, ``encode_text``) and looked
up afterwards; the text tower is then released.  CLIP-vocabulary towers use open_clip's
BPE tokenizer; the small test architectures use a byte-level one.

CLIP reads at most ``context_length`` (77) tokens and cuts the rest: sentences that
long are counted and reported, never cut silently.  A text tower without pretrained
weights (test configs) is initialised from ``seed`` alone, so evaluation can rebuild
exactly the text features a run was trained against.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import torch

from fgaesq_core.factory import create_model

log = logging.getLogger(__name__)

CLIP_VOCAB_SIZE = 49408


def byte_tokenize(texts: list[str], context_length: int, vocab_size: int) -> torch.Tensor:
    """Byte-level token ids ending in the highest id, which CLIP's argmax pooling reads."""
    start, end = vocab_size - 2, vocab_size - 1
    ids = torch.zeros(len(texts), context_length, dtype=torch.long)
    for row, text in enumerate(texts):
        body = [1 + b % (vocab_size - 3) for b in text.encode("utf-8")][: context_length - 2]
        tokens = [start, *body, end]
        ids[row, : len(tokens)] = torch.tensor(tokens)
    return ids


@dataclass(frozen=True)
class TextTokenizer:
    """Token ids for a text tower, and the untruncated length of a sentence."""

    context_length: int
    tokenize: Callable[[list[str]], torch.Tensor]  # (N, context_length) ids, cut to fit
    length: Callable[[str], int]  # tokens including start and end

    def too_long(self, texts: Iterable[str]) -> list[str]:
        """The sentences the tower would cut."""
        return [text for text in texts if self.length(text) > self.context_length]


def text_tokenizer(text_cfg: dict) -> TextTokenizer:
    """The tokenizer fitting a text tower config."""
    context_length = int(text_cfg.get("context_length", 77))
    vocab_size = int(text_cfg.get("vocab_size", CLIP_VOCAB_SIZE))
    if vocab_size == CLIP_VOCAB_SIZE:
        import open_clip

        bpe = open_clip.get_tokenizer("ViT-B-16-quickgelu")
        return TextTokenizer(
            context_length,
            lambda texts: bpe(texts, context_length=context_length),
            lambda text: len(bpe.encode(text)) + 2,
        )
    return TextTokenizer(
        context_length,
        lambda texts: byte_tokenize(texts, context_length, vocab_size),
        lambda text: len(text.encode("utf-8")) + 2,
    )


def report_truncated(texts: list[str], tokenizer: TextTokenizer) -> int:
    """Warn (count and one example) about sentences longer than the context; returns the count."""
    cut = tokenizer.too_long(texts)
    if cut:
        example = cut[0] if len(cut[0]) <= 120 else cut[0][:117] + "..."
        log.warning(
            "%d of %d comparative texts exceed the text tower's %d tokens and are cut "
            "(CLIP reads only their beginning), e.g. %r",
            len(cut),
            len(texts),
            tokenizer.context_length,
            example,
        )
    return len(cut)


@torch.no_grad()
def encode_texts(
    texts: Iterable[str],
    model_config: str,
    pretrained: str | None,
    device: torch.device,
    batch_size: int = 256,
    seed: int = 0,
) -> dict[str, torch.Tensor]:
    """``{sentence: feature (embed_dim,)}`` for every distinct sentence, on ``device``.

    Args:
        texts: the sentences (repeats allowed).
        model_config: fgaesq_core architecture name or path.
        pretrained: weights of the text tower; None initialises it from ``seed``.
        device: where the tower runs and the features stay.
        batch_size: sentences per forward pass.
        seed: initialises an untrained tower; the caller's random state is untouched.
    """
    unique = sorted(set(texts))
    if not unique:
        return {}
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = create_model(model_config, pretrained=pretrained, with_text=True)
    model = model.to(device).eval()
    tokenizer = text_tokenizer(model.config.text_cfg)
    report_truncated(unique, tokenizer)
    features: dict[str, torch.Tensor] = {}
    for start in range(0, len(unique), batch_size):
        chunk = unique[start : start + batch_size]
        encoded = model.encode_text(tokenizer.tokenize(chunk).to(device)).float()
        features.update(zip(chunk, encoded, strict=True))
    del model
    return features
