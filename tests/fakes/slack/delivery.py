"""Slack's side of HTTP mode: payloads sent to an app's request URL, signed as Slack signs them
(https://docs.slack.dev/authentication/verifying-requests-from-slack)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode

import aiohttp

KINDS = ("command", "interactive", "event")


def signature(secret: str, timestamp: str, body: str) -> str:
    basestring = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), basestring, hashlib.sha256).hexdigest()


def encode(kind: str, payload: dict[str, Any]) -> tuple[str, str]:
    """The request body and content type Slack uses for ``kind`` of payload."""
    if kind == "command":
        return urlencode(payload), "application/x-www-form-urlencoded"
    if kind == "interactive":
        return urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
    if kind == "event":
        return json.dumps(payload), "application/json"
    raise ValueError(f"kind is one of {KINDS}")


async def deliver(
    url: str,
    kind: str,
    payload: dict[str, Any],
    *,
    secret: str,
    timestamp: float | None = None,
    forged: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, str]:
    """POST ``payload`` to the app as Slack would (``headers`` added, e.g. a retry's); returns
    the status and body of the answer."""
    body, content_type = encode(kind, payload)
    stamp = str(int(timestamp if timestamp is not None else time.time()))
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": forged or signature(secret, stamp, body),
        **(headers or {}),
    }
    async with aiohttp.ClientSession() as session:
        async with session.post(url, data=body.encode(), headers=headers) as response:
            return response.status, await response.text()


# Slack's Events API: an app answers with HTTP 2xx within 3 seconds, or the attempt failed; Slack
# then retries three times ("nearly immediately", after 1 minute, after 5 minutes), each retry
# marked with X-Slack-Retry-Num and X-Slack-Retry-Reason.
# https://docs.slack.dev/apis/events-api/#retries
EVENT_TIMEOUT = 3.0
EVENT_RETRIES = 3


async def deliver_event(
    url: str,
    payload: dict[str, Any],
    *,
    secret: str,
    backoff: tuple[float, ...] = (0.0, 0.6, 3.0),
    timeout: float = EVENT_TIMEOUT,
) -> list[int]:
    """Deliver an Events API payload as Slack does, retrying a failed attempt (a non-2xx answer
    or none within ``timeout``) up to three times after ``backoff`` seconds (scaled down from
    Slack's minutes). The status of each attempt; 0 where it timed out."""
    statuses: list[int] = []
    for attempt in range(EVENT_RETRIES + 1):
        headers: dict[str, str] = {}
        if attempt:
            await asyncio.sleep(backoff[attempt - 1])
            reason = "http_timeout" if statuses[-1] == 0 else "http_error"
            headers = {"X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": reason}
        try:
            async with asyncio.timeout(timeout):
                status, _ = await deliver(url, "event", payload, secret=secret, headers=headers)
        except TimeoutError:
            status = 0
        statuses.append(status)
        if 200 <= status < 300:
            break
    return statuses
