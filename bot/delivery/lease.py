"""The lease on claimed outbox rows, renewed while their sender is alive.

A sender claims rows by setting them ``sending`` with a short lease (``next_attempt_at``). While it
works through them it renews the lease every quarter of its length, so a slow batch (waits, a
slow platform) keeps its rows, and a sender that dies stops renewing: its rows are claimable again
one lease later (10 s by default) instead of after a long fixed lease.

The renewal runs on its own connection and never waits for a row lock: on PostgreSQL it skips rows
the sender's own transaction holds (those are about to be recorded anyway), so it cannot deadlock
with the sender; on SQLite it waits its turn for the one writer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager, suppress
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError, OperationalError

from bot.clock import Clock
from bot.delivery.outbox import SENDING
from bot.store.db import Database
from bot.store.models import OutboxRow

log = logging.getLogger(__name__)


async def renew(db: Database, ids: Collection[int], lease: float, clock: Clock) -> int:
    """Push the lease of the rows among ``ids`` still ``sending`` to ``lease`` seconds from now;
    returns how many were renewed."""
    if not ids:
        return 0
    until = clock() + timedelta(seconds=lease)
    async with db.session() as session, session.begin():
        free = (
            select(OutboxRow.id)
            .where(OutboxRow.id.in_(list(ids)), OutboxRow.status == SENDING)
            .with_for_update(skip_locked=True)
        )
        found = (await session.scalars(free)).all()
        if not found:
            return 0
        await session.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(found), OutboxRow.status == SENDING)
            .values(next_attempt_at=until)
        )
        return len(found)


@asynccontextmanager
async def kept(
    db: Database, ids: Collection[int], lease: float, clock: Clock, every: float | None = None
) -> AsyncIterator[None]:
    """Renew the lease of ``ids`` every ``every`` seconds (a quarter lease) while the block runs."""
    period = every if every is not None else lease / 4

    async def beat() -> None:
        while True:
            await asyncio.sleep(period)
            try:
                await renew(db, ids, lease, clock)
            except (OperationalError, DBAPIError) as exc:  # the next beat tries again
                log.warning("could not renew the lease of %s outbox rows: %s", len(ids), exc)

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
