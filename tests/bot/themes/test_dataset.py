"""The labelled set the benchmark measures against is the shape the issue asks for."""

from collections import Counter

from bot.themes import default_taxonomy
from tests.bot.themes.factories import labelled


def test_the_labelled_set_has_300_answers_over_at_least_eight_taxonomy_themes() -> None:
    rows = labelled()
    ids = {t.id for t in default_taxonomy()}
    counts = Counter(r["label"] for r in rows)
    assert len(rows) >= 300
    assert len(counts) >= 8 and set(counts) <= ids
    assert all(r["second_label"] in ids | {""} for r in rows)


def test_the_labelled_set_holds_very_short_and_two_theme_answers() -> None:
    rows = labelled()
    assert sum(len(r["text"].split()) <= 2 for r in rows) >= 20
    assert sum(bool(r["second_label"]) for r in rows) >= 15


def test_no_labelled_answer_is_copied_from_the_taxonomy_examples() -> None:
    examples = {e.lower() for t in default_taxonomy() for e in t.examples}
    assert not examples & {r["text"].lower() for r in labelled()}
