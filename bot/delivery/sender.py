"""The sender: drains the outbox through the Chat port, once per message, in order per conversation.

Rows are claimed as ``sending`` with a lease renewed while the sender works (:mod:`.lease`); a
dead sender's rows are claimed again 10 s later; the port's key makes a second send a no-op.

Only a row **in doubt** is looked for on the platform before it is sent (:mod:`.doubt`).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock, as_utc, system_clock
from bot.delivery import doubt, outbox
from bot.delivery.codec import decode
from bot.delivery.lease import kept
from bot.delivery.outbox import DEAD, PENDING, SENDING, SENT, claim, communities_due
from bot.delivery.policy import DrainReport as DrainReport
from bot.delivery.policy import RetryPolicy as RetryPolicy
from bot.domain import Community
from bot.errors import NotConfigured, PlatformUnavailable, RateLimited, Undeliverable
from bot.ports import Chat, ConversationRef, FindsOpened, FindsSent, SentRef
from bot.store import repo
from bot.store.db import Database
from bot.store.models import CommunityRow, GroupRow, OutboxRow

log = logging.getLogger(__name__)

ChatFor = Callable[[Community], Chat]
"""Which Chat delivers a community's messages (a Slack workspace's token, a Discord channel)."""


class Sender:
    def __init__(
        self,
        db: Database,
        chats: Chat | ChatFor,
        *,
        clock: Clock = system_clock,
        policy: RetryPolicy | None = None,
        batch: int = 100,
        record_every: int = 25,
        record_seconds: float = 0.1,
        seed: int = 0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.db = db
        self._chat_for: ChatFor = _resolver(chats)
        self.clock = clock
        self.policy = policy or RetryPolicy()
        self.batch = batch
        self.record_every = record_every
        self.record_seconds = record_seconds
        self.poll = 0.2  # how often to look again while other senders hold the next rows
        self.rng = random.Random(seed)
        self.sleep = sleep
        self._held: dict[int, datetime] = {}  # community → until when its platform said wait
        self._unconfigured: set[str] = set()  # settings missing here, logged once each
        self._doubtful: set[int] = set()  # rows a dead sender claimed: maybe sent, unrecorded

    async def drain(
        self, *, community_id: int | None = None, max_wait: float = 600.0
    ) -> DrainReport:
        """Deliver everything pending, waiting out retries up to ``max_wait`` seconds in all; each
        community by a worker of its own, so that one's rate limit never holds up another's."""
        report = DrainReport()
        if community_id is not None:
            return await self._drain(report, community_id, max_wait)
        waited = 0.0
        while True:
            due = await communities_due(self.db, self.clock())
            if due:
                before = (report.sent, report.dead, report.retried)
                await asyncio.gather(*(self._drain(report, c, max_wait) for c in due))
                if (report.sent, report.dead, report.retried) != before:
                    continue  # else what is due waits behind a retry in its conversation
            if (slept := await self._wait(report, None, max_wait - waited)) is None:
                return report  # no retry nor others' rows due in time
            waited += slept

    async def _drain(self, report: DrainReport, community_id: int, max_wait: float) -> DrainReport:
        waited = 0.0
        while True:
            if await self.pass_once(report, community_id=community_id):
                continue
            if (slept := await self._wait(report, community_id, max_wait - waited)) is None:
                return report
            waited += slept

    async def _wait(
        self, report: DrainReport, community_id: int | None, left: float
    ) -> float | None:
        """Sleep until the next row may be due, and say how long; None: nothing within ``left``."""
        wake = await self._next_wake(community_id)
        delay = None if wake is None else max(0.0, (wake - self.clock()).total_seconds())
        if delay is None or delay > left:
            return None
        report.waits.append(delay)
        await self.sleep(delay)
        return delay

    async def pass_once(self, report: DrainReport, *, community_id: int | None = None) -> bool:
        """Claim one batch of due rows and deliver them. Returns whether any row was claimed.

        Each community's rows go out concurrently with the others', so that one workspace's
        rate limit never holds up another's deliveries, and where its Chat allows, in streams of
        conversations side by side (:func:`.outbox.streams`). Results are recorded every
        ``record_every`` rows or ``record_seconds``: a crash before re-sends them with their keys.
        """
        claimed = await self._claim(community_id)
        if not claimed:
            return False
        await doubt.claimed(self.db, self._doubtful.intersection(claimed), self._chat_for)
        policy = self.policy
        async with kept(self.db, claimed, policy.lease, self.clock, policy.renew_every):
            done = await asyncio.gather(
                *(
                    self._deliver_batch(ids, claimed, report)
                    for ids in await outbox.streams(self.db, claimed, self._chat_for)
                ),
                return_exceptions=True,
            )
            for outcome in done:
                if isinstance(outcome, BaseException):
                    raise outcome
        return True

    async def _deliver_batch(self, ids: list[int], claimed: list[int], report: DrainReport) -> None:
        """Deliver a stream of one community's claimed rows, in order, in a session of its own.
        Writes wait for the next record (no autoflush), so a write transaction is short even
        while a call waits on a rate limit."""
        async with self.db.session() as session:
            query = select(OutboxRow).where(OutboxRow.id.in_(ids)).order_by(OutboxRow.id)
            rows = (await session.scalars(query)).all()
            session.info["read"] = await outbox.read_ahead(session, rows)  # kept while it works
            lanes = await self._lanes_waiting(session, rows, claimed)
            await session.commit()  # no connection held while the platform is called
            chats: dict[int, Chat] = {}
            unrecorded, since = 0, time.monotonic()
            with session.no_autoflush:
                for row in rows:
                    await self._deliver(session, row, lanes, chats, report)
                    unrecorded += 1
                    if (
                        unrecorded >= self.record_every
                        or time.monotonic() - since > self.record_seconds
                    ):
                        await session.commit()
                        unrecorded, since = 0, time.monotonic()
                await session.commit()

    async def _claim(self, community_id: int | None) -> list[int]:
        claimed, doubtful = await claim(
            self.db,
            self.clock(),
            batch=self.batch,
            lease=self.policy.lease,
            community_id=community_id,
        )
        self._doubtful |= doubtful
        return claimed

    async def _deliver(
        self,
        session: AsyncSession,
        row: OutboxRow,
        lanes: dict[str, tuple[int, datetime]],
        chats: dict[int, Chat],
        report: DrainReport,
    ) -> None:
        """Send one claimed row, unless an earlier message of its lane is not out yet or its
        platform asked us to hold off. ``lanes`` maps a lane to its first message not out yet
        (id, when it will be tried); this updates it as rows fail or wait."""
        now = self.clock()
        held = self._held.get(row.community_id)
        if held is not None and held > now:
            self._later(row, held)
            lanes.setdefault(row.lane, (row.id, held))
            return
        first = lanes.get(row.lane)
        waiting = first[1] if first is not None and first[0] < row.id else None
        replaced = await self._replaced_unsent(session, row)
        if waiting is not None or replaced is not None:
            until = max(t for t in (waiting, replaced, now + self._pause) if t is not None)
            self._later(row, until)
            return
        try:
            await self._send(session, row, await self._chat(session, row, chats))
        except RateLimited as exc:
            if exc.scope == "platform":
                self._held[row.community_id] = self.clock() + timedelta(seconds=exc.retry_after)
            self._retry(row, exc.retry_after, str(exc))
            self._wait_lane(lanes, row)
            report.retried += 1
        except NotConfigured as exc:
            # This process's settings are at fault, not the message: it stays pending, its
            # attempts uncounted, for a process with the credentials (or this one, fixed).
            self._later(row, now + timedelta(seconds=self.policy.cap))
            row.last_error = str(exc)
            self._wait_lane(lanes, row)
            if exc.setting not in self._unconfigured:
                self._unconfigured.add(exc.setting)
                log.warning(
                    "outbox: %s; its messages wait, pending, for %s", exc.reason, exc.setting
                )
            report.retried += 1
        except PlatformUnavailable as exc:
            row.attempts += 1
            if row.attempts >= self.policy.max_attempts:
                self._dead(row, f"gave up after {row.attempts} attempts: {exc.reason}")
                report.dead += 1
            else:
                self._retry(row, self.policy.backoff(row.attempts, self.rng), str(exc))
                self._wait_lane(lanes, row)
                report.retried += 1
        except Undeliverable as exc:
            self._dead(row, exc.reason)
            report.dead += 1
        else:
            report.sent += 1

    def _wait_lane(self, lanes: dict[str, tuple[int, datetime]], row: OutboxRow) -> None:
        """A row that failed holds its lane: the rows after it wait until it is tried again."""
        due = as_utc(row.next_attempt_at or self.clock())
        first = lanes.get(row.lane)
        if first is None or first[0] > row.id:
            lanes[row.lane] = (row.id, due)
        else:
            lanes[row.lane] = (first[0], max(first[1], due))

    @property
    def _pause(self) -> timedelta:
        return timedelta(seconds=min(self.policy.base, 0.05))

    def _later(self, row: OutboxRow, until: datetime) -> None:
        row.status = PENDING
        row.next_attempt_at = until
        if row.id in self._doubtful:  # it keeps its doubt for whichever sender takes it next
            row.attempts = max(row.attempts, 1)

    async def _lanes_waiting(
        self, session: AsyncSession, rows: Sequence[OutboxRow], claimed: list[int]
    ) -> dict[str, tuple[int, datetime]]:
        """For each lane of the batch with a message outside it not out yet: the first such
        message's id and when it will be tried. Batch rows after that id must wait."""
        found = await session.execute(
            select(OutboxRow.lane, func.min(OutboxRow.id), func.max(OutboxRow.next_attempt_at))
            .where(
                OutboxRow.lane.in_({row.lane for row in rows}),
                OutboxRow.status.in_((PENDING, SENDING)),
                OutboxRow.id.not_in(claimed),
            )
            .group_by(OutboxRow.lane)
        )
        now = self.clock()
        return {
            lane: (first_id, max(now, as_utc(due)) if due is not None else now)
            for lane, first_id, due in found.all()
        }

    async def _replaced_unsent(self, session: AsyncSession, row: OutboxRow) -> datetime | None:
        """When the message this one replaces will be tried, if it is not out yet."""
        if row.replaces_key is None:
            return None
        earlier = await session.scalar(select(OutboxRow).where(OutboxRow.key == row.replaces_key))
        if earlier is None or earlier.status not in (PENDING, SENDING):
            return None
        return as_utc(earlier.next_attempt_at or self.clock())

    async def _chat(self, session: AsyncSession, row: OutboxRow, chats: dict[int, Chat]) -> Chat:
        if row.community_id not in chats:
            community = await session.get(CommunityRow, row.community_id)
            if community is None:
                raise Undeliverable(f"community {row.community_id} is gone")
            chats[row.community_id] = self._chat_for(repo.to_community(community))
        return chats[row.community_id]

    async def _send(self, session: AsyncSession, row: OutboxRow, chat: Chat) -> None:
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
        unsure = row.id in self._doubtful or row.attempts > 0
        conversation = await self._conversation(session, row, chat, doubt=unsure)
        found = None
        if unsure and isinstance(chat, FindsSent):  # the platform may hold it: look first
            found = await chat.sent_before(conversation, message, key=row.key)
        self._sent(row, found or await chat.send(conversation, message, key=row.key))

    async def _conversation(
        self, session: AsyncSession, row: OutboxRow, chat: Chat, *, doubt: bool = False
    ) -> ConversationRef:
        if row.conversation_id is not None:
            return ConversationRef(row.conversation_id)
        if row.group_id is not None:  # a later message to a group: where its intro went
            group = await session.get(GroupRow, row.group_id)
            if group is not None and group.conversation_id:
                row.conversation_id = group.conversation_id
                return ConversationRef(group.conversation_id)
        if not row.people:
            raise Undeliverable("the message names no conversation and no people")
        found = None
        if doubt and isinstance(chat, FindsOpened):  # a dead sender may have opened it
            found = await chat.opened_before(row.people)
        opened = found or await chat.open_group(row.people)
        row.conversation_id = opened.id
        if row.group_id is not None:
            group = await session.get(GroupRow, row.group_id)
            if group is not None:
                group.conversation_id = opened.id
        return opened

    def _sent(self, row: OutboxRow, sent: SentRef) -> None:
        self._doubtful.discard(row.id)
        row.status = SENT
        row.sent_conversation_id = sent.conversation.id
        row.platform_message_id = sent.message_id
        row.sent_at = self.clock()
        row.next_attempt_at = None
        row.last_error = None

    def _retry(self, row: OutboxRow, delay: float, reason: str) -> None:
        self._later(row, self.clock() + timedelta(seconds=delay))
        row.last_error = reason
        log.info("outbox %s: retry in %.1fs (%s)", row.id, delay, reason)

    def _dead(self, row: OutboxRow, reason: str) -> None:
        self._doubtful.discard(row.id)
        row.status = DEAD
        row.next_attempt_at = None
        row.last_error = reason
        log.warning("outbox %s (%s) is dead: %s", row.id, row.kind, reason)

    async def _next_wake(self, community_id: int | None) -> datetime | None:
        """When something may next be claimable: the earliest retry; soon, while rows wait
        behind others' claims (another sender is at work); None when nothing is pending."""
        async with self.db.session() as session:
            query = select(
                OutboxRow.status,
                func.count(OutboxRow.id),
                func.count(OutboxRow.next_attempt_at),
                func.min(OutboxRow.next_attempt_at),
            ).where(OutboxRow.status.in_((PENDING, SENDING)))
            if community_id is not None:
                query = query.where(OutboxRow.community_id == community_id)
            found = (await session.execute(query.group_by(OutboxRow.status))).all()
        if not found:
            return None
        soon = self.clock() + timedelta(seconds=self.poll)
        pending = [
            (count, timed, earliest)
            for status, count, timed, earliest in found
            if status == PENDING
        ]
        retry = as_utc(pending[0][2]) if pending and pending[0][2] is not None else None
        if any(status == SENDING for status, *_ in found):  # another sender holds rows
            return min(soon, retry) if retry is not None else soon
        return retry if retry is not None else soon


def _resolver(chats: Chat | ChatFor) -> ChatFor:
    if callable(chats):
        return chats

    def same(_community: Community) -> Chat:
        return chats

    return same
