"""Other workplace topics: a catalogue of common subjects of workplace reflections
(``prompts/topics.yaml``) that a community's taxonomy may lack. With sentence embeddings of enough
answers, an answer clearly closer to such a topic than to every taxonomy theme joins it, and a
topic that gathers enough answers becomes an emerging theme; otherwise its answers stay with their
nearest taxonomy theme. Without the catalogue, answers about pay or safety under a taxonomy
without those themes were spread over the nearest ones ("Collaboration", "Leadership"), too far
from each other to cluster apart (docs/digest.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import numpy.typing as npt

from bot.themes.fallback import Matrix, theme_phrases
from bot.themes.taxonomy import TaxonomyTheme, parse_taxonomy

# A topic whose centroid is this similar to a taxonomy theme's (both unit means of their
# documents, before centring) is covered by that theme and left out. Measured with the packaged
# model: the names-only taxonomy's "Pay and benefits", "Safety at work" and "Job security" met
# the catalogue's at 0.63-0.65; the closest pair of different subjects was 0.48.
COVERED = 0.55
# An answer joins a topic only when its similarity to the topic (centred, plus the lexical blend)
# beats its best taxonomy theme's by this much. Chosen on the tune split and answers.csv.
MARGIN = 0.12

Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class TopicGroup:
    """Answers (indexes into the input) gathered by one catalogue topic, and its name."""

    name: str
    members: tuple[int, ...]


@cache
def other_topics() -> tuple[TaxonomyTheme, ...]:
    """The catalogue of other common workplace topics, from ``prompts/topics.yaml``."""
    source = resources.files("prompts").joinpath("topics.yaml").read_text(encoding="utf-8")
    return parse_taxonomy(source)


def uncovered(
    topics: Sequence[TaxonomyTheme],
    taxonomy: Sequence[TaxonomyTheme],
    topic_centroids: Matrix,
    theme_centroids: Matrix,
) -> list[int]:
    """The indexes of the topics no taxonomy theme covers: none shares its id, and none is at
    least ``COVERED`` similar to it."""
    ids = {t.id for t in taxonomy}
    if not len(topic_centroids) or not len(theme_centroids):
        return [i for i, t in enumerate(topics) if t.id not in ids]
    closest = (topic_centroids @ theme_centroids.T).max(axis=1)
    return [i for i, t in enumerate(topics) if t.id not in ids and closest[i] < COVERED]


def gather(
    texts: Sequence[str],
    topics: Sequence[TaxonomyTheme],
    theme_similarity: Matrix,
    topic_similarity: Matrix,
    threshold: int,
) -> list[TopicGroup]:
    """The topics that gather at least ``threshold`` answers, each with the answers that are more
    than ``MARGIN`` closer to it than to any taxonomy theme and closer to it than to any other
    topic; named by a phrase of its own answers (``theme_phrases``) where one qualifies, else by
    the topic's name."""
    if not topics or not len(texts):
        return []
    nearest = topic_similarity.argmax(axis=1)
    closer: Mask = topic_similarity.max(axis=1) > theme_similarity.max(axis=1) + MARGIN
    groups = []
    for t, topic in enumerate(topics):
        members = np.flatnonzero(closer & (nearest == t))
        if len(members) < threshold:
            continue
        ranked = members[np.argsort(-topic_similarity[members, t], kind="stable")]
        inside = [texts[i] for i in ranked]
        names = theme_phrases(inside, texts)
        groups.append(TopicGroup(names[0] if names else topic.name, tuple(int(i) for i in ranked)))
    return groups
