"""Multi-workspace installs: Bolt's OAuth flow on slack_sdk's SQLAlchemy stores, kept in the
project's database (tables ``slack_installations``, ``slack_bots``, ``slack_oauth_states``).

``/slack/install`` starts an install, ``/slack/oauth_redirect`` finishes it (the state is checked
against the store and a browser cookie); each workspace's bot token is then found by team id.

An Enterprise Grid organisation's admin may install the app org-wide: Slack's ``oauth.v2.access``
answers ``is_enterprise_install: true`` with an ``enterprise`` and no ``team``, and the one token
it gives works in every workspace of the org the admin adds the app to. slack_sdk's store keeps it
under the enterprise id with no team id (as Bolt's ``authorize`` finds it for a payload marked
``is_enterprise_install``); Bridgework finds it by the org's id, which is the ``workspace`` of
the org's communities (:mod:`adapters.slack.translate`).
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
from sqlalchemy import and_, desc, inspect, or_, select, update
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

    async def bot_token(self, installed: str) -> str:
        """The bot token of an installation: a workspace's by its team id (in an Enterprise
        Grid organisation or not), or an org-wide install's by the organisation's id."""
        await self.create_tables()
        bots = self.installations.bots
        query = (
            select(bots.c.bot_token)
            .where(
                bots.c.client_id == self.installations.client_id,
                bots.c.bot_token.is_not(None),
                or_(
                    bots.c.team_id == installed,
                    and_(
                        bots.c.enterprise_id == installed,
                        bots.c.team_id.is_(None),
                        bots.c.is_enterprise_install.is_(True),
                    ),
                ),
            )
            .order_by(desc(bots.c.installed_at))
            .limit(1)
        )
        async with self.installations.engine.connect() as connection:
            token = await connection.scalar(query)
        if not token:
            raise Undeliverable(f"Bridgework is not installed in workspace {installed}")
        return str(token)

    async def organisations(self) -> list[tuple[str, str]]:
        """The Enterprise Grid organisations that installed the app org-wide: (id, name)."""
        await self.create_tables()
        bots = self.installations.bots
        query = (
            select(bots.c.enterprise_id, bots.c.enterprise_name)
            .where(
                bots.c.client_id == self.installations.client_id,
                bots.c.is_enterprise_install.is_(True),
                bots.c.bot_token.is_not(None),
            )
            .distinct()
        )
        async with self.installations.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return sorted((str(e), str(n or "")) for e, n in rows if e)

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
                or_(  # a workspace's install, or an org-wide one (by the org's id)
                    table.c.team_id == workspace,
                    and_(table.c.enterprise_id == workspace, table.c.team_id.is_(None)),
                ),
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
    """Bolt's OAuth settings; ``on_install(team_id)`` runs after each successful install (with
    the organisation's id for an org-wide install)."""
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
        installed = args.installation
        scope = installed.enterprise_id if installed.is_enterprise_install else installed.team_id
        if scope:
            await on_install(scope)
        return await args.default.success(args)

    async def failure(args: AsyncFailureArgs) -> BoltResponse:
        return await args.default.failure(args)

    return AsyncCallbackOptions(success=success, failure=failure)
