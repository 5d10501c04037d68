"""How a sender retries and what a drain reports."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RetryPolicy:
    base: float = 1.0
    cap: float = 300.0
    max_attempts: int = 8
    lease: float = 10.0  # a dead sender's rows are claimable again this long after its last renewal
    renew_every: float | None = None  # how often a live sender renews it; a quarter lease if None

    def backoff(self, attempts: int, rng: random.Random) -> float:
        delay = min(self.cap, self.base * 2.0 ** max(0, attempts - 1))
        return float(delay * (0.5 + rng.random() / 2))


@dataclass
class DrainReport:
    sent: int = 0
    dead: int = 0
    retried: int = 0
    waits: list[float] = field(default_factory=list)
