"""Rate limits as Discord applies them (https://discord.com/developers/docs/topics/rate-limits).

- **Per-route buckets**, per top-level resource (the major parameter: channel, guild, webhook):
  ``limit`` requests per ``window``, told in the X-RateLimit headers of every answer. Routes that
  Discord limits together share one bucket and its ``X-RateLimit-Bucket`` hash (both ways of
  creating a thread, for one). Past the limit: 429, ``X-RateLimit-Scope: user``.
- **Hidden shared limits** on a resource (:meth:`Limits.share`): a bucket's resource takes only
  so many requests per window whoever makes them (Discord's thread creation per channel), not
  shown in X-RateLimit-Remaining. Past it: 429, ``X-RateLimit-Scope: shared``, "The resource is
  being rate limited.", a long ``retry_after``; such a 429 does not count as an invalid request.
- **The global limit**: ``global_limit`` requests per ``global_window`` per bot, whatever the
  route (interaction endpoints aside). Past it: 429, ``X-RateLimit-Global: true``,
  ``X-RateLimit-Scope: global``, ``"global": true``.

A 429 opens a **window**: until its ``retry_after`` has passed, every request it covers (one
bucket's resource, or all, for the global limit) is refused again and counted in
``inside_window`` — what a client that honours Discord's answers never does. Windows and limits
are in Discord's seconds, multiplied by ``scale``, so tests can say "35 s" and wait a fraction.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

# Routes Discord limits together (the same X-RateLimit-Bucket); any other route is its own.
SHARED_BUCKETS = {
    ("POST", "/channels/{channel_id}/threads"): "thread-create",
    ("POST", "/channels/{channel_id}/messages/{message_id}/threads"): "thread-create",
}
GLOBAL = "global"
UNLIMITED_GLOBALLY = ("/interactions/", "/webhooks/")


def bucket_of(method: str, template: str) -> str:
    return SHARED_BUCKETS.get((method, template), f"{method} {template}")


def bucket_hash(bucket: str) -> str:
    """X-RateLimit-Bucket: names the limit, not the resource (no ids in it)."""
    return hashlib.sha1(bucket.encode()).hexdigest()[:16]


@dataclass
class Bucket:
    limit: int
    window: float
    used: int = 0
    resets_at: float = 0.0

    def refresh(self, now: float) -> None:
        if now >= self.resets_at:
            self.used = 0
            self.resets_at = now + self.window


@dataclass
class Refusal:
    """A 429 the fake must answer to a coming request of one route (to test long waits)."""

    method: str
    template: str
    retry_after: float
    scope: str = "user"
    major: str | None = None
    skip: int = 0  # let this many matching requests through first


@dataclass
class Window:
    until: float
    scope: str


@dataclass
class Answer:
    """What the limits say of one request: refused (``retry_after`` set) or not, and headers."""

    retry_after: float | None
    headers: dict[str, str]
    scope: str = ""

    @property
    def body(self) -> dict[str, object]:
        assert self.retry_after is not None
        shared = self.scope == "shared"
        return {
            "message": "The resource is being rate limited."
            if shared
            else "You are being rate limited.",
            "retry_after": round(self.retry_after, 3),
            "global": self.scope == GLOBAL,
        }


@dataclass
class Limits:
    """Each bucket allows ``limit`` requests per ``window`` seconds per major parameter."""

    limit: int = 10
    window: float = 0.1
    global_limit: int = 50
    global_window: float = 1.0
    scale: float = 1.0
    now: Callable[[], float] = time.monotonic
    buckets: dict[str, Bucket] = field(default_factory=dict)
    shared: dict[str, tuple[int, float]] = field(default_factory=dict)
    refusals: list[Refusal] = field(default_factory=list)
    windows: dict[str, Window] = field(default_factory=dict)
    refused: int = 0
    inside_window: int = 0
    inside: list[tuple[str, str, str]] = field(default_factory=list)  # (method, template, major)
    _global: Bucket = field(default_factory=lambda: Bucket(0, 0.0))
    _shared_use: dict[str, deque[float]] = field(default_factory=dict)

    def refuse(
        self,
        method: str,
        template: str,
        *,
        retry_after: float,
        times: int = 1,
        after: int = 0,
        scope: str = "user",
        major: str | None = None,
    ) -> None:
        """Answer 429 to ``times`` requests of the route (in ``major`` only, if given), once
        ``after`` of them have passed; each opens a window of ``retry_after`` (scaled) on the
        route's bucket there, or on everything for ``scope="global"``."""
        self.refusals.extend(
            Refusal(method, template, retry_after, scope, major, after) for _ in range(times)
        )

    def share(self, method: str, template: str, *, limit: int, window: float) -> None:
        """A hidden limit on the route's bucket per resource: ``limit`` per ``window`` (scaled)."""
        self.shared[bucket_of(method, template)] = (limit, window)

    def check(self, method: str, template: str, major: str) -> Answer:
        """Whether one request may go, and the X-RateLimit headers of its answer."""
        now = self._now()
        name = bucket_of(method, template)
        where = f"{bucket_hash(name)}:{major}"
        globally = not template.startswith(UNLIMITED_GLOBALLY)
        bucket = self.buckets.setdefault(where, Bucket(self.limit, self.window * self.scale))
        bucket.refresh(now)
        for key in (GLOBAL, where) if globally else (where,):
            window = self.windows.get(key)
            if window is not None and window.until > now:
                self.inside_window += 1
                self.inside.append((method, template, major))
                return self._refuse(key, name, bucket, window.until - now, window.scope, now)
        refusal = self._refusal(method, template, major)
        if refusal is not None:
            key = GLOBAL if refusal.scope == GLOBAL else where
            wait = refusal.retry_after * self.scale
            return self._refuse(key, name, bucket, wait, refusal.scope, now)
        if globally:
            self._global.limit, self._global.window = self.global_limit, self.global_window
            self._global.window *= self.scale
            self._global.refresh(now)
            if self._global.used >= self._global.limit:
                wait = self._global.resets_at - now
                return self._refuse(GLOBAL, name, bucket, wait, GLOBAL, now)
        if bucket.used >= bucket.limit:
            return self._refuse(where, name, bucket, bucket.resets_at - now, "user", now)
        if name in self.shared:
            limit, window_s = self.shared[name]
            used = self._shared_use.setdefault(where, deque())
            while used and used[0] <= now - window_s * self.scale:
                used.popleft()
            if len(used) >= limit:
                wait = used[0] + window_s * self.scale - now
                return self._refuse(where, name, bucket, wait, "shared", now)
            used.append(now)
        if globally:
            self._global.used += 1
        bucket.used += 1
        return Answer(None, self._headers(name, bucket, now))

    def _now(self) -> float:
        return self.now()

    def _refusal(self, method: str, template: str, major: str) -> Refusal | None:
        for refusal in self.refusals:
            if (refusal.method, refusal.template) != (method, template):
                continue
            if refusal.major is not None and refusal.major != major:
                continue
            if refusal.skip > 0:
                refusal.skip -= 1
                return None
            self.refusals.remove(refusal)
            return refusal
        return None

    def _refuse(
        self, key: str, name: str, bucket: Bucket, wait: float, scope: str, now: float
    ) -> Answer:
        self.refused += 1
        until = max(now + wait, self.windows[key].until if key in self.windows else 0.0)
        self.windows[key] = Window(until, scope)
        retry = {"Retry-After": str(max(1, math.ceil(wait)))}
        if scope == GLOBAL:
            retry |= {"X-RateLimit-Global": "true", "X-RateLimit-Scope": GLOBAL}
            return Answer(wait, retry, scope)
        headers = self._headers(name, bucket, now)
        if scope == "user":
            headers |= {
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{time.time() + wait:.3f}",
                "X-RateLimit-Reset-After": f"{max(wait, 0.001):.3f}",
            }
        return Answer(wait, headers | retry | {"X-RateLimit-Scope": scope}, scope)

    def _headers(self, name: str, bucket: Bucket, now: float) -> dict[str, str]:
        reset_after = max(bucket.resets_at - now, 0.001)
        return {
            "X-RateLimit-Limit": str(bucket.limit),
            "X-RateLimit-Remaining": str(max(0, bucket.limit - bucket.used)),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": bucket_hash(name),
        }
