"""Small factories for test data: people, teams and communities built through the core."""

from __future__ import annotations

from bot.core import Core
from bot.events import Actor, ButtonPressed, MemberJoined
from bot.services.intros import RoundResult
from bot.store import repo
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


async def all_answer(core: Core, result: RoundResult) -> None:
    """Everyone of the round taps "We met": nobody counts as quiet (three introductions left
    unanswered pause a member, two make them a trio's extra member)."""
    async with core.db.session() as session:
        groups = await repo.groups_of_round(session, result.round_id)
        people = {
            g.id: [m.platform_id for m in await repo.group_members(session, g.id)] for g in groups
        }
    for group_id, ids in people.items():
        for pid in ids:
            await core.handle(ButtonPressed(WHERE, Actor(pid, pid), "outcome", f"{group_id}:met"))
