"""Slack rounds at the rate limits: install-to-first-round, and many workspaces at once.

Everything goes through the real Slack adapter (slack_sdk) to the project's fake Slack, which
keeps Slack's tier limits per workspace and method (and one post a second per channel), sped up
``SPEED`` times, and answers 429 + Retry-After beyond them. The adapter is told the speed-up, so
that it paces on the same tiers.

1. **Install to first round, 300 members**: the channel's members are read and enrolled
   (conversations.members, users.info, users.profile.get), a round is run and delivered — with one
   sender on SQLite, one on PostgreSQL, and two on PostgreSQL (two engines and rate-limit states,
   as two processes have, sharing the database). Figures: enrolled, each phase's time over the
   least the limits allow (the floor: for a method called n times, (n − burst) / rate, the
   slowest method deciding), 429s, calls made inside a Retry-After window, duplicates and lost.
2. **20 workspaces × 200 members**, each with its own limits, one round each, delivered by one
   sender: total time over the slowest workspace's own floor, duplicates and lost.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from adapters.slack.chat import SlackChat
from adapters.slack.render import metadata_key
from bench._postgres import drop_schema, schema_url, scratch_schema
from bot.core import open_core
from bot.delivery.limits import SharedLimits
from bot.delivery.sender import ChatFor, DrainReport, RetryPolicy, Sender
from bot.domain import Community, Platform
from bot.ports import Chat, MemberInfo, SpaceRef
from bot.settings import Settings
from bot.store.db import Database
from tests.fakes.slack.server import TIER, TIERS, FakeSlack
from tests.fakes.slack.state import User

QUICK = os.environ.get("BENCH_QUICK") == "1"
SPEED = 20.0  # Slack's windows, 20 times shorter
MEMBERS = 100 if QUICK else 300
WORKSPACES, PER_WORKSPACE = (4, 100) if QUICK else (20, 200)
MANY_SPEED = (
    20.0 if QUICK else 2.0
)  # the many-workspace run: slower, so that its floor is above the CPU time
DEPARTMENTS = ("Engineering", "Sales", "Finance", "Legal", "Support", "Design")


def floor(calls: Counter[str], speed: float) -> float:
    """The least time the fake's buckets allow for ``calls`` per method (capacity, then rate)."""
    worst = 0.0
    for method, n in calls.items():
        requests, window = TIER[TIERS.get(method, 3)]
        worst = max(worst, max(0, n - requests) / (requests / (window / speed)))
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


def delivered(fake: FakeSlack) -> Counter[str]:
    """How many times each outbox key was posted."""
    return Counter(
        marked[0]
        for _, message in fake.workspace.posts()
        if (marked := metadata_key(message)) is not None and marked[1] == 0
    )


def ok_counts(fake: FakeSlack, since: int, methods: tuple[str, ...]) -> Counter[str]:
    return Counter(c.method for c in fake.calls[since:] if c.ok and c.method in methods)


@dataclass
class Sized:
    url: str
    senders: int
    label: str


async def _senders(urls: list[str], chats: list[ChatFor]) -> list[int]:
    runs: list[Awaitable[DrainReport]] = []
    databases = [Database(u) for u in urls]
    try:
        for db, chat in zip(databases, chats, strict=True):
            runs.append(Sender(db, chat, policy=RetryPolicy(base=0.05)).drain(max_wait=300))
        return [r.sent for r in await asyncio.gather(*runs)]
    finally:
        for db in databases:
            await db.dispose()


async def install_round(run: Sized) -> list[str]:
    fake = await FakeSlack(scale=1 / SPEED).start()
    core = await open_core(Settings(_env_file=None), url=run.url)
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
        enrol_time = time.perf_counter() - started
        enrol_floor = floor(
            ok_counts(fake, 0, ("users.info", "users.profile.get", "conversations.members")),
            SPEED,
        )
        groups = len((await core.run_round(community)).groups)
        mark = len(fake.calls)
        limited_before = fake.rate_limited
        started = time.perf_counter()
        sent = await _senders(
            [run.url] * run.senders,
            [chats_of(fake, tokens, core.db, SPEED) for _ in range(run.senders)],
        )
        send_time = time.perf_counter() - started
        send_floor = floor(
            ok_counts(fake, mark, ("conversations.open", "conversations.history")), SPEED
        )
        posted = delivered(fake)
        return [
            run.label,
            f"{synced.enrolled}/{MEMBERS}",
            f"{enrol_time:.1f} s = {enrol_time / enrol_floor:.2f} × {enrol_floor:.1f} s",
            f"{send_time:.1f} s = {send_time / send_floor:.2f} × {send_floor:.1f} s",
            f"{fake.rate_limited - limited_before} / {fake.inside_retry_after}",
            str(sum(n - 1 for n in posted.values()) + max(0, sum(sent) - groups)),
            str(groups - len(posted)),
        ]
    finally:
        await core.close()
        await fake.stop()


async def many_workspaces(url: str) -> list[str]:
    fake = await FakeSlack(scale=1 / MANY_SPEED).start()
    core = await open_core(Settings(_env_file=None), url=url)
    try:
        tokens: dict[str, str] = {}
        groups = 0
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
            groups += len((await core.run_round(community)).groups)
        started = time.perf_counter()
        [sent] = await _senders([url], [chats_of(fake, tokens, core.db, MANY_SPEED)])
        elapsed = time.perf_counter() - started
        opens = Counter(
            c.args.get("users", "")[1:6]
            for c in fake.calls
            if c.ok and c.method == "conversations.open"
        )
        slowest = max(floor(Counter({"conversations.open": n}), MANY_SPEED) for n in opens.values())
        posted = delivered(fake)
        return [
            f"{WORKSPACES} workspaces × {PER_WORKSPACE} members, 1 sender",
            f"{groups} groups",
            "",
            f"{elapsed:.1f} s = {elapsed / slowest:.2f} × {slowest:.1f} s (slowest workspace)",
            f"{fake.rate_limited} / {fake.inside_retry_after}",
            str(sum(n - 1 for n in posted.values()) + max(0, sent - groups)),
            str(groups - len(posted)),
        ]
    finally:
        await core.close()
        await fake.stop()


def main() -> None:
    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = f"sqlite+aiosqlite:///{Path(tmp) / 'install.db'}"
        rows.append(
            asyncio.run(install_round(Sized(sqlite, 1, f"{MEMBERS} members, 1 sender, SQLite")))
        )
        for senders in (1, 2):
            schema = scratch_schema()
            label = f"{MEMBERS} members, {senders} sender(s), PostgreSQL"
            if schema is None:
                rows.append([label, "skipped: no server"] + [""] * 5)
                continue
            try:
                rows.append(asyncio.run(install_round(Sized(schema_url(schema), senders, label))))
            finally:
                drop_schema(schema)
        many = f"sqlite+aiosqlite:///{Path(tmp) / 'many.db'}"
        rows.append(asyncio.run(many_workspaces(many)))
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
    Console(width=180).print(table)
    print(
        f"Slack's tiers sped up {SPEED:.0f}× (the many-workspace run {MANY_SPEED:.0f}×); "
        f"load: {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
