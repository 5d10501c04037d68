"""`bridgework role grant|revoke|link|unlink|list`: who holds which role, from the command line
(the same as an admin's `role …` in chat)."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli._base import CommunityOption, app, out, with_core
from bot.core import Core

role_app = typer.Typer(
    help="Grant and revoke facilitator, lead and admin; list who holds what.",
    no_args_is_help=True,
)
app.add_typer(role_app, name="role")

Person = Annotated[
    str, typer.Argument(help="The person's platform id (Slack U…, Discord snowflake, console id).")
]
RoleName = Annotated[str, typer.Argument(help="facilitator | lead | admin")]


@role_app.command("grant")
def role_grant(person: Person, role: RoleName, community: CommunityOption) -> None:
    """Make PERSON a facilitator, lead or admin of the community; they are told privately."""
    _run(community, ["grant", _mention(person), role])


@role_app.command("revoke")
def role_revoke(person: Person, role: RoleName, community: CommunityOption) -> None:
    """Take a granted role back from PERSON."""
    _run(community, ["revoke", _mention(person), role])


@role_app.command("link")
def role_link(
    role: RoleName,
    name: Annotated[str, typer.Argument(help="A Discord role's or Slack user group's name.")],
    community: CommunityOption,
) -> None:
    """Make everyone with a platform role (Discord) or user group (Slack) a ROLE here."""
    _run(community, ["link", role, name])


@role_app.command("unlink")
def role_unlink(
    role: RoleName,
    name: Annotated[str, typer.Argument(help="A linked role's or user group's name.")],
    community: CommunityOption,
) -> None:
    """Undo `role link`."""
    _run(community, ["unlink", role, name])


@role_app.command("list")
def role_list(community: CommunityOption) -> None:
    """Who holds which role in the community."""
    _run(community, ["list"])


def _mention(person: str) -> str:
    return person if person.startswith(("@", "<@")) else f"@{person}"


def _run(community: int, words: list[str]) -> None:
    from bot.role_commands import parse_role

    async def go(core: Core) -> str:
        return await core.roles(community, parse_role(words))

    out.print(with_core(go), markup=False)
