"""Word counts: a TF-IDF vectoriser in numpy, the fallback when the ``themes`` extra is absent, and
the key phrases that name emerging themes (for either method)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

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
COMMON_SHARE = 0.4  # a phrase after the first names at least this share of the group's answers
RUNNER_UP = 0.5  # … and scores at least this share of the best phrase's score


def stem(word: str) -> str:
    """A crude stem, enough for counting: strips a few English endings."""
    word = word.strip("'")
    for suffix in ("ing", "edly", "ed", "ies", "es", "s", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def terms(text: str) -> list[str]:
    """The stemmed content words of a text, in order."""
    return [stem(w) for w in TOKEN.findall(text.lower()) if w not in STOPWORDS and len(w) > 2]


class WordCounts:
    """TF-IDF vectors, fitted on the documents given to ``fit``; rows are L2-normalised."""

    name = "word counts (TF-IDF)"

    def __init__(self) -> None:
        self._vocab: dict[str, int] = {}
        self._idf: npt.NDArray[np.float32] = np.zeros(0, dtype=np.float32)

    def fit(self, documents: Sequence[str]) -> WordCounts:
        frequency: Counter[str] = Counter()
        for doc in documents:
            frequency.update(set(terms(doc)))
        self._vocab = {term: i for i, term in enumerate(sorted(frequency))}
        n = len(documents)
        idf = [np.log((1 + n) / (1 + frequency[t])) + 1.0 for t in sorted(frequency)]
        self._idf = np.asarray(idf, dtype=np.float32)
        return self

    def vectors(self, texts: Sequence[str]) -> Matrix:
        out = np.zeros((len(texts), len(self._vocab)), dtype=np.float32)
        for row, text in enumerate(texts):
            for term, count in Counter(terms(text)).items():
                col = self._vocab.get(term)
                if col is not None:
                    out[row, col] = (1.0 + np.log(count)) * self._idf[col]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        normalised: Matrix = out / np.maximum(norms, 1e-9)
        return normalised


def key_phrases(group: Sequence[str], corpus: Sequence[str], *, top: int = 3) -> list[str]:
    """The words and two-word phrases most distinctive of ``group`` against ``corpus``."""

    def grams(text: str) -> set[str]:
        words = [w for w in TOKEN.findall(text.lower()) if w not in STOPWORDS and len(w) > 2]
        return set(words) | {f"{a} {b}" for a, b in zip(words, words[1:], strict=False)}

    inside: Counter[str] = Counter()
    for text in group:
        inside.update(grams(text))
    overall: Counter[str] = Counter()
    for text in corpus:
        overall.update(grams(text))
    # How much of the group uses it, times how much more often than the corpus at large.
    scored = sorted(
        ((count / len(group)) * np.log(1 + count * len(corpus) / (len(group) * overall[g])), g)
        for g, count in inside.items()
        if count >= 2 or len(group) < 2
    )
    if not scored:
        return []
    # The best phrase names the group; others join it only where they are nearly as telling and
    # shared by a good part of the group (not two answers that say "every day").
    best = scored[-1][0]
    common = max(2, int(np.ceil(COMMON_SHARE * len(group))))
    chosen: list[str] = []
    for score, gram in reversed(scored):
        if chosen and (score < RUNNER_UP * best or inside[gram] < common):
            continue
        if any(gram in c or c in gram for c in chosen):
            continue
        chosen.append(gram)
        if len(chosen) == top:
            break
    return chosen
