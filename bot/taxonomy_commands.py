"""The `themes` command: a community's taxonomy of themes for the digest, listed by leads and
edited by admins."""

from __future__ import annotations

from dataclasses import dataclass

from bot.errors import InputError
from bot.themes.taxonomy import TaxonomyTheme, check_theme

USAGE = 'themes [list] | themes add ID "NAME" "DESCRIPTION" ["EXAMPLE" …] | remove ID | reset'
EXAMPLE = (
    'themes add parking "Parking" "Finding a parking space near the office" '
    '"circled the car park for ages"'
)


@dataclass(frozen=True)
class ListThemes:
    pass


@dataclass(frozen=True)
class AddTheme:
    """Add ``theme``, or replace the theme with its id."""

    theme: TaxonomyTheme


@dataclass(frozen=True)
class RemoveTheme:
    id: str


@dataclass(frozen=True)
class ResetThemes:
    pass


ThemesCommand = ListThemes | AddTheme | RemoveTheme | ResetThemes


def parse_themes(args: list[str]) -> ThemesCommand:
    """``args`` are the words after `themes`, split like a shell (texts in quotes)."""
    action = args[0].lower() if args else "list"
    rest = args[1:]
    if action == "list" and not rest:
        return ListThemes()
    if action == "reset" and not rest:
        return ResetThemes()
    if action == "remove" and len(rest) == 1:
        return RemoveTheme(rest[0].lower())
    if action == "add" and len(rest) >= 3:
        theme = TaxonomyTheme(
            id=rest[0].lower(),
            name=" ".join(rest[1].split()),
            description=" ".join(rest[2].split()),
            examples=tuple(" ".join(e.split()) for e in rest[3:]),
        )
        try:
            return AddTheme(check_theme(theme))
        except ValueError as error:
            raise InputError(str(error), usage=USAGE, example=EXAMPLE) from None
    problems = {
        "add": "say the theme's id, its name and a description, each name and text in quotes",
        "remove": "say the id of one theme to remove",
    }
    raise InputError(
        problems.get(action, "say list, add, remove or reset"), usage=USAGE, example=EXAMPLE
    )
