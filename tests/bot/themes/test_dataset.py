"""The labelled set the benchmark measures against is the shape the issue asks for."""

from collections import Counter

from bot.themes import default_taxonomy
from tests.bot.themes.factories import labelled, names_only_taxonomy, unseen


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


def test_the_unseen_set_has_600_answers_over_ten_themes_some_outside_the_taxonomy() -> None:
    rows = unseen()
    ids = {t.id for t in default_taxonomy()}
    counts = Counter(r["theme"] for r in rows)
    assert len(rows) >= 600 and len(counts) >= 10
    assert len(set(counts) - ids) >= 3 and min(counts.values()) >= 40
    assert all(r["second_theme"] in set(counts) | {""} for r in rows)
    assert len({r["id"] for r in rows}) == len({r["text"].lower() for r in rows}) == len(rows)


def test_the_unseen_set_holds_short_long_and_two_theme_answers() -> None:
    words = [len(r["text"].split()) for r in unseen()]
    assert sum(n <= 5 for n in words) >= 50 and sum(n >= 20 for n in words) >= 70
    assert sum(bool(r["second_theme"]) for r in unseen()) >= 60


def test_the_unseen_set_is_split_once_into_tune_and_test() -> None:
    splits = Counter(r["split"] for r in unseen())
    assert set(splits) == {"tune", "test"}
    assert splits["tune"] == round(0.4 * len(unseen()))
    assert len(unseen("tune")) + len(unseen("test")) == len(unseen())


def test_the_names_only_taxonomy_has_no_examples_and_lacks_one_theme_of_the_set() -> None:
    taxonomy = names_only_taxonomy()
    assert all(not t.examples for t in taxonomy)
    assert {r["theme"] for r in unseen()} - {t.id for t in taxonomy} == {"facilities"}
    examples = {e.lower() for t in default_taxonomy() for e in t.examples}
    assert not examples & {r["text"].lower() for r in unseen()}
