"""`bridgework demo`, `run` and `run-now`: the bot's jobs, on the console or the platforms."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Annotated

import typer

from bot.cli._base import (
    app,
    community_id,
    err,
    load_and_log,
    open_with,
    out,
    run_async,
    shown_path,
)
from bot.errors import ConfigError, InputError


@app.command()
def demo(
    rounds: Annotated[int, typer.Option(min=1, max=12, help="How many weekly rounds to run.")] = 4,
) -> None:
    """Run several rounds for a bundled sample organisation, on a fresh SQLite file."""
    from bot.plugins import load_adapter

    async def go() -> None:
        console = load_adapter("console")
        settings = load_and_log()
        _load_themes_model()
        if "LOG_LEVEL" not in os.environ:
            logging.getLogger("bot").setLevel(logging.WARNING)
        await console.run_demo(settings, rounds=rounds, say=out.print)

    run_async(go())


def _load_themes_model() -> None:
    """Load the digest's themes model (seconds, once) under a spinner, when it is installed."""
    from bot.themes import embeddings

    if embeddings.available():
        model = embeddings.model_for(1)
        with err.status(f"Loading the themes model ({model})…"):
            embeddings.load(model)


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
        settings = load_and_log()
        if console:
            adapter = load_adapter("console")
            lines = read_script(script) if script else None
            await adapter.run_console(settings, lines=lines)
            return
        dashboard_only = role == "web" and settings.dashboard_url is not None
        if role in ("all", "web") and not dashboard_only and not platforms_configured(settings):
            raise ConfigError(
                "SLACK_BOT_TOKEN / DISCORD_TOKEN",
                "no platform is configured; set one, or try `bridgework run --console`",
            )
        core = await open_with(settings)
        try:
            await serve(core, settings, role)
        finally:
            await core.close()

    if role not in ROLES:
        err.print(f"[red]--role {role[:40]}[/red]: expected all, scheduler, sender or web")
        raise typer.Exit(2)
    if script is not None and not console:
        err.print("[red]--script[/red] runs a script on the console: add --console")
        err.print("Example: bridgework run --console --script session.txt")
        raise typer.Exit(2)
    if console and role != "all":
        err.print(f"[red]--role {role}[/red] is for the platforms; --console runs every role")
        err.print("Example: bridgework run --console")
        raise typer.Exit(2)
    try:
        run_async(go())
    except KeyboardInterrupt:  # Ctrl-C: the run is cancelled and closed; no traceback
        raise typer.Exit(130) from None


def read_script(path: Path) -> list[str]:
    """The lines of a console script; a file that cannot be read is an InputError naming it."""
    example = "bridgework run --console --script session.txt"
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise InputError(
            f"--script {shown_path(path)}: is not UTF-8 text", example=example
        ) from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
        problem = getattr(exc, "strerror", None) or exc
        raise InputError(
            f"--script {shown_path(path)}: cannot be read ({problem})",
            example=example,
        ) from None


@app.command("run-now")
def run_now(
    job: Annotated[
        str,
        typer.Argument(help="intros | followups | prompts | checkins | digest | sweep | close-dms"),
    ],
    community: Annotated[
        int,
        typer.Option(parser=community_id, help="The community's id (see `community list`)."),
    ],
) -> None:
    """Run one job at once, deliver what it queued, and exit (usable from cron)."""
    from bot.runtime import run_once

    async def go() -> str:
        settings = load_and_log()
        core = await open_with(settings)
        try:
            return await run_once(core, settings, job, community)
        finally:
            await core.close()

    out.print(run_async(go()))
