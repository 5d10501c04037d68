from __future__ import annotations

from bot.core import Core
from bot.domain import Role
from bot.events import Actor, MemberJoined
from bot.messages import Text
from bot.store import repo
from bot.store.models import CommunityRow
from tests.conftest import WHERE, MovableClock, say
from tests.factories import all_answer, members


async def balanced(core: Core, teams: int, size: int) -> list[str]:
    """``teams`` teams of ``size`` members each; their ids, team by team."""
    ids = [f"t{t}m{k}" for t in range(teams) for k in range(size)]
    for pid in ids:
        team = f"Acme/Dept{pid[1]}/Team{pid[1]}"
        await core.handle(MemberJoined(WHERE, Actor(pid, f"Kim {pid}"), team))
    return ids


async def teams_of(core: Core, community: int) -> dict[str, str]:
    async with core.db.session() as session:
        return {m.platform_id: m.team for m in await repo.members(session, community)}


async def make_leads(core: Core, community: int, *ids: str) -> None:
    async with core.db.session() as session, session.begin():
        for pid in ids:
            await repo.grant_role(session, community, pid, Role.LEAD)


async def test_an_admin_sets_how_many_leads_join_groups(core: Core, community: int) -> None:
    reply = await core.handle(say("boss", "set leads-in-groups 2", admin=True))
    assert isinstance(reply, Text) and "leads-in-groups is now 2" in reply.body
    async with core.db.session() as session:
        row = await session.get(CommunityRow, community)
        assert row is not None and row.leads_in_groups == 2
    refused = await core.handle(say("boss", "set leads-in-groups many", admin=True))
    assert isinstance(refused, Text) and "set leads-in-groups 0…50" in refused.body


async def test_leads_take_turns_in_cross_team_groups_and_meet_other_teams_each_round(
    core: Core, community: int, clock: MovableClock
) -> None:
    ids = await balanced(core, teams=7, size=8)
    team = await teams_of(core, community)
    lead_a, lead_b = ids[0], ids[8]  # of different teams
    assert team[lead_a] != team[lead_b]
    await make_leads(core, community, lead_a, lead_b)
    await core.handle(say("boss", "set leads-in-groups 1", admin=True))
    met: dict[str, list[set[str]]] = {lead_a: [], lead_b: []}
    for number in range(1, 7):
        result = await core.run_round(community)
        await all_answer(core, result)
        trios = [g for g in result.groups if len(g) == 3]
        [lead] = [p for g in trios for p in g if p in met]  # one lead a round, in a trio
        assert lead == sorted(met)[(number - 1) % 2]  # taking turns
        [mine] = [g for g in result.groups if lead in g]
        others = {team[p] for p in mine if p != lead}
        assert len(others) == 2 and team[lead] not in others  # across teams, never their own
        met[lead].append(others)
        clock.advance(weeks=1)
    for rounds in met.values():
        assert len(rounds) == 3
        for before, after in zip(rounds, rounds[1:], strict=False):
            assert not before & after  # other teams than the last time


async def test_without_the_setting_leads_are_paired_like_everyone(
    core: Core, community: int
) -> None:
    ids = await members(core, 20, teams=4)
    await make_leads(core, community, ids[0])
    result = await core.run_round(community)
    assert [len(g) for g in result.groups] == [2] * 10
