"""Slack's failures as the core's DeliveryError children: a 429 (or ``ratelimited``) is
``RateLimited(Retry-After)``, a 5xx, a transient error code or a lost connection
``PlatformUnavailable``, any other error code ``Undeliverable``; each names the method and
Slack's error code, never a token."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.errors import PlatformUnavailable, RateLimited, Undeliverable

TRANSIENT = frozenset({"internal_error", "fatal_error", "service_unavailable", "request_timeout"})


async def guard(method: str, call: Awaitable[AsyncSlackResponse]) -> AsyncSlackResponse:
    """Await a Web API call, turning its failures into the core's DeliveryError children."""
    try:
        return await call
    except SlackApiError as exc:
        raise delivery_error(method, exc.response.status_code, exc.response) from None
    except (TimeoutError, aiohttp.ClientError, SlackRequestError) as exc:
        raise PlatformUnavailable(f"{method}: {type(exc).__name__}") from None


def delivery_error(
    method: str, status: int, response: Mapping[str, Any] | AsyncSlackResponse
) -> RateLimited | PlatformUnavailable | Undeliverable:
    """The DeliveryError for a Slack error response (status code, body and headers)."""
    error = str(response.get("error") or f"HTTP {status}")
    if status == 429 or error == "ratelimited":
        return RateLimited(_retry_after(response))
    if status >= 500 or error in TRANSIENT:
        return PlatformUnavailable(f"{method}: {error}")
    return Undeliverable(f"{method}: {error}")


def _retry_after(response: Mapping[str, Any] | AsyncSlackResponse) -> float:
    headers = getattr(response, "headers", None) or {}
    for name, value in headers.items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) else value
            try:
                return max(0.0, float(raw))
            except ValueError:
                break
    return 1.0
