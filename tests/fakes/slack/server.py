"""A fake Slack on 127.0.0.1: the Web API (checked against the published spec), response URLs,
file uploads, a Socket Mode websocket, and signed delivery of payloads to an app.

Each Web API call is logged; a call to a method the spec does not have, or without an argument
the spec requires, is answered as Slack would (``unknown_method``, ``invalid_arguments``) and
recorded in ``violations``, which the fixture asserts empty. Rate limits are token buckets per
method of each workspace (the token's team; and per channel for chat.postMessage), as Slack
limits each app per workspace, with windows multiplied by ``scale`` so tests are fast; a call over
the limit gets 429 with ``Retry-After``: the whole seconds (at least 1) until the bucket has a
request again. A call made while an earlier 429's ``Retry-After`` for its bucket has not run out
is counted in ``inside_retry_after`` (what a client that honours Slack's limits never does).
The buckets read ``now`` (``time.monotonic``; a test's virtual clock, with ``scale`` 1, runs
Slack's own limits in no real time).

``marketplace=False`` is an app not approved for the Slack Marketplace, as Slack has limited them
since May 2025: ``conversations.history`` and ``conversations.replies`` are Tier 1 (one call a
minute) and return 15 messages at most.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.slack import handlers
from tests.fakes.slack.spec import method as spec_method
from tests.fakes.slack.state import Workspace


def manifest_scopes() -> frozenset[str]:
    """The bot scopes in adapters/slack/manifest.yml: what an install of the app grants."""
    from adapters.slack.oauth import bot_scopes

    return frozenset(bot_scopes())


# (requests per window, window in seconds, keyed per channel) — https://docs.slack.dev/apis/web-api/rate-limits
TIER = {1: (1, 60.0), 2: (20, 60.0), 3: (50, 60.0), 4: (100, 60.0)}
TIERS = {
    "auth.test": 4,
    "conversations.members": 4,
    "conversations.open": 3,
    "conversations.close": 2,
    "conversations.history": 3,
    "conversations.replies": 3,
    "conversations.info": 3,
    "team.info": 3,
    "chat.update": 3,
    "users.info": 4,
    "users.profile.get": 4,
    "team.profile.get": 3,
    "usergroups.list": 2,
    "usergroups.users.list": 2,
    "views.open": 4,
    "views.publish": 4,
    "chat.postEphemeral": 4,
    "files.getUploadURLExternal": 4,
    "files.completeUploadExternal": 4,
    "oauth.v2.access": 4,
    "apps.connections.open": 1,
}
POST_MESSAGE = (3, 3.0)  # 1 a second per channel, with a burst of 3
# https://api.slack.com/changelog/2025-05-terms-rate-limit-update-and-faq
HISTORY = frozenset({"conversations.history", "conversations.replies"})
UNLISTED_HISTORY = (1, 60.0)  # Tier 1, for apps outside the Marketplace
UNLISTED_PAGE = 15  # the most (and default) messages such an app may read at once
JSON_ARGS = ("blocks", "view", "metadata", "files", "attachments")


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    status: int
    error: str | None = None
    team: str = ""  # the workspace of the token, where known

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.error is None


@dataclass
class Bucket:
    capacity: float
    per_second: float
    tokens: float
    stamp: float

    def take(self, now: float) -> float:
        """Take a token; the seconds to wait (0 when one was free)."""
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.per_second)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.per_second


@dataclass
class Envelope:
    type: str
    payload: dict[str, Any]
    envelope_id: str
    acked: asyncio.Event = field(default_factory=asyncio.Event)
    response: dict[str, Any] | None = None


class FakeSlack:
    def __init__(
        self,
        *,
        scale: float = 0.01,
        scopes: frozenset[str] | None = None,
        now: Callable[[], float] = time.monotonic,
        marketplace: bool = True,
    ) -> None:
        self.scale = scale
        self.now = now
        self.marketplace = marketplace
        self.scopes = manifest_scopes() if scopes is None else scopes
        self.workspace = Workspace()
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.responses: list[tuple[str, dict[str, Any]]] = []
        self.injected: dict[str, list[tuple[int, str, int]]] = {}
        self._buckets: dict[tuple[str, str, str], Bucket] = {}
        self._limits: dict[tuple[str, str], tuple[int, float]] = {}
        self._blocked: dict[tuple[str, str, str], float] = {}  # bucket → its Retry-After's end
        self.inside_retry_after = 0
        self.rate_limited = 0
        self._ids = itertools.count(1)
        self._sockets: list[web.WebSocketResponse] = []
        self.envelopes: list[Envelope] = []
        self._runner: web.AppRunner | None = None
        self.base = ""

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> FakeSlack:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/response/{n}", self._response)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base = f"http://127.0.0.1:{port}"
        self.workspace.base = self.base
        return self

    async def stop(self) -> None:
        for socket in self._sockets:
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    # -- test controls -----------------------------------------------------------------------
    def fail_next(
        self, method: str, error: str, *, status: int = 200, retry_after: int = 1
    ) -> None:
        """Answer the next call of ``method`` with ``error`` (and ``status``: 429, 500 …)."""
        self.injected.setdefault(method, []).append((status, error, retry_after))

    def limit(self, method: str, requests: int, window: float, *, team: str = "") -> None:
        """Override a method's limit: ``requests`` per ``window`` seconds (before scaling), in
        workspace ``team`` or, by default, in every workspace without its own."""
        self._limits[(team, method)] = (requests, window)

    def calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def ok_calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls_of(method) if c.ok]

    def response_url(self) -> str:
        return f"{self.base}/response/{next(self._ids)}"

    # -- the Web API -------------------------------------------------------------------------
    async def _api(self, request: web.Request) -> web.Response:
        name = request.match_info["method"]
        args = await _arguments(request)
        token = _bearer(request) or args.pop("token", None)
        shown = {k: v for k, v in args.items() if k not in {"client_secret"}}
        spec = spec_method(name)
        if spec is None:
            return self._answer(name, shown, 404, "unknown_method", violation=True)
        missing = sorted(r for r in spec.required if r not in args)
        if missing:
            return self._answer(
                name, shown, 200, "invalid_arguments", violation=True, detail=f"missing {missing}"
            )
        team = self.workspace.tokens.get(token or "", "")
        injected = self.injected.get(name)
        if injected:
            status, error, retry_after = injected.pop(0)
            if status == 429:
                self._count_inside(name, args, team)
                self._blocked[_bucket(name, args, team)] = self.now() + retry_after
            return self._answer(name, shown, status, error, retry_after=retry_after)
        wait = self._rate(name, args, team)
        if wait > 0:
            return self._answer(
                name, shown, 429, "ratelimited", retry_after=max(1, math.ceil(wait)), team=team
            )
        handler = handlers.HANDLERS.get(name)
        if handler is None:
            return self._answer(name, shown, 200, "fake_not_implemented", violation=True)
        auth = request.headers.get("Authorization", "")
        caller = self.workspace.authenticate(name, token, auth)
        if isinstance(caller, str):
            return self._answer(name, shown, 200, caller)
        if caller.kind == "bot" and spec.scopes and not spec.scopes & self.scopes:
            needed = ",".join(sorted(spec.scopes))
            return self._answer(
                name, shown, 200, "missing_scope", violation=True, detail=f"needs {needed}"
            )
        if name in HISTORY and not self.marketplace:
            asked = str(args.get("limit") or UNLISTED_PAGE)
            page = int(asked) if asked.isdigit() else UNLISTED_PAGE
            args = {**args, "limit": max(1, min(page, UNLISTED_PAGE))}
        result = handler(self.workspace, caller, args)
        if "error" in result:
            detail = result.pop("detail", None)
            if detail:
                self.violations.append(f"{name}: {result['error']}: {detail}")
            return self._answer(name, shown, 200, str(result["error"]))
        self.calls.append(Call(name, shown, 200, team=team))
        return web.json_response({"ok": True, **result})

    def _answer(
        self,
        name: str,
        args: dict[str, Any],
        status: int,
        error: str,
        *,
        violation: bool = False,
        detail: str = "",
        retry_after: int = 1,
        team: str = "",
    ) -> web.Response:
        self.calls.append(Call(name, args, status, error, team))
        if violation:
            self.violations.append(f"{name}: {error} {detail}".strip())
        headers = {"Retry-After": str(retry_after)} if status == 429 else {}
        return web.json_response({"ok": False, "error": error}, status=status, headers=headers)

    def _rate(self, name: str, args: dict[str, Any], team: str) -> float:
        published = POST_MESSAGE if name == "chat.postMessage" else TIER[TIERS.get(name, 3)]
        if name in HISTORY and not self.marketplace:
            published = UNLISTED_HISTORY
        requests, window = (
            self._limits.get((team, name)) or self._limits.get(("", name)) or published
        )
        key = _bucket(name, args, team)
        window *= self.scale
        now = self._count_inside(name, args, team)
        bucket = self._buckets.get(key)
        if bucket is None or bucket.capacity != requests:
            bucket = Bucket(requests, requests / window, requests, now)
            self._buckets[key] = bucket
        wait = bucket.take(now)  # real seconds: the windows are already scaled
        if wait > 0:
            self.rate_limited += 1
            self._blocked[key] = now + max(1, math.ceil(wait))
        return wait

    def _count_inside(self, name: str, args: dict[str, Any], team: str) -> float:
        """Count a call made inside its bucket's Retry-After window; returns the time."""
        now = self.now()
        if now < self._blocked.get(_bucket(name, args, team), 0.0):
            self.inside_retry_after += 1
        return now

    # -- beyond the Web API ------------------------------------------------------------------
    async def _response(self, request: web.Request) -> web.Response:
        self.responses.append((request.path, await request.json()))
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        data = await request.post()
        upload = data.get("file") or data.get("filename")
        content = upload.file.read() if isinstance(upload, web.FileField) else await request.read()
        if not self.workspace.receive_upload(request.match_info["file_id"], content):
            return web.Response(status=404, text="no such upload")
        return web.Response(text=f"OK - {len(content)}")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        if request.query.get("ticket") not in self.workspace.tickets:
            raise web.HTTPUnauthorized()
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._sockets.append(socket)
        hello = {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0BRIDGE1"}}
        await socket.send_json(hello)
        async for message in socket:
            if message.type != WSMsgType.TEXT:
                continue
            data = json.loads(message.data)
            for envelope in self.envelopes:
                if envelope.envelope_id == data.get("envelope_id"):
                    envelope.response = data.get("payload")
                    envelope.acked.set()
        return socket

    async def push(
        self, kind: str, payload: dict[str, Any], *, retry_attempt: int = 0, retry_reason: str = ""
    ) -> Envelope:
        """Send an envelope over the Socket Mode connection; wait until the app acks it. A retry
        of an Events API payload carries its attempt and reason, as over HTTP."""
        for _ in range(200):
            if self._sockets:
                break
            await asyncio.sleep(0.01)
        envelope = Envelope(kind, payload, f"env-{next(self._ids)}")
        self.envelopes.append(envelope)
        await self._sockets[-1].send_json(
            {
                "envelope_id": envelope.envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": kind != "events_api",
                "retry_attempt": retry_attempt,
                "retry_reason": retry_reason,
            }
        )
        await asyncio.wait_for(envelope.acked.wait(), timeout=5)
        return envelope

    async def wait_for(self, done: Callable[[], bool], *, timeout: float = 5.0) -> None:
        """Wait until ``done()`` (an app answers after acknowledging)."""
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                raise AssertionError("the fake Slack did not see what the test waited for")
            await asyncio.sleep(0.01)


def _bucket(name: str, args: dict[str, Any], team: str) -> tuple[str, str, str]:
    """What Slack counts a call against: the workspace's method, and channel for posts."""
    return (team, name, str(args.get("channel")) if name == "chat.postMessage" else "")


async def _arguments(request: web.Request) -> dict[str, Any]:
    args: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        body = await request.json()
        if isinstance(body, dict):
            args.update(body)
    elif request.can_read_body:
        args.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
    for key in JSON_ARGS:
        if isinstance(args.get(key), str):
            try:
                args[key] = json.loads(args[key])
            except ValueError:
                pass
    return args


def _bearer(request: web.Request) -> str | None:
    auth = request.headers.get("Authorization", "")
    return auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None


def basic_auth(client_id: str, client_secret: str) -> str:
    raw = f"{client_id}:{client_secret}".encode()
    return "Basic " + base64.b64encode(raw).decode()
