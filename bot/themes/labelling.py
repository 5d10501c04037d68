"""Labelling answers with themes: each answer to the taxonomy theme nearest in meaning (sentence
embeddings) or in words (TF-IDF), the answers that fit none clustered into emerging themes named by
their key phrases. No anonymity rule applies here: ``engine.build_report`` applies them all."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt
from scipy.cluster.vq import kmeans2

from bot.themes import embeddings
from bot.themes.embeddings import Model, Precision
from bot.themes.fallback import Matrix, WordCounts, theme_phrases
from bot.themes.taxonomy import TaxonomyTheme
from bot.themes.topics import gather, other_topics, uncovered

EMBEDDINGS = "embeddings"
WORDS = "words"
# Fixed thresholds, for word counts and for the embeddings of fewer than RELATIVE_FROM answers.
# Below MIN_SIMILARITY an answer fits no taxonomy theme. An answer far closer to its nearest other
# answers than to any taxonomy theme (by COHERENCE_MARGIN) is a candidate for an emerging theme.
# An emerging cluster keeps only answers COHESION similar to its centre, and stands apart only
# while its centre is less similar than EMERGING_MAX_SIMILARITY to every taxonomy theme.
MIN_SIMILARITY = {EMBEDDINGS: 0.18, WORDS: 0.05}
COHERENCE_MARGIN = 0.15
COHESION = {EMBEDDINGS: 0.45, WORDS: 0.2}
EMERGING_MAX_SIMILARITY = {EMBEDDINGS: 0.33, WORDS: 1.0}
# Embeddings of RELATIVE_FROM answers or more: every answer vector shares a large "this is a
# workplace reflection" component that drowns the differences between themes. The mean of the
# answers is taken out of answers and theme centroids alike, shrunk by n / (n + CENTRE_PRIOR).
CENTRE_PRIOR = 100
# Thresholds relative to the answers at hand, in robust deviations (MAD) from the median: an
# answer is "loose" (a candidate for an emerging theme) when it is closer to its nearest answers
# than to any theme by LOOSE_MADS more than is usual here; it fits no theme at all when its best
# similarity to a theme is LOST_MADS below the usual best similarity.
LOOSE_MADS = 2.0
LOST_MADS = 3.0
NEIGHBOURS = 4
RELATIVE_FROM = 30  # answers: fewer give no stable median, and a mean close to each answer
# When the answers nearly all say one thing, their mean is that thing, and taking it out leaves
# noise: the relative path runs only while the length of the answers' mean unit vector is below
# this. Measured: 0.35-0.39 on the tune split and the old set, 0.43-0.51 within any one labelled
# theme, 0.93 for 1,500 answers that differ only by a number.
MAX_CONCENTRATION = 0.6
# With embeddings of enough answers (the relative path), an answer's similarity to a theme adds
# LEXICAL_WEIGHT times the TF-IDF similarity of its words to the theme's name, description and
# examples together: the model misses words a taxonomy states plainly ("pay", "rota", "training").
# Chosen on the tune split and the old set, where 0.5-1.2 did about equally well (docs/digest.md).
LEXICAL_WEIGHT = 1.0


Mask = npt.NDArray[np.bool_]


class Vectoriser(Protocol):
    name: str

    def fit(self, documents: Sequence[str]) -> Vectoriser: ...
    def vectors(self, texts: Sequence[str]) -> Matrix: ...


@dataclass(frozen=True)
class Group:
    """Answers (indexes, most representative first) under one theme name."""

    name: str
    emerging: bool
    members: tuple[int, ...]


def _theme_documents(theme: TaxonomyTheme) -> list[str]:
    return [f"{theme.name}. {theme.description}", *theme.examples]


def _unit(rows: Matrix) -> Matrix:
    out: Matrix = rows / np.maximum(np.linalg.norm(rows, axis=-1, keepdims=True), 1e-9)
    return out.astype(np.float32)


def _vectors(
    vectoriser: Vectoriser, texts: Sequence[str], taxonomy: Sequence[TaxonomyTheme]
) -> tuple[Matrix, Matrix]:
    """The answers' vectors and each taxonomy theme's centroid (the unit mean of its documents),
    from one call to the vectoriser: the model then fills its batches (ten calls of three or four
    documents each took seconds of their own)."""
    documents = [_theme_documents(t) for t in taxonomy]
    rows = vectoriser.vectors([*texts, *(d for docs in documents for d in docs)])
    ends = np.cumsum([len(texts), *(len(docs) for docs in documents)]).tolist()
    centroids = [rows[a:b].mean(axis=0) for a, b in zip(ends[:-1], ends[1:], strict=True)]
    return rows[: len(texts)], _unit(np.stack(centroids))


def _lexical(texts: Sequence[str], taxonomy: Sequence[TaxonomyTheme]) -> Matrix:
    """Each answer's TF-IDF similarity to each theme's documents taken together."""
    documents = [" ".join(_theme_documents(t)) for t in taxonomy]
    return WordCounts().fit([*texts, *documents]).similarity(texts, documents)


def _centred(vectors: Matrix, centroids: Matrix) -> tuple[Matrix, Matrix]:
    """Answers and centroids without the answers' shared component (see ``CENTRE_PRIOR``)."""
    n = len(vectors)
    mean = vectors.mean(axis=0) * (n / (n + CENTRE_PRIOR))
    return _unit(vectors - mean), _unit(centroids - mean)


def _ranked(members: Sequence[int], vectors: Matrix, centre: Matrix) -> tuple[int, ...]:
    scores = vectors[list(members)] @ centre
    return tuple(members[i] for i in np.argsort(-scores, kind="stable"))


def _neighbour_similarity(vectors: Matrix, k: int) -> Matrix:
    """Each row's mean similarity to its ``k`` nearest other rows, in blocks of rows so that no
    n × n matrix is ever held (at 10,000 answers that would be 400 MB)."""
    out = np.zeros(len(vectors), dtype=np.float32)
    k = min(k, len(vectors) - 1)
    if k < 1:
        return out
    for start in range(0, len(vectors), 512):
        block = vectors[start : start + 512] @ vectors.T
        rows = np.arange(len(block))
        block[rows, rows + start] = -np.inf
        out[start : start + len(block)] = _top_mean(block, k)
    return out


def _top_mean(block: Matrix, k: int) -> Matrix:
    """The mean of each row's ``k`` largest values (``block`` is overwritten). For a few, ``k``
    passes of argmax: at 10,000 answers np.partition took twice as long as these."""
    if k > 8:
        top: Matrix = np.partition(block, -k, axis=1)[:, -k:].mean(axis=1)
        return top
    rows = np.arange(len(block))
    total = np.zeros(len(block), dtype=np.float32)
    for _ in range(k):
        columns = block.argmax(axis=1)
        total += block[rows, columns]
        block[rows, columns] = -np.inf
    mean: Matrix = (total / k).astype(np.float32)
    return mean


def _above_usual(values: Matrix, mads: float) -> Mask:
    """Where ``values`` exceed their median by more than ``mads`` robust deviations."""
    median = float(np.median(values))
    spread = max(float(np.median(np.abs(values - median))), 1e-6)
    above: Mask = values > median + mads * spread
    return above


def _unit_mean(rows: Matrix) -> Matrix:
    centre: Matrix = rows.mean(axis=0)
    return centre / max(float(np.linalg.norm(centre)), 1e-9)


def _emerging(
    texts: Sequence[str],
    vectors: Matrix,
    members: list[int],
    threshold: int,
    *,
    centroids: Matrix,
    cohesion: float,
    closest: float,
) -> list[Group]:
    """Cluster the loose answers; a cluster keeps the answers at least ``cohesion`` similar to its
    centre, and stands apart only while its centre is less similar than ``closest`` to every
    taxonomy theme (else its answers stay where they were). It is an emerging theme named by a
    phrase of its own answers (``theme_phrases``); with no such phrase it is a group without a
    name (``Group.name`` empty), whose answers fit no theme."""
    if len(members) < threshold:
        return []
    k = max(1, min(12, len(members) // (2 * threshold)))
    data = vectors[members].astype(np.float64)
    if k == 1:
        labels = np.zeros(len(members), dtype=int)
    else:
        with warnings.catch_warnings():  # an empty cluster is fine: it is skipped below
            warnings.simplefilter("ignore", UserWarning)
            _, labels = kmeans2(data, k, minit="++", seed=7)
    groups = []
    for cluster in range(k):
        inside = [m for m, label in zip(members, labels, strict=True) if label == cluster]
        if len(inside) < threshold:
            continue
        centre = _unit_mean(vectors[inside])
        inside = [i for i in inside if float(vectors[i] @ centre) >= cohesion]
        if len(inside) < threshold:
            continue
        centre = _unit_mean(vectors[inside])
        if float((centroids @ centre).max()) >= closest:
            continue
        names = theme_phrases([texts[i] for i in inside], texts) or [""]
        groups.append(Group(names[0], True, _ranked(inside, vectors, centre)))
    return groups


def _loose_and_lost(
    vectors: Matrix, similarity: Matrix, method: str, threshold: int, *, relative: bool
) -> tuple[Mask, Mask]:
    """Which answers may make emerging themes, and which fit no theme at all."""
    best = similarity.max(axis=1)
    k = max(NEIGHBOURS, threshold - 1)
    if relative:
        neighbours = _neighbour_similarity(vectors, k)
        return _above_usual(neighbours - best, LOOSE_MADS), _above_usual(-best, LOST_MADS)
    lost: Mask = best < MIN_SIMILARITY[method]
    loose = lost.copy()
    if method == EMBEDDINGS:
        loose |= _neighbour_similarity(vectors, k) - best > COHERENCE_MARGIN
    return loose, lost


def _thresholds(
    vectors: Matrix, centroids: Matrix, best: Matrix, method: str, *, relative: bool
) -> tuple[float, float]:
    """An emerging cluster's cohesion (how close its answers must be to its centre) and how close
    its centre may come to a taxonomy theme, from the taxonomy's own themes on these answers: as
    cohesive as the median taxonomy theme, and further from every theme than the least typical
    taxonomy theme's answers are from theirs."""
    if not relative:
        return COHESION[method], EMERGING_MAX_SIMILARITY[method]
    cohesions, typical = [], []
    for t in range(len(centroids)):
        rows = vectors[best == t]
        if len(rows) >= 2:
            centre = _unit_mean(rows)
            cohesions.append(float(np.median(rows @ centre)))
            typical.append(float(centroids[t] @ centre))
    if not typical:
        return 0.0, 1.0
    return float(np.median(cohesions)), min(typical)


def _embeddings(
    answers: int, precision: Precision | None, model: Model | None
) -> embeddings.Embeddings:
    chosen = model or embeddings.model_for(answers)
    return embeddings.Embeddings(precision or embeddings.precision_for(chosen, answers), chosen)


def label_answers(
    texts: Sequence[str],
    taxonomy: Sequence[TaxonomyTheme],
    method: str,
    *,
    threshold: int = 5,
    precision: Precision | None = None,
    topics: Sequence[TaxonomyTheme] | None = None,
    model: Model | None = None,
) -> tuple[list[str], list[Group], str]:
    """Each answer's theme label (a taxonomy id, ``emerging:<name>`` or ``none``), the groups, and
    the name of the vectoriser that ran; ``model`` and ``precision`` are the embeddings' (default:
    ``embeddings.model_for`` and ``precision_for`` the number of answers).
    ``topics`` are the other workplace topics (default: ``topics.other_topics()``) that may gather
    answers into emerging themes, with embeddings of enough answers."""
    vectoriser: Vectoriser = (
        _embeddings(len(texts), precision, model) if method == EMBEDDINGS else WordCounts()
    )
    catalogue = other_topics() if topics is None else tuple(topics)
    catalogue = catalogue if method == EMBEDDINGS else ()
    documents = [d for theme in taxonomy for d in _theme_documents(theme)]
    vectoriser.fit([*documents, *texts])
    vectors, centroids = _vectors(vectoriser, texts, [*taxonomy, *catalogue])
    kept = uncovered(catalogue, taxonomy, centroids[len(taxonomy) :], centroids[: len(taxonomy)])
    others = [catalogue[i] for i in kept]
    centroids = centroids[[*range(len(taxonomy)), *(len(taxonomy) + i for i in kept)]]
    relative = (
        method == EMBEDDINGS
        and len(texts) >= RELATIVE_FROM
        and float(np.linalg.norm(_unit(vectors).mean(axis=0))) < MAX_CONCENTRATION
    )
    if relative:
        vectors, centroids = _centred(vectors, centroids)
    similarity = vectors @ centroids.T
    if relative:
        similarity += LEXICAL_WEIGHT * _lexical(texts, [*taxonomy, *others])
    similarity, centroids, toward = (
        similarity[:, : len(taxonomy)],
        centroids[: len(taxonomy)],
        similarity[:, len(taxonomy) :],
    )
    gathered = gather(texts, others, similarity, toward, threshold) if relative else []
    taken = {i for g in gathered for i in g.members}
    best = similarity.argmax(axis=1)
    loose, lost = _loose_and_lost(vectors, similarity, method, threshold, relative=relative)
    cohesion, closest = _thresholds(vectors, centroids, best, method, relative=relative)
    apart = [
        g
        for g in _emerging(
            texts,
            vectors,
            [i for i in range(len(texts)) if (loose[i] or lost[i]) and i not in taken],
            threshold,
            centroids=centroids,
            cohesion=cohesion,
            closest=closest,
        )
        if len(g.members) >= threshold
    ]
    emerging = [Group(g.name, True, g.members) for g in gathered]
    emerging += [g for g in apart if g.name]
    labels = ["none"] * len(texts)
    unnamed = {i for g in apart if not g.name for i in g.members} | taken
    for group in emerging:
        for i in group.members:
            labels[i] = f"emerging:{group.name}"
    groups: list[Group] = []
    for t, theme in enumerate(taxonomy):
        members = [
            i
            for i in range(len(texts))
            if not lost[i] and i not in unnamed and best[i] == t and labels[i] == "none"
        ]
        for i in members:
            labels[i] = theme.id
        if members:
            groups.append(Group(theme.name, False, _ranked(members, vectors, centroids[t])))
    return labels, [*groups, *emerging], vectoriser.name
