"""A community's theme taxonomy: the default one until an admin edits it, then its own copy,
stored as YAML in the shape of ``prompts/themes.yaml``."""

from __future__ import annotations

import logging

from bot import texts
from bot.errors import InputError
from bot.messages import Message, Text
from bot.services.context import Context
from bot.store.models import CommunityRow
from bot.taxonomy_commands import (
    EXAMPLE,
    USAGE,
    AddTheme,
    ListThemes,
    RemoveTheme,
    ResetThemes,
    ThemesCommand,
)
from bot.texts import copy
from bot.themes.taxonomy import (
    TaxonomyTheme,
    check_taxonomy,
    default_taxonomy,
    dump_taxonomy,
    parse_taxonomy,
)

log = logging.getLogger(__name__)


def taxonomy_of(community: CommunityRow) -> tuple[TaxonomyTheme, ...]:
    """The community's themes: its own copy, or the default where it has none (or, logged, where
    its stored copy no longer reads)."""
    if community.taxonomy is None:
        return default_taxonomy()
    try:
        return parse_taxonomy(community.taxonomy)
    except ValueError as error:
        log.error("community %s: stored taxonomy unreadable (%s)", community.id, error)
        return default_taxonomy()


def set_taxonomy(community: CommunityRow, source: str | None) -> tuple[TaxonomyTheme, ...]:
    """Store ``source`` (YAML, checked; a ValueError says what is wrong) as the community's
    taxonomy, or go back to the default with None."""
    if source is None:
        community.taxonomy = None
        return default_taxonomy()
    themes = parse_taxonomy(source)
    community.taxonomy = dump_taxonomy(themes)
    return themes


async def handle(ctx: Context, command: ThemesCommand) -> Message:
    community = ctx.community
    themes = list(taxonomy_of(community))
    match command:
        case ListThemes():
            return Text(_listing(themes, own=community.taxonomy is not None))
        case ResetThemes():
            set_taxonomy(community, None)
            return Text(copy("themes.reset", count=texts.themes(len(default_taxonomy()))))
        case RemoveTheme(id=theme_id):
            kept = [t for t in themes if t.id != theme_id]
            if len(kept) == len(themes):
                known = ", ".join(t.id for t in themes)
                raise InputError(
                    f"there is no theme '{theme_id[:40]}'; there are: {known}",
                    usage=USAGE,
                    example="themes remove tools",
                )
            if not kept:
                raise InputError(
                    "that is the last theme; add another first, or say `themes reset`",
                    usage=USAGE,
                    example=EXAMPLE,
                )
            _store(community, kept)
            return Text(copy("themes.removed", id=theme_id, count=texts.themes(len(kept))))
        case AddTheme(theme=theme):
            replaced = any(t.id == theme.id for t in themes)
            changed = [theme if t.id == theme.id else t for t in themes]
            if not replaced:
                changed.append(theme)
            _store(community, changed)
            count = texts.themes(len(changed))
            if replaced:
                return Text(copy("themes.replaced", id=theme.id, name=theme.name, count=count))
            return Text(copy("themes.added", id=theme.id, name=theme.name, count=count))


def _store(community: CommunityRow, themes: list[TaxonomyTheme]) -> None:
    try:
        community.taxonomy = dump_taxonomy(check_taxonomy(themes))
    except ValueError as error:
        raise InputError(str(error), usage=USAGE, example="themes remove tools") from None


def _listing(themes: list[TaxonomyTheme], *, own: bool) -> str:
    if own:
        heading = copy("themes.heading_own", count=texts.themes(len(themes)))
    else:
        heading = copy("themes.heading_default", count=texts.themes(len(themes)))
    lines = [copy("themes.line", id=t.id, name=t.name, description=t.description) for t in themes]
    return "\n".join([heading, *lines, copy("themes.footer")])
