"""Themes benchmark: quality and speed of the offline methods, side by side.

Quality, for each method: the adjusted Rand index, the normalised mutual information, the accuracy
and the share of answers put in emerging themes, on the project's labelled set
(``tests/bot/themes/data/answers.csv``, default taxonomy) and on the ``test`` split of the second
set (``answers_unseen.csv``: other voices, 13 themes, four the default taxonomy lacks), with the
default taxonomy and with an admin's names-and-descriptions taxonomy (``taxonomy_names_only.yaml``).
Accuracy counts an answer right in its theme or second theme and, for a theme the taxonomy lacks,
in an emerging theme most of whose answers share it, or in none.

Speed: 10,000 answers of about 22 words (1,000 with ``BENCH_QUICK=1``), made by joining sentences
of the second set, themed end to end by ``offline_themes`` three times; the median is shown, with
the machine's load average (the 2-core machine is shared); float32, then bfloat16 where the CPU has
it natively and int8 where torch's int8 kernels run fast (``BENCH_PRECISIONS=int8,float32`` picks
some of them, for a loaded machine). The model load is timed apart. Each
method runs in its own process, so its peak memory (max RSS) is its own; the parent never imports
torch, as a child's max RSS starts from its parent's. With each precision, the other-topics
catalogue with each of the test split's four off-taxonomy subjects held out (``bench/_topics.py``).
Last, the LLM path's leaks on the probe set (``bench/_leaks.py``).
"""

from __future__ import annotations

import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any, cast

from rich.console import Console
from rich.table import Table

from bench import _leaks as leaks
from bench import _topics as topics
from bot.themes import EMBEDDINGS, WORDS, ThemeAnswer, default_taxonomy, label_answers
from bot.themes import offline_themes as theme
from bot.themes.embeddings import (
    FLOAT32_UP_TO,
    MINILM,
    MPNET,
    QUALITY_UP_TO,
    Model,
    Precision,
    available,
    default_precision,
    int8_runs_fast,
    native_precision,
    quality_model_ready,
)
from bot.themes.taxonomy import TaxonomyTheme
from tests.bot.themes.factories import (
    accuracy,
    adjusted_rand_index,
    labelled,
    names_only_taxonomy,
    normalized_mutual_info,
    unseen,
)

PRECISIONS: tuple[Precision, ...] = ("float32", "bfloat16", "int8")
RUNS = 3
MEMORY_TARGET_MB = 1536
TEAMS = tuple(f"Team {c}" for c in "ABCDEFGHIJ")
# (data set, taxonomy) → targets for the embeddings: ARI, accuracy, at most this share emerging.
SETS = (("old", "default"), ("unseen test", "default"), ("unseen test", "names only"))
TARGETS: dict[tuple[str, str], tuple[float | None, float | None, float | None]] = {
    ("old", "default"): (0.365, 0.648, None),  # no worse than before the second set
    ("unseen test", "default"): (0.40, 0.65, None),
    ("unseen test", "names only"): (0.30, None, 0.15),
}
# int8 is held to float32's target: the issue's ≤ 30 s is met by int8 where it is met at all.
SPEED_TARGETS = {
    (WORDS, None): 5.0,
    (EMBEDDINGS, "float32"): 30.0,
    (EMBEDDINGS, "bfloat16"): 15.0,
    (EMBEDDINGS, "int8"): 30.0,
}


def answers_for_speed(n: int, seed: int = 11) -> list[ThemeAnswer]:
    """``n`` distinct answers of at least 16 words: answers of the second set, each joined with
    sentences or clauses of others until it is long enough."""
    texts = [r["text"] for r in unseen()]
    parts = [
        p.strip() for t in texts for p in re.split(r"(?<=[.,!?])\s+", t) if len(p.split()) >= 3
    ]
    rng = random.Random(seed)
    made: dict[str, None] = {}
    while len(made) < n:
        text = rng.choice(texts)
        while len(text.split()) < 16:
            text = text.rstrip(".") + ", " + rng.choice(parts)
        made[text] = None
    return [ThemeAnswer(t, rng.choice(TEAMS)) for t in made]


def _rows(data: str) -> list[dict[str, str]]:
    return labelled() if data == "old" else unseen("test")


def _taxonomy(name: str) -> tuple[TaxonomyTheme, ...]:
    return default_taxonomy() if name == "default" else names_only_taxonomy()


def quality(method: str, precision: Precision | None, model: Model) -> dict[str, list[float]]:
    """ARI, NMI, accuracy and emerging share of ``method`` on each of ``SETS``."""
    out = {}
    for data, taxonomy_name in SETS:
        rows, taxonomy = _rows(data), _taxonomy(taxonomy_name)
        texts = [r["text"] for r in rows]
        found, _, _ = label_answers(texts, taxonomy, method, precision=precision, model=model)
        truth = [r["label"] for r in rows]
        out[f"{data}|{taxonomy_name}"] = [
            adjusted_rand_index(truth, found),
            normalized_mutual_info(truth, found),
            accuracy(found, rows, [t.id for t in taxonomy]),
            sum(f.startswith("emerging:") for f in found) / len(found),
        ]
    return out


# The models' matrix products per word piece: in each layer the attention's four d × d projections
# and the feed-forward's d × 4d and back (attention scores on answers of ~30 pieces add under 3%);
# all-MiniLM-L6-v2 has 6 layers of 384, all-mpnet-base-v2 12 of 768.
FLOP_PER_PIECE = {MINILM: 2 * 6 * 384 * 384 * 12, MPNET: 2 * 12 * 768 * 768 * 12}


def model_floor(texts: Sequence[str], precision: Precision, model: Model) -> dict[str, float]:
    """How much arithmetic the model needs for ``texts`` (its word pieces times
    ``FLOP_PER_PIECE``) and how fast this machine multiplies matrices of the model's shapes in
    ``precision`` right now (best of 5): together, a floor no code around the model can go under.
    For int8, the products are the quantised layer's own (torch's dynamic int8 linear)."""
    import torch

    from bot.themes.embeddings import _model

    tokenizer = _model(precision, model).tokenizer  # type: ignore[attr-defined]
    pieces = sum(len(ids) for ids in tokenizer(list(texts))["input_ids"])
    dtype = torch.bfloat16 if precision == "bfloat16" else torch.float32
    a, w = torch.randn(2048, 384, dtype=dtype), torch.randn(1536, 384, dtype=dtype)
    product = _product(precision, w)
    best = float("inf")
    with torch.inference_mode():
        for _ in range(5):
            started = time.perf_counter()
            for _ in range(10):
                product(a)
            best = min(best, (time.perf_counter() - started) / 10)
    return {"pieces": pieces, "gflops": 2 * 2048 * 384 * 1536 / best / 1e9}


def _product(precision: Precision, w: Any) -> Callable[[Any], Any]:
    """``x ↦ x Wᵀ`` as the model computes it in ``precision``."""
    import torch

    if precision != "int8":
        return lambda x: torch.nn.functional.linear(x, w)
    with warnings.catch_warnings():  # torch 2.13 marks its quantised tensors deprecated
        warnings.simplefilter("ignore", UserWarning)
        scales = w.abs().amax(dim=1).double() / 127
        zeros = torch.zeros(len(w), dtype=torch.int64)
        weight = torch.quantize_per_channel(w, scales, zeros, 0, torch.qint8)
        packed = torch.ops.quantized.linear_prepack(weight, None)
    return lambda x: torch.ops.quantized.linear_dynamic(x, packed, reduce_range=False)


def worker(
    method: str, n: int, precision: Precision | None = None, model: Model = MINILM
) -> dict[str, object]:
    """Measure one method in this process; printed as JSON for ``main``. With ``n`` 0, only what
    this CPU runs (its native precision, whether int8 runs fast, the default, whether
    all-mpnet-base-v2 is ready)."""
    if n == 0:
        return {
            "native_bfloat16": native_precision() == "bfloat16",
            "int8_fast": int8_runs_fast(),
            "default": default_precision(),
            "mpnet": quality_model_ready(),
        }
    started = time.perf_counter()
    if method == EMBEDDINGS:
        from bot.themes.embeddings import _model

        _model(precision or default_precision(model), model)
    loading = time.perf_counter() - started
    many = answers_for_speed(n)
    seconds, themes = [], 0
    for _ in range(RUNS):
        started = time.perf_counter()
        report = theme(
            many, default_taxonomy(), threshold=5, method=method, precision=precision, model=model
        )
        seconds.append(time.perf_counter() - started)
        themes = len(report.themes)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "quality": quality(method, precision, model),
        "held_out": topics.held_out(precision, model) if method == EMBEDDINGS else None,
        "load": loading,
        "seconds": seconds,
        "themes": themes,
        "peak_mb": peak,
        "words": statistics.mean(len(a.text.split()) for a in many),
        "answers": n,
        "native_bfloat16": method == EMBEDDINGS and native_precision() == "bfloat16",
        "int8_fast": method == EMBEDDINGS and int8_runs_fast(),
        "default": default_precision(model) if method == EMBEDDINGS else None,
        "floor": model_floor([a.text for a in many], precision or default_precision(model), model)
        if method == EMBEDDINGS
        else None,
    }


def measure(
    method: str, n: int, precision: Precision | None = None, model: Model = MINILM
) -> dict[str, object]:
    command = [sys.executable, "-m", "bench.themes", "--worker", method, str(n)]
    command += [precision, model] if precision else []
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    done = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _mark(value: float, target: float | None, *, at_most: bool = False) -> str:
    if target is None:
        return ""
    ok = value <= target if at_most else value >= target
    return " ✓" if ok else " ✗"


Key = tuple[str, Model | None, Precision | None]


def _label(key: Key, default: Precision) -> str:
    method, model, precision = key
    if precision is None or model is None:
        return method
    if model == MPNET:
        chosen = f" (default ≤ {FLOAT32_UP_TO:,} answers)" if precision == "float32" else ""
        chosen = f" (default to {QUALITY_UP_TO:,} answers)" if precision == "int8" else chosen
    else:
        chosen = f" (default > {QUALITY_UP_TO:,} answers)" if precision == default else ""
    return f"{method} {model}, {precision}{chosen}"


def _load_average() -> str:
    return "{:.1f}, {:.1f}, {:.1f}".format(*os.getloadavg())


def main() -> None:
    n = 1_000 if os.environ.get("BENCH_QUICK") else 10_000
    before = _load_average()
    chosen = os.environ.get("BENCH_PRECISIONS", ",".join(PRECISIONS)).split(",")
    results: dict[Key, dict[str, object]] = {(WORDS, None, None): measure(WORDS, n)}
    native: Precision = "float32"
    default: Precision = "float32"
    if available():
        probe = measure(EMBEDDINGS, 0)  # what this CPU runs: its native precision, int8's speed
        native = "bfloat16" if probe["native_bfloat16"] else "float32"
        default = cast(Precision, probe["default"])
        for candidate in PRECISIONS:
            runs = candidate == "float32" or (
                probe["native_bfloat16"] if candidate == "bfloat16" else probe["int8_fast"]
            )
            if runs and candidate in chosen:
                results[(EMBEDDINGS, MINILM, candidate)] = measure(EMBEDDINGS, n, candidate)
        # all-mpnet-base-v2 themes up to FLOAT32_UP_TO answers in float32, QUALITY_UP_TO in int8
        # (where int8 runs fast): timed on that many.
        wanted = os.environ.get("BENCH_MPNET", "float32,int8").split(",")
        if probe["mpnet"] and "float32" in wanted:
            results[(EMBEDDINGS, MPNET, "float32")] = measure(
                EMBEDDINGS, min(n, FLOAT32_UP_TO), "float32", MPNET
            )
        if probe["mpnet"] and probe["int8_fast"] and "int8" in wanted:
            results[(EMBEDDINGS, MPNET, "int8")] = measure(
                EMBEDDINGS, min(n, QUALITY_UP_TO), "int8", MPNET
            )
    after = _load_average()
    sizes = f"{len(labelled())} + {len(unseen('test'))}"
    table = Table(title=f"Offline themes: quality on {sizes} labelled answers (old + unseen test)")
    for column in ("method", "answers", "taxonomy", "ARI", "NMI", "accuracy", "emerging"):
        table.add_column(column, justify="left" if column in ("method", "answers") else "right")
    for key, r in results.items():
        method = key[0]
        figures = cast(dict[str, list[float]], r["quality"])
        for data, taxonomy_name in SETS:
            ari, nmi, acc, emerging = figures[f"{data}|{taxonomy_name}"]
            ari_target, acc_target, emerging_target = (
                TARGETS[(data, taxonomy_name)] if method == EMBEDDINGS else (None, None, None)
            )
            table.add_row(
                _label(key, default),
                data,
                taxonomy_name,
                f"{ari:.3f}{_mark(ari, ari_target)}",
                f"{nmi:.3f}",
                f"{acc:.1%}{_mark(acc, acc_target)}",
                f"{emerging:.1%}{_mark(emerging, emerging_target, at_most=True)}",
            )
    console = Console(width=120)
    console.print(table)
    for key, r in results.items():
        if r.get("held_out"):
            held = cast(list[list[float | str]], r["held_out"])
            console.print(topics.table(_label(key, default), held))
    words = statistics.mean(cast(float, r["words"]) for r in results.values())
    speed = Table(title=f"Speed: answers of {words:.0f} words, median of {RUNS} runs")
    columns = ("method", "answers", "load s", "themed s (median)", "runs s", "themes", "peak MB")
    for column in columns:
        speed.add_column(column, justify="left" if column == "method" else "right")
    for key, r in results.items():
        method, model, precision = key
        seconds = cast(list[float], r["seconds"])
        median = statistics.median(seconds)
        size = cast(int, r["answers"])
        target = None if model == MPNET else SPEED_TARGETS[(method, precision)] * size / 10_000
        peak = cast(float, r["peak_mb"])
        speed.add_row(
            _label(key, default),
            f"{size:,}",
            f"{cast(float, r['load']):.1f}",
            f"{median:.1f}{_mark(median, target, at_most=True)}",
            " / ".join(f"{s:.1f}" for s in seconds),
            str(r["themes"]),
            f"{peak:.0f}{_mark(peak, MEMORY_TARGET_MB, at_most=True)}",
        )
    console.print(speed)
    for key, r in results.items():
        floor = cast(dict[str, float] | None, r["floor"])
        if floor is None or key[1] is None:
            continue
        tflop = floor["pieces"] * FLOP_PER_PIECE[key[1]] / 1e12
        print(
            f"{_label(key, default)}: {key[1]} does {tflop:.2f} TFLOP of "
            f"matrix products on these answers ({floor['pieces']:,.0f} word pieces); products of "
            f"its shapes ran at {floor['gflops']:.0f} GFLOP/s here, so the model alone needs "
            f"≥ {tflop * 1000 / floor['gflops']:.0f} s."
        )
    print(f"Load average (1, 5, 15 min) on {os.cpu_count()} CPUs: {before} before, {after} after.")
    if not available():
        print("The themes extra is not installed: only the word-count fallback was measured.")
    else:
        if native == "float32":
            print("This CPU has no native bfloat16.")
        print(f"The embeddings' default precision here: {default}.")
    print(
        "Targets (embeddings): unseen test ARI ≥ 0.40 and accuracy ≥ 65% (default taxonomy), "
        "ARI ≥ 0.30 and ≤ 15% emerging (names only); the old set no worse than ARI 0.365, 64.8%. "
        "10,000 answers in ≤ 30 s (float32, and int8 held to it), ≤ 15 s (native bfloat16), ≤ 5 s "
        f"(words); peak ≤ "
        f"{MEMORY_TARGET_MB} MB. Speed marks scale to the run's size; {MPNET} themes only up to "
        f"{FLOAT32_UP_TO:,} answers in float32 and {QUALITY_UP_TO:,} in int8, and is timed on "
        "that many, unmarked."
    )
    print()
    leaks.main()


def _args(argv: Sequence[str]) -> tuple[str, int, Precision | None, Model]:
    chosen = cast(Precision, argv[4]) if len(argv) == 6 else None
    model = cast(Model, argv[5]) if len(argv) == 6 else MINILM
    if chosen not in (None, *PRECISIONS) or model not in (MINILM, MPNET):
        sys.exit(f"precision is one of {', '.join(PRECISIONS)}, got {chosen}")
    return argv[2], int(argv[3]), chosen, model


if __name__ == "__main__":
    if len(sys.argv) in (4, 6) and sys.argv[1] == "--worker":
        print(json.dumps(worker(*_args(sys.argv))))
    else:
        main()
