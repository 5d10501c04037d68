"""A Slack Connect channel as a community: the partners' people take part as members of their
own organisations (not guests), and a group Slack will not open a direct message for, because it
spans organisations, meets in a thread of the shared channel — its intro and follow-ups there,
each posted once."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from adapters.slack import chat_for, sync_community
from bot.core import Core
from bot.delivery.outbox import claim
from bot.delivery.policy import DrainReport
from bot.delivery.sender import Sender
from bot.delivery.shared_limits import SharedLimits
from bot.domain import Community, Platform
from bot.settings import Settings
from bot.store import repo
from bot.store.models import OutboxRow
from bot.texts import copy
from tests.adapters.slack.conftest import CHANNEL, TEAM, people
from tests.fakes.clock import VirtualClock, virtual_clock
from tests.fakes.slack.server import FakeSlack
from tests.fakes.slack.state import User

GLOBEX, INITECH = "T0GLOBEX01", "T0INITECH1"


def coffee(community_id: int) -> Community:
    return Community(community_id, Platform.SLACK, TEAM, CHANNEL, "Coffee")


def a_shared_channel(fake: FakeSlack) -> dict[str, str]:
    """Four of Acme's people, three of Globex's and three of Initech's in the shared channel;
    the organisation of each."""
    fake.workspace.add_team(GLOBEX, "Globex")
    fake.workspace.add_team(INITECH, "Initech")
    ids = people(fake, 4)
    partners = {GLOBEX: ("Gina", "Gus", "Greta"), INITECH: ("Ivan", "Ines", "Ike")}
    organisation = {uid: "Acme" for uid in ids}
    for team, names in partners.items():
        for i, name in enumerate(names):
            uid = f"U0{team[2:6]}{i:04d}"
            fake.workspace.add_user(User(uid, name, team=f"Their dept {i}", team_id=team))
            fake.workspace.conversations[CHANNEL].members.insert(0, uid)
            organisation[uid] = fake.workspace.teams[team].name
    fake.workspace.conversations[CHANNEL].shared_with = [GLOBEX, INITECH]
    return organisation


async def test_partners_people_are_enrolled_under_their_workspaces_names_not_as_guests(
    fake: FakeSlack, slack_settings: Settings, core: Core, slack_community: int
) -> None:
    organisation = a_shared_channel(fake)
    report = await sync_community(slack_settings, core, coffee(slack_community))
    assert report.enrolled == 10 and report.left_out == {"bot": 1}  # the bot itself
    async with core.db.session() as session:
        teams = {m.platform_id: m.team for m in await repo.members(session, slack_community)}
    for uid, org in organisation.items():
        if org == "Acme":  # the host's people: their Department field, inside Acme
            assert teams[uid] == f"Acme/{fake.workspace.users[uid].team}"
        else:  # a partner's fields are their own workspace's: the organisation alone
            assert teams[uid] == org
    asked = {c.args.get("team") for c in fake.ok_calls_of("team.info")}
    assert asked == {TEAM, GLOBEX, INITECH}  # each workspace's name asked for once
    assert len(fake.ok_calls_of("team.info")) == 3


@pytest.fixture
def clock() -> VirtualClock:
    """The core's clock, moving as anything sleeps on it (the shared limits, the sender)."""
    return virtual_clock()


@pytest.fixture(autouse=True)
def slack_time(fake: FakeSlack, core: Core, clock: VirtualClock) -> None:
    """Slack's own limits (not sped up) on the core's clock: the groups' posts share one
    channel, paced at about one a second, and the waits take no real time."""
    fake.scale, fake.now = 1.0, clock.time
    core.limits = SharedLimits(core.db, now=clock.time, sleep=clock.sleep)


async def drained(
    core: Core, settings: Settings, clock: VirtualClock, community: int
) -> DrainReport:
    """Drain the community's outbox, the sender sleeping on the core's clock."""
    sender = Sender(core.db, chat_for(settings, core), clock=clock, sleep=clock.sleep)
    return await sender.drain(community_id=community)


async def test_a_group_across_organisations_meets_in_a_thread_of_the_shared_channel(
    fake: FakeSlack,
    slack_settings: Settings,
    core: Core,
    slack_community: int,
    clock: VirtualClock,
) -> None:
    organisation = a_shared_channel(fake)
    await sync_community(slack_settings, core, coffee(slack_community))
    result = await core.run_round(slack_community)
    report = await drained(core, slack_settings, clock, slack_community)
    assert report.sent == len(result.groups) and report.dead == 0
    mixed = [g for g in result.groups if len({organisation[p] for p in g}) > 1]
    assert mixed, "the pairing engine mixes the organisations"
    refused = [c for c in fake.calls_of("conversations.open") if c.error]
    assert {c.error for c in refused} == {"invalid_user_combination"}
    channel = fake.workspace.conversations[CHANNEL].messages
    parents = {m["ts"]: m for m in channel if "thread_ts" not in m or m["thread_ts"] == m["ts"]}
    for group in result.groups:
        if group not in mixed:
            continue
        parent = next(m for m in parents.values() if all(f"<@{p}>" in m["text"] for p in group))
        assert parent["text"].startswith(copy("slack.thread_intro", people="").split(":")[0])
        intro = [m for m in channel if m.get("thread_ts") == parent["ts"] and m is not parent]
        assert len(intro) == 1 and intro[0]["metadata"]["event_payload"]["key"].startswith("intro:")
    assert len(parents) == len(mixed)  # one thread per mixed group, no other channel post

    clock.advance(days=3)
    assert await core.send_followups(slack_community) == len(result.groups)
    report = await drained(core, slack_settings, clock, slack_community)
    assert report.dead == 0
    replies = Counter(m.get("thread_ts") for m in channel if m.get("thread_ts") != m["ts"])
    assert sorted(replies.values()) == [2] * len(mixed)  # the intro and its follow-up
    assert len(fake.ok_calls_of("chat.update")) == len(result.groups)  # the intros' buttons
    assert fake.inside_retry_after == 0


async def test_a_retried_intro_across_organisations_finds_its_thread_and_posts_once(
    fake: FakeSlack,
    slack_settings: Settings,
    core: Core,
    slack_community: int,
    clock: VirtualClock,
) -> None:
    fake.marketplace = False  # history at one read a minute, 15 messages
    a_shared_channel(fake)
    await sync_community(slack_settings, core, coffee(slack_community))
    result = await core.run_round(slack_community)
    claimed, _ = await claim(core.db, clock(), batch=100, lease=10.0)  # a sender claims them…
    async with core.db.session() as session:
        rows = (await session.scalars(select(OutboxRow).where(OutboxRow.id.in_(claimed)))).all()
    row = next(r for r in rows if any(p.startswith("U0GLOB") for p in r.people))
    crashed = chat_for(slack_settings, core)(coffee(slack_community))
    first = await crashed.open_group(row.people)  # …opens a mixed group's thread, and dies
    clock.advance(seconds=11)  # its lease runs out: every row it claimed is in doubt
    report = await drained(core, slack_settings, clock, slack_community)
    assert report.sent == len(result.groups) and report.dead == 0
    keys = Counter(
        m["metadata"]["event_payload"]["key"]
        for m in fake.workspace.conversations[CHANNEL].messages
        if "metadata" in m
    )
    assert set(keys.values()) == {1}  # one parent per mixed group, one intro in each thread
    mixed = [g for g in result.groups if any(p.startswith(("U0GLOB", "U0INIT")) for p in g)]
    assert len([k for k in keys if k.startswith("intro:")]) == len(mixed)
    async with core.db.session() as session:
        again = await session.get(OutboxRow, row.id)
    assert again is not None and again.sent_conversation_id == first.id  # the dead one's thread
    read = Counter(c.args["channel"] for c in fake.calls_of("conversations.history"))
    assert read[CHANNEL] == 1 and set(read.values()) == {1}  # each conversation read once
    assert fake.inside_retry_after == 0
