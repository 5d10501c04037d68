"""A time to meet on Slack: the intro's times in each reader's own time with a "This works"
beside each, and the invite shared as a file (files.getUploadURLExternal, the upload,
files.completeUploadExternal) in the group DM, once."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.slack import chat_for, sync_community
from adapters.slack.chat import SlackChat
from bot.core import Core
from bot.domain import Community, Platform
from bot.errors import Undeliverable
from bot.messages import Invite
from bot.ports import ConversationRef
from bot.settings import Settings
from tests.adapters.slack.conftest import CHANNEL, TEAM, Web, people, recorded
from tests.bot.test_ics import unfolded
from tests.conftest import MovableClock
from tests.fakes.slack.delivery import deliver
from tests.fakes.slack.server import FakeSlack
from tests.fakes.slack.state import BOT_TOKEN, SIGNING_SECRET

DATE = re.compile(r"<!date\^(\d+)\^\{date_short_pretty\}, \{time\}\|([^>]+)>")


async def intro_in_a_group_dm(
    fake: FakeSlack, settings: Settings, core: Core, community_id: int
) -> tuple[str, dict[str, Any]]:
    ids = people(fake, 2)
    fake.workspace.users[ids[1]].tz = "America/New_York"
    await sync_community(
        settings, core, Community(community_id, Platform.SLACK, TEAM, CHANNEL, "C")
    )
    await core.run_round(community_id)
    await core.sender(chat_for(settings, core)).drain(community_id=community_id)
    [(conversation, message)] = fake.workspace.posts()
    return conversation, message


def time_blocks(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in message["blocks"] if "accessory" in b]


async def test_each_time_is_shown_in_the_readers_own_time_with_its_button_beside_it(
    fake: FakeSlack, slack_settings: Settings, core: Core, slack_community: int, clock: MovableClock
) -> None:
    _, message = await intro_in_a_group_dm(fake, slack_settings, core, slack_community)
    blocks = time_blocks(message)
    assert len(blocks) == 3
    for number, block in enumerate(blocks):
        found = DATE.search(block["text"]["text"])
        assert found is not None, block
        stamp = int(found.group(1))
        assert stamp > clock().timestamp()
        assert re.fullmatch(r"\w{3} \d\d:\d\d for \w+, (\w{3} )?\d\d:\d\d for \w+", found.group(2))
        assert block["accessory"]["text"]["text"] == "This works"
        assert block["accessory"]["action_id"] == f"bw.slot.t{number}"
        assert block["block_id"].startswith(f"bw|{CHANNEL}|t{number}|")
    assert fake.violations == []


async def test_when_both_tap_the_same_time_the_invite_is_shared_in_the_group_dm_once(
    fake: FakeSlack,
    slack_settings: Settings,
    core: Core,
    slack_community: int,
    web: Web,
    clock: MovableClock,
) -> None:
    conversation, message = await intro_in_a_group_dm(fake, slack_settings, core, slack_community)
    chosen = time_blocks(message)[1]
    members = [u for u in fake.workspace.conversations[conversation].members]
    people_in = [u for u in members if u != fake.workspace.bot_user]
    for presser in [*people_in, people_in[0]]:  # the last one taps again
        payload = recorded(
            "block_actions_message",
            user={"id": presser, "username": "p", "name": "p", "team_id": TEAM},
            channel={"id": conversation, "name": "mpdm"},
            response_url=fake.response_url(),
            actions=[
                {
                    **chosen["accessory"],
                    "block_id": chosen["block_id"],
                    "type": "button",
                    "action_ts": "1.0",
                }
            ],
        )
        status, _ = await deliver(web.events, "interactive", payload, secret=SIGNING_SECRET)
        assert status == 200
    await fake.wait_for(lambda: len(fake.responses) == 3)
    answers = [answer["text"] for _, answer in fake.responses]
    assert "Waiting for" in answers[0] and "That's everyone" in answers[1]
    assert "already agreed" in answers[2]
    await core.sender(chat_for(slack_settings, core)).drain(community_id=slack_community)
    shared = [m for m in fake.workspace.conversations[conversation].messages if m.get("files")]
    assert len(shared) == 1
    assert "It's settled" in shared[0]["text"]
    [upload] = fake.workspace.uploads.values()
    assert upload["completed"] and upload["shared"] == conversation
    lines = unfolded(upload["content"].decode("utf-8"))
    stamp = int(DATE.search(chosen["text"]["text"]).group(1))  # type: ignore[union-attr]
    assert any(line.startswith("DTSTART:") for line in lines)
    assert f"DTSTART:{datetime.fromtimestamp(stamp, UTC):%Y%m%dT%H%M%SZ}" in lines
    assert len(fake.ok_calls_of("files.getUploadURLExternal")) == 1
    assert len(fake.ok_calls_of("files.completeUploadExternal")) == 1


async def test_an_invite_in_doubt_after_a_crash_is_found_and_not_shared_twice(
    fake: FakeSlack,
) -> None:
    # The sender asks sent_before for a row in doubt (claimed by a sender that died) before it
    # sends it again: the look reads the conversation once and finds the file by its name.
    ids = people(fake, 2)
    chat = SlackChat(BOT_TOKEN, api_url=fake.api_url, channel=CHANNEL)
    where = await chat.open_group(ids)
    invite = Invite(
        "It's settled.", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "bridgework-meeting-7.ics"
    )
    first = await chat.send(where, invite, key="slots-agreed:7")
    restarted = SlackChat(BOT_TOKEN, api_url=fake.api_url, channel=CHANNEL)
    again = await restarted.sent_before(where, invite, key="slots-agreed:7")
    assert again is not None and again.conversation == first.conversation
    assert await restarted.send(where, invite, key="slots-agreed:7") == again  # not shared
    shared = [m for m in fake.workspace.conversations[where.id].messages if m.get("files")]
    assert len(shared) == 1 and shared[0]["files"][0]["name"] == "bridgework-meeting-7.ics"
    assert len(fake.ok_calls_of("files.completeUploadExternal")) == 1


async def test_the_fake_refuses_to_share_a_file_where_the_bot_is_not(fake: FakeSlack) -> None:
    people(fake, 2)
    fake.workspace.add_channel("C0ELSEWHERE", [])
    fake.workspace.conversations["C0ELSEWHERE"].members.remove(fake.workspace.bot_user)
    chat = SlackChat(BOT_TOKEN, api_url=fake.api_url, channel=CHANNEL)
    invite = Invite("x", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "m.ics")
    with pytest.raises(Undeliverable, match="not_in_channel"):
        await chat.send(ConversationRef("C0ELSEWHERE"), invite, key="k")
    assert not any(m.get("files") for m in fake.workspace.conversations["C0ELSEWHERE"].messages)
