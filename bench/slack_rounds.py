"""Slack rounds at the rate limits: install-to-first-round, and many workspaces at once.

Everything goes through the real Slack adapter (slack_sdk) to the project's fake Slack, which
keeps Slack's tier limits per workspace and method (and one post a second per channel), sped up
``SPEED`` times, and answers 429 + Retry-After beyond them. The adapter is told the speed-up, so
that it paces on the same tiers.

1. **Install to first round, 300 members**: the channel's members are read and enrolled
   (conversations.members, users.info, users.profile.get), a round is run and delivered — with one
   sender on SQLite, one on PostgreSQL, and two on PostgreSQL (two engines and rate-limit states,
   as two processes have, sharing the database). Welcome messages are off, so that the round's
   delivery is measured alone. Figures: enrolled, each phase's time over the least time the fake's
   limits allow for the calls it made (the floor: each bucket — a workspace's method, a channel's
   posts — starts full with ``capacity`` calls and refills at its rate, so n calls take at least
   (n − capacity) / rate; the slowest bucket decides), 429s, calls made inside a Retry-After
   window, duplicates and lost messages.
2. **20 workspaces × 200 members**, each with its own limits (its own buckets in the fake), one
   round each at Slack's own speed, delivered by one sender on PostgreSQL (SQLite without a
   server): total time over the slowest
   workspace's own floor, duplicates and lost.

Each install case runs ``BENCH_RUNS`` times (3; 1 with ``--quick``, which also shrinks the sizes),
the many-workspace one ``BENCH_MANY_RUNS`` times (1: it takes minutes at Slack's own speed); the
table shows the median ratio and the range, with the machine's load average before and after.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from adapters.slack.chat import SlackChat
from adapters.slack.render import metadata_key
from bench._postgres import drop_schema, schema_url, scratch_schema
from bot.core import Core, open_core
from bot.delivery.sender import ChatFor, DrainReport, RetryPolicy, Sender
from bot.delivery.shared_limits import SharedLimits
from bot.domain import Community, Platform
from bot.ports import Chat, MemberInfo, SpaceRef
from bot.settings import Settings
from bot.store.db import Database
from bot.store.models import OutboxRow
from tests.fakes.slack.server import POST_MESSAGE, TIER, TIERS, Call, FakeSlack
from tests.fakes.slack.state import User

QUICK = os.environ.get("BENCH_QUICK") == "1"
RUNS = int(os.environ.get("BENCH_RUNS", "1" if QUICK else "3"))
SPEED = 20.0  # Slack's windows, 20 times shorter
MEMBERS = 160 if QUICK else 300  # quick: 80 groups, still past Tier 3's burst of 50
WORKSPACES, PER_WORKSPACE = (4, 160) if QUICK else (20, 200)
MANY_SPEED = 20.0 if QUICK else 1.0  # Slack's own speed: 20 workspaces' calls share one CPU
MANY_RUNS = int(os.environ.get("BENCH_MANY_RUNS", "1"))
DEPARTMENTS = ("Engineering", "Sales", "Finance", "Legal", "Support", "Design")


def floor(calls: Iterable[Call], speed: float) -> float:
    """The least time the fake's buckets allow for ``calls`` (its successful ones): each bucket
    starts full and refills at its rate; the slowest bucket decides."""
    buckets: Counter[tuple[str, str, str]] = Counter(
        (c.team, c.method, str(c.args.get("channel")) if c.method == "chat.postMessage" else "")
        for c in calls
        if c.ok
    )
    worst = 0.0
    for (_, method, _), n in buckets.items():
        requests, window = POST_MESSAGE if method == "chat.postMessage" else TIER[TIERS[method]]
        worst = max(worst, max(0, n - requests) * window / speed / requests)
    return worst


def workspace(fake: FakeSlack, team: str, members: int) -> tuple[str, str]:
    """A workspace of ``members`` people in one channel: (its token, its channel)."""
    token = f"xoxb-bench-{team}"
    fake.workspace.tokens[token] = team
    ids = []
    for i in range(members):
        uid = f"U{team}{i:05d}"
        fake.workspace.add_user(User(uid, f"P{i}", "Example", team=DEPARTMENTS[i % 6]))
        ids.append(uid)
    channel = f"C{team}"
    fake.workspace.add_channel(channel, ids)
    return token, channel


def chats_of(fake: FakeSlack, tokens: dict[str, str], db: Database, speed: float) -> ChatFor:
    """Each community's Chat, all on one process's shared limits (as ``chat_for`` makes them)."""
    limits = SharedLimits(db)

    def chat(community: Community) -> Chat:
        return SlackChat(
            tokens[community.workspace],
            api_url=fake.api_url,
            channel=community.channel,
            workspace=community.workspace,
            limits=limits,
            tier_scale=1 / speed,
        )

    return chat


async def _senders(urls: list[str], chats: list[Callable[[Database], ChatFor]]) -> list[int]:
    """Drain with one sender per URL, each on its own engine, as separate processes would."""
    runs: list[Awaitable[DrainReport]] = []
    databases = [Database(u) for u in urls]
    try:
        for db, chat in zip(databases, chats, strict=True):
            runs.append(Sender(db, chat(db), policy=RetryPolicy(base=0.05)).drain(max_wait=300))
        return [r.sent for r in await asyncio.gather(*runs)]
    finally:
        for db in databases:
            await db.dispose()


async def _keys(core: Core) -> set[str]:
    async with core.db.session() as session:
        return set((await session.scalars(select(OutboxRow.key))).all())


def _dup_lost(fake: FakeSlack, keys: set[str], sent: int) -> tuple[int, int]:
    """Messages posted more than once (or reported sent more often than queued), and not at all."""
    posted = Counter(
        marked[0]
        for _, message in fake.workspace.posts()
        if (marked := metadata_key(message)) is not None and marked[1] == 0
    )
    duplicates = sum(n - 1 for n in posted.values()) + len(set(posted) - keys)
    return duplicates + max(0, sent - len(keys)), len(keys - set(posted))


@dataclass
class Outcome:
    enrolled: str
    enrol: tuple[float, float]  # seconds, floor
    deliver: tuple[float, float]
    limited: int
    inside: int
    duplicates: int
    lost: int


async def install_round(url: str, senders: int) -> Outcome:
    fake = await FakeSlack(scale=1 / SPEED).start()
    settings = Settings(_env_file=None, welcome_dm=False)
    core = await open_core(settings, url=url)
    try:
        token, channel = workspace(fake, "TINSTALL", MEMBERS)
        community = await core.ensure_community(Platform.SLACK, "TINSTALL", channel, name="x")
        tokens = {"TINSTALL": token}
        chat = chats_of(fake, tokens, core.db, SPEED)(
            Community(community, Platform.SLACK, "TINSTALL", channel, "x")
        )
        started = time.perf_counter()
        infos = await chat.members(SpaceRef("TINSTALL", channel))
        synced = await core.sync_members(community, infos)
        enrol = (time.perf_counter() - started, floor(fake.calls, SPEED))
        await core.run_round(community)
        keys = await _keys(core)
        mark = len(fake.calls)
        started = time.perf_counter()
        sent = await _senders(
            [url] * senders, [lambda db: chats_of(fake, tokens, db, SPEED)] * senders
        )
        deliver = (time.perf_counter() - started, floor(fake.calls[mark:], SPEED))
        duplicates, lost = _dup_lost(fake, keys, sum(sent))
        return Outcome(
            f"{synced.enrolled}/{MEMBERS}",
            enrol,
            deliver,
            fake.rate_limited,
            fake.inside_retry_after,
            duplicates,
            lost,
        )
    finally:
        await core.close()
        await fake.stop()


async def many_workspaces(url: str) -> Outcome:
    fake = await FakeSlack(scale=1 / MANY_SPEED).start()
    core = await open_core(Settings(_env_file=None, welcome_dm=False), url=url)
    try:
        tokens: dict[str, str] = {}
        for w in range(WORKSPACES):
            team = f"TW{w:03d}"
            tokens[team], channel = workspace(fake, team, PER_WORKSPACE)
            community = await core.ensure_community(Platform.SLACK, team, channel, name=team)
            people = fake.workspace.conversations[channel].members[:-1]  # the bot is last
            await core.sync_members(
                community,
                [
                    MemberInfo(u, f"P{i} Example", team=f"Acme/{DEPARTMENTS[i % 6]}")
                    for i, u in enumerate(people)
                ],
            )
            await core.run_round(community)
        keys = await _keys(core)
        started = time.perf_counter()
        [sent] = await _senders([url], [lambda db: chats_of(fake, tokens, db, MANY_SPEED)])
        elapsed = time.perf_counter() - started
        slowest = max(
            floor([c for c in fake.calls if c.team == team], MANY_SPEED) for team in tokens
        )
        duplicates, lost = _dup_lost(fake, keys, sent)
        return Outcome(
            f"{len(keys)} groups",
            (0.0, 0.0),
            (elapsed, slowest),
            fake.rate_limited,
            fake.inside_retry_after,
            duplicates,
            lost,
        )
    finally:
        await core.close()
        await fake.stop()


def _ratio(runs: list[Outcome], phase: Callable[[Outcome], tuple[float, float]]) -> str:
    ratios = sorted(t / max(f, 1e-9) for t, f in map(phase, runs))
    middle = sorted(runs, key=lambda r: phase(r)[0] / max(phase(r)[1], 1e-9))[len(runs) // 2]
    seconds, least = phase(middle)
    spread = f" ({ratios[0]:.2f}–{ratios[-1]:.2f})" if len(ratios) > 1 else ""
    return f"{statistics.median(ratios):.2f}{spread} = {seconds:.1f} s / {least:.1f} s"


def _row(label: str, runs: list[Outcome], enrolment: bool = True) -> list[str]:
    return [
        label,
        runs[0].enrolled,
        _ratio(runs, lambda r: r.enrol) if enrolment else "",
        _ratio(runs, lambda r: r.deliver),
        f"{sum(r.limited for r in runs)} / {sum(r.inside for r in runs)}",
        str(sum(r.duplicates for r in runs)),
        str(sum(r.lost for r in runs)),
    ]


def _cases(tmp: Path) -> list[list[str]]:
    rows: list[list[str]] = []
    runs: list[Outcome] = []
    for n in range(RUNS):
        runs.append(asyncio.run(install_round(f"sqlite+aiosqlite:///{tmp / f'i{n}.db'}", 1)))
    rows.append(_row(f"{MEMBERS} members, 1 sender, SQLite", runs))
    for senders in (1, 2):
        label = f"{MEMBERS} members, {senders} sender{'s' if senders > 1 else ''}, PostgreSQL"
        runs = []
        for _ in range(RUNS):
            schema = scratch_schema()
            if schema is None:
                break
            try:
                runs.append(asyncio.run(install_round(schema_url(schema), senders)))
            finally:
                drop_schema(schema)
        rows.append(_row(label, runs) if runs else [label, "skipped: no server"] + [""] * 5)
    runs = []
    for n in range(MANY_RUNS):  # on PostgreSQL, where 20 workspaces' writers do not queue
        schema = scratch_schema()
        url = f"sqlite+aiosqlite:///{tmp / f'm{n}.db'}" if schema is None else schema_url(schema)
        try:
            runs.append(asyncio.run(many_workspaces(url)))
        finally:
            if schema is not None:
                drop_schema(schema)
    label = f"{WORKSPACES} workspaces × {PER_WORKSPACE} members, 1 sender, PostgreSQL"
    rows.append(_row(label, runs, enrolment=False))
    return rows


def main() -> None:
    before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        rows = _cases(Path(tmp))
    table = Table(
        "run",
        "enrolled",
        "enrolment / floor",
        "delivery / floor",
        "429s / inside Retry-After",
        "duplicates",
        "lost",
    )
    for row in rows:
        table.add_row(*row)
    Console(width=200).print(table)
    print(
        f"median of {RUNS} run(s) ({MANY_RUNS} of the many-workspace one), (range); "
        f"Slack's tiers sped up {SPEED:.0f}× "
        f"(the many-workspace run {MANY_SPEED:.0f}×, its floor the slowest workspace's own); "
        f"load average {before:.1f} before, {os.getloadavg()[0]:.1f} after"
    )


if __name__ == "__main__":
    main()
