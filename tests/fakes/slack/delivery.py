"""Slack's side of HTTP mode: payloads sent to an app's request URL, signed as Slack signs them
(https://docs.slack.dev/authentication/verifying-requests-from-slack)."""

from __future__ import annotations

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
