"""Discord's rate limits, honoured before each call on the core's shared state.

Discord publishes no rates: each answer tells them (https://discord.com/developers/docs/topics/
rate-limits). :class:`Pacer` reads every answer of the client's REST calls and keeps what it says
in the shared limits (:class:`~bot.delivery.shared_limits.SharedLimits`, table ``rate_limits``), so
every process and sender on one database honours it before each call:

- ``discord:<bot>:global`` — a global 429 (``"global": true``, ``X-RateLimit-Global``,
  ``X-RateLimit-Scope: global``) holds every call of the bot for its ``retry_after``
  (interaction endpoints aside, which Discord does not count globally);
- ``discord:<bot>:<bucket>:<resource>`` — ``X-RateLimit-Bucket`` (routes Discord limits together
  share one) and the top-level resource (channel, guild or webhook): a 429 of scope ``user`` or
  ``shared`` holds it for its ``retry_after``, an answer with ``X-RateLimit-Remaining: 0`` for its
  ``X-RateLimit-Reset-After``. A thread-creation 429 in one channel holds thread creation in
  that channel for every group, and in no other channel. A ``shared`` 429 (the resource's own
  limit, ``Remaining`` still above 0) is waited out the same, and logged as not ours;
- ``discord:<bot>:<METHOD path>:<resource>`` — the same holds under the route's name, for a
  process that has not yet learnt the route's bucket from an answer.

discord.py's own waiting is off, so nothing waits twice and no process waits alone: its bucket
objects never wait (:class:`_Unpaced`) and a 429 never reaches it (the answer is read here, as it
arrives, and raised as :class:`Refused`). A wait up to the limits' ``patience`` is slept and the
call made again; a longer one is raised as ``RateLimited(scope=…)`` for the outbox, which tries
the message again when it ends: ``platform`` for a global hold, ``conversation`` otherwise.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import aiohttp
from discord.http import HTTPClient, Ratelimit, Route

from bot.delivery.limits import Limits
from bot.errors import RateLimited

log = logging.getLogger(__name__)

ATTEMPTS = 5  # a call refused with a short wait is made again, after it: this many tries in all
PLATFORM, CONVERSATION = "platform", "conversation"
NOT_GLOBAL = ("/interactions/", "/webhooks/")  # interaction endpoints: no global limit
CLOUDFLARE_WAIT = 60.0  # a 429 without Discord's body (a ban at the edge): wait this long
MAX_KEY = 200


@dataclass(frozen=True)
class Hold:
    """What an answer asks: nobody calls with ``keys`` for ``seconds``."""

    keys: tuple[str, ...]
    seconds: float
    scope: str


class Refused(RateLimited):
    """Discord answered 429 (raised as the answer arrives, before discord.py sees it)."""


class _Unpaced(Ratelimit):
    """discord.py's bucket object, told nothing: it never waits (the Pacer does)."""

    def update(self, response: aiohttp.ClientResponse, *, use_clock: bool = False) -> None:
        return None


@dataclass(frozen=True)
class _Call:
    pacer: Pacer
    route: Route


_CALL: ContextVar[_Call | None] = ContextVar("bridgework_discord_call", default=None)


def trace() -> aiohttp.TraceConfig:
    """The client session's hook through which the Pacer reads each answer as it arrives."""
    config = aiohttp.TraceConfig()

    async def ended(
        session: aiohttp.ClientSession,
        context: object,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        call = _CALL.get()
        if call is not None:
            await call.pacer.answered(call.route, params.response)

    config.on_request_end.append(ended)
    return config


class Pacer:
    """Every REST call of one discord.py client, on the shared limits (install with
    :meth:`install`; the client must be made with :func:`trace` as its ``http_trace``)."""

    def __init__(self, http: HTTPClient, limits: Limits) -> None:
        self.http = http
        self.limits = limits
        self._request: Callable[..., Awaitable[Any]] = http.request
        self._buckets: dict[str, str] = {}  # route → the bucket Discord named for it

    @classmethod
    def install(cls, http: HTTPClient, limits: Limits) -> Pacer:
        pacer = cls(http, limits)
        http.request = pacer.request  # type: ignore[method-assign]
        http.get_ratelimit = _unpaced  # type: ignore[method-assign]
        return pacer

    async def request(self, route: Route, **kwargs: Any) -> Any:
        """discord.py's ``HTTPClient.request``, after the holds on the route have passed."""
        for attempt in range(1, ATTEMPTS + 1):
            await self.wait(route)
            if attempt > 1:
                for file in kwargs.get("files") or ():
                    file.reset()  # discord.py rewinds files only on its own retries
            token = _CALL.set(_Call(self, route))
            try:
                return await self._request(route, **kwargs)
            except Refused as refused:
                if attempt == ATTEMPTS:
                    raise RateLimited(refused.retry_after, scope=refused.scope) from None
            finally:
                _CALL.reset(token)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def wait(self, route: Route) -> None:
        """Sleep until no hold covers the route; raise RateLimited when that is further than
        the limits' patience."""
        keys = self.keys(route)
        while True:
            held = await self.limits.holds([key for key in keys if key])
            if not held:
                return
            key, until = max(held.items(), key=lambda item: item[1])
            wait = until - self.limits.now()
            if wait <= 0:
                return
            if wait > self.limits.patience:
                raise RateLimited(wait, scope=PLATFORM if key == keys[0] else CONVERSATION)
            await self.limits.sleep(wait)

    async def answered(self, route: Route, response: aiohttp.ClientResponse) -> None:
        """Learn the route's bucket from an answer, hold what it asks, raise Refused on a 429."""
        headers = response.headers
        bucket = headers.get("X-RateLimit-Bucket")
        if bucket:
            self._buckets[f"{route.method} {route.path}"] = bucket
        if response.status == 429:
            hold = self.refusal(route, headers, await _json(response))
            await self.hold(hold)
            raise Refused(hold.seconds, scope=hold.scope)
        if headers.get("X-RateLimit-Remaining") == "0":
            reset_after = _seconds(headers.get("X-RateLimit-Reset-After"))
            if reset_after:
                await self.hold(Hold(self.keys(route)[1:], reset_after, CONVERSATION))

    def refusal(
        self, route: Route, headers: Mapping[str, str], body: Mapping[str, Any] | None
    ) -> Hold:
        """The hold a 429 asks for: the bot's, for a global limit or a ban at the edge; else
        the route's bucket on its resource."""
        retry_after = _seconds((body or {}).get("retry_after"))
        if retry_after is None:
            retry_after = _seconds(headers.get("Retry-After")) or CLOUDFLARE_WAIT
        scope = headers.get("X-RateLimit-Scope", "")
        everything = (
            body is None
            or bool(body.get("global"))
            or headers.get("X-RateLimit-Global", "").lower() == "true"
            or scope == "global"
        )
        if everything:
            log.warning("Discord: global rate limit; every call waits %.1fs", retry_after)
            return Hold((self.global_key(),), retry_after, PLATFORM)
        what = "shared (the resource's, not ours)" if scope == "shared" else "ours"
        log.info(
            "Discord: %s %s on %s rate limited, %s; waiting %.1fs",
            route.method,
            route.path,
            route.major_parameters or "-",
            what,
            retry_after,
        )
        return Hold(self.keys(route)[1:], retry_after, CONVERSATION)

    async def hold(self, hold: Hold) -> None:
        for key in hold.keys:
            await self.limits.hold(key, hold.seconds)

    def keys(self, route: Route) -> tuple[str, ...]:
        """The keys a call of ``route`` waits on: the bot's global one first (empty for the
        interaction endpoints), the route's own, and its bucket's once known."""
        name = f"{route.method} {route.path}"
        resource = route.major_parameters
        keys = [
            self.global_key() if not route.path.startswith(NOT_GLOBAL) else "",
            _bounded(f"{self._bot()}:{name}:{resource}"),
        ]
        bucket = self._buckets.get(name)
        if bucket:
            keys.append(_bounded(f"{self._bot()}:{bucket}:{resource}"))
        return tuple(keys)

    def global_key(self) -> str:
        return f"{self._bot()}:global"

    def _bot(self) -> str:
        """The bot, as a stand-in from its token (known before its id)."""
        token = self.http.token or ""
        return "discord:" + hashlib.sha256(token.encode()).hexdigest()[:16]


def _unpaced(key: str) -> Ratelimit:
    return _Unpaced(None)


def _bounded(key: str) -> str:
    """A key within the table's 200 characters (a webhook's token is long)."""
    if len(key) <= MAX_KEY:
        return key
    return key[:120] + "#" + hashlib.sha256(key.encode()).hexdigest()


def _seconds(value: object) -> float | None:
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return max(0.0, seconds)


async def _json(response: aiohttp.ClientResponse) -> Mapping[str, Any] | None:
    """A 429's body, read here (aiohttp keeps it for discord.py); None unless Discord's JSON."""
    try:
        body = await response.json(content_type=None)
    except (ValueError, aiohttp.ClientError):
        return None
    return body if isinstance(body, dict) and "retry_after" in body else None
