"""Themes benchmark: quality and speed of the offline methods, side by side.

Quality: the adjusted Rand index and the taxonomy-assignment accuracy (an answer counts as right
when its theme is its label or its second label) against the labelled set in
``tests/bot/themes/data/answers.csv``. Speed: 10,000 answers (1,000 with ``BENCH_QUICK=1``) made
from the labelled ones, themed end to end by ``offline_themes``; the model load is timed apart.
Each method runs in its own process, so peak memory (max RSS) is that method's alone. The embeddings
run in float32 and, where the CPU computes bfloat16 natively (the default there), in bfloat16 too;
the parent never imports torch, as a child's max RSS starts from its parent's.
Last, the LLM path's leaks on the probe set (``bench/_leaks.py``).
"""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from typing import cast

from rich.console import Console
from rich.table import Table

from bench import _leaks as leaks
from bot.themes import EMBEDDINGS, WORDS, ThemeAnswer, default_taxonomy, label_answers
from bot.themes import offline_themes as theme
from bot.themes.embeddings import Precision, available, native_precision
from tests.bot.themes.factories import accuracy, labelled

TARGETS = {EMBEDDINGS: (0.35, 0.60, 30.0), WORDS: (None, None, 5.0)}
PRECISIONS: tuple[Precision, ...] = ("float32", "bfloat16")
MEMORY_TARGET_MB = 1536
FILLERS = ("", "honestly, ", "this week: ", "hmm. ", "tbh ", "as usual, ", "lately ", "so ")
TEAMS = tuple(f"Team {c}" for c in "ABCDEFGHIJ")


def adjusted_rand_index(truth: Sequence[str], found: Sequence[str]) -> float:
    """The adjusted Rand index of two labellings (as scikit-learn computes it)."""

    def pairs(n: int) -> float:
        return n * (n - 1) / 2

    joint = Counter(zip(truth, found, strict=True))
    index = sum(pairs(n) for n in joint.values())
    rows = sum(pairs(n) for n in Counter(truth).values())
    cols = sum(pairs(n) for n in Counter(found).values())
    expected = rows * cols / pairs(len(truth))
    maximum = (rows + cols) / 2
    return 1.0 if maximum == expected else (index - expected) / (maximum - expected)


def answers_for_speed(n: int, seed: int = 11) -> list[ThemeAnswer]:
    """``n`` distinct answers: labelled ones, some joined in pairs, with check-in fillers."""
    texts = [r["text"] for r in labelled()]
    rng = random.Random(seed)
    made: dict[str, None] = {}
    while len(made) < n:
        text = rng.choice(FILLERS) + rng.choice(texts)
        if rng.random() < 0.5:
            text += ", and " + rng.choice(texts)
        made[text] = None
    return [ThemeAnswer(t, rng.choice(TEAMS)) for t in made]


def worker(method: str, n: int, precision: Precision | None = None) -> dict[str, float]:
    """Measure one method in this process; printed as JSON for ``main``."""
    taxonomy = default_taxonomy()
    rows = labelled()
    started = time.perf_counter()
    if method == EMBEDDINGS:
        from bot.themes.embeddings import _model

        _model()
    load = time.perf_counter() - started
    labels, _, _ = label_answers([r["text"] for r in rows], taxonomy, method, precision=precision)
    ari = adjusted_rand_index([r["label"] for r in rows], labels)
    acc = accuracy(labels, rows)
    many = answers_for_speed(n)
    started = time.perf_counter()
    report = theme(many, taxonomy, threshold=5, method=method, precision=precision)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    native = native_precision() == "bfloat16" if method == EMBEDDINGS else False
    agreement = _against_float32(rows, labels) if precision == "bfloat16" else {}
    return {
        **agreement,
        "native_bfloat16": float(native),
        "ari": ari,
        "accuracy": acc,
        "load": load,
        "seconds": seconds,
        "themes": len(report.themes),
        "peak_mb": peak,
    }


def _against_float32(rows: list[dict[str, str]], labels: list[str]) -> dict[str, float]:
    """How far bfloat16 strays from float32 on the labelled answers (after the timed run, so
    it adds nothing to the peak): the least cosine of a vector pair, the share of equal labels."""
    from bot.themes.embeddings import Embeddings

    texts = [r["text"] for r in rows]
    exact, fast = Embeddings("float32").vectors(texts), Embeddings("bfloat16").vectors(texts)
    exact_labels, _, _ = label_answers(texts, default_taxonomy(), EMBEDDINGS, precision="float32")
    same = sum(a == b for a, b in zip(exact_labels, labels, strict=True)) / len(labels)
    return {"min_cosine": float((exact * fast).sum(axis=1).min()), "same_labels": same}


def measure(method: str, n: int, precision: Precision | None = None) -> dict[str, float]:
    command = [sys.executable, "-m", "bench.themes", "--worker", method, str(n)]
    command += [precision] if precision else []
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    done = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _mark(value: float, target: float | None, *, at_most: bool = False) -> str:
    if target is None:
        return ""
    ok = value <= target if at_most else value >= target
    return " ✓" if ok else " ✗"


def main() -> None:
    n = 1_000 if os.environ.get("BENCH_QUICK") else 10_000
    results: dict[tuple[str, Precision | None], dict[str, float]] = {
        (WORDS, None): measure(WORDS, n)
    }
    native: Precision = "float32"
    if available():
        results[(EMBEDDINGS, "float32")] = measure(EMBEDDINGS, n, "float32")
        if results[(EMBEDDINGS, "float32")]["native_bfloat16"]:
            native = "bfloat16"
            results[(EMBEDDINGS, native)] = measure(EMBEDDINGS, n, native)
    base = results[(WORDS, None)]
    title = f"Offline themes: quality on {len(labelled())} labelled answers, speed on {n:,}"
    table = Table(title=title)
    for column in (
        "method",
        "ARI",
        "× words",
        "accuracy",
        "load s",
        "themed s",
        "themes",
        "peak MB",
    ):
        table.add_column(column, justify="left" if column == "method" else "right")
    for (method, precision), r in results.items():
        ari_target, acc_target, speed_target = TARGETS[method]
        speed_scale = n / 10_000
        default = " (default)" if precision == native else ""
        table.add_row(
            f"{method}, {precision}{default}" if precision else method,
            f"{r['ari']:.3f}{_mark(r['ari'], ari_target)}",
            f"{r['ari'] / base['ari']:.1f}" if base["ari"] > 0 else "–",
            f"{r['accuracy']:.1%}{_mark(r['accuracy'], acc_target)}",
            f"{r['load']:.1f}",
            f"{r['seconds']:.1f}{_mark(r['seconds'], speed_target * speed_scale, at_most=True)}",
            f"{int(r['themes'])}",
            f"{r['peak_mb']:.0f}{_mark(r['peak_mb'], MEMORY_TARGET_MB, at_most=True)}",
        )
    Console(width=120).print(table)
    if not available():
        print("The themes extra is not installed: only the word-count fallback was measured.")
    elif native == "float32":
        print("This CPU has no native bfloat16: the embeddings run in float32 (the default here).")
    else:
        fast = results[(EMBEDDINGS, "bfloat16")]
        print(
            f"bfloat16 against float32 on the labelled answers: least cosine of a vector pair "
            f"{fast['min_cosine']:.5f}, labels the same for {fast['same_labels']:.1%}."
        )
    print(
        "Targets: embeddings ARI ≥ 0.35, accuracy ≥ 60%; 10,000 answers in ≤ 30 s (embeddings), "
        f"≤ 5 s (words); peak ≤ {MEMORY_TARGET_MB} MB. Speed marks scale to the run's size."
    )
    print()
    leaks.main()


if __name__ == "__main__":
    if len(sys.argv) in (4, 5) and sys.argv[1] == "--worker":
        chosen = cast(Precision, sys.argv[4]) if len(sys.argv) == 5 else None
        if chosen not in (None, *PRECISIONS):
            sys.exit(f"precision is one of {', '.join(PRECISIONS)}, got {chosen}")
        print(json.dumps(worker(sys.argv[2], int(sys.argv[3]), chosen)))
    else:
        main()
