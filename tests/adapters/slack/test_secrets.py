"""Tokens and secrets never appear in logs or error messages, even at DEBUG level."""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr

from adapters.slack import chat_for, check_credentials, redact, socket_mode_handler
from bot.core import Core
from bot.domain import Community, Platform
from bot.errors import DeliveryError
from bot.messages import Text
from bot.ports import ConversationRef
from bot.settings import Settings
from tests.adapters.slack.conftest import CHANNEL, OTHER, TEAM, Web, install, people, recorded
from tests.fakes.slack.delivery import deliver
from tests.fakes.slack.server import FakeSlack
from tests.fakes.slack.state import (
    APP_TOKEN,
    BOT_TOKEN,
    CLIENT_SECRET,
    SIGNING_SECRET,
)

INSTALLED = f"xoxb-{OTHER}-installed-token"  # what the fake's oauth.v2.access hands out
SECRETS = (BOT_TOKEN, APP_TOKEN, SIGNING_SECRET, CLIENT_SECRET, INSTALLED)


def assert_hidden(text: str) -> None:
    leaked = [s for s in SECRETS if s in text]
    assert leaked == [], "secrets in the logs or errors"


async def test_an_oauth_install_and_its_deliveries_log_no_token(
    fake: FakeSlack,
    oauth_web: Web,
    oauth_settings: Settings,
    core: Core,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    await install(fake, oauth_web, OTHER)
    fake.workspace.add_channel("C0OTHER001", [])
    chat = chat_for(oauth_settings, core)(Community(1, Platform.SLACK, OTHER, "C0OTHER001", "O"))
    await chat.send(ConversationRef("C0OTHER001"), Text("hello"), key="k")
    assert fake.ok_calls_of("oauth.v2.access"), "the install happened"
    assert "access_token" in caplog.text, "slack_sdk logged the exchange's response body"
    assert_hidden(caplog.text)


async def test_failed_calls_and_socket_mode_log_no_token_and_their_errors_name_none(
    fake: FakeSlack,
    slack_settings: Settings,
    core: Core,
    slack_community: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    [ada] = people(fake, 1)
    community = Community(slack_community, Platform.SLACK, TEAM, CHANNEL, "Coffee")
    chat = chat_for(slack_settings, core)(community)
    errors: list[str] = []
    for error, status in (("invalid_auth", 200), ("internal_error", 500), ("ratelimited", 429)):
        fake.fail_next("chat.postMessage", error, status=status, retry_after=0)
        if status == 429:  # slack_sdk's retry handler waits out the first
            fake.fail_next("chat.postMessage", error, status=status, retry_after=0)
        with pytest.raises(DeliveryError) as caught:
            await chat.send(ConversationRef(CHANNEL), Text("hi"), key=f"k-{error}")
        errors.append(str(caught.value))
    handler = socket_mode_handler(slack_settings, core)
    await handler.connect_async()  # type: ignore[no-untyped-call]
    try:
        url = fake.response_url()
        await fake.push("slash_commands", recorded("slash_command", user_id=ada, response_url=url))
        await fake.wait_for(lambda: bool(fake.responses))
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]
    assert len(errors) == 3 and "invalid_auth" in errors[0]
    assert_hidden(caplog.text + "\n".join(errors))


async def test_a_signed_request_and_a_forged_one_log_no_secret(
    fake: FakeSlack, web: Web, slack_community: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    [ada] = people(fake, 1)
    events = web.events
    payload = recorded("slash_command", user_id=ada, response_url=fake.response_url())
    assert (await deliver(events, "command", payload, secret=SIGNING_SECRET))[0] == 200
    assert (await deliver(events, "command", payload, secret="wrong"))[0] == 401
    await fake.wait_for(lambda: bool(fake.responses))
    assert_hidden(caplog.text)


async def test_doctor_reports_the_workspace_and_a_bad_token_without_showing_it(
    fake: FakeSlack, slack_settings: Settings
) -> None:
    fake.limit("apps.connections.open", 100, 60)  # Tier 1 is one a minute; this test asks thrice
    ok, detail = await check_credentials(slack_settings)
    assert (ok, detail) == (True, "bot bridgework in Acme (T0BRIDGE1), Socket Mode")
    wrong = "xoxb-9999-wrong-token-value"
    bad = slack_settings.model_copy(update={"slack_bot_token": SecretStr(wrong)})
    ok, detail = await check_credentials(bad)
    assert not ok and "invalid_auth" in detail and wrong not in detail
    wrong_app = "xapp-1-A0BRIDGE1-9999-wrong"
    bad = slack_settings.model_copy(update={"slack_app_token": SecretStr(wrong_app)})
    ok, detail = await check_credentials(bad)
    assert not ok and detail.startswith("undeliverable: apps.connections.open: invalid_auth")
    assert "SLACK_APP_TOKEN" in detail and wrong_app not in detail


def test_redaction_hides_every_kind_of_slack_token_and_configured_secrets() -> None:
    redact.install([SIGNING_SECRET])
    text = f"bot {BOT_TOKEN} app {APP_TOKEN} user xoxp-1-2-3 secret {SIGNING_SECRET}"
    assert redact.redact(text) == (
        "bot xoxb-[redacted] app xapp-[redacted] user xoxp-[redacted] secret [redacted]"
    )
