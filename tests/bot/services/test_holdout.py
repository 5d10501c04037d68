from __future__ import annotations

from sqlalchemy import select

from bot.core import Core
from bot.events import Actor, MemberJoined
from bot.lift import HOLDOUT_ROUNDS
from bot.messages import Text
from bot.services import holdout
from bot.services.context import Context
from bot.store import repo
from bot.store.ties import HoldoutPairRow
from tests.bot.services.test_digest import build
from tests.conftest import WHERE, MovableClock, say
from tests.factories import all_answer


async def small_teams(core: Core, teams: int, size: int) -> None:
    for t in range(teams):
        for k in range(size):
            team = f"Acme/Dept{t % 3}/Team{t:02d}"
            await core.handle(MemberJoined(WHERE, Actor(f"t{t:02d}m{k}", f"Kim T{t}m{k}"), team))


async def stored(core: Core) -> list[tuple[int, str, str, bool]]:
    async with core.db.session() as session:
        rows = await session.scalars(select(HoldoutPairRow).order_by(HoldoutPairRow.id))
        return [(r.first_round, r.first_team, r.second_team, r.held) for r in rows.all()]


async def held_in_round(core: Core, community: int, number: int) -> int:
    async with core.db.session() as session, session.begin():
        row = await repo.get_community(session, community)
        assert row is not None
        ctx = Context(session, core.clock, row, core.threshold)
        return len(await holdout.untargeted(ctx, number, await repo.members(session, community)))


async def test_a_holdout_is_off_by_default(core: Core, community: int) -> None:
    await small_teams(core, 6, 2)
    await core.run_round(community)
    assert await stored(core) == []
    assert await core.lift(community) is None
    assert "lift" not in (await build(core, community)).text


async def test_a_holdout_is_fixed_when_it_starts_and_lasts_twelve_rounds(
    core: Core, community: int, clock: MovableClock
) -> None:
    await small_teams(core, 10, 2)
    reply = await core.handle(say("boss", "set holdout 20%", admin=True))
    assert isinstance(reply, Text) and "holdout is now 20% of the team pairs" in reply.body
    await all_answer(core, await core.run_round(community))
    first = await stored(core)
    assert len(first) == 45  # every two of 10 teams, none met before
    assert sum(held for *_, held in first) == 9  # 20% of them held out
    assert {number for number, *_ in first} == {1}
    for _ in range(3):
        clock.advance(weeks=1)
        await all_answer(core, await core.run_round(community))
    assert await stored(core) == first  # fixed at the start, whatever has met since
    assert await held_in_round(core, community, HOLDOUT_ROUNDS) == 9
    assert await held_in_round(core, community, HOLDOUT_ROUNDS + 1) == 0  # steering resumes
    lift = await core.lift(community)
    assert lift is not None and (lift.rounds, lift.held, lift.steered) == (4, 9, 36)
    text = (await build(core, community)).text
    assert "The steering's lift (an estimate; holdout round 4 of 12)" in text
    assert "95% interval" in text
    await core.handle(say("boss", "set holdout off", admin=True))
    assert await held_in_round(core, community, 5) == 0
    assert await stored(core) == first  # the report stays until a new holdout
