import pytest

from bot.themes import default_taxonomy, parse_taxonomy
from bot.themes.taxonomy import dump_taxonomy


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
    source = "themes:\n  - {id: a, name: A, description: x}\n  - {id: a, name: B, description: y}\n"
    with pytest.raises(ValueError, match="unique; repeated: a"):
        parse_taxonomy(source)


def test_the_default_taxonomy_dumps_to_yaml_that_reads_back_the_same() -> None:
    assert parse_taxonomy(dump_taxonomy(default_taxonomy())) == default_taxonomy()


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("themes: [\n", "not valid YAML at line"),
        ("- a\n- b\n", "needs a `themes:` list"),
        ("themes: []\n", "at least one theme"),
        ("themes:\n  - {id: a, name: A}\n", "theme 1 has no description"),
        ("themes:\n  - just a word\n", "theme 1 is not a mapping"),
        ("themes:\n  - {id: Big Id, name: A, description: x}\n", "lower-case letters"),
        ("themes:\n  - {id: a, name: '" + "n" * 61 + "', description: x}\n", "61 characters"),
        ("themes:\n  - {id: a, name: A, description: x, examples: one}\n", "list of texts"),
        ("themes:\n  - {id: a, name: A, description: x, examples: [{b: c}]}\n", "list of texts"),
        ("themes:\n  - {id: a, name: A, description: '  '}\n", "needs a description"),
    ],
)
def test_a_malformed_taxonomy_is_refused_saying_what_is_wrong(source: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_taxonomy(source)


def test_more_than_thirty_themes_are_refused() -> None:
    themes = [f"  - {{id: t{i}, name: T{i}, description: d}}" for i in range(31)]
    with pytest.raises(ValueError, match="30 themes at most"):
        parse_taxonomy("themes:\n" + "\n".join(themes) + "\n")
