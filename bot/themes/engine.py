"""Offline theming: label the answers (``labelling``) and build a report that keeps the anonymity
rules."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence

from bot import texts
from bot.texts import copy
from bot.themes import embeddings
from bot.themes.embeddings import Model, Precision
from bot.themes.guard import looks_like_instruction
from bot.themes.labelling import EMBEDDINGS, WORDS, Group, label_answers
from bot.themes.redact import Redactor
from bot.themes.taxonomy import TaxonomyTheme, Theme, ThemeAnswer, ThemeReport

__all__ = ["EMBEDDINGS", "WORDS", "Group", "build_report", "label_answers", "offline_themes"]

log = logging.getLogger(__name__)

MIN_THRESHOLD = 3
MAX_QUOTES = 2


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
    """The most representative answers that may be quoted (see ``quotable``): the members are
    ranked most representative first, so the search stops at the first ``MAX_QUOTES`` (redacting
    every answer of a 5,000-answer theme took most of the time of theming 10,000 answers)."""
    quotes: dict[str, None] = {}
    for i in group.members:
        text = answers[i].text
        if text not in quotes and quotable(text, redact):
            quotes[text] = None
            if len(quotes) == MAX_QUOTES:
                break
    return tuple(quotes)


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
    themed = {i for g in groups for i in g.members}
    unthemed = sum(i not in themed for i in range(len(answers)))
    if unthemed == 1:
        note += " " + copy("themes.note.unthemed_one")
    elif unthemed:
        note += " " + copy("themes.note.unthemed", answers=texts.answers(unthemed))
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
    model: Model | None = None,
) -> ThemeReport:
    """Themes of the answers: by sentence embeddings when the ``themes`` extra is installed, else by
    word counts (``method`` forces one); the report's ``method`` and ``note`` say which ran.
    An answer naming one of ``names`` (members' names) or holding contact details is never quoted.
    ``precision`` and ``model`` are the embeddings' (default: ``embeddings.model_for`` and
    ``precision_for`` the number of answers).
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
            texts, taxonomy, chosen, threshold=threshold, precision=precision, model=model
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
