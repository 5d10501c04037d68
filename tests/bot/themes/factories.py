"""Small factories for themes tests."""

from __future__ import annotations

import csv
import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from bot.themes import TaxonomyTheme, ThemeAnswer, parse_taxonomy

DATA = Path(__file__).parent / "data" / "answers.csv"
UNSEEN = Path(__file__).parent / "data" / "answers_unseen.csv"
NAMES_ONLY = Path(__file__).parent / "data" / "taxonomy_names_only.yaml"


def answers(texts: list[str], team: str | None = "Ops") -> list[ThemeAnswer]:
    return [ThemeAnswer(text, team) for text in texts]


def labelled() -> list[dict[str, str]]:
    with DATA.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def unseen(split: str | None = None) -> list[dict[str, str]]:
    """The second labelled set (``answers_unseen.csv``), its ``tune`` or ``test`` rows or all;
    each row's ``label`` and ``second_label`` are its theme and second theme."""
    with UNSEEN.open(newline="", encoding="utf-8") as f:
        rows = [
            {**row, "label": row["theme"], "second_label": row["second_theme"]}
            for row in csv.DictReader(f)
        ]
    return [r for r in rows if split is None or r["split"] == split]


def names_only_taxonomy() -> tuple[TaxonomyTheme, ...]:
    """The admin's taxonomy of names and one-line descriptions used with the second set."""
    return parse_taxonomy(NAMES_ONLY.read_text(encoding="utf-8"))


def stratified(per_label: int) -> list[dict[str, str]]:
    """The first ``per_label`` labelled rows of each theme."""
    taken: dict[str, int] = {}
    rows = []
    for row in labelled():
        if taken.get(row["label"], 0) < per_label:
            taken[row["label"]] = taken.get(row["label"], 0) + 1
            rows.append(row)
    return rows


def accuracy(labels: list[str], rows: list[dict[str, str]], taxonomy: Sequence[str] = ()) -> float:
    """The share of answers themed right: a taxonomy theme is right when it is the answer's theme
    or second theme. With ``taxonomy`` (its ids) given, an answer whose theme it lacks is right in
    an emerging theme most of whose answers share its theme, or in none at all."""
    majority: dict[str, str] = {}
    pairs = list(zip(labels, rows, strict=True))
    for found in set(labels):
        if found.startswith("emerging:"):
            truths = Counter(r["label"] for lab, r in pairs if lab == found)
            majority[found] = truths.most_common(1)[0][0]
    known = set(taxonomy)
    hits = 0
    for found, row in zip(labels, rows, strict=True):
        if found in (row["label"], row["second_label"]):
            hits += 1
        elif known and row["label"] not in known:
            hits += found == "none" or majority.get(found) == row["label"]
    return hits / len(rows)


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


def normalized_mutual_info(truth: Sequence[str], found: Sequence[str]) -> float:
    """The normalised mutual information of two labellings (arithmetic mean of the entropies, as
    scikit-learn's default)."""
    n = len(truth)
    by_truth, by_found = Counter(truth), Counter(found)
    joint = Counter(zip(truth, found, strict=True))
    mutual = sum(
        c / n * math.log(c * n / (by_truth[t] * by_found[f])) for (t, f), c in joint.items()
    )

    def entropy(counts: Counter[str]) -> float:
        return -sum(c / n * math.log(c / n) for c in counts.values())

    mean = (entropy(by_truth) + entropy(by_found)) / 2
    return 1.0 if mean == 0 else mutual / mean


# Answers on subjects no taxonomy theme covers, added to the labelled set to make emerging themes.
OFF_TAXONOMY = [
    "the car park is full by 8:30 every single day",
    "no space in the car park again, parked two streets away",
    "car park permits ran out for our floor",
    "we need more spaces in the car park",
    "circled the car park for twenty minutes this morning",
    "parking near the office is impossible now",
    "the car park barrier broke and we queued for ages",
    "visitors take the car park spaces we were promised",
    "the canteen queue takes half my lunch break",
    "canteen food has gone downhill since the new contract",
    "the canteen queue is out the door at noon",
    "prices in the canteen went up again",
    "wish the canteen opened earlier for the night shift",
    "canteen queue again, ate at my desk",
]


def emerging_name_faults(name: str, members: list[str], corpus: list[str]) -> list[str]:
    """What breaks the rules for an emerging theme's name, over its answers ``members`` among
    ``corpus``: 2–4 words, not only stop or number words, in at least 30% of its answers, more
    common in them than in the rest."""
    from bot.themes.fallback import NUMBER_WORDS, STOPWORDS, phrases

    faults = []
    words = name.split()
    if not 2 <= len(words) <= 4:
        faults.append(f"{name!r} is {len(words)} words")
    if all(w in STOPWORDS or w in NUMBER_WORDS or w.isdigit() for w in words):
        faults.append(f"{name!r} is only stop or number words")
    inside = sum(name in phrases(t) for t in members) / len(members)
    rest = [t for t in corpus if t not in members]
    outside = sum(name in phrases(t) for t in rest) / max(1, len(rest))
    if inside < 0.3:
        faults.append(f"{name!r} is in {inside:.0%} of its answers")
    if inside <= outside:
        faults.append(f"{name!r} is as common outside the theme ({outside:.0%})")
    return faults
