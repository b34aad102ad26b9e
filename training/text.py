"""Frozen CLIP text features for CTAlign, computed once before training.

The comparative sentences never change and the text tower is frozen, so every sentence
is encoded once (``fgaesq_core``'s model with its text tower, ``encode_text``) and looked
up afterwards; the text tower is then released.  CLIP-vocabulary towers use open_clip's
BPE tokenizer; the small test architectures use a byte-level one.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch

from fgaesq_core.factory import create_model

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


def text_tokenizer(text_cfg: dict):
    """A callable ``list[str] -> (N, context_length)`` ids fitting the text tower."""
    context_length = int(text_cfg.get("context_length", 77))
    vocab_size = int(text_cfg.get("vocab_size", CLIP_VOCAB_SIZE))
    if vocab_size == CLIP_VOCAB_SIZE:
        import open_clip

        tokenizer = open_clip.get_tokenizer("ViT-B-16-quickgelu")
        return lambda texts: tokenizer(texts, context_length=context_length)
    return lambda texts: byte_tokenize(texts, context_length, vocab_size)


@torch.no_grad()
def encode_texts(
    texts: Iterable[str],
    model_config: str,
    pretrained: str | None,
    device: torch.device,
    batch_size: int = 256,
) -> dict[str, torch.Tensor]:
    """``{sentence: feature (embed_dim,)}`` for every distinct sentence, on ``device``."""
    unique = sorted(set(texts))
    if not unique:
        return {}
    model = create_model(model_config, pretrained=pretrained, with_text=True).to(device).eval()
    tokenize = text_tokenizer(model.config.text_cfg)
    features: dict[str, torch.Tensor] = {}
    for start in range(0, len(unique), batch_size):
        chunk = unique[start : start + batch_size]
        encoded = model.encode_text(tokenize(chunk).to(device)).float()
        features.update(zip(chunk, encoded, strict=True))
    del model
    return features
