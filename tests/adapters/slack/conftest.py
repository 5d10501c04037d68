"""Fixtures for the Slack adapter's tests: the fake Slack, settings pointing at it, a Slack
community on the shared ``core`` fixture, its people, and the HTTP-mode app served by uvicorn."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import uvicorn
from pydantic import SecretStr

from adapters.slack import asgi_app
from bot.core import Core
from bot.domain import Platform
from bot.settings import Settings
from bot.texts import copy
from tests.fakes.slack.server import FakeSlack
from tests.fakes.slack.state import (
    APP_TOKEN,
    BOT_TOKEN,
    CLIENT_ID,
    CLIENT_SECRET,
    SIGNING_SECRET,
    User,
)

PAYLOADS = Path(__file__).parent / "payloads"
UNSAID = "\x00"
TEAM = "T0BRIDGE1"
CHANNEL = "C0COFFEE01"
NAMES = ("Ada", "Grace", "Alan", "Barbara", "Priya", "Kofi", "Mei", "Lars", "Amara", "Diego")
DEPARTMENTS = ("Engineering", "Sales", "Finance", "Legal")


def said(name: str, **values: object) -> str:
    """How copy NAME begins, up to the first placeholder not given (a date, a count…)."""
    filled: dict[str, object] = dict(values)
    while True:
        try:
            return copy(name, **filled).split(UNSAID)[0]
        except KeyError as missing:
            filled[str(missing.args[0])] = UNSAID


def recorded(name: str, **changes: Any) -> dict[str, Any]:
    """A payload as Slack sends it (payloads/NAME.json), with top-level fields changed."""
    payload: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))
    payload.update(changes)
    return payload


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    slack = await FakeSlack().start()
    try:
        yield slack
    finally:
        await slack.stop()
    assert slack.violations == [], "calls the published Slack spec does not allow"


@pytest.fixture
def slack_settings(settings: Settings, fake: FakeSlack) -> Settings:
    return settings.model_copy(
        update={
            "slack_bot_token": SecretStr(BOT_TOKEN),
            "slack_app_token": SecretStr(APP_TOKEN),
            "slack_signing_secret": SecretStr(SIGNING_SECRET),
            "slack_api_url": fake.api_url,
        }
    )


@pytest.fixture
async def slack_community(core: Core) -> int:
    return await core.ensure_community(
        Platform.SLACK, TEAM, CHANNEL, name="Coffee", timezone="Europe/London"
    )


def people(fake: FakeSlack, count: int, *, channel: str = CHANNEL) -> list[str]:
    """``count`` people in the community channel, spread over four departments."""
    ids: list[str] = []
    for i in range(count):
        uid = f"U0P{i:07d}"
        fake.workspace.add_user(
            User(uid, NAMES[i % len(NAMES)], f"Person{i}", team=DEPARTMENTS[i % len(DEPARTMENTS)])
        )
        ids.append(uid)
    existing = fake.workspace.conversations.get(channel)
    if existing is None:
        fake.workspace.add_channel(channel, ids)
    else:
        existing.members[:0] = ids
    return ids


@dataclass
class Web:
    url: str

    @property
    def events(self) -> str:
        return f"{self.url}/slack/events"


@pytest.fixture
async def web(slack_settings: Settings, core: Core, fake: FakeSlack) -> AsyncIterator[Web]:
    """The HTTP-mode app (``bridgework run --role web``) served by uvicorn on 127.0.0.1, its
    calls paced on the fake's sped-up limits."""
    async for served in serve(asgi_app(slack_settings, core, tier_scale=fake.scale)):
        yield served


OTHER = "T0OTHER01"


@pytest.fixture
def oauth_settings(slack_settings: Settings) -> Settings:
    return slack_settings.model_copy(
        update={
            "slack_bot_token": None,
            "slack_client_id": CLIENT_ID,
            "slack_client_secret": SecretStr(CLIENT_SECRET),
        }
    )


@pytest.fixture
async def oauth_web(oauth_settings: Settings, core: Core) -> AsyncIterator[Web]:
    async for served in serve(asgi_app(oauth_settings, core)):
        yield served


async def install(fake: FakeSlack, web: Web, team: str) -> tuple[int, str]:
    """Go through /slack/install and /slack/oauth_redirect as a browser and Slack would."""
    fake.workspace.codes["code-1"] = team
    async with aiohttp.ClientSession() as browser:
        async with browser.get(f"{web.url}/slack/install", allow_redirects=False) as page:
            assert page.status in (200, 302)
            cookie = page.headers["Set-Cookie"].split(";")[0]
            state = cookie.split("=", 1)[1]
            body = await page.text()
        authorize = re.escape(f"{fake.base}/oauth/v2/authorize?")  # beside SLACK_API_URL
        assert re.search(authorize + r"[^\"']*state=" + re.escape(state), body)
        callback = f"{web.url}/slack/oauth_redirect?code=code-1&state={state}"
        async with browser.get(callback, headers={"Cookie": cookie}) as done:
            return done.status, await done.text()


async def serve(app: Any) -> AsyncIterator[Web]:
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield Web(f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        await task
