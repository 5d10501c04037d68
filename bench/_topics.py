"""How the other-topics catalogue does on a subject it does not hold: for each theme of the unseen
test split that the default taxonomy lacks and the catalogue holds (pay, safety, facilities, job
security; the catalogue was written knowing these four exist), the catalogue's topic of that id is
taken out and the split themed again. Reported: the split's ARI and accuracy, and the share of
that theme's answers kept apart from the taxonomy's themes (in an emerging theme most of whose
answers share it, or in none), against the same share with the whole catalogue."""

from __future__ import annotations

from collections import Counter

from rich.table import Table

from bot.themes import EMBEDDINGS, default_taxonomy, label_answers
from bot.themes.embeddings import Model, Precision
from bot.themes.topics import other_topics
from tests.bot.themes.factories import accuracy, adjusted_rand_index, unseen


def _apart(found: list[str], rows: list[dict[str, str]], theme: str) -> float:
    """The share of ``theme``'s answers in none or in an emerging theme it is the most of."""
    majority = {
        label: Counter(
            r["label"] for f, r in zip(found, rows, strict=True) if f == label
        ).most_common(1)[0][0]
        for label in set(found)
        if label.startswith("emerging:")
    }
    ours = [f for f, r in zip(found, rows, strict=True) if r["label"] == theme]
    return sum(f == "none" or majority.get(f) == theme for f in ours) / max(1, len(ours))


def held_out(precision: Precision | None, model: Model) -> list[list[float | str]]:
    """Per held-out topic (and ``all`` first, nothing held out): ARI, accuracy, and the share of
    each held-out theme's answers kept apart with and without its topic."""
    rows = unseen("test")
    texts, truth = [r["text"] for r in rows], [r["label"] for r in rows]
    taxonomy = default_taxonomy()
    ids = [t.id for t in taxonomy]
    lacking = sorted({r["label"] for r in rows} - set(ids))
    whole, _, _ = label_answers(texts, taxonomy, EMBEDDINGS, precision=precision, model=model)
    out: list[list[float | str]] = [
        ["none", adjusted_rand_index(truth, whole), accuracy(whole, rows, ids), float("nan")]
    ]
    for theme in (t for t in lacking if t in {topic.id for topic in other_topics()}):
        topics = [t for t in other_topics() if t.id != theme]
        found, _, _ = label_answers(
            texts, taxonomy, EMBEDDINGS, precision=precision, topics=topics, model=model
        )
        out.append(
            [
                theme,
                adjusted_rand_index(truth, found),
                accuracy(found, rows, ids),
                _apart(found, rows, theme),
                _apart(whole, rows, theme),
            ]
        )
    return out


def table(label: str, figures: list[list[float | str]]) -> Table:
    out = Table(title=f"Other topics held out, unseen test split, default taxonomy ({label})")
    for column in ("topic held out", "ARI", "accuracy", "its answers apart", "with its topic"):
        out.add_column(column, justify="left" if column == "topic held out" else "right")
    for row in figures:
        theme, ari, acc, apart = row[0], float(row[1]), float(row[2]), float(row[3])
        if theme == "none":
            out.add_row("none (whole catalogue)", f"{ari:.3f}", f"{acc:.1%}", "–", "–")
        else:
            out.add_row(str(theme), f"{ari:.3f}", f"{acc:.1%}", f"{apart:.0%}", f"{row[4]:.0%}")
    return out
