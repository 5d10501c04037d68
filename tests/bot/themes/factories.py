"""Small factories for themes tests."""

from __future__ import annotations

import csv
from pathlib import Path

from bot.themes import ThemeAnswer

DATA = Path(__file__).parent / "data" / "answers.csv"


def answers(texts: list[str], team: str | None = "Ops") -> list[ThemeAnswer]:
    return [ThemeAnswer(text, team) for text in texts]


def labelled() -> list[dict[str, str]]:
    with DATA.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def stratified(per_label: int) -> list[dict[str, str]]:
    """The first ``per_label`` labelled rows of each theme."""
    taken: dict[str, int] = {}
    rows = []
    for row in labelled():
        if taken.get(row["label"], 0) < per_label:
            taken[row["label"]] = taken.get(row["label"], 0) + 1
            rows.append(row)
    return rows


def accuracy(labels: list[str], rows: list[dict[str, str]]) -> float:
    hits = sum(lab in (r["label"], r["second_label"]) for lab, r in zip(labels, rows, strict=True))
    return hits / len(rows)


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
