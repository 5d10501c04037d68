"""The outbox: every outgoing message is a row, written in the transaction that caused it."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy import exists as sql_exists
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.clock import Clock, as_utc, system_clock
from bot.delivery.codec import encode
from bot.domain import Community
from bot.errors import BridgeworkError
from bot.messages import Message
from bot.store import repo
from bot.store.db import Database
from bot.store.models import CommunityRow, GroupRow, OutboxRow

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


AGES = (("under 1 h", timedelta(hours=1)), ("1 h–1 day", timedelta(days=1)), ("older", None))


@dataclass
class Waiting:
    """Messages of one community in one state (pending or dead), by how long ago they were
    queued: counts per ``AGES`` bucket, and the oldest."""

    community_id: int
    status: str
    by_age: list[int] = field(default_factory=lambda: [0] * len(AGES))
    oldest: timedelta = timedelta(0)

    @property
    def total(self) -> int:
        return sum(self.by_age)


@dataclass(frozen=True)
class OutboxStatus:
    pending: int
    sent: int
    dead: int
    dead_reasons: tuple[tuple[str, str], ...]  # (key, reason)
    waiting: tuple[Waiting, ...] = ()  # pending and dead, by community and age


async def status(session: AsyncSession, *, clock: Clock = system_clock) -> OutboxStatus:
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
        waiting=await _waiting(session, clock()),
    )


async def _waiting(session: AsyncSession, now: datetime) -> tuple[Waiting, ...]:
    found = await session.execute(
        select(OutboxRow.community_id, OutboxRow.status, OutboxRow.created_at).where(
            OutboxRow.status.in_((PENDING, SENDING, DEAD))
        )
    )
    table: dict[tuple[int, str], Waiting] = {}
    for community_id, state, created in found.all():
        state = DEAD if state == DEAD else PENDING
        entry = table.setdefault((community_id, state), Waiting(community_id, state))
        age = max(timedelta(0), now - as_utc(created))
        entry.oldest = max(entry.oldest, age)
        bucket = next(i for i, (_, limit) in enumerate(AGES) if limit is None or age < limit)
        entry.by_age[bucket] += 1
    return tuple(table[key] for key in sorted(table, key=lambda k: (k[0], k[1] != PENDING)))


async def retry(
    session: AsyncSession,
    *,
    dead: bool,
    community_id: int | None = None,
    clock: Clock = system_clock,
) -> int:
    """Make messages due now: the dead ones (``dead``: back to pending, attempts from zero —
    after the cause is fixed), else the pending ones waiting out a backoff. Returns how many.
    Those of an uninstalled community stay as they are: nothing can deliver them."""
    now = clock()
    query = update(OutboxRow).where(
        OutboxRow.status == (DEAD if dead else PENDING),
        OutboxRow.community_id.not_in(_uninstalled()),
    )
    if not dead:
        query = query.where(OutboxRow.next_attempt_at > now)
    if community_id is not None:
        query = query.where(OutboxRow.community_id == community_id)
    values: dict[str, object] = {"next_attempt_at": now}
    if dead:
        values.update(status=PENDING, attempts=0, last_error=None)
    changed = await session.execute(
        query.values(**values).execution_options(synchronize_session=False)
    )
    return int(getattr(changed, "rowcount", 0) or 0)


def _uninstalled() -> Select[Any]:
    return select(CommunityRow.id).where(CommunityRow.uninstalled_at.is_not(None))


async def held_back(session: AsyncSession, *, community_id: int | None = None) -> int:
    """How many dead messages ``retry`` leaves dead because their community is uninstalled."""
    query = select(func.count()).where(
        OutboxRow.status == DEAD, OutboxRow.community_id.in_(_uninstalled())
    )
    if community_id is not None:
        query = query.where(OutboxRow.community_id == community_id)
    return int(await session.scalar(query) or 0)


async def communities_due(db: Database, now: datetime) -> list[int]:
    """The communities with a message to try now (not one waiting for a later retry)."""
    async with db.session() as session:
        found = await session.scalars(
            select(OutboxRow.community_id)
            .where(
                OutboxRow.status.in_((PENDING, SENDING)),
                or_(OutboxRow.next_attempt_at.is_(None), OutboxRow.next_attempt_at <= now),
            )
            .distinct()
        )
        return sorted(found.all())


async def claim(
    db: Database, now: datetime, *, batch: int, lease: float, community_id: int | None = None
) -> tuple[list[int], set[int]]:
    """Claim up to ``batch`` due rows, each the first not yet sent of its lane (so that
    per-conversation order holds however many senders run), leased for ``lease`` seconds.
    Returns their ids, and those **in doubt**: claimed before by a sender that died or lost its
    lease, or tried before with a call that failed (the platform may hold the message though
    nobody recorded it)."""
    async with db.session() as session, session.begin():
        earlier = aliased(OutboxRow)
        lane_head = ~sql_exists().where(
            earlier.lane == OutboxRow.lane,
            earlier.id < OutboxRow.id,
            earlier.status.in_((PENDING, SENDING)),
        )
        query = (
            select(OutboxRow)
            .where(
                OutboxRow.status.in_((PENDING, SENDING)),
                or_(OutboxRow.next_attempt_at.is_(None), OutboxRow.next_attempt_at <= now),
                lane_head,
            )
            .order_by(OutboxRow.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
        if community_id is not None:
            query = query.where(OutboxRow.community_id == community_id)
        rows = (await session.scalars(query)).all()
        doubtful = {row.id for row in rows if row.status == SENDING or row.attempts > 0}
        until = now + timedelta(seconds=lease)
        for row in rows:
            row.status = SENDING
            row.next_attempt_at = until
        return [row.id for row in rows], doubtful


async def streams(
    db: Database, ids: Sequence[int], chat_for: Callable[[Community], object]
) -> list[list[int]]:
    """The rows ``ids`` as streams to deliver side by side, every lane wholly in one stream, each
    stream in id order (its lanes' order). A community has one, unless its Chat checks its
    platform's limits before each call itself and says how many (``streams``): then a 429 in one
    conversation stops the others' next calls, not only their next messages."""
    async with db.session() as session:
        found = (
            await session.execute(
                select(OutboxRow.community_id, OutboxRow.lane, OutboxRow.id)
                .where(OutboxRow.id.in_(ids))
                .order_by(OutboxRow.id)
            )
        ).all()
        rows = await session.scalars(
            select(CommunityRow).where(CommunityRow.id.in_({c for c, _, _ in found}))
        )
        width = {row.id: _ways(chat_for, repo.to_community(row)) for row in rows.all()}
    split: dict[tuple[int, int], list[int]] = {}
    for community, lane, row_id in found:
        stream = zlib.crc32(lane.encode()) % width.get(community, 1)
        split.setdefault((community, stream), []).append(row_id)
    return list(split.values())


def _ways(chat_for: Callable[[Community], object], community: Community) -> int:
    try:
        return max(1, int(getattr(chat_for(community), "streams", 1)))
    except BridgeworkError:  # no Chat here (its settings are missing): the sender says so
        return 1


async def read_ahead(session: AsyncSession, rows: Sequence[OutboxRow]) -> list[object]:
    """The groups and communities of ``rows``, read into ``session`` at once, so that delivering
    each row reads nothing more. Keep the list: the session holds what it read only weakly."""
    groups = select(GroupRow).where(GroupRow.id.in_({r.group_id for r in rows}))
    communities = select(CommunityRow).where(CommunityRow.id.in_({r.community_id for r in rows}))
    return [*(await session.scalars(groups)).all(), *(await session.scalars(communities)).all()]
