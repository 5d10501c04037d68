"""Holds the scheduler lead until killed, for the takeover test.

python -m tests.fakes.leader_process DATABASE_URL
"""

from __future__ import annotations

import asyncio
import sys

from bot.delivery.leader import Leadership
from bot.store.db import Database


async def main(url: str) -> None:
    db = Database(url)
    leadership = Leadership(db)
    await leadership.wait(poll=0.1)
    print("leading", flush=True)
    await asyncio.sleep(3600)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
