"""The theme taxonomy and the value objects of a themes report (plain frozen data, no I/O but the
one read of ``prompts/themes.yaml``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
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


MAX_THEMES = 30
MAX_EXAMPLES = 8
ID_PATTERN = re.compile(r"[a-z][a-z0-9-]{0,39}")
LIMITS = {"name": 60, "description": 400, "example": 200}


def check_theme(theme: TaxonomyTheme) -> TaxonomyTheme:
    """``theme`` if it is well formed, else a ValueError that says what is wrong."""
    if not ID_PATTERN.fullmatch(theme.id):
        raise ValueError(
            f"theme id '{theme.id[:40]}' must be lower-case letters, digits and dashes, "
            "starting with a letter (40 at most)"
        )
    for field_name, value in (("name", theme.name), ("description", theme.description)):
        if not value.strip():
            raise ValueError(f"theme '{theme.id}' needs a {field_name}")
        if len(value) > LIMITS[field_name]:
            raise ValueError(
                f"theme '{theme.id}': the {field_name} is {len(value)} characters; "
                f"{LIMITS[field_name]} at most"
            )
    if len(theme.examples) > MAX_EXAMPLES:
        raise ValueError(
            f"theme '{theme.id}' has {len(theme.examples)} examples; {MAX_EXAMPLES} at most"
        )
    for example in theme.examples:
        if not example.strip() or len(example) > LIMITS["example"]:
            raise ValueError(
                f"theme '{theme.id}': each example is 1 to {LIMITS['example']} characters"
            )
    return theme


def check_taxonomy(themes: Sequence[TaxonomyTheme]) -> tuple[TaxonomyTheme, ...]:
    """``themes`` if they make a usable taxonomy (1 to 30 well-formed themes, unique ids)."""
    if not themes:
        raise ValueError("a taxonomy needs at least one theme")
    if len(themes) > MAX_THEMES:
        raise ValueError(f"a taxonomy has {MAX_THEMES} themes at most, got {len(themes)}")
    ids = [check_theme(t).id for t in themes]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise ValueError(f"theme ids must be unique; repeated: {', '.join(repeated)}")
    return tuple(themes)


def _theme(raw: Any, number: int) -> TaxonomyTheme:
    if not isinstance(raw, dict):
        raise ValueError(f"theme {number} is not a mapping of id, name, description, examples")
    missing = [key for key in ("id", "name", "description") if key not in raw]
    if missing:
        raise ValueError(f"theme {number} has no {', '.join(missing)}")
    examples = raw.get("examples") or []
    if not isinstance(examples, list) or not all(isinstance(e, str) for e in examples):
        raise ValueError(f"theme {number}: examples must be a list of texts")
    return TaxonomyTheme(
        id=str(raw["id"]),
        name=" ".join(str(raw["name"]).split()),
        description=" ".join(str(raw["description"]).split()),
        examples=tuple(" ".join(str(e).split()) for e in examples),
    )


def parse_taxonomy(source: str) -> tuple[TaxonomyTheme, ...]:
    """Parse and check a taxonomy in the shape of ``prompts/themes.yaml`` (a community's edited
    copy too); a ValueError says what is wrong."""
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ValueError(f"the taxonomy is not valid YAML{where}") from None
    if not isinstance(data, dict) or not isinstance(data.get("themes"), list):
        raise ValueError("the taxonomy needs a `themes:` list")
    return check_taxonomy([_theme(raw, n) for n, raw in enumerate(data["themes"], start=1)])


def dump_taxonomy(themes: Sequence[TaxonomyTheme]) -> str:
    """``themes`` as YAML that ``parse_taxonomy`` reads back to the same themes."""
    data = {
        "themes": [
            {
                "id": t.id,
                "name": t.name,
                "description": t.description,
                **({"examples": list(t.examples)} if t.examples else {}),
            }
            for t in themes
        ]
    }
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=4096)


class _Dumper(yaml.SafeDumper):
    """Indents lists under their key, as ``prompts/themes.yaml`` is written."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def default_taxonomy() -> tuple[TaxonomyTheme, ...]:
    """The default taxonomy of common workplace themes, from ``prompts/themes.yaml``."""
    source = resources.files("prompts").joinpath("themes.yaml").read_text(encoding="utf-8")
    return parse_taxonomy(source)
