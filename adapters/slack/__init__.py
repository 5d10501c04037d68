"""The Slack adapter, on slack-bolt: translation in, rendering out.

Entry points for the CLI:

- ``serve(settings, core)`` — Socket Mode (``SLACK_APP_TOKEN`` + ``SLACK_BOT_TOKEN``), until
  cancelled;
- ``asgi_app(settings, core)`` / ``serve_http(settings, core)`` — HTTP mode
  (``SLACK_SIGNING_SECRET``; requests verified), ``POST /slack/events``, and with
  ``SLACK_CLIENT_ID`` + ``SLACK_CLIENT_SECRET`` the OAuth routes ``/slack/install`` and
  ``/slack/oauth_redirect``;
- ``chat_for(settings, core)`` — the Chat of each Slack community, for the outbox sender;
- ``sync_community(settings, core, community)`` — the channel's members into the core (before a
  round, or at start-up);
- ``check_credentials(settings)`` — ``auth.test`` (and the app-level token), for
  ``bridgework doctor``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from pathlib import Path
from typing import Any

import uvicorn
from slack_bolt.adapter.asgi.async_handler import AsyncSlackRequestHandler
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.errors import SlackApiError

from adapters.slack import oauth, redact
from adapters.slack.app import build_app
from adapters.slack.chat import SlackChat, guard, web_client
from bot.core import Core
from bot.domain import Community
from bot.errors import ConfigError, DeliveryError
from bot.pairing.roster import read_roster
from bot.ports import Chat, SpaceRef
from bot.services.membership import SyncReport
from bot.settings import Settings

__all__ = [
    "SlackChat",
    "asgi_app",
    "chat_for",
    "check_credentials",
    "protect",
    "roster_teams",
    "serve",
    "serve_http",
    "socket_mode_handler",
    "sync_community",
]

log = logging.getLogger(__name__)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def protect(settings: Settings) -> None:
    """Keep this configuration's tokens and secrets out of every log line."""
    redact.install(
        s.get_secret_value() if s is not None else None
        for s in (
            settings.slack_bot_token,
            settings.slack_app_token,
            settings.slack_signing_secret,
            settings.slack_client_secret,
        )
    )


async def serve(settings: Settings, core: Core) -> None:
    """Serve Slack over Socket Mode until cancelled."""
    protect(settings)
    if settings.slack_app_token is None:
        raise ConfigError("SLACK_APP_TOKEN", "Socket Mode needs an app-level token (xapp-…)")
    if settings.slack_bot_token is None:
        raise ConfigError("SLACK_BOT_TOKEN", "Socket Mode needs the bot token (xoxb-…)")
    handler = socket_mode_handler(settings, core)
    # slack_sdk retries a failed connection forever; ask for the first URL here, so that a
    # refused app token stops start-up with a message instead.
    try:
        handler.client.wss_uri = await handler.client.issue_new_wss_url()
    except SlackApiError as exc:
        await handler.close_async()  # type: ignore[no-untyped-call]
        error = exc.response.get("error") or f"HTTP {exc.response.status_code}"
        raise ConfigError("SLACK_APP_TOKEN", f"Slack refused it ({error})") from None
    await handler.connect_async()  # type: ignore[no-untyped-call]
    log.info("slack: connected over Socket Mode")
    try:
        await asyncio.Event().wait()
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]


def socket_mode_handler(settings: Settings, core: Core) -> AsyncSocketModeHandler:
    """The Socket Mode handler for the Bolt app (not yet connected)."""
    if settings.slack_app_token is None:
        raise ConfigError("SLACK_APP_TOKEN", "Socket Mode needs an app-level token (xapp-…)")
    app = build_app(settings, core, socket_mode=True)
    return AsyncSocketModeHandler(app, settings.slack_app_token.get_secret_value())


def asgi_app(settings: Settings, core: Core) -> ASGIApp:
    """The HTTP-mode ASGI app: ``POST /slack/events``, and the OAuth routes when configured."""
    protect(settings)
    if settings.slack_signing_secret is None:
        raise ConfigError("SLACK_SIGNING_SECRET", "HTTP mode verifies every request with it")
    held: oauth.Stores | None = None
    if oauth.oauth_enabled(settings):
        held = oauth.stores(settings, core.db.engine)
        app = build_app(settings, core, oauth_settings=oauth.oauth_settings(settings, held))
    elif settings.slack_bot_token is None:
        raise ConfigError(
            "SLACK_BOT_TOKEN",
            "HTTP mode needs the bot token, or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for OAuth",
        )
    else:
        app = build_app(settings, core)
    handler = AsyncSlackRequestHandler(app)

    async def serve_asgi(scope: Scope, receive: Receive, send: Send) -> None:
        if held is not None and scope["type"] in ("http", "lifespan"):
            await held.create_tables()
        await handler(scope, receive, send)

    return serve_asgi


async def serve_http(settings: Settings, core: Core, *, host: str = "0.0.0.0") -> None:
    """Serve HTTP mode on ``SLACK_PORT`` with uvicorn until cancelled (``--role web``)."""
    config = uvicorn.Config(
        asgi_app(settings, core),
        host=host,
        port=settings.slack_port,
        log_level=settings.log_level.lower(),
        lifespan="on",
    )
    await uvicorn.Server(config).serve()


def chat_for(
    settings: Settings, core: Core | None = None, *, roster: Mapping[str, str] | None = None
) -> Callable[[Community], Chat]:
    """Each Slack community's Chat: the bot token, or with OAuth (``core`` given) its workspace's
    installation. ``roster`` maps Slack user ids to teams, for people whose profile has none."""
    protect(settings)
    chats: dict[tuple[str, str], SlackChat] = {}
    held = (
        oauth.stores(settings, core.db.engine) if core and oauth.oauth_enabled(settings) else None
    )
    if held is None and settings.slack_bot_token is None:
        raise ConfigError("SLACK_BOT_TOKEN", "needed to deliver to Slack (or OAuth installs)")

    def chat(community: Community) -> Chat:
        key = (community.workspace, community.channel)
        if key not in chats:
            chats[key] = SlackChat(
                _token_source(settings, held, community.workspace),
                api_url=settings.slack_api_url,
                channel=community.channel,
                team_field=settings.slack_team_field,
                roster=roster,
            )
        return chats[key]

    return chat


def roster_teams(path: Path) -> dict[str, str]:
    """Teams by Slack member id from a roster CSV (``id,name,team[,timezone,never_with]``, the
    core's format and checks), for ``chat_for(roster=…)``: where a profile has no team."""
    return {candidate.id: str(candidate.team) for candidate in read_roster(path)}


async def sync_community(settings: Settings, core: Core, community: Community) -> SyncReport:
    """Bring the community's members in line with its channel (the core decides who takes part)."""
    chat = chat_for(settings, core)(community)
    infos = await chat.members(SpaceRef(community.workspace, community.channel))
    return await core.sync_members(community.id, infos)


def _token_source(
    settings: Settings, held: oauth.Stores | None, team_id: str
) -> str | Callable[[], Awaitable[str]]:
    if held is None:
        assert settings.slack_bot_token is not None
        return settings.slack_bot_token.get_secret_value()

    async def installed() -> str:
        return await held.bot_token(team_id)

    return installed


async def check_credentials(settings: Settings) -> tuple[bool, str]:
    """``auth.test`` with the bot token (and, for Socket Mode, the app-level token's
    ``apps.connections.open``): whether they work, and for which workspace and bot."""
    protect(settings)
    if settings.slack_bot_token is None:
        if oauth.oauth_enabled(settings):
            return True, "OAuth installs: each workspace's token comes from its installation"
        return False, "SLACK_BOT_TOKEN is not set"
    client = web_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url)
    try:
        answer = await guard("auth.test", client.auth_test())
    except DeliveryError as exc:
        return False, f"{exc} — check SLACK_BOT_TOKEN and SLACK_API_URL"
    mode = "HTTP mode"
    if settings.slack_app_token is not None:
        app_token = settings.slack_app_token.get_secret_value()
        try:
            await guard("apps.connections.open", client.apps_connections_open(app_token=app_token))
        except DeliveryError as exc:
            return False, f"{exc} — check SLACK_APP_TOKEN (an app-level token, connections:write)"
        mode = "Socket Mode"
    return (
        True,
        f"bot {answer.get('user')} in {answer.get('team')} ({answer.get('team_id')}), {mode}",
    )
