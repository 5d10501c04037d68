"""Admins' controls by slash command on the fake Slack: opt-out and opt-in a member."""

from __future__ import annotations

from sqlalchemy import select

from bot.core import Core
from bot.store.blackouts import BlackoutRow
from bot.store.models import MemberRow, OutboxRow
from bot.texts import copy
from tests.adapters.slack.conftest import Web, people
from tests.adapters.slack.test_http import command, statuses
from tests.fakes.slack.server import FakeSlack


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
