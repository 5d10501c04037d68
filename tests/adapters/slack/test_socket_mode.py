"""Socket Mode: the real slack_sdk SocketModeClient connects to the fake's websocket (opened with
apps.connections.open and the app-level token) and Bolt answers the envelopes it receives."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import SecretStr

from adapters.slack import serve
from bot.core import Core
from bot.errors import ConfigError
from bot.settings import Settings
from tests.adapters.slack.conftest import people, recorded, said
from tests.fakes.slack.server import FakeSlack


async def test_serve_answers_a_slash_command_over_socket_mode_until_cancelled(
    fake: FakeSlack, slack_settings: Settings, core: Core, slack_community: int
) -> None:
    [ada] = people(fake, 1)
    running = asyncio.create_task(serve(slack_settings, core))
    try:
        url = fake.response_url()
        payload = recorded("slash_command", user_id=ada, text="join", response_url=url)
        envelope = await fake.push("slash_commands", payload)
        await fake.wait_for(lambda: bool(fake.responses))
    finally:
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running
    assert envelope.acked.is_set()
    [(_, answer)] = fake.responses
    assert answer["text"].startswith(said("join.ok", first_name="Ada"))
    assert [c.status for c in fake.calls_of("apps.connections.open")] == [200]


async def test_an_event_over_socket_mode_is_acknowledged_and_handled(
    fake: FakeSlack, slack_settings: Settings, core: Core, slack_community: int
) -> None:
    people(fake, 1)
    running = asyncio.create_task(serve(slack_settings, core))
    try:
        body = recorded("app_home_opened")
        body["event"]["user"] = "U0P0000000"
        await fake.push("events_api", body)
        await fake.wait_for(lambda: "U0P0000000" in fake.workspace.homes)
    finally:
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running


async def test_socket_mode_without_an_app_token_names_the_setting(
    slack_settings: Settings, core: Core
) -> None:
    without = slack_settings.model_copy(update={"slack_app_token": None})
    with pytest.raises(ConfigError, match="SLACK_APP_TOKEN"):
        await serve(without, core)


async def test_a_refused_app_token_stops_start_up_naming_the_setting_not_the_token(
    fake: FakeSlack, slack_settings: Settings, core: Core
) -> None:
    wrong = "xapp-1-A0BRIDGE1-0000-revoked"
    settings = slack_settings.model_copy(update={"slack_app_token": SecretStr(wrong)})
    with pytest.raises(ConfigError) as caught:
        await serve(settings, core)
    assert str(caught.value) == "SLACK_APP_TOKEN: Slack refused it (invalid_auth)"
