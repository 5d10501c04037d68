from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.core import Core
from bot.delivery.outbox import enqueue, status
from bot.delivery.sender import RetryPolicy, Sender
from bot.errors import PlatformUnavailable, RateLimited, Undeliverable
from bot.messages import Text
from bot.store.models import OutboxRow
from tests.conftest import MovableClock
from tests.recording import RecordingChat


async def queue(core: Core, community: int, key: str, conversation: str, body: str) -> None:
    async with core.db.session() as session, session.begin():
        await enqueue(
            session,
            community_id=community,
            key=key,
            kind="text",
            message=Text(body),
            conversation_id=conversation,
        )


def fast_sender(core: Core, chat: RecordingChat, clock: MovableClock) -> Sender:
    """A sender whose waits move the test clock instead of taking real time."""

    async def no_sleep(seconds: float) -> None:
        clock.advance(seconds=seconds)

    policy = RetryPolicy(base=1.0, max_attempts=3)
    return Sender(core.db, chat, clock=clock, policy=policy, sleep=no_sleep)


async def test_every_message_is_sent_once_and_its_platform_id_recorded(
    core: Core, community: int, clock: MovableClock
) -> None:
    for i in range(5):
        await queue(core, community, f"k{i}", "C1", f"hello {i}")
    await queue(core, community, "k0", "C1", "hello again")  # same key: not queued twice
    chat = RecordingChat()
    report = await core.sender(chat).drain()
    assert report.sent == 5
    assert [c.key for c in chat.sends()] == [f"k{i}" for i in range(5)]
    async with core.db.session() as session:
        rows = (await session.scalars(select(OutboxRow).order_by(OutboxRow.id))).all()
    assert [r.status for r in rows] == ["sent"] * 5
    assert [r.platform_message_id for r in rows] == [f"msg-{i + 1}" for i in range(5)]


async def test_a_rate_limit_is_waited_out_and_order_kept_per_conversation(
    core: Core, community: int, clock: MovableClock
) -> None:
    for i in range(3):
        await queue(core, community, f"a{i}", "CA", f"a{i}")
        await queue(core, community, f"b{i}", "CB", f"b{i}")
    chat = RecordingChat(fail_for={"CA": [RateLimited(30.0)]})
    started: datetime = clock()
    sender = fast_sender(core, chat, clock)
    report = await sender.drain()
    assert report.sent == 6
    a_keys = [c.key for c in chat.sends() if c.conversation == "CA"]
    b_keys = [c.key for c in chat.sends() if c.conversation == "CB"]
    assert a_keys == ["a0", "a1", "a2"]
    assert b_keys == ["b0", "b1", "b2"]
    assert (clock() - started).total_seconds() >= 30.0
    assert max(report.waits) >= 29.0


async def test_a_gone_user_is_dead_with_its_reason_and_blocks_nothing(
    core: Core, community: int, clock: MovableClock
) -> None:
    await queue(core, community, "gone", "CX", "to nobody")
    await queue(core, community, "fine", "CY", "to someone")
    chat = RecordingChat(fail_for={"CX": [Undeliverable("user_not_found")]})
    report = await fast_sender(core, chat, clock).drain()
    assert (report.sent, report.dead) == (1, 1)
    async with core.db.session() as session:
        summary = await status(session)
    assert (summary.pending, summary.sent, summary.dead) == (0, 1, 1)
    assert summary.dead_reasons == (("gone", "user_not_found"),)


async def test_transient_failures_are_retried_with_backoff_then_given_up(
    core: Core, community: int, clock: MovableClock
) -> None:
    await queue(core, community, "flaky", "CF", "eventually")
    await queue(core, community, "broken", "CB", "never")
    chat = RecordingChat(
        fail_for={
            "CF": [PlatformUnavailable("500")],
            "CB": [PlatformUnavailable("503")] * 5,
        }
    )
    report = await fast_sender(core, chat, clock).drain()
    assert report.sent == 1
    assert report.dead == 1
    async with core.db.session() as session:
        summary = await status(session)
    assert summary.dead_reasons == (("broken", "gave up after 3 attempts: 503"),)
