"""Delivery benchmark: a round of 2,000 members through the outbox and sender.

1. To a local fake platform that enforces Slack's limits, scaled up ``SCALE`` times so the run
   takes well under a minute: conversations.open at Tier 3 (about 50 a minute, small bursts) and
   chat.postMessage at about one a second per channel. Reported: total time as a ratio of the
   least those limits allow, re-sends, duplicates shown and messages lost.
2. With no limits, to a no-op adapter: the sender's own throughput on SQLite, and on PostgreSQL
   with one and with two sender processes (when PostgreSQL answers).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench._postgres import drop_schema, schema_url, scratch_schema
from bot.core import Core, open_core
from bot.delivery.outbox import enqueue
from bot.delivery.sender import RetryPolicy, Sender
from bot.domain import Platform
from bot.messages import Form, Message, Text
from bot.ports import ConversationRef, MemberInfo, Progress, SentRef, SpaceRef
from bot.settings import Settings
from bot.store.db import Database
from tests.fakes.platform import FakePlatform, HttpChat, Limits

SCALE = 40.0
OPENS_PER_MINUTE = 50.0
OPEN_BURST = 5
MEMBERS = 2000
THROUGHPUT_MESSAGES = 4000


class NoopChat:
    """An adapter that sends nothing and answers at once."""

    async def members(
        self, space: SpaceRef, *, progress: Progress | None = None
    ) -> Sequence[MemberInfo]:
        return []

    async def open_group(self, people: Sequence[str]) -> ConversationRef:
        return ConversationRef("+".join(people))

    async def send(self, where: ConversationRef, message: Message, *, key: str) -> SentRef:
        return SentRef(where, key)

    async def update(self, sent: SentRef, message: Message) -> None:
        return None

    async def open_form(self, interaction: str, form: Form) -> None:
        return None


async def _core(url: str) -> tuple[Core, int]:
    core = await open_core(Settings(_env_file=None), url=url)
    community = await core.ensure_community(Platform.CONSOLE, "bench", "coffee", name="Bench")
    return core, community


async def rate_limited(url: str) -> list[str]:
    core, community = await _core(url)
    infos = [
        MemberInfo(f"u{i:05d}", f"Person{i}", team=f"Acme/D{i % 5}/T{i % 23}")
        for i in range(MEMBERS)
    ]
    await core.sync_members(community, infos)
    groups = len((await core.run_round(community)).groups)
    opens_per_second = OPENS_PER_MINUTE / 60 * SCALE
    platform = FakePlatform(
        limits=Limits(
            opens_per_second=opens_per_second,
            open_burst=OPEN_BURST,
            posts_per_second=1.0 * SCALE,
            post_burst=3,
        )
    )
    await platform.start()
    chat = HttpChat(platform.url, timeout=5)
    started = time.perf_counter()
    try:
        await Sender(core.db, chat, policy=RetryPolicy(base=0.01)).drain(max_wait=300)
    finally:
        elapsed = time.perf_counter() - started
        await chat.close()
        await platform.stop()
        await core.close()
    least = (groups - OPEN_BURST) / opens_per_second
    resent = sum(n - 1 for n in platform.attempts.values())
    duplicates = sum(len(keys) - 1 for keys in platform.order.values())
    return [
        f"rate-limited round ({MEMBERS} members, {groups} groups, SQLite)",
        f"{elapsed:.1f} s",
        f"{elapsed / least:.3f} × the least allowed ({least:.1f} s)",
        f"429s {platform.rate_limited}, re-sends {resent}",
        str(duplicates),
        str(groups - len(platform.shown)),
    ]


async def _fill(url: str, count: int) -> None:
    core, community = await _core(url)
    async with core.db.session() as session, session.begin():
        for i in range(count):
            await enqueue(
                session,
                community_id=community,
                key=f"bench:{i}",
                kind="text",
                message=Text("hello"),
                conversation_id=f"C{i % 997}",
            )
    await core.close()


async def _drain(url: str) -> tuple[int, float, float]:
    db = Database(url)
    await db.ping()
    started = time.time()
    report = await Sender(db, NoopChat(), batch=200).drain(max_wait=60)
    ended = time.time()
    await db.dispose()
    return report.sent, started, ended


def _drain_process(url: str, out: multiprocessing.Queue[tuple[int, float, float]]) -> None:
    out.put(asyncio.run(_drain(url)))


def throughput(url: str, senders: int, label: str) -> list[str]:
    asyncio.run(_fill(url, THROUGHPUT_MESSAGES))
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue[tuple[int, float, float]] = context.Queue()
    processes = [
        context.Process(target=_drain_process, args=(url, results)) for _ in range(senders)
    ]
    for process in processes:
        process.start()
    done = [results.get(timeout=300) for _ in processes]
    for process in processes:
        process.join()
    sent = sum(n for n, _, _ in done)
    elapsed = max(end for _, _, end in done) - min(start for _, start, _ in done)
    return [
        label,
        f"{elapsed:.2f} s",
        f"{sent / elapsed:.0f} messages/s",
        "",
        "—",
        str(THROUGHPUT_MESSAGES - sent),
    ]


def main() -> None:
    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        rows.append(asyncio.run(rate_limited(f"sqlite+aiosqlite:///{Path(tmp) / 'limited.db'}")))
        rows.append(
            throughput(
                f"sqlite+aiosqlite:///{Path(tmp) / 'tp.db'}", 1, "no limits, 1 sender, SQLite"
            )
        )
    for senders in (1, 2):
        schema = scratch_schema()
        if schema is None:
            rows.append(
                [f"no limits, {senders} sender(s), PostgreSQL", "skipped: no server"] + [""] * 4
            )
            continue
        label = f"no limits, {senders} sender(s), PostgreSQL"
        try:
            rows.append(throughput(schema_url(schema), senders, label))
        finally:
            drop_schema(schema)
    table = Table("run", "time", "figure", "platform answers", "duplicates", "lost")
    for row in rows:
        table.add_row(*row)
    Console(width=160).print(table)
    print(
        f"Slack's limits scaled {SCALE:.0f}×: conversations.open {OPENS_PER_MINUTE:.0f}/min "
        f"(burst {OPEN_BURST}), chat.postMessage 1/s per channel (burst 3)."
    )


if __name__ == "__main__":
    main()
