"""The sender: drains the outbox through the Chat port, once per message, in order per conversation.

Rows are claimed by moving them to ``sending`` with a lease (``next_attempt_at``); on PostgreSQL
the claim uses ``FOR UPDATE SKIP LOCKED`` so several senders never claim one row. A sender that
dies mid-send leaves its rows to be claimed again when the lease runs out; the port's idempotency
key makes the second send a no-op on the platform.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock, as_utc, system_clock
from bot.delivery.codec import decode
from bot.delivery.outbox import DEAD, PENDING, SENDING, SENT
from bot.domain import Community
from bot.errors import PlatformUnavailable, RateLimited, Undeliverable
from bot.ports import Chat, ConversationRef, SentRef
from bot.store import repo
from bot.store.db import Database
from bot.store.models import CommunityRow, GroupRow, OutboxRow

log = logging.getLogger(__name__)

ChatFor = Callable[[Community], Chat]
"""Which Chat delivers a community's messages (a Slack workspace's token, a Discord channel)."""


@dataclass(frozen=True)
class RetryPolicy:
    base: float = 1.0
    cap: float = 300.0
    max_attempts: int = 8
    lease: float = 60.0

    def backoff(self, attempts: int, rng: random.Random) -> float:
        delay = min(self.cap, self.base * 2.0 ** max(0, attempts - 1))
        return float(delay * (0.5 + rng.random() / 2))


@dataclass
class DrainReport:
    sent: int = 0
    dead: int = 0
    retried: int = 0
    waits: list[float] = field(default_factory=list)


class Sender:
    def __init__(
        self,
        db: Database,
        chats: Chat | ChatFor,
        *,
        clock: Clock = system_clock,
        policy: RetryPolicy | None = None,
        batch: int = 100,
        seed: int = 0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.db = db
        self._chat_for: ChatFor = _resolver(chats)
        self.clock = clock
        self.policy = policy or RetryPolicy()
        self.batch = batch
        self.rng = random.Random(seed)
        self.sleep = sleep
        self._held: dict[int, datetime] = {}  # community → until when its platform said wait

    async def drain(
        self, *, community_id: int | None = None, max_wait: float = 600.0
    ) -> DrainReport:
        """Deliver everything pending, waiting out retries up to ``max_wait`` seconds in all."""
        report = DrainReport()
        waited = 0.0
        while True:
            progressed = await self.pass_once(report, community_id=community_id)
            if progressed:
                continue
            wake = await self._next_wake(community_id)
            if wake is None:
                return report
            delay = max(0.0, (wake - self.clock()).total_seconds())
            if waited + delay > max_wait:
                return report
            report.waits.append(delay)
            waited += delay
            await self.sleep(delay)

    async def pass_once(self, report: DrainReport, *, community_id: int | None = None) -> bool:
        """Claim one batch of due rows and deliver them. Returns whether any row was claimed."""
        claimed = await self._claim(community_id)
        blocked: set[str] = set()
        for row_id in claimed:
            await self._deliver(row_id, blocked, report)
        return bool(claimed)

    async def _claim(self, community_id: int | None) -> list[int]:
        now = self.clock()
        async with self.db.session() as session, session.begin():
            query = (
                select(OutboxRow)
                .where(
                    OutboxRow.status.in_((PENDING, SENDING)),
                    or_(OutboxRow.next_attempt_at.is_(None), OutboxRow.next_attempt_at <= now),
                )
                .order_by(OutboxRow.id)
                .limit(self.batch)
                .with_for_update(skip_locked=True)
            )
            if community_id is not None:
                query = query.where(OutboxRow.community_id == community_id)
            rows = (await session.scalars(query)).all()
            lease = now + timedelta(seconds=self.policy.lease)
            for row in rows:
                row.status = SENDING
                row.next_attempt_at = lease
            return [row.id for row in rows]

    async def _deliver(self, row_id: int, blocked: set[str], report: DrainReport) -> None:
        async with self.db.session() as session, session.begin():
            row = await session.get(OutboxRow, row_id)
            if row is None or row.status != SENDING:
                return
            lane = row.lane
            held = self._held.get(row.community_id)
            if held is not None and held > self.clock():
                row.status = PENDING
                row.next_attempt_at = held
                return
            waiting_for = await self._earlier_unsent(session, row)
            if lane in blocked or waiting_for is not None:
                blocked.add(lane)
                row.status = PENDING
                soon = self.clock() + timedelta(seconds=self.policy.base)
                row.next_attempt_at = max(soon, waiting_for) if waiting_for else soon
                return
            try:
                await self._send(session, row)
            except RateLimited as exc:
                blocked.add(lane)
                if exc.scope == "platform":
                    until = self.clock() + timedelta(seconds=exc.retry_after)
                    self._held[row.community_id] = until
                self._retry(row, exc.retry_after, str(exc))
                report.retried += 1
            except PlatformUnavailable as exc:
                blocked.add(lane)
                row.attempts += 1
                if row.attempts >= self.policy.max_attempts:
                    self._dead(row, f"gave up after {row.attempts} attempts: {exc.reason}")
                    report.dead += 1
                else:
                    self._retry(row, self.policy.backoff(row.attempts, self.rng), str(exc))
                    report.retried += 1
            except Undeliverable as exc:
                self._dead(row, exc.reason)
                report.dead += 1
            else:
                report.sent += 1

    async def _earlier_unsent(self, session: AsyncSession, row: OutboxRow) -> datetime | None:
        """When the earliest message this one must follow will be tried, if one is not out yet:
        an earlier message in its lane, or the message it replaces."""
        earlier = or_(
            (OutboxRow.lane == row.lane) & (OutboxRow.id < row.id),
            OutboxRow.key == (row.replaces_key or ""),
        )
        blocking = (
            await session.scalars(
                select(OutboxRow).where(earlier, OutboxRow.status.in_((PENDING, SENDING)))
            )
        ).all()
        if not blocking:
            return None
        return max(as_utc(b.next_attempt_at or self.clock()) for b in blocking)

    async def _chat(self, session: AsyncSession, row: OutboxRow) -> Chat:
        community = await session.get(CommunityRow, row.community_id)
        if community is None:
            raise Undeliverable(f"community {row.community_id} is gone")
        return self._chat_for(repo.to_community(community))

    async def _send(self, session: AsyncSession, row: OutboxRow) -> None:
        chat = await self._chat(session, row)
        message = decode(row.payload)
        if row.replaces_key is not None:
            earlier = await session.scalar(
                select(OutboxRow).where(OutboxRow.key == row.replaces_key)
            )
            if earlier is not None and earlier.status == SENT and earlier.platform_message_id:
                assert earlier.sent_conversation_id is not None
                sent = SentRef(
                    ConversationRef(earlier.sent_conversation_id), earlier.platform_message_id
                )
                await chat.update(sent, message)
                self._sent(row, sent)
                return
            if earlier is not None and row.conversation_id is None:
                row.conversation_id = earlier.sent_conversation_id
        conversation = await self._conversation(session, row, chat)
        sent = await chat.send(conversation, message, key=row.key)
        self._sent(row, sent)

    async def _conversation(
        self, session: AsyncSession, row: OutboxRow, chat: Chat
    ) -> ConversationRef:
        if row.conversation_id is not None:
            return ConversationRef(row.conversation_id)
        if not row.people:
            raise Undeliverable("the message names no conversation and no people")
        opened = await chat.open_group(row.people)
        row.conversation_id = opened.id
        if row.group_id is not None:
            group = await session.get(GroupRow, row.group_id)
            if group is not None:
                group.conversation_id = opened.id
        return opened

    def _sent(self, row: OutboxRow, sent: SentRef) -> None:
        row.status = SENT
        row.sent_conversation_id = sent.conversation.id
        row.platform_message_id = sent.message_id
        row.sent_at = self.clock()
        row.next_attempt_at = None
        row.last_error = None

    def _retry(self, row: OutboxRow, delay: float, reason: str) -> None:
        row.status = PENDING
        row.next_attempt_at = self.clock() + timedelta(seconds=delay)
        row.last_error = reason
        log.info("outbox %s: retry in %.1fs (%s)", row.id, delay, reason)

    def _dead(self, row: OutboxRow, reason: str) -> None:
        row.status = DEAD
        row.next_attempt_at = None
        row.last_error = reason
        log.warning("outbox %s (%s) is dead: %s", row.id, row.kind, reason)

    async def _next_wake(self, community_id: int | None) -> datetime | None:
        async with self.db.session() as session:
            query = select(OutboxRow.next_attempt_at).where(
                OutboxRow.status.in_((PENDING, SENDING))
            )
            if community_id is not None:
                query = query.where(OutboxRow.community_id == community_id)
            moments = list((await session.scalars(query)).all())
        if not moments:
            return None
        due = [as_utc(m) for m in moments if m is not None]
        return min(due) if len(due) == len(moments) else self.clock()


def _resolver(chats: Chat | ChatFor) -> ChatFor:
    if callable(chats):
        return chats

    def same(_community: Community) -> Chat:
        return chats

    return same
