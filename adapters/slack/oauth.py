"""Multi-workspace installs: Bolt's OAuth flow on slack_sdk's SQLAlchemy stores, kept in the
project's database (tables ``slack_installations``, ``slack_bots``, ``slack_oauth_states``).

``/slack/install`` starts an install, ``/slack/oauth_redirect`` finishes it (the state is checked
against the store and a browser cookie); each workspace's bot token is then found by team id.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml
from slack_bolt.oauth.async_callback_options import (
    AsyncCallbackOptions,
    AsyncFailureArgs,
    AsyncSuccessArgs,
)
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy import inspect, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.domain import Platform
from bot.errors import ConfigError, Undeliverable
from bot.settings import Settings

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
STATE_SECONDS = 600


@cache
def manifest() -> dict[str, Any]:
    """The app manifest shipped with the adapter (adapters/slack/manifest.yml)."""
    text = resources.files("adapters.slack").joinpath("manifest.yml").read_text(encoding="utf-8")
    loaded = yaml.safe_load(text)
    if not isinstance(loaded, dict):
        raise TypeError("adapters/slack/manifest.yml must be a mapping")
    return loaded


def bot_scopes() -> list[str]:
    """The bot scopes the manifest asks for: what an OAuth install requests."""
    return [str(s) for s in manifest()["oauth_config"]["scopes"]["bot"]]


def oauth_enabled(settings: Settings) -> bool:
    return bool(settings.slack_client_id and settings.slack_client_secret)


def authorize_url(api_url: str) -> str:
    """Slack's authorize page beside its Web API (slack.com, slack-gov.com, a proxy)."""
    base = api_url.rstrip("/")
    base = base.removesuffix("/api")
    return f"{base}/oauth/v2/authorize"


@dataclass
class Stores:
    installations: AsyncSQLAlchemyInstallationStore
    states: AsyncSQLAlchemyOAuthStateStore
    ready: bool = False

    async def create_tables(self) -> None:
        """Create the three tables if missing (idempotent)."""
        if not self.ready:
            await self.installations.create_tables()  # type: ignore[no-untyped-call]
            await self.states.create_tables()  # type: ignore[no-untyped-call]
            self.ready = True

    async def bot_token(self, team_id: str) -> str:
        """The bot token of the workspace's installation."""
        await self.create_tables()
        bot = await self.installations.async_find_bot(enterprise_id=None, team_id=team_id)
        if bot is None or not bot.bot_token:
            raise Undeliverable(f"Bridgework is not installed in workspace {team_id}")
        return bot.bot_token

    async def forget(
        self, connection: AsyncConnection, platform: Platform, workspace: str, person: str
    ) -> None:
        """Forget-me: who installed the app is scrubbed from the workspace's installation rows
        (their user id, and any user token). The bot's installation, all that Bridgework uses,
        keeps working. Registered with ``core.add_eraser``; ``connection`` is forget-me's."""
        table = self.installations.installations
        if platform is not Platform.SLACK or not await connection.run_sync(
            lambda sync: inspect(sync).has_table(table.name)
        ):
            return
        await connection.execute(
            update(table)
            .where(
                table.c.client_id == self.installations.client_id,
                table.c.team_id == workspace,
                table.c.user_id == person,
            )
            .values(
                user_id="",
                user_token=None,
                user_scopes=None,
                user_refresh_token=None,
                user_token_expires_at=None,
            )
        )


def stores(settings: Settings, engine: AsyncEngine) -> Stores:
    if not settings.slack_client_id:
        raise ConfigError("SLACK_CLIENT_ID", "needed for multi-workspace installs")
    return Stores(
        installations=AsyncSQLAlchemyInstallationStore(
            client_id=settings.slack_client_id, engine=engine
        ),
        states=AsyncSQLAlchemyOAuthStateStore(expiration_seconds=STATE_SECONDS, engine=engine),
    )


def oauth_settings(
    settings: Settings,
    held: Stores,
    *,
    on_install: Callable[[str], Awaitable[None]] | None = None,
) -> AsyncOAuthSettings:
    """Bolt's OAuth settings; ``on_install(team_id)`` runs after each successful install."""
    if not settings.slack_client_id or settings.slack_client_secret is None:
        raise ConfigError("SLACK_CLIENT_ID / SLACK_CLIENT_SECRET", "both are needed for OAuth")
    return AsyncOAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret.get_secret_value(),
        scopes=bot_scopes(),
        installation_store=held.installations,
        installation_store_bot_only=True,
        state_store=held.states,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        authorization_url=authorize_url(settings.slack_api_url),
        callback_options=_callbacks(on_install) if on_install else None,
    )


def _callbacks(on_install: Callable[[str], Awaitable[None]]) -> AsyncCallbackOptions:
    async def success(args: AsyncSuccessArgs) -> BoltResponse:
        if args.installation.team_id:
            await on_install(args.installation.team_id)
        return await args.default.success(args)

    async def failure(args: AsyncFailureArgs) -> BoltResponse:
        return await args.default.failure(args)

    return AsyncCallbackOptions(success=success, failure=failure)
