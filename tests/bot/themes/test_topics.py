"""Other workplace topics: answers about a subject the taxonomy lacks gather into an emerging theme
instead of being spread over the nearest taxonomy themes."""

import numpy as np
import pytest

from bot.themes import EMBEDDINGS, TaxonomyTheme, default_taxonomy, label_answers, offline_themes
from bot.themes.topics import MARGIN, gather, other_topics, uncovered
from tests.bot.themes.factories import (
    answers,
    emerging_name_faults,
    labelled,
    names_only_taxonomy,
    unseen,
)

PAY = [
    "my wages have not gone up in three years while rent keeps climbing",
    "the pay rise this year was less than inflation again",
    "we still have not been paid the overtime from december",
    "a pay cut dressed up as a new grading structure",
    "the bonus scheme was scrapped without any warning",
    "nobody can live on this salary in the city anymore",
    "the pension contributions went up and take home pay went down",
    "agency workers doing the same job earn more per hour than we do",
]


def _topic(id_: str, name: str) -> TaxonomyTheme:
    return TaxonomyTheme(id_, name, f"{name} at work.", ())


def test_the_catalogue_has_distinct_well_formed_topics() -> None:
    topics = other_topics()
    assert len(topics) >= 8
    assert len({t.id for t in topics}) == len(topics)
    assert all(t.description and t.examples for t in topics)


def test_a_topic_the_taxonomy_covers_by_id_or_by_meaning_is_left_out() -> None:
    topics = [_topic("pay", "Pay"), _topic("safety", "Safety"), _topic("facilities", "Buildings")]
    taxonomy = [_topic("pay", "Money"), _topic("estates", "Estates")]
    topic_centroids = np.eye(3, 4, dtype=np.float32)
    theme_centroids = np.array([[0, 0, 0, 1], [0, 0, 0.9, 0.436]], dtype=np.float32)
    # pay: same id; safety: nothing close; facilities: 0.9 similar to "Estates"
    assert uncovered(topics, taxonomy, topic_centroids, theme_centroids) == [1]


def test_answers_clearly_closer_to_a_topic_gather_into_it_and_small_gatherings_do_not() -> None:
    texts = [f"the car park is full again {n}" for n in range(5)] + ["pay is low", "a", "b"]
    themes = np.full((8, 2), 0.3, dtype=np.float32)
    toward = np.zeros((8, 2), dtype=np.float32)
    toward[:5, 0] = 0.3 + MARGIN + 0.01  # five answers clearly nearer "facilities"
    toward[5, 1] = 0.3 + MARGIN + 0.01  # one nearer "pay": too few to stand apart
    toward[6, 0] = 0.3 + MARGIN - 0.01  # not clearly nearer: stays with its taxonomy theme
    topics = [_topic("facilities", "Buildings and facilities"), _topic("pay", "Pay")]
    groups = gather(texts, topics, themes, toward, threshold=5)
    assert [(g.name, sorted(g.members)) for g in groups] == [("car park is full", [0, 1, 2, 3, 4])]


def test_a_gathering_without_a_shared_phrase_takes_the_topics_name() -> None:
    texts = ["heating broken", "no kettle", "toilets closed", "dim lights", "cold office", "x"]
    toward = np.array([[1.0]] * 5 + [[0.0]], dtype=np.float32)
    themes = np.zeros((6, 1), dtype=np.float32)
    groups = gather(texts, [_topic("facilities", "Buildings")], themes, toward, threshold=5)
    assert [(g.name, len(g.members)) for g in groups] == [("Buildings", 5)]


needs_model = pytest.mark.skipif(
    not __import__("bot.themes.embeddings", fromlist=["available"]).available(),
    reason="the themes extra is not installed",
)


@needs_model
def test_answers_on_a_subject_the_taxonomy_lacks_become_one_emerging_theme() -> None:
    texts = [r["text"] for r in labelled()[:60]] + PAY
    found, _, _ = label_answers(texts, default_taxonomy(), EMBEDDINGS, precision="float32")
    pay = found[60:]
    top = max(set(pay), key=pay.count)
    assert top.startswith("emerging:") and pay.count(top) >= 6
    assert found[:60].count(top) <= 1
    without, _, _ = label_answers(
        texts, default_taxonomy(), EMBEDDINGS, precision="float32", topics=()
    )
    assert max(without[60:].count(label) for label in set(without[60:])) < 6


@needs_model
def test_a_taxonomy_with_the_subject_keeps_its_answers() -> None:
    texts = [r["text"] for r in labelled()[:60]] + PAY
    pay = TaxonomyTheme("money", "Money", "Wages and salary, pay rises, bonuses and pensions.", ())
    taxonomy = (*default_taxonomy(), pay)
    found, _, _ = label_answers(texts, taxonomy, EMBEDDINGS, precision="float32")
    assert not any(f.startswith("emerging:") for f in found[60:])
    # most; all-mpnet-base-v2 reads "the bonus scheme was scrapped without warning" as leadership
    assert found[60:].count("money") >= 5


@needs_model
def test_the_digest_shows_the_gathered_answers_as_an_emerging_theme() -> None:
    texts = [r["text"] for r in labelled()[:60]] + PAY
    report = offline_themes(answers(texts), default_taxonomy(), threshold=5, method=EMBEDDINGS)
    emerging = [t for t in report.themes if t.emerging]
    assert any(t.count >= 6 and set(t.members) & set(range(60, 68)) for t in emerging)


@needs_model
def test_emerging_themes_by_meaning_are_named_by_their_phrase_or_by_a_topic() -> None:
    topics = {t.name for t in other_topics()}
    sets = [([r["text"] for r in labelled()], default_taxonomy())]
    sets.append(([r["text"] for r in unseen("tune")], names_only_taxonomy()))
    checked = 0
    for texts, taxonomy in sets:
        _, groups, _ = label_answers(texts, taxonomy, EMBEDDINGS, precision="float32")
        for group in groups:
            if group.emerging and group.name not in topics:
                members = [texts[i] for i in group.members]
                assert emerging_name_faults(group.name, members, texts) == []
            checked += group.emerging
    assert checked
