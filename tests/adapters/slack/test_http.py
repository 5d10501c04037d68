"""HTTP mode: signed requests from the fake Slack, dispatched to the Bolt app served by uvicorn."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import time

import aiohttp
import pytest
from sqlalchemy import select

from adapters.slack import asgi_app, render, serve_http
from bot.core import Core
from bot.domain import Platform
from bot.errors import ConfigError
from bot.settings import Settings
from bot.store import repo
from bot.store.models import MemberRow
from bot.texts import copy
from tests.adapters.slack.conftest import CHANNEL, TEAM, Web, people, recorded, said
from tests.fakes.slack.delivery import deliver
from tests.fakes.slack.server import FakeSlack
from tests.fakes.slack.state import SIGNING_SECRET, User, UserGroup


async def command(fake: FakeSlack, web: Web, user: str, text: str) -> str:
    """Send ``/bridgework TEXT`` as ``user``; the ephemeral answer Slack was given for them."""
    url = fake.response_url()
    payload = recorded("slash_command", user_id=user, text=text, response_url=url)
    status, _ = await deliver(web.events, "command", payload, secret=SIGNING_SECRET)
    assert status == 200
    await fake.wait_for(
        lambda: any(path == url.removeprefix(fake.base) for path, _ in fake.responses)
    )
    [answer] = [body for path, body in fake.responses if path == url.removeprefix(fake.base)]
    assert answer["response_type"] == "ephemeral"
    return str(answer["text"])


async def statuses(core: Core) -> dict[str, str]:
    async with core.db.session() as session:
        rows = (await session.scalars(select(MemberRow))).all()
    return {r.platform_id: r.status for r in rows}


async def test_a_slash_command_reaches_the_core_and_its_answer_is_shown_privately(
    fake: FakeSlack, web: Web, core: Core, slack_community: int
) -> None:
    [ada] = people(fake, 1)
    answer = await command(fake, web, ada, "join")
    assert answer.startswith(said("join.ok", first_name="Ada"))
    assert await statuses(core) == {ada: "active"}


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        ("command", "slash_command"),
        ("interactive", "block_actions_home"),
        ("event", "member_joined_channel"),
    ],
)
async def test_a_request_with_a_bad_signature_gets_401_and_changes_nothing(
    fake: FakeSlack, web: Web, core: Core, slack_community: int, kind: str, name: str
) -> None:
    fake.workspace.add_user(User("U0ADA00001", "Ada"))
    payload = recorded(name)
    status, _ = await deliver(web.events, kind, payload, secret="not-the-secret")
    assert status == 401
    await _settle()
    assert await statuses(core) == {}
    assert fake.calls == [] and fake.responses == [] and fake.workspace.homes == {}


async def test_slacks_url_verification_challenge_is_answered(fake: FakeSlack, web: Web) -> None:
    challenge = {"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}
    status, body = await deliver(
        web.events, "event", {**challenge, "type": "url_verification"}, secret=SIGNING_SECRET
    )
    assert status == 200
    assert json.loads(body) == {"challenge": challenge["challenge"]}  # Slack accepts JSON


async def test_a_replayed_request_with_a_stale_timestamp_gets_401(
    fake: FakeSlack, web: Web, core: Core, slack_community: int
) -> None:
    [ada] = people(fake, 1)
    payload = recorded("slash_command", user_id=ada, text="join", response_url=fake.response_url())
    an_hour_ago = time.time() - 3600
    status, _ = await deliver(
        web.events, "command", payload, secret=SIGNING_SECRET, timestamp=an_hour_ago
    )
    assert status == 401
    assert await statuses(core) == {}


async def test_an_admin_command_by_a_member_is_refused_and_by_a_workspace_admin_done(
    fake: FakeSlack, web: Web, core: Core, slack_community: int
) -> None:
    ada, grace = people(fake, 2)
    fake.workspace.users[grace].is_admin = True
    refused = await command(fake, web, ada, "set day friday")
    assert refused == copy("error.role", first_name="Ada", command="set", role="admin")
    done = await command(fake, web, grace, "set day friday")
    assert done == copy("set.ok", setting="day", value="Friday")


async def test_a_member_joining_the_channel_is_enrolled_with_their_department(
    fake: FakeSlack, web: Web, core: Core, slack_community: int
) -> None:
    fake.workspace.add_user(User("U0ADA00001", "Ada", "Lovelace", team="Engineering"))
    payload = recorded("member_joined_channel")
    status, _ = await deliver(web.events, "event", payload, secret=SIGNING_SECRET)
    assert status == 200
    await fake.wait_for(lambda: bool(fake.ok_calls_of("users.profile.get")))
    await _settle()
    async with core.db.session() as session:
        [ada] = (await session.scalars(select(MemberRow))).all()
    assert (ada.platform_id, ada.first_name, ada.team, ada.status) == (
        "U0ADA00001",
        "Ada",
        "Engineering",
        "active",
    )


async def test_a_bot_or_guest_joining_the_channel_is_not_enrolled(
    fake: FakeSlack, web: Web, core: Core, slack_community: int
) -> None:
    fake.workspace.add_user(User("U0ADA00001", "Ada", is_restricted=True))
    status, _ = await deliver(
        web.events, "event", recorded("member_joined_channel"), secret=SIGNING_SECRET
    )
    assert status == 200
    await fake.wait_for(lambda: bool(fake.ok_calls_of("users.info")))
    await _settle()
    assert await statuses(core) == {}


async def test_a_member_leaving_the_channel_is_taken_out_of_the_rounds(
    fake: FakeSlack, web: Web, core: Core, slack_community: int
) -> None:
    fake.workspace.add_user(User("U0ADA00001", "Ada"))
    await command(fake, web, "U0ADA00001", "join")
    status, _ = await deliver(
        web.events, "event", recorded("member_left_channel"), secret=SIGNING_SECRET
    )
    assert status == 200
    for _ in range(100):
        if await statuses(core) == {"U0ADA00001": "left"}:
            break
        await _settle()
    assert await statuses(core) == {"U0ADA00001": "left"}


async def test_opening_the_app_home_shows_ones_status_and_a_join_button(
    fake: FakeSlack, web: Web, core: Core, slack_community: int
) -> None:
    fake.workspace.add_user(User("U0ADA00001", "Ada"))
    status, _ = await deliver(
        web.events, "event", recorded("app_home_opened"), secret=SIGNING_SECRET
    )
    assert status == 200
    await fake.wait_for(lambda: "U0ADA00001" in fake.workspace.homes)
    home = fake.workspace.homes["U0ADA00001"]
    texts = [b["text"]["text"] for b in home["blocks"] if b["type"] == "section"]
    assert texts == [copy("status.unknown")]
    [actions] = [b for b in home["blocks"] if b["type"] == "actions"]
    assert [e["text"]["text"] for e in actions["elements"]] == [copy("home.join")]


async def test_a_workspace_admin_sees_the_communitys_settings_in_the_app_home(
    fake: FakeSlack, web: Web, core: Core, slack_community: int
) -> None:
    fake.workspace.add_user(User("U0ADA00001", "Ada", is_owner=True))
    fake.workspace.add_user(User("U0GRACE001", "Grace"))
    for uid in ("U0ADA00001", "U0GRACE001"):
        body = recorded("app_home_opened")
        body["event"]["user"] = uid
        status, _ = await deliver(web.events, "event", body, secret=SIGNING_SECRET)
        assert status == 200
    await fake.wait_for(lambda: {"U0ADA00001", "U0GRACE001"} <= set(fake.workspace.homes))

    def text(uid: str) -> str:
        blocks = fake.workspace.homes[uid]["blocks"]
        return "\n".join(b["text"]["text"] for b in blocks if b["type"] == "section")

    settings = said("home.admin", community="Coffee")
    assert settings in text("U0ADA00001") and settings not in text("U0GRACE001")


async def test_pressing_join_in_the_app_home_enrols_and_republishes_the_home(
    fake: FakeSlack, web: Web, core: Core, slack_community: int
) -> None:
    fake.workspace.add_user(User("U0ADA00001", "Ada"))
    status, _ = await deliver(
        web.events, "interactive", recorded("block_actions_home"), secret=SIGNING_SECRET
    )
    assert status == 200
    await fake.wait_for(lambda: "U0ADA00001" in fake.workspace.homes)
    assert await statuses(core) == {"U0ADA00001": "active"}
    home = fake.workspace.homes["U0ADA00001"]
    assert home["blocks"][0]["text"]["text"].startswith(said("join.ok", first_name="Ada"))
    [actions] = [b for b in home["blocks"] if b["type"] == "actions"]
    assert [e["text"]["text"] for e in actions["elements"]] == [
        copy("home.pause"),
        copy("home.leave"),
    ]


async def _settle() -> None:
    await asyncio.sleep(0.05)


async def test_a_modal_submission_reaches_the_core_and_an_unknown_form_is_said(
    fake: FakeSlack,
    web: Web,
    slack_community: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.dispatch")
    fake.workspace.add_user(User("U0ADA00001", "Ada"))
    status, body = await deliver(
        web.events, "interactive", recorded("view_submission"), secret=SIGNING_SECRET
    )
    assert status == 200  # the modal says the form is not one Bridgework knows
    assert '"response_action": "update"' in body and "That form isn" in body
    assert f"community {slack_community}: unknown form 'reflection:7'" in caplog.text


async def test_serve_http_serves_the_app_on_slack_port_until_cancelled(
    fake: FakeSlack, slack_settings: Settings, core: Core, slack_community: int
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = slack_settings.model_copy(update={"slack_port": port, "log_level": "WARNING"})
    running = asyncio.create_task(serve_http(settings, core, host="127.0.0.1"))
    try:
        [ada] = people(fake, 1)
        web = Web(f"http://127.0.0.1:{port}")
        answer = ""
        for _ in range(200):
            try:
                answer = await command(fake, web, ada, "status")
                break
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.02)
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
    assert answer == copy("status.unknown")


def test_http_mode_without_a_signing_secret_names_the_setting(
    slack_settings: Settings, core: Core
) -> None:
    without = slack_settings.model_copy(update={"slack_signing_secret": None})
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        asgi_app(without, core)


async def test_joining_or_leaving_another_channel_of_the_workspace_changes_nothing(
    fake: FakeSlack, web: Web, core: Core, slack_community: int
) -> None:
    fake.workspace.add_user(User("U0ADA00001", "Ada"))
    await command(fake, web, "U0ADA00001", "join")
    fake.workspace.add_user(User("U0GRACE001", "Grace"))
    fake.workspace.add_user(User("U0ALAN0001", "Alan"))
    joined = recorded("member_joined_channel")
    joined["event"] = {**joined["event"], "user": "U0GRACE001", "channel": "C0RANDOM01"}
    left = recorded("member_left_channel")
    left["event"] = {**left["event"], "channel": "C0RANDOM01"}
    marker = recorded("member_joined_channel", event_id="Ev0JOIN0002")  # then Alan joins ours
    marker["event"] = {**marker["event"], "user": "U0ALAN0001"}
    for body in (joined, left, marker):
        assert (await deliver(web.events, "event", body, secret=SIGNING_SECRET))[0] == 200
    for _ in range(200):
        if "U0ALAN0001" in await statuses(core):
            break
        await _settle()
    await _settle()
    assert await statuses(core) == {"U0ADA00001": "active", "U0ALAN0001": "active"}


async def test_with_two_communities_the_app_home_shows_each_and_a_press_acts_on_its_own(
    fake: FakeSlack, web: Web, core: Core, slack_community: int
) -> None:
    # Core.ensure_community would return Coffee here (it falls back to the workspace's only
    # community), so the second community is added to the store directly.
    async with core.db.session() as session, session.begin():
        row = await repo.add_community(
            session, platform=Platform.SLACK, workspace=TEAM, channel="C0LUNCH001", name="Lunch"
        )
        other = row.id
    fake.workspace.add_user(User("U0ADA00001", "Ada"))
    status, _ = await deliver(
        web.events, "event", recorded("app_home_opened"), secret=SIGNING_SECRET
    )
    assert status == 200
    await fake.wait_for(lambda: "U0ADA00001" in fake.workspace.homes)
    blocks = fake.workspace.homes["U0ADA00001"]["blocks"]
    headings = [
        b["text"]["text"] for b in blocks if b.get("text", {}).get("text", "").startswith("<#")
    ]
    assert headings == [f"<#{CHANNEL}>", "<#C0LUNCH001>"]
    actions = [b for b in blocks if b["type"] == "actions"]
    assert [render.block_channel(a["block_id"]) for a in actions] == [CHANNEL, "C0LUNCH001"]

    fake.workspace.homes.clear()
    press = recorded("block_actions_home")
    lunch_join = actions[1]["elements"][0]
    press["actions"] = [{**lunch_join, "block_id": actions[1]["block_id"], "type": "button"}]
    assert (await deliver(web.events, "interactive", press, secret=SIGNING_SECRET))[0] == 200
    await fake.wait_for(lambda: "U0ADA00001" in fake.workspace.homes)
    async with core.db.session() as session:
        rows = (await session.scalars(select(MemberRow))).all()
    assert [(r.community_id, r.status) for r in rows] == [(other, "active")]


async def test_a_slack_user_group_linked_to_lead_makes_its_members_leads(
    fake: FakeSlack, web: Web, core: Core, slack_community: int
) -> None:
    ada, grace, bob = people(fake, 3)
    fake.workspace.users[grace].is_admin = True
    fake.workspace.usergroups["S0LEADS01"] = UserGroup("S0LEADS01", "Team Leads", "leads", [bob])
    assert "is for leads" in await command(fake, web, bob, "digest")
    linked = await command(fake, web, grace, 'role link lead "Team Leads"')
    assert linked == copy("roles.linked", name="Team Leads", role="lead")
    assert await command(fake, web, bob, "digest") == copy("digest.sent")
    assert "is for leads" in await command(fake, web, ada, "digest")
    assert len(fake.ok_calls_of("usergroups.list")) == 1  # cached across the four commands


async def test_a_workspace_without_user_groups_still_answers_commands(
    fake: FakeSlack, web: Web, core: Core, slack_community: int
) -> None:
    [ada] = people(fake, 1)
    fake.workspace.paid = False
    answer = await command(fake, web, ada, "join")
    assert answer.startswith(said("join.ok", first_name="Ada"))
