"""`bridgework doctor` on Slack: every kind of configuration is checked the way Slack will use
it — the bot token, the app-level token alone (Socket Mode), OAuth installs."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from adapters.slack import check_credentials
from bot.doctor import Check, run_checks
from bot.settings import Settings
from tests.fakes.slack.server import FakeSlack
from tests.fakes.slack.state import APP_TOKEN, BOT_TOKEN, CLIENT_ID, CLIENT_SECRET, SIGNING_SECRET


def slack_check(checks: list[Check]) -> Check:
    [found] = [c for c in checks if c.name == "slack"]
    return found


async def test_the_doctor_checks_an_app_token_set_alone_and_names_what_socket_mode_lacks(
    fake: FakeSlack, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_APP_TOKEN", APP_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", fake.api_url)
    check = slack_check(await run_checks(env_file=None))
    assert not check.ok
    assert "SLACK_APP_TOKEN works, but Socket Mode also needs SLACK_BOT_TOKEN" in check.detail
    assert len(fake.ok_calls_of("apps.connections.open")) == 1


async def test_a_refused_app_token_set_alone_is_reported_without_showing_it(
    fake: FakeSlack, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = "xapp-1-A0BRIDGE1-9999-wrong"
    monkeypatch.setenv("SLACK_APP_TOKEN", wrong)
    monkeypatch.setenv("SLACK_API_URL", fake.api_url)
    check = slack_check(await run_checks(env_file=None))
    assert not check.ok and "apps.connections.open: invalid_auth" in check.detail
    assert wrong not in check.detail


async def test_socket_mode_is_checked_with_the_app_level_token_itself(
    fake: FakeSlack, slack_settings: Settings
) -> None:
    ok, detail = await check_credentials(slack_settings)
    assert (ok, detail) == (True, "bot bridgework in Acme (T0BRIDGE1), Socket Mode")
    bot_as_app = slack_settings.model_copy(update={"slack_app_token": SecretStr(BOT_TOKEN)})
    ok, detail = await check_credentials(bot_as_app)
    assert not ok and "SLACK_APP_TOKEN must be an app-level token (xapp-…)" in detail
    assert BOT_TOKEN not in detail
    assert len(fake.calls_of("apps.connections.open")) == 1  # the bot token was never sent there


async def test_a_rate_limited_socket_mode_check_is_reported_at_once_not_waited_out(
    fake: FakeSlack, slack_settings: Settings
) -> None:
    fake.fail_next("apps.connections.open", "ratelimited", status=429, retry_after=45)
    ok, detail = await check_credentials(slack_settings)
    assert not ok
    assert "rate-limited apps.connections.open" in detail and "again in 45 s" in detail
    assert len(fake.calls_of("apps.connections.open")) == 1


async def test_oauth_installs_alone_are_checked_for_the_settings_they_need(
    fake: FakeSlack, settings: Settings
) -> None:
    oauth = settings.model_copy(
        update={
            "slack_client_id": CLIENT_ID,
            "slack_client_secret": SecretStr(CLIENT_SECRET),
            "slack_api_url": fake.api_url,
        }
    )
    ok, detail = await check_credentials(oauth)
    assert not ok and detail == "OAuth installs also need SLACK_SIGNING_SECRET"
    signed = oauth.model_copy(update={"slack_signing_secret": SecretStr(SIGNING_SECRET)})
    ok, detail = await check_credentials(signed)
    assert ok and detail.startswith("OAuth installs")
    ok, detail = await check_credentials(oauth.model_copy(update={"slack_client_secret": None}))
    assert not ok and "SLACK_CLIENT_SECRET" in detail


async def test_a_bot_token_without_a_way_to_receive_commands_is_reported(
    fake: FakeSlack, slack_settings: Settings
) -> None:
    bare = slack_settings.model_copy(update={"slack_app_token": None, "slack_signing_secret": None})
    ok, detail = await check_credentials(bare)
    assert not ok and "Bridgework cannot receive commands" in detail
