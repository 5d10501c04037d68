"""The Chat port over slack_sdk, against the fake Slack."""

from __future__ import annotations

from pathlib import Path

import pytest
from slack_sdk.errors import SlackApiError

from adapters.slack import chat_for, roster_teams
from adapters.slack.chat import SlackChat, web_client
from bot.core import Core
from bot.domain import Community, Platform
from bot.errors import PlatformUnavailable, RateLimited, Undeliverable
from bot.messages import Button, Choices, Field, Form, Image, Intro, IntroPerson, Text
from bot.ports import ConversationRef, SpaceRef
from bot.settings import Settings
from tests.adapters.slack.conftest import CHANNEL, TEAM, people
from tests.fakes.slack.server import FakeSlack
from tests.fakes.slack.state import BOT_TOKEN, User

SPACE = SpaceRef(TEAM, CHANNEL)


def a_chat(fake: FakeSlack, **options: object) -> SlackChat:
    return SlackChat(BOT_TOKEN, api_url=fake.api_url, channel=CHANNEL, **options)  # type: ignore[arg-type]


def an_intro() -> Intro:
    return Intro(
        greeting="Hello Ada and Grace! You're this round's introduction.",
        people=(IntroPerson("Ada", "Engineering"), IntroPerson("Grace", "Sales")),
        starter="What did you learn this week?",
        scheduler_note="Grace, would you suggest a time that works for all of you?",
        buttons=(Button("We met", "outcome", "1:met"), Button("Not yet", "outcome", "1:not_yet")),
    )


async def test_members_come_with_first_name_time_zone_and_department_over_every_page(
    fake: FakeSlack,
) -> None:
    ids = people(fake, 7)
    fake.workspace.users[ids[0]].tz = "America/New_York"
    members = await a_chat(fake, page_size=3).members(SPACE)
    assert [m.platform_id for m in members] == [*ids, fake.workspace.bot_user]
    ada = members[0]
    assert (ada.display_name, ada.timezone, ada.team) == (
        "Ada Person0",
        "America/New_York",
        "Engineering",
    )
    assert [m.team for m in members[:4]] == ["Engineering", "Sales", "Finance", "Legal"]
    assert len(fake.ok_calls_of("conversations.members")) == 3  # 8 members, pages of 3


async def test_bots_guests_deactivated_accounts_and_slackbot_are_reported_as_such(
    fake: FakeSlack,
) -> None:
    ws = fake.workspace
    ws.add_user(User("U0GUEST001", "Gus", is_restricted=True))
    ws.add_user(User("U0SINGLE01", "Sam", is_ultra_restricted=True))
    ws.add_user(User("U0GONE0001", "Gone", deleted=True))
    ws.add_user(User("U0PERSON01", "Pat"))
    ws.add_channel(CHANNEL, ["U0GUEST001", "U0SINGLE01", "U0GONE0001", "USLACKBOT", "U0PERSON01"])
    facts = {
        m.platform_id: (m.bot, m.guest, m.deactivated) for m in await a_chat(fake).members(SPACE)
    }
    assert facts == {
        "U0GUEST001": (False, True, False),
        "U0SINGLE01": (False, True, False),
        "U0GONE0001": (False, False, True),
        "USLACKBOT": (True, False, False),
        "U0PERSON01": (False, False, False),
        ws.bot_user: (True, False, False),
    }


async def test_without_a_team_field_in_the_workspace_the_roster_gives_the_team(
    fake: FakeSlack,
) -> None:
    ids = people(fake, 2)
    fake.workspace.field_label = "Pronouns"
    chat = a_chat(fake, roster={ids[0]: "Acme/Ops"})
    teams = [m.team for m in await chat.members(SPACE)]
    assert teams[:2] == ["Acme/Ops", None]
    assert fake.calls_of("users.profile.get") == []


async def test_a_group_opens_one_group_dm_with_the_people(fake: FakeSlack) -> None:
    ids = people(fake, 3)
    opened = await a_chat(fake).open_group(ids)
    conversation = fake.workspace.conversations[opened.id]
    assert conversation.kind == "mpim"
    assert set(conversation.members) == {*ids, fake.workspace.bot_user}
    assert fake.ok_calls_of("conversations.open")[0].args["users"] == ",".join(ids)


async def test_an_intro_is_posted_as_block_kit_carrying_its_key(fake: FakeSlack) -> None:
    ids = people(fake, 2)
    chat = a_chat(fake)
    where = await chat.open_group(ids)
    sent = await chat.send(where, an_intro(), key="intro:1:1:0")
    [(conversation, message)] = fake.workspace.posts()
    assert (conversation, message["ts"]) == (sent.conversation.id, sent.message_id)
    assert message["metadata"] == {
        "event_type": "bridgework_outbox",
        "event_payload": {"key": "intro:1:1:0"},
    }
    texts = " ".join(b["text"]["text"] for b in message["blocks"] if "text" in b)
    assert "Hello Ada and Grace" in texts and "> What did you learn this week?" in texts
    fields = [f["text"] for b in message["blocks"] for f in b.get("fields", [])]
    assert fields == ["*Ada*\nEngineering", "*Grace*\nSales"]
    [actions] = [b for b in message["blocks"] if b["type"] == "actions"]
    assert [(e["text"]["text"], e["value"]) for e in actions["elements"]] == [
        ("We met", "1:met"),
        ("Not yet", "1:not_yet"),
    ]
    assert actions["block_id"].startswith(f"bw|{CHANNEL}|")


async def test_a_message_in_doubt_after_a_crash_is_found_and_not_posted_again(
    fake: FakeSlack,
) -> None:
    ids = people(fake, 2)
    first = a_chat(fake)
    where = await first.open_group(ids)
    sent = await first.send(where, Text("hello"), key="k1")
    restarted = a_chat(fake)  # a new process: no memory of what was sent
    assert await restarted.sent_before(where, Text("hello"), key="k1") == sent
    assert await restarted.send(where, Text("hello"), key="k1") == sent
    assert len(fake.ok_calls_of("chat.postMessage")) == 1
    assert len(fake.workspace.posts()) == 1
    assert len(fake.ok_calls_of("conversations.history")) == 1


async def test_messages_not_in_doubt_are_posted_without_reading_any_history(
    fake: FakeSlack,
) -> None:
    ids = people(fake, 3)
    chat = a_chat(fake)
    for i, pair in enumerate((ids[:2], ids[1:])):
        where = await chat.open_group(pair)
        await chat.send(where, Text("hello"), key=f"k{i}")
        await chat.send(where, Text("and again"), key=f"k{i}:next")
    assert len(fake.workspace.posts()) == 4
    assert fake.calls_of("conversations.history") == fake.calls_of("conversations.replies") == []


async def test_one_read_of_a_conversation_answers_for_every_message_in_doubt_there(
    fake: FakeSlack,
) -> None:
    ids = people(fake, 1)
    first = a_chat(fake)
    where = await first.open_group(ids)
    sent = [await first.send(where, Text(f"hello {i}"), key=f"k{i}") for i in range(3)]
    restarted = a_chat(fake)
    found = [await restarted.sent_before(where, Text(f"hello {i}"), key=f"k{i}") for i in range(4)]
    assert found == [*sent, None]  # the fourth was never posted
    assert len(fake.ok_calls_of("conversations.history")) == 1
    restarted.doubts_claimed()  # a claim brings new messages in doubt: what was read may be old
    assert await restarted.sent_before(where, Text("hello 3"), key="k3") is None
    assert len(fake.ok_calls_of("conversations.history")) == 2


async def test_outside_the_marketplace_the_fake_reads_history_once_a_minute_15_at_a_time(
    fake: FakeSlack,
) -> None:
    fake.marketplace = False
    ids = people(fake, 1)
    client = web_client(BOT_TOKEN, fake.api_url, rate_limit_retries=0)
    where = (await client.conversations_open(users=ids))["channel"]["id"]
    for i in range(20):
        fake.workspace.conversations[where].messages.append({"ts": f"1.{i:06d}", "text": str(i)})
    read = await client.conversations_history(channel=where, limit=100)
    assert len(read["messages"]) == 15 and read["has_more"]
    replies = await client.conversations_replies(channel=where, ts="1.000000")
    assert replies["ok"]  # a method of its own: its own minute
    with pytest.raises(SlackApiError) as caught:
        await client.conversations_history(channel=where)
    assert caught.value.response.status_code == 429
    assert int(caught.value.response.headers["Retry-After"]) >= 60 * fake.scale


async def test_an_update_edits_the_message_in_place(fake: FakeSlack) -> None:
    ids = people(fake, 2)
    chat = a_chat(fake)
    where = await chat.open_group(ids)
    sent = await chat.send(where, an_intro(), key="intro:1:1:0")
    await chat.update(sent, Choices("How did it go?", (Button("We met", "outcome", "1:met"),)))
    [(_, message)] = fake.workspace.posts()
    assert message["blocks"][0]["text"]["text"] == "How did it go?"
    assert "edited" in message


async def test_a_long_text_is_split_into_messages_within_slacks_limits(fake: FakeSlack) -> None:
    ids = people(fake, 1)
    chat = a_chat(fake)
    where = await chat.open_group(ids)
    line = "x" * 2900
    text = "\n".join(f"{i} {line}" for i in range(60))
    await chat.send(where, Text(text), key="digest:1")
    posts = [m for _, m in fake.workspace.posts()]
    assert len(posts) == 2
    assert [len(m["blocks"]) for m in posts] == [50, 10]
    assert all(len(b["text"]["text"]) <= 3000 for m in posts for b in m["blocks"])
    assert posts[1]["blocks"][-1]["text"]["text"].startswith("59 ")
    fake.workspace.conversations[where.id].messages.pop()  # a crash between the two parts
    restarted = a_chat(fake)
    assert await restarted.sent_before(where, Text(text), key="digest:1") is None
    again = await restarted.send(where, Text(text), key="digest:1")
    assert again.message_id == posts[0]["ts"]  # the first part is not posted again
    assert [m["blocks"] for _, m in fake.workspace.posts()] == [m["blocks"] for m in posts]


async def test_a_picture_is_uploaded_once_and_shown_with_its_text_alternative(
    fake: FakeSlack,
) -> None:
    ids = people(fake, 1)
    chat = a_chat(fake)
    where = await chat.open_group(ids)
    picture = Image(b"\x89PNG fake", "network.png", "Sales and Legal met twice.", "Network")
    sent = await chat.send(where, picture, key="digest:1:picture")
    restarted = a_chat(fake)  # in doubt after a crash: found, not uploaded again
    assert await restarted.sent_before(where, picture, key="digest:1:picture") == sent
    await restarted.send(where, picture, key="digest:1:picture")
    [upload] = fake.workspace.uploads.values()
    assert (upload["content"], upload["alt_txt"], upload["completed"]) == (
        b"\x89PNG fake",
        "Sales and Legal met twice.",
        True,
    )
    [(_, message)] = fake.workspace.posts()
    [block] = message["blocks"]
    assert block["type"] == "image" and block["alt_text"] == "Sales and Legal met twice."
    assert block["slack_file"] == {"id": next(iter(fake.workspace.uploads))}


async def test_a_form_opens_as_a_modal_on_the_interaction(fake: FakeSlack) -> None:
    form = Form(
        "reflection:7", "Reflection", (Field("answer", "What stayed with you?", multiline=True),)
    )
    await a_chat(fake).open_form("trigger-123", form)
    [modal] = fake.workspace.modals
    assert modal["callback_id"] == "reflection:7"
    assert modal["blocks"][0]["element"]["action_id"] == "answer"
    assert modal["private_metadata"] == '{"channel":"C0COFFEE01"}'


async def test_a_429_surfaces_as_rate_limited_with_slacks_retry_after(fake: FakeSlack) -> None:
    ids = people(fake, 2)
    fake.fail_next("conversations.open", "ratelimited", status=429, retry_after=7)
    with pytest.raises(RateLimited) as caught:
        await a_chat(fake).open_group(ids)
    assert caught.value.retry_after == 7.0
    assert len(fake.calls_of("conversations.open")) == 1


async def test_the_fake_enforces_the_per_channel_posting_limit(fake: FakeSlack) -> None:
    ids = people(fake, 1)
    fake.limit("chat.postMessage", 2, 100.0)  # 2 per 100 s × 0.01 = 1 s
    client = web_client(BOT_TOKEN, fake.api_url, rate_limit_retries=0)
    where = (await client.conversations_open(users=ids))["channel"]["id"]
    await client.chat_postMessage(channel=where, text="one")
    await client.chat_postMessage(channel=where, text="two")
    with pytest.raises(SlackApiError) as caught:
        await client.chat_postMessage(channel=where, text="three")
    assert int(caught.value.response.headers["Retry-After"]) >= 1
    assert [c.status for c in fake.calls_of("chat.postMessage")] == [200, 200, 429]
    with pytest.raises(SlackApiError):
        await client.chat_postMessage(channel=where, text="too soon")
    assert fake.inside_retry_after == 1


@pytest.mark.parametrize(
    ("error", "status", "kind"),
    [
        ("account_inactive", 200, Undeliverable),
        ("channel_not_found", 200, Undeliverable),
        ("is_archived", 200, Undeliverable),
        ("not_in_channel", 200, Undeliverable),
        ("internal_error", 200, PlatformUnavailable),
        ("service_unavailable", 503, PlatformUnavailable),
    ],
)
async def test_slack_errors_become_the_cores_delivery_errors(
    fake: FakeSlack, error: str, status: int, kind: type[Exception]
) -> None:
    people(fake, 1)
    fake.workspace.add_channel("C0OTHER001", [])
    fake.fail_next("chat.postMessage", error, status=status)
    with pytest.raises(kind) as caught:
        await a_chat(fake).send(ConversationRef("C0OTHER001"), Text("hi"), key="x")
    assert error in str(caught.value) or "HTTP" in str(caught.value)


async def test_a_deactivated_person_makes_the_group_undeliverable(fake: FakeSlack) -> None:
    ids = people(fake, 2)
    fake.workspace.users[ids[1]].deleted = True
    with pytest.raises(Undeliverable, match="user_disabled"):
        await a_chat(fake).open_group(ids)


async def test_listing_members_waits_out_rate_limits_instead_of_failing(fake: FakeSlack) -> None:
    people(fake, 5)
    fake.limit("users.info", 4, 100.0)  # 4 a second, at the fake's scale
    members = await a_chat(fake).members(SPACE)
    assert len(members) == 6
    statuses = [c.status for c in fake.calls_of("users.info")]
    assert 429 in statuses and statuses.count(200) == 6


async def test_a_roster_csv_gives_the_teams_profiles_leave_out(
    fake: FakeSlack, slack_settings: Settings, core: Core, tmp_path: Path
) -> None:
    ids = people(fake, 2)
    fake.workspace.users[ids[1]].team = None  # no Department in Grace's profile
    roster = tmp_path / "roster.csv"
    roster.write_text(f"id,name,team\n{ids[1]},Grace,Acme/Sales/EMEA\n", encoding="utf-8")
    community = Community(1, Platform.SLACK, TEAM, CHANNEL, "Coffee")
    chat = chat_for(slack_settings, core, roster=roster_teams(roster))(community)
    teams = {m.platform_id: m.team for m in await chat.members(SPACE)}
    assert (teams[ids[0]], teams[ids[1]]) == ("Engineering", "Acme/Sales/EMEA")
