"""`bridgework community add|list`: set up communities from the command line."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from bot.cli._base import app, load_and_log, out, run_async
from bot.domain import Platform

community_app = typer.Typer(help="Set up communities from the command line.", no_args_is_help=True)
app.add_typer(community_app, name="community")


@community_app.command("add")
def community_add(
    workspace: Annotated[
        str, typer.Option(help="Slack team id, Discord guild id or console space.")
    ],
    channel: Annotated[str, typer.Option(help="The channel the community lives in.")],
    name: Annotated[str, typer.Option(help="A name people recognise.")],
    platform: Annotated[
        Platform, typer.Option(help="slack | discord | console")
    ] = Platform.CONSOLE,
    timezone: Annotated[str, typer.Option(help="The community's time zone.")] = "UTC",
) -> None:
    """Add a community (or show the existing one for that channel)."""
    from bot.commands import check_timezone
    from bot.core import open_core

    async def go() -> int:
        check_timezone(timezone)
        core = await open_core(load_and_log())
        try:
            return await core.ensure_community(
                platform, workspace, channel, name=name, timezone=timezone
            )
        finally:
            await core.close()

    out.print(f"Community {run_async(go())}: {name} ({platform.value} {workspace} #{channel}).")


@community_app.command("list")
def community_list() -> None:
    """List the communities."""
    from bot.store import migrate, repo
    from bot.store.db import Database

    async def go() -> list[tuple[int, str, str, str, str, str]]:
        db = Database(load_and_log().database, create=False)
        try:
            db.require()  # never create a database at a mistyped path just to list it
            await migrate.upgrade(db)
            async with db.session() as session:
                return [
                    (r.id, r.platform, r.workspace, r.channel, r.name, r.timezone)
                    for r in await repo.communities(session)
                ]
        finally:
            await db.dispose()

    table = Table("id", "platform", "workspace", "channel", "name", "time zone")
    for row in run_async(go()):
        table.add_row(*(str(v) for v in row))
    out.print(table)
