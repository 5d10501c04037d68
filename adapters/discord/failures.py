"""Discord's failures as the core's DeliveryError children: a 429 is ``RateLimited`` (with
Discord's ``retry_after`` when it gave one), a 5xx or a lost connection ``PlatformUnavailable``,
any other refusal ``Undeliverable``; each says what the bot was doing, never the token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import discord

from bot.errors import PlatformUnavailable, RateLimited, Undeliverable


@asynccontextmanager
async def guard(
    client: discord.Client, doing: str, *, passthrough: type[Exception] | None = None
) -> AsyncIterator[None]:
    """Run a Discord call, turning its failures into the core's; ``passthrough`` is let out."""
    try:
        yield
    except discord.RateLimited as exc:
        raise RateLimited(exc.retry_after) from None
    except discord.HTTPException as exc:
        if passthrough is not None and isinstance(exc, passthrough):
            raise
        if exc.status == 429:
            raise RateLimited(60.0) from None  # refused before Discord: no retry_after
        if exc.status >= 500:
            raise PlatformUnavailable(reason(client, doing, exc)) from None
        raise Undeliverable(reason(client, doing, exc)) from None
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        raise PlatformUnavailable(f"could not {doing}: {type(exc).__name__}") from None


def reason(client: discord.Client, doing: str, exc: discord.HTTPException) -> str:
    """What Discord refused, as a person can read it, with the bot token blotted out."""
    detail = f"could not {doing}: Discord said {exc.status} ({exc.code}) {exc.text}"
    return scrub(detail, client.http.token)


def scrub(detail: str, token: str | None) -> str:
    """``detail`` with the bot token blotted out, should it ever appear."""
    return detail.replace(token, "[token]") if token else detail
