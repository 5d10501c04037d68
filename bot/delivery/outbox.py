"""The outbox: every outgoing message is a row, written in the transaction that caused it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.codec import encode
from bot.messages import Message
from bot.store.models import OutboxRow

PENDING, SENDING, SENT, DEAD = "pending", "sending", "sent", "dead"


async def enqueue(
    session: AsyncSession,
    *,
    community_id: int,
    key: str,
    kind: str,
    message: Message,
    conversation_id: str | None = None,
    people: Sequence[str] = (),
    replaces_key: str | None = None,
    group_id: int | None = None,
) -> OutboxRow:
    """Add a message to the outbox once: a second call with the same key returns the first row."""
    if conversation_id is None and not people:
        raise ValueError("a message needs a conversation or the people to open one with")
    existing = await session.scalar(select(OutboxRow).where(OutboxRow.key == key))
    if existing is not None:
        return existing
    row = OutboxRow(
        community_id=community_id,
        key=key,
        kind=kind,
        conversation_id=conversation_id,
        people=list(people),
        lane=lane_of(conversation_id, people),
        replaces_key=replaces_key,
        group_id=group_id,
        payload=encode(message),
        status=PENDING,
        attempts=0,
    )
    session.add(row)
    await session.flush()
    return row


def lane_of(conversation_id: str | None, people: Sequence[str]) -> str:
    """The ordering lane of a message: its conversation, or the people of the group to open."""
    return conversation_id if conversation_id else "people:" + ",".join(sorted(people))


async def exists(session: AsyncSession, key: str) -> bool:
    return (await session.scalar(select(OutboxRow.id).where(OutboxRow.key == key))) is not None


@dataclass(frozen=True)
class OutboxStatus:
    pending: int
    sent: int
    dead: int
    dead_reasons: tuple[tuple[str, str], ...]  # (key, reason)


async def status(session: AsyncSession) -> OutboxStatus:
    grouped = await session.execute(
        select(OutboxRow.status, func.count()).group_by(OutboxRow.status)
    )
    counts: dict[str, int] = {status: count for status, count in grouped.all()}
    dead = (
        await session.execute(
            select(OutboxRow.key, OutboxRow.last_error)
            .where(OutboxRow.status == DEAD)
            .order_by(OutboxRow.id)
        )
    ).all()
    return OutboxStatus(
        pending=counts.get(PENDING, 0) + counts.get(SENDING, 0),
        sent=counts.get(SENT, 0),
        dead=counts.get(DEAD, 0),
        dead_reasons=tuple((key, reason or "") for key, reason in dead),
    )
