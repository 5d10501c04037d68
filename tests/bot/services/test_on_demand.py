"""Introductions on demand: `intro me` queues a member for a day and introduces them at once to
someone of another team who asks too, by the rules of a round; `suggest` introduces by hand."""

from __future__ import annotations

from sqlalchemy import select

from bot.core import Core
from bot.delivery.codec import decode
from bot.messages import Intro, Text
from bot.store.models import ON_DEMAND, MemberRow, OutboxRow, RoundRow
from bot.texts import copy
from tests.conftest import MovableClock, say
from tests.factories import members


async def on_demand_intros(core: Core) -> list[tuple[list[str], Intro]]:
    async with core.db.session() as session:
        rows = (
            await session.scalars(
                select(OutboxRow)
                .where(OutboxRow.key.startswith("intro-now:"))
                .order_by(OutboxRow.id)
            )
        ).all()
    shown = [(sorted(row.people), decode(row.payload)) for row in rows]
    return [(people, m) for people, m in shown if isinstance(m, Intro)]


async def team_of(core: Core, pid: str) -> str:
    async with core.db.session() as session:
        member = await session.scalar(select(MemberRow).where(MemberRow.platform_id == pid))
        assert member is not None
        return member.team


async def test_two_from_one_team_wait_and_one_from_another_team_is_introduced_at_once(
    core: Core, community: int
) -> None:
    ids = await members(core, 6, teams=3)
    ada, grace, other = ids[0], ids[1], ids[4]
    assert await team_of(core, ada) == await team_of(core, grace) != await team_of(core, other)
    assert await core.handle(say(ada, "intro me")) == Text(
        copy("intro_me.queued", first_name="Ada")
    )
    assert await core.handle(say(grace, "intro me")) == Text(
        copy("intro_me.queued", first_name="Grace")
    )
    assert await on_demand_intros(core) == []  # the same team: not paired
    reply = await core.handle(say(other, "intro me"))
    assert reply == Text(copy("intro_me.matched", first_name="Priya", names="Ada"))
    [(people, intro)] = await on_demand_intros(core)
    assert people == sorted([ada, other])
    assert intro.greeting == copy("on_demand.greeting", names="Ada and Priya")
    assert await core.handle(say(grace, "intro me")) == Text(
        copy("intro_me.already", first_name="Grace")
    )


async def test_three_from_three_teams_make_one_pair_and_the_third_waits(
    core: Core, community: int
) -> None:
    ids = await members(core, 6, teams=3)
    first, second, third = ids[0], ids[4], ids[2]
    teams = {await team_of(core, p) for p in (first, second, third)}
    assert len(teams) == 3
    await core.handle(say(first, "intro me"))
    matched = await core.handle(say(second, "intro me"))
    assert isinstance(matched, Text) and "Ada" in matched.body
    waits = await core.handle(say(third, "intro me"))
    assert waits == Text(copy("intro_me.queued", first_name="Alan"))
    assert [people for people, _ in await on_demand_intros(core)] == [sorted([first, second])]
    async with core.db.session() as session:
        rounds = (await session.scalars(select(RoundRow))).all()
    assert [(r.kind, r.number) for r in rounds] == [(ON_DEMAND, 0)]


async def test_recent_partners_and_never_pairs_are_not_introduced_on_demand(
    core: Core, community: int, clock: MovableClock
) -> None:
    ids = await members(core, 2, teams=2)
    weekly = await core.run_round(community)
    assert weekly.groups == (tuple(sorted(ids)),)
    await core.handle(say(ids[0], "intro me"))
    await core.handle(say(ids[1], "intro me"))
    assert await on_demand_intros(core) == []  # met in this week's round: no repeat
    # The day's weekly round still runs, apart from on-demand ones.
    clock.advance(days=1)
    assert (await core.run_round(community)).created


async def test_a_queue_lasts_a_day_and_a_paused_member_cannot_queue(
    core: Core, community: int, clock: MovableClock
) -> None:
    ids = await members(core, 6, teams=3)
    await core.handle(say(ids[0], "intro me"))
    clock.advance(days=1, minutes=1)
    assert await core.handle(say(ids[4], "intro me")) == Text(
        copy("intro_me.queued", first_name="Priya")
    )
    await core.handle(say(ids[2], "pause 2 weeks"))
    assert await core.handle(say(ids[2], "intro me")) == Text(
        copy("intro_me.not_active", first_name="Alan")
    )
    assert await on_demand_intros(core) == []


async def test_a_weekly_round_on_the_day_of_on_demand_intros_runs_and_counts_on(
    core: Core, community: int, clock: MovableClock
) -> None:
    ids = await members(core, 6, teams=3)
    await core.handle(say(ids[0], "intro me"))
    await core.handle(say(ids[4], "intro me"))
    assert len(await on_demand_intros(core)) == 1
    first = await core.run_round(community)
    assert first.created and first.number == 1
    pair = {ids[0], ids[4]}
    assert all(set(g) != pair for g in first.groups)  # just introduced: no repeat
    clock.advance(weeks=1)
    assert (await core.run_round(community)).number == 2


async def test_a_facilitator_suggests_an_introduction_with_a_topic(
    core: Core, community: int
) -> None:
    ids = await members(core, 4, teams=2)
    boss = say("boss", f'suggest @{ids[0]} @{ids[1]} "how each team plans its quarter"', admin=True)
    reply = await core.handle(boss)
    assert reply == Text(
        copy("suggest.done", names="Ada and Grace", topic="how each team plans its quarter")
    )
    [(people, intro)] = await on_demand_intros(core)
    assert people == sorted(ids[:2])
    assert intro.starter == "how each team plans its quarter"
    assert intro.greeting == copy("suggest.greeting", names="Ada and Grace")


async def test_suggest_refuses_self_unknown_opted_out_and_twice_and_changes_nothing(
    core: Core, community: int
) -> None:
    ids = await members(core, 4, teams=2)
    await core.handle(say(ids[2], "leave"))
    for text, problem in (
        (f'suggest @{ids[0]} @{ids[0]} "x"', "the same person twice"),
        (f'suggest @boss @{ids[0]} "x"', "you can't suggest yourself"),
        (f'suggest @{ids[0]} @nobody "x"', "I don't know"),
        (f'suggest @{ids[0]} @{ids[2]} "x"', "Alan has left introductions"),
        (f"suggest @{ids[0]} @{ids[1]}", "give one topic"),
        (f'suggest @{ids[0]} "x"', "mention two or three people"),
    ):
        reply = await core.handle(say("boss", text, admin=True))
        assert isinstance(reply, Text) and problem in reply.body and "Usage:" in reply.body, (
            text,
            reply,
        )
    member = await core.handle(say(ids[3], f'suggest @{ids[0]} @{ids[1]} "x"'))
    assert isinstance(member, Text) and "facilitator" in member.body
    assert await on_demand_intros(core) == []
    async with core.db.session() as session:
        assert (await session.scalars(select(RoundRow))).all() == []
