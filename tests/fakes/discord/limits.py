"""Rate limits as Discord applies them: buckets per route and major parameter, headers, 429s."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field


@dataclass
class Bucket:
    limit: int
    window: float
    used: int = 0
    resets_at: float = 0.0

    def take(self, now: float) -> float | None:
        """Take one request; None when allowed, else how long to wait."""
        if now >= self.resets_at:
            self.used = 0
            self.resets_at = now + self.window
        if self.used >= self.limit:
            return self.resets_at - now
        self.used += 1
        return None


@dataclass
class Refusal:
    """A 429 the fake must answer to a coming request of one route (to test long waits)."""

    method: str
    template: str
    retry_after: float
    skip: int = 0  # let this many matching requests through first


@dataclass
class Limits:
    """Each route's bucket allows ``limit`` requests per ``window`` seconds per major parameter."""

    limit: int = 10
    window: float = 0.1
    buckets: dict[str, Bucket] = field(default_factory=dict)
    refusals: list[Refusal] = field(default_factory=list)
    refused: int = 0

    def refuse(
        self, method: str, template: str, *, retry_after: float, times: int = 1, after: int = 0
    ) -> None:
        """Answer 429 to ``times`` requests of the route, once ``after`` of them have passed."""
        self.refusals.extend(Refusal(method, template, retry_after, after) for _ in range(times))

    def check(self, method: str, template: str, major: str) -> tuple[float | None, dict[str, str]]:
        """(retry_after or None, the X-RateLimit headers) for one request."""
        for refusal in self.refusals:
            if (refusal.method, refusal.template) == (method, template):
                if refusal.skip > 0:
                    refusal.skip -= 1
                    break
                self.refusals.remove(refusal)
                self.refused += 1
                return refusal.retry_after, self._headers(template, 0, refusal.retry_after)
        now = time.monotonic()
        key = f"{method} {template} {major}"
        bucket = self.buckets.setdefault(key, Bucket(self.limit, self.window))
        wait = bucket.take(now)
        remaining = max(0, bucket.limit - bucket.used)
        if wait is not None:
            self.refused += 1
            return wait, self._headers(template, 0, wait)
        return None, self._headers(template, remaining, bucket.resets_at - now)

    def _headers(self, template: str, remaining: int, reset_after: float) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{max(reset_after, 0.001):.3f}",
            "X-RateLimit-Bucket": hashlib.sha1(template.encode()).hexdigest()[:16],
        }
