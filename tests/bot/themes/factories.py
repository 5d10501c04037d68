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
