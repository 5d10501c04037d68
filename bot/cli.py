"""The `bridgework` command line: demo, run, db, doctor, community, pair."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from bot.core import Core
from bot.domain import Platform
from bot.errors import BridgeworkError, ConfigError, InputError, StoreError
from bot.pairing.cli import pair
from bot.settings import Settings, load_settings

T = TypeVar("T")

app = typer.Typer(
    help="Bridgework: cross-team introductions, listening prompts and check-ins.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The database: schema upgrades.", no_args_is_help=True)
community_app = typer.Typer(help="Set up communities from the command line.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(community_app, name="community")
outbox_app = typer.Typer(help="The outbox of messages to deliver.", no_args_is_help=True)
app.add_typer(outbox_app, name="outbox")
themes_app = typer.Typer(
    help="A community's themes for the digest, as YAML (the shape of prompts/themes.yaml).",
    no_args_is_help=True,
)
app.add_typer(themes_app, name="themes")
CommunityOption = Annotated[int, typer.Option("--community", help="The community's id.")]
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True, highlight=False)


def _settings() -> Settings:
    settings = load_settings()
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(max(logging.WARNING, logging.root.level))
    # SQLAlchemy logs every statement with its parameters (answer texts) at INFO, the drivers at
    # DEBUG: never below WARNING, whatever LOG_LEVEL says.
    for name in ("aiosqlite", "sqlalchemy.engine", "sqlalchemy.pool", "psycopg"):
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.root.level))
    # Libraries that narrate routine work at INFO speak at WARNING unless LOG_LEVEL is DEBUG.
    for name in ("sentence_transformers", "httpx"):
        logging.getLogger(name).setLevel(min(logging.WARNING, logging.root.level + 10))
    return settings


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a command's coroutine; a BridgeworkError becomes a message and exit status 2."""
    try:
        return asyncio.run(coro)
    except ConfigError as exc:
        err.print(f"[red]Setting {exc.setting}[/red]: {exc.problem}")
    except InputError as exc:
        err.print(f"[red]{exc}[/red]")
        if exc.usage:
            err.print(f"Usage: {exc.usage}")
        if exc.example:
            err.print(f"Example: {exc.example}")
    except StoreError as exc:
        err.print(f"[red]Database[/red]: {exc}")
    except BridgeworkError as exc:
        err.print(f"[red]{exc}[/red]")
    raise typer.Exit(2)


@app.command()
def demo(
    rounds: Annotated[int, typer.Option(min=1, max=12, help="How many weekly rounds to run.")] = 4,
) -> None:
    """Run several rounds for a bundled sample organisation, on a fresh SQLite file."""
    from bot.plugins import load_adapter

    async def go() -> None:
        console = load_adapter("console")
        settings = _settings()
        if "LOG_LEVEL" not in os.environ:
            logging.getLogger("bot").setLevel(logging.WARNING)
        await console.run_demo(settings, rounds=rounds, say=out.print)

    _run(go())


@app.command()
def run(
    console: Annotated[bool, typer.Option("--console", help="Run on this terminal.")] = False,
    script: Annotated[
        Path | None, typer.Option(help="With --console: read lines from this file, then exit.")
    ] = None,
    role: Annotated[str, typer.Option(help="all | scheduler | sender | web")] = "all",
) -> None:
    """Run the bot: on the console, or on the platforms whose credentials are set.

    With several processes (PostgreSQL only), any number may run `--role sender`; one scheduler
    leads at a time and a standby takes over within 30 s when it dies.
    """
    from bot.plugins import load_adapter
    from bot.runtime import ROLES, platforms_configured, serve

    async def go() -> None:
        settings = _settings()
        if console:
            adapter = load_adapter("console")
            lines = script.read_text(encoding="utf-8").splitlines() if script else None
            await adapter.run_console(settings, lines=lines)
            return
        if role in ("all", "web") and not platforms_configured(settings):
            raise ConfigError(
                "SLACK_BOT_TOKEN / DISCORD_TOKEN",
                "no platform is configured; set one, or try `bridgework run --console`",
            )
        core = await _open(settings)
        try:
            await serve(core, settings, role)
        finally:
            await core.close()

    if role not in ROLES:
        err.print(f"[red]--role {role}[/red]: expected all, scheduler, sender or web")
        raise typer.Exit(2)
    _run(go())


async def _open(settings: Settings) -> Core:
    from bot.core import open_core

    return await open_core(settings)


@app.command("run-now")
def run_now(
    job: Annotated[str, typer.Argument(help="intros | followups | prompts | checkins | digest")],
    community: Annotated[int, typer.Option(help="The community's id (see `community list`).")],
) -> None:
    """Run one job at once, deliver what it queued, and exit (usable from cron)."""
    from bot.runtime import run_once

    async def go() -> str:
        settings = _settings()
        core = await _open(settings)
        try:
            return await run_once(core, settings, job, community)
        finally:
            await core.close()

    out.print(_run(go()))


@outbox_app.command("status")
def outbox_status() -> None:
    """How many messages are pending, sent and dead, and why the dead ones died."""
    from bot.delivery import outbox

    async def go() -> outbox.OutboxStatus:
        core = await _open(_settings())
        try:
            async with core.db.session() as session:
                return await outbox.status(session)
        finally:
            await core.close()

    summary = _run(go())
    out.print(f"pending {summary.pending}, sent {summary.sent}, dead {summary.dead}")
    for key, reason in summary.dead_reasons:
        out.print(f"  dead {key}: {reason}")


@outbox_app.command("drain")
def outbox_drain(
    community: Annotated[int | None, typer.Option(help="Only this community.")] = None,
) -> None:
    """Deliver what is pending, then exit."""
    from bot.runtime import drain

    async def go() -> str:
        settings = _settings()
        core = await _open(settings)
        try:
            report = await drain(core, settings, community)
            return f"delivered {report.sent}, dead {report.dead}, retried {report.retried}"
        finally:
            await core.close()

    out.print(_run(go()))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema up to this version (refuses a newer schema)."""
    from bot.store import migrate
    from bot.store.db import Database

    async def go() -> None:
        db = Database(_settings().database)
        try:
            head = await migrate.upgrade(db)
            out.print(f"Database at {db.location} is at schema {head}.")
        finally:
            await db.dispose()

    _run(go())


@app.command()
def doctor() -> None:
    """Check the settings, the database and each configured platform."""
    from bot.doctor import run_checks

    checks = _run(run_checks())
    for check in checks:
        mark = "[green]OK[/green]  " if check.ok else "[red]FIX[/red] "
        out.print(f"{mark} {check.name}: {check.detail}")
    if not all(c.ok for c in checks):
        raise typer.Exit(1)


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
        core = await open_core(_settings())
        try:
            return await core.ensure_community(
                platform, workspace, channel, name=name, timezone=timezone
            )
        finally:
            await core.close()

    out.print(f"Community {_run(go())}: {name} ({platform.value} {workspace} #{channel}).")


@community_app.command("list")
def community_list() -> None:
    """List the communities."""
    from bot.core import open_core
    from bot.store import repo

    async def go() -> list[tuple[int, str, str, str, str, str]]:
        core = await open_core(_settings())
        try:
            async with core.db.session() as session:
                return [
                    (r.id, r.platform, r.workspace, r.channel, r.name, r.timezone)
                    for r in await repo.communities(session)
                ]
        finally:
            await core.close()

    table = Table("id", "platform", "workspace", "channel", "name", "time zone")
    for row in _run(go()):
        table.add_row(*(str(v) for v in row))
    out.print(table)


@themes_app.command("export")
def themes_export(community: CommunityOption) -> None:
    """Print the community's themes as YAML, to edit and import."""

    async def go(core: Core) -> str:
        return await core.taxonomy(community)

    print(_with_core(go), end="")


@themes_app.command("import")
def themes_import(
    community: CommunityOption,
    file: Annotated[Path, typer.Argument(help="A YAML file in the shape of prompts/themes.yaml.")],
) -> None:
    """Replace the community's themes by those in FILE (checked first; nothing changes if bad)."""
    try:
        source = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        err.print(f"[red]Cannot read {file}[/red]: {error}")
        raise typer.Exit(2) from None

    async def go(core: Core) -> int:
        return await core.set_taxonomy(community, source)

    out.print(f"Community {community} now has {_with_core(go)} themes.")


@themes_app.command("reset")
def themes_reset(community: CommunityOption) -> None:
    """Go back to the default themes."""

    async def go(core: Core) -> int:
        return await core.set_taxonomy(community, None)

    out.print(f"Community {community} is back to the default {_with_core(go)} themes.")


def _with_core(use: Callable[[Core], Coroutine[Any, Any, T]]) -> T:
    from bot.core import open_core

    async def go() -> T:
        core = await open_core(_settings())
        try:
            return await use(core)
        finally:
            await core.close()

    return _run(go())


app.command("pair")(pair)


def main() -> None:
    app(prog_name="bridgework")


if __name__ == "__main__":  # pragma: no cover
    main()
