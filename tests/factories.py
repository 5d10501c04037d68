"""Small factories for test data: people, teams and communities built through the core."""

from __future__ import annotations

from bot.core import Core
from bot.events import Actor, MemberJoined
from tests.conftest import WHERE

FIRST_NAMES = ("Ada", "Grace", "Alan", "Barbara", "Priya", "Kofi", "Mei", "Lars", "Amara", "Diego")


def team_name(index: int) -> str:
    return f"Acme/Dept{index % 3}/Team{index}"


async def members(core: Core, count: int, teams: int) -> list[str]:
    """Enrol ``count`` people over ``teams`` teams (the first team the largest); their ids."""
    ids: list[str] = []
    for i in range(count):
        pid = f"u{i:03d}"
        team = team_name(0 if i < count // 3 else i % teams)
        name = f"{FIRST_NAMES[i % len(FIRST_NAMES)]} Person{i}"
        reply = await core.handle(MemberJoined(WHERE, Actor(pid, name), team))
        assert reply is None, reply
        ids.append(pid)
    return ids
