"""The word-count fallback, which runs when the themes extra is absent."""

import sys

import pytest

from bot.themes import WORDS, default_taxonomy, label_answers, offline_themes
from tests.bot.themes.factories import accuracy, answers, labelled


def test_answers_sharing_words_with_a_theme_are_assigned_to_it() -> None:
    texts = ["my laptop crashes all the time", "the deadline means working late", "no mentor"]
    labels, _, _ = label_answers(texts, default_taxonomy(), WORDS)
    assert labels == ["tools", "workload", "growth"]


def test_answers_that_fit_no_theme_become_an_emerging_theme_named_by_a_phrase() -> None:
    texts = [f"the car park is full again by {h} o'clock" for h in range(7, 13)]
    texts += [f"too many meetings on {d}" for d in ("monday", "tuesday", "friday", "sunday")]
    texts += ["my laptop crashes", "the wiki is out of date", "ticket system is slow"]
    report = offline_themes(answers(texts), default_taxonomy(), threshold=5, method=WORDS)
    emerging = [t for t in report.themes if t.emerging]
    assert [t.count for t in emerging] == [6]
    assert "car park" in emerging[0].name


def test_the_report_says_the_word_count_method_ran() -> None:
    texts = [f"too many meetings this week {i}" for i in range(6)]
    report = offline_themes(answers(texts), default_taxonomy(), threshold=5, method=WORDS)
    assert report.method == WORDS
    assert "word counts" in report.note
    assert report.themes[0].name == "Meetings and focus time"


def test_the_fallback_themes_the_labelled_set_better_than_chance() -> None:
    rows = labelled()
    labels, _, _ = label_answers([r["text"] for r in rows], default_taxonomy(), WORDS)
    assert accuracy(labels, rows) > 0.25  # chance over ten themes is 0.1


def test_without_the_themes_extra_offline_themes_fall_back_to_word_counts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # as if not installed
    texts = [f"too many meetings this week {i}" for i in range(6)]
    report = offline_themes(answers(texts), default_taxonomy(), threshold=5)
    assert report.method == WORDS
    assert "word counts" in report.note


def test_word_count_similarity_to_a_few_documents_matches_the_dense_vectors() -> None:
    import numpy as np

    from bot.themes.fallback import WordCounts

    texts = [r["text"] for r in labelled()] + ["", "the and of", "pay pay pay rise"]
    documents = ["pay, wages and the rise we were promised", "training courses", "rota shifts"]
    counts = WordCounts().fit([*texts, *documents])
    dense = counts.vectors(texts) @ counts.vectors(documents).T
    sparse = counts.similarity(texts, documents)
    assert sparse.shape == (len(texts), 3) and sparse.dtype == np.float32
    assert np.allclose(sparse, dense, atol=1e-6)
    assert sparse[-1, 0] > 0.3 and not sparse[-2].any()


def test_emerging_names_are_phrases_counted_whole_not_inside_longer_words() -> None:
    from bot.themes.fallback import theme_phrases

    group = [f"bike shed {i}" for i in range(5)]
    corpus = [*group, *(f"motorbike shedding {i}" for i in range(20))]
    assert theme_phrases(group, corpus) == ["bike shed"]
