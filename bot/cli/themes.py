"""`bridgework themes export|import|reset`: a community's themes for the digest, as YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli._base import CommunityOption, app, err, out, shown_path, with_core
from bot.core import Core

themes_app = typer.Typer(
    help="A community's themes for the digest, as YAML (the shape of prompts/themes.yaml).",
    no_args_is_help=True,
)
app.add_typer(themes_app, name="themes")


@themes_app.command("export")
def themes_export(community: CommunityOption) -> None:
    """Print the community's themes as YAML, to edit and import."""

    async def go(core: Core) -> str:
        return await core.taxonomy(community)

    print(with_core(go), end="")


@themes_app.command("import")
def themes_import(
    community: CommunityOption,
    file: Annotated[Path, typer.Argument(help="A YAML file in the shape of prompts/themes.yaml.")],
) -> None:
    """Replace the community's themes by those in FILE (checked first; nothing changes if bad)."""
    try:
        source = file.read_text(encoding="utf-8")
    except (OSError, ValueError) as error:  # UnicodeDecodeError is a ValueError; so is a NUL
        problem = getattr(error, "strerror", None) or type(error).__name__
        err.print(f"Cannot read {shown_path(file)}: {problem}", markup=False)
        raise typer.Exit(2) from None

    async def go(core: Core) -> int:
        return await core.set_taxonomy(community, source)

    out.print(f"Community {community} now has {with_core(go)} themes.")


@themes_app.command("reset")
def themes_reset(community: CommunityOption) -> None:
    """Go back to the default themes."""

    async def go(core: Core) -> int:
        return await core.set_taxonomy(community, None)

    out.print(f"Community {community} is back to the default {with_core(go)} themes.")
