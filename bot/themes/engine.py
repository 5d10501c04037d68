"""Offline theming: assign answers to the taxonomy by similarity, cluster the rest into emerging
themes named by their key phrases, and build a report that keeps the anonymity rules."""

from __future__ import annotations

import logging
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from scipy.cluster.vq import kmeans2

from bot import texts
from bot.texts import copy
from bot.themes import embeddings
from bot.themes.embeddings import Precision
from bot.themes.fallback import Matrix, WordCounts, theme_phrases
from bot.themes.guard import looks_like_instruction
from bot.themes.redact import Redactor
from bot.themes.taxonomy import TaxonomyTheme, Theme, ThemeAnswer, ThemeReport

log = logging.getLogger(__name__)

MIN_THRESHOLD = 3
MAX_QUOTES = 2
EMBEDDINGS = "embeddings"
WORDS = "words"
# Below these similarities an answer fits no taxonomy theme and goes to the emerging clusters.
MIN_SIMILARITY = {EMBEDDINGS: 0.18, WORDS: 0.05}
# An answer far closer to its nearest other answers than to any taxonomy theme (by this margin)
# is a candidate for an emerging theme; it stays in the taxonomy unless enough others join it.
COHERENCE_MARGIN = {EMBEDDINGS: 0.15}
# An emerging cluster keeps only answers this similar to its centre, and is one only while its
# centre is less similar than this to every taxonomy theme (else its answers go back to those).
COHESION = {EMBEDDINGS: 0.45, WORDS: 0.2}
EMERGING_MAX_SIMILARITY = {EMBEDDINGS: 0.33, WORDS: 1.0}


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


def _centroids(vectoriser: Vectoriser, taxonomy: Sequence[TaxonomyTheme]) -> Matrix:
    rows = []
    for theme in taxonomy:
        vectors = vectoriser.vectors(_theme_documents(theme))
        centre = vectors.mean(axis=0)
        rows.append(centre / max(float(np.linalg.norm(centre)), 1e-9))
    return np.stack(rows).astype(np.float32)


def _ranked(members: Sequence[int], vectors: Matrix, centre: Matrix) -> tuple[int, ...]:
    scores = vectors[list(members)] @ centre
    return tuple(members[i] for i in np.argsort(-scores, kind="stable"))


def _neighbour_similarity(vectors: Matrix, k: int) -> Matrix:
    """Each row's mean similarity to its ``k`` nearest other rows (in chunks, to bound memory)."""
    out = np.zeros(len(vectors), dtype=np.float32)
    k = min(k, len(vectors) - 1)
    if k < 1:
        return out
    for start in range(0, len(vectors), 1024):
        block = vectors[start : start + 1024] @ vectors.T
        rows = np.arange(len(block))
        block[rows, rows + start] = -1.0
        out[start : start + len(block)] = np.partition(block, -k, axis=1)[:, -k:].mean(axis=1)
    return out


def _emerging(
    texts: Sequence[str],
    vectors: Matrix,
    members: list[int],
    threshold: int,
    *,
    centroids: Matrix,
    method: str,
) -> list[Group]:
    """Cluster the answers that fit no taxonomy theme; name each cluster by a phrase of its own
    answers (``theme_phrases``); a cluster with no such phrase is no theme."""
    if len(members) < threshold:
        return []
    k = max(1, min(6, len(members) // (2 * threshold)))
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
        if not inside:
            continue
        centre = vectors[inside].mean(axis=0)
        centre /= max(float(np.linalg.norm(centre)), 1e-9)
        inside = [i for i in inside if float(vectors[i] @ centre) >= COHESION[method]]
        if len(inside) < threshold:
            continue
        centre = vectors[inside].mean(axis=0)
        centre /= max(float(np.linalg.norm(centre)), 1e-9)
        if float((centroids @ centre).max()) >= EMERGING_MAX_SIMILARITY[method]:
            continue
        names = theme_phrases([texts[i] for i in inside], texts)
        if not names:
            continue
        groups.append(Group(names[0], True, _ranked(inside, vectors, centre)))
    return groups


def label_answers(
    texts: Sequence[str],
    taxonomy: Sequence[TaxonomyTheme],
    method: str,
    *,
    threshold: int = 5,
    precision: Precision | None = None,
) -> tuple[list[str], list[Group], str]:
    """Each answer's theme label (a taxonomy id, ``emerging:<name>`` or ``none``), the groups, and
    the name of the vectoriser that ran; ``precision`` is the embeddings' (default: native)."""
    vectoriser: Vectoriser = (
        embeddings.Embeddings(precision) if method == EMBEDDINGS else WordCounts()
    )
    documents = [d for theme in taxonomy for d in _theme_documents(theme)]
    vectoriser.fit([*documents, *texts])
    vectors = vectoriser.vectors(texts)
    centroids = _centroids(vectoriser, taxonomy)
    similarity = vectors @ centroids.T
    best = similarity.argmax(axis=1)
    best_similarity = similarity[np.arange(len(texts)), best]
    fits = best_similarity >= MIN_SIMILARITY[method]
    loose = ~fits
    if method in COHERENCE_MARGIN:
        neighbours = _neighbour_similarity(vectors, max(2, threshold - 1))
        loose |= neighbours - best_similarity > COHERENCE_MARGIN[method]
    emerging = [
        g
        for g in _emerging(
            texts,
            vectors,
            [i for i in range(len(texts)) if loose[i]],
            threshold,
            centroids=centroids,
            method=method,
        )
        if len(g.members) >= threshold
    ]
    labels = ["none"] * len(texts)
    for group in emerging:
        for i in group.members:
            labels[i] = f"emerging:{group.name}"
    groups: list[Group] = []
    for t, theme in enumerate(taxonomy):
        members = [i for i in range(len(texts)) if fits[i] and best[i] == t and labels[i] == "none"]
        for i in members:
            labels[i] = theme.id
        if members:
            groups.append(Group(theme.name, False, _ranked(members, vectors, centroids[t])))
    return labels, [*groups, *emerging], vectoriser.name


def respondents(answers: Sequence[ThemeAnswer], indexes: Iterable[int]) -> int:
    """The fewest distinct people who could have given these answers: the named respondents, or
    the most answers to any one question (each person answers a question once), whichever is more;
    an answer with neither a respondent nor a slot is a person of its own."""
    people: set[str] = set()
    per_slot: Counter[str] = Counter()
    for i in indexes:
        answer = answers[i]
        if answer.respondent is not None:
            people.add(answer.respondent)
        elif answer.slot is not None:
            per_slot[answer.slot] += 1
        else:
            people.add(f"answer #{i}")
    return max(len(people), max(per_slot.values(), default=0))


def _by_team(answers: Sequence[ThemeAnswer], group: Group, threshold: int) -> list[tuple[str, int]]:
    """Teams whose answers in the theme come from at least ``threshold`` respondents; then the
    smallest listed teams are withheld too until the answers left over (not listed) come from none
    or from at least ``threshold`` respondents, so no small team's figure follows by subtraction."""
    by_team: dict[str, list[int]] = {}
    for i in group.members:
        team = answers[i].team
        if team is not None:
            by_team.setdefault(team, []).append(i)
    listed = sorted(
        (
            (team, len(members))
            for team, members in by_team.items()
            if respondents(answers, members) >= threshold
        ),
        key=lambda tn: (-tn[1], tn[0]),
    )

    def rest() -> list[int]:
        shown = {team for team, _ in listed}
        return [i for i in group.members if answers[i].team not in shown]

    while listed and rest() and respondents(answers, rest()) < threshold:
        listed.pop()
    return listed


def quotable(text: str, redact: Redactor) -> bool:
    """Whether ``text`` may be quoted: 3 to 40 words, naming nobody, holding nothing that redaction
    would replace, and not reading as an instruction to a machine."""
    return (
        3 <= len(text.split()) <= 40 and redact(text) == text and not looks_like_instruction(text)
    )


def _quotes(answers: Sequence[ThemeAnswer], group: Group, redact: Redactor) -> tuple[str, ...]:
    """The most representative answers that may be quoted (see ``quotable``)."""
    texts = [answers[i].text for i in group.members if quotable(answers[i].text, redact)]
    return tuple(dict.fromkeys(texts))[:MAX_QUOTES]


def build_report(
    answers: Sequence[ThemeAnswer],
    groups: Sequence[Group],
    method: str,
    threshold: int,
    *,
    described: str = "",
    names: Sequence[str] = (),
) -> ThemeReport:
    """The report over ``groups``, with every anonymity rule applied; ``names`` (members' names)
    are never quoted, nor shown in an emerging theme's name."""
    redact = Redactor(names)
    shown = [g for g in groups if respondents(answers, g.members) >= threshold]
    themes = tuple(
        Theme(
            name=redact(g.name) if g.emerging else g.name,
            count=len(g.members),
            respondents=respondents(answers, g.members),
            by_team=tuple(_by_team(answers, g, threshold)),
            quotes=_quotes(answers, g, redact),
            emerging=g.emerging,
            members=g.members,
        )
        for g in sorted(shown, key=lambda g: (-len(g.members), g.name))
    )
    withheld = len(groups) - len(shown)
    note = copy("themes.note.offline", method=described or method)
    if withheld:
        note += " " + copy(
            "themes.note.withheld", withheld=texts.themes(withheld), threshold=threshold
        )
    return ThemeReport(method=method, themes=themes, narrative=None, note=note)


def check_threshold(threshold: int) -> int:
    if threshold < MIN_THRESHOLD:
        raise ValueError(f"the anonymity threshold is at least {MIN_THRESHOLD}, got {threshold}")
    return threshold


def offline_themes(
    answers: Sequence[ThemeAnswer],
    taxonomy: Sequence[TaxonomyTheme],
    *,
    threshold: int,
    method: str | None = None,
    names: Sequence[str] = (),
    precision: Precision | None = None,
) -> ThemeReport:
    """Themes of the answers: by sentence embeddings when the ``themes`` extra is installed, else by
    word counts (``method`` forces one); the report's ``method`` and ``note`` say which ran.
    An answer naming one of ``names`` (members' names) or holding contact details is never quoted.
    ``precision`` is the embeddings' arithmetic (default: the one this CPU computes natively).
    """
    check_threshold(threshold)
    chosen = method or (EMBEDDINGS if embeddings.available() else WORDS)
    if respondents(answers, range(len(answers))) < threshold:
        return ThemeReport(
            method=chosen,
            themes=(),
            narrative=None,
            note=copy("themes.note.too_few", threshold=threshold),
        )
    texts = [a.text for a in answers]
    fallback_note = ""
    if chosen == EMBEDDINGS and not embeddings.available():
        chosen, fallback_note = WORDS, " " + copy("themes.note.no_extra")
    try:
        _, groups, name = label_answers(
            texts, taxonomy, chosen, threshold=threshold, precision=precision
        )
    except (ImportError, OSError, RuntimeError) as error:
        if chosen != EMBEDDINGS:
            raise
        log.warning("sentence embeddings failed (%s); theming by word counts", type(error).__name__)
        chosen = WORDS
        _, groups, name = label_answers(texts, taxonomy, WORDS, threshold=threshold)
        fallback_note = " " + copy("themes.note.no_model")
    report = build_report(answers, groups, chosen, threshold, described=name, names=names)
    if fallback_note:
        return ThemeReport(report.method, report.themes, None, report.note + fallback_note)
    return report
