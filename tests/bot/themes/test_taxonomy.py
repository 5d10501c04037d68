import pytest

from bot.themes import default_taxonomy, parse_taxonomy


def test_default_taxonomy_has_at_least_eight_described_themes_with_examples() -> None:
    taxonomy = default_taxonomy()
    assert len(taxonomy) >= 8
    assert {"recognition", "workload", "growth", "collaboration", "leadership"} <= {
        t.id for t in taxonomy
    }
    assert all(t.description and len(t.examples) >= 2 for t in taxonomy)


def test_an_edited_taxonomy_is_parsed_from_the_same_shape() -> None:
    source = "themes:\n  - {id: parking, name: Parking, description: cars, examples: [no spaces]}\n"
    (theme,) = parse_taxonomy(source)
    assert (theme.id, theme.name, theme.examples) == ("parking", "Parking", ("no spaces",))


def test_a_taxonomy_with_a_repeated_id_is_refused() -> None:
    source = "themes:\n  - {id: a, name: A}\n  - {id: a, name: B}\n"
    with pytest.raises(ValueError, match="unique"):
        parse_taxonomy(source)
