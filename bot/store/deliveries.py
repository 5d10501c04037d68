"""Inbound deliveries already handled: a platform's retry of one is recognised by its key.

A platform retries an event it thinks failed (Slack: an error, or no answer within 3 seconds),
though the first attempt may have done its work. The key is recorded in the transaction that
handles the event, so it is there exactly when the event's changes are. Keys are kept a day:
far longer than any platform retries.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import DateTime, String, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base

KEPT = timedelta(days=1)


class HandledDeliveryRow(Base):
    __tablename__ = "handled_deliveries"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    handled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


async def first_time(session: AsyncSession, key: str, now: datetime) -> bool:
    """Record ``key`` as handled now; False if it already was (by a committed transaction, or
    on PostgreSQL by one that commits while this waits)."""
    await session.execute(
        delete(HandledDeliveryRow).where(HandledDeliveryRow.handled_at < now - KEPT)
    )
    bind = session.get_bind()
    insert = pg_insert if bind.dialect.name == "postgresql" else sqlite_insert
    added = await session.execute(
        insert(HandledDeliveryRow)
        .values(key=key, handled_at=now)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(HandledDeliveryRow.key)
    )
    return added.first() is not None


async def handled(session: AsyncSession, key: str) -> bool:
    found = await session.scalar(
        select(HandledDeliveryRow.key).where(HandledDeliveryRow.key == key)
    )
    return found is not None
