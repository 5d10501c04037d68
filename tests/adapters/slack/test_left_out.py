"""On Slack: whom a round cannot place gets the notice in a direct message, the rest their intro."""

from __future__ import annotations

from sqlalchemy import select

from adapters.slack import chat_for, sync_community
from bot.core import Core
from bot.domain import Community, Platform
from bot.settings import Settings
from bot.store.models import MemberRow
from bot.texts import copy
from tests.adapters.slack.conftest import CHANNEL, TEAM, people
from tests.fakes.slack.server import FakeSlack


async def test_the_one_left_out_is_told_in_a_direct_message(
    fake: FakeSlack, slack_settings: Settings, core: Core, slack_community: int
) -> None:
    ids = people(fake, 3)
    community = Community(slack_community, Platform.SLACK, TEAM, CHANNEL, "Coffee")
    assert (await sync_community(slack_settings, core, community)).enrolled == 3
    async with core.db.transaction() as session:
        member = await session.scalar(select(MemberRow).where(MemberRow.platform_id == ids[2]))
        assert member is not None
        member.never_with = ids[:2]
        first_name = member.first_name
    result = await core.run_round(slack_community)
    assert result.groups == (tuple(sorted(ids[:2])),)
    report = await core.sender(chat_for(slack_settings, core)).drain(community_id=slack_community)
    assert report.sent == 2 and report.dead == 0
    notice = copy("left_out.notice", first_name=first_name)
    told = [
        (fake.workspace.conversations[c], m) for c, m in fake.workspace.posts() if notice in str(m)
    ]
    assert [(c.kind, sorted(c.members)) for c, _ in told] == [
        ("im", sorted([ids[2], fake.workspace.bot_user]))
    ]
