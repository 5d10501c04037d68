"""Admins' controls by slash command on the fake Slack: opt-out and opt-in a member (an opt-out
outlasts leaving and rejoining the channel, and a sync), and blackout days."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from adapters.slack import sync_community, translate
from bot.core import Core
from bot.domain import Community, Platform
from bot.settings import Settings
from bot.store.blackouts import BlackoutRow
from bot.store.models import MemberRow, OutboxRow
from bot.texts import copy
from tests.adapters.slack.conftest import CHANNEL, TEAM, Web, people, recorded
from tests.adapters.slack.test_http import command, statuses
from tests.fakes.slack.delivery import deliver
from tests.fakes.slack.server import FakeSlack
from tests.fakes.slack.state import SIGNING_SECRET


async def test_a_workspace_admin_opts_a_member_out_and_in_and_the_bot_itself_is_refused(
    fake: FakeSlack, web: Web, core: Core, slack_community: int
) -> None:
    ada, grace = people(fake, 2)
    fake.workspace.users[grace].is_admin = True
    await command(fake, web, ada, "join")
    refused = await command(fake, web, ada, f"opt-out <@{grace}|grace>")
    assert refused == copy("error.role", first_name="Ada", command="opt-out", role="admin")
    done = await command(fake, web, grace, f"opt-out <@{ada}|ada>")
    assert done == copy("opt.done_out", first_name="Ada")
    assert (await statuses(core))[ada] == "opted_out"
    bot = await command(fake, web, grace, f"opt-out <@{fake.workspace.bot_user}|bridgework>")
    assert bot == copy("opt.bot", verb="opt-out")
    back = await command(fake, web, grace, f"opt-in <@{ada}|ada>")
    assert back == copy("opt.done_in", first_name="Ada")
    assert (await statuses(core))[ada] == "active"
    async with core.db.session() as session:
        told = (await session.scalars(select(OutboxRow).where(OutboxRow.kind == "opt"))).all()
        assert len((await session.scalars(select(MemberRow))).all()) == 1
    assert [row.people for row in told] == [[ada], [ada]]


async def channel_event(
    fake: FakeSlack, web: Web, core: Core, name: str, user: str, n: int
) -> None:
    """Deliver a member_joined_channel or member_left_channel for ``user``; wait till handled."""
    body = recorded(name, event_id=f"Ev0OPT{n:05d}")
    body["event"] = {**body["event"], "user": user}
    assert (await deliver(web.events, "event", body, secret=SIGNING_SECRET))[0] == 200
    key = translate.delivery_key(body)
    for _ in range(500):
        if await core.handled(key):
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{name} was not handled")


async def test_an_opted_out_member_who_leaves_and_rejoins_the_channel_stays_out_until_opted_in(
    fake: FakeSlack, web: Web, core: Core, slack_community: int, slack_settings: Settings
) -> None:
    ada, grace, alan = people(fake, 3)
    fake.workspace.users[grace].is_admin = True
    await sync_community(
        slack_settings, core, Community(slack_community, Platform.SLACK, TEAM, CHANNEL, "Coffee")
    )
    await command(fake, web, grace, f"opt-out <@{ada}|ada>")
    await command(fake, web, alan, "leave")
    for n, pid in enumerate((ada, alan)):
        fake.workspace.conversations[CHANNEL].members.remove(pid)
        await channel_event(fake, web, core, "member_left_channel", pid, 2 * n)
        fake.workspace.conversations[CHANNEL].members.append(pid)
        await channel_event(fake, web, core, "member_joined_channel", pid, 2 * n + 1)
    assert (await statuses(core))[ada] == (await statuses(core))[alan] == "opted_out"
    report = await sync_community(
        slack_settings, core, Community(slack_community, Platform.SLACK, TEAM, CHANNEL, "Coffee")
    )
    assert report.left_out["said leave"] == 2  # (and the bot itself)
    assert await statuses(core) == {ada: "opted_out", grace: "active", alan: "opted_out"}
    await command(fake, web, grace, f"opt-in <@{ada}|ada>")
    assert (await command(fake, web, alan, "join")).startswith("Welcome, ")
    assert set((await statuses(core)).values()) == {"active"}


async def test_a_workspace_admin_adds_lists_and_clears_blackout_days(
    fake: FakeSlack, web: Web, core: Core, slack_community: int
) -> None:
    [grace] = people(fake, 1)
    fake.workspace.users[grace].is_admin = True
    added = await command(fake, web, grace, "skip 2027-12-21..2028-01-03")
    assert "move to Tuesday 4 January 2028" in added
    listed = await command(fake, web, grace, "skip list")
    assert "Tuesday 21 December 2027 to Monday 3 January 2028" in listed
    refused = await command(fake, web, grace, "skip 2028-01-03..2027-12-21")
    assert "say the earlier day first" in refused
    await command(fake, web, grace, "skip clear all")
    async with core.db.session() as session:
        assert (await session.scalars(select(BlackoutRow))).all() == []
