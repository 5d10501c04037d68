"""Introductions on demand: `intro me` queues a member for a day and introduces them at once to
someone of another team who asks too, by the rules of a round; `suggest` introduces by hand."""

from __future__ import annotations

from sqlalchemy import select

from bot.core import Core
from bot.delivery.codec import decode
from bot.events import Actor, ButtonPressed
from bot.messages import Choices, Intro, Text
from bot.store import repo
from bot.store.models import ON_DEMAND, GroupRow, MemberRow, OutboxRow, RoundRow
from bot.texts import copy
from tests.bot.services.test_ghosts import digest_text, everyone_but, notices
from tests.conftest import WHERE, MovableClock, say
from tests.factories import all_answer, members
from tests.recording import RecordingChat


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


async def drained(core: Core) -> RecordingChat:
    chat = RecordingChat()
    await core.sender(chat).drain(max_wait=0.0)
    return chat


async def followups_of(core: Core) -> list[OutboxRow]:
    async with core.db.session() as session:
        return list(
            (
                await session.scalars(
                    select(OutboxRow).where(OutboxRow.kind == "followup").order_by(OutboxRow.id)
                )
            ).all()
        )


async def an_on_demand_pair(core: Core) -> tuple[str, str, int]:
    """Ada and Priya (two teams) ask for an introduction and get it: (ada, priya, group id)."""
    ids = await members(core, 6, teams=3)
    ada, priya = ids[0], ids[4]
    await core.handle(say(ada, "intro me"))
    matched = await core.handle(say(priya, "intro me"))
    assert isinstance(matched, Text) and "Ada" in matched.body
    async with core.db.session() as session:
        group = await session.scalar(select(GroupRow))
    assert group is not None
    return ada, priya, group.id


async def test_an_on_demand_introduction_is_followed_up_the_weekly_delay_after_it_was_sent_once(
    core: Core, community: int, clock: MovableClock
) -> None:
    ada, priya, group = await an_on_demand_pair(core)
    clock.advance(hours=2)  # sent two hours after it was made: the delay counts from then
    [sent] = (await drained(core)).sends()
    assert sent.key == f"intro-now:{community}:{group}"
    clock.advance(days=3, minutes=-1)  # followup_days is 3
    assert "follow-up" not in await core.run_job("sweep", community)
    assert await followups_of(core) == []
    clock.advance(minutes=1)
    assert "1 on-demand follow-up queued" in await core.run_job("sweep", community)
    assert "follow-up" not in await core.run_job("sweep", community)  # once
    updated, asked = await followups_of(core)
    assert updated.replaces_key == f"intro-now:{community}:{group}"
    assert sorted(asked.people) == sorted([ada, priya]) and asked.key == f"followup:{group}"
    question = decode(asked.payload)
    assert isinstance(question, Choices)
    assert question.body == copy("followup.ask", names="Ada, Priya")
    assert [b.value for b in question.buttons] == [
        f"{group}:met",
        f"{group}:not_yet",
        f"{group}:skipped",
    ]
    chat = await drained(core)
    assert [c.key for c in chat.sends()] == [f"followup:{group}"]
    assert [c.method for c in chat.calls if c.method == "update"] == ["update"]
    clock.advance(days=1)
    assert "follow-up" not in await core.run_job("sweep", community)
    assert len(await followups_of(core)) == 2


async def test_an_on_demand_introduction_never_sent_is_not_followed_up(
    core: Core, community: int, clock: MovableClock
) -> None:
    await an_on_demand_pair(core)
    clock.advance(days=4)
    assert "follow-up" not in await core.run_job("sweep", community)
    assert await followups_of(core) == []


async def test_a_we_met_on_an_on_demand_follow_up_counts_in_the_digests_meetings_held(
    core: Core, community: int, clock: MovableClock
) -> None:
    ids = await members(core, 6, teams=3)
    weekly = await core.run_round(community)
    await all_answer(core, weekly)  # three groups met, in round 1, out of the next period
    clock.advance(days=9)
    await core.handle(say(ids[0], "intro me"))
    await core.handle(say(ids[4], "intro me"))
    await drained(core)
    clock.advance(days=3)
    assert "1 on-demand follow-up queued" in await core.run_job("sweep", community)
    async with core.db.session() as session:
        group = await session.scalar(
            select(GroupRow).join(RoundRow).where(RoundRow.kind == ON_DEMAND)
        )
    assert group is not None
    met = await core.handle(
        ButtonPressed(WHERE, Actor(ids[0], "Ada"), "outcome", f"{group.id}:met")
    )
    assert isinstance(met, Text)
    text = await digest_text(core, community)
    assert copy("digest.meetings", met=1, groups=1, undeliverable=0) in text
    assert "new team pairs" not in text  # round 1 tied these teams, before the period


async def test_on_demand_introductions_count_towards_the_quiet_pause_and_their_follow_up_answers(
    core: Core, community: int, clock: MovableClock
) -> None:
    """Decided: an introduction on demand counts as any other for the quiet-member pause —
    three unanswered in a row pause a member, and a tap on its follow-up answers it."""
    ids = await members(core, 6, teams=3)
    ghost, answering = ids[0], ids[1]  # one team
    for _ in range(2):
        result = await core.run_round(community)
        await everyone_but(core, result, {ghost, answering})
        clock.advance(weeks=1)
    for pid, other in ((ghost, ids[4]), (answering, ids[5])):  # each introduced on demand
        boss = say("boss", f'suggest @{pid} @{other} "what each team is hiring for"', admin=True)
        assert isinstance(await core.handle(boss), Text)
    await drained(core)
    clock.advance(days=3)
    assert "2 on-demand follow-ups queued" in await core.run_job("sweep", community)
    async with core.db.session() as session:
        groups = (
            await session.scalars(select(GroupRow).join(RoundRow).where(RoundRow.kind == ON_DEMAND))
        ).all()
        mine = {
            m.platform_id: g.id for g in groups for m in await repo.group_members(session, g.id)
        }
    tap = ButtonPressed(WHERE, Actor(answering, "Grace"), "outcome", f"{mine[answering]}:not_yet")
    assert isinstance(await core.handle(tap), Text)
    clock.advance(days=4)
    third = await core.run_round(community)
    placed = {p for g in third.groups for p in g}
    assert ghost not in placed and answering in placed
    [(people, _)] = await notices(core)
    assert people == [ghost]


async def test_on_demand_buttons_go_stale_at_the_first_weekly_round_a_week_after_the_follow_up(
    core: Core, community: int, clock: MovableClock
) -> None:
    ada, _, group = await an_on_demand_pair(core)

    async def press() -> str:
        reply = await core.handle(
            ButtonPressed(WHERE, Actor(ada, "Ada"), "outcome", f"{group}:met")
        )
        assert isinstance(reply, Text)
        return reply.body

    clock.advance(days=9)  # the follow-up was due 6 days ago: a weekly round leaves it open
    assert (await core.run_round(community)).created
    assert "ended" not in await press()
    clock.advance(days=1)  # due 7 days ago: the next weekly round closes it
    assert (await core.run_round(community)).created
    assert await press() == copy("followup.stale", first_name="Ada")
