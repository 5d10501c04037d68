"""The fake platform answers 429 with Retry-After, 500s and slow replies: everything still
arrives, once, in order per conversation, and no request comes inside a Retry-After window."""

from __future__ import annotations

from sqlalchemy import select

from bot.core import Core
from bot.delivery.outbox import enqueue
from bot.delivery.sender import RetryPolicy, Sender
from bot.messages import Text
from bot.store.models import OutboxRow
from tests.fakes.platform import FakePlatform, Faults, HttpChat, Limits

CONVERSATIONS = 12
PER_CONVERSATION = 4


async def queue_messages(core: Core, community: int) -> None:
    async with core.db.session() as session, session.begin():
        for n in range(PER_CONVERSATION):
            for c in range(CONVERSATIONS):
                await enqueue(
                    session,
                    community_id=community,
                    key=f"c{c}:m{n}",
                    kind="text",
                    message=Text(f"message {n}"),
                    conversation_id=f"C{c}",
                )


async def queue_intros(core: Core, community: int, groups: int) -> None:
    """Intros to groups whose conversations are still to open."""
    async with core.db.session() as session, session.begin():
        for g in range(groups):
            await enqueue(
                session,
                community_id=community,
                key=f"intro:{g}",
                kind="intro",
                message=Text("hello"),
                people=[f"a{g}", f"b{g}"],
            )


async def deliver(core: Core, platform: FakePlatform, *, timeout: float = 0.5) -> None:
    chat = HttpChat(platform.url, timeout=timeout)
    try:
        policy = RetryPolicy(base=0.02, cap=0.2, max_attempts=30)
        await Sender(core.db, chat, policy=policy, batch=10).drain(max_wait=60)
    finally:
        await chat.close()


async def test_rate_limits_errors_and_slow_replies_still_deliver_everything_in_order(
    core: Core, community: int
) -> None:
    await queue_messages(core, community)
    platform = FakePlatform(
        Faults(rate_limit_every=5, retry_after=0.15, error_every=7, slow_every=11, slow_seconds=0.6)
    )
    await platform.start()
    try:
        await deliver(core, platform)
    finally:
        await platform.stop()
    assert platform.rate_limited > 0
    assert platform.inside_window == 0, platform.violations
    assert len(platform.shown) == CONVERSATIONS * PER_CONVERSATION
    for c in range(CONVERSATIONS):
        assert platform.order[f"C{c}"] == [f"c{c}:m{n}" for n in range(PER_CONVERSATION)]
    assert max(platform.attempts.values()) >= 2  # a slow reply was sent again, shown once
    async with core.db.session() as session:
        statuses = set((await session.scalars(select(OutboxRow.status))).all())
    assert statuses == {"sent"}


async def test_a_platform_wide_limit_holds_every_request_until_it_lifts(
    core: Core, community: int
) -> None:
    await queue_intros(core, community, 20)
    platform = FakePlatform(limits=Limits(opens_per_second=40, open_burst=5))
    await platform.start()
    try:
        await deliver(core, platform)
    finally:
        await platform.stop()
    assert platform.rate_limited > 0
    assert platform.inside_window == 0
    assert platform.opens == 20 and len(platform.shown) == 20


async def test_a_gone_member_makes_one_intro_dead_and_the_rest_arrive(
    core: Core, community: int
) -> None:
    await queue_intros(core, community, 5)
    platform = FakePlatform(Faults(gone={"a2"}))
    await platform.start()
    try:
        await deliver(core, platform)
    finally:
        await platform.stop()
    async with core.db.session() as session:
        rows = {r.key: r for r in (await session.scalars(select(OutboxRow))).all()}
    assert rows["intro:2"].status == "dead"
    assert rows["intro:2"].last_error == "user_not_found"
    assert {k for k, r in rows.items() if r.status == "sent"} == {
        f"intro:{g}" for g in (0, 1, 3, 4)
    }
