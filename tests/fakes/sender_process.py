"""A sender process for the crash tests: drains the outbox to the fake platform, then exits.

python -m tests.fakes.sender_process DATABASE_URL PLATFORM_URL [LEASE_SECONDS]
"""

from __future__ import annotations

import asyncio
import sys

from bot.delivery.sender import RetryPolicy, Sender
from bot.store.db import Database
from tests.fakes.platform import HttpChat


async def main(db_url: str, platform_url: str, lease: float) -> None:
    db = Database(db_url)
    chat = HttpChat(platform_url, timeout=2.0)
    try:
        policy = RetryPolicy(base=0.05, cap=0.5, lease=lease, max_attempts=50)
        sender = Sender(db, chat, policy=policy, batch=20)
        await sender.drain(max_wait=60)
    finally:
        await chat.close()
        await db.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 1.0))
