"""`bridgework community add|list|sync`: set up communities from the command line."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from bot.cli._base import CommunityOption, app, err, load_and_log, out, run_async
from bot.domain import Platform
from bot.errors import InputError, PlatformUnavailable
from bot.events import safe_text

if TYPE_CHECKING:
    from bot.core import Core
    from bot.services.member_sync import SyncReport
    from bot.settings import Settings

community_app = typer.Typer(help="Set up communities from the command line.", no_args_is_help=True)
app.add_typer(community_app, name="community")


MAX_NAME = 120  # the communities table's name column


@community_app.command("add")
def community_add(
    workspace: Annotated[
        str,
        typer.Option(
            help="Slack team id (an Enterprise Grid org-wide install: the org's E… id), "
            "Discord guild id or console space."
        ),
    ],
    channel: Annotated[str, typer.Option(help="The channel the community lives in.")],
    name: Annotated[str, typer.Option(help="A name people recognise.")],
    platform: Annotated[
        Platform, typer.Option(help="slack | discord | console")
    ] = Platform.CONSOLE,
    timezone: Annotated[str, typer.Option(help="The community's time zone.")] = "UTC",
) -> None:
    """Add a community (or show the existing one for that channel), and enrol the people in
    its channel (where this process has the platform's credentials)."""
    from bot.commands import check_timezone
    from bot.core import open_core
    from bot.runtime import platforms_configured

    name = " ".join(safe_text(name).split())  # argv that was not UTF-8 is stored as UTF-8
    if not 1 <= len(name) <= MAX_NAME:
        shown = "an empty name" if not name else f"{len(name)} characters"
        raise typer.BadParameter(
            f"{shown}: name it in 1 to {MAX_NAME} characters, as in --name Coffee",
            param_hint="--name",
        )

    async def go() -> None:
        check_timezone(timezone)
        settings = load_and_log()
        check_ids(platform, workspace, channel)
        core = await open_core(settings)
        try:
            known = await core.communities(platform, workspace)
            existing = next((c for c in known if c.channel == channel), None)
            # a Slack app installed by OAuth (no bot token of the operator's): the workspace's own
            oauth = platform is Platform.SLACK and bool(
                settings.slack_client_id and settings.slack_bot_token is None
            )
            cid = await core.ensure_community(
                platform, workspace, channel, name=name, timezone=timezone, oauth=oauth
            )
            kept = existing.name if existing is not None else name
            out.print(f"Community {cid}: {kept} ({platform.value} {workspace} #{channel}).")
            if existing is not None and kept != name:
                out.print(f"It already exists under that name; --name {name} was not applied.")
            elif existing is not None:
                out.print("It already exists.")
            if platform is Platform.CONSOLE:
                return
            if platform not in platforms_configured(settings):
                err.print(
                    f"Its members are synced once {platform.value}'s credentials are set: "
                    f"bridgework community sync --community {cid}"
                )
                return
            try:
                await _sync(core, settings, cid)
            except PlatformUnavailable:
                err.print(
                    f"Its members are not synced yet: once {platform.value} answers, "
                    f"bridgework community sync --community {cid}"
                )
                raise
        finally:
            await core.close()

    run_async(go())


@community_app.command("sync")
def community_sync(community: CommunityOption) -> None:
    """Read who is in the community's channel now: enrol newcomers, mark who left, and say who
    was left out and why."""
    from bot.core import open_core

    async def go() -> None:
        settings = load_and_log()
        core = await open_core(settings)
        try:
            await _sync(core, settings, community)
        finally:
            await core.close()

    run_async(go())


async def _sync(core: Core, settings: Settings, community: int) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from bot.runtime import sync_members

    with Progress(
        TextColumn("Reading members"), BarColumn(), MofNCompleteColumn(), console=err
    ) as bar:
        task = bar.add_task("members", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        report = await sync_members(core, settings, community, progress=progress)
    out.print(summary(community, report))


def summary(community: int, report: SyncReport | None) -> str:
    """What a sync did, in one paragraph for a person."""
    if report is None:
        return f"Community {community} lives on the console: it has no channel to sync with."
    left_out = ", ".join(f"{n} {why}" for why, n in sorted(report.left_out.items())) or "nobody"
    return (
        f"Community {community}: {report.enrolled} enrolled, {report.updated} already in, "
        f"{report.removed} marked as left; left out: {left_out}; "
        f"{report.welcomed} welcome messages queued."
    )


# Ids as each platform spells them; a copied placeholder such as GUILD_ID is none of them.
ID_SHAPES = {
    Platform.SLACK: (re.compile(r"[A-Z0-9]{1,32}"), "an id such as T0123ABCD or C0123ABCD"),
    Platform.DISCORD: (re.compile(r"[0-9]{1,20}"), "a numeric id such as 1100223344556677889"),
    Platform.CONSOLE: (re.compile(r"[\w.-]{1,64}"), "a short name such as acme"),
}
PLACEHOLDER = re.compile(r"[A-Z]+(_[A-Z]+)+|.*(YOUR|XXX|<|>|\{|\}).*")


def check_ids(platform: Platform, workspace: str, channel: str) -> None:
    shape, wanted = ID_SHAPES[platform]
    for option, value in (("--workspace", workspace), ("--channel", channel)):
        shown = value if len(value) <= 40 else value[:37] + "…"
        if PLACEHOLDER.fullmatch(value) or not shape.fullmatch(value):
            raise InputError(
                f"{option} {shown}: not a {platform.value} id; copy the real one",
                usage=f"{option} {wanted}",
                example="bridgework community add --platform discord --workspace "
                "1100223344556677889 --channel 1100223344556677890 --name Coffee",
            )


@community_app.command("list")
def community_list() -> None:
    """List the communities, and which are uninstalled (with the date their data is purged)."""
    from datetime import timedelta

    from bot.services.installs import describe, workspace_label
    from bot.store import migrate, repo
    from bot.store.db import Database

    async def go() -> list[tuple[int, str, str, str, str, str, str]]:
        settings = load_and_log()
        grace = timedelta(days=settings.uninstall_grace_days)
        db = Database(settings.database, create=False)
        try:
            db.require()  # never create a database at a mistyped path just to list it
            await migrate.upgrade(db)
            async with db.session() as session:
                return [
                    (
                        r.id,
                        r.platform,
                        workspace_label(r.platform, r.workspace),
                        r.channel,
                        r.name,
                        r.timezone,
                        describe(r, grace) or "installed",
                    )
                    for r in await repo.communities(session)
                ]
        finally:
            await db.dispose()

    table = Table("id", "platform", "workspace", "channel", "name", "time zone", "state")
    for row in run_async(go()):
        table.add_row(*(str(v) for v in row))
    out.print(table)


@community_app.command("link")
def community_link(
    community: CommunityOption,
    workspace: Annotated[str, typer.Option(help="The Discord guild id of a coalition's server.")],
    unlink: Annotated[bool, typer.Option("--unlink", help="Stop taking its members in.")] = False,
) -> None:
    """Take the members of another Discord server of a coalition into the community (each
    server's name is its members' organisation), or stop with --unlink. The next sync (at
    start-up, daily, or `community sync`) enrols them."""
    from bot.core import open_core

    async def go() -> None:
        settings = load_and_log()
        check_ids(Platform.DISCORD, workspace, workspace)
        core = await open_core(settings)
        try:
            found = await core.community_of(community)
            if found.platform is not Platform.DISCORD:
                raise InputError(
                    f"community {community} is on {found.platform.value}: only Discord "
                    "communities link servers (a Slack Connect channel shares itself)",
                    usage="bridgework community link --community ID --workspace GUILD",
                )
            linked = await core.link_workspace(community, workspace, unlink=unlink)
            servers = ", ".join(linked.linked) or "none"
            out.print(f"Community {community}: linked servers {servers}.")
        finally:
            await core.close()

    run_async(go())
