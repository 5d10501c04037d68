"""A crash with messages in doubt, at the history limits of an app outside the Slack Marketplace
(one conversations.history call a minute, 15 messages): only the rows a dead sender claimed and
never recorded are looked for, each conversation read once, paced by the shared limits, and
nothing is posted twice or lost. The fake keeps Slack's own limits on a virtual clock."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from adapters.slack import chat_for, sync_community
from bot.core import Core
from bot.delivery.codec import decode
from bot.delivery.outbox import claim
from bot.delivery.sender import Sender
from bot.delivery.shared_limits import SharedLimits
from bot.domain import Community, Platform
from bot.settings import Settings
from bot.store.models import OutboxRow
from tests.adapters.slack.conftest import CHANNEL, TEAM, people
from tests.fakes.clock import VirtualClock, virtual_clock
from tests.fakes.slack.server import FakeSlack

GROUPS = 50
POSTED = 30  # of the claimed rows, those the dead sender posted before it died


@pytest.fixture
def clock() -> VirtualClock:
    return virtual_clock()


@pytest.fixture(autouse=True)
def slack_time(fake: FakeSlack, core: Core, clock: VirtualClock) -> None:
    """Slack's own limits, outside the Marketplace, on the core's clock."""
    fake.scale, fake.now, fake.marketplace = 1.0, clock.time, False
    core.limits = SharedLimits(core.db, now=clock.time, sleep=clock.sleep)


def coffee(community_id: int) -> Community:
    return Community(community_id, Platform.SLACK, TEAM, CHANNEL, "Coffee")


async def test_a_crash_with_50_messages_in_doubt_resolves_within_the_history_limits(
    fake: FakeSlack,
    slack_settings: Settings,
    core: Core,
    slack_community: int,
    clock: VirtualClock,
) -> None:
    people(fake, 2 * GROUPS)
    await sync_community(slack_settings, core, coffee(slack_community))
    result = await core.run_round(slack_community)
    assert len(result.groups) == GROUPS
    claimed, _ = await claim(core.db, clock(), batch=100, lease=10.0)  # a sender claims all…
    async with core.db.session() as session:
        rows = (await session.scalars(select(OutboxRow).order_by(OutboxRow.id))).all()
    assert [r.id for r in rows] == claimed
    dead = chat_for(slack_settings, core)(coffee(slack_community))
    opened = set()
    for row in rows[: POSTED + 1]:  # …opens and posts 30, opens the 31st, and dies
        where = await dead.open_group(row.people)
        opened.add(where.id)
        if len(opened) <= POSTED:
            await dead.send(where, decode(row.payload), key=row.key)
    clock.advance(seconds=11)  # its lease runs out: all 50 are in doubt
    began, reads_before = clock.time(), len(fake.calls_of("conversations.history"))
    assert reads_before == 0  # sending read nothing

    sender = Sender(core.db, chat_for(slack_settings, core), clock=clock, sleep=clock.sleep)
    report = await sender.drain(community_id=slack_community, max_wait=7200)

    assert report.sent == GROUPS and report.dead == 0
    keys = Counter(m["metadata"]["event_payload"]["key"] for _, m in fake.workspace.posts())
    assert set(keys) == {r.key for r in rows}  # 0 lost
    assert set(keys.values()) == {1}  # 0 duplicates
    reads = fake.calls_of("conversations.history")
    per_conversation = Counter(c.args["channel"] for c in reads if c.ok)
    assert set(per_conversation.values()) == {1} and len(per_conversation) == GROUPS
    assert fake.inside_retry_after == 0  # no call inside a limit window
    assert all(int(c.args["limit"]) <= 15 for c in reads)
    # One read a minute: the 50 took 49 minutes at least, and a bounded time more (a call the
    # virtual clock made late can meet the next at Slack's bucket: a 429, held, then waited out).
    assert 49 * 60 <= clock.time() - began <= 2 * 49 * 62
