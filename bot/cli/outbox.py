"""`bridgework outbox status|drain`: the messages waiting to be delivered."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli._base import app, load_and_log, open_with, out, run_async

outbox_app = typer.Typer(help="The outbox of messages to deliver.", no_args_is_help=True)
app.add_typer(outbox_app, name="outbox")


@outbox_app.command("status")
def outbox_status() -> None:
    """How many messages are pending, sent and dead, and why the dead ones died."""
    from bot.delivery import outbox

    async def go() -> outbox.OutboxStatus:
        core = await open_with(load_and_log())
        try:
            async with core.db.session() as session:
                return await outbox.status(session)
        finally:
            await core.close()

    summary = run_async(go())
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
        settings = load_and_log()
        core = await open_with(settings)
        try:
            report = await drain(core, settings, community)
            return f"delivered {report.sent}, dead {report.dead}, retried {report.retried}"
        finally:
            await core.close()

    out.print(run_async(go()))
