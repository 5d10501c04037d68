"""Emerging themes are named by a 2–4 word phrase of their own answers that a lead understands."""

from bot.themes import WORDS, default_taxonomy, label_answers
from bot.themes.fallback import theme_phrases
from bot.themes.taxonomy import TaxonomyTheme
from tests.bot.themes.factories import OFF_TAXONOMY, emerging_name_faults, labelled

CORPUS = ["too many meetings", "my laptop died", "nobody said thanks", "the team lunch was fun"]


def test_a_theme_is_named_by_a_phrase_a_third_of_its_answers_use() -> None:
    group = [
        "the canteen queue was long on monday",
        "canteen queue again, ate at my desk",
        "prices in the canteen went up",
        "the canteen closes too early",
        "food in the canteen is cold",
        "queue for coffee is endless",
    ]
    (name, *_) = theme_phrases(group, [*group, *CORPUS])
    assert name == "canteen queue"
    assert emerging_name_faults(name, group, [*group, *CORPUS]) == []


def test_a_theme_sharing_only_a_number_or_stop_words_gets_no_name() -> None:
    group = ["two days off sick", "late by two days", "asked for two days", "two days of this"]
    assert theme_phrases(group, [*group, *CORPUS]) == []


def test_a_phrase_as_common_outside_the_theme_does_not_name_it() -> None:
    group = ["team lunch was loud", "team lunch ran over", "cold food at the team lunch"]
    corpus = [*group, *(f"the team lunch was fine, week {i}" for i in range(10))]
    assert "team lunch" not in theme_phrases(group, corpus)


def test_the_phrases_of_a_theme_share_no_word() -> None:
    group = [f"the car park barrier is broken, day {i}" for i in range(4)]
    group += ["car park full", "car park barrier stuck again"]
    found = theme_phrases(group, [*group, *CORPUS])
    words = [w for phrase in found for w in phrase.split()]
    assert found and found[0] in ("car park", "car park barrier")
    assert len(set(words)) == len(words)


def test_emerging_themes_of_the_labelled_set_follow_the_naming_rules() -> None:
    texts = [r["text"] for r in labelled()] + OFF_TAXONOMY
    names_only = tuple(TaxonomyTheme(t.id, t.name, t.description, ()) for t in default_taxonomy())
    emerging = []
    for taxonomy in (default_taxonomy(), names_only):
        _, groups, _ = label_answers(texts, taxonomy, WORDS)
        emerging += [g for g in groups if g.emerging]
    assert emerging  # the car park and the canteen, at least with names only
    for group in emerging:
        members = [texts[i] for i in group.members]
        assert emerging_name_faults(group.name, members, texts) == []
