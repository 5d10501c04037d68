"""`bridgework outbox status|drain|retry`: the messages waiting to be delivered."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer
from rich.table import Table

from bot.cli._base import app, community_id, load_and_log, open_with, out, run_async

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
    if summary.waiting:
        table = Table("community", "state", "total", *(label for label, _ in outbox.AGES), "oldest")
        for row in summary.waiting:
            table.add_row(
                str(row.community_id),
                row.status,
                str(row.total),
                *(str(n) for n in row.by_age),
                _age(row.oldest),
            )
        out.print(table)
    for key, reason in summary.dead_reasons:
        out.print(f"  dead {key}: {reason}")
    if summary.dead:
        out.print("Fix the cause, then `bridgework outbox retry --dead` sends them again.")


def _age(age: timedelta) -> str:
    minutes = int(age.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 24 * 60:
        return f"{minutes // 60} h {minutes % 60} min"
    return f"{minutes // (24 * 60)} d {minutes // 60 % 24} h"


@outbox_app.command("retry")
def outbox_retry(
    dead: Annotated[
        bool, typer.Option("--dead", help="Re-queue the dead messages (after fixing the cause).")
    ] = False,
    community: Annotated[
        int | None, typer.Option(parser=community_id, help="Only this community.")
    ] = None,
) -> None:
    """Make messages due now: the dead ones with --dead, else those waiting out a retry."""
    from bot.delivery import outbox

    async def go() -> tuple[int, int]:
        core = await open_with(load_and_log())
        try:
            if community is not None:
                await core.community_of(community)  # there is no community 7: say so
            async with core.db.session() as session, session.begin():
                count = await outbox.retry(session, dead=dead, community_id=community)
                held = await outbox.held_back(session, community_id=community) if dead else 0
                return count, held
        finally:
            await core.close()

    count, held = run_async(go())
    what = "dead" if dead else "waiting"
    where = f" of community {community}" if community is not None else ""
    noun = "message" if count == 1 else "messages"
    out.print(
        f"Re-queued {count} {what} {noun}{where}: a running sender (or `bridgework outbox "
        "drain`) delivers them."
    )
    if held:
        out.print(
            f"{held} dead {'message' if held == 1 else 'messages'} of uninstalled communities "
            f"{'stays' if held == 1 else 'stay'} dead (see `bridgework community list`)."
        )


@outbox_app.command("drain")
def outbox_drain(
    community: Annotated[
        int | None, typer.Option(parser=community_id, help="Only this community.")
    ] = None,
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
