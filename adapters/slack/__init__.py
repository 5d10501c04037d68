"""The Slack adapter, on slack-bolt: translation in, rendering out.

Entry points for the CLI:

- ``serve(settings, core)`` — Socket Mode (``SLACK_APP_TOKEN`` + ``SLACK_BOT_TOKEN``), until
  cancelled;
- ``asgi_app(settings, core)`` / ``serve_http(settings, core)`` — HTTP mode
  (``SLACK_SIGNING_SECRET``; requests verified), ``POST /slack/events``, and with
  ``SLACK_CLIENT_ID`` + ``SLACK_CLIENT_SECRET`` the OAuth routes ``/slack/install`` and
  ``/slack/oauth_redirect``;
- ``chat_for(settings, core)`` — the Chat of each Slack community, for the outbox sender (and
  the daily closing of old group DMs);
- ``sync_community(settings, core, community)`` — the channel's members into the core (on
  ``community add``, an install, start-up, daily, and ``community sync``);
- ``check_credentials(settings)`` — ``auth.test`` (and the app-level token), for
  ``bridgework doctor``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from pathlib import Path
from typing import Any

import aiohttp
from slack_bolt.adapter.asgi.async_handler import AsyncSlackRequestHandler
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.errors import SlackApiError

from adapters.slack import oauth, redact, translate
from adapters.slack.app import build_app
from adapters.slack.chat import SlackChat, web_client
from adapters.slack.closing import ClosingSlackChat
from adapters.slack.failures import guard
from bot import web
from bot.core import Core
from bot.delivery.limits import Limits
from bot.domain import Community, Platform
from bot.errors import (
    ConfigError,
    DeliveryError,
    PlatformUnavailable,
    RateLimited,
    Undeliverable,
)
from bot.pairing.roster import read_roster
from bot.ports import Chat, Progress
from bot.services.member_sync import SyncReport
from bot.settings import Settings

__all__ = [
    "SlackChat",
    "asgi_app",
    "chat_for",
    "check_credentials",
    "preflight",
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
        if exc.response.status_code == 429 or exc.response.status_code >= 500:
            raise PlatformUnavailable(f"Slack answered {error} to apps.connections.open") from None
        raise ConfigError("SLACK_APP_TOKEN", f"Slack refused it ({error})") from None
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        await handler.close_async()  # type: ignore[no-untyped-call]
        raise PlatformUnavailable(_unreachable(settings, exc)) from None
    await handler.connect_async()  # type: ignore[no-untyped-call]
    log.info("slack: connected over Socket Mode")
    try:
        await asyncio.Event().wait()
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]


def _unreachable(settings: Settings, exc: BaseException) -> str:
    return f"cannot reach Slack at {settings.slack_api_url} ({type(exc).__name__})"


async def preflight(settings: Settings) -> None:
    """Before a one-shot command queues anything: the bot token is accepted (``auth.test``) and
    Slack answers. Raises ConfigError (the token) or PlatformUnavailable (the URL). With OAuth
    installs alone there is no one token to try: each workspace's is checked as it is used."""
    protect(settings)
    if settings.slack_bot_token is None:
        return
    client = web_client(
        settings.slack_bot_token.get_secret_value(), settings.slack_api_url, rate_limit_retries=0
    )
    try:
        await guard("auth.test", client.auth_test())
    except RateLimited:
        return  # Slack answered: it is reachable, and the sender waits its limits out
    except Undeliverable as exc:
        raise ConfigError("SLACK_BOT_TOKEN", f"Slack refused it ({exc.reason})") from None
    except PlatformUnavailable as exc:
        raise PlatformUnavailable(
            f"cannot reach Slack at {settings.slack_api_url} ({exc.reason})"
        ) from None


def socket_mode_handler(settings: Settings, core: Core) -> AsyncSocketModeHandler:
    """The Socket Mode handler for the Bolt app (not yet connected)."""
    if settings.slack_app_token is None:
        raise ConfigError("SLACK_APP_TOKEN", "Socket Mode needs an app-level token (xapp-…)")
    app = build_app(settings, core, socket_mode=True)
    return AsyncSocketModeHandler(app, settings.slack_app_token.get_secret_value())


def asgi_app(settings: Settings, core: Core, *, tier_scale: float = 1.0) -> ASGIApp:
    """The HTTP-mode ASGI app: ``POST /slack/events``, and the OAuth routes when configured
    (``tier_scale``: see :func:`~adapters.slack.app.build_app`)."""
    protect(settings)
    if settings.slack_signing_secret is None:
        raise ConfigError("SLACK_SIGNING_SECRET", "HTTP mode verifies every request with it")
    held: oauth.Stores | None = None
    if oauth.oauth_enabled(settings):
        held = oauth.stores(settings, core.db.engine)
        core.add_eraser(held.forget)  # forget-me scrubs who installed the app
        installed = oauth.oauth_settings(settings, held, on_install=_syncer(settings, core))
        app = build_app(settings, core, oauth_settings=installed, tier_scale=tier_scale)
    elif settings.slack_bot_token is None:
        raise ConfigError(
            "SLACK_BOT_TOKEN",
            "HTTP mode needs the bot token, or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for OAuth",
        )
    else:
        app = build_app(settings, core, tier_scale=tier_scale)
    handler = AsyncSlackRequestHandler(app)

    async def serve_asgi(scope: Scope, receive: Receive, send: Send) -> None:
        if held is not None and scope["type"] in ("http", "lifespan"):
            await held.create_tables()
        await handler(scope, receive, send)

    return serve_asgi


async def serve_http(settings: Settings, core: Core, *, host: str | None = None) -> None:
    """Serve HTTP mode, with ``GET /healthz``, on ``WEB_HOST``:``PORT`` (else ``SLACK_PORT``)
    with uvicorn until cancelled (``--role web``)."""
    if host is not None:
        settings = settings.model_copy(update={"web_host": host})
    await web.serve(web.with_health(asgi_app(settings, core), core.db), settings)


def chat_for(
    settings: Settings,
    core: Core | None = None,
    *,
    roster: Mapping[str, str] | None = None,
    tier_scale: float = 1.0,
) -> Callable[[Community], Chat]:
    """Each Slack community's Chat: the bot token, or with OAuth (``core`` given) its workspace's
    installation. ``roster`` maps Slack user ids to teams, for people whose profile has none.
    With ``core``, calls keep to rate limits shared through its database by every process;
    ``tier_scale`` shortens Slack's windows, for a sped-up fake."""
    limits = core.limits if core is not None else Limits()
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
            chats[key] = ClosingSlackChat(
                _token_source(settings, held, community.workspace),
                api_url=settings.slack_api_url,
                channel=community.channel,
                team_field=settings.slack_team_field,
                roster=roster,
                workspace=community.workspace,
                limits=limits,
                tier_scale=tier_scale,
                marketplace=settings.slack_marketplace,
            )
        return chats[key]

    return chat


def roster_teams(path: Path) -> dict[str, str]:
    """Teams by Slack member id from a roster CSV (``id,name,team[,timezone,never_with]``, the
    core's format and checks), for ``chat_for(roster=…)``: where a profile has no team."""
    return {candidate.id: str(candidate.team) for candidate in read_roster(path)}


async def sync_community(
    settings: Settings, core: Core, community: Community, *, progress: Progress | None = None
) -> SyncReport:
    """Bring the community's members in line with its channel (the core decides who takes part)."""
    chat = chat_for(settings, core)(community)
    return await core.sync_community(community.id, chat, progress=progress)


def _syncer(settings: Settings, core: Core) -> Callable[[str], Awaitable[None]]:
    """What an install does once the token is stored: tell the core (an install again keeps a
    community uninstalled within the grace period, data and all), and sync the workspace's
    communities, in the background (the person installing sees Slack's page at once)."""
    running: set[asyncio.Task[None]] = set()

    async def sync_all(team_id: str) -> None:
        for community in await core.communities(Platform.SLACK, team_id):
            try:
                await sync_community(settings, core, community)
            except DeliveryError as exc:
                log.warning("community %s: members not synced after install: %s", community.id, exc)

    async def on_install(team_id: str) -> None:
        await core.installation(translate.installed(team_id))  # clears an uninstall's mark
        task = asyncio.create_task(sync_all(team_id))
        running.add(task)
        task.add_done_callback(running.discard)

    return on_install


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
    """Every Slack credential that is set, checked as Slack would use it: the bot token with
    ``auth.test``, the app-level token with ``apps.connections.open`` (Socket Mode), and for
    OAuth installs the client's settings. Whether they work, and for which workspace and bot."""
    protect(settings)
    found: list[str] = []
    problems: list[str] = []
    if settings.slack_bot_token is not None:
        client = web_client(
            settings.slack_bot_token.get_secret_value(),
            settings.slack_api_url,
            rate_limit_retries=0,
        )
        try:
            answer = await guard("auth.test", client.auth_test())
        except DeliveryError as exc:
            problems.append(f"{exc} — check SLACK_BOT_TOKEN and SLACK_API_URL")
        else:
            found.append(
                f"bot {answer.get('user')} in {answer.get('team')} ({answer.get('team_id')})"
            )
    elif oauth.oauth_enabled(settings):
        found.append("OAuth installs: each workspace's token comes from its installation")
    if settings.slack_client_id or settings.slack_client_secret:
        missing = [
            name
            for name, value in (
                ("SLACK_CLIENT_ID", settings.slack_client_id),
                ("SLACK_CLIENT_SECRET", settings.slack_client_secret),
                ("SLACK_SIGNING_SECRET", settings.slack_signing_secret),
            )
            if not value
        ]
        if missing:
            problems.append(f"OAuth installs also need {' and '.join(missing)}")
    if settings.slack_app_token is not None:
        socket = await _check_app_token(settings, settings.slack_app_token.get_secret_value())
        if socket is not None:
            problems.append(socket)
        elif settings.slack_bot_token is None and not oauth.oauth_enabled(settings):
            problems.append(
                "SLACK_APP_TOKEN works, but Socket Mode also needs SLACK_BOT_TOKEN (xoxb-…)"
            )
        else:
            found.append("Socket Mode")
    elif settings.slack_bot_token is not None:
        if settings.slack_signing_secret is None:
            problems.append(
                "neither SLACK_APP_TOKEN (Socket Mode) nor SLACK_SIGNING_SECRET (HTTP mode) is "
                "set: Bridgework cannot receive commands"
            )
        else:
            found.append("HTTP mode")
    if problems:
        return False, "; ".join(problems)
    return True, ", ".join(found)


async def _check_app_token(settings: Settings, app_token: str) -> str | None:
    """``apps.connections.open`` with the app-level token alone (as Socket Mode calls it): None
    when Slack accepts it, else what to fix. The method is Tier 1 (about one call a minute): a
    429 is reported, not waited out."""
    if not app_token.startswith("xapp-"):
        return "SLACK_APP_TOKEN must be an app-level token (xapp-…), made under Basic Information"
    client = web_client(app_token, settings.slack_api_url, rate_limit_retries=0)
    try:
        await guard("apps.connections.open", client.apps_connections_open(app_token=app_token))
    except RateLimited as exc:
        return (
            f"Slack rate-limited apps.connections.open (about one call a minute): run the "
            f"doctor again in {exc.retry_after:.0f} s"
        )
    except DeliveryError as exc:
        return f"{exc} — check SLACK_APP_TOKEN (an app-level token with connections:write)"
    return None
