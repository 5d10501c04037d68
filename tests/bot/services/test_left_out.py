"""Nobody left out silently: whom a round cannot place is told so, and is placed next round."""

from __future__ import annotations

from sqlalchemy import select

from bot.core import Core
from bot.delivery.codec import decode
from bot.messages import Text
from bot.store.models import MemberRow, OutboxRow
from bot.texts import copy
from tests.conftest import MovableClock
from tests.factories import members


async def never_pair(core: Core, pid: str, others: list[str]) -> None:
    async with core.db.transaction() as session:
        member = await session.scalar(select(MemberRow).where(MemberRow.platform_id == pid))
        assert member is not None
        member.never_with = others


async def notices(core: Core) -> list[tuple[list[str], str]]:
    async with core.db.session() as session:
        rows = (
            await session.scalars(
                select(OutboxRow).where(OutboxRow.kind == "notice").order_by(OutboxRow.id)
            )
        ).all()
    shown = [(row.people, decode(row.payload)) for row in rows]
    return [(people, m.body) for people, m in shown if isinstance(m, Text)]


async def test_the_one_the_never_pair_lists_leave_out_is_told_and_placed_first_next_round(
    core: Core, community: int, clock: MovableClock
) -> None:
    ada, grace, alan = await members(core, 3, teams=3)
    await never_pair(core, alan, [ada, grace])  # nobody can be a trio with Alan and both others
    first = await core.run_round(community)
    assert first.groups == ((ada, grace),)
    told = await notices(core)
    assert told == [([alan], copy("left_out.notice", first_name="Alan"))]

    clock.advance(weeks=1)
    await never_pair(core, alan, [ada])  # Alan could meet Grace, but then Ada is left out
    second = await core.run_round(community)
    assert second.groups == ((grace, alan),)
    told = await notices(core)
    assert told[1:] == [([ada], copy("left_out.notice", first_name="Ada"))]


async def test_a_round_that_places_everyone_tells_nobody(core: Core, community: int) -> None:
    ids = await members(core, 7, teams=3)
    result = await core.run_round(community)
    assert sorted(p for g in result.groups for p in g) == sorted(ids)
    assert await notices(core) == []


async def test_the_first_in_line_is_not_the_one_left_out_again(
    core: Core, community: int, clock: MovableClock
) -> None:
    ada, grace, alan = await members(core, 3, teams=3)
    await never_pair(core, ada, [alan])  # a trio cannot be; Ada and Alan clash just as much
    first = await core.run_round(community)
    placed = {p for g in first.groups for p in g}
    [(left, _)] = await notices(core)
    assert placed == {grace} | ({ada, alan} - set(left))
    clock.advance(weeks=1)
    second = await core.run_round(community)
    assert set(left) <= {p for g in second.groups for p in g}
    [_, (left_again, _)] = await notices(core)
    assert left_again != left
