"""Multi-workspace installs: Bolt's OAuth flow against the fake Slack, with slack_sdk's SQLAlchemy
stores in the project's database; the installed workspace's token then delivers and authorizes."""

from __future__ import annotations

import aiohttp
import pytest
from sqlalchemy import inspect, text

from adapters.slack import chat_for, oauth
from bot.core import Core
from bot.domain import Community, Platform
from bot.errors import Undeliverable
from bot.events import Actor, ButtonPressed, CommandInvoked, Where
from bot.messages import Choices, Text
from bot.ports import ConversationRef
from bot.settings import Settings
from tests.adapters.slack.conftest import OTHER, Web, install, recorded, said
from tests.fakes.slack.delivery import deliver
from tests.fakes.slack.server import FakeSlack
from tests.fakes.slack.state import SIGNING_SECRET, User


async def test_an_install_stores_the_workspaces_token_and_the_outbox_delivers_with_it(
    fake: FakeSlack, oauth_web: Web, oauth_settings: Settings, core: Core
) -> None:
    status, _ = await install(fake, oauth_web, OTHER)
    assert status == 200
    [exchange] = fake.ok_calls_of("oauth.v2.access")
    assert exchange.args["code"] == "code-1"
    async with core.db.engine.connect() as conn:
        tables = await conn.run_sync(lambda c: inspect(c).get_table_names())
    assert {"slack_installations", "slack_bots", "slack_oauth_states"} <= set(tables)
    fake.workspace.add_channel("C0OTHER001", [])
    community = Community(1, Platform.SLACK, OTHER, "C0OTHER001", "Other")
    sent = await chat_for(oauth_settings, core)(community).send(
        ConversationRef("C0OTHER001"), Text("hello"), key="k"
    )
    assert sent.conversation.id == "C0OTHER001"
    [(_, message)] = fake.workspace.posts()
    assert message["text"] == "hello"


async def test_a_workspace_that_never_installed_gets_nothing_delivered(
    fake: FakeSlack, oauth_web: Web, oauth_settings: Settings, core: Core
) -> None:
    community = Community(1, Platform.SLACK, "T0NOBODY1", "C0NOBODY01", "Nobody")
    with pytest.raises(Undeliverable, match="not installed in workspace T0NOBODY1"):
        await chat_for(oauth_settings, core)(community).send(
            ConversationRef("C0NOBODY01"), Text("hello"), key="k"
        )
    assert fake.calls_of("chat.postMessage") == []


async def test_a_command_from_an_installed_workspace_is_authorized_by_its_installation(
    fake: FakeSlack, oauth_web: Web, core: Core
) -> None:
    await core.ensure_community(Platform.SLACK, OTHER, "C0OTHER001", name="Other")
    await install(fake, oauth_web, OTHER)
    fake.workspace.add_user(User("U0ADA00001", "Ada"))
    url = fake.response_url()
    payload = recorded("slash_command", team_id=OTHER, channel_id="C0OTHER001", response_url=url)
    status, _ = await deliver(oauth_web.events, "command", payload, secret=SIGNING_SECRET)
    assert status == 200
    await fake.wait_for(lambda: bool(fake.responses))
    assert fake.responses[0][1]["text"].startswith(said("join.ok", first_name="Ada"))
    [lookup] = fake.ok_calls_of("users.info")
    assert lookup.args["user"] == "U0ADA00001"


async def test_a_callback_with_a_forged_state_installs_nothing(
    fake: FakeSlack, oauth_web: Web
) -> None:
    fake.workspace.codes["code-1"] = OTHER
    async with aiohttp.ClientSession() as browser:
        url = f"{oauth_web.url}/slack/oauth_redirect?code=code-1&state=forged"
        async with browser.get(url, headers={"Cookie": "slack-app-oauth-state=forged"}) as done:
            assert done.status == 401
    assert fake.calls_of("oauth.v2.access") == []


async def installation_rows(core: Core) -> list[str]:
    async with core.db.engine.connect() as conn:
        rows = []
        for table in ("slack_installations", "slack_bots"):
            result = await conn.execute(text(f"SELECT * FROM {table}"))
            rows += [repr(tuple(row)) for row in result.all()]
    return rows


async def test_forget_me_scrubs_who_installed_the_app_and_the_bot_keeps_working(
    fake: FakeSlack, oauth_web: Web, oauth_settings: Settings, core: Core
) -> None:
    await core.ensure_community(Platform.SLACK, OTHER, "C0OTHER001", name="Other")
    await install(fake, oauth_web, OTHER)
    held = oauth.stores(oauth_settings, core.db.engine)
    installed = await held.installations.async_find_installation(enterprise_id=None, team_id=OTHER)
    assert installed is not None and installed.user_id == "U0INSTALLER"
    installed.user_token = "xoxp-USERTOKEN-1"  # as an install with user scopes keeps it
    await held.installations.async_save(installed)
    assert any("U0INSTALLER" in row for row in await installation_rows(core))
    where = Where(Platform.SLACK, OTHER, "C0OTHER001")
    ines, bob = Actor("U0INSTALLER", "Ines Installer"), Actor("U0BOB00001", "Bob")
    for person in (ines, bob):
        await core.handle(CommandInvoked(where, person, "join"))
    asked = await core.handle(CommandInvoked(where, ines, "forget-me"))
    assert isinstance(asked, Choices)
    [confirm] = [b for b in asked.buttons if b.action == "forget_confirm"]
    done = await core.handle(ButtonPressed(where, ines, "forget_confirm", confirm.value))
    assert isinstance(done, Text) and "Ines" in done.body
    rows = await installation_rows(core)
    assert rows and not [r for r in rows if "U0INSTALLER" in r or "xoxp-USERTOKEN" in r]
    assert await held.bot_token(OTHER) == f"xoxb-{OTHER}-installed-token"
    fake.workspace.add_channel("C0OTHER001", [])
    community = Community(1, Platform.SLACK, OTHER, "C0OTHER001", "Other")
    sent = await chat_for(oauth_settings, core)(community).send(
        ConversationRef("C0OTHER001"), Text("still here"), key="k"
    )
    assert sent.conversation.id == "C0OTHER001"
    assert await core.handle(CommandInvoked(where, bob, "status")) is not None
