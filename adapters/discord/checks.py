"""What `bridgework doctor` checks of each Discord community's pairing channel, over REST: that the
bot sees it and may open private threads there. A channel made private to an opt-in role that
does not also admit the bot's role would otherwise send every thread into a 403, and each
introduction to direct messages."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import aiohttp
import discord
from discord.http import HTTPClient

from adapters.discord.endpoints import api_base, use_endpoints
from bot.settings import Settings

VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
ADMINISTRATOR = 1 << 3
CREATE_PRIVATE_THREADS = 1 << 36
SEND_MESSAGES_IN_THREADS = 1 << 38
THREADS = CREATE_PRIVATE_THREADS | SEND_MESSAGES_IN_THREADS
MISSING_ACCESS = 50001

Place = tuple[int, str, str]  # community id, guild id, channel id
Result = tuple[int, bool, str]  # community id, ok, what was found


def channel_permissions(
    guild_id: str,
    roles: Mapping[str, int],
    member_roles: Iterable[str],
    member_id: str,
    overwrites: Sequence[Mapping[str, Any]],
) -> int:
    """A member's permissions in a channel as Discord computes them: @everyone's and their roles'
    permissions, then the channel's @everyone overwrite, their roles' overwrites together, and
    their own overwrite (Administrator allows everything)."""
    held = set(member_roles)
    allowed = roles.get(guild_id, 0)
    for role in held:
        allowed |= roles.get(role, 0)
    if allowed & ADMINISTRATOR:
        return ~0
    by_id = {str(o["id"]): o for o in overwrites}
    if (everyone := by_id.get(guild_id)) is not None:
        allowed = (allowed & ~int(everyone["deny"])) | int(everyone["allow"])
    deny = allow = 0
    for overwrite in overwrites:
        if str(overwrite["id"]) in held:
            deny |= int(overwrite["deny"])
            allow |= int(overwrite["allow"])
    allowed = (allowed & ~deny) | allow
    if (own := by_id.get(member_id)) is not None:
        allowed = (allowed & ~int(own["deny"])) | int(own["allow"])
    return allowed


async def check_channels(settings: Settings, places: Sequence[Place]) -> list[Result]:
    """For each community: whether the bot sees its pairing channel and may open private threads
    there, with the fix where it may not."""
    if settings.discord_token is None or not places:
        return []
    restore = use_endpoints(settings.discord_api_url, settings.discord_gateway_url)
    http = HTTPClient(asyncio.get_running_loop())
    try:
        me = await http.static_login(settings.discord_token.get_secret_value().strip())
        return [await _check(http, str(me["id"]), place) for place in places]
    except discord.LoginFailure:
        return []  # the credentials check says so
    except (aiohttp.ClientError, OSError):
        return [(cid, False, f"cannot reach Discord at {api_base()}") for cid, _, _ in places]
    finally:
        await http.close()
        restore()


async def _check(http: HTTPClient, bot_id: str, place: Place) -> Result:
    cid, guild_id, channel_id = place
    try:
        member = await http.get_member(guild_id, bot_id)
        listed = await http.get_roles(guild_id)
    except discord.HTTPException as exc:
        return cid, False, f"Discord answered {exc.status} ({exc.code}) for guild {guild_id}"
    roles = {str(r["id"]): int(r["permissions"]) for r in listed}
    bot_roles = [str(r) for r in member.get("roles") or []]
    role = ", ".join(str(r["name"]) for r in listed if str(r["id"]) in bot_roles) or "Bridgework"
    try:
        channel = await http.get_channel(channel_id)
    except discord.HTTPException as exc:
        if exc.code == MISSING_ACCESS:
            return (
                cid,
                False,
                f"the bot cannot see channel {channel_id} (private to a role?): allow its role "
                f"{role} View Channel there",
            )
        return cid, False, f"Discord answered {exc.status} ({exc.code}) for channel {channel_id}"
    found: dict[str, Any] = dict(channel)
    overwrites: Sequence[Mapping[str, Any]] = found.get("permission_overwrites") or []
    allowed = channel_permissions(guild_id, roles, bot_roles, bot_id, overwrites)
    name = f"#{found.get('name') or channel_id}"
    if not allowed & VIEW_CHANNEL:
        return cid, False, f"the bot cannot see {name}: allow its role {role} View Channel there"
    if allowed & THREADS != THREADS or not allowed & SEND_MESSAGES:
        return (
            cid,
            False,
            f"the bot may not open private threads in {name} (introductions would go by direct "
            f"message): allow its role {role} Send Messages, Create Private Threads and Send "
            "Messages in Threads there",
        )
    return cid, True, f"the bot sees {name} and may open private threads there"
