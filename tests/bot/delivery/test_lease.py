"""A sender renews the lease on the rows it claimed while it lives; a dead one's rows return."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from sqlalchemy import select

from bot.clock import as_utc
from bot.core import Core
from bot.delivery.outbox import enqueue
from bot.delivery.sender import DrainReport, RetryPolicy, Sender
from bot.messages import Message, Text
from bot.ports import ConversationRef, SentRef
from bot.store.models import OutboxRow
from tests.conftest import MovableClock
from tests.recording import RecordingChat


class StuckChat(RecordingChat):
    """Hangs on the first send until ``release`` is set (a slow platform, or a wait)."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def send(self, where: ConversationRef, message: Message, *, key: str) -> SentRef:
        if not self.entered.is_set():
            self.entered.set()
            await self.release.wait()
        return await super().send(where, message, key=key)


async def queue_three(core: Core, community: int) -> None:
    async with core.db.session() as session, session.begin():
        for i in range(3):
            await enqueue(
                session,
                community_id=community,
                key=f"k{i}",
                kind="text",
                message=Text(f"hello {i}"),
                conversation_id=f"C{i}",
            )


async def leases(core: Core) -> Sequence[OutboxRow]:
    async with core.db.session() as session:
        return (await session.scalars(select(OutboxRow).order_by(OutboxRow.id))).all()


async def test_a_live_sender_keeps_its_rows_and_a_dead_ones_rows_return_within_a_lease(
    core: Core, community: int, clock: MovableClock
) -> None:
    policy = RetryPolicy(renew_every=0.01)  # the default lease, renewed often for the test
    assert policy.lease <= 15.0
    await queue_three(core, community)
    stuck = StuckChat()
    first = Sender(core.db, stuck, clock=clock, policy=policy)
    working = asyncio.create_task(first.pass_once(DrainReport()))
    await asyncio.wait_for(stuck.entered.wait(), timeout=10)

    clock.advance(seconds=3 * policy.lease)  # its first lease has long run out
    for _ in range(500):  # until the live sender has renewed it
        if all(
            r.next_attempt_at and as_utc(r.next_attempt_at) > clock() for r in await leases(core)
        ):
            break
        await asyncio.sleep(0.01)
    other = RecordingChat()
    second = Sender(core.db, other, clock=clock, policy=policy)
    assert await second.pass_once(DrainReport()) is False
    assert other.sends() == []

    working.cancel()  # the first sender dies mid-send: nothing renews its rows any more
    await asyncio.gather(working, return_exceptions=True)
    clock.advance(seconds=policy.lease + 0.1)
    report = DrainReport()
    assert await second.pass_once(report) is True
    assert report.sent == 3
    assert sorted(c.key for c in other.sends()) == ["k0", "k1", "k2"]
