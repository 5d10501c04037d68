"""End to end on the fake Slack: introductions' group DMs older than `close-dms-after` (30 days
by default) are closed with conversations.close, each once, at Slack's own Tier 2 pace; younger
ones and a Slack Connect group's thread in the channel are not; a 429 is waited out."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from adapters.slack import chat_for, sync_community
from adapters.slack.shared import thread_of
from bot.core import Core
from bot.delivery.scheduler import desired_jobs
from bot.delivery.sender import Sender
from bot.delivery.shared_limits import SharedLimits
from bot.domain import Community, Platform
from bot.events import Actor, CommandInvoked, Where
from bot.messages import Text
from bot.ports import ClosesGroups
from bot.runtime import close_through, run_once
from bot.services.jobs import CLOSE
from bot.settings import Settings
from bot.store.models import CommunityRow, GroupRow
from bot.texts import copy
from tests.adapters.slack.conftest import CHANNEL, TEAM, people
from tests.factories import all_answer
from tests.fakes.clock import VirtualClock, virtual_clock
from tests.fakes.slack.server import FakeSlack
from tests.fakes.slack.state import User

GLOBEX = "T0GLOBEX01"


def coffee(community_id: int) -> Community:
    return Community(community_id, Platform.SLACK, TEAM, CHANNEL, "Coffee")


@pytest.fixture
def clock() -> VirtualClock:
    """The core's clock, moving as anything sleeps on it (the shared limits, the sender)."""
    return virtual_clock()


@pytest.fixture(autouse=True)
def slack_time(fake: FakeSlack, core: Core, clock: VirtualClock) -> None:
    """Slack's own limits (not sped up) on the core's clock: waits take no real time."""
    fake.scale, fake.now = 1.0, clock.time
    core.limits = SharedLimits(core.db, now=clock.time, sleep=clock.sleep)


async def a_round(core: Core, settings: Settings, clock: VirtualClock, community: int) -> None:
    """Today's round, its intros delivered, and three days on its follow-ups."""
    result = await core.run_round(community)
    await all_answer(core, result)
    sender = Sender(core.db, chat_for(settings, core), clock=clock, sleep=clock.sleep)
    assert (await sender.drain(community_id=community)).dead == 0
    clock.advance(days=3)
    await core.send_followups(community)
    assert (await sender.drain(community_id=community)).dead == 0
    clock.advance(days=-3)


async def conversations(core: Core) -> list[list[str]]:
    """Each round's group conversations, round by round."""
    async with core.db.session() as session:
        rows = (await session.scalars(select(GroupRow).order_by(GroupRow.id))).all()
    rounds: dict[int, list[str]] = {}
    for row in rows:
        assert row.conversation_id is not None
        rounds.setdefault(row.round_id, []).append(row.conversation_id)
    return list(rounds.values())


def closed(fake: FakeSlack) -> list[str]:
    return [str(c.args["channel"]) for c in fake.ok_calls_of("conversations.close")]


async def close(core: Core, settings: Settings, community: int) -> str:
    chat = chat_for(settings, core)(coffee(community))
    assert isinstance(chat, ClosesGroups)
    return str(await core.close_groups(community, chat))


async def test_group_dms_past_30_days_are_closed_once_and_younger_ones_and_threads_are_not(
    fake: FakeSlack,
    slack_settings: Settings,
    core: Core,
    slack_community: int,
    clock: VirtualClock,
) -> None:
    people(fake, 8)
    fake.workspace.add_team(GLOBEX, "Globex")
    for i, name in enumerate(("Gina", "Gus")):  # a Slack Connect partner's people
        uid = f"U0GLOB{i:04d}"
        fake.workspace.add_user(User(uid, name, team="Sales", team_id=GLOBEX))
        fake.workspace.conversations[CHANNEL].members.insert(0, uid)
    fake.workspace.conversations[CHANNEL].shared_with = [GLOBEX]
    await sync_community(slack_settings, core, coffee(slack_community))
    await a_round(core, slack_settings, clock, slack_community)  # Monday 4 January
    clock.advance(weeks=1)
    await a_round(core, slack_settings, clock, slack_community)
    first, second = await conversations(core)
    threads = [c for c in first if thread_of(c)[1]]
    dms = [c for c in first if not thread_of(c)[1]]
    assert threads and dms, "the round has a group across organisations, and group DMs"
    assert all(fake.workspace.conversations[c].kind == "mpim" for c in dms)

    clock.advance(days=23)  # Wednesday 3 February: round 1 ran 30 days ago, not more
    assert (await close(core, slack_settings, slack_community)).startswith("group DMs: 0 closed")
    assert closed(fake) == []
    clock.advance(days=1)
    done = await close(core, slack_settings, slack_community)
    assert done.startswith(f"group DMs: {len(dms)} closed, {len(threads)} threads left open")
    assert sorted(closed(fake)) == sorted(dms)  # each once; never the shared channel
    assert all(fake.workspace.conversations[c].closed for c in dms)
    assert not any(
        fake.workspace.conversations[c].closed for c in second if c in fake.workspace.conversations
    )
    assert not fake.workspace.conversations[CHANNEL].closed
    assert (await close(core, slack_settings, slack_community)).startswith("group DMs: 0 closed")
    assert len(closed(fake)) == len(dms)  # a second run closes nothing
    assert fake.inside_retry_after == 0


async def test_the_setting_is_respected_and_a_rate_limit_is_waited_out(
    fake: FakeSlack,
    slack_settings: Settings,
    core: Core,
    slack_community: int,
    clock: VirtualClock,
) -> None:
    ids = people(fake, 12)
    fake.workspace.users[ids[0]].is_admin = True
    await sync_community(slack_settings, core, coffee(slack_community))
    where = Where(Platform.SLACK, TEAM, CHANNEL)
    boss = Actor(ids[0], "Ada", platform_admin=True)
    said = await core.handle(CommandInvoked(where, boss, "set close-dms-after off"))
    assert said == Text(copy("set.ok", setting="close-dms-after", value="never"))
    await a_round(core, slack_settings, clock, slack_community)
    [dms] = await conversations(core)
    clock.advance(days=100)
    assert (await close(core, slack_settings, slack_community)).startswith("group DMs: 0 closed")
    said = await core.handle(CommandInvoked(where, boss, "set close-dms-after 60"))
    assert said == Text(
        copy("set.ok", setting="close-dms-after", value="60 days after their round")
    )
    fake.fail_next("conversations.close", "ratelimited", status=429, retry_after=30)
    fake.limit("conversations.close", 3, 60.0)  # tighter than Tier 2's 20: the limit is met
    began = clock.time()
    done = await close(core, slack_settings, slack_community)
    assert done.startswith(f"group DMs: {len(dms)} closed") and len(dms) == 6
    assert sorted(closed(fake)) == sorted(dms)
    assert [c.status for c in fake.calls_of("conversations.close")].count(429) >= 1
    assert fake.inside_retry_after == 0
    assert clock.time() - began >= 30  # the Retry-After was waited out, on the virtual clock


async def test_each_slack_community_has_a_daily_close_job_while_the_setting_is_on(
    fake: FakeSlack,
    slack_settings: Settings,
    core: Core,
    slack_community: int,
    community: int,
    clock: VirtualClock,
) -> None:
    jobs = {spec.id: spec for spec in await desired_jobs(core.db)}
    job = jobs[f"close-dms:{slack_community}"]
    assert (job.kind, job.community_id) == ("close-dms", slack_community)
    assert "hour='4', minute='0'" in str(job.trigger) and "Europe/London" in job.signature
    assert f"close-dms:{community}" not in jobs  # a console community has nothing to close
    people(fake, 4)
    await sync_community(slack_settings, core, coffee(slack_community))
    await a_round(core, slack_settings, clock, slack_community)
    clock.advance(days=31)
    done = await close_through(core, chat_for(slack_settings, core), slack_community)
    assert done.startswith("group DMs: 2 closed") and len(closed(fake)) == 2
    async with core.db.transaction() as session:
        row = await session.get(CommunityRow, slack_community)
        assert row is not None
        row.close_dms_after = 0
    assert f"close-dms:{slack_community}" not in {s.id for s in await desired_jobs(core.db)}


async def test_run_now_close_dms_closes_the_old_group_dms_at_once(
    fake: FakeSlack,
    slack_settings: Settings,
    core: Core,
    slack_community: int,
    clock: VirtualClock,
) -> None:
    people(fake, 6)
    await sync_community(slack_settings, core, coffee(slack_community))
    await a_round(core, slack_settings, clock, slack_community)
    (dms,) = await conversations(core)
    clock.advance(days=31)
    done = await run_once(core, slack_settings, CLOSE, slack_community)
    assert done.startswith(f"group DMs: {len(dms)} closed")
    assert sorted(closed(fake)) == sorted(dms)
    again = await run_once(core, slack_settings, CLOSE, slack_community)
    assert again.startswith("group DMs: 0 closed") and len(closed(fake)) == len(dms)
