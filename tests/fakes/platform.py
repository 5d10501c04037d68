"""A fake chat platform on 127.0.0.1 and the HTTP Chat adapter that talks to it.

The platform behaves as Discord does with ``nonce`` + ``enforce_nonce``: a message sent twice
with one key is shown once, and the second send returns the first message's id. It can answer
429 with Retry-After (per conversation, or for every request), 500, or take longer than the
client waits (after doing the work: the ambiguous failure), and it records every request so a
test can check that none came inside a Retry-After window.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from bot.errors import PlatformUnavailable, RateLimited, Undeliverable
from bot.messages import Form, Message, plain_text
from bot.ports import ConversationRef, MemberInfo, Progress, SentRef, SpaceRef


@dataclass
class Shown:
    message_id: str
    conversation: str
    key: str
    text: str


@dataclass
class Faults:
    """Which requests fail, by their number (1-based, over all requests)."""

    rate_limit_every: int = 0
    retry_after: float = 0.2
    error_every: int = 0
    slow_every: int = 0
    slow_seconds: float = 1.0
    gone: set[str] = field(default_factory=set)


@dataclass
class Limits:
    """Token buckets like Slack's: opens per second for everybody, posts per second per channel."""

    opens_per_second: float = 0.0  # 0: unlimited
    open_burst: int = 1
    posts_per_second: float = 0.0
    post_burst: int = 1


class Bucket:
    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.capacity = float(burst)
        self.tokens = float(burst)
        self.at = time.monotonic()

    def take(self) -> float:
        """0 if a token was taken, else how long until one is free."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class FakePlatform:
    def __init__(self, faults: Faults | None = None, limits: Limits | None = None) -> None:
        self.faults = faults or Faults()
        self.limits = limits or Limits()
        self.requests = 0
        self.shown: dict[str, Shown] = {}  # by key
        self.order: dict[str, list[str]] = {}  # conversation → keys in the order shown
        self.updates: list[tuple[str, str]] = []
        self.opens = 0
        self.attempts: dict[str, int] = {}
        self.windows: dict[str, float] = {}  # "*" or conversation → end of its Retry-After
        self.inside_window = 0
        self.violations: list[tuple[str, int, float]] = []
        self.rate_limited = 0
        self._open_bucket = Bucket(self.limits.opens_per_second or 1, self.limits.open_burst)
        self._post_buckets: dict[str, Bucket] = {}
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/open", self._open)
        app.router.add_post("/send", self._send)
        app.router.add_post("/update", self._update)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    def _window_check(self, conversation: str) -> None:
        now = time.monotonic()
        for scope in ("*", conversation):
            if self.windows.get(scope, 0) > now:
                self.inside_window += 1
                self.violations.append((scope, self.requests, self.windows[scope] - now))

    def _fault(self, conversation: str) -> web.Response | None:
        self.requests += 1
        n = self.requests
        f = self.faults
        if f.rate_limit_every and n % f.rate_limit_every == 0:
            return self._limited(conversation, f.retry_after)
        if f.error_every and n % f.error_every == 0:
            return web.json_response({"error": "internal"}, status=500)
        return None

    def _limited(self, scope: str, retry_after: float) -> web.Response:
        retry_after = math.ceil(retry_after * 1000) / 1000  # as sent: never shorter than the wait
        self.rate_limited += 1
        self.windows[scope] = time.monotonic() + retry_after
        return web.json_response(
            {"error": "rate_limited", "scope": "platform" if scope == "*" else "conversation"},
            status=429,
            headers={"Retry-After": f"{retry_after:.3f}"},
        )

    async def _open(self, request: web.Request) -> web.Response:
        body = await request.json()
        people = sorted(body["people"])
        self._window_check("*")
        fault = self._fault("*")
        if fault is not None:
            return fault
        if self.limits.opens_per_second and (wait := self._open_bucket.take()):
            return self._limited("*", wait)
        if set(people) & self.faults.gone:
            return web.json_response({"error": "user_not_found"}, status=404)
        self.opens += 1
        return web.json_response({"id": "G-" + "+".join(people)})

    async def _send(self, request: web.Request) -> web.Response:
        body = await request.json()
        conversation, key = body["conversation"], body["key"]
        self._window_check(conversation)
        fault = self._fault(conversation)
        if fault is not None:
            return fault
        if self.limits.posts_per_second:
            bucket = self._post_buckets.setdefault(
                conversation, Bucket(self.limits.posts_per_second, self.limits.post_burst)
            )
            if wait := bucket.take():
                return self._limited(conversation, wait)
        self.attempts[key] = self.attempts.get(key, 0) + 1
        shown = self.shown.get(key)
        if shown is None:
            shown = Shown(f"M{len(self.shown) + 1}", conversation, key, body["text"])
            self.shown[key] = shown
            self.order.setdefault(conversation, []).append(key)
        if self.faults.slow_every and self.requests % self.faults.slow_every == 0:
            await asyncio.sleep(self.faults.slow_seconds)
        return web.json_response({"id": shown.message_id})

    async def _update(self, request: web.Request) -> web.Response:
        body = await request.json()
        self._window_check(body["conversation"])
        fault = self._fault(body["conversation"])
        if fault is not None:
            return fault
        self.updates.append((body["message_id"], body["text"]))
        return web.json_response({"ok": True})


class HttpChat:
    """The Chat port over the fake platform's HTTP API, as a real adapter would be."""

    def __init__(self, url: str, *, timeout: float = 0.5) -> None:
        self.url = url
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        try:
            async with self._session.post(self.url + path, json=body) as response:
                data: dict[str, Any] = await response.json()
                if response.status == 429:
                    raise RateLimited(
                        float(response.headers["Retry-After"]),
                        scope=data.get("scope", "conversation"),
                    )
                if response.status == 404:
                    raise Undeliverable(str(data["error"]))
                if response.status >= 500:
                    raise PlatformUnavailable(f"HTTP {response.status}")
                return data
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise PlatformUnavailable(f"{type(exc).__name__}") from exc

    async def members(
        self, space: SpaceRef, *, progress: Progress | None = None
    ) -> Sequence[MemberInfo]:
        return []

    async def open_group(self, people: Sequence[str]) -> ConversationRef:
        return ConversationRef(str((await self._post("/open", {"people": list(people)}))["id"]))

    async def send(self, where: ConversationRef, message: Message, *, key: str) -> SentRef:
        data = await self._post(
            "/send", {"conversation": where.id, "key": key, "text": plain_text(message)}
        )
        return SentRef(where, str(data["id"]))

    async def update(self, sent: SentRef, message: Message) -> None:
        await self._post(
            "/update",
            {
                "conversation": sent.conversation.id,
                "message_id": sent.message_id,
                "text": plain_text(message),
            },
        )

    async def open_form(self, interaction: str, form: Form) -> None:
        raise Undeliverable("the fake platform has no forms")

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
