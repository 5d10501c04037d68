"""On Slack: a message in an introduction's group DM answers it; whoever answers none of three is
told in a direct message, with a "Keep me in" button that brings them back."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from adapters.slack import chat_for, sync_community
from bot.core import Core
from bot.domain import Community, Platform
from bot.settings import Settings
from bot.store.models import GroupRow, MemberRow
from bot.store.standing import GroupAnswerRow
from bot.texts import copy
from tests.adapters.slack.conftest import CHANNEL, TEAM, Web, people, recorded
from tests.conftest import MovableClock
from tests.fakes.slack.delivery import deliver
from tests.fakes.slack.server import FakeSlack
from tests.fakes.slack.state import SIGNING_SECRET


async def answers(core: Core) -> int:
    async with core.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(GroupAnswerRow)) or 0)


async def test_messages_in_group_dms_answer_intros_and_keep_me_in_brings_the_quiet_one_back(
    fake: FakeSlack,
    web: Web,
    slack_settings: Settings,
    core: Core,
    slack_community: int,
    clock: MovableClock,
) -> None:
    ids = people(fake, 6)
    community = Community(slack_community, Platform.SLACK, TEAM, CHANNEL, "Coffee")
    assert (await sync_community(slack_settings, core, community)).enrolled == 6
    ghost = ids[0]
    sender = core.sender(chat_for(slack_settings, core))
    written = 0
    for number in range(3):
        result = await core.run_round(slack_community)
        assert ghost in {p for g in result.groups for p in g}
        await sender.drain(community_id=slack_community)
        async with core.db.session() as session:
            groups = (
                await session.scalars(select(GroupRow).where(GroupRow.round_id == result.round_id))
            ).all()
        for group in groups:
            assert group.conversation_id is not None
            conversation = fake.workspace.conversations[group.conversation_id]
            assert conversation.kind == "mpim"
            for person in conversation.members:
                if person in (ghost, fake.workspace.bot_user):
                    continue
                written += 1
                body = recorded("message_mpim", event_id=f"Ev0MPIM{number}{written:03d}")
                body["event"] = {**body["event"], "user": person, "channel": conversation.id}
                assert (await deliver(web.events, "event", body, secret=SIGNING_SECRET))[0] == 200
        for _ in range(250):
            if await answers(core) == written:
                break
            await asyncio.sleep(0.02)
        assert await answers(core) == written  # everyone who wrote, in their own group only
        clock.advance(weeks=1)

    fourth = await core.run_round(slack_community)
    assert ghost not in {p for g in fourth.groups for p in g}
    await sender.drain(community_id=slack_community)
    first_name = fake.workspace.users[ghost].first_name
    notice = copy("quiet.paused", first_name=first_name, n=3)
    [(where, message)] = [
        (c, m) for c, m in fake.workspace.posts() if str(m.get("text")).startswith(notice)
    ]
    assert fake.workspace.conversations[where].kind == "im"
    [actions] = [b for b in message["blocks"] if b["type"] == "actions"]
    [keep] = actions["elements"]
    assert keep["text"]["text"] == copy("quiet.keep_me_in")
    payload = recorded(
        "block_actions_message",
        user={"id": ghost, "username": "g", "name": "g", "team_id": TEAM},
        channel={"id": where, "name": "im"},
        container={"type": "message", "message_ts": message["ts"], "channel_id": where},
        response_url=fake.response_url(),
        actions=[{**keep, "block_id": actions["block_id"], "type": "button", "action_ts": "2.0"}],
    )
    assert (await deliver(web.events, "interactive", payload, secret=SIGNING_SECRET))[0] == 200
    await fake.wait_for(lambda: bool(fake.responses))
    [(_, answer)] = fake.responses
    assert answer["text"] == copy("quiet.kept_in", first_name=first_name)
    async with core.db.session() as session:
        member = await session.scalar(select(MemberRow).where(MemberRow.platform_id == ghost))
        assert member is not None and member.status == "active"
