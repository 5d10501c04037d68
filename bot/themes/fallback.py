"""Word counts: a TF-IDF vectoriser in numpy, the fallback when the ``themes`` extra is absent, and
the phrases that name emerging themes (for either method)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix

Matrix = npt.NDArray[np.float32]

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are aren't as at be because been
    before being below between both but by can can't cannot could did didn't do does doesn't doing
    don't down during each even ever every few for from further get gets getting got had has have
    having he her here hers him his how i i'd i'll i'm i've if in into is isn't it it's its itself
    just let's like lot lots me more most much my myself no nor not now of off on once one only or
    other our ours out over own really same she should so some still such than that that's the their
    them then there these they this those through to too under until up us very was wasn't we we're
    were weren't what when where which while who whom why will with would you your yours yourself
    feel feels felt make makes made thing things bit tbh honestly week lately always never actually
    im dont cant isnt didnt doesnt ive thats theyre""".split()
)
TOKEN = re.compile(r"[a-z][a-z']+")
NUMBER_WORDS = frozenset(
    """zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
    sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety
    hundred thousand million first second third fourth fifth once twice half dozen couple
    several""".split()
)
PHRASE_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
PHRASE_SHARE = 0.3  # an emerging theme's name is in at least this share of its answers


@lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """A crude stem, enough for counting: strips a few English endings (kept per word: 10,000
    answers hold a few thousand words, over 100,000 times)."""
    word = word.strip("'")
    for suffix in ("ing", "edly", "ed", "ies", "es", "s", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def terms(text: str) -> list[str]:
    """The stemmed content words of a text, in order."""
    return [stem(w) for w in TOKEN.findall(text.lower()) if w not in STOPWORDS and len(w) > 2]


@lru_cache(maxsize=16_384)
def _term_counts(text: str) -> Counter[str]:
    """``terms`` counted (never changed by callers), kept for the texts seen last: fitting and
    then scoring 10,000 answers read each twice."""
    return Counter(terms(text))


class WordCounts:
    """TF-IDF vectors, fitted on the documents given to ``fit``; rows are L2-normalised."""

    name = "word counts (TF-IDF)"

    def __init__(self) -> None:
        self._vocab: dict[str, int] = {}
        self._idf: npt.NDArray[np.float32] = np.zeros(0, dtype=np.float32)

    def fit(self, documents: Sequence[str]) -> WordCounts:
        frequency: Counter[str] = Counter()
        for doc in documents:
            frequency.update(_term_counts(doc).keys())
        self._vocab = {term: i for i, term in enumerate(sorted(frequency))}
        n = len(documents)
        idf = [np.log((1 + n) / (1 + frequency[t])) + 1.0 for t in sorted(frequency)]
        self._idf = np.asarray(idf, dtype=np.float32)
        return self

    def vectors(self, texts: Sequence[str]) -> Matrix:
        out = np.zeros((len(texts), len(self._vocab)), dtype=np.float32)
        for row, text in enumerate(texts):
            for term, count in _term_counts(text).items():
                col = self._vocab.get(term)
                if col is not None:
                    out[row, col] = (1.0 + np.log(count)) * self._idf[col]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        normalised: Matrix = out / np.maximum(norms, 1e-9)
        return normalised

    def similarity(self, texts: Sequence[str], documents: Sequence[str]) -> Matrix:
        """Each text's cosine similarity to each of ``documents`` (few): the same as
        ``vectors(texts) @ vectors(documents).T`` through a sparse matrix, never a dense
        texts × vocabulary one (10,000 answers over 20,000 words would take 800 MB)."""
        rows: list[int] = []
        cols: list[int] = []
        counts: list[int] = []
        for row, text in enumerate(texts):
            for term, count in _term_counts(text).items():
                col = self._vocab.get(term)
                if col is not None:
                    rows.append(row)
                    cols.append(col)
                    counts.append(count)
        weights = (1.0 + np.log(np.asarray(counts, dtype=np.float32))) * self._idf[cols]
        shape = (len(texts), len(self._vocab))
        matrix = csr_matrix((weights.astype(np.float32), (rows, cols)), shape=shape)
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        products = np.asarray(matrix @ self.vectors(documents).T, dtype=np.float32)
        out: Matrix = products / np.maximum(norms, 1e-9)[:, None]
        return out


def _content(word: str) -> bool:
    return (
        len(word) > 2
        and word not in STOPWORDS
        and word not in NUMBER_WORDS
        and not any(c.isdigit() for c in word)
    )


def phrases(text: str) -> set[str]:
    """The 2–4 word phrases of ``text`` (lower case) that start and end on a content word: not a
    stop word, a number word or a figure."""
    words = PHRASE_TOKEN.findall(text.lower())
    found = set()
    for n in (2, 3, 4):
        for i in range(len(words) - n + 1):
            gram = words[i : i + n]
            if _content(gram[0]) and _content(gram[-1]):
                found.add(" ".join(gram))
    return found


@lru_cache(maxsize=16_384)
def _phrases_of(text: str) -> frozenset[str]:
    """``phrases``, kept for the texts seen last: every emerging cluster looks through the whole
    corpus, and 10,000 answers' phrases took seconds a cluster."""
    return frozenset(phrases(text))


@lru_cache(maxsize=16_384)
def _spaced(text: str) -> str:
    """The words of ``text`` (as ``phrases`` reads them) between single spaces: a phrase of
    ``phrases(text)`` is in it, between spaces, exactly where it is one of the text's phrases (a
    scan for the few phrases wanted, not every phrase of 10,000 answers)."""
    return f" {' '.join(PHRASE_TOKEN.findall(text.lower()))} "


def theme_phrases(group: Sequence[str], corpus: Sequence[str], *, top: int = 3) -> list[str]:
    """Names for an emerging theme of the answers ``group`` among ``corpus`` (which holds them):
    2–4 word phrases from the group's own answers, each in at least ``PHRASE_SHARE`` of them and
    more common in the group than in the rest, ranked by class-based TF-IDF (share of the group
    using it, times how rare it is in the corpus); each next one shares no content word with those
    before it (diversity). The first names the theme; none where no phrase qualifies."""
    if not group:
        return []
    inside: Counter[str] = Counter()
    for text in group:
        inside.update(_phrases_of(text))
    need = max(2, int(np.ceil(PHRASE_SHARE * len(group))))
    wanted = {p for p, n in inside.items() if n >= need}
    if not wanted:
        return []
    overall: Counter[str] = Counter()
    for text in corpus:
        spaced = _spaced(text)
        overall.update(p for p in wanted if f" {p} " in spaced)
    rest = max(1, len(corpus) - len(group))
    scored = sorted(
        (
            (
                -(inside[p] / len(group)) * np.log(1 + len(corpus) / overall[p]),
                -len(p.split()),
                p,
            )
            for p in wanted
            if inside[p] / len(group) > (overall[p] - inside[p]) / rest
        ),
    )
    chosen: list[str] = []
    used: set[str] = set()
    for _, _, phrase in scored:
        words = {w for w in phrase.split() if _content(w)}
        if words & used:
            continue
        chosen.append(phrase)
        used |= words
        if len(chosen) == top:
            break
    return chosen
