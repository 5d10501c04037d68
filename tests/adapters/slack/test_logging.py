"""What Bolt logs through us: no request body on a bad signature, no "token will be unused"."""

from __future__ import annotations

import logging

import pytest

from adapters.slack import asgi_app
from bot.core import Core
from bot.settings import Settings
from tests.adapters.slack.conftest import Web, recorded
from tests.fakes.slack.delivery import deliver
from tests.fakes.slack.server import FakeSlack
from tests.fakes.slack.state import BOT_TOKEN


async def test_a_bad_signature_is_logged_without_the_requests_body(
    fake: FakeSlack, web: Web, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    payload = recorded("slash_command", text="join my-private-words-SECRET42")
    status, _ = await deliver(web.events, "command", payload, secret="not-the-secret")
    assert status == 401
    assert "Invalid request signature detected (request not logged)" in caplog.text
    assert "SECRET42" not in caplog.text and "my-private-words" not in caplog.text


def test_bolt_does_not_warn_that_the_environments_bot_token_will_be_unused(
    slack_settings: Settings,
    core: Core,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)  # Bolt reads it from the environment too
    caplog.set_level(logging.DEBUG)
    asgi_app(slack_settings, core)
    assert "will be unused" not in caplog.text
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
