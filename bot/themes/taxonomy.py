"""The theme taxonomy and the value objects of a themes report (plain frozen data, no I/O but the
one read of ``prompts/themes.yaml``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml


@dataclass(frozen=True)
class ThemeAnswer:
    """One reflection answer; ``team`` is None where it is withheld (anonymous answers).

    ``respondent`` is who answered where that is known (named check-ins); ``slot`` the question
    answered (a check-in's question, which each person answers at most once). An answer with
    neither counts as a respondent of its own."""

    text: str
    team: str | None
    respondent: str | None = None
    slot: str | None = None


@dataclass(frozen=True)
class TaxonomyTheme:
    """A theme of the taxonomy: answers are assigned to it by similarity of meaning."""

    id: str
    name: str
    description: str
    examples: tuple[str, ...]


@dataclass(frozen=True)
class Theme:
    """A theme as the digest shows it; every figure in it is over at least the threshold of
    respondents. ``count`` is of answers; ``respondents`` the fewest people who could have given
    them. ``members`` holds the indexes of its answers in the input, for the LLM step; it is never
    shown."""

    name: str
    count: int
    respondents: int
    by_team: tuple[tuple[str, int], ...]
    quotes: tuple[str, ...]
    emerging: bool
    members: tuple[int, ...] = field(default=(), repr=False, compare=False)


@dataclass(frozen=True)
class ThemeReport:
    """The themes of a set of answers, which method made them, and a note for the reader."""

    method: str
    themes: tuple[Theme, ...]
    narrative: str | None
    note: str


def _theme(raw: Any) -> TaxonomyTheme:
    examples = raw.get("examples") or ()
    return TaxonomyTheme(
        id=str(raw["id"]),
        name=str(raw["name"]),
        description=str(raw.get("description", "")),
        examples=tuple(str(e) for e in examples),
    )


def parse_taxonomy(source: str) -> tuple[TaxonomyTheme, ...]:
    """Parse a taxonomy in the shape of ``prompts/themes.yaml`` (a community's edited copy too)."""
    data = yaml.safe_load(source)
    themes = tuple(_theme(raw) for raw in data["themes"])
    ids = [t.id for t in themes]
    if len(set(ids)) != len(ids):
        raise ValueError(f"theme ids must be unique, got {ids}")
    return themes


def default_taxonomy() -> tuple[TaxonomyTheme, ...]:
    """The default taxonomy of common workplace themes, from ``prompts/themes.yaml``."""
    source = resources.files("prompts").joinpath("themes.yaml").read_text(encoding="utf-8")
    return parse_taxonomy(source)
