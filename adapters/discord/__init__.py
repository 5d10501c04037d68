"""The Discord adapter, on discord.py: slash commands, persistent buttons and modals in; private
threads (or DMs), embeds, buttons and attachments out. The README's Discord section has the
setup."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
import discord
from discord.http import HTTPClient

from adapters.discord.chat import DiscordChat
from adapters.discord.checks import check_channels
from adapters.discord.client import BridgeworkClient, Chats, ShardedBridgeworkClient, intents
from adapters.discord.endpoints import api_base, use_endpoints
from adapters.discord.translate import Rules
from bot.core import Core
from bot.domain import Community
from bot.errors import ConfigError, PlatformUnavailable
from bot.ports import Progress
from bot.services.member_sync import SyncReport
from bot.settings import Settings

__all__ = [
    "PERMISSIONS",
    "BridgeworkClient",
    "Chats",
    "DiscordChat",
    "Rules",
    "ShardedBridgeworkClient",
    "build_client",
    "chat_for",
    "check_channels",
    "check_credentials",
    "intents",
    "invite_url",
    "rest_client",
    "serve",
    "sign_in",
    "sync_community",
]

log = logging.getLogger(__name__)

PERMISSIONS = discord.Permissions(
    view_channel=True,  # see the pairing channel, and who can see it
    send_messages=True,  # post in the pairing channel
    embed_links=True,  # introductions and long texts are embeds
    attach_files=True,  # pictures go as attachments
    read_message_history=True,  # after a crash, look in the thread for the message in doubt
    create_private_threads=True,  # each introduction is a private thread
    send_messages_in_threads=True,  # post there, and add the group's members
)
SCOPES = ("bot", "applications.commands")
REFUSED = "was refused: reset it in the Developer Portal (Bot → Reset Token)"
SHARDING_REQUIRED = 4011  # the gateway's close code past 2,500 guilds a session
NEEDS_SHARDS = "is not set, and Discord requires shards for this many servers: set it to auto"
MEMBERS_INTENT_OFF = (
    "the Server Members Intent is off: turn it on in the Developer Portal "
    "(Bot → Privileged Gateway Intents)"
)
READY_SECONDS = 120.0  # a one-off sync waits this long for the gateway (and large guilds' chunks)
GATEWAY_GUILD_MEMBERS = 1 << 14
GATEWAY_GUILD_MEMBERS_LIMITED = 1 << 15


def invite_url(application_id: int | str) -> str:
    """The link that adds the bot to a server with the permissions it needs (see the README)."""
    return discord.utils.oauth_url(application_id, permissions=PERMISSIONS, scopes=SCOPES)


def build_client(
    settings: Settings,
    core: Core,
    *,
    team_roles: tuple[str, ...] | None = None,
    opt_in_role: str | None = None,
    **options: Any,
) -> BridgeworkClient:
    """A client for ``core``, pointed at the settings' URLs (Discord's by default).

    ``team_roles`` (role names that are teams as named, else DISCORD_TEAM_ROLES) and
    ``opt_in_role`` (the role that puts someone in a community, else DISCORD_OPT_IN_ROLE);
    DISCORD_READ_MESSAGES turns on reading prompt threads unless ``read_messages`` is given.
    DISCORD_SHARDS (``auto`` or a number) makes it a ShardedBridgeworkClient."""
    use_endpoints(settings.discord_api_url, settings.discord_gateway_url)
    if team_roles is None:
        team_roles = tuple(r.strip() for r in settings.discord_team_roles.split(",") if r.strip())
    rules = Rules(
        settings.discord_team_prefix, team_roles, opt_in_role or settings.discord_opt_in_role
    )
    options.setdefault("read_messages", settings.discord_read_messages)
    if not settings.discord_shards:
        return BridgeworkClient(core, rules=rules, **options)
    shards = settings.discord_shards
    options.setdefault("shard_count", None if shards == "auto" else int(shards))
    return ShardedBridgeworkClient(core, rules=rules, **options)


def chat_for(client: BridgeworkClient) -> Chats:
    """The Chat of each Discord community, for ``core.sender(...)``: bound to its guild and
    pairing channel, through ``client`` (which must be logged in)."""
    return client.chats


async def rest_client(settings: Settings, core: Core) -> BridgeworkClient:
    """A client signed in over REST only, without the gateway: enough for a sender process
    (``core.sender(chat_for(client))``). Close it with ``await client.close()``. A refused token
    raises ConfigError, an unreachable Discord PlatformUnavailable, before anything is queued."""
    client = build_client(settings, core)
    try:
        await sign_in(client, _token(settings))
    except BaseException:
        await client.close()
        raise
    return client


async def sign_in(client: BridgeworkClient, token: str) -> None:
    """Log in over REST. A refused token is ConfigError; a Discord that cannot be reached is
    PlatformUnavailable, with the client left ready to try again (its HTTP session closed)."""
    try:
        await client.login(token)
    except discord.LoginFailure:
        raise ConfigError("DISCORD_TOKEN", REFUSED) from None
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        await client.http.close()
        client.http.connector = discord.utils.MISSING  # closed with the session: make anew
        client.http.clear()
        raise unreachable(exc) from None


def unreachable(exc: BaseException) -> PlatformUnavailable:
    """What a connection error means to a person: which Discord could not be reached."""
    return PlatformUnavailable(f"cannot reach Discord at {api_base()} ({type(exc).__name__})")


async def serve(settings: Settings, core: Core, *, client: BridgeworkClient | None = None) -> None:
    """Run the Discord client until cancelled (or until Discord closes the session for good).
    An unreachable Discord raises PlatformUnavailable (the runtime tries again with backoff)."""
    token = _token(settings)
    running = client or build_client(settings, core)
    await sign_in(running, token)
    try:
        await running.connect(reconnect=True)
    except discord.PrivilegedIntentsRequired:
        raise ConfigError("DISCORD_TOKEN", MEMBERS_INTENT_OFF) from None
    except discord.ConnectionClosed as exc:
        if exc.code == SHARDING_REQUIRED:
            raise ConfigError("DISCORD_SHARDS", NEEDS_SHARDS) from None
        raise
    finally:
        await running.close()


async def sync_community(
    settings: Settings, core: Core, community: Community, *, progress: Progress | None = None
) -> SyncReport:
    """Connect to the gateway (guild members come only there), sync one community by its own
    channel, and disconnect: for `bridgework community add|sync` and `run-now`."""
    token = _token(settings)
    client = build_client(settings, core, auto_sync=False)
    running = asyncio.create_task(client.start(token))
    ready = asyncio.create_task(client.wait_until_ready())
    try:
        await asyncio.wait({running, ready}, timeout=READY_SECONDS, return_when="FIRST_COMPLETED")
        if running.done():
            running.result()  # what stopped the client
            raise PlatformUnavailable("the Discord connection closed before it was ready")
        if not ready.done():
            raise PlatformUnavailable(f"Discord was not ready within {READY_SECONDS:.0f} s")
        return await core.sync_community(community.id, client.chats(community), progress=progress)
    except discord.LoginFailure:
        raise ConfigError("DISCORD_TOKEN", REFUSED) from None
    except discord.PrivilegedIntentsRequired:
        raise ConfigError("DISCORD_TOKEN", MEMBERS_INTENT_OFF) from None
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        raise unreachable(exc) from None
    except discord.ConnectionClosed as exc:
        if exc.code == SHARDING_REQUIRED:
            raise ConfigError("DISCORD_SHARDS", NEEDS_SHARDS) from None
        raise
    finally:
        ready.cancel()
        await client.close()
        await asyncio.gather(running, return_exceptions=True)


async def check_credentials(settings: Settings) -> tuple[bool, str]:
    """Sign in over REST (GET /users/@me) and check the members intent is on: for the doctor."""
    try:
        token = _token(settings)
    except ConfigError as exc:
        return False, str(exc)
    restore = use_endpoints(settings.discord_api_url, settings.discord_gateway_url)
    http = HTTPClient(asyncio.get_running_loop())
    try:
        user = await http.static_login(token)
        application = await http.application_info()
    except discord.LoginFailure:
        return False, f"DISCORD_TOKEN {REFUSED}"
    except discord.HTTPException as exc:
        return False, f"Discord answered {exc.status} ({exc.code}) at {api_base()}"
    except (aiohttp.ClientError, OSError):
        return False, f"cannot reach Discord at {api_base()}"
    finally:
        await http.close()
        restore()
    name = f"{user['username']} ({user['id']})"
    flags = int(application.get("flags") or 0)
    if not flags & (GATEWAY_GUILD_MEMBERS | GATEWAY_GUILD_MEMBERS_LIMITED):
        return False, f"signed in as {name}, but {MEMBERS_INTENT_OFF}"
    return True, f"signed in as {name}; invite it with {invite_url(application['id'])}"


def _token(settings: Settings) -> str:
    if settings.discord_token is None or not settings.discord_token.get_secret_value().strip():
        raise ConfigError("DISCORD_TOKEN", "not set: copy the bot token from the Developer Portal")
    return settings.discord_token.get_secret_value().strip()
